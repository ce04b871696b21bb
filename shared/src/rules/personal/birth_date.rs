//! Dates that look like birth dates: a date with a four-digit year near words such as
//! « né le », « date de naissance », DDN, born, birthday, or right after a person's name.

use std::ops::Range;

use super::{Found, back_while, forward_while, is_space, number_ends};
use crate::analysis::FindingKind;
use crate::rules::{Words, boundary_after, boundary_before};
use crate::text::{char_before, fold_str, listed};

/// Month names and abbreviations (folded), French and English: each month's separated by
/// commas, the months by semicolons, from January.
const MONTHS: &str = "janvier,janv,january,jan;\
    fevrier,fevr,fev,february,feb;\
    mars,march,mar;\
    avril,avr,april,apr;\
    mai,may;\
    juin,june,jun;\
    juillet,juil,july,jul;\
    aout,august,aug;\
    septembre,sept,september,sep;\
    octobre,october,oct;\
    novembre,november,nov;\
    decembre,december,dec";

/// Words that make a nearby date a birth date (folded), separated by commas.
const BIRTH_WORDS: &str = "\
    ne le,nee le,ne(e) le,nes le,nees le,ne en,nee en,naissance,ddn,d.d.n,born,birthday,\
    birthdate,birth date,date of birth,dob,anniversaire";

/// Capitalized words that are not names, separated by commas.
const NOT_NAMES: &str = "\
    le,la,les,du,de,des,au,aux,depuis,jusqu,avant,apres,on,the,since,until,from,before,after,\
    lundi,mardi,mercredi,jeudi,vendredi,samedi,dimanche,monday,tuesday,wednesday,thursday,\
    friday,saturday,sunday,date,jour,semaine,mise,version,rencontre,assemblee,reunion,conseil,\
    meeting";

/// The month of a word, if it names one.
fn month_of(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 12 {
        return None;
    }
    let folded = fold_str(word);
    let index = MONTHS.split(';').position(|names| listed(names, &folded))?;
    u32::try_from(index + 1).ok()
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
        BIRTH_WORDS.split(',').any(|trigger| {
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
    crate::text::lower::is_uppercase(first)
        && word.chars().count() >= 2
        && chars.all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
        && !listed(NOT_NAMES, &fold_str(word))
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
pub(super) fn birth_dates(text: &str, runs: &[Range<usize>], found: &mut Found) {
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
    use super::super::tests::only;
    use crate::analysis::FindingKind;

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
}
