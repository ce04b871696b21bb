//! `cargo xtask area-codes --from FILE`: rewrites the vendored list of North American area
//! codes in service from libphonenumber's `resources/geocoding/en/1.txt`.
//!
//! That file maps every geographic prefix of country code 1 (`1418|Quebec`,
//! `1418665|La Malbaie, QC`) to a place; the area codes in service are the three digits
//! after the `1` of its lines, each once.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Where the vendored list lives, from the workspace root.
const VENDORED: &str = "shared/data/nanp-area-codes/list";

/// Reads `--from FILE` and writes the vendored list.
pub fn area_codes(root: &Path, args: &[String]) -> Result<()> {
    let from = match args {
        [flag, file] if flag == "--from" => file,
        _ => bail!(
            "usage: cargo xtask area-codes --from FILE\n\
             (FILE: resources/geocoding/en/1.txt of a checkout of \
             https://github.com/google/libphonenumber)"
        ),
    };
    let source = std::fs::read_to_string(from).with_context(|| format!("reading {from}"))?;
    let codes = codes(&source);
    if codes.len() < 300 {
        bail!(
            "{from} has only {} area codes: is it libphonenumber's geocoding/en/1.txt?",
            codes.len()
        );
    }
    let target = root.join(VENDORED);
    std::fs::write(&target, render(&codes))
        .with_context(|| format!("writing {}", target.display()))?;
    println!(
        "{} area codes written to {VENDORED}; update the commit and date in \
         shared/data/nanp-area-codes/ATTRIBUTION.md",
        codes.len()
    );
    Ok(())
}

/// The area codes (`NXX`, N from 2 to 9) of the prefixes listed in `source`.
fn codes(source: &str) -> BTreeSet<u16> {
    source
        .lines()
        .filter_map(|line| line.trim().strip_prefix('1'))
        .filter_map(|rest| rest.get(..3))
        .filter(|code| code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with(['0', '1']))
        .filter_map(|code| code.parse().ok())
        .collect()
}

/// The vendored file: a header saying where it comes from, then one code a line.
fn render(codes: &BTreeSet<u16>) -> String {
    let mut out = String::from(
        "# North American area codes in service (geographic), from libphonenumber's\n\
         # resources/geocoding/en/1.txt (Apache-2.0; see ATTRIBUTION.md and LICENSE beside this\n\
         # file). Written by `cargo xtask area-codes --from FILE`: one code a line, sorted.\n",
    );
    for code in codes {
        out.push_str(&format!("{code}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_each_area_code_once_from_prefixes_of_any_length() {
        let source = "# Copyright\n\n1201|New Jersey\n1201200|Jersey City, NJ\n120320|Connecticut\n\
                      1418|Quebec\n44|not NANP\n1|short\n1012|invalid\n";
        let codes = codes(source);
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), [201, 203, 418]);
        assert_eq!(
            render(&[201, 418].into_iter().collect())
                .lines()
                .skip(3)
                .collect::<Vec<_>>(),
            ["201", "418"]
        );
    }
}
