//! Canadian postal codes: `G5A 1B2`, `G5A1B2`, `g5a 1b2`, with Canada Post's letters.

use std::ops::Range;

use super::{Found, separator};
use crate::analysis::FindingKind;
use crate::rules::{boundary_after, boundary_before};

/// Canadian postal codes.
pub(super) fn postal_codes(text: &str, runs: &[Range<usize>], found: &mut Found) {
    const FIRST: &[u8] = b"ABCEGHJKLMNPRSTVXY";
    const OTHER: &[u8] = b"ABCEGHJKLMNPRSTVWXYZ";
    let bytes = text.as_bytes();
    let mut done = 0;
    // Anchored on the first digit, a run of one: letter, DIGIT, letter, gap, digit, letter,
    // digit.
    for run in runs {
        let (Some(start), 1) = (run.start.checked_sub(1), run.len()) else {
            continue;
        };
        if start < done || bytes.len() < start + 6 {
            continue;
        }
        let first = bytes[start];
        let upper = first.is_ascii_uppercase();
        let letter = |byte: u8, set: &[u8]| {
            byte.is_ascii_alphabetic()
                && byte.is_ascii_uppercase() == upper
                && set.contains(&byte.to_ascii_uppercase())
        };
        if !letter(first, FIRST)
            || !letter(bytes[start + 2], OTHER)
            || !boundary_before(text, start)
        {
            continue;
        }
        let gap = match separator(text, start + 3) {
            Some((' ' | '\u{a0}' | '\u{202f}' | '-', len)) => len,
            _ => 0,
        };
        let second = start + 3 + gap;
        let matched = bytes.len() >= second + 3
            && bytes[second].is_ascii_digit()
            && letter(bytes[second + 1], OTHER)
            && bytes[second + 2].is_ascii_digit()
            && boundary_after(text, second + 3);
        if matched {
            found.push((start..second + 3, FindingKind::PostalCode));
            done = second + 3;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::only;
    use crate::analysis::FindingKind;

    #[test]
    fn postal_codes() {
        let cases: &[(&str, &[&str])] = &[
            ("La Malbaie (Québec) G5A 1B2", &["G5A 1B2"]),
            ("G5A1B2", &["G5A1B2"]),
            ("g5a 1b2", &["g5a 1b2"]),
            ("H2X\u{a0}1Y4, Montréal", &["H2X\u{a0}1Y4"]),
            ("K1A-0B1", &["K1A-0B1"]),
            ("D5A 1B2 F5A 1B2 W5A 1B2 Z5A 1B2", &[]),
            ("G5D 1B2 G5A 1O2 G5Q1B2", &[]),
            ("G5A 1B2C", &[]),
            ("XG5A 1B2", &[]),
            ("G5a 1B2", &[]),
            ("H2O", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(only(text, FindingKind::PostalCode), *expected, "{text:?}");
        }
    }
}
