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

/// The text of `tables.rs`.
pub(super) fn tables_source() -> String {
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
            ends.push(text.len());
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
    assert!(
        text.len() <= usize::from(u16::MAX),
        "prototypes overflow u16 ends"
    );
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
         (https://www.unicode.org/license.txt).\n"
    );
    let _ = writeln!(
        out,
        "/// Characters that lowercasing leaves as they are and whose UTS #39 prototype (NFD, confusable \
         mapping, NFD)\n/// differs from them and is made of ASCII and combining marks, sorted.\npub(super) static PROTOTYPE_CHARS: [u32; {}] = {:?};\n",
        chars.len(),
        chars
    );
    let ends: Vec<u16> = ends
        .iter()
        .map(|end| u16::try_from(*end).unwrap_or(u16::MAX))
        .collect();
    let _ = writeln!(
        out,
        "/// Where each prototype ends in [`PROTOTYPE_TEXT`] (it starts where the previous one ends).\n\
         pub(super) static PROTOTYPE_ENDS: [u16; {}] = {:?};\n",
        ends.len(),
        ends
    );
    let _ = writeln!(
        out,
        "/// The prototypes, one after the other.\npub(super) static PROTOTYPE_TEXT: &str = {text:?};\n"
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
         pub(super) static IDENTIFIER_ALLOWED: [(u32, u32); {}] = {:?};\n",
        allowed.len(),
        allowed
    );
    let _ = writeln!(
        out,
        "/// Where each run of one script class starts (a character's class is its run's).\n\
         pub(super) static SCRIPT_STARTS: [u32; {}] = {:?};\n",
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
    let sets_text: Vec<String> = sets.iter().map(|set| format!("&{set:?}")).collect();
    let _ = writeln!(
        out,
        "\n/// The scripts of each class from `FIRST_SET` on (characters used by several scripts).\n\
         pub(super) static SCRIPT_SETS: [&[u8]; {}] = [{}];",
        sets.len(),
        sets_text.join(", ")
    );
    out
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
