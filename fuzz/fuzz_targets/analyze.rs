//! Draft analysis on any draft: a `Draft` as the extension sends it (JSON, with editor links
//! and their spans), else the bytes as text. Findings' spans must lie inside the text.
#![no_main]

use std::sync::OnceLock;

use balise_core::analysis::{Analyzer, Draft};
use balise_core::policy::Policy;
use balise_core::text::utf16_len;
use libfuzzer_sys::fuzz_target;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::sec_csq_default)
}

fuzz_target!(|data: &[u8]| {
    let draft = serde_json::from_slice::<Draft>(data)
        .unwrap_or_else(|_| Draft::from_text(String::from_utf8_lossy(data)));
    let analysis = Analyzer::new(policy()).analyze(&draft);
    let length = utf16_len(&draft.text);
    for finding in &analysis.findings {
        if let Some(span) = finding.span {
            assert!(
                span.start <= span.end && span.end <= length,
                "finding {:?} has span {span:?} outside a text of {length} UTF-16 units",
                finding.kind
            );
        }
    }
    assert_eq!(analysis.items.len(), policy().items.len());
});
