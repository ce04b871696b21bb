//! Identity: whether the draft carries a signature that identifies its author as a member
//! or staff of the union, as the policy configures it.
//!
//! Patterns are compared ignoring case, accents and leading dashes or punctuation
//! (« — Personnel du SEC-CSQ » matches `-- personnel du sec-csq`), on word boundaries. With
//! placement `end`, only whitespace, punctuation, emoji, hashtags and mentions may follow.

use crate::analysis::{FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::{Placement, RuleId, SignatureRule};
use std::ops::Range;

use crate::rules::{At, RawFinding, boundary_after, is_word};
use crate::text::{Folded, fold_str};

/// A signature rule, prepared.
#[derive(Debug, Clone)]
pub(crate) struct Signature {
    /// Folded patterns, starting with a word character, with the length of their first
    /// word.
    patterns: Vec<(String, usize)>,
    /// For each length below 64, the set (256 bits) of first bytes of the patterns' first
    /// words of that length.
    first_words: Vec<[u64; 4]>,
    /// The first pattern as written, to suggest it.
    example: String,
    placement: Placement,
}

impl Signature {
    pub(crate) fn new(rule: &SignatureRule) -> Signature {
        let patterns: Vec<(String, usize)> = rule
            .required_patterns
            .iter()
            .map(|pattern| {
                let folded = fold_str(pattern);
                folded
                    .trim_start_matches(|c: char| !is_word(c))
                    .trim_end()
                    .to_owned()
            })
            .filter(|pattern| !pattern.is_empty())
            .map(|pattern| {
                let first_word = crate::rules::word_end(&pattern, 0);
                (pattern, first_word)
            })
            .collect();
        let mut first_words = vec![[0u64; 4]; 64];
        for (pattern, length) in &patterns {
            if let (Some(set), Some(&first)) =
                (first_words.get_mut(*length), pattern.as_bytes().first())
            {
                let first = usize::from(first);
                set[first / 64] |= 1 << (first % 64);
            }
        }
        Signature {
            first_words,
            patterns,
            example: rule
                .required_patterns
                .first()
                .map(|pattern| pattern.trim().to_owned())
                .unwrap_or_default(),
            placement: rule.placement,
        }
    }
}

/// Whether only whitespace, punctuation, symbols, hashtags and mentions are in `rest`.
fn only_trailer(rest: &str) -> bool {
    let mut in_tag = false;
    for ch in rest.chars() {
        if ch == '#' || ch == '@' {
            in_tag = true;
        } else if is_word(ch) || ch == '_' {
            if !in_tag {
                return false;
            }
        } else {
            in_tag = false;
        }
    }
    true
}

/// Pushes the signature found, or an error when there is none.
///
/// `words` are the words of `folded.text` ([`crate::rules::Words`]).
#[cfg(test)]
pub(crate) fn check(
    folded: &Folded,
    words: &[Range<usize>],
    text: &str,
    signature: &Signature,
    raw: &mut Vec<RawFinding>,
) {
    let found = find(folded, words, signature);
    push(text, found, signature, raw);
}

/// Whether a paragraph (folded) holds only what may follow a signature placed at the end.
pub(crate) fn is_trailer(folded: &Folded) -> bool {
    only_trailer(&folded.text)
}

/// The first signature of `folded` (its original byte range); with placement `end`, one
/// followed by nothing but a trailer within `folded` (the caller checks what follows it).
///
/// `words` are the words of `folded.text` ([`crate::rules::Words`]).
pub(crate) fn find(
    folded: &Folded,
    words: &[Range<usize>],
    signature: &Signature,
) -> Option<Range<usize>> {
    let haystack = folded.text.as_str();
    // Patterns start with a word character: try them at word starts only.
    for word in words {
        // Most words are not the first word of a pattern: check length and first byte.
        let first = usize::from(haystack.as_bytes()[word.start]);
        let candidate = signature
            .first_words
            .get(word.len())
            .is_some_and(|set| set[first / 64] & (1 << (first % 64)) != 0);
        if !candidate {
            continue;
        }
        let word_text = &haystack.as_bytes()[word.clone()];
        for (pattern, first_word_len) in &signature.patterns {
            // The pattern's first word must be this word, then the rest must follow.
            if word_text.len() != *first_word_len
                || word_text
                    .iter()
                    .zip(pattern.as_bytes())
                    .any(|(a, b)| a != b)
                || !haystack[word.start..].starts_with(pattern.as_str())
            {
                continue;
            }
            let end = word.start + pattern.len();
            let ends_in_word = pattern.chars().next_back().is_some_and(is_word);
            if ends_in_word && !boundary_after(haystack, end) {
                continue;
            }
            if signature.placement == Placement::End && !only_trailer(&haystack[end..]) {
                continue;
            }
            return Some(folded.original_range(word.start..end));
        }
    }
    None
}

/// Whether the signature must end the text (only a trailer after it).
pub(crate) fn at_end(signature: &Signature) -> bool {
    signature.placement == Placement::End
}

/// Pushes the signature `found` in `text` (its original byte range), or an error when
/// there is none.
pub(crate) fn push(
    text: &str,
    found: Option<Range<usize>>,
    signature: &Signature,
    raw: &mut Vec<RawFinding>,
) {
    match found {
        Some(original) => {
            let excerpt = &text[original.clone()];
            raw.push(RawFinding::new(
                RuleId::Signature,
                FindingKind::SignatureFound,
                Severity::Info,
                Localized::new(
                    format!("Signature trouvée : « {excerpt} »."),
                    format!("Signature found: “{excerpt}”."),
                ),
                At::Bytes(original),
                excerpt,
            ));
        }
        None => {
            let (where_fr, where_en) = match signature.placement {
                Placement::End => (" à la fin du texte", " at the end of the text"),
                Placement::Anywhere => ("", ""),
            };
            let example = &signature.example;
            raw.push(RawFinding::new(
                RuleId::Signature,
                FindingKind::SignatureMissing,
                Severity::Error,
                Localized::new(
                    format!("Signature manquante : identifiez-vous comme membre ou personnel, par exemple avec « {example} »{where_fr}."),
                    format!("Missing signature: identify yourself as a member or staff, for example with “{example}”{where_en}."),
                ),
                At::None,
                "",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn run(placement: Placement, text: &str) -> (FindingKind, String) {
        let signature = Signature::new(&SignatureRule {
            required_patterns: vec!["— Personnel du SEC-CSQ".into(), "membre du SEC-CSQ".into()],
            placement,
        });
        let mut raw = Vec::new();
        let folded = fold(text);
        let words: Vec<_> = crate::rules::Words::new(&folded.text).collect();
        check(&folded, &words, text, &signature, &mut raw);
        assert_eq!(raw.len(), 1);
        let finding = raw.remove(0);
        let excerpt = match finding.at {
            At::Bytes(range) => text[range].to_owned(),
            _ => String::new(),
        };
        (finding.kind, excerpt)
    }

    #[test]
    fn signatures() {
        use FindingKind::{SignatureFound as Found, SignatureMissing as Missing};
        let cases: &[(Placement, &str, FindingKind, &str)] = &[
            (
                Placement::End,
                "Bonne rentrée!\n— Personnel du SEC-CSQ",
                Found,
                "Personnel du SEC-CSQ",
            ),
            (
                Placement::End,
                "Bonne rentrée! -- personnel du sec-csq 🎉 #rentree @lacsq",
                Found,
                "personnel du sec-csq",
            ),
            (
                Placement::End,
                "Marie, MEMBRE DU SEC‑CSQ.",
                Found,
                "MEMBRE DU SEC‑CSQ",
            ),
            (
                Placement::End,
                "En tant que membre du SEC-CSQ, je vous invite à voter.",
                Missing,
                "",
            ),
            (
                Placement::Anywhere,
                "En tant que membre du SEC-CSQ, je vous invite à voter.",
                Found,
                "membre du SEC-CSQ",
            ),
            (Placement::Anywhere, "Les membres du SEC-CSQ", Missing, ""),
            (Placement::Anywhere, "Aucune signature ici.", Missing, ""),
            (Placement::Anywhere, "membre du SEC-CSQ2", Missing, ""),
            (
                Placement::Anywhere,
                "Personnel du SEC-CSQ et membre du SEC-CSQ",
                Found,
                "Personnel du SEC-CSQ",
            ),
        ];
        for (placement, text, kind, excerpt) in cases {
            assert_eq!(
                run(*placement, text),
                (*kind, (*excerpt).to_owned()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn trailers() {
        assert!(only_trailer(" 🎉🎉 !"));
        assert!(only_trailer("\n#Éducation #fse_csq @marie"));
        assert!(!only_trailer(" merci"));
        assert!(!only_trailer(" #tag suite"));
    }
}
