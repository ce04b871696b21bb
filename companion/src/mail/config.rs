//! Email settings: `[smtp]`, `[routing]` and `[identity]` of `balise.toml`, overridden by
//! `BALISE_SMTP_URL`, `BALISE_SMTP_FROM`, `BALISE_MANAGER_EMAIL`, `BALISE_BOARD_EMAIL` and
//! `BALISE_ROLE`.
//!
//! Unlike the server's own settings, a wrong value here never stops the companion: it is
//! kept as a [`Problem`] that says what to fix, shown at start-up and on the dashboard, and
//! forwarding waits (every report is still stored, and its email stays queued).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use balise_core::policy::Policy;
use lettre::message::Mailbox;
use serde::Serialize;

/// Default wait for the member's category and note before a report's email goes.
pub const DEFAULT_ANNOTATION_WAIT_SECS: u64 = 60;
/// Default limit for one SMTP connection and each of its commands.
pub const DEFAULT_SMTP_TIMEOUT_SECS: u64 = 30;

/// Whose companion this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A member's: every stored report is mailed to the manager.
    #[default]
    Member,
    /// The content manager's: nothing is mailed by itself; the manager forwards to the board.
    Manager,
}

impl Role {
    /// The setting's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Manager => "manager",
        }
    }
}

/// An SMTP URL, which may hold a password: never shown whole, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted())
    }
}

impl SmtpUrl {
    /// The URL as configured, password included (for the transport only).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `•••`, for people and logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut parsed) => {
                if parsed.password().is_some() {
                    let _ = parsed.set_password(Some("•••"));
                }
                parsed.to_string()
            }
            Err(_) => "(illisible / unreadable)".to_owned(),
        }
    }

    /// The URL without its password (what the settings page shows in its field).
    pub fn without_password(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut parsed) => {
                let _ = parsed.set_password(None);
                parsed.to_string()
            }
            Err(_) => String::new(),
        }
    }

    /// The password, if the URL has one (percent-decoded).
    pub fn password(&self) -> Option<String> {
        let parsed = url::Url::parse(&self.0).ok()?;
        let password = parsed.password()?;
        Some(percent_decode(password).unwrap_or_else(|| password.to_owned()))
    }

    /// `url` with `password` set (percent-encoded), or `None` if `url` is not a URL.
    pub fn with_password(url: &str, password: &str) -> Option<String> {
        let mut parsed = url::Url::parse(url).ok()?;
        parsed.set_password(Some(password)).ok()?;
        Some(parsed.to_string())
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A setting that is wrong or missing, and what to do about it. French, then English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The setting, as `[smtp] url / BALISE_SMTP_URL`.
    pub setting: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.message)
    }
}

/// Where a value came from, for the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Not set.
    Unset,
    /// `balise.toml`.
    File,
    /// An environment variable (which wins over the file).
    Env,
    /// The policy (`board_email`, the manager's address).
    Policy,
}

/// Every email setting, as in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// Member or manager.
    pub role: Role,
    /// The organization's SMTP server.
    pub smtp_url: Option<SmtpUrl>,
    /// The sender, such as `Balise <balise@sec-csq.example>`.
    pub from: Option<Mailbox>,
    /// The content manager's address(es).
    pub manager_email: Vec<Mailbox>,
    /// The board's address(es).
    pub board_email: Vec<Mailbox>,
    /// How long a report's email waits for the member's category and note.
    pub annotation_wait: Duration,
    /// Limit for one SMTP connection and each command.
    pub timeout: Duration,
    /// What to fix.
    pub problems: Vec<Problem>,
    /// Where `[smtp] url`, `from`, `manager_email`, `board_email` and `role` came from.
    pub sources: Sources,
}

/// Where each value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sources {
    /// `[smtp] url`.
    pub smtp_url: Source,
    /// `[smtp] from`.
    pub from: Source,
    /// `[routing] manager_email`.
    pub manager_email: Source,
    /// `[routing] board_email`.
    pub board_email: Source,
    /// `[identity] role`.
    pub role: Source,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            role: Role::Member,
            smtp_url: None,
            from: None,
            manager_email: Vec::new(),
            board_email: Vec::new(),
            annotation_wait: Duration::from_secs(DEFAULT_ANNOTATION_WAIT_SECS),
            timeout: Duration::from_secs(DEFAULT_SMTP_TIMEOUT_SECS),
            problems: Vec::new(),
            sources: Sources {
                smtp_url: Source::Unset,
                from: Source::Unset,
                manager_email: Source::Unset,
                board_email: Source::Unset,
                role: Source::Unset,
            },
        }
    }
}

/// The `[smtp]`, `[routing]` and `[identity]` tables of `balise.toml`, as written.
#[derive(Debug, Clone, Default)]
pub struct FileTables {
    /// `[smtp]`.
    pub smtp: Option<toml::Table>,
    /// `[routing]`.
    pub routing: Option<toml::Table>,
    /// `[identity]`.
    pub identity: Option<toml::Table>,
}

const URL_SETTING: &str = "[smtp] url / BALISE_SMTP_URL";
const FROM_SETTING: &str = "[smtp] from / BALISE_SMTP_FROM";
const MANAGER_SETTING: &str = "[routing] manager_email / BALISE_MANAGER_EMAIL";
const BOARD_SETTING: &str = "[routing] board_email / BALISE_BOARD_EMAIL";
const ROLE_SETTING: &str = "[identity] role / BALISE_ROLE";

/// A string value from the environment (non-empty) or the file table.
fn pick(
    env: &impl Fn(&str) -> Option<String>,
    var: &str,
    table: Option<&toml::Table>,
    key: &str,
    setting: &'static str,
    problems: &mut Vec<Problem>,
) -> (Option<String>, Source) {
    if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
        return (Some(value.trim().to_owned()), Source::Env);
    }
    match table.and_then(|t| t.get(key)) {
        None => (None, Source::Unset),
        Some(toml::Value::String(value)) if value.trim().is_empty() => (None, Source::Unset),
        Some(toml::Value::String(value)) => (Some(value.trim().to_owned()), Source::File),
        Some(other) => {
            problems.push(Problem {
                setting,
                message: format!(
                    "doit être une chaîne entre guillemets, pas {} / must be a quoted string, not {}",
                    other.type_str(),
                    other.type_str()
                ),
            });
            (None, Source::Unset)
        }
    }
}

fn unknown_keys(
    table: Option<&toml::Table>,
    section: &'static str,
    known: &[&str],
    problems: &mut Vec<Problem>,
) {
    for key in table.into_iter().flat_map(|t| t.keys()) {
        if !known.contains(&key.as_str()) {
            problems.push(Problem {
                setting: section,
                message: format!(
                    "clé inconnue « {key} » (clés permises : {list}) / unknown key \"{key}\" (known keys: {list})",
                    list = known.join(", ")
                ),
            });
        }
    }
}

fn seconds(
    table: Option<&toml::Table>,
    key: &str,
    setting: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    problems: &mut Vec<Problem>,
) -> Duration {
    let value = match table.and_then(|t| t.get(key)) {
        None => return Duration::from_secs(default),
        Some(toml::Value::Integer(n)) => u64::try_from(*n).ok().filter(|n| range.contains(n)),
        Some(_) => None,
    };
    match value {
        Some(n) => Duration::from_secs(n),
        None => {
            problems.push(Problem {
                setting,
                message: format!(
                    "doit être un nombre entier de secondes entre {} et {} / must be a whole number of seconds from {} to {}",
                    range.start(),
                    range.end(),
                    range.start(),
                    range.end()
                ),
            });
            Duration::from_secs(default)
        }
    }
}

/// Whether an address is one of the reserved example domains (RFC 2606), as in a policy
/// template: such an address is treated as not set.
pub fn is_placeholder(address: &str) -> bool {
    let domain = address
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain)
        .trim_end_matches('>')
        .to_ascii_lowercase();
    [".example", ".invalid", ".test", ".localhost"]
        .iter()
        .any(|tld| domain.ends_with(tld))
        || matches!(
            domain.as_str(),
            "example" | "example.com" | "example.org" | "example.net"
        )
}

/// Parses a comma-separated list of addresses (`a@x.org, Name <b@x.org>`).
fn addresses(value: &str, setting: &'static str, problems: &mut Vec<Problem>) -> Vec<Mailbox> {
    let mut list = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match Mailbox::from_str(part) {
            Ok(mailbox) => list.push(mailbox),
            Err(error) => problems.push(Problem {
                setting,
                message: format!(
                    "« {part} » n'est pas une adresse courriel ({error}) : écrivez nom@exemple.org / \
                     \"{part}\" is not an email address ({error}): write name@example.org"
                ),
            }),
        }
    }
    list
}

/// Checks an SMTP URL the way the transport will read it.
pub fn check_smtp_url(value: &str) -> Result<(), String> {
    let parsed = url::Url::parse(value).map_err(|error| error.to_string())?;
    if !matches!(parsed.scheme(), "smtp" | "smtps") {
        return Err(format!("scheme {:?} is not smtp or smtps", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host".to_owned());
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(value)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

impl MailSettings {
    /// Reads the tables and the environment; every problem is collected, none is fatal.
    pub fn from_sources(tables: &FileTables, env: &impl Fn(&str) -> Option<String>) -> Self {
        let mut settings = Self::default();
        let problems = &mut settings.problems;
        let smtp = tables.smtp.as_ref();
        let routing = tables.routing.as_ref();
        let identity = tables.identity.as_ref();
        unknown_keys(smtp, "[smtp]", &["url", "from", "timeout_secs"], problems);
        unknown_keys(
            routing,
            "[routing]",
            &["manager_email", "board_email", "annotation_wait_secs"],
            problems,
        );
        unknown_keys(identity, "[identity]", &["role"], problems);

        let (url, source) = pick(env, "BALISE_SMTP_URL", smtp, "url", URL_SETTING, problems);
        settings.sources.smtp_url = source;
        if let Some(url) = url {
            match check_smtp_url(&url) {
                Ok(()) => settings.smtp_url = Some(SmtpUrl(url)),
                Err(error) => problems.push(Problem {
                    setting: URL_SETTING,
                    message: format!(
                        "adresse du serveur illisible ({error}) : écrivez smtp://hôte:port, \
                         smtp://utilisateur:motdepasse@hôte:587?tls=required ou smtps://utilisateur:motdepasse@hôte:465 / \
                         unreadable server address ({error}): write smtp://host:port, \
                         smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465",
                        error = SmtpUrl(url.clone()).redact_in(&error),
                    ),
                }),
            }
        }
        let (from, source) = pick(
            env,
            "BALISE_SMTP_FROM",
            smtp,
            "from",
            FROM_SETTING,
            problems,
        );
        settings.sources.from = source;
        if let Some(from) = from {
            settings.from = addresses(&from, FROM_SETTING, problems).into_iter().next();
        }
        let (manager, source) = pick(
            env,
            "BALISE_MANAGER_EMAIL",
            routing,
            "manager_email",
            MANAGER_SETTING,
            problems,
        );
        settings.sources.manager_email = source;
        if let Some(manager) = manager {
            settings.manager_email = addresses(&manager, MANAGER_SETTING, problems);
        }
        let (board, source) = pick(
            env,
            "BALISE_BOARD_EMAIL",
            routing,
            "board_email",
            BOARD_SETTING,
            problems,
        );
        settings.sources.board_email = source;
        if let Some(board) = board {
            settings.board_email = addresses(&board, BOARD_SETTING, problems);
        }
        let (role, source) = pick(env, "BALISE_ROLE", identity, "role", ROLE_SETTING, problems);
        settings.sources.role = source;
        match role.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("member") => {}
            Some("manager") => settings.role = Role::Manager,
            Some(other) => problems.push(Problem {
                setting: ROLE_SETTING,
                message: format!(
                    "« {other} » n'est pas un rôle : écrivez member ou manager (le compagnon fonctionne comme celui d'un membre en attendant) / \
                     \"{other}\" is not a role: write member or manager (the companion acts as a member's meanwhile)"
                ),
            }),
        }
        settings.annotation_wait = seconds(
            routing,
            "annotation_wait_secs",
            "[routing] annotation_wait_secs",
            DEFAULT_ANNOTATION_WAIT_SECS,
            0..=3600,
            problems,
        );
        settings.timeout = seconds(
            smtp,
            "timeout_secs",
            "[smtp] timeout_secs",
            DEFAULT_SMTP_TIMEOUT_SECS,
            1..=600,
            problems,
        );
        settings
    }

    /// Fills what is not set from the policy: the board's address (`board_email`) and the
    /// manager's (`manager.email`), unless they are example addresses.
    pub fn apply_policy(&mut self, policy: &Policy) {
        if self.board_email.is_empty()
            && let Some(board) = policy.board_email.as_deref().filter(|b| !is_placeholder(b))
            && let Ok(mailbox) = Mailbox::from_str(board)
        {
            self.board_email = vec![mailbox];
            self.sources.board_email = Source::Policy;
        }
        if self.manager_email.is_empty()
            && !is_placeholder(&policy.manager.email)
            && let Ok(mailbox) = Mailbox::from_str(&policy.manager.email)
        {
            self.manager_email = vec![mailbox];
            self.sources.manager_email = Source::Policy;
        }
    }

    /// The addresses an email for `to` goes to (empty when not configured).
    pub fn recipients(&self, to: crate::store::mail::Recipient) -> &[Mailbox] {
        match to {
            crate::store::mail::Recipient::Manager => &self.manager_email,
            crate::store::mail::Recipient::Board => &self.board_email,
        }
    }

    /// What is missing for this role's emails to leave, in French then English; empty when
    /// forwarding is on.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.smtp_url.is_none() {
            missing.push("le serveur SMTP ([smtp] url) / the SMTP server ([smtp] url)");
        }
        if self.from.is_none() {
            missing.push("l'adresse d'envoi ([smtp] from) / the sender address ([smtp] from)");
        }
        match self.role {
            Role::Member if self.manager_email.is_empty() => missing.push(
                "l'adresse de la personne gestionnaire ([routing] manager_email) / the manager's address ([routing] manager_email)",
            ),
            Role::Manager if self.board_email.is_empty() => missing.push(
                "l'adresse du conseil d'administration ([routing] board_email) / the board's address ([routing] board_email)",
            ),
            _ => {}
        }
        missing
    }

    /// Whether this role's emails can leave.
    pub fn forwarding_on(&self) -> bool {
        self.missing().is_empty()
    }
}

impl SmtpUrl {
    /// Removes this URL's password from a message that may quote it.
    fn redact_in(&self, message: &str) -> String {
        match self.password() {
            Some(password) if !password.is_empty() => message.replace(&password, "•••"),
            _ => message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: &str, env: &[(&str, &str)]) -> MailSettings {
        let table: toml::Table = toml::from_str(file).expect("toml");
        let section = |name: &str| table.get(name).and_then(|v| v.as_table()).cloned();
        let tables = FileTables {
            smtp: section("smtp"),
            routing: section("routing"),
            identity: section("identity"),
        };
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        MailSettings::from_sources(&tables, &|name| env.get(name).cloned())
    }

    #[test]
    fn nothing_set_means_forwarding_off_with_what_is_missing() {
        let settings = load("", &[]);
        assert_eq!(settings.role, Role::Member);
        assert!(settings.problems.is_empty());
        assert!(!settings.forwarding_on());
        assert_eq!(settings.missing().len(), 3);
        assert_eq!(settings.annotation_wait, Duration::from_secs(60));
    }

    #[test]
    fn the_file_then_the_environment() {
        let settings = load(
            "[smtp]\nurl = \"smtp://relay.sec-csq.ca:25\"\nfrom = \"Balise <balise@sec-csq.ca>\"\n\
             [routing]\nmanager_email = \"gestion@sec-csq.ca\"\n[identity]\nrole = \"member\"\n",
            &[
                ("BALISE_SMTP_URL", "smtps://u:p%40ss@mail.sec-csq.ca:465"),
                ("BALISE_ROLE", "manager"),
                (
                    "BALISE_BOARD_EMAIL",
                    "ca@sec-csq.ca, Présidence <presidence@sec-csq.ca>",
                ),
            ],
        );
        assert!(settings.problems.is_empty(), "{:?}", settings.problems);
        assert_eq!(settings.role, Role::Manager);
        assert_eq!(settings.sources.role, Source::Env);
        assert_eq!(settings.sources.from, Source::File);
        let url = settings.smtp_url.as_ref().expect("url");
        assert_eq!(url.expose(), "smtps://u:p%40ss@mail.sec-csq.ca:465");
        assert_eq!(url.password().as_deref(), Some("p@ss"));
        assert!(!url.redacted().contains("p%40ss"), "{}", url.redacted());
        assert!(!format!("{settings:?}").contains("p%40ss"));
        assert_eq!(settings.board_email.len(), 2);
        assert!(settings.forwarding_on());
    }

    #[test]
    fn wrong_values_are_problems_that_say_what_to_fix() {
        let settings = load(
            "[smtp]\nurl = \"http://mail.example.org\"\nfrom = \"pas une adresse\"\nport = 25\n\
             [routing]\nmanager_email = 3\nannotation_wait_secs = -1\n[identity]\nrole = \"boss\"\n",
            &[],
        );
        let settings_named: Vec<&str> = settings.problems.iter().map(|p| p.setting).collect();
        assert_eq!(
            settings_named,
            [
                "[smtp]",
                URL_SETTING,
                FROM_SETTING,
                MANAGER_SETTING,
                ROLE_SETTING,
                "[routing] annotation_wait_secs"
            ],
            "{:?}",
            settings.problems
        );
        assert!(settings.problems[1].message.contains("smtp://hôte:port"));
        assert_eq!(settings.role, Role::Member);
        assert!(settings.smtp_url.is_none());
    }

    #[test]
    fn a_password_never_appears_in_a_problem() {
        let settings = load("", &[("BALISE_SMTP_URL", "smtp://u:hunter2@:25")]);
        assert_eq!(settings.problems.len(), 1);
        assert!(!settings.problems[0].message.contains("hunter2"));
    }

    #[test]
    fn policy_addresses_fill_the_gaps_unless_placeholders() {
        let mut policy = Policy::sec_csq_default();
        let mut settings = load("", &[]);
        settings.apply_policy(&policy);
        assert!(
            settings.manager_email.is_empty(),
            "gestionnaire@sec-csq.example is a placeholder"
        );
        policy.manager.email = "julie@sec-csq.ca".into();
        policy.board_email = Some("ca@sec-csq.ca".into());
        settings.apply_policy(&policy);
        assert_eq!(
            settings.manager_email[0].email.to_string(),
            "julie@sec-csq.ca"
        );
        assert_eq!(settings.sources.board_email, Source::Policy);
        let mut explicit = load("[routing]\nboard_email = \"autre@sec-csq.ca\"\n", &[]);
        explicit.apply_policy(&policy);
        assert_eq!(
            explicit.board_email[0].email.to_string(),
            "autre@sec-csq.ca"
        );
    }

    #[test]
    fn passwords_are_set_and_removed() {
        let with = SmtpUrl::with_password("smtp://u@h:587?tls=required", "a b@c").expect("url");
        let url = SmtpUrl(with);
        assert_eq!(url.password().as_deref(), Some("a b@c"));
        assert_eq!(url.without_password(), "smtp://u@h:587?tls=required");
    }
}
