//! The built-in URL shorteners: the public list PeterDaveHello/url-shorteners (CC-BY-SA-4.0),
//! vendored in `data/url-shorteners/` and compiled in, plus a heuristic for shorteners the
//! list does not know (a very short domain and a single random-looking token as its path).
//!
//! The list is compiled by `build.rs` into its domains with their labels reversed
//! (`gl.goo`), sorted and front-coded, read once, at first use, into a sorted list searched
//! by halves: a host is looked up once per parent domain (`a.b.goo.gl`, `b.goo.gl`,
//! `goo.gl`), each a prefix of the host reversed (`gl.goo.b.a`).

use std::sync::OnceLock;

/// The vendored list: one domain a line, lowercase, sorted, with `#` comment lines
/// (the upstream attribution). Refreshed by `cargo xtask shorteners --from FILE`.
pub const LIST: &str = include_str!("../data/url-shorteners/list");

/// The list as `build.rs` compiles it: each domain reversed (`gl.goo`), sorted, as an
/// uppercase letter (how many bytes it shares with the previous one, `A` for none) and the
/// bytes that follow.
const FRONT_CODED: &str = include_str!(concat!(env!("OUT_DIR"), "/shorteners.txt"));

/// The built-in shortener domains with their labels reversed (`gl.goo`), sorted.
fn reversed_domains() -> &'static [String] {
    static DOMAINS: OnceLock<Vec<String>> = OnceLock::new();
    // `build.rs` sorted them: they are not sorted again here, which would ship a sort in the
    // extension's wasm.
    DOMAINS.get_or_init(|| {
        let mut domains: Vec<String> = Vec::new();
        let mut rest = FRONT_CODED;
        while let Some(&letter) = rest.as_bytes().first() {
            let end = rest[1..]
                .find(|ch: char| ch.is_ascii_uppercase())
                .map_or(rest.len(), |at| at + 1);
            let shared = usize::from(letter.saturating_sub(b'A'));
            let mut domain = domains
                .last()
                .and_then(|previous| previous.get(..shared))
                .unwrap_or_default()
                .to_owned();
            domain.push_str(&rest[1..end]);
            domains.push(domain);
            rest = &rest[end..];
        }
        domains
    })
}

/// `domain` with its labels in the reverse order, into `out`: `b.goo.gl` → `gl.goo.b`.
fn push_reversed(out: &mut String, domain: &str) {
    for (index, label) in domain.rsplit('.').enumerate() {
        if index > 0 {
            out.push('.');
        }
        out.push_str(label);
    }
}

/// The built-in shortener domains, sorted, each once.
pub fn builtin() -> Vec<String> {
    let mut domains: Vec<String> = reversed_domains()
        .iter()
        .map(|reversed| {
            let mut domain = String::with_capacity(reversed.len());
            push_reversed(&mut domain, reversed);
            domain
        })
        .collect();
    domains.sort_unstable();
    domains
}

/// The most specific built-in entry covering `host` (lowercase, no trailing dot):
/// `host` itself or its nearest parent domain in the list, as the end of `host`.
pub fn builtin_covering(host: &str) -> Option<&str> {
    let domains = reversed_domains();
    let mut reversed = String::with_capacity(host.len());
    push_reversed(&mut reversed, host);
    // The parent domains, longest first: `reversed` itself, then each of its prefixes that
    // ends before a dot, down to two labels.
    let first_dot = reversed.find('.')?;
    let ends = std::iter::once(reversed.len()).chain(
        reversed
            .char_indices()
            .rev()
            .filter(|&(at, ch)| ch == '.' && at > first_dot)
            .map(|(at, _)| at),
    );
    for len in ends {
        if domains
            .binary_search_by(|domain| domain.as_str().cmp(&reversed[..len]))
            .is_ok()
        {
            return host.get(host.len() - len..);
        }
    }
    None
}

/// Why a link whose domain is not a known shortener still looks like one: its domain is
/// very short (a name of at most four characters before a one-label suffix of at most
/// three, no subdomain but `www.`) and its path is
/// one random-looking token (`/3xYz9Ab`). Returns the token.
///
/// A token looks random when it is 5 to 12 ASCII letters and digits that change between
/// lowercase, uppercase and digits at least twice, not counting a leading capital:
/// `3xYz9Ab` and `aB3dE` do, `nouvelles`, `Contact`, `2024`, `page2` and `rapport-2024`
/// do not.
pub fn looks_shortened<'a>(host: &str, link: &'a str) -> Option<&'a str> {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let (name, tld) = host.split_once('.')?;
    if name.is_empty() || name.len() > 4 || tld.contains('.') || tld.len() > 3 {
        return None;
    }
    let token = path_token(link)?;
    random_looking(token).then_some(token)
}

/// The single path segment of a link (`https://ab.co/Xy3z9` → `Xy3z9`), without a query
/// or fragment, or `None` when the path is empty or has more than one segment.
fn path_token(link: &str) -> Option<&str> {
    let link = link.trim();
    let after_scheme = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            link.get(..scheme.len())
                .filter(|start| start.eq_ignore_ascii_case(scheme))
                .map(|_| &link[scheme.len()..])
        })
        .unwrap_or(link);
    let path = &after_scheme[after_scheme.find('/')? + 1..];
    let path = path.strip_suffix('/').unwrap_or(path);
    (!path.is_empty() && !path.contains(['/', '?', '#'])).then_some(path)
}

/// Whether `token` looks like a generated code rather than a word or a number.
fn random_looking(token: &str) -> bool {
    if !(5..=12).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let class = |b: u8| {
        if b.is_ascii_digit() {
            0
        } else if b.is_ascii_uppercase() {
            1
        } else {
            2
        }
    };
    let bytes = token.as_bytes();
    let mut changes = 0;
    for (index, pair) in bytes.windows(2).enumerate() {
        let leading_capital = index == 0 && class(pair[0]) == 1 && class(pair[1]) == 2;
        if class(pair[0]) != class(pair[1]) && !leading_capital {
            changes += 1;
        }
    }
    changes >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::is_domain;

    #[test]
    fn the_vendored_list_is_normalized_and_complete() {
        let lines = listed();
        assert!(lines.len() >= 1400, "{} domains", lines.len());
        assert!(
            lines.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, unique"
        );
        for line in &lines {
            assert!(
                is_domain(line) && *line == line.to_ascii_lowercase(),
                "{line}"
            );
        }
        assert_eq!(builtin(), lines);
        assert!(LIST.contains("PeterDaveHello/url-shorteners"));
        assert!(LIST.contains("CC-BY-SA-4.0"));
    }

    #[test]
    fn finds_the_most_specific_entry() {
        for (host, expected) in [
            ("bit.ly", Some("bit.ly")),
            ("youtu.be", Some("youtu.be")),
            ("www.youtu.be", Some("youtu.be")),
            ("maps.app.goo.gl", Some("goo.gl")),
            ("go.nasa.gov", Some("go.nasa.gov")),
            ("nasa.gov", None),
            ("notbit.ly", None),
            ("lapresse.ca", None),
            ("ly", None),
            ("", None),
        ] {
            assert_eq!(builtin_covering(host), expected, "{host}");
        }
    }

    /// The vendored list's domains.
    fn listed() -> Vec<&'static str> {
        LIST.lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect()
    }

    #[test]
    fn covering_entries_agree_with_the_list_itself() {
        let domains: std::collections::HashSet<&str> = listed().into_iter().collect();
        // What `builtin_covering` answers, read off the list: the longest of `host` and its
        // parent domains that the list holds.
        let in_list = |host: &str| {
            let mut candidate = host;
            loop {
                if domains.contains(candidate) {
                    return Some(candidate.to_owned());
                }
                candidate = &candidate[candidate.find('.')? + 1..];
            }
        };
        let mut hosts: Vec<String> = ["", ".", "ly", ".ly", "..ly", "a..bit.ly", "bit.ly."]
            .map(String::from)
            .to_vec();
        for domain in listed() {
            let (first, parent) = domain.split_once('.').unwrap_or_default();
            hosts.extend([
                domain.to_owned(),
                format!("www.{domain}"),
                format!("a.b.{domain}"),
                format!("x{domain}"),
                format!("{domain}.com"),
                format!("{domain}x"),
                domain[1..].to_owned(),
                domain[..domain.len() - 1].to_owned(),
                parent.to_owned(),
                format!("{first}.x.{parent}"),
                format!("é.{domain}"),
            ]);
        }
        let mut covered = 0;
        for host in &hosts {
            let found = builtin_covering(host);
            assert_eq!(found.map(str::to_owned), in_list(host), "{host:?}");
            covered += usize::from(found.is_some());
        }
        assert!(covered > 3 * domains.len(), "{covered}");
    }

    #[test]
    fn random_tokens_on_very_short_domains() {
        let cases = [
            ("ab.co", "https://ab.co/3xYz9Ab", Some("3xYz9Ab")),
            ("qrs.io", "qrs.io/aB3dE", Some("aB3dE")),
            ("www.zz.de", "https://www.zz.de/Xk29fQ/", Some("Xk29fQ")),
            // Ordinary short domains with real paths.
            ("cbc.ca", "https://cbc.ca/nouvelles", None),
            ("cbc.ca", "https://www.cbc.ca/1.7234567", None),
            ("ici.ca", "ici.ca/Contact", None),
            ("fse.ca", "fse.ca/2024", None),
            ("ab.co", "ab.co/page2", None),
            ("ab.co", "ab.co/rapport-2024", None),
            ("ab.co", "ab.co/a/3xYz9Ab", None),
            ("ab.co", "ab.co/3xYz9Ab?x=1", None),
            ("ab.co", "https://ab.co/", None),
            // Long domains, subdomains and long suffixes are not "very short".
            ("lacsq.org", "lacsq.org/3xYz9Ab", None),
            ("a.b.co", "a.b.co/3xYz9Ab", None),
            ("ab.qc.ca", "ab.qc.ca/3xYz9Ab", None),
        ];
        for (host, link, expected) in cases {
            assert_eq!(looks_shortened(host, link), expected, "{link}");
        }
    }
}
