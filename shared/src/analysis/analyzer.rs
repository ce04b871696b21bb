//! The analyzer: a policy prepared once for many drafts, the rules run paragraph by
//! paragraph, and the cache that lets a keystroke rescan only the paragraph it changed.

use std::ops::Range;

use super::{Analysis, Draft, Finding, ItemState, ItemStateKind, Severity, count_remaining};
use crate::policy::{Check, Policy, RuleId};
use crate::rules::{self, At, RawFinding};
use crate::text::{Span, Utf16Cursor, fold};

/// A policy prepared for checking drafts: normalized domain lists, folded keywords and
/// signature patterns.
#[derive(Debug, Clone)]
pub struct Analyzer<'p> {
    policy: &'p Policy,
    /// Each item's automatic rule, if it has one that applies.
    item_rules: Vec<Option<RuleId>>,
    /// The set of rules used, as bits.
    used: u16,
    /// For each rule (by discriminant), the items that use it.
    rule_items: Vec<Vec<usize>>,
    sources: rules::links::SourceLists<'p>,
    keywords: rules::mandate::Keywords,
    signature: Option<rules::identity::Signature>,
}

impl<'p> Analyzer<'p> {
    /// Prepares `policy`.
    pub fn new(policy: &'p Policy) -> Analyzer<'p> {
        let item_rules: Vec<Option<RuleId>> = policy
            .items
            .iter()
            .map(|item| match policy.effective_check(item) {
                Check::Manual => None,
                Check::Automatic { rule } => Some(rule),
            })
            .collect();
        let used = item_rules
            .iter()
            .flatten()
            .fold(0, |bits, rule| bits | rule.bit());
        let mut rule_items = vec![Vec::new(); RuleId::ALL.len()];
        for (index, rule) in item_rules.iter().enumerate() {
            if let Some(rule) = rule {
                rule_items[*rule as usize].push(index);
            }
        }
        Analyzer {
            policy,
            item_rules,
            used,
            rule_items,
            sources: rules::links::SourceLists::new(&policy.sources),
            keywords: rules::mandate::Keywords::new(&policy.mandate_keywords),
            signature: policy
                .signature
                .as_ref()
                .map(rules::identity::Signature::new),
        }
    }

    fn uses(&self, rule: RuleId) -> bool {
        self.used & rule.bit() != 0
    }

    /// Checks `draft`.
    pub fn analyze(&self, draft: &Draft) -> Analysis {
        self.analyze_cached(draft, &mut AnalysisCache::default())
    }

    /// Checks `draft`, scanning again only the paragraphs that changed since the analysis
    /// `cache` remembers (the same box's previous draft), and remembers this one. The result
    /// is the same as [`Analyzer::analyze`]'s: the rules see one paragraph at a time in both.
    pub fn analyze_cached(&self, draft: &Draft, cache: &mut AnalysisCache) -> Analysis {
        let text = draft.text.as_str();
        let empty = text.trim().is_empty() && draft.links.is_empty();
        if empty {
            cache.paragraphs.clear();
            return self.assemble(text, true, Vec::new());
        }
        let mut extra: Vec<RawFinding> = Vec::new();
        self.run_rules(draft, cache, &mut extra);
        // The paragraphs' findings (moved to their place in the text), then the others;
        // each is copied once, into its `Finding`.
        let mut located: Vec<(At, &RawFinding)> = Vec::new();
        let mut offset = 0;
        for paragraph in &cache.paragraphs {
            located.extend(paragraph.raw.iter().map(|finding| {
                let at = match &finding.at {
                    At::Bytes(bytes) => At::Bytes(bytes.start + offset..bytes.end + offset),
                    at => at.clone(),
                };
                (at, finding)
            }));
            offset += paragraph.text.len();
        }
        located.extend(extra.iter().map(|finding| (finding.at.clone(), finding)));
        self.assemble(text, false, located)
    }

    fn wants_links(&self) -> bool {
        [
            RuleId::Links,
            RuleId::Shorteners,
            RuleId::LinkText,
            RuleId::LookalikeDomains,
            RuleId::SourceCredibility,
        ]
        .iter()
        .any(|rule| self.uses(*rule))
    }

    fn signature(&self) -> Option<&rules::identity::Signature> {
        self.signature
            .as_ref()
            .filter(|_| self.uses(RuleId::Signature))
    }

    /// What the rules find in one paragraph, located within it.
    fn scan_paragraph(&self, text: &str) -> Paragraph {
        let mut raw = Vec::new();
        let wants_links = self.wants_links();
        let links = if wants_links || self.uses(RuleId::PersonalInfo) {
            rules::links::find_links(text, &self.sources)
        } else {
            Vec::new()
        };
        if wants_links {
            rules::links::check_found(
                text,
                &links,
                &self.sources,
                |rule| self.uses(rule),
                &mut raw,
            );
        }
        if self.uses(RuleId::PersonalInfo) {
            let excluded: Vec<_> = links.iter().map(|link| link.range.clone()).collect();
            rules::personal::check(text, &excluded, &mut raw);
        }
        let mut mandate = false;
        let mut signature = None;
        let mut trailer = true;
        let wants_signature = self.signature();
        if self.uses(RuleId::Mandate) || wants_signature.is_some() {
            let folded = fold(text);
            if self.uses(RuleId::Mandate) {
                mandate = rules::mandate::matches(
                    &folded,
                    folded.words(),
                    text,
                    &self.keywords,
                    &mut raw,
                );
            }
            if let Some(wanted) = wants_signature {
                signature = rules::identity::find(&folded, folded.words(), wanted);
                trailer = rules::identity::is_trailer(&folded);
            }
        }
        Paragraph {
            text: text.to_owned(),
            links,
            raw,
            mandate,
            signature,
            trailer,
        }
    }

    fn run_rules(&self, draft: &Draft, cache: &mut AnalysisCache, raw: &mut Vec<RawFinding>) {
        let text = draft.text.as_str();
        let ranges = paragraphs(text);
        // The paragraphs kept from the previous draft: the same ones at its start and at
        // its end (an edit changes one paragraph, or a few in a row).
        let mut old = std::mem::take(&mut cache.paragraphs);
        let same = |old: &Paragraph, range: &Range<usize>| old.text == text[range.clone()];
        let prefix = old
            .iter()
            .zip(&ranges)
            .take_while(|(old, range)| same(old, range))
            .count();
        let room = old.len().min(ranges.len()) - prefix;
        let suffix = old
            .iter()
            .rev()
            .zip(ranges.iter().rev())
            .take(room)
            .take_while(|(old, range)| same(old, range))
            .count();
        let mut tail = old.split_off(old.len() - suffix);
        old.truncate(prefix);
        let middle = ranges[prefix..ranges.len() - suffix]
            .iter()
            .map(|range| self.scan_paragraph(&text[range.clone()]));
        let mut kept: Vec<Paragraph> = old;
        kept.extend(middle);
        kept.append(&mut tail);

        let mut found = Vec::new();
        let mut mandate = false;
        let mut signature = None;
        for (paragraph, range) in kept.iter().zip(&ranges) {
            let offset = range.start;
            found.extend(paragraph.links.iter().map(|link| rules::links::FoundLink {
                range: link.range.start + offset..link.range.end + offset,
                ..link.clone()
            }));
            mandate |= paragraph.mandate;
        }
        if let Some(wanted) = self.signature() {
            // The first paragraph's signature; at the end, only trailers may follow it.
            let at_end = rules::identity::at_end(wanted);
            for (index, (paragraph, range)) in kept.iter().zip(&ranges).enumerate() {
                let Some(found) = &paragraph.signature else {
                    continue;
                };
                if at_end && !kept[index + 1..].iter().all(|later| later.trailer) {
                    continue;
                }
                signature = Some(found.start + range.start..found.end + range.start);
                break;
            }
        }
        if self.wants_links() {
            rules::links::check_editor_links(
                draft,
                &found,
                &self.sources,
                |rule| self.uses(rule),
                raw,
            );
        }
        if self.uses(RuleId::Mandate) && !mandate {
            rules::mandate::missing(raw);
        }
        if let Some(wanted) = self.signature() {
            rules::identity::push(text, signature, wanted, raw);
        }
        cache.paragraphs = kept;
    }

    fn assemble(&self, text: &str, empty: bool, raw: Vec<(At, &RawFinding)>) -> Analysis {
        // Text order, sorting indexes rather than findings: byte ranges first (their order
        // is also their UTF-16 order, so one pass of the cursor converts them), then the
        // UTF-16 spans the editor gave, then findings without a position.
        let mut order: Vec<usize> = (0..raw.len()).collect();
        sort_indexes(&mut order, &|index| match &raw[index].0 {
            At::Bytes(range) => (0, range.start, range.end),
            At::Utf16(_) => (1, 0, 0),
            At::None => (2, 0, 0),
        });
        let mut cursor = Utf16Cursor::new(text);
        let mut spans: Vec<Option<Span>> = vec![None; raw.len()];
        for &index in &order {
            spans[index] = match &raw[index].0 {
                At::Bytes(range) => Some(cursor.span(range.clone())),
                At::Utf16(span) => Some(*span),
                At::None => None,
            };
        }
        if raw.iter().any(|(at, _)| matches!(at, At::Utf16(_))) {
            sort_indexes(&mut order, &|index| match spans[index] {
                Some(span) => (0, span.start as usize, span.end as usize),
                None => (1, 0, 0),
            });
        }

        let mut counts = vec![0u32; self.policy.items.len()];
        let mut worst: Vec<Option<Severity>> = vec![None; self.policy.items.len()];
        let mut findings = Vec::with_capacity(order.len());
        for &index in &order {
            let (span, finding) = (spans[index], raw[index].1);
            for &item in &self.rule_items[finding.rule as usize] {
                counts[item] += 1;
                worst[item] = worst[item].max(Some(finding.severity));
                findings.push(Finding {
                    item_id: self.policy.items[item].id.clone(),
                    rule: finding.rule,
                    kind: finding.kind,
                    severity: finding.severity,
                    message: finding.message.clone(),
                    span,
                    excerpt: finding.excerpt.clone(),
                });
            }
        }

        let items: Vec<ItemState> = self
            .policy
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let rule = self.item_rules[index];
                let state = match (rule, empty) {
                    (None, _) | (Some(_), true) => ItemStateKind::Todo,
                    (Some(_), false) => match worst[index] {
                        Some(Severity::Error) => ItemStateKind::Fail,
                        Some(Severity::Warning) => ItemStateKind::Warn,
                        Some(Severity::Info) | None => ItemStateKind::Ok,
                    },
                };
                ItemState {
                    id: item.id.clone(),
                    state,
                    required: item.required,
                    manual: rule.is_none(),
                    rule,
                    finding_count: counts[index],
                    confirmed: false,
                }
            })
            .collect();
        let strict_mode = self.policy.strict_mode;
        Analysis {
            findings,
            required_remaining: count_remaining(&items, strict_mode),
            items,
            strict_mode,
        }
    }
}

/// The byte ranges of `text`'s paragraphs, each ending after the blank line that ends it
/// (`"\n\n"`) or at the end of the text. The rules look at one paragraph at a time: no
/// link, number, keyword or signature spans a blank line, nor does the context a birth
/// date or a phone number is judged by.
pub(super) fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while let Some(at) = crate::text::find_str(&text[start..], "\n\n") {
        let end = start + at + 2;
        ranges.push(start..end);
        start = end;
    }
    if start < text.len() || ranges.is_empty() {
        ranges.push(start..text.len());
    }
    ranges
}

/// What the rules found in one paragraph, located within it.
#[derive(Debug, Clone)]
struct Paragraph {
    text: String,
    /// The links of its text.
    links: Vec<rules::links::FoundLink>,
    /// Findings located in it (links, personal information, mandate keywords).
    raw: Vec<RawFinding>,
    /// Whether a mandate keyword is in it.
    mandate: bool,
    /// Its first signature (with placement `end`, followed only by a trailer in it).
    signature: Option<Range<usize>>,
    /// Whether it holds only what may follow a signature placed at the end.
    trailer: bool,
}

/// What one compose box's last analysis found, paragraph by paragraph, for
/// [`Analyzer::analyze_cached`] to reuse on the paragraphs that did not change. Valid for
/// one [`Analyzer`] only.
#[derive(Debug, Clone, Default)]
pub struct AnalysisCache {
    paragraphs: Vec<Paragraph>,
}

/// Sorts indexes by `key`, then by index (so no two compare equal and any sort gives the
/// same order). A heapsort: a few hundred bytes in the wasm where the standard unstable sort
/// links about 3 KB, and O(n log n) still for a draft with thousands of findings.
fn sort_indexes(order: &mut [usize], key: &dyn Fn(usize) -> (u8, usize, usize)) {
    let full_key = |index: usize| {
        let (first, second, third) = key(index);
        (first, second, third, index)
    };
    // Moves `order[root]` down the heap of the first `end` elements.
    let sift_down = |order: &mut [usize], mut root: usize, end: usize| {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                break;
            }
            if child + 1 < end && full_key(order[child]) < full_key(order[child + 1]) {
                child += 1;
            }
            if full_key(order[root]) >= full_key(order[child]) {
                break;
            }
            order.swap(root, child);
            root = child;
        }
    };
    let len = order.len();
    for root in (0..len / 2).rev() {
        sift_down(order, root, len);
    }
    for end in (1..len).rev() {
        order.swap(0, end);
        sift_down(order, 0, end);
    }
}

#[cfg(test)]
mod sort_tests {
    use super::sort_indexes;

    #[test]
    fn sorts_indexes_as_the_standard_sort() {
        let mut seed = 0x2545_f491_u64;
        let mut next = |below: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) % below) as usize
        };
        for len in (0..70).chain([257, 1_000]) {
            // Few distinct keys, so that the index decides often.
            let keys: Vec<(u8, usize, usize)> = (0..len)
                .map(|_| (next(3) as u8, next(5), next(4)))
                .collect();
            let mut order: Vec<usize> = (0..len).rev().collect();
            for swap in 0..len {
                order.swap(swap, next(len as u64));
            }
            let mut expected = order.clone();
            expected.sort_unstable_by_key(|&index| {
                let (first, second, third) = keys[index];
                (first, second, third, index)
            });
            sort_indexes(&mut order, &|index| keys[index]);
            assert_eq!(order, expected, "{len}");
        }
    }
}
