//! Lowercasing as `char::to_lowercase` and `str::to_lowercase` do, from compact tables.
//!
//! `std`'s lowercase table (every mapping as a pair of `u32`, about 11.5 KB) is most of
//! what lowercasing adds to the extension's wasm. `build.rs` reads the same mappings from
//! this toolchain's `std` and writes them as runs (about 1.5 KB), with the two properties
//! the final-sigma rule needs; the tests compare every `char` with `std`.

include!(concat!(env!("OUT_DIR"), "/lowercase.rs"));

/// The lowercase of `ch`: one character, or two (`İ`), as `char::to_lowercase`.
pub fn lower_char(ch: char) -> (char, Option<char>) {
    if ch.is_ascii() {
        return (ch.to_ascii_lowercase(), None);
    }
    let code = ch as u32;
    let run = LOWER_RUNS.partition_point(|&word| word & 0x1f_ffff <= code);
    if let Some(index) = run.checked_sub(1) {
        let (word, delta) = (LOWER_RUNS[index], LOWER_DELTAS[index]);
        let (start, len) = (word & 0x1f_ffff, word >> 21);
        let stride = (delta & 1) as u32 + 1;
        let offset = code - start;
        if offset < len * stride && offset.is_multiple_of(stride) {
            let lower = code.wrapping_add_signed(delta >> 1);
            return (char::from_u32(lower).unwrap_or(ch), None);
        }
    }
    for &(from, first, second) in &LOWER_TWO {
        if from == code {
            let first = char::from_u32(first).unwrap_or(ch);
            return (first, char::from_u32(second));
        }
    }
    (ch, None)
}

/// Appends the lowercase of `ch` to `out`.
pub fn push_lower(out: &mut String, ch: char) {
    let (first, second) = lower_char(ch);
    out.push(first);
    if let Some(second) = second {
        out.push(second);
    }
}

/// `text` lowercased, as `str::to_lowercase`: `Σ` becomes `ς` at the end of a word.
pub fn lower_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, ch) in text.char_indices() {
        if ch == 'Σ' {
            let before = text.get(..index).unwrap_or_default().chars().rev();
            let after = text
                .get(index + 'Σ'.len_utf8()..)
                .unwrap_or_default()
                .chars();
            let word_final = ignorable_then_cased(before) && !ignorable_then_cased(after);
            out.push(if word_final { 'ς' } else { 'σ' });
        } else {
            push_lower(&mut out, ch);
        }
    }
    out
}

/// Whether `ch` is uppercase, as `char::is_uppercase`, without std's uppercase table:
/// lowercasing changes it, but for the few characters in `UPPERCASE_FLIPS` (titlecase
/// letters, and capitals that have no lowercase).
pub fn is_uppercase(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_uppercase();
    }
    let changes = lower_char(ch) != (ch, None);
    changes != in_ranges(&UPPERCASE_FLIPS, ch)
}

/// Whether the first character of `chars` that is not Case_Ignorable is Cased.
fn ignorable_then_cased(mut chars: impl Iterator<Item = char>) -> bool {
    chars
        .find(|&ch| !in_ranges(&CASE_IGNORABLE, ch))
        .is_some_and(|ch| in_ranges(&CASED, ch))
}

/// Whether `ch` is in `ranges` (see `build.rs`: gaps and lengths as LEB128). A scan, for
/// the rare `Σ` and the capital that starts a name beside a date only.
fn in_ranges(ranges: &[u8], ch: char) -> bool {
    let code = ch as u32;
    let mut bytes = ranges.iter();
    let mut next = || {
        let mut value = 0u32;
        let mut shift = 0;
        for &byte in bytes.by_ref() {
            value |= u32::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
            shift += 7;
        }
        None
    };
    let mut end = 0u32;
    while let (Some(gap), Some(len)) = (next(), next()) {
        let start = end + gap;
        if code < start {
            return false;
        }
        end = start + len + 1;
        if code < end {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_char() -> impl Iterator<Item = char> {
        (0..=0x10_ffff_u32).filter_map(char::from_u32)
    }

    #[test]
    fn every_char_lowercases_as_std() {
        for ch in every_char() {
            let mut std_lower = ch.to_lowercase();
            let expected = (std_lower.next().expect("one"), std_lower.next());
            assert_eq!(lower_char(ch), expected, "{ch:?}");
            let mut pushed = String::new();
            push_lower(&mut pushed, ch);
            assert_eq!(pushed, ch.to_lowercase().collect::<String>(), "{ch:?}");
        }
    }

    #[test]
    fn every_char_is_uppercase_as_std() {
        for ch in every_char() {
            assert_eq!(is_uppercase(ch), ch.is_uppercase(), "{ch:?}");
        }
    }

    /// The ranges of a LEB128 table, decoded once (the lookups scan).
    fn decoded(table: &[u8]) -> Vec<(u32, u32)> {
        let mut values = Vec::new();
        let (mut value, mut shift) = (0u32, 0);
        for &byte in table {
            value |= u32::from(byte & 0x7f) << shift;
            shift += 7;
            if byte < 0x80 {
                values.push(value);
                (value, shift) = (0, 0);
            }
        }
        let mut end = 0;
        values
            .chunks(2)
            .map(|pair| {
                let start = end + pair[0];
                end = start + pair[1] + 1;
                (start, end)
            })
            .collect()
    }

    #[test]
    fn the_final_sigma_properties_are_std_s() {
        let ignorable = decoded(&CASE_IGNORABLE);
        let cased = decoded(&CASED);
        let within = |ranges: &[(u32, u32)], ch: char| {
            let code = ch as u32;
            let after = ranges.partition_point(|&(start, _)| start <= code);
            after
                .checked_sub(1)
                .is_some_and(|index| code < ranges[index].1)
        };
        let mut probe = String::new();
        for ch in every_char() {
            let mut final_after = |before: char| {
                probe.clear();
                probe.push(before);
                probe.push(ch);
                probe.push('Σ');
                probe.to_lowercase().ends_with('ς')
            };
            let (after_digit, after_letter) = (final_after('1'), final_after('A'));
            let is_ignorable = within(&ignorable, ch);
            assert_eq!(is_ignorable, after_letter && !after_digit, "{ch:?}");
            if !is_ignorable {
                assert_eq!(within(&cased, ch), after_digit, "{ch:?}");
            }
        }
        // The scan agrees with the decoded ranges, on a sample of every plane.
        for ch in every_char().step_by(61) {
            assert_eq!(
                in_ranges(&CASE_IGNORABLE, ch),
                within(&ignorable, ch),
                "{ch:?}"
            );
            assert_eq!(in_ranges(&CASED, ch), within(&cased, ch), "{ch:?}");
        }
    }

    #[test]
    fn chars_beside_a_sigma_lowercase_as_std() {
        let ignorable = decoded(&CASE_IGNORABLE);
        let cased = decoded(&CASED);
        let bounds = ignorable
            .iter()
            .chain(&cased)
            .flat_map(|&(start, end)| [start, end - 1]);
        let sample = every_char().step_by(251);
        for ch in sample.chain(bounds.filter_map(char::from_u32)) {
            for (before, after) in [("1", ""), ("A", ""), ("", "A"), ("", "1"), ("a", "a")] {
                for text in [
                    format!("{before}{ch}Σ{after}"),
                    format!("{before}Σ{ch}{after}"),
                ] {
                    assert_eq!(lower_str(&text), text.to_lowercase(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn words_lowercase_as_std() {
        for text in [
            "",
            "Σ",
            "ΑΣ",
            "ΟΔΥΣΣΕΥΣ",
            "ΌΣΟΣ ΣΊΣΥΦΟΣ.",
            "ΑΣ.COM",
            "A'Σ'",
            "İSTANBUL",
            "ΑΣ\u{301}Β",
            "Balise ÉTÉ Ǆ ǅ Ⅻ Ⓐ 𐐀 𞤀 Ꭰ",
        ] {
            assert_eq!(lower_str(text), text.to_lowercase(), "{text:?}");
        }
    }
}
