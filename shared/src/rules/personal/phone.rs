//! North American phone numbers: written with separators (`418-555-1234`, `(418) 555-1234`,
//! `+1 418 555 1234`, with an extension), or ten digits in a row starting with an area
//! code in service and not following a reference word.

use std::ops::Range;

use super::{area_codes, back_while, digits_at, is_space, number_ends, separator};
use crate::rules::{boundary_after, is_word};
use crate::text::fold_str;
use crate::text::lower::lower_str;

/// Words after which a number is a reference, not a phone number (folded, lowercase),
/// separated by commas.
const REFERENCE_WORDS: &str = "\
    account,art,article,billet,bon,case,claim,client,code,colis,commande,compte,contract,\
    contrat,dossier,dossiers,facture,file,id,invoice,isbn,issn,lot,matricule,member,membre,n,no,\
    nº,nos,order,permis,police,reclamation,ref,reference,serie,suivi,ticket,tracking,transaction";

/// Whether the run of exactly ten digits `run` is a phone number written without
/// separators: an area code in service, an exchange starting with 2 to 9, a real end, and no
/// reference word just before it (`dossier 4185550199`, `n° 4185550199`).
pub(super) fn bare_phone(text: &str, run: &Range<usize>) -> bool {
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
    if !area_codes::in_service(area) || !(b'2'..=b'9').contains(&digits[3]) {
        return false;
    }
    // The word before, over spaces and the marks that follow `n°`, `no.` or `#`.
    let word_end = back_while(text, run.start, |c| {
        is_space(c) || matches!(c, ':' | '#' | '°' | '.' | '-')
    });
    let word_start = back_while(text, word_end, is_word);
    // Folding lowercases already.
    let word = fold_str(&text[word_start..word_end]);
    !crate::text::listed(REFERENCE_WORDS, &word)
}

/// The end of a phone number starting at `start`.
pub(super) fn phone_at(text: &str, start: usize) -> Option<usize> {
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
    let lower = lower_str(&after_space.chars().take(10).collect::<String>());
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

#[cfg(test)]
mod tests {
    use super::super::tests::only;
    use crate::analysis::FindingKind;

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
            // Ten digits in a row with an area code in service.
            ("Appelez-moi au 4185550199.", &["4185550199"]),
            ("Cell: 5145550199, merci", &["5145550199"]),
            ("(8195550199)", &["8195550199"]),
            (
                "tél 2635550199 ou 4685550199",
                &["2635550199", "4685550199"],
            ),
            ("sans frais 8005550199", &["8005550199"]),
            ("New York : 2125550199", &["2125550199"]),
            (
                "Boston 6175550143, Miami 3055550120",
                &["6175550143", "3055550120"],
            ),
            // Not phone numbers.
            ("4180550199 4181550199", &[]),
            // Unassigned (999, 370), service (411) or impossible (123) area codes.
            ("1234567890 9995550199 3705550199 4115550199", &[]),
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
}
