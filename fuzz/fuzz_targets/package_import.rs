//! The evidence package import: a `.zip` package or the `.eml` it came attached to, found
//! and verified as the manager's companion does before storing anything.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(package) = balise_core::import::package_from_file(data) {
        // Verified means the screenshot is the one the report names.
        let actual = balise_core::digest::sha256_hex(&package.screenshot);
        assert!(actual.eq_ignore_ascii_case(&package.report.screenshot_sha256));
    }
});
