//! Which pages are a Balise companion's own pairing page, where the extension offers to pair.
//!
//! The companion listens on loopback only, so its pairing page is at
//! `http://127.0.0.1:PORT/pair` (or `localhost`, or `[::1]`). The extension offers its
//! "pair this browser" button there and nowhere else, and pairs with the companion at that
//! page's origin: the person still approves the request in the companion, with the code
//! shown on both sides.

/// Path of the companion's pairing page.
pub const PAIRING_PATH: &str = "/pair";

/// The companion's base URL (`http://127.0.0.1:7878`, no trailing slash) when `url` is a
/// companion's pairing page on this machine: plain `http`, a loopback host, an explicit
/// or default port, no user name, path `/pair` (any query or fragment). `None` otherwise.
pub fn pairing_page_companion(url: &str) -> Option<String> {
    let (host, port, path) = loopback_http(url)?;
    if path != PAIRING_PATH {
        return None;
    }
    match port {
        // Written as a `u32`: `u16`'s own `Display` would be one more copy in the wasm.
        Some(port) => Some(format!("http://{host}:{}", u32::from(port))),
        None => Some(format!("http://{host}")),
    }
}

/// Whether `page_url` is one of the companion's own pages (its dashboard, its pairing
/// page): plain `http` on a loopback host and the same port as `companion_url`. The
/// loopback names (`127.0.0.1`, `localhost`, `[::1]`) count as one, since the companion
/// answers to all three. Balise shows no report button there: it would report the
/// companion's own evidence to itself.
pub fn is_companion_page(page_url: &str, companion_url: &str) -> bool {
    let port = |url: &str| loopback_http(url.trim()).map(|(_, port, _)| port.unwrap_or(80));
    match (port(page_url), port(companion_url)) {
        (Some(page), Some(companion)) => page == companion,
        _ => false,
    }
}

/// A plain `http` URL on a loopback host (`127.0.0.1`, `localhost`, `[::1]`), with no user
/// name and no white space: its host (lowercase), its port if written, and its path
/// (without query or fragment). `None` for anything else.
fn loopback_http(url: &str) -> Option<(String, Option<u16>, &str)> {
    let (scheme, rest) = crate::text::split_once_str(url, "://")?;
    if !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    if url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let path = after.split(['?', '#']).next().unwrap_or_default();
    let authority = authority.to_ascii_lowercase();
    let (host, port) = split_host_port(&authority)?;
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    Some((host.to_owned(), port, path))
}

/// Splits `host[:port]` (host possibly a bracketed IPv6 literal); `None` for a user name,
/// an empty host or a port that is not a number from 1 to 65535.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.contains('@') || authority.is_empty() {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(digits) => {
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let number: u16 = digits.parse().ok()?;
            if number == 0 {
                return None;
            }
            Some(number)
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_companions_own_pages_are_those_of_its_loopback_port() {
        let companion = "http://127.0.0.1:7878";
        for page in [
            "http://127.0.0.1:7878/",
            "http://127.0.0.1:7878/reports/abc?done=x",
            "http://localhost:7878/pair",
            "http://[::1]:7878/settings",
        ] {
            assert!(is_companion_page(page, companion), "{page}");
        }
        assert!(is_companion_page("http://localhost/", "http://127.0.0.1/"));
        for page in [
            "http://127.0.0.1:7879/",
            "https://127.0.0.1:7878/",
            "http://127.0.0.1.evil.example:7878/",
            "http://user@127.0.0.1:7878/",
            "http://10.0.0.1:7878/",
            "https://www.facebook.com/",
        ] {
            assert!(!is_companion_page(page, companion), "{page}");
        }
        assert!(!is_companion_page("http://127.0.0.1:7878/", "not a url"));
    }

    #[test]
    fn loopback_pairing_pages_give_the_companion_base() {
        assert_eq!(
            pairing_page_companion("http://127.0.0.1:7878/pair").as_deref(),
            Some("http://127.0.0.1:7878")
        );
        assert_eq!(
            pairing_page_companion("http://LOCALHOST:9000/pair?done=approved#top").as_deref(),
            Some("http://localhost:9000")
        );
        assert_eq!(
            pairing_page_companion("http://[::1]:7878/pair").as_deref(),
            Some("http://[::1]:7878")
        );
        assert_eq!(
            pairing_page_companion("http://127.0.0.1/pair").as_deref(),
            Some("http://127.0.0.1")
        );
    }

    #[test]
    fn other_pages_and_hosts_are_not_pairing_pages() {
        for url in [
            "https://127.0.0.1:7878/pair",
            "http://127.0.0.1:7878/",
            "http://127.0.0.1:7878/pair/extra",
            "http://127.0.0.1:7878/pairing",
            "http://127.0.0.2:7878/pair",
            "http://example.org/pair",
            "http://localhost.example.org/pair",
            "http://user@127.0.0.1:7878/pair",
            "http://127.0.0.1@evil.example/pair",
            "http://127.0.0.1:0/pair",
            "http://127.0.0.1:65536/pair",
            "http://127.0.0.1:/pair",
            "http://127.0.0.1:78x8/pair",
            "http://[::1/pair",
            "http:///pair",
            "chrome-extension://abc/pair",
            "http://127.0.0.1:7878/pair\n",
            "",
        ] {
            assert_eq!(pairing_page_companion(url), None, "{url}");
        }
    }
}
