//! The North American area codes a phone number written as ten bare digits may start with:
//! the geographic codes in service, vendored from libphonenumber in
//! `data/nanp-area-codes/` (refreshed by `cargo xtask area-codes`), and the toll-free codes.
//!
//! The list is turned into a table at compile time, one bit a code: a malformed line fails
//! the build, and a lookup is one index.

/// The vendored list: `#` comment lines, then one three-digit code a line.
const LIST: &str = include_str!("../../../data/nanp-area-codes/list");

/// The toll-free codes, which the geographic list does not hold.
const TOLL_FREE: [u16; 7] = [800, 833, 844, 855, 866, 877, 888];

/// Bit `code % 8` of `TABLE[code / 8]` says whether `code` is in service (a bit set: the
/// 1,000 `bool`s it replaces were 1,000 bytes in the wasm, and about twice its size gzipped).
static TABLE: [u8; 125] = table(LIST, &TOLL_FREE);

/// Whether `code` (for example 418) is an area code in service or a toll-free code.
pub(super) fn in_service(code: u16) -> bool {
    let code = usize::from(code);
    TABLE
        .get(code / 8)
        .is_some_and(|bits| bits >> (code % 8) & 1 == 1)
}

/// The table of `list` and `extra`; panics (at compile time) on a line that is not a
/// comment or three digits starting with 2 to 9.
const fn table(list: &str, extra: &[u16]) -> [u8; 125] {
    let bytes = list.as_bytes();
    let mut table = [0u8; 125];
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'#' {
            while index < bytes.len() && bytes[index] != b'\n' {
                index += 1;
            }
        } else {
            assert!(index + 3 < bytes.len(), "area code list: truncated line");
            let (a, b, c) = (bytes[index], bytes[index + 1], bytes[index + 2]);
            assert!(
                a >= b'2' && a <= b'9' && b.is_ascii_digit() && c.is_ascii_digit(),
                "area code list: a line is not a code"
            );
            assert!(
                bytes[index + 3] == b'\n',
                "area code list: a line is too long"
            );
            let code = (a - b'0') as usize * 100 + (b - b'0') as usize * 10 + (c - b'0') as usize;
            table[code / 8] |= 1 << (code % 8);
            index += 3;
        }
        index += 1;
    }
    let mut extra_index = 0;
    while extra_index < extra.len() {
        let code = extra[extra_index] as usize;
        table[code / 8] |= 1 << (code % 8);
        extra_index += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quebec_us_and_toll_free_codes_are_in_service_and_reserved_ones_are_not() {
        for code in [263, 354, 367, 418, 438, 450, 468, 514, 579, 581, 819, 873] {
            assert!(in_service(code), "Quebec {code}");
        }
        for code in [212, 617, 305, 604, 416, 800, 888] {
            assert!(in_service(code), "{code}");
        }
        // Service codes (N11), reserved codes (37X, 96X, N9X), unassigned, out of range.
        for code in [211, 411, 911, 370, 960, 290, 999, 100, 0, 1000, 65535] {
            assert!(!in_service(code), "{code}");
        }
        let listed = LIST
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .count();
        let in_table = (0..1000).filter(|&code| in_service(code)).count();
        assert!(listed >= 400, "{listed}");
        assert_eq!(in_table, listed + TOLL_FREE.len());
    }

    #[test]
    fn every_code_is_in_service_as_the_list_says() {
        let codes: Vec<u16> = LIST
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| line.parse().expect("three digits"))
            .chain(TOLL_FREE)
            .collect();
        for code in 0..=u16::MAX {
            assert_eq!(in_service(code), codes.contains(&code), "{code}");
        }
    }

    #[test]
    fn the_table_reads_comments_codes_and_extras() {
        let table = table("# header\n# more\n418\n212\n", &[800]);
        let codes: Vec<usize> = (0..1000)
            .filter(|&code| table[code / 8] >> (code % 8) & 1 == 1)
            .collect();
        assert_eq!(codes, [212, 418, 800]);
    }
}
