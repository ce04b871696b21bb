//! Balise's pure logic, shared by the browser extension (as wasm) and the companion server.
//!
//! Nothing in this crate performs I/O: it turns inputs (a policy document, a draft's
//! text, a report's JSON) into outputs, so plain `cargo test` covers all of it.
//!
//! - [`policy`]: the policy as data (TOML or JSON), validated with line numbers; the
//!   built-in SEC-CSQ policy.
//! - [`analysis`] and [`rules`]: checking a draft, with findings located by UTF-16 spans.
//! - [`report`]: strict wire types for reports and attestations; [`validate`]: the format
//!   checks they use.
//! - [`companion_page`]: which page is a companion's pairing page.
//! - [`rate_limit`]: a sliding-window limit (attestations a page can cause).
//! - [`digest`]: SHA-256 as hex; [`evidence`]: the evidence log's entries and their hash;
//!   `package` (feature `package`): one report as a ZIP anyone can check with `sha256sum -c`.
//! - [`shorteners`]: the built-in URL shortener list (vendored public data, CC-BY-SA-4.0).
//! - [`sites`]: how to find compose boxes and publish controls on each social network.
//! - [`compose`]: what the content script decides about a compose box without the page
//!   (visible text, closest control, publish hold, repeated publish events).
//! - [`text`], [`i18n`]: UTF-16 offsets, accent folding; French and English strings.
//!
//! The `toml` feature (on by default) reads policies from TOML; the extension turns it off
//! and receives policies as JSON.

pub mod analysis;
pub mod checklist;
pub mod companion_page;
pub mod compose;
pub mod digest;
pub mod evidence;
pub mod i18n;
#[cfg(feature = "package")]
pub mod import;
#[cfg(feature = "package")]
pub mod package;
pub mod placement;
pub mod policy;
pub mod rate_limit;
pub mod report;
pub mod rules;
#[doc(hidden)]
pub mod sample;
pub mod shorteners;
pub mod sites;
pub mod text;
pub mod validate;

pub use analysis::{
    Analysis, Analyzer, Draft, DraftLink, Finding, FindingKind, ItemState, ItemStateKind, Severity,
    analyze,
};
pub use i18n::{Lang, Localized};
pub use policy::{
    Check, ChecklistItem, ManagerAppointment, Organization, Placement, Policy, PolicyError,
    PolicyErrorKind, RuleId, SEC_CSQ_DEFAULT_TOML, SignatureRule, Sources,
};
pub use report::{
    AttestationV1, AttestedFinding, AttestedItem, ReportAnnotation, ReportCategory, ReportV1,
    Reporter, ValidationError, Viewport,
};
pub use sites::{EditorKind, Shortcut, SiteAdapter, adapter_for_host};
pub use text::Span;
