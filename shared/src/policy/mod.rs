//! The social media policy as data: a TOML document (JSON on the wire), its validation with
//! line numbers, and the built-in SEC-CSQ policy.
//!
//! # Document shape
//!
//! ```toml
//! version = 1                      # schema version, always 1 for now
//! strict_mode = false              # true: warnings on required items block too
//! members_see_checklist = true
//! board_email = "ca@example.org"   # optional
//! mandate_keywords = ["enseign*", "convention collective", "union"]
//!
//! [organization]
//! name = "Syndicat de l'enseignement de Charlevoix"
//! short_name = "SEC-CSQ"
//!
//! [manager]
//! name = "…"
//! email = "gestionnaire@example.org"
//! mandate_start = "2026-07-01"
//! mandate_end = "2027-06-30"
//!
//! [signature]                      # optional; without it the `signature` rule is manual
//! required_patterns = ["Personnel du SEC-CSQ", "membre du SEC-CSQ"]
//! placement = "anywhere"           # or "end"
//!
//! [sources]
//! trusted = ["lacsq.org"]          # bare domains; subdomains are included
//! flagged = ["fake-news.example"]
//! shorteners = ["lien.example"]    # optional: added to the built-in list
//! not_shorteners = ["forms.gle"]   # optional: taken out of the built-in list
//!
//! [[items]]
//! id = "vie-privee"                # stable, kebab-case, unique
//! label.fr = "…"
//! label.en = "…"
//! help.fr = "…"                    # optional
//! help.en = "…"
//! required = true                  # optional, defaults to true
//! clause = "…"                     # the principle of the policy it comes from
//! check = "personal-info"          # "manual", or the id of an automatic rule
//! ```
//!
//! `check` is `"manual"` (the person ticks it) or one of the rules of [`RuleId`]:
//! `links`, `shorteners`, `link-text`, `lookalike-domains`, `source-credibility`,
//! `personal-info`, `mandate`, `signature`. The JSON form has the same field names.
//!
//! A mandate keyword matches whole words, ignoring case and accents; a keyword ending with
//! `*` matches any word that starts with it (`enseign*` matches `enseignante`).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::i18n::Localized;
use crate::validate::{is_date, is_domain, is_email};

#[cfg(all(test, feature = "toml"))]
mod default_policy_tests;
#[cfg(feature = "toml")]
mod locate;
#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "toml"))]
mod toml_tests;

/// The schema version this crate reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The built-in SEC-CSQ policy document (TOML).
pub const SEC_CSQ_DEFAULT_TOML: &str = include_str!("../../policies/sec-csq.toml");

/// A social media policy: who manages content, which sources are trusted, and the checklist
/// a person goes through before publishing on behalf of the union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Schema version of the document ([`SCHEMA_VERSION`]).
    pub version: u32,
    /// The union.
    pub organization: Organization,
    /// The content manager appointed by the board.
    pub manager: ManagerAppointment,
    /// Where the content manager forwards screenshots for the board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board_email: Option<String>,
    /// When true, warnings on required items block publishing until acknowledged.
    #[serde(default)]
    pub strict_mode: bool,
    /// Whether members (not only elected officers and staff) see the checklist.
    #[serde(default = "default_true")]
    pub members_see_checklist: bool,
    /// How people identify themselves, checked by the `signature` rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureRule>,
    /// Trusted, flagged and shortener domains.
    #[serde(default)]
    pub sources: Sources,
    /// Words showing that a draft is about the union's mandate (French and English).
    #[serde(default)]
    pub mandate_keywords: Vec<String>,
    /// The checklist, in display order.
    pub items: Vec<ChecklistItem>,
}

fn default_true() -> bool {
    true
}

/// The union's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Full name.
    pub name: String,
    /// Short name, e.g. `SEC-CSQ`.
    pub short_name: String,
}

/// The content manager, appointed every year by the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagerAppointment {
    /// The person's name.
    pub name: String,
    /// Where reports and screenshots go.
    pub email: String,
    /// First day of the mandate, `YYYY-MM-DD`.
    pub mandate_start: String,
    /// Last day of the mandate, `YYYY-MM-DD`.
    pub mandate_end: String,
}

/// Where a signature must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// At the end of the draft (only whitespace, punctuation, emoji or hashtags after it).
    End,
    /// Anywhere in the draft.
    #[default]
    Anywhere,
}

/// How people identify themselves as members or staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureRule {
    /// One of these must appear (case, accents and leading dashes are ignored).
    pub required_patterns: Vec<String>,
    /// Where.
    #[serde(default)]
    pub placement: Placement,
}

/// Domains by trust. A domain covers its subdomains (`lapresse.ca` covers
/// `www.lapresse.ca`, not `evil-lapresse.ca`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// Sources known to be credible.
    #[serde(default)]
    pub trusted: Vec<String>,
    /// Sources known to spread misinformation.
    #[serde(default)]
    pub flagged: Vec<String>,
    /// URL shorteners (their links hide their target) added to the built-in list
    /// ([`crate::shorteners`], about 1,500 domains from a maintained public list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shorteners: Vec<String>,
    /// Domains (with their subdomains) that the built-in list does not flag for this
    /// policy: `forms.gle`, `rog.gg` (which takes out the built-in `fr.rog.gg` too), or
    /// `maps.app.goo.gl` (while `goo.gl` stays a shortener). The policy's own
    /// `shorteners` still apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_shorteners: Vec<String>,
}

/// One point of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Stable identifier (kebab-case), unique in the policy.
    pub id: String,
    /// What the person checks, as a short statement.
    pub label: Localized,
    /// A longer explanation.
    #[serde(default)]
    pub help: Localized,
    /// Whether publishing should wait for this item.
    #[serde(default = "default_true")]
    pub required: bool,
    /// The principle of the policy it comes from.
    pub clause: String,
    /// How it is checked.
    pub check: Check,
}

impl ChecklistItem {
    /// The automatic rule, if any.
    pub fn rule(&self) -> Option<RuleId> {
        match self.check {
            Check::Manual => None,
            Check::Automatic { rule } => Some(rule),
        }
    }
}

/// An automatic check of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    /// Lists the links of the draft.
    Links,
    /// Flags URL shorteners, which hide where a link leads.
    Shorteners,
    /// Flags links whose displayed text names another domain than their target.
    LinkText,
    /// Flags look-alike domains (punycode, mixed scripts, near-copies of trusted ones).
    LookalikeDomains,
    /// Classifies each link's domain as trusted, flagged or unknown.
    SourceCredibility,
    /// Flags personal information: emails, phone numbers, SIN, postal codes, birth dates.
    PersonalInfo,
    /// Shows whether the draft touches the union's mandate.
    Mandate,
    /// Checks that the draft carries one of the configured signatures.
    Signature,
}

impl RuleId {
    /// Every rule.
    pub const ALL: [RuleId; 8] = [
        RuleId::Links,
        RuleId::Shorteners,
        RuleId::LinkText,
        RuleId::LookalikeDomains,
        RuleId::SourceCredibility,
        RuleId::PersonalInfo,
        RuleId::Mandate,
        RuleId::Signature,
    ];

    /// The name used in policy documents, e.g. `"personal-info"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Links => "links",
            RuleId::Shorteners => "shorteners",
            RuleId::LinkText => "link-text",
            RuleId::LookalikeDomains => "lookalike-domains",
            RuleId::SourceCredibility => "source-credibility",
            RuleId::PersonalInfo => "personal-info",
            RuleId::Mandate => "mandate",
            RuleId::Signature => "signature",
        }
    }

    /// The rule named `name` in policy documents.
    pub fn from_name(name: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|rule| rule.as_str() == name)
    }

    /// A bit for sets of rules.
    pub(crate) fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a checklist item is checked. Written `check = "manual"` or `check = "<rule>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// The person checks it and ticks it.
    Manual,
    /// An automatic rule checks the draft.
    Automatic {
        /// Which rule.
        rule: RuleId,
    },
}

const CHECK_NAMES: &[&str] = &[
    "manual",
    "links",
    "shorteners",
    "link-text",
    "lookalike-domains",
    "source-credibility",
    "personal-info",
    "mandate",
    "signature",
];

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Check::Manual => serializer.serialize_str("manual"),
            Check::Automatic { rule } => serializer.serialize_str(rule.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Check, D::Error> {
        struct CheckVisitor;
        impl Visitor<'_> for CheckVisitor {
            type Value = Check;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"manual\" or the name of a rule")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Check, E> {
                if value == "manual" {
                    return Ok(Check::Manual);
                }
                RuleId::from_name(value)
                    .map(|rule| Check::Automatic { rule })
                    .ok_or_else(|| E::unknown_variant(value, CHECK_NAMES))
            }
        }
        deserializer.deserialize_str(CheckVisitor)
    }
}

/// What kind of problem a [`PolicyError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyErrorKind {
    /// The document cannot be read: syntax, unknown field, missing field, wrong type.
    Syntax,
    /// The document reads but breaks a rule: duplicate id, malformed email, bad dates…
    Invalid,
}

/// A problem in a policy document, in English, located by line and column when possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Syntax or validation.
    pub kind: PolicyErrorKind,
    /// The field, e.g. `items[3].id` (validation errors).
    pub path: Option<String>,
    /// 1-based line in the document.
    pub line: Option<u32>,
    /// 1-based column (in characters) in that line.
    pub column: Option<u32>,
    /// The problem.
    pub message: String,
}

impl PolicyError {
    fn invalid(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            kind: PolicyErrorKind::Invalid,
            path: Some(path.into()),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    #[cfg(feature = "toml")]
    fn locate(&mut self, source: &str, offset: usize) {
        let (line, column) = line_column(source, offset);
        self.line = Some(line);
        self.column = Some(column);
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "line {line}, column {column}: ")?;
        }
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
#[cfg(feature = "toml")]
fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32)
}

/// Whether `id` is a valid item id: 1 to 64 lowercase ASCII letters and digits in groups
/// joined by single hyphens (`vie-privee`, `step-2`).
pub fn is_item_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A domain as compared: lowercase, without a trailing dot.
pub(crate) fn normalize_domain(domain: &str) -> String {
    let domain = domain.trim();
    domain
        .strip_suffix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase()
}

impl Policy {
    /// Reads a policy from TOML and validates it. Errors name the line and column.
    #[cfg(feature = "toml")]
    pub fn from_toml(source: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(source).map_err(|error| {
            let mut located = PolicyError {
                kind: PolicyErrorKind::Syntax,
                path: None,
                line: None,
                column: None,
                message: error.message().trim().to_owned(),
            };
            if let Some(span) = error.span() {
                located.locate(source, span.start);
            }
            located
        })?;
        if let Err(mut error) = policy.validate() {
            if let Some(offset) = error
                .path
                .as_deref()
                .and_then(|path| locate::offset_of(source, path))
            {
                error.locate(source, offset);
            }
            return Err(error);
        }
        Ok(policy)
    }

    /// Reads a policy from JSON (the companion's and the extension's format) and validates
    /// it. Syntax errors name the line and column; validation errors name the field.
    pub fn from_json(source: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = serde_json::from_str(source).map_err(|error| {
            let full = error.to_string();
            let message = match full.rfind(" at line ") {
                Some(index) if error.line() > 0 => full[..index].to_owned(),
                _ => full,
            };
            PolicyError {
                kind: PolicyErrorKind::Syntax,
                path: None,
                line: (error.line() > 0).then_some(error.line() as u32),
                column: (error.line() > 0).then_some(error.column() as u32),
                message,
            }
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// The built-in SEC-CSQ policy ([`SEC_CSQ_DEFAULT_TOML`]).
    #[cfg(feature = "toml")]
    pub fn sec_csq_default() -> Policy {
        Policy::from_toml(SEC_CSQ_DEFAULT_TOML).expect("the built-in policy is valid (tested)")
    }

    /// Checks the rules serde cannot: the first problem found, in document order.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self.validation_errors().into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every rule the policy breaks, in document order (without line numbers).
    pub fn validation_errors(&self) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        self.check(&mut |error: &dyn Fn() -> (String, String)| {
            let (path, message) = error();
            errors.push(PolicyError::invalid(path, message));
        });
        errors
    }

    /// Whether the policy breaks no rule, as [`Policy::validate`] says, without building the
    /// errors' texts: the content script's wasm module keeps no message it never shows.
    pub fn is_valid(&self) -> bool {
        let mut valid = true;
        self.check(&mut |_: &dyn Fn() -> (String, String)| valid = false);
        valid
    }

    /// Calls `fail` with each broken rule's path and message, built only when called.
    fn check(&self, fail: &mut impl FnMut(&dyn Fn() -> (String, String))) {
        if self.version != SCHEMA_VERSION {
            fail(&|| {
                (
                    "version".into(),
                    format!(
                        "unsupported schema version {} (this Balise reads version {SCHEMA_VERSION})",
                        self.version
                    ),
                )
            });
        }
        for (path, value) in [
            ("organization.name", &self.organization.name),
            ("organization.short_name", &self.organization.short_name),
            ("manager.name", &self.manager.name),
        ] {
            if value.trim().is_empty() {
                fail(&|| (path.to_owned(), "must not be empty".into()));
            }
        }
        if !is_email(&self.manager.email) {
            fail(&|| {
                (
                    "manager.email".into(),
                    format!("malformed email address `{}`", self.manager.email),
                )
            });
        }
        let start_ok = is_date(&self.manager.mandate_start);
        let end_ok = is_date(&self.manager.mandate_end);
        for (ok, path, value) in [
            (
                start_ok,
                "manager.mandate_start",
                &self.manager.mandate_start,
            ),
            (end_ok, "manager.mandate_end", &self.manager.mandate_end),
        ] {
            if !ok {
                fail(&|| {
                    (
                        path.into(),
                        format!("`{value}` is not a date written YYYY-MM-DD"),
                    )
                });
            }
        }
        if start_ok && end_ok && self.manager.mandate_end < self.manager.mandate_start {
            fail(&|| {
                (
                    "manager.mandate_end".into(),
                    format!(
                        "mandate_end ({}) is before mandate_start ({})",
                        self.manager.mandate_end, self.manager.mandate_start
                    ),
                )
            });
        }
        if let Some(email) = &self.board_email
            && !is_email(email)
        {
            fail(&|| {
                (
                    "board_email".into(),
                    format!("malformed email address `{email}`"),
                )
            });
        }
        if let Some(signature) = &self.signature {
            if signature.required_patterns.is_empty() {
                fail(&|| {
                    (
                        "signature.required_patterns".into(),
                        "must list at least one pattern".into(),
                    )
                });
            }
            for (index, pattern) in signature.required_patterns.iter().enumerate() {
                if !pattern.chars().any(char::is_alphanumeric) {
                    fail(&|| {
                        (
                            format!("signature.required_patterns[{index}]"),
                            format!("pattern `{pattern}` has no letters or digits"),
                        )
                    });
                }
            }
        }
        let lists = [
            ("trusted", &self.sources.trusted),
            ("flagged", &self.sources.flagged),
            ("shorteners", &self.sources.shorteners),
            ("not_shorteners", &self.sources.not_shorteners),
        ];
        for (name, list) in lists {
            for (index, domain) in list.iter().enumerate() {
                if !is_domain(domain) {
                    fail(&|| {
                        (
                            format!("sources.{name}[{index}]"),
                            format!(
                                "invalid domain `{domain}`: write a bare domain such as lacsq.org \
                             (no scheme, path, port or wildcard; punycode for accented names)"
                            ),
                        )
                    });
                }
            }
        }
        let trusted: Vec<String> = self
            .sources
            .trusted
            .iter()
            .map(|d| normalize_domain(d))
            .collect();
        for (index, domain) in self.sources.flagged.iter().enumerate() {
            if trusted.contains(&normalize_domain(domain)) {
                fail(&|| {
                    (
                        format!("sources.flagged[{index}]"),
                        format!("`{domain}` is both trusted and flagged"),
                    )
                });
            }
        }
        for (index, domain) in self.sources.not_shorteners.iter().enumerate() {
            let domain_normalized = normalize_domain(domain);
            if self
                .sources
                .shorteners
                .iter()
                .any(|added| normalize_domain(added) == domain_normalized)
            {
                fail(&|| {
                    (
                        format!("sources.not_shorteners[{index}]"),
                        format!("`{domain}` is both in shorteners and in not_shorteners"),
                    )
                });
            }
        }
        for (index, keyword) in self.mandate_keywords.iter().enumerate() {
            let stem = keyword.trim().strip_suffix('*').unwrap_or(keyword.trim());
            if !stem.chars().any(char::is_alphanumeric) || stem.contains('*') {
                fail(&|| {
                    (
                        format!("mandate_keywords[{index}]"),
                        format!(
                            "keyword `{keyword}` must have letters or digits, and `*` only at the end"
                        ),
                    )
                });
            }
        }
        if self.mandate_keywords.is_empty()
            && self
                .items
                .iter()
                .any(|item| item.rule() == Some(RuleId::Mandate))
        {
            fail(&|| {
                (
                    "mandate_keywords".into(),
                    "the `mandate` rule needs at least one keyword".into(),
                )
            });
        }
        if self.items.is_empty() {
            fail(&|| {
                (
                    "items".into(),
                    "the checklist must have at least one item".into(),
                )
            });
        }
        for (index, item) in self.items.iter().enumerate() {
            if !is_item_id(&item.id) {
                fail(&|| {
                    (
                        format!("items[{index}].id"),
                        format!(
                            "invalid item id `{}`: use lowercase letters, digits and single hyphens \
                         (kebab-case), at most 64 characters",
                            item.id
                        ),
                    )
                });
            } else if let Some(first) = self.items[..index]
                .iter()
                .position(|earlier| earlier.id == item.id)
            {
                fail(&|| {
                    (
                        format!("items[{index}].id"),
                        format!(
                            "duplicate item id `{}` (already used by items[{first}])",
                            item.id
                        ),
                    )
                });
            }
            for (lang, text) in [("fr", &item.label.fr), ("en", &item.label.en)] {
                if text.trim().is_empty() {
                    fail(&|| {
                        (
                            format!("items[{index}].label.{lang}"),
                            "label must not be empty".into(),
                        )
                    });
                }
            }
            if item.clause.trim().is_empty() {
                fail(&|| {
                    (
                        format!("items[{index}].clause"),
                        "must say which principle of the policy the item comes from".into(),
                    )
                });
            }
        }
    }

    /// Whether the checklist is shown beside compose boxes on a page of `host`: on the
    /// social networks Balise knows and on the `extra_sites` the person added; for the
    /// content manager always, for members only when the policy lets them see it.
    pub fn shows_checklist(&self, manager: bool, host: &str, extra_sites: &[String]) -> bool {
        self.role_sees_checklist(manager) && crate::sites::is_checklist_site(host, extra_sites)
    }

    /// Whether the content manager (`manager`) or a member sees the checklist at all.
    pub fn role_sees_checklist(&self, manager: bool) -> bool {
        manager || self.members_see_checklist
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|item| item.id == id)
    }

    /// How the item is actually checked: its own check, except that the `signature` rule is
    /// manual when the policy configures no signature.
    pub fn effective_check(&self, item: &ChecklistItem) -> Check {
        match item.check {
            Check::Automatic {
                rule: RuleId::Signature,
            } if self.signature.is_none() => Check::Manual,
            check => check,
        }
    }
}
