//! The policy in force: the paired companion's (fetched, validated, kept in
//! `chrome.storage.local`), else the default packaged with the extension.
//!
//! Content scripts never fetch the packaged default: a file they could fetch would have to
//! be web-accessible, an address any page could probe to learn that its visitor runs
//! Balise. The service worker copies it into `chrome.storage.local` when it starts, and a
//! content script that finds no copy (the very first page after an install) asks the worker.

use balise_core::policy::Policy;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::browser;
use crate::lean_json::{self, Json};
use crate::lean_read::{self, Source};
use crate::settings;
use crate::worker::companion_client;

/// Packaged copy of the default policy, written by the build from `balise-core`.
const DEFAULT_POLICY_PATH: &str = "default-policy.json";
/// Key of the service worker's copy of the packaged default, for content scripts.
pub(crate) const DEFAULT_POLICY_KEY: &str = "defaultPolicy";
/// Key of the last good policy received from the companion.
pub(crate) const COMPANION_POLICY_KEY: &str = "companionPolicy";
/// Key of the time (milliseconds since the epoch) of the last request for it.
const LAST_CHECK_KEY: &str = "companionPolicyCheckedAt";
/// Shortest time between two requests for the policy that nothing forced.
const CHECK_INTERVAL_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The last good policy the companion sent, and where and when it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredPolicy {
    policy: Policy,
    /// The companion that sent it: another companion's policy is not this one's.
    companion_url: String,
    /// When it was fetched (RFC 3339, UTC).
    fetched_at: String,
}

/// The policy in force and whether it is the paired companion's (`true`) or the packaged
/// default (`false`).
///
/// The companion's policy applies while the extension is paired with the companion that
/// sent it and the stored copy is still valid; otherwise the packaged default does.
pub async fn load() -> Result<(Policy, bool), JsValue> {
    let items = browser::storage_get_items(&settings::CONTENT_START_KEYS).await?;
    load_from(&items).await
}

/// As [`load`], from `items`, an answer of `storage.local.get` for
/// [`settings::CONTENT_START_KEYS`] (the content script's loader asks for them at its first
/// line): only when they hold no policy (the very first page after an install) is the
/// service worker asked.
pub async fn load_from(items: &JsValue) -> Result<(Policy, bool), JsValue> {
    if let Some(kept) = kept_in(items) {
        return Ok(kept);
    }
    // Only a content script asks (the worker and the pages run in the extension's origin).
    #[cfg(feature = "content")]
    if !browser::in_extension_origin() {
        return ask_worker().await;
    }
    // Extension pages and the worker read the packaged file; a content script never gets
    // here (and its module leaves that reader, serde's, out).
    #[cfg(any(feature = "worker", feature = "pages"))]
    {
        Ok((keep_default().await?, false))
    }
    #[cfg(not(any(feature = "worker", feature = "pages")))]
    {
        Err(JsValue::from_str("no policy kept for the content script"))
    }
}

/// Asks the service worker for the policy in force: for a content script that finds none
/// kept (before the worker kept its copy, the worker reads the file). Only the content
/// script's module reaches it (and the requests' writer it brings).
pub(crate) async fn ask_worker() -> Result<(Policy, bool), JsValue> {
    use crate::messages::{self, ContentReply, Request};
    match messages::ask(&Request::GetPolicy).await? {
        ContentReply::Policy {
            policy,
            from_companion,
        } => Ok((*policy, from_companion)),
        ContentReply::Error { message } => Err(JsValue::from_str(&message)),
        _ => Err(JsValue::from_str(
            "unexpected answer from the service worker",
        )),
    }
}

/// The policy in force among `items` (see [`load_from`]), if one is kept there: the
/// paired companion's, else the worker's copy of the packaged default.
pub(crate) fn kept_in(items: &JsValue) -> Option<(Policy, bool)> {
    // Runs in content scripts too: the paired companion's address only, never the token.
    // Each stored object is read as one JSON text (`JSON.stringify`, parsed by
    // `lean_json`), then field by field (`lean_read`, the same fields as `StoredPolicy`
    // and `Policy`): the content script's wasm module leaves serde's derived deserializers
    // out, and one string crosses the JavaScript boundary instead of every field.
    if let Some(paired_with) = settings::paired_with_in(items)
        && let Some(stored) = stored_json(items, COMPANION_POLICY_KEY)
        && lean_read::companion_url(&&stored, "fetchedAt").ok() == Some(paired_with)
        && let Some(policy) = (&stored).get("policy")
        && let Ok(policy) = lean_read::policy(&policy)
        && policy.is_valid()
    {
        return Some((policy, true));
    }
    if let Some(policy) = stored_json(items, DEFAULT_POLICY_KEY)
        && let Ok(policy) = lean_read::policy(&&policy)
        && policy.is_valid()
    {
        return Some((policy, false));
    }
    None
}

/// The stored object `key` of `items`, as a parsed JSON tree.
fn stored_json(items: &JsValue, key: &str) -> Option<Json> {
    lean_json::from_js(&browser::item(items, key)?)
}

/// Reads the default policy packaged with the extension (extension pages and the service
/// worker only) and keeps its copy for content scripts, replacing one from an older
/// version of the extension. Called by the service worker each time it starts.
pub async fn keep_default() -> Result<Policy, JsValue> {
    let json = browser::fetch_packaged_text(DEFAULT_POLICY_PATH).await?;
    let policy: Policy = browser::from_json(&json)?;
    policy
        .validate()
        .map_err(|error| JsValue::from_str(&error.to_string()))?;
    let kept = browser::storage_get::<Policy>(DEFAULT_POLICY_KEY).await;
    if !matches!(kept, Ok(Some(ref kept)) if *kept == policy) {
        browser::storage_set(DEFAULT_POLICY_KEY, &policy).await?;
    }
    Ok(policy)
}

fn log_warning(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

/// Asks the paired companion for its policy and keeps it if it is valid. Unless `force`,
/// does nothing when the last request is less than ten minutes old. A companion that does
/// not answer, or answers an invalid policy, leaves the last good one in force (logged).
pub async fn refresh(force: bool) {
    let Some(pairing) = settings::pairing().await else {
        return;
    };
    let now = js_sys::Date::now();
    if !force
        && let Ok(Some(last)) = browser::storage_get::<f64>(LAST_CHECK_KEY).await
        && (0.0..CHECK_INTERVAL_MS).contains(&(now - last))
    {
        return;
    }
    let _ = browser::storage_set(LAST_CHECK_KEY, &now).await;
    let policy = match companion_client::fetch_policy(&pairing).await {
        Ok(policy) => policy,
        Err(error) => {
            log_warning(&format!(
                "Balise: the companion's policy could not be fetched ({error}); the last good one stays in force"
            ));
            return;
        }
    };
    if let Err(error) = policy.validate() {
        log_warning(&format!(
            "Balise: the companion sent an invalid policy ({error}); the last good one stays in force"
        ));
        return;
    }
    let stored = StoredPolicy {
        policy,
        companion_url: pairing.companion_url.clone(),
        fetched_at: browser::now_rfc3339(),
    };
    if let Err(error) = browser::storage_set(COMPANION_POLICY_KEY, &stored).await {
        log_warning(&format!(
            "Balise: the companion's policy could not be kept: {}",
            browser::error_text(&error)
        ));
    }
}
