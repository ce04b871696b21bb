//! Checking a draft against a policy: findings with UTF-16 spans and the state of each
//! checklist item.
//!
//! [`analyze`] runs the automatic rules of the policy's items on a [`Draft`]. Manual items
//! stay [`ItemStateKind::Todo`] until the person ticks them ([`Analysis::with_confirmed`]).
//! An automatic item's state is the worst severity of its findings: an error fails it, a
//! warning warns, information only (or nothing) is fine. An empty draft leaves every item
//! to do and has no findings.
//!
//! `required_remaining` counts the required items that still stand in the way: to do,
//! failed, and, in strict mode, warned and not acknowledged (the `mandate` rule is only ever
//! a hint and never counts).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::i18n::Localized;
use crate::policy::{Check, Policy, RuleId};
use crate::rules::{self, At, RawFinding};
use crate::text::{Span, Utf16Cursor, fold};

/// A draft as the extension reads it from a compose box.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Draft {
    /// The text, as `innerText` or `value` gives it.
    pub text: String,
    /// Links carried by a rich editor, with their displayed text.
    #[serde(default)]
    pub links: Vec<DraftLink>,
}

impl Draft {
    /// A draft of plain text, without editor links.
    pub fn from_text(text: impl Into<String>) -> Draft {
        Draft {
            text: text.into(),
            links: Vec::new(),
        }
    }
}

/// A link of a rich editor: where it leads and what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DraftLink {
    /// The link's target (`href`).
    pub href: String,
    /// The text it displays.
    #[serde(default)]
    pub text: String,
    /// Where the displayed text is in the draft's text (UTF-16), when the editor knows.
    #[serde(default)]
    pub span: Option<Span>,
}

/// How serious a finding is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information; nothing to fix.
    Info,
    /// Worth a look; does not fail the item.
    Warning,
    /// Breaks the policy; fails the item.
    Error,
}

/// What a rule found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    /// A link (listed for review).
    Link,
    /// A URL shortener hiding the link's target.
    Shortener,
    /// A link whose displayed text names another domain than its target.
    LinkTextMismatch,
    /// A domain imitating another (punycode, mixed scripts, near-copy of a trusted one).
    LookalikeDomain,
    /// A URL whose user-info part (`https://lacsq.org@evil.example/`) hides its real host.
    DeceptiveUrl,
    /// A link to a trusted source.
    TrustedSource,
    /// A link to a source flagged for misinformation.
    FlaggedSource,
    /// A link to a source the policy does not know.
    UnknownSource,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A Canadian social insurance number (passes the Luhn check).
    Sin,
    /// A Canadian postal code.
    PostalCode,
    /// A date that looks like a birth date.
    BirthDate,
    /// A word tied to the union's mandate.
    MandateMatch,
    /// No word tied to the union's mandate.
    MandateMissing,
    /// The signature the policy asks for.
    SignatureFound,
    /// No signature the policy asks for.
    SignatureMissing,
}

impl FindingKind {
    /// Whether the excerpt is someone's personal information (mask it before storing).
    pub fn is_personal_info(self) -> bool {
        matches!(
            self,
            FindingKind::Email
                | FindingKind::Phone
                | FindingKind::Sin
                | FindingKind::PostalCode
                | FindingKind::BirthDate
        )
    }
}

/// Something a rule found in the draft, attached to the checklist item that uses the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Finding {
    /// The checklist item.
    pub item_id: String,
    /// The rule that found it.
    pub rule: RuleId,
    /// What it is.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// What to tell the person.
    pub message: Localized,
    /// Where, in UTF-16 code units of the draft's text (none for absences, or for a link
    /// whose text could not be located).
    pub span: Option<Span>,
    /// The text matched (empty for absences).
    pub excerpt: String,
}

/// The state of a checklist item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStateKind {
    /// Fine.
    Ok,
    /// Worth a look.
    Warn,
    /// Breaks the policy.
    Fail,
    /// Not checked yet (manual, or the draft is empty).
    Todo,
}

/// A checklist item's state after analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemState {
    /// The item's id.
    pub id: String,
    /// Its state.
    pub state: ItemStateKind,
    /// Whether the policy requires it.
    pub required: bool,
    /// Whether the person checks it (no automatic rule applies).
    pub manual: bool,
    /// The automatic rule, when not manual.
    pub rule: Option<RuleId>,
    /// How many findings it has.
    pub finding_count: u32,
    /// Whether the person ticked it (manual) or acknowledged its warning (automatic).
    pub confirmed: bool,
}

/// The result of checking a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Analysis {
    /// Findings in text order (those without a span last).
    pub findings: Vec<Finding>,
    /// Every checklist item, in the policy's order.
    pub items: Vec<ItemState>,
    /// Required items still standing in the way of publishing.
    pub required_remaining: u32,
    /// Whether the policy's strict mode applies (warnings block until acknowledged).
    pub strict_mode: bool,
}

impl Analysis {
    /// The analysis with the person's ticks applied: manual items whose id is in
    /// `confirmed` become [`ItemStateKind::Ok`]; automatic items there that only warn are
    /// acknowledged (they keep their state but no longer block in strict mode). Failed
    /// items stay failed. Recomputes `required_remaining`.
    pub fn with_confirmed<S: AsRef<str>>(mut self, confirmed: &[S]) -> Analysis {
        self.confirm(confirmed);
        self
    }

    /// [`Analysis::with_confirmed`] in place.
    pub fn confirm<S: AsRef<str>>(&mut self, confirmed: &[S]) {
        for item in &mut self.items {
            if !confirmed.iter().any(|id| id.as_ref() == item.id) {
                continue;
            }
            if item.manual {
                item.state = ItemStateKind::Ok;
                item.confirmed = true;
            } else if item.state == ItemStateKind::Warn {
                item.confirmed = true;
            }
        }
        self.required_remaining = count_remaining(&self.items, self.strict_mode);
    }

    /// The state of the item with this id.
    pub fn item(&self, id: &str) -> Option<&ItemState> {
        self.items.iter().find(|item| item.id == id)
    }

    /// The findings of the item with this id.
    pub fn findings_for<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |finding| finding.item_id == id)
    }

    /// Whether nothing required remains.
    pub fn is_clear(&self) -> bool {
        self.required_remaining == 0
    }
}

fn blocks(item: &ItemState, strict: bool) -> bool {
    item.required
        && match item.state {
            ItemStateKind::Todo | ItemStateKind::Fail => true,
            ItemStateKind::Warn => strict && !item.confirmed && item.rule != Some(RuleId::Mandate),
            ItemStateKind::Ok => false,
        }
}

fn count_remaining(items: &[ItemState], strict: bool) -> u32 {
    items.iter().filter(|item| blocks(item, strict)).count() as u32
}

/// Checks `draft` against `policy`. For many drafts with one policy, build an [`Analyzer`]
/// once instead.
pub fn analyze(policy: &Policy, draft: &Draft) -> Analysis {
    Analyzer::new(policy).analyze(draft)
}

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
fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while let Some(at) = text[start..].find("\n\n") {
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

/// Sorts indexes by `key`, then by index: one copy of the standard sort for every use (each
/// closure given to `sort_unstable_by_key` would link its own into the wasm).
fn sort_indexes(order: &mut [usize], key: &dyn Fn(usize) -> (u8, usize, usize)) {
    order.sort_unstable_by_key(|&index| {
        let (first, second, third) = key(index);
        (first, second, third, index)
    });
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;
    use crate::policy::{Placement, SignatureRule};

    fn policy() -> Policy {
        Policy::sec_csq_default()
    }

    fn run(text: &str) -> Analysis {
        analyze(&policy(), &Draft::from_text(text))
    }

    /// The text a UTF-16 span covers, as the browser would slice it.
    fn slice(text: &str, span: Span) -> String {
        let units: Vec<u16> = text.encode_utf16().collect();
        String::from_utf16(&units[span.start as usize..span.end as usize]).expect("a whole span")
    }

    fn state(analysis: &Analysis, id: &str) -> ItemStateKind {
        analysis.item(id).expect("the item exists").state
    }

    /// (kind, excerpt) of the findings of one item.
    fn kinds(analysis: &Analysis, id: &str) -> Vec<(FindingKind, String)> {
        analysis
            .findings_for(id)
            .map(|f| (f.kind, f.excerpt.clone()))
            .collect()
    }

    /// Every located finding's span covers exactly its excerpt.
    fn assert_spans_match(text: &str, analysis: &Analysis) {
        for finding in &analysis.findings {
            if let Some(span) = finding.span {
                assert_eq!(slice(text, span), finding.excerpt, "{finding:?}");
            }
        }
    }

    #[test]
    fn an_empty_draft_leaves_everything_to_do() {
        let policy = policy();
        let required = policy.items.iter().filter(|item| item.required).count() as u32;
        for text in ["", "  \n\u{a0}\t"] {
            let analysis = analyze(&policy, &Draft::from_text(text));
            assert!(analysis.findings.is_empty());
            assert!(
                analysis
                    .items
                    .iter()
                    .all(|item| item.state == ItemStateKind::Todo)
            );
            assert_eq!(analysis.items.len(), policy.items.len());
            assert_eq!(analysis.required_remaining, required);
        }
    }

    #[test]
    fn shorteners_from_the_public_list_and_random_tokens_on_tiny_domains() {
        let text = "Voir youtu.be/dQw4w9WgXcQ, nyti.ms/3xYz, spoti.fi/abc, forms.gle/x et \
                    https://zqx.ca/3xYz9Ab, mais pas https://cbc.ca/nouvelles ni ici.ca/Contact.";
        let analysis = run(text);
        assert_spans_match(text, &analysis);
        let shorteners: Vec<(String, String)> = analysis
            .findings_for("liens-complets")
            .filter(|f| f.kind == FindingKind::Shortener)
            .map(|f| (f.excerpt.clone(), f.message.en.clone()))
            .collect();
        let hidden = |host: &str| {
            format!(
                "Shortened link ({host}): its destination is hidden. Use the full link instead."
            )
        };
        assert_eq!(
            shorteners,
            [
                ("youtu.be/dQw4w9WgXcQ".to_owned(), hidden("youtu.be")),
                ("nyti.ms/3xYz".to_owned(), hidden("nyti.ms")),
                ("spoti.fi/abc".to_owned(), hidden("spoti.fi")),
                ("forms.gle/x".to_owned(), hidden("forms.gle")),
                (
                    "https://zqx.ca/3xYz9Ab".to_owned(),
                    "Possibly a shortened link (zqx.ca): the domain is very short and the path \
                     \"3xYz9Ab\" looks like a random code. Check where it leads and use the full link."
                        .to_owned()
                ),
            ]
        );
        let possible = analysis
            .findings_for("liens-complets")
            .find(|f| f.excerpt == "https://zqx.ca/3xYz9Ab")
            .expect("the possible shortener");
        assert_eq!(possible.severity, Severity::Warning);
        assert!(
            possible
                .message
                .fr
                .starts_with("Lien peut-être raccourci (zqx.ca) :")
        );

        // The policy adds and removes domains.
        let mut policy = policy();
        policy.sources.not_shorteners = vec!["youtu.be".into(), "forms.gle".into()];
        policy.sources.shorteners = vec!["ici.ca".into()];
        let analysis = analyze(&policy, &Draft::from_text(text));
        let excerpts: Vec<&str> = analysis
            .findings_for("liens-complets")
            .filter(|f| f.kind == FindingKind::Shortener)
            .map(|f| f.excerpt.as_str())
            .collect();
        assert_eq!(
            excerpts,
            [
                "nyti.ms/3xYz",
                "spoti.fi/abc",
                "https://zqx.ca/3xYz9Ab",
                "ici.ca/Contact"
            ]
        );
    }

    #[test]
    fn the_realistic_post() {
        let text = crate::sample::realistic_french_post();
        let analysis = run(text);
        assert_spans_match(text, &analysis);
        let ids = |id: &str, kind: FindingKind| -> Vec<String> {
            analysis
                .findings_for(id)
                .filter(|f| f.kind == kind)
                .map(|f| f.excerpt.clone())
                .collect()
        };
        assert_eq!(
            ids("liens-complets", FindingKind::Shortener),
            ["bit.ly/negociation-fse-2026"]
        );
        assert_eq!(
            ids("credibilite-des-liens", FindingKind::UnknownSource),
            [
                "https://blogue-education-libre.example.net/2026/08/reforme-ou-recul",
                "bit.ly/negociation-fse-2026"
            ]
        );
        assert_eq!(
            ids("credibilite-des-liens", FindingKind::TrustedSource).len(),
            6
        );
        assert_eq!(ids("liens-publies", FindingKind::Link).len(), 8);
        assert_eq!(
            ids("vie-privee", FindingKind::Email),
            ["secretariat@sec-csq.example"]
        );
        assert_eq!(
            ids("vie-privee", FindingKind::Phone),
            [
                "418-555-0142",
                "(418) 555-0199 poste 221",
                "1-800-555-0175",
                "418 555 0163"
            ]
        );
        assert_eq!(ids("vie-privee", FindingKind::PostalCode), ["G5A 1B2"]);
        assert!(ids("vie-privee", FindingKind::Sin).is_empty());
        assert!(ids("vie-privee", FindingKind::BirthDate).is_empty());
        assert_eq!(
            ids("identification", FindingKind::SignatureFound),
            ["Personnel du SEC-CSQ"]
        );
        assert!(ids("mandat", FindingKind::MandateMatch).len() > 20);

        let expected = [
            ("identification", ItemStateKind::Ok),
            ("identite-reelle", ItemStateKind::Todo),
            ("liens-publies", ItemStateKind::Ok),
            ("liens-complets", ItemStateKind::Warn),
            ("texte-des-liens", ItemStateKind::Ok),
            ("domaines-trompeurs", ItemStateKind::Ok),
            ("mandat", ItemStateKind::Ok),
            ("credibilite-des-liens", ItemStateKind::Warn),
            ("vie-privee", ItemStateKind::Warn),
        ];
        for (id, expected) in expected {
            assert_eq!(state(&analysis, id), expected, "{id}");
        }
        // Findings are in text order.
        let starts: Vec<u32> = analysis
            .findings
            .iter()
            .filter_map(|f| f.span)
            .map(|s| s.start)
            .collect();
        assert!(starts.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    #[test]
    fn spans_count_utf16_after_emoji_and_combining_characters() {
        // "🎉" is two UTF-16 units, "e\u{301}" two, "é" one.
        let text = "🎉👩‍🏫 Voir bit.ly/x à l'e\u{301}cole, écrivez à a.b@lacsq.org — G5A 1B2";
        let analysis = run(text);
        assert_spans_match(text, &analysis);
        let span_of = |kind: FindingKind| {
            analysis
                .findings
                .iter()
                .find(|f| f.kind == kind)
                .and_then(|f| f.span)
                .unwrap()
        };
        assert_eq!(span_of(FindingKind::Shortener), Span::new(13, 21));
        assert_eq!(span_of(FindingKind::MandateMatch), Span::new(26, 32));
        assert_eq!(span_of(FindingKind::Email), Span::new(44, 57));
        assert_eq!(span_of(FindingKind::PostalCode), Span::new(60, 67));
    }

    #[test]
    fn misleading_link_text_fails() {
        let text = "Lisez l'article de lapresse.ca ici.";
        let start = text.find("lapresse.ca").unwrap() as u32;
        let draft = Draft {
            text: text.into(),
            links: vec![DraftLink {
                href: "https://lapresse-nouvelles.example/article".into(),
                text: "lapresse.ca".into(),
                span: Some(Span::new(start, start + 11)),
            }],
        };
        let analysis = analyze(&policy(), &draft);
        assert_eq!(state(&analysis, "texte-des-liens"), ItemStateKind::Fail);
        let mismatch = analysis.findings_for("texte-des-liens").next().unwrap();
        assert_eq!(mismatch.kind, FindingKind::LinkTextMismatch);
        assert_eq!(mismatch.severity, Severity::Error);
        assert_eq!(mismatch.span, Some(Span::new(start, start + 11)));
        assert!(mismatch.message.fr.contains("lapresse-nouvelles.example"));
        assert!(mismatch.message.en.contains("Misleading link"));
        // The hidden target is judged too.
        assert!(
            kinds(&analysis, "credibilite-des-liens")
                .contains(&(FindingKind::UnknownSource, "lapresse.ca".into()))
        );
        assert!(
            kinds(&analysis, "credibilite-des-liens")
                .contains(&(FindingKind::TrustedSource, "lapresse.ca".into()))
        );
    }

    #[test]
    fn matching_link_text_is_fine_and_not_counted_twice() {
        let text = "Voir https://www.lacsq.org/a et le site de la FSE.";
        let draft = Draft {
            text: text.into(),
            links: vec![
                DraftLink {
                    href: "https://www.lacsq.org/a".into(),
                    text: "https://www.lacsq.org/a".into(),
                    span: None,
                },
                DraftLink {
                    href: "https://fse.lacsq.org/".into(),
                    text: "le site de la FSE".into(),
                    span: None,
                },
                DraftLink {
                    href: "mailto:info@lacsq.org".into(),
                    text: "écrivez-nous".into(),
                    span: None,
                },
            ],
        };
        let analysis = analyze(&policy(), &draft);
        assert_eq!(state(&analysis, "texte-des-liens"), ItemStateKind::Ok);
        assert_eq!(
            kinds(&analysis, "liens-publies"),
            [
                (FindingKind::Link, "https://www.lacsq.org/a".to_owned()),
                (FindingKind::Link, "le site de la FSE".to_owned()),
            ]
        );
        let fse = analysis.findings_for("liens-publies").nth(1).unwrap();
        assert_eq!(fse.span, Some(Span::new(32, 49)));
        assert_eq!(state(&analysis, "credibilite-des-liens"), ItemStateKind::Ok);
    }

    #[test]
    fn hidden_shortener_links_are_located_by_their_text() {
        let text = "Pour en savoir plus, cliquez ici.";
        let draft = Draft {
            text: text.into(),
            links: vec![DraftLink {
                href: "https://bit.ly/3abc".into(),
                text: "cliquez ici".into(),
                span: None,
            }],
        };
        let analysis = analyze(&policy(), &draft);
        let shortener = analysis.findings_for("liens-complets").next().unwrap();
        assert_eq!(shortener.kind, FindingKind::Shortener);
        assert_eq!(shortener.span, Some(Span::new(21, 32)));
        assert_eq!(state(&analysis, "liens-complets"), ItemStateKind::Warn);
    }

    #[test]
    fn lookalike_domains() {
        let cases = [
            (
                "Voir https://xn--lpresse-7fg.ca/article",
                ItemStateKind::Fail,
            ),
            ("Voir lаpresse.ca/article", ItemStateKind::Fail),
            ("Voir https://lacsq.org@evil.example/x", ItemStateKind::Fail),
            ("Voir lapresee.ca/article", ItemStateKind::Warn),
            (
                "Voir https://lapresse.ca.nouvelles.example/",
                ItemStateKind::Warn,
            ),
            ("Voir evil-lapresse.ca/article", ItemStateKind::Ok),
            ("Voir https://www.lapresse.ca/article", ItemStateKind::Ok),
        ];
        for (text, expected) in cases {
            let analysis = run(text);
            assert_eq!(state(&analysis, "domaines-trompeurs"), expected, "{text}");
            assert_spans_match(text, &analysis);
        }
    }

    #[test]
    fn source_credibility() {
        let cases = [
            (
                "https://www.ledevoir.com/societe",
                ItemStateKind::Ok,
                FindingKind::TrustedSource,
                Severity::Info,
            ),
            (
                "news.lapresse.ca/x",
                ItemStateKind::Ok,
                FindingKind::TrustedSource,
                Severity::Info,
            ),
            (
                "HTTPS://LAPRESSE.CA./x",
                ItemStateKind::Ok,
                FindingKind::TrustedSource,
                Severity::Info,
            ),
            (
                "evil-lapresse.ca",
                ItemStateKind::Warn,
                FindingKind::UnknownSource,
                Severity::Warning,
            ),
            (
                "https://fake-news.example/x",
                ItemStateKind::Fail,
                FindingKind::FlaggedSource,
                Severity::Error,
            ),
            (
                "www.nouvelles-virales.example",
                ItemStateKind::Fail,
                FindingKind::FlaggedSource,
                Severity::Error,
            ),
        ];
        for (text, expected, kind, severity) in cases {
            let analysis = run(&format!("À lire : {text}"));
            assert_eq!(
                state(&analysis, "credibilite-des-liens"),
                expected,
                "{text}"
            );
            let finding = analysis
                .findings_for("credibilite-des-liens")
                .next()
                .unwrap();
            assert_eq!((finding.kind, finding.severity), (kind, severity), "{text}");
        }
        let unknown = run("Voir https://exemple.org/");
        let finding = unknown
            .findings_for("credibilite-des-liens")
            .next()
            .unwrap();
        assert!(
            finding
                .message
                .fr
                .contains("Vérifiez manuellement la crédibilité")
        );
        // No link: nothing to judge.
        assert_eq!(
            state(&run("Bonne rentrée scolaire!"), "credibilite-des-liens"),
            ItemStateKind::Ok
        );
    }

    #[test]
    fn personal_information_states() {
        let cases = [
            ("NAS de Jean : 046 454 286", ItemStateKind::Fail),
            ("Appelez Jean au 418-555-1234", ItemStateKind::Warn),
            ("Écrivez à jean@exemple.ca", ItemStateKind::Warn),
            ("Léa, née le 14 mars 2016", ItemStateKind::Warn),
            ("Le budget est de 418 555 $ pour 2026.", ItemStateKind::Ok),
        ];
        for (text, expected) in cases {
            let analysis = run(text);
            assert_eq!(state(&analysis, "vie-privee"), expected, "{text}");
            assert_spans_match(text, &analysis);
        }
        let sin = run("NAS : 046-454-286");
        let finding = sin.findings_for("vie-privee").next().unwrap();
        assert_eq!(
            (finding.kind, finding.severity),
            (FindingKind::Sin, Severity::Error)
        );
        assert_eq!(finding.span, Some(Span::new(6, 17)));
        assert!(finding.message.fr.contains("NAS"));
        assert!(finding.message.en.contains("SIN"));
    }

    #[test]
    fn mandate_is_a_hint_never_a_block() {
        let mut policy = policy();
        policy.strict_mode = true;
        if let Some(item) = policy.items.iter_mut().find(|item| item.id == "mandat") {
            item.required = true;
        }
        let off_topic = analyze(
            &policy,
            &Draft::from_text("Superbe coucher de soleil ce soir!"),
        );
        let mandate = off_topic.item("mandat").unwrap();
        assert_eq!(mandate.state, ItemStateKind::Warn);
        assert_eq!(
            kinds(&off_topic, "mandat"),
            [(FindingKind::MandateMissing, String::new())]
        );
        assert!(off_topic.findings_for("mandat").all(|f| f.span.is_none()));
        let with_mandate = analyze(
            &policy,
            &Draft::from_text("Les ENSEIGNANTES et la négociation"),
        );
        assert_eq!(
            with_mandate.item("mandat").unwrap().state,
            ItemStateKind::Ok
        );
        assert_eq!(
            kinds(&with_mandate, "mandat"),
            [
                (FindingKind::MandateMatch, "ENSEIGNANTES".into()),
                (FindingKind::MandateMatch, "négociation".into())
            ]
        );
        // Even required and in strict mode, the mandate warning does not count.
        let remaining_without = off_topic.required_remaining;
        let confirmed = off_topic.with_confirmed(&["mandat"]);
        assert_eq!(confirmed.required_remaining, remaining_without);
    }

    #[test]
    fn signature_rules() {
        let analysis = run("Bonne rentrée à toutes et à tous!");
        assert_eq!(state(&analysis, "identification"), ItemStateKind::Fail);
        let missing = analysis.findings_for("identification").next().unwrap();
        assert_eq!(
            (missing.kind, missing.severity),
            (FindingKind::SignatureMissing, Severity::Error)
        );
        assert!(missing.message.fr.contains("Personnel du SEC-CSQ"));

        let mut policy = policy();
        policy.signature = Some(SignatureRule {
            required_patterns: vec!["membre du SEC-CSQ".into()],
            placement: Placement::End,
        });
        let at_end = analyze(
            &policy,
            &Draft::from_text("Bonne rentrée!\nMarie, membre du SEC-CSQ 🍎"),
        );
        assert_eq!(
            at_end.item("identification").unwrap().state,
            ItemStateKind::Ok
        );
        let not_at_end = analyze(
            &policy,
            &Draft::from_text("Comme membre du SEC-CSQ, je vous salue."),
        );
        assert_eq!(
            not_at_end.item("identification").unwrap().state,
            ItemStateKind::Fail
        );

        policy.signature = None;
        let manual = analyze(&policy, &Draft::from_text("Bonne rentrée!"));
        let item = manual.item("identification").unwrap();
        assert_eq!(
            (item.state, item.manual, item.rule),
            (ItemStateKind::Todo, true, None)
        );
        assert_eq!(manual.findings_for("identification").count(), 0);
    }

    #[test]
    fn confirming_manual_items() {
        let policy = policy();
        let analysis =
            run("Les élèves de Charlevoix vous saluent! https://bit.ly/x\n— Personnel du SEC-CSQ");
        let manual_required: Vec<String> = policy
            .items
            .iter()
            .filter(|item| item.required && item.check == Check::Manual)
            .map(|item| item.id.clone())
            .collect();
        assert_eq!(analysis.required_remaining, manual_required.len() as u32);
        assert!(!analysis.strict_mode);
        let confirmed = analysis.clone().with_confirmed(&manual_required);
        assert_eq!(confirmed.required_remaining, 0);
        assert!(confirmed.is_clear());
        for id in &manual_required {
            let item = confirmed.item(id).unwrap();
            assert_eq!((item.state, item.confirmed), (ItemStateKind::Ok, true));
        }
        // Confirming an automatic item that fails changes nothing.
        let failing = run("NAS : 046 454 286").with_confirmed(&["vie-privee"]);
        assert_eq!(
            failing.item("vie-privee").unwrap().state,
            ItemStateKind::Fail
        );
        assert!(!failing.item("vie-privee").unwrap().confirmed);
        // Unknown ids are ignored.
        let same = analysis.clone().with_confirmed(&["inconnu".to_owned()]);
        assert_eq!(same, analysis);
    }

    #[test]
    fn strict_mode_counts_warnings_until_acknowledged() {
        let mut policy = policy();
        policy.strict_mode = true;
        let manual: Vec<&str> = policy
            .items
            .iter()
            .filter(|item| item.check == Check::Manual)
            .map(|item| item.id.as_str())
            .collect();
        let draft = Draft::from_text("Les élèves: https://bit.ly/x — Personnel du SEC-CSQ");
        let analysis = analyze(&policy, &draft).with_confirmed(&manual);
        assert!(analysis.strict_mode);
        // Shortener (required, warn) and credibility (required, warn).
        assert_eq!(analysis.required_remaining, 2);
        let acknowledged = analysis.with_confirmed(&["liens-complets", "credibilite-des-liens"]);
        assert_eq!(acknowledged.required_remaining, 0);
        assert_eq!(
            acknowledged.item("liens-complets").unwrap().state,
            ItemStateKind::Warn
        );
        assert!(acknowledged.item("liens-complets").unwrap().confirmed);
    }

    #[test]
    fn a_rule_used_by_two_items_reports_to_both() {
        let mut policy = policy();
        let mut copy = policy.item("vie-privee").unwrap().clone();
        copy.id = "vie-privee-bis".into();
        policy.items.push(copy);
        let analysis = analyze(&policy, &Draft::from_text("Tél. : 418-555-1234"));
        assert_eq!(analysis.findings_for("vie-privee").count(), 1);
        assert_eq!(analysis.findings_for("vie-privee-bis").count(), 1);
        assert_eq!(analysis.item("vie-privee-bis").unwrap().finding_count, 1);
        assert_eq!(
            analysis.item("vie-privee-bis").unwrap().state,
            ItemStateKind::Warn
        );
    }

    #[test]
    fn analyzer_and_analyze_agree() {
        let policy = policy();
        let analyzer = Analyzer::new(&policy);
        for text in ["", "Bonjour", crate::sample::realistic_french_post()] {
            let draft = Draft::from_text(text);
            assert_eq!(analyzer.analyze(&draft), analyze(&policy, &draft));
        }
    }

    #[test]
    fn json_shapes_for_the_extension() {
        let analysis = run("Tél. : 418-555-1234");
        let json = serde_json::to_value(&analysis).unwrap();
        assert!(json["requiredRemaining"].is_u64());
        assert_eq!(json["strictMode"], false);
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "phone")
            .unwrap();
        assert_eq!(finding["itemId"], "vie-privee");
        assert_eq!(finding["rule"], "personal-info");
        assert_eq!(finding["severity"], "warning");
        assert_eq!(finding["span"], serde_json::json!({"start": 7, "end": 19}));
        assert_eq!(finding["excerpt"], "418-555-1234");
        assert!(finding["message"]["fr"].is_string() && finding["message"]["en"].is_string());
        let item = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "vie-privee")
            .unwrap();
        assert_eq!(item["state"], "warn");
        assert_eq!(item["findingCount"], 1);
        assert_eq!(item["rule"], "personal-info");
        let manual = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "identite-reelle")
            .unwrap();
        assert_eq!(manual["state"], "todo");
        assert_eq!(manual["rule"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Analysis>(json).unwrap(), analysis);
        assert_eq!(
            serde_json::to_string(&FindingKind::LinkTextMismatch).unwrap(),
            "\"linkTextMismatch\""
        );
    }

    #[test]
    fn drafts_from_json() {
        let draft: Draft = serde_json::from_str(
            r#"{"text":"Voir ici","links":[{"href":"https://x.ca","text":"ici","span":{"start":5,"end":8}}]}"#,
        )
        .unwrap();
        assert_eq!(draft.links[0].span, Some(Span::new(5, 8)));
        let plain: Draft = serde_json::from_str(r#"{"text":"Bonjour"}"#).unwrap();
        assert!(plain.links.is_empty());
        assert!(serde_json::from_str::<Draft>(r#"{"text":"a","html":"<b>a</b>"}"#).is_err());
        assert!(
            serde_json::from_str::<Draft>(
                r#"{"text":"a","links":[{"href":"x","target":"_blank"}]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_policy_without_link_rules_skips_them() {
        let mut policy = policy();
        policy
            .items
            .retain(|item| item.check == Check::Manual || item.id == "vie-privee");
        let analysis = analyze(&policy, &Draft::from_text("https://bit.ly/x 418-555-1234"));
        let kinds: Vec<FindingKind> = analysis.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FindingKind::Phone]);
    }

    /// Pseudo-random drafts from troublesome pieces: no panic, and every span covers its
    /// excerpt exactly.
    #[test]
    fn random_drafts_never_panic_and_spans_hold() {
        const PIECES: &[&str] = &[
            " ",
            "\n",
            "\u{a0}",
            "\u{202f}",
            ".",
            ",",
            "(",
            ")",
            "«",
            "»",
            "-",
            "/",
            ":",
            "@",
            "+",
            "#",
            "'",
            "’",
            "1",
            "418",
            "555",
            "1234",
            "046",
            "454",
            "286",
            "1985",
            "14",
            "03",
            "G5A",
            "1B2",
            "é",
            "e\u{301}",
            "🎉",
            "👩‍🏫",
            "œ",
            "а",
            "xn--",
            "www",
            "https://",
            "http",
            "lacsq",
            "org",
            "ca",
            "bit",
            "ly",
            "née le",
            "mars",
            "DDN",
            "Marie",
            "Tremblay",
            "école",
            "enseign",
            "SEC-CSQ",
            "Personnel du SEC-CSQ",
            "poste",
            "x",
            "$",
            "\u{200b}",
            "\u{feff}",
            "\t",
        ];
        let policy = policy();
        let analyzer = Analyzer::new(&policy);
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..3000 {
            let length = next(40);
            let text: String = (0..length).map(|_| PIECES[next(PIECES.len())]).collect();
            let mut draft = Draft::from_text(text.clone());
            if next(3) == 0 {
                let shown: String = (0..next(4)).map(|_| PIECES[next(PIECES.len())]).collect();
                let host: String = (0..next(4)).map(|_| PIECES[next(PIECES.len())]).collect();
                draft.links.push(DraftLink {
                    href: format!("https://{host}/"),
                    text: shown,
                    span: None,
                });
            }
            let analysis = analyzer.analyze(&draft);
            let folded = fold(&text);
            let words: Vec<_> = rules::Words::new(&folded.text).collect();
            assert_eq!(folded.words(), words.as_slice(), "{text:?}");
            let units = text.encode_utf16().count() as u32;
            for finding in &analysis.findings {
                if let Some(span) = finding.span {
                    assert!(
                        span.start <= span.end && span.end <= units,
                        "{text:?} {finding:?}"
                    );
                    assert_eq!(slice(&text, span), finding.excerpt, "{text:?}");
                }
            }
        }
    }

    /// A small deterministic generator (xorshift64*), so that a failure replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound.max(1) as u64) as usize
        }

        /// A char boundary of `text`.
        fn boundary(&mut self, text: &str) -> usize {
            let mut at = self.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        }
    }

    #[test]
    fn reusing_paragraphs_finds_what_a_full_analysis_finds_on_random_edits() {
        let policy = policy();
        let mut end_policy = policy.clone();
        end_policy.signature = Some(SignatureRule {
            required_patterns: vec!["— Personnel du SEC-CSQ".into(), "membre du SEC-CSQ".into()],
            placement: Placement::End,
        });
        let snippets = [
            "\n\n",
            "\n",
            " ",
            "e",
            "é",
            "📣",
            "Né le 14 mars 1985",
            "418-555-1234",
            " 046 454 286 ",
            "G5A 1B2",
            "marie.tremblay@exemple.ca",
            "https://www.lacsq.org/nouvelles/",
            "bit.ly/3xYz ",
            "lacsq.org",
            "syndicat",
            "convention collective",
            "enseignantes",
            "\n\n— Personnel du SEC-CSQ",
            "membre du SEC-CSQ #rentree",
            " @lacsq",
            "xn--lcsq-9ra.org",
        ];
        let drafts = [
            crate::sample::realistic_french_post().to_owned(),
            "Bonjour!\n\nNé le 14 mars 1985, joignez-moi au 418-555-1234.\n\n— Personnel du SEC-CSQ"
                .to_owned(),
            String::new(),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for policy in [&policy, &end_policy] {
            let analyzer = Analyzer::new(policy);
            for draft in &drafts {
                let mut cache = AnalysisCache::default();
                let mut text = draft.clone();
                for step in 0..150 {
                    match rng.below(4) {
                        // Typing: a few characters at one place.
                        0 | 1 => {
                            let at = rng.boundary(&text);
                            let snippet = snippets[rng.below(snippets.len())];
                            text.insert_str(at, snippet);
                        }
                        // Deleting a range, sometimes across paragraphs.
                        2 => {
                            let a = rng.boundary(&text);
                            let b = rng.boundary(&text);
                            let span = a.min(b)..a.max(b).min(a.min(b) + 1 + rng.below(400));
                            let mut end = span.end;
                            while !text.is_char_boundary(end) {
                                end -= 1;
                            }
                            text.replace_range(span.start..end, "");
                        }
                        // Replacing a range with a snippet.
                        _ => {
                            let a = rng.boundary(&text);
                            let mut b = (a + rng.below(30)).min(text.len());
                            while !text.is_char_boundary(b) {
                                b -= 1;
                            }
                            text.replace_range(a..b, snippets[rng.below(snippets.len())]);
                        }
                    }
                    let mut draft = Draft::from_text(text.clone());
                    if step % 7 == 0 {
                        draft.links.push(DraftLink {
                            href: "https://www.lacsq.org/nouvelles/".into(),
                            text: "lacsq.org".into(),
                            span: None,
                        });
                    }
                    let incremental = analyzer.analyze_cached(&draft, &mut cache);
                    let full = analyzer.analyze(&draft);
                    assert_eq!(incremental, full, "step {step} of {:?}", &draft.text);
                    assert_spans_match(&draft.text, &full);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 2 * 3 * 150);
    }

    #[test]
    fn paragraphs_end_after_each_blank_line() {
        fn ranges(text: &str) -> Vec<&str> {
            paragraphs(text)
                .into_iter()
                .map(|range| &text[range])
                .collect()
        }
        assert_eq!(ranges(""), vec![""]);
        assert_eq!(ranges("a"), vec!["a"]);
        assert_eq!(ranges("a\nb\n\nc"), vec!["a\nb\n\n", "c"]);
        assert_eq!(ranges("a\n\n\nc\n\n"), vec!["a\n\n", "\nc\n\n"]);
    }
}
