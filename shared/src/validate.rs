//! Small hand-made validators for identifiers, timestamps, URLs, emails and domains.
//!
//! They are strict on purpose: they guard what the companion stores as evidence and what
//! a policy document may contain. None of them allocates.

/// Whether `value` is a SHA-256 digest in lowercase hexadecimal (64 characters).
pub fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// Whether `value` is a UUID in the 8-4-4-4-12 hexadecimal form (either case), such as
/// `crypto.randomUUID()` makes. The version and variant digits are not checked.
pub fn is_uuid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// A version-4 UUID (8-4-4-4-12, lowercase) from 16 random bytes: the version and variant
/// bits are set as RFC 9562 says.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut uuid = String::with_capacity(36);
    for (index, digit) in crate::digest::to_hex(&bytes).chars().enumerate() {
        if matches!(index, 8 | 12 | 16 | 20) {
            uuid.push('-');
        }
        uuid.push(digit);
    }
    uuid
}

/// The days in `month` of `year` (Gregorian), or 0 for an invalid month.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Parses exactly `N` ASCII digits.
fn digits<const N: usize>(bytes: &[u8]) -> Option<u32> {
    if bytes.len() != N {
        return None;
    }
    bytes.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// Parses a calendar date `YYYY-MM-DD` into (year, month, day), checking the day exists.
pub fn parse_date(value: &str) -> Option<(u32, u32, u32)> {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits::<4>(&bytes[0..4])?;
    let month = digits::<2>(&bytes[5..7])?;
    let day = digits::<2>(&bytes[8..10])?;
    (day >= 1 && day <= days_in_month(year, month)).then_some((year, month, day))
}

/// Whether `value` is a calendar date `YYYY-MM-DD` that exists.
pub fn is_date(value: &str) -> bool {
    parse_date(value).is_some()
}

/// Whether `value` is an RFC 3339 timestamp in UTC, such as JavaScript's
/// `Date.prototype.toISOString()` makes: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
///
/// `t`/`z` in lowercase and the offset `+00:00` are accepted too (RFC 3339 allows them);
/// other offsets are not UTC and are refused. Seconds may be 60 (leap second).
pub fn is_rfc3339_utc(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() < 20
        || !value.get(..10).is_some_and(is_date)
        || !matches!(bytes[10], b'T' | b't')
    {
        return false;
    }
    let time = &bytes[11..];
    if time.len() < 9 || time[2] != b':' || time[5] != b':' {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) = (
        digits::<2>(&time[0..2]),
        digits::<2>(&time[3..5]),
        digits::<2>(&time[6..8]),
    ) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return false;
        }
        rest = &fraction[count..];
    }
    matches!(rest, b"Z" | b"z" | b"+00:00")
}

/// Whether `value` is an absolute `http:` or `https:` URL with a host, and no whitespace or
/// control characters. Length limits are the caller's.
pub fn is_http_url(value: &str) -> bool {
    let Some(scheme_end) = crate::text::find_str(value, "://") else {
        return false;
    };
    let scheme = &value[..scheme_end];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return false;
    }
    if value
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        return false;
    }
    let rest = &value[scheme_end + 3..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        match bracketed.split_once(']') {
            Some((inside, after)) if after.is_empty() || is_port(after) => inside,
            _ => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) if is_port(&host_port[host.len()..]) && !port.is_empty() => host,
            Some(_) => return false,
            None => host_port,
        }
    };
    !host.is_empty()
        && host
            .chars()
            .all(|ch| ch.is_alphanumeric() || matches!(ch, '.' | '-' | '_' | ':' | '%'))
}

/// Whether `value` is `:` followed by a port number (up to five digits).
fn is_port(value: &str) -> bool {
    value.strip_prefix(':').is_some_and(|digits| {
        (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether `value` is an email address as people write them: `local@domain.tld`.
///
/// The local part (at most 64 bytes) uses letters, digits and ``!#$%&'*+/=?^_`{|}~.-``,
/// without a dot at either end or two dots in a row; the domain is a valid DNS name with
/// at least two labels and an alphabetic top-level domain. At most 254 bytes in all.
pub fn is_email(value: &str) -> bool {
    if value.len() > 254 {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && crate::text::find_str(local, "..").is_none()
        && local
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&byte));
    local_ok && is_domain(domain) && domain.contains('.')
}

/// Whether `value` is a DNS host name of at least two labels, such as `lacsq.org` or
/// `Education.Gouv.QC.ca.` (any case, one trailing dot allowed).
///
/// Labels are 1 to 63 ASCII letters, digits or hyphens, not starting or ending with a
/// hyphen; the last label (top-level domain) is alphabetic, or a punycode `xn--` label.
/// At most 253 characters. Internationalized names must be written in punycode.
pub fn is_domain(value: &str) -> bool {
    let value = value.strip_suffix('.').unwrap_or(value);
    if value.is_empty() || value.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last = "";
    for label in value.split('.') {
        let bytes = label.as_bytes();
        if bytes.is_empty()
            || bytes.len() > 63
            || bytes[0] == b'-'
            || bytes[bytes.len() - 1] == b'-'
            || !bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    let tld_ok = (last.len() >= 2 && last.bytes().all(|b| b.is_ascii_alphabetic()))
        || (last.len() > 4 && last[..4].eq_ignore_ascii_case("xn--"));
    labels >= 2 && tld_ok
}

/// The number of characters (Unicode scalar values) of `value`.
pub fn char_len(value: &str) -> usize {
    value.chars().count()
}

/// Whether `value` has control characters other than tab, line feed and carriage return.
pub fn has_control_chars(value: &str) -> bool {
    value
        .chars()
        .any(|ch| ch.is_control() && !matches!(ch, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_v4_sets_version_and_variant() {
        let id = uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    use super::*;

    #[test]
    fn sha256() {
        let good = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(is_sha256_hex(good));
        for bad in [
            "",
            &good[..63],
            &format!("{good}0"),
            &good.to_uppercase(),
            &good.replace('e', "g"),
            &format!(" {}", &good[1..]),
        ] {
            assert!(!is_sha256_hex(bad), "{bad:?}");
        }
    }

    #[test]
    fn uuid() {
        for good in [
            "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7a",
            "0B5C8A52-9F0E-4C4E-8F0A-3D2B1C0E9F7A",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(is_uuid(good), "{good}");
        }
        for bad in [
            "",
            "0b5c8a529f0e4c4e8f0a3d2b1c0e9f7a",
            "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7",
            "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7ag",
            "{0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7}",
            "0b5c8a52_9f0e-4c4e-8f0a-3d2b1c0e9f7a",
            "zb5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7a",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-07-01"));
        assert!(is_date("2024-02-29"));
        assert!(is_date("2000-02-29"));
        for bad in [
            "1900-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-4-01",
            "26-04-01",
            "2026/04/01",
            "2026-04-00",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
        assert_eq!(parse_date("2027-06-30"), Some((2027, 6, 30)));
    }

    #[test]
    fn rfc3339_utc() {
        for good in [
            "2026-11-28T03:58:00Z",
            "2026-11-28T03:58:00.123Z",
            "2026-11-28T03:58:00.123456789Z",
            "2026-11-28t03:58:00z",
            "2026-11-28T23:59:60Z",
            "2026-11-28T03:58:00+00:00",
            "2024-02-29T00:00:00Z",
        ] {
            assert!(is_rfc3339_utc(good), "{good}");
        }
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T03:58:00",
            "2026-11-28 03:58:00Z",
            "2026-11-28T03:58Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T03:60:00Z",
            "2026-11-28T03:58:61Z",
            "2026-11-28T03:58:00.Z",
            "2026-11-28T03:58:00.1234567890Z",
            "2026-11-28T03:58:00-05:00",
            "2026-11-28T03:58:00+01:00",
            "2026-02-30T03:58:00Z",
            "2026-11-28T03:58:00ZZ",
            "2026-11-28T3:58:00Z",
            "2026-11-2é:00:00:00Z",
            "2026-11-28T03:58:0é",
        ] {
            assert!(!is_rfc3339_utc(bad), "{bad}");
        }
    }

    #[test]
    fn http_urls() {
        for good in [
            "https://www.facebook.com/groups/123?x=1#top",
            "http://localhost:7878/",
            "HTTPS://Example.COM",
            "https://[::1]:8080/a",
            "https://user@host.example/path",
            "https://xn--lpresse-7fg.ca/",
            "https://école.ca/",
        ] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in [
            "",
            "ftp://example.com/",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://exa mple.com/",
            "https://example.com/a b",
            "https://example.com:abc/",
            "https://example.com:123456/",
            "data:text/html,hi",
            "//example.com/",
            "https://ex\u{7}ample.com/",
            "https://[::1/",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn emails() {
        for good in [
            "gestionnaire@sec-csq.example",
            "marie.tremblay+balise@lacsq.org",
            "A_B@Sub.Domain.CA",
            "o'neil@example.com",
        ] {
            assert!(is_email(good), "{good}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b.".repeat(130));
        for bad in [
            "",
            "plainaddress",
            "@example.com",
            "a@",
            "a@localhost",
            "a@example",
            "a@-example.com",
            "a..b@example.com",
            ".a@example.com",
            "a.@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@example.c0m",
            "é@example.com",
            &long_local,
            &long_total,
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn domains() {
        for good in [
            "lacsq.org",
            "fse.lacsq.org",
            "Education.Gouv.QC.ca.",
            "t.co",
            "fake-news.example",
            "xn--lpresse-7fg.ca",
            "a.xn--p1ai",
        ] {
            assert!(is_domain(good), "{good}");
        }
        for bad in [
            "",
            "org",
            "lacsq..org",
            "-lacsq.org",
            "lacsq-.org",
            "https://lacsq.org",
            "lacsq.org/nouvelles",
            "lac sq.org",
            "lacsq.o",
            "lacsq.123",
            "école.ca",
            "*.lacsq.org",
            ".lacsq.org",
            "lacsq.org..",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }

    #[test]
    fn text_helpers() {
        assert_eq!(char_len("élève 🎉"), 7);
        assert!(has_control_chars("a\u{0}b"));
        assert!(!has_control_chars("a\tb\r\nc"));
    }

    #[test]
    fn validators_never_panic_on_odd_input() {
        let pieces = [
            "2026-11-28",
            "T",
            "03:58:00",
            "Z",
            "é",
            "🎉",
            "-",
            ":",
            "@",
            ".",
            "https://",
            "[",
            "]",
            "a",
            "0",
            "f",
            "\u{0}",
            " ",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value: String = (0..(state % 8))
                .map(|index| pieces[((state >> (index * 5)) % pieces.len() as u64) as usize])
                .collect();
            let _ = (
                is_sha256_hex(&value),
                is_uuid(&value),
                is_date(&value),
                is_rfc3339_utc(&value),
                is_http_url(&value),
                is_email(&value),
                is_domain(&value),
            );
        }
    }
}
