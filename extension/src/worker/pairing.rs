//! The pairing with the companion, from the worker's side: the request, the companion it
//! goes to, and its completion once the person approves it in the companion.

use wasm_bindgen::prelude::*;

use super::companion_client::{self, PairingStatus};
use super::{outbox, schedule_alarm};
use crate::browser;
use crate::policy_store;
use crate::settings::{self, Pairing};

/// Asks `companion` to pair with this extension and keeps the request until it is approved.
pub(super) async fn start_pairing(companion: &str) -> Result<(), JsValue> {
    let browser_name = if browser::user_agent().contains("Firefox") {
        "firefox"
    } else {
        "chromium"
    };
    let pending = companion_client::request_pairing(companion, browser_name)
        .await
        .map_err(|message| JsValue::from_str(&message))?;
    settings::save_pending_pairing(&pending).await?;
    // Polled by the alarm until the person approves or refuses it in the companion.
    schedule_alarm().await;
    Ok(())
}

/// The companion a pairing request goes to: the one in the settings when the extension's
/// own options page asks, the page's own companion when its pairing page asks (after a
/// trusted click on the button the content script adds there). Any other page is refused.
pub(super) async fn pairing_target(sender: &JsValue) -> Result<String, JsValue> {
    let url = js_sys::Reflect::get(sender, &JsValue::from_str("url"))?
        .as_string()
        .unwrap_or_default();
    if url.starts_with(&browser::runtime_get_url("")) {
        return Ok(settings::load().await.companion_base());
    }
    balise_core::companion_page::pairing_page_companion(&url).ok_or_else(|| {
        JsValue::from_str("pairing can start only from the options or the companion's pairing page")
    })
}

/// Completes a pairing the person approved in the companion since the last look.
pub(super) async fn check_pending_pairing() {
    let Some(pending) = settings::pending_pairing().await else {
        return;
    };
    if pending.companion_url != settings::load().await.companion_base() {
        // Asked of a companion that is no longer the one in the settings: its approval
        // would change the companion without the person seeing it.
        let _ = settings::forget_pending_pairing().await;
        return;
    }
    match companion_client::poll_pairing(&pending).await {
        Ok(PairingStatus::Approved { token: Some(token) }) => {
            let pairing = Pairing {
                companion_url: pending.companion_url.clone(),
                token,
            };
            if settings::save_pairing(&pairing).await.is_ok() {
                policy_store::refresh(true).await;
                outbox::flush().await;
            }
        }
        Ok(PairingStatus::Rejected | PairingStatus::Expired)
        | Ok(PairingStatus::Approved { token: None }) => {
            let _ = settings::forget_pending_pairing().await;
        }
        Ok(PairingStatus::Pending) | Err(_) => {}
    }
}
