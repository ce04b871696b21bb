//! A realistic French post for benchmarks (Rust's and the extension's in the browser).

/// A post of about 5,000 characters as a union officer would write it: accents, emoji,
/// links (trusted, unknown, a shortener), phone numbers, an email and a postal code.
pub fn realistic_french_post() -> &'static str {
    include_str!("../benches/sample-post-fr.txt")
}
