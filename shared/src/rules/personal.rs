//! Personal information: email addresses, North American phone numbers, Canadian social
//! insurance numbers (SIN), Canadian postal codes and dates that look like birth dates.
//!
//! The scanners look for the usual written forms and avoid plain numbers:
//! - phones: `418-555-1234`, `(418) 555-1234`, `418 555 1234`, `418.555.1234`,
//!   `+1 418 555 1234`, `1-800-555-1234`, `+14185551234`, with an optional extension
//!   (`poste 123`, `ext. 123`, `x123`); ten digits in a row (`4185550199`) when they start
//!   with a Canadian or toll-free area code and a valid exchange, and do not follow a
//!   word that makes them a reference (`dossier`, `facture`, `article`, `n°`…);
//! - SIN: nine digits (`046 454 286`, `046-454-286`, `046454286`) passing the Luhn check;
//! - postal codes: `G5A 1B2`, `G5A1B2`, `g5a 1b2`, with Canada Post's letters (no D, F, I,
//!   O, Q, U; W and Z not first);
//! - birth dates: `1985-03-14`, `14/03/1985`, `14 mars 1985`, `1er mars 1985`,
//!   `March 14, 1985`, when words such as « né le », « date de naissance », DDN, born,
//!   birthday, « anniversaire » are near, or right after a person's name.
//!
//! Matches inside links are ignored. A SIN is an error; the rest are warnings.

use std::ops::Range;

use crate::analysis::{FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::RuleId;
use crate::rules::{At, RawFinding, Words, boundary_after, boundary_before, is_word};
use crate::text::{char_at, char_before, fold_str};

/// Runs the scanners on `text`, ignoring matches that overlap `excluded` (link ranges).
pub(crate) fn check(text: &str, excluded: &[Range<usize>], raw: &mut Vec<RawFinding>) {
    let mut found: Vec<(Range<usize>, FindingKind)> = Vec::new();
    let runs = digit_runs(text.as_bytes());
    emails(text, &mut found);
    numbers(text, &runs, &mut found);
    postal_codes(text, &runs, &mut found);
    birth_dates(text, &runs, &mut found);
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

/// Email addresses: `local@domain.tld`.
fn emails(text: &str, found: &mut Vec<(Range<usize>, FindingKind)>) {
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        // The local part, backwards.
        let mut start = at;
        while let Some(ch) = char_before(text, start) {
            let ok = ch.is_alphanumeric() || matches!(ch, '.' | '_' | '%' | '+' | '-');
            if !ok {
                break;
            }
            start -= ch.len_utf8();
        }
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        // The domain, forwards.
        let mut end = at + 1;
        while end < bytes.len()
            && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'.' | b'-'))
        {
            end += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let tld = domain.rsplit('.').next().unwrap_or_default();
        let domain_ok = domain.contains('.')
            && !domain.split('.').any(str::is_empty)
            && tld.len() >= 2
            && tld.bytes().all(|b| b.is_ascii_alphabetic());
        if start < at && domain_ok && !text[start..at].ends_with('.') {
            found.push((start..end, FindingKind::Email));
        }
    }
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
fn numbers(text: &str, runs: &[Range<usize>], found: &mut Vec<(Range<usize>, FindingKind)>) {
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
            if let Some(end) = phone_at(text, start) {
                found.push((start..end, FindingKind::Phone));
                done = end;
                break;
            }
            if let Some(end) = sin_at(text, start) {
                found.push((start..end, FindingKind::Sin));
                done = end;
                break;
            }
            if start == run.start && bare_phone(text, run) {
                found.push((run.clone(), FindingKind::Phone));
                done = run.end;
                break;
            }
        }
    }
}

/// The area codes a bare ten-digit number may start with: Canada's (geographic, as
/// assigned by the Canadian Numbering Administrator in 2025; Quebec's are 263, 354, 367,
/// 418, 438, 450, 468, 514, 579, 581, 819 and 873) and the North American toll-free
/// codes. Sorted.
const BARE_AREA_CODES: &[u16] = &[
    204, 226, 236, 249, 250, 257, 263, 289, 306, 343, 354, 365, 367, 368, 382, 403, 416, 418, 428,
    431, 437, 438, 450, 468, 474, 506, 514, 519, 548, 579, 581, 584, 587, 604, 613, 639, 647, 672,
    683, 705, 709, 742, 753, 778, 780, 782, 800, 807, 819, 825, 833, 844, 855, 866, 867, 873, 877,
    879, 888, 902, 905, 942,
];

/// Words after which a number is a reference, not a phone number (folded, lowercase).
const REFERENCE_WORDS: &[&str] = &[
    "account",
    "art",
    "article",
    "billet",
    "bon",
    "case",
    "claim",
    "client",
    "code",
    "colis",
    "commande",
    "compte",
    "contract",
    "contrat",
    "dossier",
    "dossiers",
    "facture",
    "file",
    "id",
    "invoice",
    "isbn",
    "issn",
    "lot",
    "matricule",
    "member",
    "membre",
    "n",
    "no",
    "nº",
    "nos",
    "order",
    "permis",
    "police",
    "reclamation",
    "ref",
    "reference",
    "serie",
    "suivi",
    "ticket",
    "tracking",
    "transaction",
];

/// Whether the run of exactly ten digits `run` is a phone number written without
/// separators: a listed area code, an exchange starting with 2 to 9, a real end, and no
/// reference word just before it (`dossier 4185550199`, `n° 4185550199`).
fn bare_phone(text: &str, run: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let decimals =
        bytes.get(run.end) == Some(&b',') && bytes.get(run.end + 1).is_some_and(u8::is_ascii_digit);
    if run.len() != 10 || decimals || !number_ends(text, run.end) {
        return false;
    }
    let digits = &bytes[run.clone()];
    let area = digits[..3]
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    if BARE_AREA_CODES.binary_search(&area).is_err() || !(b'2'..=b'9').contains(&digits[3]) {
        return false;
    }
    // The word before, over spaces and the marks that follow `n°`, `no.` or `#`.
    let word_end = back_while(text, run.start, |c| {
        is_space(c) || matches!(c, ':' | '#' | '°' | '.' | '-')
    });
    let word_start = back_while(text, word_end, is_word);
    let word = fold_str(&text[word_start..word_end]).to_lowercase();
    !REFERENCE_WORDS.contains(&word.as_str())
}

/// The end of a phone number starting at `start`.
fn phone_at(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = start;
    // Country code.
    if bytes[index] == b'+' {
        if bytes.get(index + 1) != Some(&b'1') {
            return None;
        }
        index += 2;
        if digits_at(bytes, index, 10) {
            let digits = &bytes[index..index + 10];
            if nanp_valid(digits[0], digits[3]) && number_ends(text, index + 10) {
                return Some(extension(text, index + 10));
            }
            return None;
        }
        if let Some((_, len)) = separator(text, index) {
            index += len;
        }
    } else if bytes[index] == b'1' && !bytes.get(index + 1).is_some_and(u8::is_ascii_digit) {
        let (_, len) = separator(text, index + 1)?;
        index += 1 + len;
    }
    // Area code: (418) or 418 and a separator.
    let area_first;
    if bytes.get(index) == Some(&b'(') {
        if !digits_at(bytes, index + 1, 3) || bytes.get(index + 4) != Some(&b')') {
            return None;
        }
        area_first = bytes[index + 1];
        index += 5;
        if let Some((' ' | '\u{a0}' | '-', len)) = separator(text, index) {
            index += len;
        }
    } else {
        if !digits_at(bytes, index, 3) {
            return None;
        }
        area_first = bytes[index];
        index += 3;
        index += separator(text, index)?.1;
    }
    // Exchange, separator, line.
    if !digits_at(bytes, index, 3) {
        return None;
    }
    let exchange_first = bytes[index];
    index += 3;
    index += separator(text, index)?.1;
    if !digits_at(bytes, index, 4) {
        return None;
    }
    index += 4;
    (nanp_valid(area_first, exchange_first) && number_ends(text, index))
        .then(|| extension(text, index))
}

/// Area codes and exchanges start with 2 to 9.
fn nanp_valid(area_first: u8, exchange_first: u8) -> bool {
    (b'2'..=b'9').contains(&area_first) && (b'2'..=b'9').contains(&exchange_first)
}

/// `end` extended over an extension such as `, poste 123`, ` ext. 45` or ` x6`.
fn extension(text: &str, end: usize) -> usize {
    let rest = &text[end..];
    let after_space = rest.trim_start_matches([' ', ',', '\u{a0}']);
    let skipped = rest.len() - after_space.len();
    let lower: String = after_space
        .chars()
        .take(10)
        .collect::<String>()
        .to_lowercase();
    for word in ["poste", "extension", "ext.", "ext", "p.", "x", "#"] {
        if let Some(after_word) = lower.strip_prefix(word) {
            if word.ends_with(|c: char| c.is_ascii_alphabetic())
                && after_word.starts_with(|c: char| c.is_alphabetic())
            {
                continue;
            }
            let digits_from =
                after_word.len() - after_word.trim_start_matches([' ', '\u{a0}']).len();
            let start = end + skipped + word.len() + digits_from;
            let count = text.as_bytes()[start.min(text.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if (1..=6).contains(&count) && boundary_after(text, start + count) {
                return start + count;
            }
            return end;
        }
    }
    end
}

/// The end of a SIN starting at `start`: nine digits, contiguous or 3-3-3 with the same
/// separator, passing the Luhn check.
fn sin_at(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut digits = [0u8; 9];
    let end = if digits_at(bytes, start, 9) {
        digits.copy_from_slice(&bytes[start..start + 9]);
        start + 9
    } else {
        if !digits_at(bytes, start, 3) {
            return None;
        }
        let (sep, len) = separator(text, start + 3)?;
        if sep == '.' || !digits_at(bytes, start + 3 + len, 3) {
            return None;
        }
        let (sep2, len2) = separator(text, start + 6 + len)?;
        let last = start + 6 + len + len2;
        if sep2 != sep || !digits_at(bytes, last, 3) {
            return None;
        }
        digits[..3].copy_from_slice(&bytes[start..start + 3]);
        digits[3..6].copy_from_slice(&bytes[start + 3 + len..start + 6 + len]);
        digits[6..].copy_from_slice(&bytes[last..last + 3]);
        last + 3
    };
    (number_ends(text, end) && luhn(&digits) && digits.iter().any(|&d| d != b'0')).then_some(end)
}

/// The Luhn check over ASCII digits.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            let value = u32::from(digit - b'0');
            if position % 2 == 1 {
                let doubled = value * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                value
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Canadian postal codes.
fn postal_codes(text: &str, runs: &[Range<usize>], found: &mut Vec<(Range<usize>, FindingKind)>) {
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

/// Month names and abbreviations (folded), French and English, with their number.
const MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("janv", 1),
    ("january", 1),
    ("jan", 1),
    ("fevrier", 2),
    ("fevr", 2),
    ("fev", 2),
    ("february", 2),
    ("feb", 2),
    ("mars", 3),
    ("march", 3),
    ("mar", 3),
    ("avril", 4),
    ("avr", 4),
    ("april", 4),
    ("apr", 4),
    ("mai", 5),
    ("may", 5),
    ("juin", 6),
    ("june", 6),
    ("jun", 6),
    ("juillet", 7),
    ("juil", 7),
    ("july", 7),
    ("jul", 7),
    ("aout", 8),
    ("august", 8),
    ("aug", 8),
    ("septembre", 9),
    ("sept", 9),
    ("september", 9),
    ("sep", 9),
    ("octobre", 10),
    ("october", 10),
    ("oct", 10),
    ("novembre", 11),
    ("november", 11),
    ("nov", 11),
    ("decembre", 12),
    ("december", 12),
    ("dec", 12),
];

/// Words that make a nearby date a birth date (folded).
const BIRTH_WORDS: &[&str] = &[
    "ne le",
    "nee le",
    "ne(e) le",
    "nes le",
    "nees le",
    "ne en",
    "nee en",
    "naissance",
    "ddn",
    "d.d.n",
    "born",
    "birthday",
    "birthdate",
    "birth date",
    "date of birth",
    "dob",
    "anniversaire",
];

/// Capitalized words that are not names.
const NOT_NAMES: &[&str] = &[
    "le",
    "la",
    "les",
    "du",
    "de",
    "des",
    "au",
    "aux",
    "depuis",
    "jusqu",
    "avant",
    "apres",
    "on",
    "the",
    "since",
    "until",
    "from",
    "before",
    "after",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "date",
    "jour",
    "semaine",
    "mise",
    "version",
    "rencontre",
    "assemblee",
    "reunion",
    "conseil",
    "meeting",
];

/// The month of a word, if it names one.
fn month_of(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 12 {
        return None;
    }
    let folded = fold_str(word);
    MONTHS
        .iter()
        .find(|(name, _)| *name == folded)
        .map(|(_, month)| *month)
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

/// The day number (1 to 31) written in `text[start..end]`, with an optional ordinal suffix.
fn day_of(token: &str) -> Option<u32> {
    let digits = token.trim_end_matches(|c: char| c.is_alphabetic() || c == 'ᵉ' || c == 'ʳ');
    let suffix = &token[digits.len()..];
    let suffix_ok = matches!(
        suffix,
        "" | "er" | "re" | "e" | "st" | "nd" | "rd" | "th" | "ᵉʳ"
    );
    let day: u32 = digits.parse().ok()?;
    (suffix_ok && (1..=2).contains(&digits.len()) && (1..=31).contains(&day)).then_some(day)
}

/// Whether two numbers are a day and a month in some order.
fn day_month(a: u32, b: u32) -> bool {
    (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12)
}

/// The start of a date that ends with the year starting at `year_start`, written before it.
fn date_before_year(text: &str, year_start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // 14/03/1985, 14-03-1985, 14.03.1985
    if year_start >= 4 {
        let sep = bytes[year_start - 1];
        if matches!(sep, b'/' | b'-' | b'.') {
            let second_start = back_while(text, year_start - 1, |c| c.is_ascii_digit());
            let second_len = year_start - 1 - second_start;
            if (1..=2).contains(&second_len) && second_start > 0 && bytes[second_start - 1] == sep {
                let first_start = back_while(text, second_start - 1, |c| c.is_ascii_digit());
                let first_len = second_start - 1 - first_start;
                let first: u32 = text[first_start..second_start - 1].parse().ok()?;
                let second: u32 = text[second_start..year_start - 1].parse().ok()?;
                if (1..=2).contains(&first_len)
                    && day_month(first, second)
                    && boundary_before(text, first_start)
                {
                    return Some(first_start);
                }
            }
            return None;
        }
    }
    // … month year: "14 mars 1985", "1er mars 1985", "March 14, 1985"
    let gap_start = back_while(text, year_start, |c| is_space(c) || c == ',');
    if gap_start == year_start {
        return None;
    }
    let token_end = back_while(text, gap_start, |c| c == '.');
    let token_start = back_while(text, token_end, |c| {
        c.is_alphanumeric() || c == 'ᵉ' || c == 'ʳ'
    });
    let token = &text[token_start..token_end];
    if token.starts_with(|c: char| c.is_ascii_digit()) {
        // "March 14, 1985": day, then month before it.
        day_of(token)?;
        let month_end = back_while(text, token_start, is_space);
        if month_end == token_start {
            return None;
        }
        let month_end = back_while(text, month_end, |c| c == '.');
        let month_start = back_while(text, month_end, char::is_alphabetic);
        month_of(&text[month_start..month_end])?;
        return boundary_before(text, month_start).then_some(month_start);
    }
    // "14 mars 1985": month, then day before it.
    month_of(token)?;
    let day_end = back_while(text, token_start, is_space);
    if day_end == token_start {
        return None;
    }
    let day_start = back_while(text, day_end, |c| {
        c.is_alphanumeric() || c == 'ᵉ' || c == 'ʳ'
    });
    day_of(&text[day_start..day_end])?;
    boundary_before(text, day_start).then_some(day_start)
}

/// The end of a date `YYYY-MM-DD` or `YYYY/MM/DD` whose year ends at `year_end`.
fn date_after_year(text: &str, year_end: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let sep = *bytes.get(year_end)?;
    if !matches!(sep, b'-' | b'/') {
        return None;
    }
    let month_end = forward_while(text, year_end + 1, |c| c.is_ascii_digit());
    if !(1..=2).contains(&(month_end - year_end - 1)) || bytes.get(month_end) != Some(&sep) {
        return None;
    }
    let day_end = forward_while(text, month_end + 1, |c| c.is_ascii_digit());
    if !(1..=2).contains(&(day_end - month_end - 1)) {
        return None;
    }
    let month: u32 = text[year_end + 1..month_end].parse().ok()?;
    let day: u32 = text[month_end + 1..day_end].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day) && number_ends(text, day_end))
        .then_some(day_end)
}

/// Whether birth words are near the date `range`.
fn birth_words_near(text: &str, range: &Range<usize>) -> bool {
    let mut before = range.start.saturating_sub(48);
    while !text.is_char_boundary(before) {
        before += 1;
    }
    let mut after = (range.end + 32).min(text.len());
    while !text.is_char_boundary(after) {
        after -= 1;
    }
    let window = fold_str(&text[before..after]);
    let bytes = window.as_bytes();
    Words::new(&window).any(|word| {
        BIRTH_WORDS.iter().any(|trigger| {
            trigger.as_bytes()[0] == bytes[word.start]
                && window[word.start..].starts_with(trigger)
                && boundary_after(&window, word.start + trigger.len())
        })
    })
}

/// Whether a capitalized word looks like part of a name: `Marie`, `Saint-Pierre`, `O'Neil`.
fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_uppercase()
        && word.chars().count() >= 2
        && chars.all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
        && !NOT_NAMES.contains(&fold_str(word).as_str())
        && month_of(word).is_none()
}

/// Whether the date starting at `start` follows a person's name: two capitalized words,
/// then up to three characters among spaces, commas, colons, dashes and an opening
/// parenthesis (`Marie Tremblay (14/03/2016)`, `Léa Gagnon, 2016-05-12`).
fn after_name(text: &str, start: usize) -> bool {
    let gap = back_while(text, start, |c| {
        is_space(c) || matches!(c, ',' | ':' | '(' | '-' | '–')
    });
    if gap == start || start - gap > 4 {
        return false;
    }
    let word_char = |c: char| c.is_alphabetic() || c == '-' || c == '\'' || c == '’';
    let last_start = back_while(text, gap, word_char);
    if !is_name_word(&text[last_start..gap]) || char_before(text, last_start) != Some(' ') {
        return false;
    }
    let first_end = last_start - 1;
    let first_start = back_while(text, first_end, word_char);
    is_name_word(&text[first_start..first_end]) && boundary_before(text, first_start)
}

/// Dates that look like birth dates.
fn birth_dates(text: &str, runs: &[Range<usize>], found: &mut Vec<(Range<usize>, FindingKind)>) {
    let bytes = text.as_bytes();
    let mut done = 0;
    // Every date form has a four-digit year.
    for run in runs {
        if run.len() != 4 || run.start < done {
            continue;
        }
        let (index, year_end) = (run.start, run.end);
        let year: u32 = bytes[run.clone()]
            .iter()
            .fold(0, |v, b| v * 10 + u32::from(b - b'0'));
        if !(1900..=2099).contains(&year) {
            continue;
        }
        let range = date_before_year(text, index)
            .filter(|_| boundary_after(text, year_end))
            .map(|start| start..year_end)
            .or_else(|| {
                date_after_year(text, year_end)
                    .filter(|_| boundary_before(text, index))
                    .map(|end| index..end)
            });
        if let Some(range) = range
            && range.start >= done
            && (birth_words_near(text, &range) || after_name(text, range.start))
        {
            done = range.end;
            found.push((range, FindingKind::BirthDate));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (excerpt, kind) of every finding.
    fn scan(text: &str) -> Vec<(&str, FindingKind)> {
        let mut raw = Vec::new();
        check(text, &[], &mut raw);
        raw.into_iter()
            .map(|finding| match finding.at {
                At::Bytes(range) => (&text[range], finding.kind),
                _ => unreachable!(),
            })
            .collect()
    }

    fn only(text: &str, kind: FindingKind) -> Vec<&str> {
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
    fn emails() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Écrivez à marie.tremblay@lacsq.org.",
                &["marie.tremblay@lacsq.org"],
            ),
            ("(jean+csq@exemple.qc.ca)", &["jean+csq@exemple.qc.ca"]),
            ("andré@exemple.ca", &["andré@exemple.ca"]),
            (
                "Courriel: «info@sec-csq.example»",
                &["info@sec-csq.example"],
            ),
            ("@marie sur X, a@b, x@localhost, foo@bar.c0m, .@x.ca", &[]),
            ("deux: a@x.ca,b@y.ca", &["a@x.ca", "b@y.ca"]),
        ];
        for (text, expected) in cases {
            assert_eq!(only(text, FindingKind::Email), *expected, "{text:?}");
        }
    }

    #[test]
    fn phones() {
        let cases: &[(&str, &[&str])] = &[
            ("Appelez au 418-555-1234.", &["418-555-1234"]),
            ("Tél. : (418) 555-1234", &["(418) 555-1234"]),
            ("(418)555-1234", &["(418)555-1234"]),
            ("418 555 1234", &["418 555 1234"]),
            ("418\u{a0}555\u{a0}1234", &["418\u{a0}555\u{a0}1234"]),
            ("418.555.1234", &["418.555.1234"]),
            ("+1 418 555 1234", &["+1 418 555 1234"]),
            ("+1-418-555-1234", &["+1-418-555-1234"]),
            ("+14185551234", &["+14185551234"]),
            ("1-800-555-1234", &["1-800-555-1234"]),
            ("1 800 555-1234", &["1 800 555-1234"]),
            ("418-555-1234 poste 123, merci", &["418-555-1234 poste 123"]),
            ("418 555-1234, poste 22", &["418 555-1234, poste 22"]),
            ("418-555-1234 ext. 45", &["418-555-1234 ext. 45"]),
            ("418-555-1234 x123", &["418-555-1234 x123"]),
            ("418-555-1234 postes", &["418-555-1234"]),
            (
                "Deux: 418-555-1234 et 581-555-9876",
                &["418-555-1234", "581-555-9876"],
            ),
            // Ten digits in a row with a Canadian area code.
            ("Appelez-moi au 4185550199.", &["4185550199"]),
            ("Cell: 5145550199, merci", &["5145550199"]),
            ("(8195550199)", &["8195550199"]),
            (
                "tél 2635550199 ou 4685550199",
                &["2635550199", "4685550199"],
            ),
            ("sans frais 8005550199", &["8005550199"]),
            // Not phone numbers.
            ("4180550199 4181550199", &[]),
            ("2125550199 1234567890 9995550199", &[]),
            ("Dossier 4185550199", &[]),
            ("facture n° 4185550199", &[]),
            ("Article 4185550199 du règlement", &[]),
            ("No. 5145550199", &[]),
            ("#4185550199", &[]),
            ("Montant : 4185550199 $", &[]),
            ("41855501990", &[]),
            ("4185550199-2", &[]),
            ("4185550199,50 $", &[]),
            ("1,4185550199", &[]),
            ("Le 2024-03-14 à 10 h", &[]),
            ("Coût : 1 234 567 $ en 2025", &[]),
            ("418-555-12345", &[]),
            ("418-555-1234-5", &[]),
            ("418 555 1234 5678", &[]),
            ("123-555-1234 et 418-055-1234", &[]),
            ("ISBN 978-2-7621-1234-5", &[]),
            ("12418-555-1234", &[]),
            ("3.418-555-1234", &[]),
            ("418-555-1234 $", &[]),
            ("(418 555-1234", &["418 555-1234"]),
        ];
        for (text, expected) in cases {
            assert_eq!(only(text, FindingKind::Phone), *expected, "{text:?}");
        }
    }

    #[test]
    fn sins_need_the_luhn_check() {
        assert!(luhn(b"046454286"));
        assert!(!luhn(b"046454287"));
        let cases: &[(&str, &[&str])] = &[
            ("NAS : 046 454 286.", &["046 454 286"]),
            ("NAS 046-454-286", &["046-454-286"]),
            ("SIN 046454286", &["046454286"]),
            ("NAS 046 454 287", &[]),
            ("046-454 286", &[]),
            ("046.454.286", &[]),
            ("0464542860", &[]),
            ("046 454 286 123", &[]),
            ("000 000 000", &[]),
            ("Budget : 046 454 286 $", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(only(text, FindingKind::Sin), *expected, "{text:?}");
        }
        let sin = scan("NAS : 046 454 286");
        assert_eq!(sin.len(), 1);
        let (severity, _, _) = message(FindingKind::Sin);
        assert_eq!(severity, Severity::Error);
    }

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

    #[test]
    fn birth_dates() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Marie, née le 14 mars 1985, enseigne ici.",
                &["14 mars 1985"],
            ),
            ("né le 1er mars 1985", &["1er mars 1985"]),
            ("Date de naissance : 1985-03-14", &["1985-03-14"]),
            ("DDN 14/03/1985", &["14/03/1985"]),
            ("Born March 14, 1985 in Québec", &["March 14, 1985"]),
            ("Her birthday: 14 March 1985", &["14 March 1985"]),
            ("14 févr. 1985 (date de naissance)", &["14 févr. 1985"]),
            ("Joyeux anniversaire! 3 mai 2016", &["3 mai 2016"]),
            ("Léa Gagnon (12/05/2016) est en 3e année.", &["12/05/2016"]),
            ("Élise Saint-Pierre, 2016-05-12", &["2016-05-12"]),
            // Not birth dates.
            ("La rencontre aura lieu le 14 mars 2026.", &[]),
            ("Assemblée le 2026-03-14 à 19 h.", &[]),
            ("Lundi 14 mars 2026", &[]),
            ("En 1985, elle est née.", &[]),
            ("Née le 32/13/1985", &[]),
            ("née le 1985-13-01", &[]),
            ("Le Conseil, 14 mars 2026", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(only(text, FindingKind::BirthDate), *expected, "{text:?}");
        }
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
