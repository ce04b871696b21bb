//! Policy parsing from TOML (`policy.toml` in the companion's data directory). A policy that
//! parses must survive the JSON round trip the companion serves it by, and analyze a draft.
#![no_main]

use balise_core::analysis::{Analyzer, Draft};
use balise_core::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::from_toml(source) {
        let json = serde_json::to_string(&policy).expect("a policy serializes");
        let again = Policy::from_json(&json).expect("a valid policy's JSON reads back");
        assert_eq!(again, policy, "the JSON round trip changed the policy");
        let draft = Draft::from_text(balise_core::sample::realistic_french_post());
        let _ = Analyzer::new(&policy).analyze(&draft);
    }
});
