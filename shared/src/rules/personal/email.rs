//! Email addresses: `local@domain.tld`, with a dotted domain and an alphabetic top-level domain.

use super::Found;
use crate::analysis::FindingKind;
use crate::text::char_before;

/// Email addresses: `local@domain.tld`.
pub(super) fn emails(text: &str, found: &mut Found) {
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

#[cfg(test)]
mod tests {
    use super::super::tests::only;
    use crate::analysis::FindingKind;

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
}
