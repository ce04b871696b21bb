//! Compiles the vendored URL-shortener list (`data/url-shorteners/list`) into the compact
//! form `shorteners.rs` reads: each domain with its labels reversed (`goo.gl` → `gl.goo`),
//! sorted, front-coded (an uppercase letter, `A` for 0, says how many bytes an entry shares
//! with the previous one, the rest follows), without the upstream comment lines. Once
//! gzipped that is about 4.9 KB, against 6.4 KB for the list itself and 5.2 KB for the
//! former layout (`suffix:name,name,…` a line).
//!
//! Also writes `lowercase.rs`, the compact lowercase tables `text::lower` reads, generated
//! from this toolchain's own `char::to_lowercase` and `str::to_lowercase` (the same Unicode
//! version as the wasm's `std`): std's table of single mappings (about 11.5 KB in the wasm)
//! as runs, the two properties the final-sigma rule reads as gaps and lengths, and the
//! characters where `char::is_uppercase` differs from "lowercasing changes it" (which lets
//! `text::lower::is_uppercase` do without std's uppercase table).

use std::path::PathBuf;

fn main() {
    let list = "data/url-shorteners/list";
    println!("cargo::rerun-if-changed={list}");
    let text = std::fs::read_to_string(list).expect("reading data/url-shorteners/list");
    let mut reversed: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        assert!(
            line.contains('.')
                && line.split('.').all(|label| !label.is_empty())
                && line
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)),
            "{line}"
        );
        reversed.push(line.rsplit('.').collect::<Vec<_>>().join("."));
    }
    reversed.sort_unstable();
    reversed.dedup();
    let mut out = String::new();
    let mut previous = "";
    for domain in &reversed {
        let shared = previous
            .bytes()
            .zip(domain.bytes())
            .take(MAX_SHARED)
            .take_while(|(a, b)| a == b)
            .count();
        out.push(char::from(b'A' + shared as u8));
        out.push_str(&domain[shared..]);
        previous = domain;
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR set by cargo"));
    std::fs::write(out_dir.join("shorteners.txt"), out).expect("writing shorteners.txt");
    std::fs::write(out_dir.join("lowercase.rs"), lowercase_tables()).expect("writing lowercase.rs");
}

/// The longest prefix a shortener entry shares with the previous one (its letter, `A` to
/// `J`): longer ones compress worse once gzipped (measured: 4,886 bytes for the list at 9,
/// 4,950 at 15 or more).
const MAX_SHARED: usize = 9;

/// The lowercase tables as Rust source: see `text::lower`.
fn lowercase_tables() -> String {
    let chars = || (0..=0x10_ffff_u32).filter_map(char::from_u32);
    // Single-character mappings as runs: `len` characters from `start`, `stride` apart,
    // each mapped to itself plus `delta`.
    let mut runs: Vec<(u32, u32, u32, i64)> = Vec::new();
    let mut multi = Vec::new();
    for ch in chars() {
        let mut lower = ch.to_lowercase();
        let (Some(first), second) = (lower.next(), lower.next()) else {
            panic!("{ch:?} has no lowercase");
        };
        if let Some(second) = second {
            assert!(
                lower.next().is_none(),
                "{ch:?} lowercases to three characters"
            );
            multi.push((ch as u32, first as u32, second as u32));
            continue;
        }
        if first == ch {
            continue;
        }
        let (code, delta) = (ch as u32, i64::from(first as u32) - i64::from(ch as u32));
        if let Some(run) = runs.last_mut()
            && run.3 == delta
        {
            if run.1 == 1 && (code - run.0 == 1 || code - run.0 == 2) {
                run.2 = code - run.0;
                run.1 = 2;
                continue;
            }
            if run.1 > 1 && code == run.0 + run.1 * run.2 {
                run.1 += 1;
                continue;
            }
        }
        runs.push((code, 1, 1, delta));
    }
    // The final-sigma rule's properties, as `str::to_lowercase` uses them: a character is
    // skipped when Case_Ignorable, else the word goes on when Cased. Read back from
    // `str::to_lowercase` itself: `1cΣ` ends in ς when `c` is Cased and not ignorable,
    // `AcΣ` when `c` is either.
    let mut ignorable = Vec::new();
    let mut cased = Vec::new();
    let mut probe = String::new();
    for ch in chars() {
        let mut final_after = |before: char| {
            probe.clear();
            probe.push(before);
            probe.push(ch);
            probe.push('Σ');
            probe.to_lowercase().ends_with('ς')
        };
        let after_digit = final_after('1');
        let after_letter = final_after('A');
        if after_letter && !after_digit {
            ignorable.push(ch as u32);
        }
        if after_digit {
            cased.push(ch as u32);
        }
    }
    // Where `char::is_uppercase` is not "lowercasing changes it": titlecase letters (`ǅ`),
    // and capitals without a lowercase (`ϒ`, `ℂ`, mathematical and enclosed letters).
    let uppercase_flips: Vec<u32> = chars()
        .filter(|&ch| ch.is_uppercase() != ch.to_lowercase().ne([ch]))
        .map(|ch| ch as u32)
        .collect();
    let mut out = String::from("// Generated by build.rs from this toolchain's `to_lowercase`.\n");
    out.push_str("/// Runs of single mappings: `start | len << 21`, by start.\n");
    out.push_str(&format!("static LOWER_RUNS: [u32; {}] = [", runs.len()));
    for &(start, len, _, _) in &runs {
        assert!(start < 1 << 21 && len < 1 << 11);
        out.push_str(&format!("{},", start | len << 21));
    }
    out.push_str("];\n/// Each run's `delta << 1 | (stride - 1)`.\n");
    out.push_str(&format!("static LOWER_DELTAS: [i32; {}] = [", runs.len()));
    for &(_, _, stride, delta) in &runs {
        assert!(stride == 1 || stride == 2);
        let word = i32::try_from(delta * 2 + i64::from(stride - 1)).expect("small delta");
        out.push_str(&format!("{word},"));
    }
    out.push_str("];\n/// Characters that lowercase to two: (character, first, second).\n");
    out.push_str(&format!(
        "static LOWER_TWO: [(u32, u32, u32); {}] = {multi:?};\n",
        multi.len()
    ));
    for (name, set) in [
        ("CASE_IGNORABLE", &ignorable),
        ("CASED", &cased),
        ("UPPERCASE_FLIPS", &uppercase_flips),
    ] {
        out.push_str(&format!(
            "/// `{name}` as ranges, each its gap from the previous range's end and its length \
             minus one, as LEB128.\nstatic {name}: [u8; "
        ));
        let bytes = ranges_leb128(set);
        out.push_str(&format!("{}] = {bytes:?};\n", bytes.len()));
    }
    out
}

/// Sorted code points as ranges: gap from the previous range's end (exclusive), then
/// length minus one, both LEB128.
fn ranges_leb128(set: &[u32]) -> Vec<u8> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for &code in set {
        match ranges.last_mut() {
            Some(range) if range.1 + 1 == code => range.1 = code,
            _ => ranges.push((code, code)),
        }
    }
    let mut out = Vec::new();
    let mut end = 0;
    for (start, last) in ranges {
        for mut value in [start - end, last - start] {
            loop {
                let byte = (value & 0x7f) as u8;
                value >>= 7;
                if value == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        end = last + 1;
    }
    out
}
