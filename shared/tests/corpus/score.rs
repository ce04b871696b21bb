//! Scores the draft checks on the corpora of `shared/tests/corpus/`: precision and recall
//! per finding kind. Shared by `examples/checks.rs` (prints them) and `tests/checks.rs`
//! (asserts their bounds).
//!
//! A corpus file has one case a line: the expected findings, ` || `, then the text.
//! Expected findings are `kind:excerpt` separated by ` ; ` (kinds are the wire names:
//! `shortener`, `lookalikeDomain`, `phone`, `email`, `sin`, `postalCode`, `birthDate`), or
//! `-` for none.
//! Lines starting with `#` and blank lines are skipped. Only the kinds of [`KINDS`] are
//! scored; other findings (links, sources, mandate…) are ignored.

use std::collections::{BTreeMap, BTreeSet};

use balise_core::analysis::{Analyzer, Draft, FindingKind};
use balise_core::policy::Policy;

/// The kinds that are scored, by wire name.
pub const KINDS: &[&str] = &[
    "shortener",
    "lookalikeDomain",
    "phone",
    "email",
    "sin",
    "postalCode",
    "birthDate",
];

/// The corpora, by file name.
pub const CORPORA: &[(&str, &str)] = &[
    ("links.txt", include_str!("links.txt")),
    ("homographs.txt", include_str!("homographs.txt")),
    ("personal.txt", include_str!("personal.txt")),
];

/// Counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub true_positives: u32,
    pub false_positives: u32,
    pub false_negatives: u32,
}

impl Counts {
    /// Found and expected over found (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        let found = self.true_positives + self.false_positives;
        if found == 0 {
            1.0
        } else {
            f64::from(self.true_positives) / f64::from(found)
        }
    }

    /// Found and expected over expected (1 when nothing was expected).
    pub fn recall(&self) -> f64 {
        let expected = self.true_positives + self.false_negatives;
        if expected == 0 {
            1.0
        } else {
            f64::from(self.true_positives) / f64::from(expected)
        }
    }
}

/// The result of scoring one corpus.
#[derive(Debug, Clone, Default)]
pub struct Score {
    /// Number of cases (lines).
    pub cases: u32,
    /// Counts by kind (wire name).
    pub by_kind: BTreeMap<&'static str, Counts>,
    /// Every miss, for the person fixing it: (line, "missed"/"extra", kind, excerpt).
    pub mistakes: Vec<(usize, &'static str, String, String)>,
}

/// The wire name of a finding kind.
pub fn wire_name(kind: FindingKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The scored findings of `text`: (kind, excerpt), each once.
pub fn findings(analyzer: &Analyzer<'_>, text: &str) -> BTreeSet<(String, String)> {
    analyzer
        .analyze(&Draft::from_text(text))
        .findings
        .iter()
        .map(|finding| (wire_name(finding.kind), finding.excerpt.clone()))
        .filter(|(kind, _)| KINDS.contains(&kind.as_str()))
        .collect()
}

/// Parses one corpus line into (expected findings, text).
pub fn parse_line(line: &str) -> Option<(BTreeSet<(String, String)>, &str)> {
    let (expected, text) = line.split_once(" || ")?;
    let expected = expected.trim();
    let set = if expected == "-" {
        BTreeSet::new()
    } else {
        expected
            .split(" ; ")
            .filter_map(|item| item.split_once(':'))
            .map(|(kind, excerpt)| (kind.trim().to_owned(), excerpt.to_owned()))
            .collect()
    };
    Some((set, text))
}

/// Adds the comparison of `expected` with `found` for one case to `score`.
pub fn add_case(
    score: &mut Score,
    line: usize,
    expected: &BTreeSet<(String, String)>,
    found: &BTreeSet<(String, String)>,
) {
    score.cases += 1;
    for &kind in KINDS {
        score.by_kind.entry(kind).or_default();
    }
    for item in expected.union(found) {
        let Some(&kind) = KINDS.iter().find(|k| **k == item.0) else {
            continue;
        };
        let counts = score.by_kind.entry(kind).or_default();
        match (expected.contains(item), found.contains(item)) {
            (true, true) => counts.true_positives += 1,
            (true, false) => {
                counts.false_negatives += 1;
                score
                    .mistakes
                    .push((line, "missed", item.0.clone(), item.1.clone()));
            }
            _ => {
                counts.false_positives += 1;
                score
                    .mistakes
                    .push((line, "extra", item.0.clone(), item.1.clone()));
            }
        }
    }
}

/// Scores one corpus file's text with the built-in policy.
pub fn score_corpus(source: &str) -> Score {
    let policy = Policy::sec_csq_default();
    let analyzer = Analyzer::new(&policy);
    let mut score = Score::default();
    for (index, line) in source.lines().enumerate() {
        let line_trimmed = line.trim();
        if line_trimmed.is_empty() || line_trimmed.starts_with('#') {
            continue;
        }
        let Some((expected, text)) = parse_line(line) else {
            panic!("line {}: no ` || ` between findings and text", index + 1);
        };
        let found = findings(&analyzer, text);
        add_case(&mut score, index + 1, &expected, &found);
    }
    score
}

/// The public shortener list as a corpus: every vendored domain in a sentence, once as a
/// full URL and once as a bare domain with a path, each expected as a shortener.
pub fn score_public_list() -> Score {
    let policy = Policy::sec_csq_default();
    let analyzer = Analyzer::new(&policy);
    let mut score = Score::default();
    for (index, domain) in balise_core::shorteners::builtin().iter().enumerate() {
        for link in [format!("https://{domain}/a8Kd2"), format!("{domain}/a8Kd2")] {
            let text = format!("Lisez ceci : {link}, puis partagez.");
            let expected = BTreeSet::from([("shortener".to_owned(), link)]);
            let found = findings(&analyzer, &text);
            add_case(&mut score, index + 1, &expected, &found);
        }
    }
    score
}
