//! Strict, versioned wire types between the extension and the companion: reports of
//! problematic content and attestations of a checked publication.
//!
//! Every type refuses unknown fields and uses camelCase names in JSON. A new shape gets a new
//! type (`ReportV2`, …) instead of changing these. `validate()` checks what serde cannot:
//! formats, lengths (in characters, that is Unicode scalar values) and consistency.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analysis::{Finding, FindingKind, ItemState, ItemStateKind, Severity};
use crate::i18n::Localized;
use crate::policy::is_item_id;
use crate::validate::{
    char_len, has_control_chars, is_email, is_http_url, is_rfc3339_utc, is_sha256_hex, is_uuid,
};

/// Longest page URL accepted, in characters.
pub const MAX_PAGE_URL_LEN: usize = 4096;
/// Longest page title, in characters.
pub const MAX_PAGE_TITLE_LEN: usize = 1000;
/// Longest reporter name, in characters.
pub const MAX_REPORTER_NAME_LEN: usize = 200;
/// Longest email address, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest note, in characters.
pub const MAX_NOTE_LEN: usize = 5000;
/// Longest selected text, in characters.
pub const MAX_SELECTED_TEXT_LEN: usize = 10_000;
/// Longest site name (adapter id or host), in characters.
pub const MAX_SITE_LEN: usize = 253;
/// Longest browser description (user agent brand and version), in characters.
pub const MAX_BROWSER_LEN: usize = 512;
/// Longest extension version, in characters.
pub const MAX_EXTENSION_VERSION_LEN: usize = 64;
/// Largest viewport side accepted, in CSS pixels.
pub const MAX_VIEWPORT_SIDE: u32 = 100_000;
/// Longest reason for publishing despite unresolved items, in characters.
pub const MAX_OVERRIDE_REASON_LEN: usize = 2000;
/// Most checklist items in an attestation.
pub const MAX_ATTESTED_ITEMS: usize = 200;
/// Most findings in an attestation.
pub const MAX_ATTESTED_FINDINGS: usize = 1000;
/// Longest finding excerpt in an attestation, in characters.
pub const MAX_EXCERPT_LEN: usize = 1000;

/// What is wrong with a wire value: the field (JSON name, with a path for nested values)
/// and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field, e.g. `pageUrl`, `reporter.email`, `checklist[2].id`.
    pub field: String,
    /// The problem, in English.
    pub problem: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for ValidationError {}

/// Collects validation problems in field order.
#[derive(Debug, Default)]
struct Checker {
    errors: Vec<ValidationError>,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.errors.push(ValidationError {
            field: field.into(),
            problem: problem.into(),
        });
    }

    fn check(&mut self, ok: bool, field: &str, problem: &str) {
        if !ok {
            self.fail(field, problem);
        }
    }

    /// A single-line text: at most `max` characters, no control characters, and not blank
    /// unless `may_be_blank`.
    fn line(&mut self, field: &str, value: &str, max: usize, may_be_blank: bool) {
        if !may_be_blank && value.trim().is_empty() {
            self.fail(field, "must not be empty");
        } else if char_len(value) > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if value.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters or line breaks");
        }
    }

    /// A multi-line text: at most `max` characters, no control characters but tab and line
    /// breaks, not blank.
    fn paragraph(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty when present (omit it instead)");
        } else if char_len(value) > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if has_control_chars(value) {
            self.fail(field, "must not contain control characters");
        }
    }

    fn uuid(&mut self, field: &str, value: &str) {
        self.check(
            is_uuid(value),
            field,
            "must be a UUID (8-4-4-4-12 hexadecimal digits)",
        );
    }

    fn timestamp(&mut self, field: &str, value: &str) {
        self.check(
            is_rfc3339_utc(value),
            field,
            "must be an RFC 3339 UTC timestamp such as 2026-11-28T14:05:09.123Z",
        );
    }

    fn page_url(&mut self, field: &str, value: &str) {
        if char_len(value) > MAX_PAGE_URL_LEN {
            self.fail(
                field,
                format!("must be at most {MAX_PAGE_URL_LEN} characters"),
            );
        } else {
            self.check(is_http_url(value), field, "must be an http or https URL");
        }
    }

    fn sha256(&mut self, field: &str, value: &str) {
        self.check(
            is_sha256_hex(value),
            field,
            "must be a SHA-256 digest in lowercase hexadecimal (64 characters)",
        );
    }

    fn finish(self) -> Result<(), ValidationError> {
        match self.errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Why a person reports a post or comment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportCategory {
    /// Negative remarks about the union (the policy's screenshot-to-the-manager case).
    NegativeRemark,
    /// Harassment or a personal attack.
    Harassment,
    /// False or misleading information.
    Misinformation,
    /// Personal information exposed.
    PrivacyBreach,
    /// Anything else.
    Other,
}

impl ReportCategory {
    /// Every category, in the order a form shows them.
    pub const ALL: [ReportCategory; 5] = [
        ReportCategory::NegativeRemark,
        ReportCategory::Harassment,
        ReportCategory::Misinformation,
        ReportCategory::PrivacyBreach,
        ReportCategory::Other,
    ];

    /// The wire name, e.g. `"negative-remark"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportCategory::NegativeRemark => "negative-remark",
            ReportCategory::Harassment => "harassment",
            ReportCategory::Misinformation => "misinformation",
            ReportCategory::PrivacyBreach => "privacy-breach",
            ReportCategory::Other => "other",
        }
    }

    /// The name a person sees.
    pub fn label(self) -> Localized {
        let (fr, en) = match self {
            ReportCategory::NegativeRemark => (
                "Propos négatifs envers le syndicat",
                "Negative remarks about the union",
            ),
            ReportCategory::Harassment => (
                "Harcèlement ou attaque personnelle",
                "Harassment or personal attack",
            ),
            ReportCategory::Misinformation => (
                "Information fausse ou trompeuse",
                "False or misleading information",
            ),
            ReportCategory::PrivacyBreach => ("Atteinte à la vie privée", "Privacy breach"),
            ReportCategory::Other => ("Autre", "Other"),
        };
        Localized::new(fr, en)
    }
}

/// The person who reports.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reporter {
    /// Full name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// The size of the browser's viewport at capture, in CSS pixels.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Viewport {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A report of problematic content, with the SHA-256 of its screenshot (sent alongside).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReportV1 {
    /// Made by the extension at capture (UUID); also the idempotency key.
    pub id: String,
    /// When the screenshot was taken (RFC 3339, UTC).
    pub captured_at: String,
    /// The page's URL (http or https).
    pub page_url: String,
    /// The page's title (may be empty).
    pub page_title: String,
    /// Who reports.
    pub reporter: Reporter,
    /// Why, if the person said.
    pub category: Option<ReportCategory>,
    /// The person's note.
    pub note: Option<String>,
    /// SHA-256 of the exact screenshot bytes, lowercase hexadecimal.
    pub screenshot_sha256: String,
    /// Text the person had selected on the page.
    pub selected_text: Option<String>,
    /// The site adapter's id or the host (e.g. `facebook`).
    pub site: Option<String>,
    /// The viewport at capture.
    pub viewport: Option<Viewport>,
    /// Browser name and version.
    pub browser: Option<String>,
    /// Version of the extension that captured.
    pub extension_version: Option<String>,
}

impl ReportV1 {
    /// Checks every field's format and length; the error names the first bad field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut check = Checker::default();
        check.uuid("id", &self.id);
        check.timestamp("capturedAt", &self.captured_at);
        check.page_url("pageUrl", &self.page_url);
        check.line("pageTitle", &self.page_title, MAX_PAGE_TITLE_LEN, true);
        check.line(
            "reporter.name",
            &self.reporter.name,
            MAX_REPORTER_NAME_LEN,
            false,
        );
        if char_len(&self.reporter.email) > MAX_EMAIL_LEN {
            check.fail(
                "reporter.email",
                format!("must be at most {MAX_EMAIL_LEN} characters"),
            );
        } else {
            check.check(
                is_email(&self.reporter.email),
                "reporter.email",
                "must be an email address such as name@example.org",
            );
        }
        if let Some(note) = &self.note {
            check.paragraph("note", note, MAX_NOTE_LEN);
        }
        check.sha256("screenshotSha256", &self.screenshot_sha256);
        if let Some(selected) = &self.selected_text {
            check.paragraph("selectedText", selected, MAX_SELECTED_TEXT_LEN);
        }
        if let Some(site) = &self.site {
            check.line("site", site, MAX_SITE_LEN, false);
        }
        if let Some(viewport) = &self.viewport {
            for (field, value) in [
                ("viewport.width", viewport.width),
                ("viewport.height", viewport.height),
            ] {
                check.check(
                    (1..=MAX_VIEWPORT_SIDE).contains(&value),
                    field,
                    "must be between 1 and 100000 pixels",
                );
            }
        }
        if let Some(browser) = &self.browser {
            check.line("browser", browser, MAX_BROWSER_LEN, false);
        }
        if let Some(version) = &self.extension_version {
            check.line(
                "extensionVersion",
                version,
                MAX_EXTENSION_VERSION_LEN,
                false,
            );
        }
        check.finish()
    }
}

/// A category and/or note added to a report after it was sent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReportAnnotation {
    /// The category, if given now.
    pub category: Option<ReportCategory>,
    /// The note, if given now.
    pub note: Option<String>,
}

impl ReportAnnotation {
    /// Checks the note's length; an annotation must carry a category or a note.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut check = Checker::default();
        if self.category.is_none() && self.note.is_none() {
            check.fail("category", "an annotation needs a category or a note");
        }
        if let Some(note) = &self.note {
            check.paragraph("note", note, MAX_NOTE_LEN);
        }
        check.finish()
    }
}

/// One checklist item's state as attested.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestedItem {
    /// The item's id in the policy.
    pub id: String,
    /// Its state when the person published.
    pub state: ItemStateKind,
}

impl From<&ItemState> for AttestedItem {
    fn from(item: &ItemState) -> AttestedItem {
        AttestedItem {
            id: item.id.clone(),
            state: item.state,
        }
    }
}

/// One finding as attested, with personal information masked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestedFinding {
    /// The checklist item it belongs to.
    pub item_id: String,
    /// What was found.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// The matched text (masked for personal information, see [`mask_excerpt`]).
    pub excerpt: String,
}

impl From<&Finding> for AttestedFinding {
    /// Keeps the finding's excerpt, masked when it is personal information (an attestation
    /// is evidence kept by the union: it must not become a copy of someone's SIN), and cut
    /// to [`MAX_EXCERPT_LEN`] characters.
    fn from(finding: &Finding) -> AttestedFinding {
        let excerpt = if finding.kind.is_personal_info() {
            mask_excerpt(&finding.excerpt)
        } else {
            finding.excerpt.chars().take(MAX_EXCERPT_LEN).collect()
        };
        AttestedFinding {
            item_id: finding.item_id.clone(),
            kind: finding.kind,
            severity: finding.severity,
            excerpt,
        }
    }
}

/// `excerpt` with every letter and digit but the last two replaced by `•`, cut to
/// [`MAX_EXCERPT_LEN`] characters: `"046 454 286"` becomes `"••• ••• •86"`.
pub fn mask_excerpt(excerpt: &str) -> String {
    let alphanumerics = excerpt.chars().filter(|ch| ch.is_alphanumeric()).count();
    let mut seen = 0;
    excerpt
        .chars()
        .take(MAX_EXCERPT_LEN)
        .map(|ch| {
            if ch.is_alphanumeric() {
                seen += 1;
                if seen + 2 <= alphanumerics { '•' } else { ch }
            } else {
                ch
            }
        })
        .collect()
}

/// Where and when a publication happened, for [`AttestationV1::of_publication`].
#[derive(Debug, Clone, Copy)]
pub struct Publication<'a> {
    /// A new UUID.
    pub id: &'a str,
    /// RFC 3339, UTC.
    pub recorded_at: &'a str,
    /// The site adapter's id, or the host.
    pub site: &'a str,
    /// The page's URL.
    pub page_url: &'a str,
    /// SHA-256 of the draft's text (UTF-8), lowercase hexadecimal.
    pub text_sha256: &'a str,
    /// The policy's schema version.
    pub policy_version: Option<u32>,
}

/// A record that a person went through the checklist before publishing: what each item's
/// state was, what was found, and why they published anyway if something was unresolved.
/// The draft itself is not kept, only its SHA-256.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestationV1 {
    /// Made by the extension (UUID); also the idempotency key.
    pub id: String,
    /// When the person published (RFC 3339, UTC).
    pub recorded_at: String,
    /// The site adapter's id or the host (e.g. `facebook`).
    pub site: String,
    /// The page's URL (http or https).
    pub page_url: String,
    /// SHA-256 of the draft's text (UTF-8), lowercase hexadecimal.
    pub text_sha256: String,
    /// Every checklist item's state.
    pub checklist: Vec<AttestedItem>,
    /// What the analysis found.
    pub findings: Vec<AttestedFinding>,
    /// Why the person published with required items unresolved.
    pub override_reason: Option<String>,
    /// The policy's schema version.
    pub policy_version: Option<u32>,
}

impl AttestationV1 {
    /// The attestation of a publication: every item's state and the findings (personal
    /// information masked, at most [`MAX_ATTESTED_FINDINGS`]) of `analysis`, the draft
    /// known only by `text_sha256`, and the override reason cut to
    /// [`MAX_OVERRIDE_REASON_LEN`] characters (blank means none).
    pub fn of_publication(
        publication: Publication<'_>,
        analysis: &crate::analysis::Analysis,
        override_reason: Option<&str>,
    ) -> AttestationV1 {
        AttestationV1 {
            id: publication.id.to_owned(),
            recorded_at: publication.recorded_at.to_owned(),
            site: publication.site.chars().take(MAX_SITE_LEN).collect(),
            page_url: publication.page_url.to_owned(),
            text_sha256: publication.text_sha256.to_owned(),
            checklist: analysis.items.iter().map(AttestedItem::from).collect(),
            findings: analysis
                .findings
                .iter()
                .take(MAX_ATTESTED_FINDINGS)
                .map(AttestedFinding::from)
                .collect(),
            override_reason: override_reason
                .map(str::trim)
                .filter(|reason| !reason.is_empty())
                .map(|reason| reason.chars().take(MAX_OVERRIDE_REASON_LEN).collect()),
            policy_version: publication.policy_version,
        }
    }

    /// Checks formats, lengths, item ids (unique in the checklist, and every finding's item
    /// listed in it).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut check = Checker::default();
        check.uuid("id", &self.id);
        check.timestamp("recordedAt", &self.recorded_at);
        check.line("site", &self.site, MAX_SITE_LEN, false);
        check.page_url("pageUrl", &self.page_url);
        check.sha256("textSha256", &self.text_sha256);
        if self.checklist.len() > MAX_ATTESTED_ITEMS {
            check.fail(
                "checklist",
                format!("must have at most {MAX_ATTESTED_ITEMS} items"),
            );
        }
        let mut ids = HashSet::new();
        for (index, item) in self.checklist.iter().enumerate() {
            let field = format!("checklist[{index}].id");
            if !is_item_id(&item.id) {
                check.fail(field, "must be a kebab-case item id");
            } else if !ids.insert(item.id.as_str()) {
                check.fail(field, format!("duplicate item id `{}`", item.id));
            }
        }
        if self.findings.len() > MAX_ATTESTED_FINDINGS {
            check.fail(
                "findings",
                format!("must have at most {MAX_ATTESTED_FINDINGS} findings"),
            );
        }
        for (index, finding) in self.findings.iter().enumerate() {
            if !ids.contains(finding.item_id.as_str()) {
                check.fail(
                    format!("findings[{index}].itemId"),
                    format!("`{}` is not an item of the checklist", finding.item_id),
                );
            }
            let field = format!("findings[{index}].excerpt");
            if char_len(&finding.excerpt) > MAX_EXCERPT_LEN {
                check.fail(
                    field,
                    format!("must be at most {MAX_EXCERPT_LEN} characters"),
                );
            } else if has_control_chars(&finding.excerpt) {
                check.fail(field, "must not contain control characters");
            }
        }
        if let Some(reason) = &self.override_reason {
            check.paragraph("overrideReason", reason, MAX_OVERRIDE_REASON_LEN);
        }
        if self.policy_version == Some(0) {
            check.fail("policyVersion", "must be at least 1");
        }
        check.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn report() -> ReportV1 {
        ReportV1 {
            id: "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7a".into(),
            captured_at: "2026-11-28T14:05:09.123Z".into(),
            page_url: "https://www.facebook.com/groups/123/posts/456".into(),
            page_title: "Groupe des enseignantes et enseignants | Facebook".into(),
            reporter: Reporter {
                name: "Marie Tremblay".into(),
                email: "marie.tremblay@example.org".into(),
            },
            category: Some(ReportCategory::NegativeRemark),
            note: Some("Commentaire dénigrant le syndicat.\nVoir le 3e commentaire.".into()),
            screenshot_sha256: SHA.into(),
            selected_text: Some("Le syndicat ne fait rien 😡".into()),
            site: Some("facebook".into()),
            viewport: Some(Viewport {
                width: 1280,
                height: 800,
            }),
            browser: Some("Chromium 156".into()),
            extension_version: Some("0.1.0".into()),
        }
    }

    #[test]
    fn attestation_of_a_publication_is_valid_masks_personal_info_and_trims_the_reason() {
        let policy = crate::policy::Policy::sec_csq_default();
        let text = "Appelez Marie au 418 555-0199 : https://bit.ly/abc123";
        let analysis = crate::analysis::analyze(&policy, &crate::analysis::Draft::from_text(text));
        let publication = Publication {
            id: "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7c",
            recorded_at: "2026-11-28T14:05:09.123Z",
            site: "facebook",
            page_url: "https://www.facebook.com/groups/1",
            text_sha256: SHA,
            policy_version: Some(policy.version),
        };
        let attestation =
            AttestationV1::of_publication(publication, &analysis, Some("  Urgence  "));
        assert_eq!(attestation.validate(), Ok(()));
        assert_eq!(attestation.checklist.len(), policy.items.len());
        assert_eq!(attestation.override_reason.as_deref(), Some("Urgence"));
        let phone = attestation
            .findings
            .iter()
            .find(|finding| finding.kind == FindingKind::Phone)
            .expect("phone finding");
        assert_eq!(phone.excerpt, "••• •••-••99");
        assert!(
            !attestation
                .findings
                .iter()
                .any(|f| f.excerpt.contains("555"))
        );
        let blank = AttestationV1::of_publication(publication, &analysis, Some("   "));
        assert_eq!(blank.override_reason, None);
    }

    fn attestation() -> AttestationV1 {
        AttestationV1 {
            id: "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7b".into(),
            recorded_at: "2026-11-28T14:05:09Z".into(),
            site: "x".into(),
            page_url: "https://x.com/home".into(),
            text_sha256: SHA.into(),
            checklist: vec![
                AttestedItem {
                    id: "identification".into(),
                    state: ItemStateKind::Ok,
                },
                AttestedItem {
                    id: "vie-privee".into(),
                    state: ItemStateKind::Warn,
                },
            ],
            findings: vec![AttestedFinding {
                item_id: "vie-privee".into(),
                kind: FindingKind::Phone,
                severity: Severity::Warning,
                excerpt: "•••-•••-••34".into(),
            }],
            override_reason: Some("Numéro public du bureau syndical.".into()),
            policy_version: Some(1),
        }
    }

    fn field_of(result: Result<(), ValidationError>) -> String {
        result.err().map(|error| error.field).unwrap_or_default()
    }

    #[test]
    fn a_complete_report_is_valid_and_round_trips() {
        let report = report();
        report.validate().unwrap();
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"capturedAt\""));
        assert!(json.contains("\"screenshotSha256\""));
        assert!(json.contains("\"negative-remark\""));
        let back: ReportV1 = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn a_minimal_report_is_valid() {
        let json = format!(
            r#"{{"id":"0B5C8A52-9F0E-4C4E-8F0A-3D2B1C0E9F7A","capturedAt":"2026-11-28T14:05:09Z",
            "pageUrl":"http://example.org/","pageTitle":"","reporter":{{"name":"A","email":"a@b.ca"}},
            "screenshotSha256":"{SHA}"}}"#
        );
        let report: ReportV1 = serde_json::from_str(&json).unwrap();
        assert_eq!(report.category, None);
        report.validate().unwrap();
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut value = serde_json::to_value(report()).unwrap();
        value["extra"] = serde_json::Value::Bool(true);
        assert!(serde_json::from_value::<ReportV1>(value).is_err());
        let mut value = serde_json::to_value(report()).unwrap();
        value["reporter"]["phone"] = "418".into();
        assert!(serde_json::from_value::<ReportV1>(value).is_err());
        let mut value = serde_json::to_value(report()).unwrap();
        value["viewport"]["depth"] = 3.into();
        assert!(serde_json::from_value::<ReportV1>(value).is_err());
        let mut value = serde_json::to_value(report()).unwrap();
        value["category"] = "spam".into();
        assert!(serde_json::from_value::<ReportV1>(value).is_err());
        // snake_case names are not the wire names.
        let mut value = serde_json::to_value(report()).unwrap();
        let object = value.as_object_mut().unwrap();
        let captured = object.remove("capturedAt").unwrap();
        object.insert("captured_at".into(), captured);
        assert!(serde_json::from_value::<ReportV1>(value).is_err());
        assert!(
            serde_json::from_str::<ReportAnnotation>(r#"{"note":"x","category":null,"by":"me"}"#)
                .is_err()
        );
        let mut value = serde_json::to_value(attestation()).unwrap();
        value["findings"][0]["span"] = serde_json::json!({"start": 0, "end": 1});
        assert!(serde_json::from_value::<AttestationV1>(value).is_err());
    }

    #[test]
    fn each_report_field_is_validated() {
        type Edit = fn(&mut ReportV1);
        let cases: &[(Edit, &str)] = &[
            (|r| r.id = "not-a-uuid".into(), "id"),
            (
                |r| r.captured_at = "2026-11-28 14:05:09".into(),
                "capturedAt",
            ),
            (
                |r| r.captured_at = "2026-11-28T14:05:09-05:00".into(),
                "capturedAt",
            ),
            (|r| r.page_url = "javascript:alert(1)".into(), "pageUrl"),
            (|r| r.page_url = "file:///etc/passwd".into(), "pageUrl"),
            (
                |r| r.page_url = format!("https://example.org/{}", "a".repeat(4096)),
                "pageUrl",
            ),
            (|r| r.page_title = "t".repeat(1001), "pageTitle"),
            (|r| r.page_title = "a\nb".into(), "pageTitle"),
            (|r| r.reporter.name = "  ".into(), "reporter.name"),
            (|r| r.reporter.name = "n".repeat(201), "reporter.name"),
            (|r| r.reporter.email = "marie".into(), "reporter.email"),
            (
                |r| r.reporter.email = format!("{}@example.org", "a".repeat(250)),
                "reporter.email",
            ),
            (|r| r.note = Some("n".repeat(5001)), "note"),
            (|r| r.note = Some(" ".into()), "note"),
            (|r| r.note = Some("bell\u{7}".into()), "note"),
            (
                |r| r.screenshot_sha256 = SHA.to_uppercase(),
                "screenshotSha256",
            ),
            (|r| r.screenshot_sha256 = "abc".into(), "screenshotSha256"),
            (
                |r| r.selected_text = Some("s".repeat(10_001)),
                "selectedText",
            ),
            (|r| r.site = Some(String::new()), "site"),
            (
                |r| {
                    r.viewport = Some(Viewport {
                        width: 0,
                        height: 800,
                    })
                },
                "viewport.width",
            ),
            (
                |r| {
                    r.viewport = Some(Viewport {
                        width: 10,
                        height: 100_001,
                    })
                },
                "viewport.height",
            ),
            (|r| r.browser = Some("b".repeat(513)), "browser"),
            (
                |r| r.extension_version = Some("v\u{0}".into()),
                "extensionVersion",
            ),
        ];
        for (index, (edit, field)) in cases.iter().enumerate() {
            let mut report = report();
            edit(&mut report);
            assert_eq!(field_of(report.validate()), *field, "case {index}");
        }
        // Limits are inclusive and count characters, not bytes.
        let mut report = report();
        report.page_title = "é".repeat(MAX_PAGE_TITLE_LEN);
        report.note = Some("🎉".repeat(MAX_NOTE_LEN));
        report.validate().unwrap();
    }

    #[test]
    fn validation_errors_display_field_and_problem() {
        let mut report = report();
        report.page_url = "ftp://x".into();
        let error = report.validate().unwrap_err();
        assert_eq!(error.to_string(), "pageUrl: must be an http or https URL");
    }

    #[test]
    fn annotations() {
        let annotation: ReportAnnotation =
            serde_json::from_str(r#"{"category":"harassment"}"#).unwrap();
        annotation.validate().unwrap();
        let annotation: ReportAnnotation =
            serde_json::from_str(r#"{"note":"Vu aussi sur X."}"#).unwrap();
        annotation.validate().unwrap();
        assert_eq!(field_of(ReportAnnotation::default().validate()), "category");
        let long = ReportAnnotation {
            category: None,
            note: Some("x".repeat(5001)),
        };
        assert_eq!(field_of(long.validate()), "note");
    }

    #[test]
    fn categories() {
        for category in ReportCategory::ALL {
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(json, format!("\"{}\"", category.as_str()));
            assert!(!category.label().has_blank());
        }
    }

    #[test]
    fn attestations_validate_and_round_trip() {
        let original = attestation();
        original.validate().unwrap();
        let json = serde_json::to_string(&original).unwrap();
        assert!(json.contains(r#""itemId":"vie-privee""#));
        assert!(json.contains(r#""kind":"phone""#));
        assert!(json.contains(r#""severity":"warning""#));
        assert!(json.contains(r#""state":"warn""#));
        assert!(json.contains(r#""overrideReason""#));
        assert_eq!(
            serde_json::from_str::<AttestationV1>(&json).unwrap(),
            original
        );

        type Edit = fn(&mut AttestationV1);
        let cases: &[(Edit, &str)] = &[
            (|a| a.id = "x".into(), "id"),
            (|a| a.recorded_at = "yesterday".into(), "recordedAt"),
            (|a| a.site = String::new(), "site"),
            (|a| a.page_url = "chrome://settings".into(), "pageUrl"),
            (|a| a.text_sha256 = "0".repeat(63), "textSha256"),
            (
                |a| a.checklist[1].id = "Vie privée".into(),
                "checklist[1].id",
            ),
            (
                |a| a.checklist[1].id = "identification".into(),
                "checklist[1].id",
            ),
            (
                |a| a.findings[0].item_id = "ailleurs".into(),
                "findings[0].itemId",
            ),
            (
                |a| a.findings[0].excerpt = "e".repeat(1001),
                "findings[0].excerpt",
            ),
            (
                |a| a.override_reason = Some(String::new()),
                "overrideReason",
            ),
            (
                |a| a.override_reason = Some("r".repeat(2001)),
                "overrideReason",
            ),
            (|a| a.policy_version = Some(0), "policyVersion"),
            (
                |a| {
                    a.checklist = (0..=MAX_ATTESTED_ITEMS)
                        .map(|i| AttestedItem {
                            id: format!("item-{i}"),
                            state: ItemStateKind::Ok,
                        })
                        .collect();
                    a.findings.clear();
                },
                "checklist",
            ),
        ];
        for (index, (edit, field)) in cases.iter().enumerate() {
            let mut attestation = attestation();
            edit(&mut attestation);
            assert_eq!(field_of(attestation.validate()), *field, "case {index}");
        }
    }

    #[test]
    fn masking_keeps_only_the_last_two_characters() {
        assert_eq!(mask_excerpt("046 454 286"), "••• ••• •86");
        assert_eq!(mask_excerpt("marie@x.ca"), "•••••@•.ca");
        assert_eq!(mask_excerpt("G5A 1B2"), "••• •B2");
        assert_eq!(mask_excerpt("ab"), "ab");
        assert_eq!(mask_excerpt(""), "");
    }

    #[test]
    fn attested_findings_mask_personal_information_only() {
        let finding = |kind, excerpt: &str| Finding {
            item_id: "x".into(),
            rule: crate::policy::RuleId::PersonalInfo,
            kind,
            severity: Severity::Error,
            message: Localized::new("m", "m"),
            span: None,
            excerpt: excerpt.into(),
        };
        let sin = AttestedFinding::from(&finding(FindingKind::Sin, "046 454 286"));
        assert_eq!(sin.excerpt, "••• ••• •86");
        let link = AttestedFinding::from(&finding(FindingKind::Shortener, "bit.ly/abc"));
        assert_eq!(link.excerpt, "bit.ly/abc");
        let state = ItemState {
            id: "vie-privee".into(),
            state: ItemStateKind::Fail,
            required: true,
            manual: false,
            rule: None,
            finding_count: 1,
            confirmed: false,
        };
        assert_eq!(
            AttestedItem::from(&state),
            AttestedItem {
                id: "vie-privee".into(),
                state: ItemStateKind::Fail
            }
        );
    }
}
