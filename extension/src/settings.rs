//! The person's settings, kept in `chrome.storage.local`, and the pairing with the
//! companion, whose token is kept in the extension origin's IndexedDB (content scripts can
//! read `chrome.storage.local`, not that database).

use balise_core::i18n::Lang;
use balise_core::policy::Policy;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::browser;

/// Key of the settings object in `chrome.storage.local`.
const SETTINGS_KEY: &str = "settings";
/// Key under which earlier versions kept the completed pairing, token included, in
/// `chrome.storage.local`; moved to the worker's database on first read.
const LEGACY_PAIRING_KEY: &str = "pairing";
/// Key of the paired companion's address (no token), which content scripts read.
const PAIRED_WITH_KEY: &str = "pairedWith";
/// The pairing's record id in its object store.
const PAIRING_RECORD: &str = "current";
/// Key of a pairing request waiting for approval in the companion.
const PENDING_PAIRING_KEY: &str = "pendingPairing";
/// Key of a change of companion asked for from another companion's pairing page, waiting
/// for the person's confirmation in the options.
const COMPANION_CHANGE_KEY: &str = "companionChange";
/// Key of the list of recent reports (to add a note later).
const RECENT_REPORTS_KEY: &str = "recentReports";
/// How many recent reports the popup offers to complete.
const RECENT_REPORTS_KEPT: usize = 20;

/// Default address of the local companion.
pub const DEFAULT_COMPANION_URL: &str = "http://127.0.0.1:7878";

/// Who uses this browser: members report; the content manager also composes for the union.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    #[default]
    Member,
    Manager,
}

/// The person's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// `None` follows the browser's language.
    pub language: Option<Lang>,
    pub role: Role,
    pub reporter_name: String,
    pub reporter_email: String,
    pub companion_url: String,
    /// Sites beyond the social networks Balise knows where the checklist shows (a union
    /// forum…): host names such as `forum.example.org`, or `*.example.org` for the
    /// subdomains (checked by `balise_core::sites::parse_site_pattern` when saved).
    pub extra_sites: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: None,
            role: Role::Member,
            reporter_name: String::new(),
            reporter_email: String::new(),
            companion_url: DEFAULT_COMPANION_URL.to_owned(),
            extra_sites: Vec::new(),
        }
    }
}

impl Settings {
    /// The companion's base URL without a trailing slash.
    pub fn companion_base(&self) -> String {
        let url = self.companion_url.trim().trim_end_matches('/');
        if url.is_empty() {
            DEFAULT_COMPANION_URL.to_owned()
        } else {
            url.to_owned()
        }
    }

    /// Whether the name and email that reports carry are filled in.
    pub fn has_identity(&self) -> bool {
        !self.reporter_name.trim().is_empty()
            && balise_core::validate::is_email(self.reporter_email.trim())
    }
}

/// Whether the checklist shows beside compose boxes on a page of `host` whose site
/// `adapter` was recognized (by host, or by the page itself, as Mastodon on any instance),
/// for this person (their role and extra sites) under `policy`.
pub fn checklist_enabled(
    settings: &Settings,
    policy: &Policy,
    host: &str,
    adapter: &balise_core::sites::SiteAdapter,
) -> bool {
    let manager = settings.role == Role::Manager;
    if adapter.is_generic() {
        policy.shows_checklist(manager, host, &settings.extra_sites)
    } else {
        policy.role_sees_checklist(manager)
    }
}

/// A completed pairing: which companion, and the token it gave this extension.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    pub companion_url: String,
    pub token: String,
}

/// A pairing request the person still has to approve in the companion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingPairing {
    pub companion_url: String,
    pub request_id: String,
    pub code: String,
}

/// A change of companion asked for from the pairing page of a companion other than the one
/// in the settings: it happens only once the person confirms it in the options page, which
/// shows both addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionChange {
    /// The companion in the settings when the change was asked for.
    pub current: String,
    /// The companion whose pairing page asked.
    pub proposed: String,
}

/// The change of companion waiting for confirmation, if any.
pub async fn companion_change() -> Option<CompanionChange> {
    browser::storage_get::<CompanionChange>(COMPANION_CHANGE_KEY)
        .await
        .ok()
        .flatten()
}

/// Records a change of companion to confirm (replacing any earlier one).
pub async fn save_companion_change(change: &CompanionChange) -> Result<(), JsValue> {
    browser::storage_set(COMPANION_CHANGE_KEY, change).await
}

/// Forgets the change of companion waiting for confirmation.
pub async fn forget_companion_change() -> Result<(), JsValue> {
    browser::storage_remove(COMPANION_CHANGE_KEY).await
}

/// Loads the settings, falling back to defaults when none were saved or they are unreadable.
pub async fn load() -> Settings {
    browser::storage_get_items(&[SETTINGS_KEY])
        .await
        .map(|items| from_items(&items))
        .unwrap_or_default()
}

/// The settings in `items`, an answer of `storage.local.get` for keys that include
/// [`SETTINGS_KEY`] (the content script's loader asks for [`CONTENT_START_KEYS`] at its
/// first line); defaults when none were saved or they are unreadable.
pub fn from_items(items: &JsValue) -> Settings {
    // Read field by field (`lean_read`): this runs in the content script, whose wasm module
    // leaves serde's derived deserializers out.
    browser::item(items, SETTINGS_KEY)
        .and_then(|value| crate::lean_read::settings(&value).ok())
        .unwrap_or_default()
}

/// Every `chrome.storage.local` key the content script's start reads: the settings, the
/// paired companion (and where earlier versions kept it) and the policies kept for it
/// ([`crate::policy_store::kept_in`]). The loader, `extension/static/content.js`, asks
/// for these in one `get` at its first line, beside the module's compile (a unit test
/// checks that it names each).
pub const CONTENT_START_KEYS: [&str; 5] = [
    SETTINGS_KEY,
    PAIRED_WITH_KEY,
    LEGACY_PAIRING_KEY,
    crate::policy_store::COMPANION_POLICY_KEY,
    crate::policy_store::DEFAULT_POLICY_KEY,
];

/// Saves the settings.
pub async fn save(settings: &Settings) -> Result<(), JsValue> {
    browser::storage_set(SETTINGS_KEY, settings).await
}

/// The pairing as its object store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PairingRecord {
    id: String,
    companion_url: String,
    token: String,
}

/// The current pairing, token included, if the extension is paired. Service worker and
/// extension pages only (a content script would open the page's database). A pairing kept
/// by an earlier version in `chrome.storage.local` moves to the database here.
pub async fn pairing() -> Option<Pairing> {
    let db = crate::worker::outbox::database().await.ok()?;
    if let Ok(Some(value)) = db
        .get(crate::worker::outbox::PAIRING_STORE, PAIRING_RECORD)
        .await
        && let Ok(record) = serde_wasm_bindgen::from_value::<PairingRecord>(value)
    {
        return Some(Pairing {
            companion_url: record.companion_url,
            token: record.token,
        });
    }
    let legacy = browser::storage_get::<Pairing>(LEGACY_PAIRING_KEY)
        .await
        .ok()
        .flatten()?;
    if save_pairing_record(&legacy).await.is_ok() {
        let _ = browser::storage_set(PAIRED_WITH_KEY, &legacy.companion_url).await;
        let _ = browser::storage_remove(LEGACY_PAIRING_KEY).await;
    }
    Some(legacy)
}

/// The paired companion's address, without its token (what content scripts may know), in
/// `items`, an answer of `storage.local.get` for keys that include [`PAIRED_WITH_KEY`] and
/// [`LEGACY_PAIRING_KEY`].
pub fn paired_with_in(items: &JsValue) -> Option<String> {
    // Read without serde (`lean_read`), as `load`.
    if let Some(url) = browser::item(items, PAIRED_WITH_KEY) {
        return url.as_string();
    }
    // Not moved yet from where an earlier version kept it.
    browser::item(items, LEGACY_PAIRING_KEY)
        .and_then(|pairing| crate::lean_read::companion_url(&pairing, "token").ok())
}

async fn save_pairing_record(pairing: &Pairing) -> Result<(), JsValue> {
    let record = PairingRecord {
        id: PAIRING_RECORD.to_owned(),
        companion_url: pairing.companion_url.clone(),
        token: pairing.token.clone(),
    };
    let value = serde_wasm_bindgen::to_value(&record)?;
    crate::worker::outbox::database()
        .await?
        .put(crate::worker::outbox::PAIRING_STORE, &value)
        .await
}

/// Records a completed pairing and forgets the pending request.
pub async fn save_pairing(pairing: &Pairing) -> Result<(), JsValue> {
    save_pairing_record(pairing).await?;
    browser::storage_set(PAIRED_WITH_KEY, &pairing.companion_url).await?;
    browser::storage_remove(LEGACY_PAIRING_KEY).await?;
    browser::storage_remove(PENDING_PAIRING_KEY).await
}

/// Forgets the pairing (the companion no longer accepts its token).
pub async fn forget_pairing() -> Result<(), JsValue> {
    crate::worker::outbox::database()
        .await?
        .delete(crate::worker::outbox::PAIRING_STORE, PAIRING_RECORD)
        .await?;
    browser::storage_remove(LEGACY_PAIRING_KEY).await?;
    browser::storage_remove(PAIRED_WITH_KEY).await
}

/// The pairing request waiting for approval, if any.
pub async fn pending_pairing() -> Option<PendingPairing> {
    browser::storage_get::<PendingPairing>(PENDING_PAIRING_KEY)
        .await
        .ok()
        .flatten()
}

/// Records a pairing request waiting for approval.
pub async fn save_pending_pairing(pending: &PendingPairing) -> Result<(), JsValue> {
    browser::storage_set(PENDING_PAIRING_KEY, pending).await
}

/// Forgets the pending pairing request.
pub async fn forget_pending_pairing() -> Result<(), JsValue> {
    browser::storage_remove(PENDING_PAIRING_KEY).await
}

/// A report the person made recently, which they may still annotate from the popup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentReport {
    pub id: String,
    pub page_title: String,
    pub page_url: String,
    pub created_at: String,
}

/// The recent reports, newest first.
pub async fn recent_reports() -> Vec<RecentReport> {
    browser::storage_get::<Vec<RecentReport>>(RECENT_REPORTS_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Remembers `report` as the newest recent report.
pub async fn remember_report(report: RecentReport) -> Result<(), JsValue> {
    let mut recent = recent_reports().await;
    recent.retain(|known| known.id != report.id);
    recent.insert(0, report);
    recent.truncate(RECENT_REPORTS_KEPT);
    browser::storage_set(RECENT_REPORTS_KEY, &recent).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_reads_every_key_the_content_start_needs() {
        let loader = include_str!("../static/content.js");
        let line = loader
            .lines()
            .find(|line| line.contains("chrome.storage.local.get(["))
            .expect("the loader's one read");
        let asked: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        let mut expected = CONTENT_START_KEYS.to_vec();
        expected.sort_unstable();
        let mut asked_sorted = asked.clone();
        asked_sorted.sort_unstable();
        assert_eq!(asked_sorted, expected, "{line}");
    }
}
