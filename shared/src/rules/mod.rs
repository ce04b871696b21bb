//! The automatic rules that check a draft: links, personal information, mandate, identity.
//!
//! Each rule is a small hand-made scanner over the text (no regular expressions) that
//! pushes raw findings located by UTF-8 byte ranges; [`crate::analysis`] converts them to
//! UTF-16 spans and attaches them to checklist items.

pub mod identity;
pub mod links;
pub mod lookalike;
pub mod mandate;
pub mod personal;

use std::ops::Range;

use crate::analysis::{FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::RuleId;
use crate::text::Span;

/// Where a raw finding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum At {
    /// A byte range of the draft's text.
    Bytes(Range<usize>),
    /// A UTF-16 span given by the editor.
    Utf16(Span),
    /// Nowhere in particular (an absence).
    None,
}

/// A finding before it is attached to items.
#[derive(Debug, Clone)]
pub(crate) struct RawFinding {
    pub(crate) rule: RuleId,
    pub(crate) kind: FindingKind,
    pub(crate) severity: Severity,
    pub(crate) message: Localized,
    pub(crate) at: At,
    pub(crate) excerpt: String,
}

impl RawFinding {
    pub(crate) fn new(
        rule: RuleId,
        kind: FindingKind,
        severity: Severity,
        message: Localized,
        at: At,
        excerpt: impl Into<String>,
    ) -> RawFinding {
        RawFinding {
            rule,
            kind,
            severity,
            message,
            at,
            excerpt: excerpt.into(),
        }
    }
}

/// Whether `ch` continues a word for boundary checks.
#[inline]
pub(crate) fn is_word(ch: char) -> bool {
    crate::text::is_word_char(ch)
}

/// Whether the text before byte `index` ends a word boundary (start of text or a non-word
/// character).
#[inline]
pub(crate) fn boundary_before(text: &str, index: usize) -> bool {
    crate::text::char_before(text, index).is_none_or(|ch| !is_word(ch))
}

/// Whether the text at byte `index` starts a word boundary (end of text or a non-word
/// character).
#[inline]
pub(crate) fn boundary_after(text: &str, index: usize) -> bool {
    crate::text::char_at(text, index).is_none_or(|ch| !is_word(ch))
}

/// The character at byte `index` (a boundary) of `text`, with a fast path for ASCII.
#[inline]
pub(crate) fn char_at_fast(text: &str, index: usize) -> Option<char> {
    match text.as_bytes().get(index) {
        Some(&byte) if byte < 0x80 => Some(byte as char),
        Some(_) => crate::text::char_at(text, index),
        None => None,
    }
}

/// Whether `byte` is an ASCII letter or digit.
#[inline]
fn ascii_word(byte: u8) -> bool {
    crate::text::is_ascii_word_byte(byte)
}

/// The end of the word that goes on at byte `index`.
#[inline]
pub(crate) fn word_end(text: &str, mut index: usize) -> usize {
    let bytes = text.as_bytes();
    while index < bytes.len() {
        let byte = bytes[index];
        if ascii_word(byte) {
            index += 1;
        } else if byte < 0x80 {
            break;
        } else {
            match crate::text::char_at(text, index) {
                Some(ch) if is_word(ch) => index += ch.len_utf8(),
                _ => break,
            }
        }
    }
    index
}

/// The words of a text (runs of letters, digits and combining marks) as byte ranges.
#[derive(Debug, Clone)]
pub(crate) struct Words<'a> {
    text: &'a str,
    index: usize,
}

impl<'a> Words<'a> {
    pub(crate) fn new(text: &'a str) -> Words<'a> {
        Words { text, index: 0 }
    }
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        loop {
            let byte = *bytes.get(self.index)?;
            if byte < 0x80 {
                if ascii_word(byte) {
                    break;
                }
                self.index += 1;
            } else {
                let ch = crate::text::char_at(self.text, self.index)?;
                if is_word(ch) {
                    break;
                }
                self.index += ch.len_utf8();
            }
        }
        let start = self.index;
        self.index = word_end(self.text, start);
        Some(start..self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_non_word_characters() {
        let text = "L'école — e\u{301}le\u{300}ve, 3e année 🎉 SEC-CSQ!";
        let words: Vec<&str> = Words::new(text).map(|range| &text[range]).collect();
        assert_eq!(
            words,
            [
                "L",
                "école",
                "e\u{301}le\u{300}ve",
                "3e",
                "année",
                "SEC",
                "CSQ"
            ]
        );
        assert_eq!(Words::new("").count(), 0);
        assert_eq!(Words::new(" — ").count(), 0);
    }

    #[test]
    fn folding_finds_the_same_words() {
        let texts = [
            "",
            "L'École — e\u{301}le\u{300}ve,  3e\n\tannée 🎉 SEC‑CSQ! Œuvre straße Привет ×÷ a",
            "  débute par des espaces",
            "finit par un mot",
            crate::sample::realistic_french_post(),
        ];
        for text in texts {
            let folded = crate::text::fold(text);
            let expected: Vec<Range<usize>> = Words::new(&folded.text).collect();
            assert_eq!(folded.words(), expected.as_slice(), "{text:?}");
        }
    }
}
