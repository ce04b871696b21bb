//! `cargo xtask shorteners --from FILE`: rewrites the vendored list of URL shorteners from a
//! downloaded copy of PeterDaveHello/url-shorteners' `list` (normalized, deduplicated, sorted).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use balise_core::validate::is_domain;

/// Where the vendored list lives, from the workspace root.
const VENDORED: &str = "shared/data/url-shorteners/list";

/// Reads `--from FILE`, normalizes it and writes the vendored list.
pub fn shorteners(root: &Path, args: &[String]) -> Result<()> {
    let from = match args {
        [flag, file] if flag == "--from" => file,
        _ => bail!(
            "usage: cargo xtask shorteners --from FILE\n\
             (FILE: https://raw.githubusercontent.com/PeterDaveHello/url-shorteners/master/list, \
             downloaded first)"
        ),
    };
    let source = std::fs::read_to_string(from).with_context(|| format!("reading {from}"))?;
    let (list, skipped) = normalize(&source);
    let count = list.lines().filter(|line| !line.starts_with('#')).count();
    if count < 100 {
        bail!("{from} has only {count} domains: is it the right file?");
    }
    let target = root.join(VENDORED);
    std::fs::write(&target, list).with_context(|| format!("writing {}", target.display()))?;
    for line in &skipped {
        println!("skipped (not a domain): {line}");
    }
    println!(
        "{} domains written to {VENDORED}; update the commit and date in \
         shared/data/url-shorteners/ATTRIBUTION.md",
        count
    );
    Ok(())
}

/// The vendored form of a downloaded list: its leading comment block (the upstream
/// attribution) kept as is, a line saying how the file is made, then every domain once,
/// lowercase, without a trailing dot, sorted. Also returns the lines that are not domains.
fn normalize(source: &str) -> (String, Vec<String>) {
    let mut header = String::new();
    let mut in_header = true;
    let mut domains = BTreeSet::new();
    let mut skipped = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            if in_header {
                header.push_str(trimmed);
                header.push('\n');
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        in_header = false;
        let domain = trimmed
            .strip_suffix('.')
            .unwrap_or(trimmed)
            .to_ascii_lowercase();
        if is_domain(&domain) {
            domains.insert(domain);
        } else {
            skipped.push(trimmed.to_owned());
        }
    }
    let mut out = header;
    out.push_str(
        "#\n# Vendored by Balise: normalized with `cargo xtask shorteners --from FILE`\n\
         # (lowercase, deduplicated, sorted). See ATTRIBUTION.md and LICENSE beside this file.\n",
    );
    for domain in domains {
        out.push_str(&domain);
        out.push('\n');
    }
    (out, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_deduplicates_and_sorts() {
        let (out, skipped) =
            normalize("# Header\n# line 2\n\nT.co\nbit.ly.\nt.co\n# late\nnot a domain\naka.ms\n");
        assert_eq!(
            out,
            "# Header\n# line 2\n#\n# Vendored by Balise: normalized with `cargo xtask shorteners --from FILE`\n\
             # (lowercase, deduplicated, sorted). See ATTRIBUTION.md and LICENSE beside this file.\n\
             aka.ms\nbit.ly\nt.co\n"
        );
        assert_eq!(skipped, vec!["not a domain".to_owned()]);
    }
}
