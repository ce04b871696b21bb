//! Links: finding URLs and bare domains in text, then shorteners, misleading link text,
//! look-alike domains and source credibility.
//!
//! Found in the text: `http://` and `https://` URLs, `www.` addresses and bare domains
//! (`lacsq.org/nouvelles`, `bit.ly/abc`). A bare domain needs a common top-level domain
//! written in one case (so `fin.Merci` is not a domain) or a domain the policy lists.
//! Trailing punctuation is not part of a link (`(voir https://x.ca/a).` gives
//! `https://x.ca/a`), unless it closes a parenthesis opened inside the link; French
//! quotes « » and typographic spaces end a link.

use std::borrow::Cow;
use std::ops::Range;

use crate::analysis::{Draft, FindingKind, Severity};
use crate::i18n::Localized;
use crate::policy::{RuleId, Sources, normalize_domain};
use crate::rules::lookalike::{self, KnownSites, Lookalike};
use crate::rules::{At, RawFinding, char_at_fast, is_word};
use crate::text::{char_at, char_before, listed};

/// Top-level domains accepted for bare domains (with a scheme or `www.`, any is), separated
/// by commas.
const BARE_TLDS: &str = "\
    ai,app,art,au,be,biz,blog,br,ca,cc,ch,club,cn,co,com,de,dev,edu,eu,example,fm,fr,gov,ht,\
    info,io,jp,live,ly,me,media,mx,net,news,nl,nz,online,org,pro,pt,quebec,ru,shop,site,social,\
    store,tech,top,tv,uk,xyz";

/// Public suffixes of more than one label, for comparing sites (`gouv.qc.ca`, `co.uk`),
/// separated by commas.
const MULTI_LABEL_SUFFIXES: &str = "\
    gouv.qc.ca,qc.ca,gc.ca,on.ca,bc.ca,ab.ca,mb.ca,nb.ca,ns.ca,co.uk,org.uk,ac.uk,gov.uk,com.au,\
    org.au,gov.au,co.nz,com.br,gouv.fr,co.jp";

/// The policy's domain lists, normalized (lowercase, no trailing dot), borrowed from the
/// policy when they already are; with the built-in shorteners ([`crate::shorteners`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceLists<'p> {
    trusted: Vec<Cow<'p, str>>,
    flagged: Vec<Cow<'p, str>>,
    /// The policy's own shorteners, added to the built-in ones.
    shorteners: Vec<Cow<'p, str>>,
    /// Hosts the built-in shorteners do not cover (with their subdomains).
    not_shorteners: Vec<Cow<'p, str>>,
    /// What look-alikes are compared with: the trusted domains and the networks' hosts.
    known: KnownSites<'p>,
}

/// What a host is according to the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class<'a> {
    /// Covered by this trusted domain.
    Trusted(&'a str),
    /// Covered by this flagged domain.
    Flagged(&'a str),
    /// Covered by this shortener.
    Shortener(&'a str),
    /// Not in any list.
    Unknown,
}

/// Whether `domain` is `host` or one of its parent domains (`lapresse.ca` covers
/// `www.lapresse.ca`, not `evil-lapresse.ca`).
pub(crate) fn covers(domain: &str, host: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// A domain as compared, borrowed when it is already normalized.
fn normalized(domain: &str) -> Cow<'_, str> {
    let clean = !domain.ends_with('.')
        && domain.trim().len() == domain.len()
        && !domain.bytes().any(|b| b.is_ascii_uppercase());
    if clean {
        Cow::Borrowed(domain)
    } else {
        Cow::Owned(normalize_domain(domain))
    }
}

impl<'p> SourceLists<'p> {
    pub(crate) fn new(sources: &'p Sources) -> SourceLists<'p> {
        let normalize = |list: &'p [String]| list.iter().map(|d| normalized(d)).collect();
        let trusted: Vec<Cow<'p, str>> = normalize(&sources.trusted);
        SourceLists {
            known: KnownSites::new(&trusted),
            trusted,
            flagged: normalize(&sources.flagged),
            shorteners: normalize(&sources.shorteners),
            not_shorteners: normalize(&sources.not_shorteners),
        }
    }

    /// The built-in shortener covering `host`, unless the policy takes `host` out (a
    /// `not_shorteners` entry covering it: `rog.gg` takes out the built-in `fr.rog.gg`,
    /// `maps.app.goo.gl` takes itself out of the built-in `goo.gl`).
    fn builtin_shortener<'h>(&self, host: &'h str) -> Option<&'h str> {
        if self.not_shorteners.iter().any(|out| covers(out, host)) {
            return None;
        }
        crate::shorteners::builtin_covering(host)
    }

    /// The most specific list entry covering `host` (normalized); on a tie, flagged wins
    /// over shortener, which wins over trusted.
    pub(crate) fn classify<'a>(&'a self, host: &'a str) -> Class<'a> {
        let host = host.strip_suffix('.').unwrap_or(host);
        let mut best: (usize, Class<'a>) = (0, Class::Unknown);
        for (list, kind) in [
            (&self.flagged, 0),
            (&self.shorteners, 1),
            (&self.trusted, 2),
        ] {
            for domain in list {
                if domain.len() > best.0 && covers(domain, host) {
                    let class = match kind {
                        0 => Class::Flagged(domain),
                        1 => Class::Shortener(domain),
                        _ => Class::Trusted(domain),
                    };
                    best = (domain.len(), class);
                }
            }
            if kind == 1
                && let Some(domain) = self.builtin_shortener(host)
                && domain.len() > best.0
            {
                best = (domain.len(), Class::Shortener(domain));
            }
        }
        best.1
    }

    /// Whether a list covers `host`.
    fn knows(&self, host: &str) -> bool {
        self.classify(host) != Class::Unknown
    }
}

/// A link found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundLink {
    /// Its bytes in the text.
    pub(crate) range: Range<usize>,
    /// Its host, lowercase, without port or trailing dot.
    pub(crate) host: String,
    /// The user-info part before `@` in the authority, which can disguise the host.
    pub(crate) userinfo: Option<String>,
}

/// Whether `text` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether a link may continue with `ch`.
fn is_url_char(ch: char) -> bool {
    !(ch.is_whitespace()
        || ch.is_control()
        || ch >= '\u{2000}'
        || matches!(
            ch,
            '<' | '>' | '"' | '`' | '«' | '»' | '{' | '}' | '|' | '\\' | '^'
        ))
}

/// Where a link starting at `from` ends, before trailing punctuation is removed.
fn url_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, ch)| !is_url_char(*ch))
        .map_or(text.len(), |(offset, _)| from + offset)
}

/// `end` moved back over trailing punctuation that is not part of the link `start..end`.
fn strip_trailing(text: &str, start: usize, mut end: usize) -> usize {
    while let Some(last) = text[start..end].chars().next_back() {
        let link = &text[start..end];
        let unbalanced =
            |open: char, close: char| link.matches(open).count() < link.matches(close).count();
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '"' => true,
            ')' => unbalanced('(', ')'),
            ']' => unbalanced('[', ']'),
            _ => false,
        };
        if !strip {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// Lowercases a host.
fn lower_host(host: &str) -> String {
    if host.is_ascii() {
        host.to_ascii_lowercase()
    } else {
        crate::text::lower::lower_str(host)
    }
}

/// The host and user-info of the authority that starts `rest` (what follows `scheme://`).
fn parse_authority(rest: &str) -> Option<(String, Option<String>)> {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => host_port,
        }
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return None;
    }
    let userinfo = userinfo.filter(|info| !info.is_empty()).map(str::to_owned);
    Some((lower_host(host), userinfo))
}

/// The host and user-info of an `href`, when it is an http(s) or `www.` address.
pub(crate) fn parse_href(href: &str) -> Option<(String, Option<String>)> {
    let href = href.trim();
    for scheme in ["https://", "http://"] {
        if starts_with_ci(href, scheme) {
            return parse_authority(&href[scheme.len()..]);
        }
    }
    if starts_with_ci(href, "www.") {
        return parse_authority(href);
    }
    None
}

/// Every link of `text`, in order.
///
/// Every link's first word is followed by `.` (a domain) or `:` (a scheme), so the scan
/// jumps from one `.` or `:` to the next (sixteen bytes at a time), walks back to the start
/// of the word, and tries a link there.
pub(crate) fn find_links(text: &str, lists: &SourceLists<'_>) -> Vec<FoundLink> {
    let bytes = text.as_bytes();
    let mut links = Vec::new();
    let mut done = 0;
    let mut index = 0;
    while index < bytes.len() {
        while let Some(chunk) = bytes.get(index..index + 16) {
            if chunk
                .iter()
                .fold(false, |any, &b| any | (b == b'.') | (b == b':'))
            {
                break;
            }
            index += 16;
        }
        let Some(&byte) = bytes.get(index) else {
            break;
        };
        let mark = index;
        index += 1;
        if !matches!(byte, b'.' | b':') || mark < done {
            continue;
        }
        // The start of the word (with hyphens) that the mark follows.
        let start = back_over_label(text, mark);
        if start == mark || start < done {
            continue;
        }
        let at_start = char_before(text, start).is_none_or(|p| {
            !is_word(p)
                && !matches!(
                    p,
                    '.' | '@' | '-' | '_' | '/' | '\\' | '+' | '%' | '=' | '&' | '#' | '~'
                )
        });
        if at_start && let Some(link) = scan_at(text, start, lists) {
            done = link.range.end;
            index = index.max(done);
            links.push(link);
        }
    }
    links
}

/// Where the run of word characters and hyphens that ends at `end` starts.
fn back_over_label(text: &str, mut end: usize) -> usize {
    let bytes = text.as_bytes();
    while end > 0 {
        let byte = bytes[end - 1];
        if byte < 0x80 {
            if !(byte.is_ascii_alphanumeric() || byte == b'-') {
                break;
            }
            end -= 1;
        } else {
            match char_before(text, end) {
                Some(ch) if is_word(ch) => end -= ch.len_utf8(),
                _ => break,
            }
        }
    }
    end
}

/// The link starting at `start` (the start of a word), if any.
fn scan_at(text: &str, start: usize, lists: &SourceLists<'_>) -> Option<FoundLink> {
    let rest = &text[start..];
    for scheme in ["https://", "http://"] {
        if starts_with_ci(rest, scheme) {
            let end = strip_trailing(text, start, url_end(text, start + scheme.len()));
            let (host, userinfo) = parse_authority(&text[start + scheme.len()..end])?;
            return Some(FoundLink {
                range: start..end,
                host,
                userinfo,
            });
        }
    }
    if starts_with_ci(rest, "www.") {
        let end = strip_trailing(text, start, url_end(text, start));
        let (host, userinfo) = parse_authority(&text[start..end])?;
        let labels = host.split('.').filter(|label| !label.is_empty()).count();
        return (labels >= 3).then_some(FoundLink {
            range: start..end,
            host,
            userinfo,
        });
    }
    scan_bare(text, start, lists)
}

/// A bare domain (with an optional path) starting at `start`.
fn scan_bare(text: &str, start: usize, lists: &SourceLists<'_>) -> Option<FoundLink> {
    let bytes = text.as_bytes();
    let mut index = start;
    let mut labels = 0;
    let mut last_label = start..start;
    loop {
        let label_start = index;
        while let Some(ch) = char_at_fast(text, index) {
            if !(is_word(ch) || ch == '-') {
                break;
            }
            index += ch.len_utf8();
        }
        let label = &text[label_start..index];
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') {
            return None;
        }
        labels += 1;
        last_label = label_start..index;
        let dot_then_word = bytes.get(index) == Some(&b'.')
            && char_at(text, index + 1).is_some_and(char::is_alphanumeric);
        if !dot_then_word {
            break;
        }
        index += 1;
    }
    let host_end = index;
    let tld = &text[last_label];
    let one_case =
        tld.bytes().all(|b| b.is_ascii_lowercase()) || tld.bytes().all(|b| b.is_ascii_uppercase());
    if labels < 2 || tld.len() < 2 || !one_case || bytes.get(host_end) == Some(&b'@') {
        return None;
    }
    let host = lower_host(&text[start..host_end]);
    let tld_lower = tld.to_ascii_lowercase();
    if !listed(BARE_TLDS, &tld_lower) && !lists.knows(&host) {
        return None;
    }
    let end = if bytes.get(host_end) == Some(&b'/') {
        strip_trailing(text, start, url_end(text, host_end))
    } else {
        host_end
    };
    Some(FoundLink {
        range: start..end,
        host,
        userinfo: None,
    })
}

/// The part of a host that names the site: the label before its public suffix
/// (`news.lapresse.ca` → `lapresse.ca`, `www.education.gouv.qc.ca` →
/// `education.gouv.qc.ca`).
pub(crate) fn registrable(host: &str) -> &str {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let suffix_labels = MULTI_LABEL_SUFFIXES
        .split(',')
        .filter(|suffix| covers(suffix, host) && host.len() > suffix.len())
        .map(|suffix| suffix.split('.').count())
        .max()
        .unwrap_or(1);
    let mut cut = host.len();
    for _ in 0..=suffix_labels {
        match host[..cut].rfind('.') {
            Some(dot) => cut = dot,
            None => return host,
        }
    }
    &host[cut + 1..]
}

/// One link to judge, from the text or from the editor.
struct Occurrence<'a> {
    host: &'a str,
    /// The link as written in the text, or the editor's `href`.
    link: &'a str,
    userinfo: Option<&'a str>,
    at: At,
    excerpt: &'a str,
}

/// Runs the link rules that `uses` selects on the links `found` in `text`.
pub(crate) fn check_found(
    text: &str,
    found: &[FoundLink],
    lists: &SourceLists,
    uses: impl Fn(RuleId) -> bool,
    raw: &mut Vec<RawFinding>,
) {
    for link in found {
        let occurrence = Occurrence {
            host: &link.host,
            link: &text[link.range.clone()],
            userinfo: link.userinfo.as_deref(),
            at: At::Bytes(link.range.clone()),
            excerpt: &text[link.range.clone()],
        };
        judge(&occurrence, lists, &uses, raw);
    }
}

/// Runs the link rules that `uses` selects on the links the editor of `draft` carries
/// (`found`: the links of its text, already judged).
pub(crate) fn check_editor_links(
    draft: &Draft,
    found: &[FoundLink],
    lists: &SourceLists,
    uses: impl Fn(RuleId) -> bool,
    raw: &mut Vec<RawFinding>,
) {
    let text = draft.text.as_str();
    for link in &draft.links {
        let Some((host, userinfo)) = parse_href(&link.href) else {
            continue;
        };
        let shown = link.text.trim();
        let at = match link.span {
            Some(span) => At::Utf16(span),
            None if shown.is_empty() => At::None,
            None => crate::text::find_str(text, shown)
                .map_or(At::None, |start| At::Bytes(start..start + shown.len())),
        };
        if uses(RuleId::LinkText)
            && let Some(shown_link) = find_links(shown, lists).first()
            && registrable(&shown_link.host) != registrable(&host)
        {
            raw.push(RawFinding::new(
                RuleId::LinkText,
                FindingKind::LinkTextMismatch,
                Severity::Error,
                Localized::new(
                    format!(
                        "Lien trompeur : le texte affiche {}, mais le lien mène à {host}.",
                        shown_link.host
                    ),
                    format!(
                        "Misleading link: the text shows {} but the link leads to {host}.",
                        shown_link.host
                    ),
                ),
                at.clone(),
                shown,
            ));
        }
        // The same link written out in the text was judged already.
        let site = host.strip_prefix("www.").unwrap_or(&host);
        let duplicate = !shown.is_empty()
            && found.iter().any(|seen| {
                let seen_text = &text[seen.range.clone()];
                seen.host.strip_prefix("www.").unwrap_or(&seen.host) == site
                    && (crate::text::find_str(shown, seen_text).is_some()
                        || crate::text::find_str(seen_text, shown).is_some())
            });
        if !duplicate {
            let occurrence = Occurrence {
                host: &host,
                link: &link.href,
                userinfo: userinfo.as_deref(),
                at,
                excerpt: if shown.is_empty() {
                    link.href.trim()
                } else {
                    shown
                },
            };
            judge(&occurrence, lists, &uses, raw);
        }
    }
}

/// The severity and message of a look-alike finding on `shown` (the host, with its decoded
/// form when it was punycode).
fn lookalike_message(shown: &str, lookalike: &Lookalike<'_>) -> (Severity, String, String) {
    match lookalike {
        Lookalike::BadPunycode => (
            Severity::Warning,
            format!(
                "Le domaine {shown} contient du punycode (xn--) invalide : il peut cacher un autre site."
            ),
            format!("The domain {shown} holds invalid punycode (xn--): it may hide another site."),
        ),
        Lookalike::Confusable(known) => (
            Severity::Error,
            format!(
                "Le domaine {shown} imite {known} avec des lettres d'un autre alphabet : ce n'est pas ce site."
            ),
            format!(
                "The domain {shown} imitates {known} with letters of another alphabet: it is not that site."
            ),
        ),
        Lookalike::Near(known) => (
            Severity::Warning,
            format!(
                "Le domaine {shown} ressemble à {known} sans l'être : vérifiez qu'il s'agit du bon site."
            ),
            format!(
                "The domain {shown} looks like {known} but is not: check that it is the right site."
            ),
        ),
        Lookalike::MixedScripts => (
            Severity::Error,
            format!(
                "Le domaine {shown} mélange des alphabets (par exemple latin et cyrillique) : il imite probablement un autre site."
            ),
            format!(
                "The domain {shown} mixes alphabets (Latin and Cyrillic, for example): it probably imitates another site."
            ),
        ),
        Lookalike::LooksLatin(reads_as) => (
            Severity::Error,
            format!(
                "Le domaine {shown} est écrit avec des lettres d'un autre alphabet qui imitent l'alphabet latin : il se lit « {reads_as} », mais ce n'est pas ce site."
            ),
            format!(
                "The domain {shown} is written with letters of another alphabet that imitate Latin ones: it reads \"{reads_as}\" but is not that site."
            ),
        ),
    }
}

/// The findings of the link rules on one link.
fn judge(
    link: &Occurrence<'_>,
    lists: &SourceLists,
    uses: &impl Fn(RuleId) -> bool,
    raw: &mut Vec<RawFinding>,
) {
    let host = link.host;
    let class = lists.classify(host);
    let mut push = |rule: RuleId, kind: FindingKind, severity: Severity, fr: String, en: String| {
        raw.push(RawFinding::new(
            rule,
            kind,
            severity,
            Localized::new(fr, en),
            link.at.clone(),
            link.excerpt,
        ));
    };
    if uses(RuleId::Links) {
        push(
            RuleId::Links,
            FindingKind::Link,
            Severity::Info,
            format!("Lien vers {host}."),
            format!("Link to {host}."),
        );
    }
    if uses(RuleId::Shorteners) && matches!(class, Class::Shortener(_)) {
        push(
            RuleId::Shorteners,
            FindingKind::Shortener,
            Severity::Warning,
            format!(
                "Lien raccourci ({host}) : sa destination est cachée. Utilisez plutôt le lien complet."
            ),
            format!(
                "Shortened link ({host}): its destination is hidden. Use the full link instead."
            ),
        );
    }
    if uses(RuleId::Shorteners)
        && class == Class::Unknown
        && let Some(token) = crate::shorteners::looks_shortened(host, link.link)
    {
        push(
            RuleId::Shorteners,
            FindingKind::Shortener,
            Severity::Warning,
            format!(
                "Lien peut-être raccourci ({host}) : le domaine est très court et le chemin « {token} » ressemble à un code aléatoire. Vérifiez où il mène et utilisez le lien complet."
            ),
            format!(
                "Possibly a shortened link ({host}): the domain is very short and the path \"{token}\" looks like a random code. Check where it leads and use the full link."
            ),
        );
    }
    if uses(RuleId::LookalikeDomains) {
        if let Some(userinfo) = link.userinfo {
            push(
                RuleId::LookalikeDomains,
                FindingKind::DeceptiveUrl,
                Severity::Error,
                format!(
                    "Lien trompeur : l'adresse semble mener à {userinfo}, mais elle mène à {host}."
                ),
                format!(
                    "Misleading link: the address seems to lead to {userinfo} but leads to {host}."
                ),
            );
        }
        // A trusted host imitates nothing; an ASCII one only when no list knows it.
        let judged = match class {
            Class::Trusted(_) => false,
            Class::Unknown => true,
            _ => !host.is_ascii() || lookalike::has_punycode(host),
        };
        if judged && let Some(verdict) = lookalike::judge(host, &lists.known) {
            let shown = match &verdict.decoded {
                Some(decoded) => format!("{host} ({decoded})"),
                None => host.to_owned(),
            };
            let (severity, fr, en) = lookalike_message(&shown, &verdict.lookalike);
            push(
                RuleId::LookalikeDomains,
                FindingKind::LookalikeDomain,
                severity,
                fr,
                en,
            );
        }
    }
    if uses(RuleId::SourceCredibility) {
        match class {
            Class::Trusted(domain) => push(
                RuleId::SourceCredibility,
                FindingKind::TrustedSource,
                Severity::Info,
                format!("Source reconnue : {domain}."),
                format!("Recognized source: {domain}."),
            ),
            Class::Flagged(domain) => push(
                RuleId::SourceCredibility,
                FindingKind::FlaggedSource,
                Severity::Error,
                format!(
                    "Source signalée pour désinformation : {domain}. Ne la partagez pas au nom du syndicat."
                ),
                format!(
                    "Source flagged for misinformation: {domain}. Do not share it on behalf of the union."
                ),
            ),
            Class::Shortener(domain) => push(
                RuleId::SourceCredibility,
                FindingKind::UnknownSource,
                Severity::Warning,
                format!(
                    "Source cachée par un raccourcisseur ({domain}) : impossible d'en juger la crédibilité. Utilisez le lien complet."
                ),
                format!(
                    "Source hidden by a shortener ({domain}): its credibility cannot be assessed. Use the full link."
                ),
            ),
            Class::Unknown => push(
                RuleId::SourceCredibility,
                FindingKind::UnknownSource,
                Severity::Warning,
                format!(
                    "Source inconnue : {host}. Vérifiez manuellement la crédibilité de la source."
                ),
                format!("Unknown source: {host}. Check the source's credibility manually."),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists that live as long as the test (leaked on purpose).
    fn lists() -> SourceLists<'static> {
        SourceLists::new(Box::leak(Box::new(Sources {
            trusted: vec![
                "lapresse.ca".into(),
                "lacsq.org".into(),
                "education.gouv.qc.ca".into(),
            ],
            flagged: vec!["fake-news.example".into()],
            shorteners: vec!["lien.example".into()],
            not_shorteners: vec![
                "rog.gg".into(),
                "forms.gle".into(),
                "maps.app.goo.gl".into(),
            ],
        })))
    }

    /// (excerpt, host) of every link found.
    fn links(text: &str) -> Vec<(&str, String)> {
        find_links(text, &lists())
            .into_iter()
            .map(|link| (&text[link.range], link.host))
            .collect()
    }

    #[test]
    fn finds_links_with_exact_extents() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("(voir https://x.ca/a).", &[("https://x.ca/a", "x.ca")]),
            (
                "Voir https://fr.wikipedia.org/wiki/Grève_(Québec).",
                &[(
                    "https://fr.wikipedia.org/wiki/Grève_(Québec)",
                    "fr.wikipedia.org",
                )],
            ),
            (
                "«https://lacsq.org/nouvelles»",
                &[("https://lacsq.org/nouvelles", "lacsq.org")],
            ),
            (
                "« https://lacsq.org/ »",
                &[("https://lacsq.org/", "lacsq.org")],
            ),
            (
                "Lire: HTTPS://WWW.LaPresse.CA:443/actualites?x=1#y!",
                &[(
                    "HTTPS://WWW.LaPresse.CA:443/actualites?x=1#y",
                    "www.lapresse.ca",
                )],
            ),
            (
                "Site : www.lacsq.org, ou lacsq.org/nouvelles?",
                &[
                    ("www.lacsq.org", "www.lacsq.org"),
                    ("lacsq.org/nouvelles", "lacsq.org"),
                ],
            ),
            (
                "Voir bit.ly/abc123 et t.co/xyz.",
                &[("bit.ly/abc123", "bit.ly"), ("t.co/xyz", "t.co")],
            ),
            (
                "Écrivez à marie@lacsq.org ou visitez LACSQ.ORG",
                &[("LACSQ.ORG", "lacsq.org")],
            ),
            (
                "Le 3.14 et v2.0, p.ex. etc. Fin.Merci M.Tremblay Node.js",
                &[],
            ),
            ("http:// seul et https://", &[]),
            ("www.x seul", &[]),
            (
                "https://lapresse.ca@evil.example/a",
                &[("https://lapresse.ca@evil.example/a", "evil.example")],
            ),
            (
                "Un domaine cyrillique: lаpresse.ca (а cyrillique).",
                &[("lаpresse.ca", "lаpresse.ca")],
            ),
            (
                "https://exemple.ca/chemin🎉 suite",
                &[("https://exemple.ca/chemin", "exemple.ca")],
            ),
            (
                "https://lacsq.org\u{a0}!",
                &[("https://lacsq.org", "lacsq.org")],
            ),
            (
                "https://lacsq.org’s site",
                &[("https://lacsq.org", "lacsq.org")],
            ),
            (
                "[lien](https://lacsq.org/a)",
                &[("https://lacsq.org/a", "lacsq.org")],
            ),
            ("ftp://lacsq.org", &[]),
            ("fichier rapport.pdf et script.py", &[]),
            ("https://[::1]:8080/x", &[("https://[::1]:8080/x", "::1")]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(&str, String)> = expected
                .iter()
                .map(|(e, h)| (*e, (*h).to_owned()))
                .collect();
            assert_eq!(links(text), expected, "{text:?}");
        }
    }

    #[test]
    fn classifies_domains_with_subdomains_only() {
        let lists = lists();
        let cases = [
            ("lapresse.ca", Class::Trusted("lapresse.ca")),
            ("news.lapresse.ca", Class::Trusted("lapresse.ca")),
            ("lapresse.ca.", Class::Trusted("lapresse.ca")),
            ("evil-lapresse.ca", Class::Unknown),
            ("lapresse.ca.evil.example", Class::Unknown),
            ("fake-news.example", Class::Flagged("fake-news.example")),
            ("www.fake-news.example", Class::Flagged("fake-news.example")),
            ("bit.ly", Class::Shortener("bit.ly")),
            ("youtu.be", Class::Shortener("youtu.be")),
            ("goo.gl", Class::Shortener("goo.gl")),
            ("x.app.goo.gl", Class::Shortener("goo.gl")),
            ("go.nasa.gov", Class::Shortener("go.nasa.gov")),
            ("nasa.gov", Class::Unknown),
            // Added by the policy; taken out by the policy (with the entries under it).
            ("lien.example", Class::Shortener("lien.example")),
            ("forms.gle", Class::Unknown),
            ("fr.rog.gg", Class::Unknown),
            ("maps.app.goo.gl", Class::Unknown),
            ("a.maps.app.goo.gl", Class::Unknown),
            ("example.org", Class::Unknown),
        ];
        for (host, expected) in cases {
            assert_eq!(lists.classify(host), expected, "{host}");
        }
        // The most specific entry wins.
        let sources = Sources {
            trusted: vec!["Example.org.".into()],
            flagged: vec!["bad.example.org".into()],
            shorteners: vec![],
            not_shorteners: vec![],
        };
        let lists = SourceLists::new(&sources);
        assert_eq!(
            lists.classify("x.bad.example.org"),
            Class::Flagged("bad.example.org")
        );
        assert_eq!(
            lists.classify("good.example.org"),
            Class::Trusted("example.org")
        );
    }

    #[test]
    fn registrable_domains() {
        let cases = [
            ("lapresse.ca", "lapresse.ca"),
            ("www.lapresse.ca", "lapresse.ca"),
            ("news.lapresse.ca", "lapresse.ca"),
            ("www.education.gouv.qc.ca", "education.gouv.qc.ca"),
            ("a.b.inspq.qc.ca", "inspq.qc.ca"),
            ("bbc.co.uk", "bbc.co.uk"),
            ("gc.ca", "gc.ca"),
            ("localhost", "localhost"),
        ];
        for (host, expected) in cases {
            assert_eq!(registrable(host), expected, "{host}");
        }
    }

    #[test]
    fn hrefs() {
        assert_eq!(
            parse_href(" https://User@Evil.Example:8443/x "),
            Some(("evil.example".into(), Some("User".into())))
        );
        assert_eq!(
            parse_href("www.lacsq.org/a"),
            Some(("www.lacsq.org".into(), None))
        );
        assert_eq!(parse_href("mailto:a@b.ca"), None);
        assert_eq!(parse_href("javascript:alert(1)"), None);
        assert_eq!(parse_href("/relative"), None);
    }
}
