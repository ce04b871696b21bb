//! Host names and the site patterns people type (`forum.example.org`, `*.example.org`):
//! their reading, their matching, and the browsers' match patterns made from them.

/// A host as compared: lowercase, without port or trailing dot.
pub(super) fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => {
            name
        }
        _ => host,
    };
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// Whether `host` (already normalized) matches `pattern` (lowercase): `example.com`
/// exactly, `*.example.com` any subdomain of `example.com` (not `example.com` itself).
pub(super) fn normalized_host_matches(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .strip_suffix(parent)
            .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => host == pattern,
    }
}

/// Whether a page's `host` (any case, with or without port) matches a site pattern the
/// person added (`forum.example.org`, or `*.example.org` for its subdomains).
pub fn host_matches_pattern(host: &str, pattern: &str) -> bool {
    normalized_host_matches(&normalize_host(host), &pattern.trim().to_ascii_lowercase())
}

/// Why a line typed as an extra site is not a site pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SitePatternError {
    /// A web address rather than a site name; `host` is the name to type instead, when
    /// one could be read from it.
    Url {
        /// The host name found in the address.
        host: Option<String>,
    },
    /// Not a host name: a character other than letters, digits, `-` and `.`, an empty
    /// label, a port, or `*` elsewhere than in a leading `*.`.
    NotAHost,
    /// `*.` followed by a single label (`*.org`) would cover a whole top-level domain.
    TooBroad,
}

impl SitePatternError {
    /// What went wrong and what to type instead, in French and English.
    pub fn message(&self, input: &str) -> crate::Localized {
        const EXAMPLE_FR: &str = "Indiquez seulement le nom du site, par exemple \
            forum.example.org, ou *.example.org pour tous ses sous-domaines.";
        const EXAMPLE_EN: &str = "Type only the site's name, for example \
            forum.example.org, or *.example.org for all its subdomains.";
        match self {
            SitePatternError::Url { host: Some(host) } => crate::Localized::new(
                format!(
                    "« {input} » est une adresse web, pas un nom de site : indiquez seulement « {host} »."
                ),
                format!("\"{input}\" is a web address, not a site name: type only \"{host}\"."),
            ),
            SitePatternError::Url { host: None } => crate::Localized::new(
                format!("« {input} » est une adresse web, pas un nom de site. {EXAMPLE_FR}"),
                format!("\"{input}\" is a web address, not a site name. {EXAMPLE_EN}"),
            ),
            SitePatternError::NotAHost => crate::Localized::new(
                format!("« {input} » n'est pas un nom de site. {EXAMPLE_FR}"),
                format!("\"{input}\" is not a site name. {EXAMPLE_EN}"),
            ),
            SitePatternError::TooBroad => crate::Localized::new(
                format!("« {input} » couvrirait des millions de sites. {EXAMPLE_FR}"),
                format!("\"{input}\" would cover millions of sites. {EXAMPLE_EN}"),
            ),
        }
    }
}

/// Longest host name in DNS.
const MAX_HOST_LEN: usize = 253;
/// Longest label of a host name.
const MAX_LABEL_LEN: usize = 63;

/// Whether `label` is one label of a host name (lowercase letters, digits, inner `-`).
fn is_host_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Whether `host` is a host name (lowercase labels separated by dots).
fn is_host_name(host: &str) -> bool {
    host.len() <= MAX_HOST_LEN && host.split('.').all(is_host_label)
}

/// The host of something that looks like a web address (`https://forum.example.org/x`,
/// `forum.example.org/x`, `forum.example.org:8080`), if it has a valid one.
fn host_of_address(input: &str) -> Option<String> {
    let rest = match input.split_once("://") {
        Some((_, rest)) => rest,
        None => input,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = normalize_host(authority);
    is_host_name(&host).then_some(host)
}

/// Checks one site the person typed (`forum.example.org`, `*.example.org`; any case,
/// surrounding spaces and a trailing dot ignored) and returns it normalized: lowercase,
/// trimmed. Web addresses are refused with the host name to type instead.
pub fn parse_site_pattern(input: &str) -> Result<String, SitePatternError> {
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    if lower.contains("://") || lower.contains(['/', '?', '#', '@', ':']) {
        return Err(SitePatternError::Url {
            host: host_of_address(lower),
        });
    }
    let (wildcard, host) = match lower.strip_prefix("*.") {
        Some(parent) => (true, parent),
        None => (false, lower),
    };
    if !is_host_name(host) {
        return Err(SitePatternError::NotAHost);
    }
    if wildcard && !host.contains('.') {
        return Err(SitePatternError::TooBroad);
    }
    Ok(lower.to_owned())
}

/// When the content script runs, in the manifest's entries and in the enabled sites'
/// registration alike: as the page starts, so its module is compiled before the page is
/// parsed and its storage read is answered meanwhile; the loader waits for
/// `DOMContentLoaded` before it touches the document.
pub const CONTENT_SCRIPT_RUN_AT: &str = "document_start";

/// The browsers' match pattern (`*://x.com/*`, `*://*.x.com/*`) for a host pattern of an
/// adapter or an enabled site (`x.com`, `*.x.com`). A browser's `*.x.com` also matches
/// `x.com` itself, which Balise's does not: [`match_pattern_exclusion`] names it.
pub fn match_pattern(host_pattern: &str) -> String {
    format!("*://{}/*", host_pattern.trim().to_ascii_lowercase())
}

/// For a wildcard host pattern (`*.example.org`), the match pattern of the parent host
/// (`*://example.org/*`) that the browser's pattern would include and Balise's does not.
pub fn match_pattern_exclusion(host_pattern: &str) -> Option<String> {
    host_pattern
        .trim()
        .to_ascii_lowercase()
        .strip_prefix("*.")
        .map(|parent| format!("*://{parent}/*"))
}
