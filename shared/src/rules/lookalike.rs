//! Look-alike domains: a link's host that imitates a known site (the policy's trusted
//! domains and the hosts of the social networks Balise knows) or hides its alphabet.
//!
//! Punycode labels (`xn--`) are decoded first (RFC 3492, [`decode_punycode`]; a unit test
//! compares it with the `idna` crate's decoder), so a host is judged as a
//! browser shows it. A host that is not ASCII then goes through Unicode's confusable
//! detection (UTS #39): its skeleton against the known sites' skeletons, each label for
//! mixed scripts, and each label for letters that all imitate Latin ones (`аррӏе`, all
//! Cyrillic, reads `apple`). An ASCII host keeps the two cheap checks: one edit from a
//! known site, or a known site followed by other labels (`lapresse.ca.example.com`).
//!
//! The Unicode data are compact tables of our own (`lookalike/tables.rs`, about 15 KB in
//! the wasm instead of the `unicode-security` crate's 300 KB; sorted numbers as varints of
//! their differences, decoded once when a host first needs them): only the confusables whose
//! prototype is ASCII (with combining marks), which is all that can make a host read as a
//! Latin one, and one script class per run of characters. A unit test checks them against
//! `unicode-security` (a dev-dependency) character by character. The skeleton of a
//! character whose prototype is not Latin is the character itself: the same verdicts
//! against known sites written in Latin letters; a known site written in another script is
//! compared letter for letter. Unassigned characters take their neighbour's script.
//!
//! Skeletons are computed only for hosts that are not ASCII or carry punycode, and the
//! known sites' skeletons once per [`KnownSites`], when such a host first needs them.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::links::{covers, registrable};

#[cfg(test)]
mod generate;
#[rustfmt::skip]
mod tables;

/// Script classes in [`tables::SCRIPT_CLASSES`]: Common and Inherited; the scripts the
/// mixing rule names; the others numbered from 9; sets of scripts from [`FIRST_SET`].
const NEUTRAL: u8 = 0;
const LATIN: u8 = 1;
const HAN: u8 = 2;
const HIRAGANA: u8 = 3;
const KATAKANA: u8 = 4;
const HANGUL: u8 = 5;
const BOPOMOFO: u8 = 6;
#[cfg(test)]
const CYRILLIC: u8 = 7;
#[cfg(test)]
const GREEK: u8 = 8;
/// Classes from this one on stand for a set of scripts ([`tables::SCRIPT_SETS`]).
const FIRST_SET: u8 = 200;

/// Whether `ch` is a combining diacritical mark (dropped by the accent-blind comparison).
fn is_mark(ch: char) -> bool {
    matches!(ch,
        '\u{300}'..='\u{36f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}')
}

/// Reads LEB128 varints (seven bits a byte, low bits first; see `generate.rs`).
fn varints(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut rest = bytes.iter();
    std::iter::from_fn(move || {
        let mut value = 0_u32;
        let mut shift = 0;
        loop {
            let byte = *rest.next()?;
            value |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte < 0x80 {
                return Some(value);
            }
            shift += 7;
        }
    })
}

/// Sorted numbers stored as the varints of their differences.
fn decode_deltas(bytes: &[u8]) -> Vec<u32> {
    let mut previous = 0_u32;
    varints(bytes)
        .map(|delta| {
            previous = previous.wrapping_add(delta);
            previous
        })
        .collect()
}

/// The characters with a Latin prototype and where each prototype ends in
/// [`tables::PROTOTYPE_TEXT`], decoded from the compact tables once.
struct Prototypes {
    chars: Vec<u32>,
    ends: Vec<u16>,
}

fn prototypes() -> &'static Prototypes {
    static PROTOTYPES: OnceLock<Prototypes> = OnceLock::new();
    PROTOTYPES.get_or_init(|| {
        let mut end = 0_u16;
        Prototypes {
            chars: decode_deltas(&tables::PROTOTYPE_CHARS),
            ends: tables::PROTOTYPE_LENGTHS
                .iter()
                .map(|length| {
                    end = end.wrapping_add(u16::from(*length));
                    end
                })
                .collect(),
        }
    })
}

/// The identifier-allowed ranges (inclusive), decoded once.
fn identifier_allowed_ranges() -> &'static [(u32, u32)] {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    RANGES.get_or_init(|| {
        let mut numbers = varints(&tables::IDENTIFIER_ALLOWED);
        let mut previous = 0_u32;
        std::iter::from_fn(|| {
            let first = previous.wrapping_add(numbers.next()?);
            previous = first.wrapping_add(numbers.next()?);
            Some((first, previous))
        })
        .collect()
    })
}

/// Where each run of one script class starts, decoded once.
fn script_starts() -> &'static [u32] {
    static STARTS: OnceLock<Vec<u32>> = OnceLock::new();
    STARTS.get_or_init(|| decode_deltas(&tables::SCRIPT_STARTS))
}

/// The UTS #39 skeleton of `text` as far as Latin look-alikes go: each character replaced by
/// its prototype when that is ASCII (with combining marks), default-ignorable ones dropped,
/// the others kept.
fn skeleton(text: &str) -> String {
    let prototypes = prototypes();
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        if let Ok(index) = prototypes.chars.binary_search(&code) {
            push_prototype(&mut out, index);
        } else if !tables::IGNORABLE
            .iter()
            .any(|(first, last)| (*first..=*last).contains(&code))
        {
            out.push(ch);
        }
    }
    out
}

/// Appends the prototype of the `index`th character of [`Prototypes::chars`] (none past
/// the last): [`tables::PROTOTYPE_TEXT`] holds a byte a character, ASCII or a combining
/// mark's index in [`tables::PROTOTYPE_MARKS`] plus `0x80`.
fn push_prototype(out: &mut String, index: usize) {
    let ends = &prototypes().ends;
    let start = index
        .checked_sub(1)
        .and_then(|before| ends.get(before))
        .map_or(0, |end| usize::from(*end));
    let end = ends.get(index).map_or(start, |end| usize::from(*end));
    for &byte in tables::PROTOTYPE_TEXT.get(start..end).unwrap_or_default() {
        let code = match byte.checked_sub(0x80) {
            None => u32::from(byte),
            Some(mark) => tables::PROTOTYPE_MARKS
                .get(usize::from(mark))
                .map_or(u32::MAX, |mark| u32::from(*mark)),
        };
        out.extend(char::from_u32(code));
    }
}

/// The script class of `ch` (see [`NEUTRAL`] and the others).
fn script_class(ch: char) -> u8 {
    let run = script_starts().partition_point(|start| *start <= ch as u32);
    run.checked_sub(1)
        .and_then(|run| tables::SCRIPT_CLASSES.get(run))
        .copied()
        .unwrap_or(NEUTRAL)
}

/// The scripts of the set class `class` (from [`FIRST_SET`] on; none past the last set).
/// [`tables::SCRIPT_SETS`] holds each set as its length then its scripts, one after the
/// other (no table of slices and their pointers): a walk over at most about a hundred
/// short sets, for the characters of several scripts in a host that is not ASCII.
fn script_set(class: u8) -> &'static [u8] {
    let mut rest: &'static [u8] = &tables::SCRIPT_SETS;
    let set_len = |rest: &[u8]| rest.first().map_or(0, |len| usize::from(*len));
    for _ in FIRST_SET..class {
        rest = rest.get(1 + set_len(rest)..).unwrap_or_default();
    }
    rest.get(1..1 + set_len(rest)).unwrap_or_default()
}

/// Top-level domains of countries whose domains are commonly written in Cyrillic or Greek:
/// a label there whose letters all look Latin is ordinary, as it is under a top-level
/// domain that is itself not ASCII (`.рф`). Imitating a known site is still flagged.
const NON_LATIN_TLDS: &str = "bg,by,cy,gr,kz,mk,rs,ru,su,ua,uz";

/// What makes a host a look-alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookalike<'a> {
    /// An `xn--` label that is not valid punycode for a non-ASCII label.
    BadPunycode,
    /// Shown like this known domain (the same skeleton), or this known domain's skeleton
    /// followed by other labels.
    Confusable(&'a str),
    /// Near this known domain: one edit away or followed by other labels (ASCII hosts),
    /// or the same but for accents.
    Near(&'a str),
    /// A label mixes scripts that are not written together (Latin with Cyrillic…).
    MixedScripts,
    /// Every letter of a label imitates a Latin one; the host reads as this.
    LooksLatin(String),
}

/// The verdict on a host: what is wrong, and the host as a browser shows it when it was
/// written in punycode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict<'a> {
    pub(crate) lookalike: Lookalike<'a>,
    pub(crate) decoded: Option<String>,
}

/// A known domain: its registrable part starts at `site_at`.
#[derive(Debug, Clone)]
struct Known<'p> {
    domain: Cow<'p, str>,
    site_at: usize,
}

impl Known<'_> {
    fn site(&self) -> &str {
        &self.domain[self.site_at..]
    }
}

/// A known domain's skeletons: of its registrable part, the same without accents, and of
/// the whole domain.
#[derive(Debug, Clone)]
struct Skeletons {
    site: String,
    bare_site: String,
    full: String,
}

/// The domains look-alikes are compared with: the policy's trusted domains and the social
/// networks' hosts.
#[derive(Debug, Clone, Default)]
pub(crate) struct KnownSites<'p> {
    known: Vec<Known<'p>>,
    skeletons: OnceLock<Vec<Skeletons>>,
}

impl<'p> KnownSites<'p> {
    /// `trusted` (normalized) and the hosts of [`crate::sites::all`].
    pub(crate) fn new(trusted: &[Cow<'p, str>]) -> KnownSites<'p> {
        let sites = crate::sites::all()
            .iter()
            .flat_map(|adapter| adapter.host_patterns)
            .filter(|pattern| !pattern.contains('*'))
            .map(|host| Cow::Borrowed(*host));
        let known = trusted
            .iter()
            .cloned()
            .chain(sites)
            .map(|domain| {
                let site_at = domain.len() - registrable(&domain).len();
                Known { domain, site_at }
            })
            .collect();
        KnownSites {
            known,
            skeletons: OnceLock::new(),
        }
    }

    /// The known domains' skeletons, computed on first use.
    fn skeletons(&self) -> &[Skeletons] {
        self.skeletons.get_or_init(|| {
            self.known
                .iter()
                .map(|known| {
                    let site = skeleton(known.site());
                    Skeletons {
                        bare_site: without_marks(&site),
                        site,
                        full: skeleton(&known.domain),
                    }
                })
                .collect()
        })
    }
}

/// Whether a label of `host` is punycode (`xn--`).
pub(crate) fn has_punycode(host: &str) -> bool {
    host.split('.').any(is_punycode)
}

fn is_punycode(label: &str) -> bool {
    label
        .as_bytes()
        .get(..4)
        .is_some_and(|start| start.eq_ignore_ascii_case(b"xn--"))
}

/// Punycode's parameters (RFC 3492, section 5).
const PUNY_BASE: u32 = 36;
const PUNY_TMIN: u32 = 1;
const PUNY_TMAX: u32 = 26;
const PUNY_SKEW: u32 = 38;
const PUNY_DAMP: u32 = 700;

/// Punycode's bias adaptation (RFC 3492, section 6.1).
fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { PUNY_DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2 {
        delta /= PUNY_BASE - PUNY_TMIN;
        k += PUNY_BASE;
    }
    k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW)
}

/// Decodes the punycode after a label's `xn--` (RFC 3492, section 6.2), as the `idna`
/// crate's `punycode::decode_to_string` does (a unit test compares them); `None` when it is
/// not valid. Written here rather than taken from `idna`, whose decoder links a stable sort
/// into the content script's wasm.
pub(crate) fn decode_punycode(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    // Basic code points come before the last `-`; a leading `-` is not a delimiter.
    let (basic, encoded) = match input.rfind('-') {
        Some(at) if at > 0 => (&input[..at], &input[at + 1..]),
        _ => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let mut code_point = 0x80_u32;
    let mut bias = 72;
    let mut i = 0_u32;
    let mut digits = encoded.bytes();
    while let Some(mut byte) = digits.next() {
        let previous = i;
        let mut weight = 1_u32;
        let mut k = PUNY_BASE;
        loop {
            let digit = u32::from(match byte {
                b'a'..=b'z' => byte - b'a',
                b'A'..=b'Z' => byte - b'A',
                b'0'..=b'9' => byte - b'0' + 26,
                _ => return None,
            });
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = if k <= bias {
                PUNY_TMIN
            } else if k >= bias + PUNY_TMAX {
                PUNY_TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            weight = weight.checked_mul(PUNY_BASE - t)?;
            k += PUNY_BASE;
            byte = digits.next()?;
        }
        let length = u32::try_from(output.len()).ok()?.checked_add(1)?;
        bias = adapt(i - previous, length, previous == 0);
        code_point = code_point.checked_add(i / length)?;
        i %= length;
        output.insert(i as usize, char::from_u32(code_point)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

/// `host` with its punycode labels decoded and lowercased; `None` when one does not decode
/// to a label that needs punycode (not ASCII).
pub(crate) fn decode_host(host: &str) -> Option<String> {
    let mut decoded = String::with_capacity(host.len());
    for (index, label) in host.split('.').enumerate() {
        if index > 0 {
            decoded.push('.');
        }
        if is_punycode(label) {
            let unicode = decode_punycode(&label[4..])?;
            if unicode.is_ascii() {
                return None;
            }
            decoded.push_str(&crate::text::lower::lower_str(&unicode));
        } else {
            decoded.push_str(label);
        }
    }
    Some(decoded)
}

/// `text` without combining diacritical marks (after a skeleton, which is decomposed).
fn without_marks(text: &str) -> String {
    text.chars().filter(|ch| !is_mark(*ch)).collect()
}

/// Whether `host` holds `domain` as whole labels followed by another label
/// (`lapresse.ca.example.com` holds `lapresse.ca`).
fn embeds(host: &str, domain: &str) -> bool {
    let mut label_starts =
        std::iter::once(0).chain(host.match_indices('.').map(|(dot, _)| dot + 1));
    label_starts.any(|at| {
        host[at..].starts_with(domain) && host.as_bytes().get(at + domain.len()) == Some(&b'.')
    })
}

/// Whether `a` becomes `b` with at most one insertion, deletion, substitution or
/// transposition of neighbours.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return true;
    }
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a[prefix + 1..] == b[prefix + 1..]
                || (prefix + 1 < a.len()
                    && a[prefix] == b[prefix + 1]
                    && a[prefix + 1] == b[prefix]
                    && a[prefix + 2..] == b[prefix + 2..])
        }
        std::cmp::Ordering::Greater => a[prefix + 1..] == b[prefix..],
        std::cmp::Ordering::Less => a[prefix..] == b[prefix + 1..],
    }
}

/// The known domain that an ASCII `host` imitates: one edit away from it (for sites of
/// six characters or more), or containing it followed by other labels.
pub(crate) fn imitated<'a>(host: &str, known: &'a KnownSites<'_>) -> Option<&'a str> {
    let site = registrable(host);
    known
        .known
        .iter()
        .find(|known| {
            let known_site = known.site();
            site != known_site
                && ((known_site.len() >= 6 && within_one_edit(site, known_site))
                    || embeds(host, &known.domain))
        })
        .map(|known| known.domain.as_ref())
}

/// Han with kana, Hangul or Bopomofo: one writing system each (Japanese, Korean, Chinese).
const WRITING_SYSTEMS: [&[u8]; 3] = [&[HAN, HIRAGANA, KATAKANA], &[HAN, HANGUL], &[HAN, BOPOMOFO]];

/// Whether UTS #39 allows `ch` in identifiers (meaningful for Latin, CJK and Common ones).
fn identifier_allowed(ch: char) -> bool {
    let code = ch as u32;
    identifier_allowed_ranges()
        .binary_search_by(|(first, last)| {
            if *last < code {
                std::cmp::Ordering::Less
            } else if *first > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Whether a label mixes scripts that UTS #39 does not let mix in a highly restrictive
/// identifier (Latin with Han, Japanese or Korean is fine; with Cyrillic or Greek it is not),
/// as `unicode-security`'s `is_single_script` and `detect_restriction_level` say.
fn mixes_scripts(label: &str) -> bool {
    if label.is_ascii() {
        return false;
    }
    // UTS #39's augmented script sets intersected over the label: the scripts every letter
    // has (`None`: any), and whether every letter belongs to each writing system (also
    // over the letters that are not Latin).
    let mut shared: Option<Vec<u8>> = None;
    let mut systems = [true; 3];
    let mut systems_besides_latin = [true; 3];
    for ch in label.chars() {
        let class = script_class(ch);
        let one = [class];
        let scripts: &[u8] = if class == NEUTRAL {
            continue;
        } else if class >= FIRST_SET {
            script_set(class)
        } else {
            &one
        };
        match &mut shared {
            Some(shared) => shared.retain(|script| scripts.contains(script)),
            None => shared = Some(scripts.to_vec()),
        }
        let in_system =
            WRITING_SYSTEMS.map(|system| scripts.iter().any(|script| system.contains(script)));
        for (all, this) in systems.iter_mut().zip(in_system) {
            *all &= this;
        }
        if !scripts.contains(&LATIN) {
            for (all, this) in systems_besides_latin.iter_mut().zip(in_system) {
                *all &= this;
            }
        }
    }
    let single_script = shared.is_none_or(|shared| !shared.is_empty()) || systems.contains(&true);
    if single_script {
        return false;
    }
    // A character not allowed in identifiers makes the label unrestricted.
    !label.chars().all(identifier_allowed) || !systems_besides_latin.contains(&true)
}

/// The verdict on `host` (lowercase, as found in a link), or `None` when it imitates nothing.
pub(crate) fn judge<'a>(host: &str, known: &'a KnownSites<'_>) -> Option<Verdict<'a>> {
    let decoded = if has_punycode(host) {
        match decode_host(host) {
            Some(decoded) => Some(decoded),
            None => {
                return Some(Verdict {
                    lookalike: Lookalike::BadPunycode,
                    decoded: None,
                });
            }
        }
    } else {
        None
    };
    let unicode = decoded.as_deref().unwrap_or(host);
    let lookalike = if unicode.is_ascii() {
        imitated(unicode, known).map(Lookalike::Near)
    } else {
        judge_unicode(unicode, known)
    };
    lookalike.map(|lookalike| Verdict { lookalike, decoded })
}

/// The look-alike tests of a host that is not ASCII.
fn judge_unicode<'a>(host: &str, known: &'a KnownSites<'_>) -> Option<Lookalike<'a>> {
    let site = registrable(host);
    let site_skeleton = skeleton(site);
    let full_skeleton = skeleton(host);
    let others = || {
        known
            .known
            .iter()
            .zip(known.skeletons())
            .filter(|(known, _)| known.site() != site && !covers(&known.domain, host))
    };
    if let Some((known, _)) = others().find(|(_, skeletons)| {
        skeletons.site == site_skeleton || embeds(&full_skeleton, &skeletons.full)
    }) {
        return Some(Lookalike::Confusable(&known.domain));
    }
    if host.split('.').any(mixes_scripts) {
        return Some(Lookalike::MixedScripts);
    }
    let bare_site = without_marks(&site_skeleton);
    if let Some((known, _)) = others().find(|(_, skeletons)| skeletons.bare_site == bare_site) {
        return Some(Lookalike::Near(&known.domain));
    }
    let tld = host.rsplit('.').next().unwrap_or_default();
    if tld.is_ascii() && !crate::text::listed(NON_LATIN_TLDS, tld) {
        let mut reads_as = String::with_capacity(host.len());
        let mut looks_latin = false;
        for (index, label) in host.split('.').enumerate() {
            if index > 0 {
                reads_as.push('.');
            }
            if label.is_ascii() {
                reads_as.push_str(label);
                continue;
            }
            let label_skeleton = skeleton(label);
            if label_skeleton
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            {
                looks_latin = true;
                reads_as.push_str(&label_skeleton.to_ascii_lowercase());
            } else {
                reads_as.push_str(label);
            }
        }
        if looks_latin {
            return Some(Lookalike::LooksLatin(reads_as));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownSites<'static> {
        KnownSites::new(&[
            Cow::Borrowed("lapresse.ca"),
            Cow::Borrowed("lacsq.org"),
            Cow::Borrowed("education.gouv.qc.ca"),
            Cow::Borrowed("quebec.ca"),
        ])
    }

    fn verdict(host: &str) -> Option<Lookalike<'static>> {
        let known = Box::leak(Box::new(known()));
        judge(host, known).map(|verdict| verdict.lookalike)
    }

    #[test]
    fn skeletons_agree_with_unicode_security_for_every_lowercase_character() {
        let mut latin = 0;
        for ch in (0..=0x10_ffff_u32)
            .filter_map(char::from_u32)
            .filter(|ch| generate::is_lowercase(*ch))
        {
            let text = ch.to_string();
            let full: String = unicode_security::skeleton(&text).collect();
            let ours = skeleton(&text);
            if full.chars().all(|part| part.is_ascii() || is_mark(part)) {
                latin += 1;
                assert_eq!(ours, full, "U+{:04X}", ch as u32);
            } else {
                assert_eq!(ours, text, "U+{:04X} keeps itself", ch as u32);
            }
        }
        assert!(latin > 2000, "{latin} characters with a Latin prototype");
    }

    #[test]
    fn mixed_scripts_agree_with_unicode_security() {
        use unicode_security::{MixedScript, RestrictionLevel, RestrictionLevelDetection};
        // Letters of many scripts (Latin, Cyrillic, Greek, Armenian, Georgian, Hebrew,
        // Arabic, Devanagari, Thai, Han, Hiragana, Katakana, Hangul), a digit, a hyphen and
        // a combining accent; Bopomofo and the Latin alpha, which UTS #39 does not allow in
        // identifiers.
        let letters = [
            'a', 'é', 'ı', 'ɑ', 'а', 'ӏ', 'α', 'ο', 'օ', 'ა', 'א', 'ع', 'क', 'ก', '中', 'ひ', 'カ',
            '한', 'ㄅ', '1', '-', '\u{301}',
        ];
        let mut labels = 0;
        for first in letters {
            for second in letters {
                for third in letters {
                    let label: String = [first, second, third].iter().collect();
                    let expected = !label.is_ascii()
                        && !label.is_single_script()
                        && label.detect_restriction_level() != RestrictionLevel::HighlyRestrictive;
                    assert_eq!(mixes_scripts(&label), expected, "{label}");
                    labels += 1;
                }
            }
        }
        assert_eq!(labels, letters.len().pow(3));
        // Each fixed script class is the one the tables give its letters.
        for (ch, class) in [
            ('a', LATIN),
            ('中', HAN),
            ('ひ', HIRAGANA),
            ('カ', KATAKANA),
            ('한', HANGUL),
            ('ㄅ', BOPOMOFO),
            ('а', CYRILLIC),
            ('α', GREEK),
            ('1', NEUTRAL),
        ] {
            assert_eq!(script_class(ch), class, "{ch}");
        }
    }

    #[test]
    fn one_edit_distance() {
        let cases = [
            ("lapresse.ca", "lapresse.ca", true),
            ("lapresee.ca", "lapresse.ca", true),
            ("lapress.ca", "lapresse.ca", true),
            ("lappresse.ca", "lapresse.ca", true),
            ("lparesse.ca", "lapresse.ca", true),
            ("lapresse.com", "lapresse.ca", false),
            ("lapr.ca", "lapresse.ca", false),
            ("", "a", true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(within_one_edit(a, b), expected, "{a} {b}");
            assert_eq!(within_one_edit(b, a), expected, "{b} {a}");
        }
    }

    #[test]
    fn punycode_decodes_as_idna_does() {
        // Random labels over the punycode alphabet (valid or not), and the encodings of
        // random Unicode labels, as a tiny linear congruential generator draws them.
        let mut state = 0x2545_f491_u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let alphabet = b"abcxyzABCXYZ0123456789-";
        let letters = [
            'a', 'é', 'а', 'ӏ', 'α', '中', 'ひ', '한', '\u{301}', '🙂', 'z', '-',
        ];
        let mut decoded = 0;
        for _ in 0..40_000 {
            let label: String = if next(2) == 0 {
                (0..next(16))
                    .map(|_| char::from(alphabet[next(alphabet.len() as u64) as usize]))
                    .collect()
            } else {
                let text: String = (0..1 + next(12))
                    .map(|_| letters[next(letters.len() as u64) as usize])
                    .collect();
                idna::punycode::encode_str(&text).unwrap_or_default()
            };
            let expected = idna::punycode::decode_to_string(&label);
            decoded += usize::from(expected.is_some());
            assert_eq!(decode_punycode(&label), expected, "{label:?}");
        }
        assert!(decoded > 20_000, "{decoded} decoded");
        for label in [
            "",
            "-",
            "-abc",
            "abc-",
            "a-b-c",
            "é",
            "99999999999",
            "zzzzzzzzzzzz",
            "--",
        ] {
            assert_eq!(
                decode_punycode(label),
                idna::punycode::decode_to_string(label),
                "{label:?}"
            );
        }
    }

    #[test]
    fn punycode_is_decoded() {
        assert!(has_punycode("xn--lpresse-7fg.ca"));
        assert!(has_punycode("www.XN--80ak6aa92e.com"));
        assert!(!has_punycode("lapresse.ca"));
        assert_eq!(
            decode_host("xn--80ak6aa92e.com").as_deref(),
            Some("аррӏе.com")
        );
        assert_eq!(
            decode_host("xn--d1acpjx3f.xn--p1ai").as_deref(),
            Some("яндекс.рф")
        );
        // Not punycode, or punycode of an ASCII label: nothing a browser would show.
        assert_eq!(decode_host("xn--.com"), None);
        assert_eq!(decode_host("xn--lacsq-.org"), None);
    }

    #[test]
    fn ascii_imitations_of_known_domains() {
        let known = known();
        assert_eq!(imitated("lapresee.ca", &known), Some("lapresse.ca"));
        assert_eq!(imitated("www.lacsg.org", &known), Some("lacsq.org"));
        assert_eq!(
            imitated("lapresse.ca.evil.example", &known),
            Some("lapresse.ca")
        );
        // The social networks' hosts are known too.
        assert_eq!(imitated("faceboook.com", &known), Some("facebook.com"));
        assert_eq!(
            imitated("facebook.com.login.example", &known),
            Some("facebook.com")
        );
        assert_eq!(imitated("evil-lapresse.ca", &known), None);
        assert_eq!(imitated("radio-canada.ca", &known), None);
        assert_eq!(imitated("news.lapresse.ca", &known), None);
        assert_eq!(imitated("facebook.com", &known), None);
    }

    #[test]
    fn homographs_of_known_domains() {
        // Cyrillic а in lapresse.ca, written out and in punycode.
        assert_eq!(
            verdict("lаpresse.ca"),
            Some(Lookalike::Confusable("lapresse.ca"))
        );
        let punycode = format!(
            "xn--{}.ca",
            idna::punycode::encode_str("lаpresse").unwrap_or_default()
        );
        assert_eq!(
            verdict(&punycode),
            Some(Lookalike::Confusable("lapresse.ca"))
        );
        // Greek omicrons in facebook.com, a social network's host.
        assert_eq!(
            verdict("facebοοk.com"),
            Some(Lookalike::Confusable("facebook.com"))
        );
        // A known domain's look-alike followed by other labels.
        assert_eq!(
            verdict("lаcsq.org.example.net"),
            Some(Lookalike::Confusable("lacsq.org"))
        );
        // The same but for accents.
        assert_eq!(verdict("québec.ca"), Some(Lookalike::Near("quebec.ca")));
    }

    #[test]
    fn homographs_of_other_sites() {
        // Xudong Zheng's 2017 demonstration: аррӏе.com, all Cyrillic.
        assert_eq!(
            verdict("xn--80ak6aa92e.com"),
            Some(Lookalike::LooksLatin("apple.com".into()))
        );
        assert_eq!(verdict("pαypal.com"), Some(Lookalike::MixedScripts));
        assert_eq!(verdict("gοogle.com"), Some(Lookalike::MixedScripts));
        assert_eq!(verdict("xn--.com"), Some(Lookalike::BadPunycode));
    }

    #[test]
    fn ordinary_domains_in_other_scripts_are_not_look_alikes() {
        for host in [
            "яндекс.рф",
            "xn--d1acpjx3f.xn--p1ai",
            "президент.рф",
            "сосо.рф",
            "bücher.de",
            "école.ca",
            "ουτοπία.δπθ.gr",
            "lapresse.ca",
            "evil-lapresse.ca",
        ] {
            assert_eq!(verdict(host), None, "{host}");
        }
    }
}
