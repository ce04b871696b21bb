//! The report wire format as the companion receives it: a report, an annotation or an
//! attestation, deserialized (strictly) and validated. What validates must read back equal
//! from its own JSON.
#![no_main]

use balise_core::report::{AttestationV1, ReportAnnotation, ReportV1};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = serde_json::from_slice::<ReportV1>(data)
        && report.validate().is_ok()
    {
        let json = serde_json::to_vec(&report).expect("a report serializes");
        let again: ReportV1 = serde_json::from_slice(&json).expect("a valid report reads back");
        assert_eq!(again, report);
    }
    if let Ok(annotation) = serde_json::from_slice::<ReportAnnotation>(data)
        && annotation.validate().is_ok()
    {
        let json = serde_json::to_vec(&annotation).expect("an annotation serializes");
        let again: ReportAnnotation =
            serde_json::from_slice(&json).expect("a valid annotation reads back");
        assert_eq!(again, annotation);
    }
    if let Ok(attestation) = serde_json::from_slice::<AttestationV1>(data)
        && attestation.validate().is_ok()
    {
        let json = serde_json::to_vec(&attestation).expect("an attestation serializes");
        let again: AttestationV1 =
            serde_json::from_slice(&json).expect("a valid attestation reads back");
        assert_eq!(again, attestation);
    }
});
