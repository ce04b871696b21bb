//! Text positions as the browser counts them (UTF-16 code units) and accent folding.
//!
//! Rust strings are indexed in UTF-8 bytes; JavaScript strings in UTF-16 code units. Every
//! span that leaves this crate is in UTF-16 code units so that the extension can use it
//! directly with `Range`/`Selection` and `String.prototype.slice`.
//!
//! The count of UTF-16 code units of any UTF-8 byte range is computed from the bytes alone:
//! each byte that starts a character adds one unit, and each byte that starts a four-byte
//! character (outside the Basic Multilingual Plane, so a surrogate pair) adds one more.

pub mod lower;

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A half-open range `[start, end)` of UTF-16 code units in a draft's text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// First code unit of the range.
    pub start: u32,
    /// One past the last code unit of the range.
    pub end: u32,
}

impl Span {
    /// A span from its bounds.
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// Its length in UTF-16 code units.
    pub const fn len(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// Whether it covers nothing.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The UTF-16 span of the UTF-8 byte range `bytes` of `text`. Linear in `bytes.end`;
    /// use a [`Utf16Cursor`] to convert many ranges of the same text.
    pub fn from_byte_range(text: &str, bytes: Range<usize>) -> Span {
        Utf16Cursor::new(text).span(bytes)
    }
}

/// The number of UTF-16 code units needed for `text`.
pub fn utf16_len(text: &str) -> u32 {
    utf16_units(text.as_bytes())
}

/// The number of UTF-16 code units of the characters that start in `bytes` (a slice of UTF-8).
#[inline]
fn utf16_units(bytes: &[u8]) -> u32 {
    let mut units: u32 = 0;
    for &byte in bytes {
        // A byte that is not a continuation byte starts a character; 0xF0.. starts a four-byte
        // character, which is a surrogate pair in UTF-16.
        units += u32::from((byte & 0xC0) != 0x80) + u32::from(byte >= 0xF0);
    }
    units
}

/// Converts byte offsets of one text to UTF-16 offsets, moving from the last position.
///
/// Converting offsets in increasing order costs one pass over the text in total; going
/// backwards costs the distance moved back.
#[derive(Debug, Clone)]
pub struct Utf16Cursor<'a> {
    bytes: &'a [u8],
    byte: usize,
    utf16: u32,
}

impl<'a> Utf16Cursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Utf16Cursor<'a> {
        Utf16Cursor {
            bytes: text.as_bytes(),
            byte: 0,
            utf16: 0,
        }
    }

    /// The UTF-16 offset of byte offset `byte` (clamped to the text's length). An offset
    /// inside a multi-byte character counts that character as started.
    pub fn utf16_at(&mut self, byte: usize) -> u32 {
        let byte = byte.min(self.bytes.len());
        if byte >= self.byte {
            self.utf16 += utf16_units(&self.bytes[self.byte..byte]);
        } else {
            self.utf16 -= utf16_units(&self.bytes[byte..self.byte]);
        }
        self.byte = byte;
        self.utf16
    }

    /// The UTF-16 span of a byte range.
    pub fn span(&mut self, bytes: Range<usize>) -> Span {
        let start = self.utf16_at(bytes.start);
        let end = self.utf16_at(bytes.end.max(bytes.start));
        Span { start, end }
    }
}

/// The byte offset of the UTF-16 offset `utf16` in `text`, or `None` when it is past the end
/// or falls between the two halves of a surrogate pair.
pub fn utf16_to_byte(text: &str, utf16: u32) -> Option<usize> {
    let mut units: u32 = 0;
    for (index, ch) in text.char_indices() {
        if units == utf16 {
            return Some(index);
        }
        units += ch.len_utf16() as u32;
        if units > utf16 {
            return None;
        }
    }
    (units == utf16).then_some(text.len())
}

/// The byte range of a UTF-16 span in `text`, when both ends fall on character boundaries.
pub fn span_to_byte_range(text: &str, span: Span) -> Option<Range<usize>> {
    let start = utf16_to_byte(text, span.start)?;
    let end = utf16_to_byte(text, span.end)?;
    (start <= end).then_some(start..end)
}

/// A text folded for comparisons that ignore case and accents, with the way back to the
/// original's byte offsets.
///
/// Folding lowercases, removes accents (precomposed or combining), turns `œ`/`æ`/`ß` into
/// `oe`/`ae`/`ss`, typographic dashes into `-` and apostrophes into `'`, collapses runs of
/// whitespace (including no-break spaces) into one space and drops zero-width characters.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// The folded text.
    pub text: String,
    /// The way back, as segments sorted by folded offset: `(folded, original, linear)`.
    /// From `folded` on (until the next segment), a linear segment maps one byte to one
    /// byte from `original`; a constant one maps every byte to `original` (the bytes a
    /// non-ASCII character folded to).
    segments: Vec<(u32, u32, bool)>,
    /// The original's length, where the end of `text` maps.
    original_len: u32,
    /// The words of `text`: runs of letters, digits (and combining marks).
    words: Vec<Range<usize>>,
}

impl Folded {
    /// The byte offset in the original of the character that folded byte `folded` comes
    /// from (the original's end for the end of `text`).
    pub fn original_offset(&self, folded: usize) -> usize {
        if folded >= self.text.len() {
            return self.original_len as usize;
        }
        let folded = folded as u32;
        let index = self.segments.partition_point(|segment| segment.0 <= folded);
        match index
            .checked_sub(1)
            .and_then(|index| self.segments.get(index))
        {
            Some(&(start, original, true)) => (original + (folded - start)) as usize,
            Some(&(_, original, false)) => original as usize,
            None => 0,
        }
    }

    /// The byte range of the original text that produced `folded` (a range of `self.text`
    /// on character boundaries).
    pub fn original_range(&self, folded: Range<usize>) -> Range<usize> {
        self.original_offset(folded.start)..self.original_offset(folded.end)
    }

    /// The words of the folded text (byte ranges of `self.text`): runs of letters and
    /// digits of any script, found while folding.
    pub fn words(&self) -> &[Range<usize>] {
        &self.words
    }
}

/// Whether each ASCII byte is a word byte (letter or digit).
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    table
};

/// Whether `byte` is an ASCII letter or digit.
#[inline]
pub(crate) fn is_ascii_word_byte(byte: u8) -> bool {
    ASCII_WORD.get(usize::from(byte)).copied().unwrap_or(false)
}

/// Tracks the words of a text as it is produced, byte by byte or character by character.
#[derive(Debug, Default)]
struct WordTracker {
    words: Vec<Range<usize>>,
    start: Option<usize>,
}

impl WordTracker {
    /// Notes that the character at `position` is (or is not) part of a word.
    #[inline]
    fn note(&mut self, position: usize, word: bool) {
        match (word, self.start) {
            (true, None) => self.start = Some(position),
            (false, Some(start)) => {
                self.words.push(start..position);
                self.start = None;
            }
            _ => {}
        }
    }

    fn finish(mut self, end: usize) -> Vec<Range<usize>> {
        if let Some(start) = self.start {
            self.words.push(start..end);
        }
        self.words
    }
}

/// Builds a [`Folded`]: the folded bytes and their segments.
struct FoldBuilder {
    out: String,
    segments: Vec<(u32, u32, bool)>,
}

impl FoldBuilder {
    /// Notes that the bytes pushed next map one to one from `original`.
    #[inline]
    fn linear(&mut self, original: usize) {
        let folded = self.out.len() as u32;
        let original = original as u32;
        let continues = self
            .segments
            .last()
            .is_some_and(|&(start, from, linear)| linear && from + (folded - start) == original);
        if !continues {
            self.segments.push((folded, original, true));
        }
    }

    /// Notes that the bytes pushed next all map to `original`.
    #[inline]
    fn constant(&mut self, original: usize) {
        self.segments
            .push((self.out.len() as u32, original as u32, false));
    }
}

/// Folds `text`, keeping the map back to its byte offsets. See [`Folded`].
pub fn fold(text: &str) -> Folded {
    let bytes = text.as_bytes();
    // Sized for prose (a word about every six bytes, a segment about every eight: accents
    // and line breaks), so that folding a paragraph seldom grows them.
    let mut builder = FoldBuilder {
        out: String::with_capacity(text.len()),
        segments: Vec::with_capacity(text.len() / 8 + 1),
    };
    let mut words = WordTracker {
        words: Vec::with_capacity(text.len() / 6 + 1),
        start: None,
    };
    let mut index = 0;
    let mut last_space = false;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte < 0x80 {
            // A run of ASCII that folds one to one: no whitespace but single spaces after
            // something else than a space.
            let mut end = index;
            let mut space_before = last_space;
            let base = builder.out.len();
            while end < bytes.len() {
                let next = bytes[end];
                if next >= 0x80 || (next.is_ascii_whitespace() && (next != b' ' || space_before)) {
                    break;
                }
                space_before = next == b' ';
                words.note(base + (end - index), is_ascii_word_byte(next));
                end += 1;
            }
            if end > index {
                builder.linear(index);
                let from = builder.out.len();
                builder
                    .out
                    .push_str(text.get(index..end).unwrap_or_default());
                if let Some(run) = builder.out.get_mut(from..) {
                    run.make_ascii_lowercase();
                }
                last_space = space_before;
                index = end;
                continue;
            }
            // Whitespace to collapse.
            if !last_space {
                builder.linear(index);
                words.note(builder.out.len(), false);
                builder.out.push(' ');
                last_space = true;
            }
            index += 1;
            continue;
        }
        let Some(ch) = text.get(index..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let before = builder.out.len();
        builder.constant(index);
        let out = &mut builder.out;
        match fold_char(ch) {
            FoldedChar::Drop => {}
            FoldedChar::Space => {
                if !last_space {
                    out.push(' ');
                }
            }
            FoldedChar::Ascii(first, second) => {
                out.push(char::from(first));
                if let Some(second) = second {
                    out.push(char::from(second));
                }
            }
            FoldedChar::Lower(ch) => lower::push_lower(out, ch),
        }
        if out.len() > before {
            last_space = out.ends_with(' ');
            if let Some(piece) = out.get(before..) {
                for (offset, folded) in piece.char_indices() {
                    words.note(before + offset, is_word_char(folded));
                }
            }
        } else {
            // Nothing came out: no segment needed.
            builder.segments.pop();
        }
        index += ch.len_utf8();
    }
    let words = words.finish(builder.out.len());
    Folded {
        text: builder.out,
        segments: builder.segments,
        original_len: text.len() as u32,
        words,
    }
}

/// `text` folded, without the map back (for keywords and patterns).
pub fn fold_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for ch in text.chars() {
        if ch.is_ascii() {
            if !ch.is_ascii_whitespace() {
                out.push(ch.to_ascii_lowercase());
                last_space = false;
            } else if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        match fold_char(ch) {
            FoldedChar::Drop => {}
            FoldedChar::Space => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            FoldedChar::Ascii(first, second) => {
                out.push(first as char);
                if let Some(second) = second {
                    out.push(second as char);
                }
                last_space = false;
            }
            FoldedChar::Lower(ch) => {
                lower::push_lower(&mut out, ch);
                last_space = false;
            }
        }
    }
    out
}

/// What one character folds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FoldedChar {
    /// Nothing (combining marks, zero-width characters).
    Drop,
    /// A space (any whitespace).
    Space,
    /// One or two ASCII bytes.
    Ascii(u8, Option<u8>),
    /// The character's lowercase.
    Lower(char),
}

/// Folds one character. See [`Folded`].
pub(crate) fn fold_char(ch: char) -> FoldedChar {
    use FoldedChar::{Ascii, Drop, Lower, Space};
    let one = |byte: u8| Ascii(byte, None);
    match ch {
        'A'..='Z' => one(ch.to_ascii_lowercase() as u8),
        '\0'..='\x7f' if ch.is_ascii_whitespace() => Space,
        '\0'..='\x7f' => one(ch as u8),
        '\u{300}'..='\u{36f}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => {
            Drop
        }
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => one(b'a'),
        'Æ' | 'æ' => Ascii(b'a', Some(b'e')),
        'Ç' | 'ç' | 'Ć'..='č' => one(b'c'),
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => one(b'e'),
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => one(b'i'),
        'Ð' | 'ð' | 'Ď'..='đ' => one(b'd'),
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => one(b'n'),
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => one(b'o'),
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => one(b'u'),
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => one(b'y'),
        'Þ' | 'þ' => Ascii(b't', Some(b'h')),
        'ß' => Ascii(b's', Some(b's')),
        'Ĝ'..='ģ' => one(b'g'),
        'Ĥ'..='ħ' => one(b'h'),
        'Ĳ' | 'ĳ' => Ascii(b'i', Some(b'j')),
        'Ĵ' | 'ĵ' => one(b'j'),
        'Ķ'..='ĸ' => one(b'k'),
        'Ĺ'..='ł' => one(b'l'),
        'Œ' | 'œ' => Ascii(b'o', Some(b'e')),
        'Ŕ'..='ř' => one(b'r'),
        'Ś'..='š' | 'ſ' => one(b's'),
        'Ţ'..='ŧ' => one(b't'),
        'Ŵ' | 'ŵ' => one(b'w'),
        'Ź'..='ž' => one(b'z'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}' => one(b'-'),
        '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2bc}' | '\u{2032}' => one(b'\''),
        _ if ch.is_whitespace() => Space,
        _ => Lower(ch),
    }
}

/// Whether `ch` is part of a word: a letter or digit of any script, or a combining mark.
#[inline]
pub(crate) fn is_word_char(ch: char) -> bool {
    match ch {
        '\0'..='\x7f' => ch.is_ascii_alphanumeric(),
        // Latin-1 and Latin Extended-A/B letters (the accents of French), but × and ÷.
        '\u{c0}'..='\u{24f}' => ch != '\u{d7}' && ch != '\u{f7}',
        '\u{300}'..='\u{36f}' => true,
        _ => ch.is_alphanumeric(),
    }
}

/// The character that ends just before byte `index` of `text` (on a boundary).
#[inline]
pub(crate) fn char_before(text: &str, index: usize) -> Option<char> {
    text.get(..index)?.chars().next_back()
}

/// The character that starts at byte `index` of `text` (on a boundary).
#[inline]
pub(crate) fn char_at(text: &str, index: usize) -> Option<char> {
    text.get(index..)?.chars().next()
}

/// The byte index of `needle`'s first occurrence in `haystack`: `haystack.find(needle)`
/// without `core`'s two-way searcher (about 2 KB of the content script's wasm). A scan
/// for the first byte and a comparison there; the needles are short (a separator, a
/// link's text), so the length × length worst case stays small. A match starts on a
/// `char` boundary, as `needle`'s first byte is not a continuation byte.
pub fn find_str(haystack: &str, needle: &str) -> Option<usize> {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return Some(0);
    };
    let last_start = haystack.len().checked_sub(needle.len())?;
    (0..=last_start).find(|&at| haystack[at] == first && haystack[at..at + needle.len()] == *needle)
}

/// `haystack.split_once(needle)` through [`find_str`].
pub fn split_once_str<'a>(haystack: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find_str(haystack, needle)?;
    Some((haystack.get(..at)?, haystack.get(at + needle.len()..)?))
}

/// `value` rounded to `decimals` places (at most 6) and written with them, as
/// `format!("{value:.N}")` would write it, by integer arithmetic: `core`'s float formatting
/// is about 12 KB of the content script's wasm, which writes numbers for the page's style
/// and the benchmark only. Values beyond ±2^53 units of the last place, or not finite,
/// are clamped.
pub fn fixed_decimals(value: f64, decimals: u32) -> String {
    let decimals = decimals.min(6);
    let scale = 10_u64.pow(decimals);
    let scaled = (value * scale as f64).round();
    // `as` saturates; NaN becomes 0.
    let scaled = scaled as i64;
    let mut text = String::new();
    if scaled < 0 {
        text.push('-');
    }
    let magnitude = scaled.unsigned_abs();
    push_digits(&mut text, magnitude / scale, 1);
    if decimals > 0 {
        text.push('.');
        push_digits(&mut text, magnitude % scale, decimals as usize);
    }
    text
}

/// Whether `word` is one of the comma-separated entries of `list`. Word lists are kept as
/// one string each: a table of `&str` costs eight bytes of pointer and length an entry in
/// the wasm, bytes that compress badly.
pub fn listed(list: &str, word: &str) -> bool {
    list.split(',').any(|entry| entry == word)
}

/// Appends `word` to the space-separated `words` (by hand: `[String]::join` is a generic
/// copy of its own in the wasm).
pub fn push_word(words: &mut String, word: &str) {
    if !words.is_empty() {
        words.push(' ');
    }
    words.push_str(word);
}

/// Appends `value`'s decimal digits to `text`, padded with zeros to `width` at least,
/// without `core::fmt` (its `u64` formatting is one more copy in the wasm).
pub fn push_digits(text: &mut String, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while value > 0 || start + width > digits.len() {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    for &digit in &digits[start..] {
        text.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_is_a_slice_s_contains() {
        let lists = [
            "le,la,les,du,de,des,au,aux",
            "ne le,nee le,ne(e) le,d.d.n,date of birth",
            "gouv.qc.ca,qc.ca,co.uk",
            "nº,n,no,nos",
            "x",
        ];
        for list in lists {
            let entries: Vec<&str> = list.split(',').collect();
            // Every entry, every piece of the list between two of its bytes, and a few more.
            let mut words: Vec<String> = ["", ",", " ", "le,la", "qc", "ca", "X", "é"]
                .map(String::from)
                .to_vec();
            for (start, _) in list.char_indices() {
                for (end, _) in list[start..].char_indices().skip(1) {
                    words.push(list[start..start + end].to_owned());
                }
                words.push(list[start..].to_owned());
            }
            let mut found = 0;
            for word in &words {
                assert_eq!(
                    listed(list, word),
                    entries.contains(&word.as_str()),
                    "{word:?} in {list:?}"
                );
                found += usize::from(listed(list, word));
            }
            assert!(found >= entries.len(), "{list:?}");
        }
    }

    #[test]
    fn find_str_finds_what_str_find_finds() {
        let texts = [
            "",
            "a",
            "aaa",
            "abababab",
            "Un paragraphe.\n\nUn autre.\n\n\n",
            "https://lacsq.org/x://y",
            "é€𝔘 é€𝔘é",
            "prénom..nom@exemple.org",
        ];
        let needles = [
            "", "a", "aa", "ab", "ba", "bab", "\n\n", "://", "..", "é", "€𝔘", "𝔘é", "x", "org",
        ];
        for text in texts {
            // Every substring of the text is a needle too, and a few that are not in it.
            let mut all: Vec<&str> = needles.to_vec();
            for (start, _) in text.char_indices() {
                for (end, _) in text[start..].char_indices().skip(1) {
                    all.push(&text[start..start + end]);
                }
                all.push(&text[start..]);
            }
            for needle in all {
                assert_eq!(
                    find_str(text, needle),
                    text.find(needle),
                    "{text:?} {needle:?}"
                );
                assert_eq!(
                    split_once_str(text, needle),
                    text.split_once(needle),
                    "{text:?} {needle:?}"
                );
            }
        }
    }

    /// The reference: UTF-16 length of the prefix, through `encode_utf16`.
    fn reference(text: &str, byte: usize) -> u32 {
        text[..byte].encode_utf16().count() as u32
    }

    #[test]
    fn utf16_offsets_match_the_browser_count() {
        let texts = [
            "",
            "plain ascii",
            "Élèves à l'école, ça va?",
            "Fête 🎉 des enseignant·e·s 👩‍🏫 !",
            "e\u{301}cole cafe\u{301} — œuvre",
            "𝕏 mathematical 𝒜 and 中文",
        ];
        for text in texts {
            let mut cursor = Utf16Cursor::new(text);
            for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
                assert_eq!(
                    cursor.utf16_at(byte),
                    reference(text, byte),
                    "{text:?} @ {byte}"
                );
            }
            // Backwards too.
            for (byte, _) in text.char_indices().rev() {
                assert_eq!(
                    cursor.utf16_at(byte),
                    reference(text, byte),
                    "{text:?} @ {byte}"
                );
            }
            assert_eq!(utf16_len(text), text.encode_utf16().count() as u32);
        }
    }

    #[test]
    fn spans_after_emoji_and_combining_characters() {
        // "🎉" is 4 bytes and 2 UTF-16 units; "e\u{301}" is 3 bytes and 2 units.
        let text = "🎉 e\u{301}cole: lacsq.org";
        let start = text.find("lacsq").unwrap();
        let span = Span::from_byte_range(text, start..text.len());
        assert_eq!(span, Span::new(11, 20));
        let utf16: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&utf16[11..20]).unwrap(), "lacsq.org");
        assert_eq!(span_to_byte_range(text, span), Some(start..text.len()));
    }

    #[test]
    fn utf16_to_byte_rejects_the_middle_of_a_pair() {
        let text = "a🎉b";
        assert_eq!(utf16_to_byte(text, 0), Some(0));
        assert_eq!(utf16_to_byte(text, 1), Some(1));
        assert_eq!(utf16_to_byte(text, 2), None);
        assert_eq!(utf16_to_byte(text, 3), Some(5));
        assert_eq!(utf16_to_byte(text, 4), Some(6));
        assert_eq!(utf16_to_byte(text, 5), None);
        assert_eq!(span_to_byte_range(text, Span::new(3, 1)), None);
    }

    #[test]
    fn span_serde_and_helpers() {
        let span = Span::new(3, 7);
        assert_eq!(span.len(), 4);
        assert!(!span.is_empty());
        assert!(Span::new(4, 4).is_empty());
        assert_eq!(
            serde_json::to_string(&span).unwrap(),
            r#"{"start":3,"end":7}"#
        );
        assert!(serde_json::from_str::<Span>(r#"{"start":1,"end":2,"x":0}"#).is_err());
    }

    #[test]
    fn folding_removes_case_and_accents() {
        let cases = [
            ("École", "ecole"),
            ("ÉDUCATION", "education"),
            ("e\u{301}le\u{300}ve", "eleve"),
            ("Œuvre ŒUVRE cœur", "oeuvre oeuvre coeur"),
            ("ça  \u{a0}\t va", "ca va"),
            ("aujourd’hui — SEC‑CSQ", "aujourd'hui - sec-csq"),
            ("Straße", "strasse"),
            ("zero\u{200b}width", "zerowidth"),
            ("Привет", "привет"),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_str(input), expected, "{input:?}");
            assert_eq!(fold(input).text, expected, "{input:?}");
        }
    }

    #[test]
    fn folded_ranges_map_back_to_the_original() {
        let text = "Les  Élèves de l'e\u{301}cole « Œuvre »";
        let folded = fold(text);
        assert_eq!(folded.text, "les eleves de l'ecole « oeuvre »");
        let find = |word: &str| {
            let start = folded.text.find(word).unwrap();
            let range = folded.original_range(start..start + word.len());
            &text[range]
        };
        assert_eq!(find("eleves"), "Élèves");
        assert_eq!(find("ecole"), "e\u{301}cole");
        assert_eq!(find("oeuvre"), "Œuvre");
        assert_eq!(find("les eleves"), "Les  Élèves");
        assert_eq!(find("»"), "»");
    }

    #[test]
    fn fixed_decimals_writes_what_float_formatting_writes() {
        for value in [
            0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            2.5,
            -0.4,
            -2.675,
            12.345,
            123.4567,
            0.001,
            0.0005,
            99.9996,
            1234567.891,
            -0.0001,
            47.125,
        ] {
            for decimals in 0..=6 {
                let expected = format!("{value:.*}", decimals as usize);
                let written = fixed_decimals(value, decimals);
                // Float formatting rounds half to even on the exact binary value, this
                // rounds half away from zero: they may differ on an exact tie only, and
                // "-0" is written "0".
                let tie = (value * 10f64.powi(decimals as i32)).fract().abs() == 0.5;
                let negative_zero = expected
                    .trim_start_matches('-')
                    .chars()
                    .all(|c| c == '0' || c == '.');
                if !tie && !negative_zero {
                    assert_eq!(written, expected, "{value} with {decimals} decimals");
                }
            }
        }
        assert_eq!(fixed_decimals(-0.0001, 2), "0.00");
        assert_eq!(fixed_decimals(2.5, 0), "3");
        assert_eq!(fixed_decimals(f64::NAN, 2), "0.00");
    }
}
