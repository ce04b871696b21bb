//! Mandate: whether a draft touches the union's mandate, from keywords matched on whole
//! words, ignoring case and accents (precomposed or combining).
//!
//! A keyword may have several words (`convention collective`: any whitespace between them)
//! and may end with `*` to accept any end of word (`enseign*`). The longest keyword wins
//! where several start at the same word. Matches are information; no match at all is a
//! warning, never an error: the rule is a hint.

use crate::analysis::{FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::RuleId;
use std::ops::Range;

use crate::rules::{At, RawFinding, boundary_after, word_end};
use crate::text::{Folded, fold_str};

/// A keyword, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keyword {
    /// The folded keyword, without `*`.
    folded: String,
    /// The length of its first word.
    first_len: usize,
    /// Whether it ends with `*`.
    wildcard: bool,
}

impl Keyword {
    fn first_word(&self) -> &[u8] {
        &self.folded.as_bytes()[..self.first_len]
    }

    fn multi(&self) -> bool {
        self.first_len != self.folded.len()
    }
}

/// The policy's mandate keywords, prepared for matching: sorted by their first byte.
#[derive(Debug, Clone)]
pub(crate) struct Keywords {
    keywords: Vec<Keyword>,
    /// `keywords[offsets[b]..offsets[b + 1]]` start with byte `b`.
    offsets: [u32; 257],
    /// The shortest word that can match a keyword starting with byte `b`.
    min_len: [u8; 256],
}

impl Default for Keywords {
    fn default() -> Keywords {
        Keywords {
            keywords: Vec::new(),
            offsets: [0; 257],
            min_len: [u8::MAX; 256],
        }
    }
}

/// Byte equality without a call to `memcmp` (the strings are short).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl Keywords {
    pub(crate) fn new(keywords: &[String]) -> Keywords {
        let prepared: Vec<Keyword> = keywords
            .iter()
            .filter_map(|keyword| {
                let trimmed = keyword.trim();
                let (stem, wildcard) = match trimmed.strip_suffix('*') {
                    Some(stem) => (stem, true),
                    None => (trimmed, false),
                };
                let mut folded = fold_str(stem);
                folded.truncate(folded.trim_end().len());
                if folded.starts_with(' ') {
                    folded.remove(0);
                }
                let first_len = word_end(&folded, 0);
                (first_len > 0).then_some(Keyword {
                    folded,
                    first_len,
                    wildcard,
                })
            })
            .collect();
        // Grouped by first byte, each group in the policy's order: a counting sort, as a
        // call to `sort_by_key` would link one more copy of the standard sort into the wasm.
        let mut offsets = [0u32; 257];
        for keyword in &prepared {
            offsets[usize::from(keyword.folded.as_bytes()[0]) + 1] += 1;
        }
        for byte in 1..offsets.len() {
            offsets[byte] += offsets[byte - 1];
        }
        let mut next = offsets;
        let mut slots: Vec<Option<Keyword>> = (0..prepared.len()).map(|_| None).collect();
        for keyword in prepared {
            let first = usize::from(keyword.folded.as_bytes()[0]);
            if let Some(slot) = slots.get_mut(next[first] as usize) {
                *slot = Some(keyword);
            }
            next[first] += 1;
        }
        let prepared: Vec<Keyword> = slots.into_iter().flatten().collect();
        let mut min_len = [u8::MAX; 256];
        for keyword in &prepared {
            let first = usize::from(keyword.folded.as_bytes()[0]);
            // A word matches a single keyword when it is (or starts with) the keyword, and
            // a multi-word keyword when it is the first word.
            let needed = if keyword.multi() {
                keyword.first_len
            } else {
                keyword.folded.len()
            };
            min_len[first] = min_len[first].min(u8::try_from(needed).unwrap_or(u8::MAX));
        }
        Keywords {
            keywords: prepared,
            offsets,
            min_len,
        }
    }

    /// The end of the longest keyword match at the word `start..end` of `folded`.
    fn longest_at(&self, folded: &str, start: usize, end: usize) -> Option<usize> {
        let word = &folded.as_bytes()[start..end];
        let first = usize::from(*word.first()?);
        if word.len() < usize::from(self.min_len[first]) {
            return None;
        }
        let bucket = self
            .keywords
            .get(self.offsets[first] as usize..self.offsets[first + 1] as usize)?;
        let mut best: Option<usize> = None;
        for keyword in bucket {
            let stem = keyword.folded.as_bytes();
            if !keyword.multi() {
                let hit = if keyword.wildcard {
                    word.len() >= stem.len() && same(&word[..stem.len()], stem)
                } else {
                    same(word, stem)
                };
                if hit {
                    best = best.max(Some(end));
                }
                continue;
            }
            if !same(word, keyword.first_word()) || !folded[start..].starts_with(&keyword.folded) {
                continue;
            }
            let mut match_end = start + keyword.folded.len();
            if keyword.wildcard {
                match_end = word_end(folded, match_end);
            } else if !boundary_after(folded, match_end) {
                continue;
            }
            best = best.max(Some(match_end));
        }
        best
    }
}

/// Pushes a finding for each keyword match, or one warning when there is none.
///
/// `words` are the words of `folded.text` ([`crate::rules::Words`]).
#[cfg(test)]
pub(crate) fn check(
    folded: &Folded,
    words: &[Range<usize>],
    text: &str,
    keywords: &Keywords,
    raw: &mut Vec<RawFinding>,
) {
    if !matches(folded, words, text, keywords, raw) {
        missing(raw);
    }
}

/// Pushes a finding for each keyword match; returns whether there was one.
///
/// `words` are the words of `folded.text` ([`crate::rules::Words`]).
pub(crate) fn matches(
    folded: &Folded,
    words: &[Range<usize>],
    text: &str,
    keywords: &Keywords,
    raw: &mut Vec<RawFinding>,
) -> bool {
    let haystack = folded.text.as_str();
    let mut matched = false;
    let mut skip_to = 0;
    for word in words {
        if word.start < skip_to {
            continue;
        }
        let Some(match_end) = keywords.longest_at(haystack, word.start, word.end) else {
            continue;
        };
        let original = folded.original_range(word.start..match_end);
        let excerpt = &text[original.clone()];
        raw.push(RawFinding::new(
            RuleId::Mandate,
            FindingKind::MandateMatch,
            Severity::Info,
            Localized::new(
                "Mot lié au mandat du syndicat.",
                "Word related to the union's mandate.",
            ),
            At::Bytes(original),
            excerpt,
        ));
        matched = true;
        skip_to = match_end;
    }
    matched
}

/// Pushes the warning for a draft without any keyword.
pub(crate) fn missing(raw: &mut Vec<RawFinding>) {
    raw.push(RawFinding::new(
        RuleId::Mandate,
        FindingKind::MandateMissing,
        Severity::Warning,
        Localized::new(
            "Aucun mot lié au mandat du syndicat (éducation, conditions de travail, vie syndicale…) : vérifiez que la publication reste dans le mandat.",
            "No word related to the union's mandate (education, working conditions, union life…): check that the post stays within the mandate.",
        ),
        At::None,
        "",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn matches(keywords: &[&str], text: &str) -> Vec<String> {
        let keywords = Keywords::new(&keywords.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>());
        let mut raw = Vec::new();
        let folded = fold(text);
        let words: Vec<_> = crate::rules::Words::new(&folded.text).collect();
        check(&folded, &words, text, &keywords, &mut raw);
        raw.into_iter()
            .map(|finding| match finding.at {
                At::Bytes(range) => text[range].to_owned(),
                _ => format!("<{:?}>", finding.kind),
            })
            .collect()
    }

    #[test]
    fn keywords_match_whole_words_without_case_or_accents() {
        let keywords = &[
            "école*",
            "enseign*",
            "convention collective",
            "CSQ",
            "SEC-CSQ",
            "union*",
            "élève",
            "ministère de l'Éducation",
        ];
        let cases: &[(&str, &[&str])] = &[
            ("Les ÉCOLES de Charlevoix", &["ÉCOLES"]),
            ("e\u{301}cole", &["e\u{301}cole"]),
            (
                "Les enseignantes et l'enseignement",
                &["enseignantes", "enseignement"],
            ),
            (
                "La Convention\u{a0}\ncollective 2023",
                &["Convention\u{a0}\ncollective"],
            ),
            ("convention collectives", &["<MandateMissing>"]),
            ("Le SEC-CSQ et la CSQ", &["SEC-CSQ", "CSQ"]),
            ("CSQs csq2", &["<MandateMissing>"]),
            ("reunion des unions", &["unions"]),
            ("eleves et élève", &["élève"]),
            ("le ministère de l’Éducation", &["ministère de l’Éducation"]),
            ("ecologie, écolo", &["<MandateMissing>"]),
            ("", &["<MandateMissing>"]),
            ("🎉 École 🎉", &["École"]),
        ];
        for (text, expected) in cases {
            assert_eq!(matches(keywords, text), *expected, "{text:?}");
        }
    }

    #[test]
    fn the_longest_keyword_wins() {
        assert_eq!(
            matches(
                &["condition*", "conditions de travail"],
                "Nos conditions de travail."
            ),
            ["conditions de travail"]
        );
        assert_eq!(
            matches(&["collective agreement*"], "collective agreements"),
            ["collective agreements"]
        );
    }

    #[test]
    fn blank_keywords_are_ignored() {
        let keywords = Keywords::new(&["*".to_owned(), "  ".to_owned(), "—".to_owned()]);
        assert!(keywords.keywords.is_empty());
    }
}
