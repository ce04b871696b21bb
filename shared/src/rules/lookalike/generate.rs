//! Writes (and checks) `tables.rs`, the look-alike check's compact Unicode tables, from the
//! `unicode-security` and `unicode-script` crates (dev-dependencies: the shipped code links
//! neither). `cargo test -p balise-core --lib tables_are_current` fails when the committed
//! tables differ from what these crates give; `BALISE_WRITE_LOOKALIKE_TABLES=1` with the
//! same command rewrites them.

use std::fmt::Write as _;

use unicode_script::UnicodeScript;

use super::{
    BOPOMOFO, CYRILLIC, FIRST_SET, GREEK, HAN, HANGUL, HIRAGANA, KATAKANA, LATIN, NEUTRAL,
};

/// Whether a character's prototype is kept: made of ASCII and of the combining marks that
/// the accent-blind comparison drops, so that it can make a host read as a Latin one.
fn kept_prototype(prototype: &str) -> bool {
    prototype
        .chars()
        .all(|ch| ch.is_ascii() || super::is_mark(ch))
}

/// Whether lowercasing leaves `ch` as it is: hosts are judged lowercased, so the letters
/// that lowercasing changes need no prototype.
pub(super) fn is_lowercase(ch: char) -> bool {
    let mut lower = ch.to_lowercase();
    lower.next() == Some(ch) && lower.next().is_none()
}

/// The number of `script` in the tables: the fixed ones first, the others from 9 by first
/// appearance.
fn script_number(script: unicode_script::Script, others: &mut Vec<unicode_script::Script>) -> u8 {
    use unicode_script::Script;
    let fixed = [
        (Script::Latin, LATIN),
        (Script::Han, HAN),
        (Script::Hiragana, HIRAGANA),
        (Script::Katakana, KATAKANA),
        (Script::Hangul, HANGUL),
        (Script::Bopomofo, BOPOMOFO),
        (Script::Cyrillic, CYRILLIC),
        (Script::Greek, GREEK),
    ];
    if let Some((_, number)) = fixed.iter().find(|(fixed, _)| *fixed == script) {
        return *number;
    }
    let index = match others.iter().position(|other| *other == script) {
        Some(index) => index,
        None => {
            others.push(script);
            others.len() - 1
        }
    };
    u8::try_from(index + 9).unwrap_or(u8::MAX)
}

/// The script class of `ch`: `NEUTRAL` for Common and Inherited, a script's number, or
/// `FIRST_SET` plus the index in `sets` of the scripts of a character used by several
/// (script extensions); `None` for unassigned ones (they take their neighbour's class,
/// which saves ranges).
fn script_class(
    ch: char,
    others: &mut Vec<unicode_script::Script>,
    sets: &mut Vec<Vec<u8>>,
) -> Option<u8> {
    let extension = ch.script_extension();
    if extension.is_empty() {
        return None;
    }
    if extension.is_common() || extension.is_inherited() {
        return Some(NEUTRAL);
    }
    let mut numbers: Vec<u8> = extension
        .iter()
        .map(|script| script_number(script, others))
        .collect();
    if let [number] = numbers[..] {
        return Some(number);
    }
    numbers.sort_unstable();
    let index = match sets.iter().position(|set| *set == numbers) {
        Some(index) => index,
        None => {
            sets.push(numbers);
            sets.len() - 1
        }
    };
    u8::try_from(usize::from(FIRST_SET) + index).ok()
}

/// The tables in full, before their compact encoding.
pub(super) struct FullTables {
    /// Characters with a kept prototype, sorted.
    pub(super) chars: Vec<u32>,
    /// Where each prototype ends in `text`.
    pub(super) ends: Vec<u16>,
    /// The prototypes, one after the other.
    pub(super) text: String,
    /// Default-ignorable ranges (inclusive).
    pub(super) ignorable: Vec<(u32, u32)>,
    /// Identifier-allowed ranges (inclusive).
    pub(super) allowed: Vec<(u32, u32)>,
    /// Where each run of one script class starts.
    pub(super) starts: Vec<u32>,
    /// Each run's class.
    pub(super) classes: Vec<u8>,
    /// The scripts of each class from `FIRST_SET` on.
    pub(super) sets: Vec<Vec<u8>>,
}

/// Reads the tables from `unicode-security` and `unicode-script`.
pub(super) fn full_tables() -> FullTables {
    let mut chars = Vec::new();
    let mut ends = Vec::new();
    let mut text = String::new();
    let mut ignorable: Vec<(u32, u32)> = Vec::new();
    let mut starts: Vec<u32> = Vec::new();
    let mut classes: Vec<u8> = Vec::new();
    let mut others = Vec::new();
    let mut sets = Vec::new();
    let mut allowed: Vec<(u32, u32)> = Vec::new();
    let mut last_relevant_allowed = false;
    for ch in (0..=0x10_ffff_u32).filter_map(char::from_u32) {
        let code = ch as u32;
        let prototype: String = unicode_security::skeleton(&ch.to_string()).collect();
        if prototype.is_empty() {
            match ignorable.last_mut() {
                Some((_, end)) if *end + 1 == code => *end = code,
                _ => ignorable.push((code, code)),
            }
        } else if prototype != ch.to_string() && kept_prototype(&prototype) && is_lowercase(ch) {
            chars.push(code);
            text.push_str(&prototype);
            ends.push(u16::try_from(text.len()).expect("prototypes overflow u16 ends"));
        }
        let class = script_class(ch, &mut others, &mut sets);
        // Identifier status matters only for labels of Latin, Chinese, Japanese and Korean
        // (see `mixes_scripts`): other characters are left out, so that runs merge.
        let cjk_or_latin = [NEUTRAL, LATIN, HAN, HIRAGANA, KATAKANA, HANGUL, BOPOMOFO];
        let relevant = class.is_some_and(|class| {
            cjk_or_latin.contains(&class)
                || class >= FIRST_SET
                    && sets
                        .get(usize::from(class - FIRST_SET))
                        .is_some_and(|set| set.iter().any(|script| cjk_or_latin.contains(script)))
        });
        if relevant {
            let is_allowed = unicode_security::GeneralSecurityProfile::identifier_allowed(ch);
            match allowed.last_mut() {
                Some((_, end)) if is_allowed && last_relevant_allowed => *end = code,
                _ if is_allowed => allowed.push((code, code)),
                _ => {}
            }
            last_relevant_allowed = is_allowed;
        }
        if let Some(class) = class
            && classes.last() != Some(&class)
        {
            starts.push(code);
            classes.push(class);
        }
    }
    FullTables {
        chars,
        ends,
        text,
        ignorable,
        allowed,
        starts,
        classes,
        sets,
    }
}

/// `value` as LEB128: seven bits a byte, low bits first, the high bit set on all but the last.
fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Sorted numbers as the varints of their differences (the first from 0).
fn deltas(sorted: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut previous = 0;
    for &value in sorted {
        push_varint(&mut out, value - previous);
        previous = value;
    }
    out
}

/// Sorted disjoint inclusive ranges as varint pairs: the gap from the previous range's
/// last (the first from 0) and the range's last minus its first.
fn range_deltas(ranges: &[(u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut previous = 0;
    for &(first, last) in ranges {
        push_varint(&mut out, first - previous);
        push_varint(&mut out, last - first);
        previous = last;
    }
    out
}

/// The text of `tables.rs`.
pub(super) fn tables_source() -> String {
    let FullTables {
        chars,
        ends,
        text,
        ignorable,
        allowed,
        starts,
        classes,
        sets,
    } = full_tables();
    // The prototypes as one byte a character: ASCII as itself, a combining mark as 0x80 plus
    // its index in `marks` (half the size of UTF-8's two or three bytes; lengths in bytes).
    let mut marks: Vec<u16> = text
        .chars()
        .filter(|ch| !ch.is_ascii())
        .map(|ch| u16::try_from(u32::from(ch)).expect("a mark in the basic plane"))
        .collect();
    marks.sort_unstable();
    marks.dedup();
    assert!(marks.len() <= 0x80, "at most 128 marks");
    let mut encoded = Vec::with_capacity(text.len());
    let mut lengths = Vec::with_capacity(ends.len());
    let mut previous = 0;
    for &end in &ends {
        let prototype = &text[usize::from(previous)..usize::from(end)];
        let before = encoded.len();
        for ch in prototype.chars() {
            encoded.push(match marks.binary_search(&(u32::from(ch) as u16)) {
                _ if ch.is_ascii() => ch as u8,
                Ok(index) => 0x80 + index as u8,
                Err(_) => unreachable!("every mark is in `marks`"),
            });
        }
        let length = encoded.len() - before;
        lengths.push(u8::try_from(length).expect("a prototype longer than 255 characters"));
        previous = end;
    }
    let chars = deltas(&chars);
    let allowed = range_deltas(&allowed);
    let starts = deltas(&starts);
    let mut out = String::new();
    let (major, minor, update) = unicode_security::UNICODE_VERSION;
    let _ = writeln!(
        out,
        "//! Generated by `generate.rs` (run `BALISE_WRITE_LOOKALIKE_TABLES=1 cargo test -p balise-core \
         --lib tables_are_current`): do not edit.\n//!\n\
         //! Derived from Unicode {major}.{minor}.{update}'s confusables.txt (UTS #39) through the \
         `unicode-security` crate\n\
         //! and Scripts.txt / ScriptExtensions.txt through the `unicode-script` crate. Unicode data \
         files are\n//! Copyright © 1991-2024 Unicode, Inc., under the Unicode License v3 \
         (https://www.unicode.org/license.txt).\n//!\n\
         //! Sorted numbers are stored compactly, as the LEB128 varints of their differences \
         (`lookalike.rs` decodes\n//! them once, when a host first needs them).\n"
    );
    let _ = writeln!(
        out,
        "/// Characters that lowercasing leaves as they are and whose UTS #39 prototype (NFD, confusable \
         mapping, NFD)\n/// differs from them and is made of ASCII and combining marks, sorted: varints \
         of the differences.\npub(super) static PROTOTYPE_CHARS: [u8; {}] = {:?};\n",
        chars.len(),
        chars
    );
    let _ = writeln!(
        out,
        "/// The length in bytes of each character's prototype in [`PROTOTYPE_TEXT`].\n\
         pub(super) static PROTOTYPE_LENGTHS: [u8; {}] = {:?};\n",
        lengths.len(),
        lengths
    );
    let _ = writeln!(
        out,
        "/// The prototypes, one after the other, a byte a character: ASCII, or `0x80` plus a mark's \
         index in [`PROTOTYPE_MARKS`].\npub(super) static PROTOTYPE_TEXT: [u8; {}] = {:?};\n",
        encoded.len(),
        encoded
    );
    let _ = writeln!(
        out,
        "/// The combining marks in the prototypes, sorted.\npub(super) static PROTOTYPE_MARKS: [u16; {}] = {:?};\n",
        marks.len(),
        marks
    );
    let _ = writeln!(
        out,
        "/// Default-ignorable code points (dropped from skeletons), as inclusive ranges.\n\
         pub(super) static IGNORABLE: [(u32, u32); {}] = {:?};\n",
        ignorable.len(),
        ignorable
    );
    let _ = writeln!(
        out,
        "/// Characters UTS #39 allows in identifiers (its identifier status), as inclusive ranges; only\n\
         /// Latin, Chinese, Japanese, Korean and Common ones are meaningful (the others fall anywhere).\n\
         /// Varint pairs: the gap from the previous range's last (the first from 0), then last minus first.\n\
         pub(super) static IDENTIFIER_ALLOWED: [u8; {}] = {:?};\n",
        allowed.len(),
        allowed
    );
    let _ = writeln!(
        out,
        "/// Where each run of one script class starts (a character's class is its run's): varints of \
         the differences.\n\
         pub(super) static SCRIPT_STARTS: [u8; {}] = {:?};\n",
        starts.len(),
        starts
    );
    let _ = writeln!(
        out,
        "/// Each run's script class (the constants in `lookalike.rs`).\n\
         pub(super) static SCRIPT_CLASSES: [u8; {}] = {:?};",
        classes.len(),
        classes
    );
    // Only the sets a class can name (`FIRST_SET` to 255): `script_class` gives the others'
    // characters no class, so they are never read.
    let mut flat_sets = Vec::new();
    for set in sets.iter().take(256 - usize::from(FIRST_SET)) {
        flat_sets.push(u8::try_from(set.len()).expect("a set of fewer than 256 scripts"));
        flat_sets.extend_from_slice(set);
    }
    let _ = writeln!(
        out,
        "\n/// The scripts of each class from `FIRST_SET` on (characters used by several scripts), one \
         set after the other,\n/// each as its length then its scripts.\n\
         pub(super) static SCRIPT_SETS: [u8; {}] = {:?};",
        flat_sets.len(),
        flat_sets
    );
    out
}

#[test]
fn compact_tables_decode_to_the_full_ones() {
    let full = full_tables();
    let prototypes = super::prototypes();
    assert_eq!(prototypes.chars, full.chars);
    // Each prototype reads back as the full table's, character for character.
    let mut start = 0;
    for (index, &end) in full.ends.iter().enumerate() {
        let mut prototype = String::new();
        super::push_prototype(&mut prototype, index);
        assert_eq!(
            prototype,
            full.text[start..usize::from(end)],
            "{:?}",
            char::from_u32(full.chars[index])
        );
        start = usize::from(end);
    }
    assert_eq!(prototypes.ends.len(), full.ends.len());
    let mut past_the_end = String::new();
    super::push_prototype(&mut past_the_end, full.ends.len());
    assert!(past_the_end.is_empty());
    assert_eq!(
        super::tables::IGNORABLE.as_slice(),
        full.ignorable.as_slice()
    );
    assert_eq!(super::identifier_allowed_ranges(), full.allowed.as_slice());
    assert_eq!(super::script_starts(), full.starts.as_slice());
    assert_eq!(
        super::tables::SCRIPT_CLASSES.as_slice(),
        full.classes.as_slice()
    );
    assert!(full.starts.len() == full.classes.len());
    // Every class from `FIRST_SET` on names its set; one past the last set names none, as
    // past the end of the former table of slices.
    for class in FIRST_SET..=u8::MAX {
        let set = full.sets.get(usize::from(class - FIRST_SET));
        assert_eq!(
            super::script_set(class),
            set.map_or(&[][..], Vec::as_slice),
            "class {class}"
        );
    }
    // The classes in the table name only sets it holds.
    assert!(
        full.classes
            .iter()
            .all(|&class| class < FIRST_SET || !super::script_set(class).is_empty())
    );
    // Varints of every width decode back.
    let values = [0, 1, 127, 128, 16_383, 16_384, 0x10_ffff, u32::MAX];
    let mut bytes = Vec::new();
    for value in values {
        push_varint(&mut bytes, value);
    }
    assert_eq!(super::varints(&bytes).collect::<Vec<_>>(), values);
}

#[test]
fn tables_are_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/lookalike/tables.rs");
    let generated = tables_source();
    if std::env::var_os("BALISE_WRITE_LOOKALIKE_TABLES").is_some() {
        std::fs::write(&path, &generated).expect("writing tables.rs");
    }
    let committed = std::fs::read_to_string(&path).expect("reading tables.rs");
    assert!(
        committed == generated,
        "lookalike/tables.rs is not what unicode-security and unicode-script give: \
         regenerate it with BALISE_WRITE_LOOKALIKE_TABLES=1 cargo test -p balise-core --lib tables_are_current"
    );
}
