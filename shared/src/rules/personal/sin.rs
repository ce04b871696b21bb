//! Canadian social insurance numbers: nine digits, contiguous or 3-3-3, passing the Luhn check.

use super::{digits_at, number_ends, separator};

/// The end of a SIN starting at `start`: nine digits, contiguous or 3-3-3 with the same
/// separator, passing the Luhn check.
pub(super) fn sin_at(text: &str, start: usize) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{only, scan};
    use super::luhn;
    use crate::analysis::{FindingKind, Severity};
    use crate::rules::personal::message;

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
}
