//! Checking a draft against a policy: findings with UTF-16 spans and the state of each
//! checklist item.
//!
//! [`analyze`] runs the automatic rules of the policy's items on a [`Draft`]. Manual items
//! stay [`ItemStateKind::Todo`] until the person ticks them ([`Analysis::with_confirmed`]).
//! An automatic item's state is the worst severity of its findings: an error fails it, a
//! warning warns, information only (or nothing) is fine. An empty draft leaves every item
//! to do and has no findings.
//!
//! `required_remaining` counts the required items that still stand in the way: to do,
//! failed, and, in strict mode, warned and not acknowledged (the `mandate` rule is only ever
//! a hint and never counts).

use serde::{Deserialize, Serialize};

use crate::i18n::Localized;
use crate::policy::{Policy, RuleId};
use crate::text::Span;

mod analyzer;
#[cfg(all(test, feature = "toml"))]
mod tests;

pub use analyzer::{AnalysisCache, Analyzer};

/// A draft as the extension reads it from a compose box.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Draft {
    /// The text, as `innerText` or `value` gives it.
    pub text: String,
    /// Links carried by a rich editor, with their displayed text.
    #[serde(default)]
    pub links: Vec<DraftLink>,
}

impl Draft {
    /// A draft of plain text, without editor links.
    pub fn from_text(text: impl Into<String>) -> Draft {
        Draft {
            text: text.into(),
            links: Vec::new(),
        }
    }
}

/// A link of a rich editor: where it leads and what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DraftLink {
    /// The link's target (`href`).
    pub href: String,
    /// The text it displays.
    #[serde(default)]
    pub text: String,
    /// Where the displayed text is in the draft's text (UTF-16), when the editor knows.
    #[serde(default)]
    pub span: Option<Span>,
}

/// How serious a finding is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information; nothing to fix.
    Info,
    /// Worth a look; does not fail the item.
    Warning,
    /// Breaks the policy; fails the item.
    Error,
}

/// What a rule found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    /// A link (listed for review).
    Link,
    /// A URL shortener hiding the link's target.
    Shortener,
    /// A link whose displayed text names another domain than its target.
    LinkTextMismatch,
    /// A domain imitating another (punycode, mixed scripts, near-copy of a trusted one).
    LookalikeDomain,
    /// A URL whose user-info part (`https://lacsq.org@evil.example/`) hides its real host.
    DeceptiveUrl,
    /// A link to a trusted source.
    TrustedSource,
    /// A link to a source flagged for misinformation.
    FlaggedSource,
    /// A link to a source the policy does not know.
    UnknownSource,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A Canadian social insurance number (passes the Luhn check).
    Sin,
    /// A Canadian postal code.
    PostalCode,
    /// A date that looks like a birth date.
    BirthDate,
    /// A word tied to the union's mandate.
    MandateMatch,
    /// No word tied to the union's mandate.
    MandateMissing,
    /// The signature the policy asks for.
    SignatureFound,
    /// No signature the policy asks for.
    SignatureMissing,
}

impl FindingKind {
    /// Whether the excerpt is someone's personal information (mask it before storing).
    pub fn is_personal_info(self) -> bool {
        matches!(
            self,
            FindingKind::Email
                | FindingKind::Phone
                | FindingKind::Sin
                | FindingKind::PostalCode
                | FindingKind::BirthDate
        )
    }
}

/// Something a rule found in the draft, attached to the checklist item that uses the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Finding {
    /// The checklist item.
    pub item_id: String,
    /// The rule that found it.
    pub rule: RuleId,
    /// What it is.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// What to tell the person.
    pub message: Localized,
    /// Where, in UTF-16 code units of the draft's text (none for absences, or for a link
    /// whose text could not be located).
    pub span: Option<Span>,
    /// The text matched (empty for absences).
    pub excerpt: String,
}

/// The state of a checklist item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStateKind {
    /// Fine.
    Ok,
    /// Worth a look.
    Warn,
    /// Breaks the policy.
    Fail,
    /// Not checked yet (manual, or the draft is empty).
    Todo,
}

/// A checklist item's state after analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemState {
    /// The item's id.
    pub id: String,
    /// Its state.
    pub state: ItemStateKind,
    /// Whether the policy requires it.
    pub required: bool,
    /// Whether the person checks it (no automatic rule applies).
    pub manual: bool,
    /// The automatic rule, when not manual.
    pub rule: Option<RuleId>,
    /// How many findings it has.
    pub finding_count: u32,
    /// Whether the person ticked it (manual) or acknowledged its warning (automatic).
    pub confirmed: bool,
}

/// The result of checking a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Analysis {
    /// Findings in text order (those without a span last).
    pub findings: Vec<Finding>,
    /// Every checklist item, in the policy's order.
    pub items: Vec<ItemState>,
    /// Required items still standing in the way of publishing.
    pub required_remaining: u32,
    /// Whether the policy's strict mode applies (warnings block until acknowledged).
    pub strict_mode: bool,
}

impl Analysis {
    /// The analysis with the person's ticks applied: manual items whose id is in
    /// `confirmed` become [`ItemStateKind::Ok`]; automatic items there that only warn are
    /// acknowledged (they keep their state but no longer block in strict mode). Failed
    /// items stay failed. Recomputes `required_remaining`.
    pub fn with_confirmed<S: AsRef<str>>(mut self, confirmed: &[S]) -> Analysis {
        self.confirm(confirmed);
        self
    }

    /// [`Analysis::with_confirmed`] in place.
    pub fn confirm<S: AsRef<str>>(&mut self, confirmed: &[S]) {
        for item in &mut self.items {
            if !confirmed.iter().any(|id| id.as_ref() == item.id) {
                continue;
            }
            if item.manual {
                item.state = ItemStateKind::Ok;
                item.confirmed = true;
            } else if item.state == ItemStateKind::Warn {
                item.confirmed = true;
            }
        }
        self.required_remaining = count_remaining(&self.items, self.strict_mode);
    }

    /// The state of the item with this id.
    pub fn item(&self, id: &str) -> Option<&ItemState> {
        self.items.iter().find(|item| item.id == id)
    }

    /// The findings of the item with this id.
    pub fn findings_for<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |finding| finding.item_id == id)
    }

    /// Whether nothing required remains.
    pub fn is_clear(&self) -> bool {
        self.required_remaining == 0
    }
}

fn blocks(item: &ItemState, strict: bool) -> bool {
    item.required
        && match item.state {
            ItemStateKind::Todo | ItemStateKind::Fail => true,
            ItemStateKind::Warn => strict && !item.confirmed && item.rule != Some(RuleId::Mandate),
            ItemStateKind::Ok => false,
        }
}

fn count_remaining(items: &[ItemState], strict: bool) -> u32 {
    items.iter().filter(|item| blocks(item, strict)).count() as u32
}

/// Checks `draft` against `policy`. For many drafts with one policy, build an [`Analyzer`]
/// once instead.
pub fn analyze(policy: &Policy, draft: &Draft) -> Analysis {
    Analyzer::new(policy).analyze(draft)
}
