//! Compiles the vendored URL-shortener list (`data/url-shorteners/list`) into the compact
//! form `shorteners.rs` reads: the domains grouped by their last label, one group a line,
//! `suffix:name,name,…` (suffixes and names sorted), without the upstream comment lines,
//! which are about a sixth smaller once gzipped than the list itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let list = "data/url-shorteners/list";
    println!("cargo::rerun-if-changed={list}");
    let text = std::fs::read_to_string(list).expect("reading data/url-shorteners/list");
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, suffix) = line
            .rsplit_once('.')
            .expect("each shortener domain has at least two labels");
        assert!(
            !suffix.contains([':', ',']) && !name.contains([':', ',']),
            "{line}"
        );
        groups.entry(suffix).or_default().push(name);
    }
    let mut out = String::new();
    for (suffix, mut names) in groups {
        names.sort_unstable();
        names.dedup();
        out.push_str(suffix);
        out.push(':');
        out.push_str(&names.join(","));
        out.push('\n');
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR set by cargo"));
    std::fs::write(out_dir.join("shorteners.txt"), out).expect("writing shorteners.txt");
}
