//! Personal information: email addresses, North American phone numbers, Canadian social
//! insurance numbers (SIN), Canadian postal codes and dates that look like birth dates.
//!
//! The scanners look for the usual written forms and avoid plain numbers:
//! - phones: `418-555-1234`, `(418) 555-1234`, `418 555 1234`, `418.555.1234`,
//!   `+1 418 555 1234`, `1-800-555-1234`, `+14185551234`, with an optional extension
//!   (`poste 123`, `ext. 123`, `x123`); ten digits in a row (`4185550199`) when they start
//!   with a North American area code in service (vendored from libphonenumber) or a
//!   toll-free one and a valid exchange, and do not follow a word that makes them a
//!   reference (`dossier`, `facture`, `article`, `n°`…);
//! - SIN: nine digits (`046 454 286`, `046-454-286`, `046454286`) passing the Luhn check;
//! - postal codes: `G5A 1B2`, `G5A1B2`, `g5a 1b2`, with Canada Post's letters (no D, F, I,
//!   O, Q, U; W and Z not first);
//! - birth dates: `1985-03-14`, `14/03/1985`, `14 mars 1985`, `1er mars 1985`,
//!   `March 14, 1985`, when words such as « né le », « date de naissance », DDN, born,
//!   birthday, « anniversaire » are near, or right after a person's name.
//!
//! Matches inside links are ignored. A SIN is an error; the rest are warnings.

mod area_codes;
mod birth_date;
mod email;
mod phone;
mod postal_code;
mod sin;

use std::ops::Range;

use crate::analysis::{FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::RuleId;
use crate::rules::{At, RawFinding, boundary_after, is_word};
use crate::text::{char_at, char_before};

/// A match of one scanner: where, and what it is.
type Found = Vec<(Range<usize>, FindingKind)>;

/// Runs the scanners on `text`, ignoring matches that overlap `excluded` (link ranges).
pub(crate) fn check(text: &str, excluded: &[Range<usize>], raw: &mut Vec<RawFinding>) {
    let mut found: Found = Vec::new();
    let runs = digit_runs(text.as_bytes());
    email::emails(text, &mut found);
    numbers(text, &runs, &mut found);
    postal_code::postal_codes(text, &runs, &mut found);
    birth_date::birth_dates(text, &runs, &mut found);
    for (range, kind) in found {
        if excluded
            .iter()
            .any(|link| link.start < range.end && range.start < link.end)
        {
            continue;
        }
        let (severity, fr, en) = message(kind);
        raw.push(RawFinding::new(
            RuleId::PersonalInfo,
            kind,
            severity,
            Localized::new(fr, en),
            At::Bytes(range.clone()),
            &text[range],
        ));
    }
}

fn message(kind: FindingKind) -> (Severity, &'static str, &'static str) {
    match kind {
        FindingKind::Email => (
            Severity::Warning,
            "Adresse courriel : ne publiez pas celle d'une personne sans son accord.",
            "Email address: do not publish someone's address without their consent.",
        ),
        FindingKind::Phone => (
            Severity::Warning,
            "Numéro de téléphone : ne publiez pas celui d'une personne sans son accord.",
            "Phone number: do not publish someone's number without their consent.",
        ),
        FindingKind::Sin => (
            Severity::Error,
            "Numéro d'assurance sociale (NAS) : ne le publiez jamais.",
            "Social insurance number (SIN): never publish it.",
        ),
        FindingKind::PostalCode => (
            Severity::Warning,
            "Code postal : il peut révéler où habite une personne.",
            "Postal code: it can reveal where someone lives.",
        ),
        _ => (
            Severity::Warning,
            "Date de naissance : c'est un renseignement personnel; retirez-la à moins d'un consentement.",
            "Birth date: it is personal information; remove it unless the person agreed.",
        ),
    }
}

/// The runs of ASCII digits of `bytes`, found sixteen bytes at a time (digits are rare
/// in prose); every number scanner starts from them.
fn digit_runs(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        while let Some(chunk) = bytes.get(index..index + 16) {
            if chunk
                .iter()
                .fold(false, |any, b| any | (b.wrapping_sub(b'0') < 10))
            {
                break;
            }
            index += 16;
        }
        match bytes.get(index) {
            Some(byte) if byte.is_ascii_digit() => {
                let start = index;
                while bytes.get(index).is_some_and(u8::is_ascii_digit) {
                    index += 1;
                }
                runs.push(start..index);
            }
            Some(_) => index += 1,
            None => break,
        }
    }
    runs
}

/// A separator inside a number: space, no-break spaces, hyphen or dot. Returns its length.
fn separator(text: &str, index: usize) -> Option<(char, usize)> {
    match char_at(text, index)? {
        ch @ (' ' | '-' | '.' | '\u{a0}' | '\u{202f}' | '\u{2011}') => Some((ch, ch.len_utf8())),
        _ => None,
    }
}

/// Exactly `count` ASCII digits at `index`, not followed by another digit.
fn digits_at(bytes: &[u8], index: usize, count: usize) -> bool {
    bytes.len() >= index + count
        && bytes[index..index + count].iter().all(u8::is_ascii_digit)
        && !bytes.get(index + count).is_some_and(u8::is_ascii_digit)
}

/// Whether a number may start at `index`: not glued to a word, a sign, a decimal point or
/// another number.
fn number_starts(text: &str, index: usize) -> bool {
    char_before(text, index).is_none_or(|ch| {
        !is_word(ch) && !matches!(ch, '+' | '-' | '.' | ',' | '/' | '_' | '$' | '#')
    })
}

/// Whether a number ending at `index` really ends: not followed by a word character, nor by
/// a separator and more digits (a longer number), nor by a currency or percent sign.
fn number_ends(text: &str, index: usize) -> bool {
    if !boundary_after(text, index) {
        return false;
    }
    if let Some((_, len)) = separator(text, index)
        && text
            .as_bytes()
            .get(index + len)
            .is_some_and(u8::is_ascii_digit)
    {
        return false;
    }
    let rest = text[index..].trim_start_matches([' ', '\u{a0}', '\u{202f}']);
    !rest.starts_with(['$', '%', '€', '¢'])
}

/// Phone numbers and SINs.
fn numbers(text: &str, runs: &[Range<usize>], found: &mut Found) {
    let bytes = text.as_bytes();
    let mut done = 0;
    for run in runs {
        if run.start < done {
            continue;
        }
        // A number starts at the run, or at the `+` or `(` just before it.
        let before = run
            .start
            .checked_sub(1)
            .filter(|&index| index >= done && matches!(bytes[index], b'+' | b'('));
        for start in before.into_iter().chain([run.start]) {
            if !number_starts(text, start) {
                continue;
            }
            if let Some(end) = phone::phone_at(text, start) {
                found.push((start..end, FindingKind::Phone));
                done = end;
                break;
            }
            if let Some(end) = sin::sin_at(text, start) {
                found.push((start..end, FindingKind::Sin));
                done = end;
                break;
            }
            if start == run.start && phone::bare_phone(text, run) {
                found.push((run.clone(), FindingKind::Phone));
                done = run.end;
                break;
            }
        }
    }
}

/// Moves `index` back over characters matching `keep`.
fn back_while(text: &str, mut index: usize, keep: impl Fn(char) -> bool) -> usize {
    while let Some(ch) = char_before(text, index) {
        if !keep(ch) {
            break;
        }
        index -= ch.len_utf8();
    }
    index
}

/// Moves `index` forward over characters matching `keep`.
fn forward_while(text: &str, mut index: usize, keep: impl Fn(char) -> bool) -> usize {
    while let Some(ch) = char_at(text, index) {
        if !keep(ch) {
            break;
        }
        index += ch.len_utf8();
    }
    index
}

fn is_space(ch: char) -> bool {
    matches!(ch, ' ' | '\u{a0}' | '\u{202f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (excerpt, kind) of every finding.
    pub(super) fn scan(text: &str) -> Vec<(&str, FindingKind)> {
        let mut raw = Vec::new();
        check(text, &[], &mut raw);
        raw.into_iter()
            .map(|finding| match finding.at {
                At::Bytes(range) => (&text[range], finding.kind),
                _ => unreachable!(),
            })
            .collect()
    }

    /// The excerpts of the findings of `kind`.
    pub(super) fn only(text: &str, kind: FindingKind) -> Vec<&str> {
        scan(text)
            .into_iter()
            .filter(|(_, k)| *k == kind)
            .map(|(e, _)| e)
            .collect()
    }

    #[test]
    fn digit_runs_are_exact() {
        let text = "a1 22 333 x4444444444444444444444y 5";
        let runs: Vec<&str> = digit_runs(text.as_bytes())
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(runs, ["1", "22", "333", "4444444444444444444444", "5"]);
        let long = format!("{}7", "x".repeat(40));
        assert_eq!(digit_runs(long.as_bytes()), vec![40..41]);
        assert!(digit_runs(b"").is_empty());
    }

    #[test]
    fn matches_inside_links_are_ignored() {
        let text = "https://exemple.ca/418-555-1234 et 418-555-1234";
        let mut raw = Vec::new();
        check(text, std::slice::from_ref(&(0..31)), &mut raw);
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0].at, At::Bytes(35..47));
    }
}
