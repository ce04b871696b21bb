//! The service worker: owns the policy, the outbox and the pairing; answers the other parts.

pub(crate) mod companion_client;
pub(crate) mod outbox;
mod pairing;
pub(crate) mod reporting;
mod sender;
pub(crate) mod site_scripts;

use std::cell::RefCell;
use std::collections::HashMap;

use balise_core::rate_limit::RateLimit;
use balise_core::report::ReportAnnotation;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::messages::{Reply, Request, TabMessage};
use crate::policy_store;
use crate::settings;
use pairing::{check_pending_pairing, pairing_target, start_pairing};
use reporting::{PageContext, TabInfo};
use sender::Sender;

/// Alarm that retries delivery while something waits, and otherwise refreshes the policy.
const RETRY_ALARM: &str = "balise-retry";
/// Its period while a pairing request, or (paired) a report or an attestation, waits (the
/// shortest Chromium allows).
const RETRY_PERIOD_MINUTES: f64 = 0.5;
/// Its period when paired and nothing waits: the policy's refresh is due at most every ten
/// minutes, and the worker otherwise stays stopped (an alarm every 30 s would restart it,
/// and its process and wasm instance, as soon as the browser had stopped it for being
/// idle). Not paired, there is no alarm (see [`schedule_alarm`]).
const IDLE_PERIOD_MINUTES: f64 = 10.0;
/// Context-menu item id.
const CONTEXT_MENU_REPORT: &str = "balise-report";
/// The welcome page: name, email, role and pairing, opened at install.
pub const WELCOME_PAGE: &str = "welcome.html";
/// The options page, where a change of companion is confirmed.
const OPTIONS_PAGE: &str = "options.html";
/// The content script's pure-JS build, one classic script (`cargo xtask build` bundles it)
/// that defines `baliseContentEngine` in the extension's isolated world of the frame it
/// runs in; run there only on request ([`Request::LoadScriptEngine`]).
const SCRIPT_ENGINE: &str = "pkg-js/balise_content.js";

/// Runs each time the service worker starts: retries what waits, and asks the companion
/// for its policy if the last request is more than ten minutes old (the worker is woken
/// often, by every message).
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        // Content scripts read the default policy from this copy (see `policy_store`).
        if let Err(error) = policy_store::keep_default().await {
            web_sys::console::warn_2(&JsValue::from_str("Balise: default policy:"), &error);
        }
        outbox::update_badge().await;
        policy_store::refresh(false).await;
        // Its end sets the alarm (see `schedule_alarm`).
        outbox::flush().await;
    });
}

/// Sets the alarm's period from what waits: every 30 s while a pairing request waits for
/// the companion's answer, or while the extension is paired and a report or an attestation
/// waits; every ten minutes when paired and nothing waits (the policy's refresh). Not paired
/// and no pairing asked, there is nothing to deliver to nor a policy to fetch: no alarm, so
/// nothing starts the worker, its process and its wasm instance for nothing (what waits is
/// sent by the flush that follows the pairing, as by the browser's start). An alarm already
/// at its period is left as it is (re-creating it would push its next firing back).
pub(crate) async fn schedule_alarm() {
    let pending_pairing = settings::pending_pairing().await.is_some();
    let paired = settings::pairing().await.is_some();
    let waiting = paired && outbox::waits().await;
    let period = alarm_period(pending_pairing, paired, waiting);
    let current = browser::alarm_period(RETRY_ALARM).await;
    if current == period {
        return;
    }
    let set = match period {
        Some(period) => browser::create_alarm(RETRY_ALARM, period),
        None => browser::clear_alarm(RETRY_ALARM).await,
    };
    if let Err(error) = set {
        web_sys::console::warn_2(&JsValue::from_str("Balise: alarm:"), &error);
    }
}

/// The alarm's period in minutes (see [`schedule_alarm`]); `None`: no alarm.
fn alarm_period(pending_pairing: bool, paired: bool, waiting: bool) -> Option<f64> {
    if pending_pairing || (paired && waiting) {
        Some(RETRY_PERIOD_MINUTES)
    } else if paired {
        Some(IDLE_PERIOD_MINUTES)
    } else {
        None
    }
}

/// Handles a browser event forwarded by the loader (`installed`, `alarm`, `context-menu`).
pub async fn handle_event(name: String, payload: JsValue) -> Result<JsValue, JsValue> {
    match name.as_str() {
        "installed" => {
            // A first install (not an update of the extension or the browser) takes the
            // person to the welcome page, where reports get their name and email.
            let reason = js_sys::Reflect::get(&payload, &JsValue::from_str("reason"))
                .ok()
                .and_then(|reason| reason.as_string());
            if reason.as_deref() == Some("install")
                && let Err(error) = open_welcome(None).await
            {
                web_sys::console::warn_2(&JsValue::from_str("Balise: welcome page:"), &error);
            }
            browser::create_context_menu(
                CONTEXT_MENU_REPORT,
                &browser::i18n_get_message("reportToManager"),
            )?;
            sync_sites().await;
            policy_store::refresh(true).await;
        }
        "startup" => {
            sync_sites().await;
            check_pending_pairing().await;
            policy_store::refresh(true).await;
            outbox::flush().await;
        }
        "alarm" | "online" => {
            check_pending_pairing().await;
            policy_store::refresh(false).await;
            outbox::flush().await;
        }
        "context-menu" => {
            let tab: TabInfo = serde_wasm_bindgen::from_value(js_sys::Reflect::get(
                &payload,
                &JsValue::from_str("tab"),
            )?)?;
            let info = js_sys::Reflect::get(&payload, &JsValue::from_str("info"))?;
            let item = js_sys::Reflect::get(&info, &JsValue::from_str("menuItemId"))?;
            if item.as_string().as_deref() != Some(CONTEXT_MENU_REPORT) {
                return Ok(JsValue::UNDEFINED);
            }
            let selected_text =
                js_sys::Reflect::get(&info, &JsValue::from_str("selectionText"))?.as_string();
            let context = PageContext {
                selected_text,
                viewport: None,
                overlays_hidden: false,
                press: None,
            };
            let tab_id = tab.id;
            let reply = match reporting::report_tab(tab, context, browser::performance_now()).await
            {
                Ok(receipt) => Reply::Reported(receipt),
                Err(message) => Reply::Error { message },
            };
            // The menu has no window of its own: the page's card confirms the report and
            // takes a category and a note.
            let confirmation = match &reply {
                Reply::Reported(receipt) => TabMessage::ShowReceipt {
                    receipt: receipt.clone(),
                },
                Reply::Error { message } => TabMessage::ShowReportError {
                    message: message.clone(),
                },
                _ => return browser::to_js(&reply),
            };
            let _ = browser::send_top_frame_message(tab_id, &confirmation).await;
            return browser::to_js(&reply);
        }
        _ => {}
    }
    Ok(JsValue::UNDEFINED)
}

/// Registers the content script for the enabled sites; a failure is logged, never fatal.
async fn sync_sites() {
    if let Err(error) = site_scripts::sync().await {
        web_sys::console::warn_2(&JsValue::from_str("Balise: enabled sites:"), &error);
    }
}

/// The active tab of the current window.
async fn active_tab_info() -> Result<TabInfo, JsValue> {
    let tab = browser::active_tab()
        .await?
        .ok_or_else(|| JsValue::from_str("no active tab"))?;
    Ok(serde_wasm_bindgen::from_value(tab)?)
}

/// The tab the popup is about: the one it names when opened as a page, else the active one.
async fn popup_tab(tab: Option<i32>) -> Result<TabInfo, JsValue> {
    match tab {
        Some(id) => Ok(serde_wasm_bindgen::from_value(browser::tab(id).await?)?),
        None => active_tab_info().await,
    }
}

/// Answers one runtime message; failures become a [`Reply::Error`] rather than a rejection.
pub async fn handle_message(message: JsValue, sender: JsValue) -> Result<JsValue, JsValue> {
    // When the message reached the worker's code (a report's timings count from here).
    let received_at = browser::performance_now();
    let reply = match serde_wasm_bindgen::from_value::<Request>(message) {
        Ok(request) => answer(request, sender, received_at)
            .await
            .unwrap_or_else(|error| Reply::Error {
                message: error.as_string().unwrap_or_else(|| format!("{error:?}")),
            }),
        Err(error) => Reply::Error {
            message: format!("unknown message: {error}"),
        },
    };
    browser::to_js(&reply)
}

fn sender_tab(sender: &JsValue) -> Result<TabInfo, JsValue> {
    let tab = js_sys::Reflect::get(sender, &JsValue::from_str("tab"))?;
    serde_wasm_bindgen::from_value(tab)
        .map_err(|_| JsValue::from_str("this message must come from a tab"))
}

async fn answer(request: Request, sender: JsValue, received_at: f64) -> Result<Reply, JsValue> {
    let own_id = browser::runtime_id().unwrap_or_default();
    if !Sender::of(&sender).may_send(request.senders(), &own_id, &browser::runtime_get_url("")) {
        return Err(JsValue::from_str(
            "this message is not accepted from this sender / ce message n'est pas accepté de cet expéditeur",
        ));
    }
    match request {
        Request::Ping => {
            let (policy, _) = policy_store::load().await?;
            Ok(Reply::Pong {
                version: crate::VERSION.to_owned(),
                organization: policy.organization.name.clone(),
                checklist_items: policy.items.len(),
            })
        }
        Request::ReportPage {
            selected_text,
            viewport,
            overlays_hidden,
            press,
        } => {
            let tab = sender_tab(&sender)?;
            let context = PageContext {
                selected_text,
                viewport,
                overlays_hidden,
                press,
            };
            Ok(
                match reporting::report_tab(tab, context, received_at).await {
                    Ok(receipt) => Reply::Reported(receipt),
                    Err(message) => Reply::Error { message },
                },
            )
        }
        Request::CaptureAtPress { press } => {
            reporting::capture_at_press(sender_tab(&sender)?, press);
            Ok(Reply::Done)
        }
        Request::DiscardPress { press } => {
            reporting::discard_press(sender_tab(&sender)?.id, &press);
            Ok(Reply::Done)
        }
        Request::ReportActiveTab => {
            let tab = active_tab_info().await?;
            Ok(
                match reporting::report_tab(tab, PageContext::default(), received_at).await {
                    Ok(receipt) => Reply::Reported(receipt),
                    Err(message) => Reply::Error { message },
                },
            )
        }
        Request::Annotate { id, category, note } => {
            let note = note.filter(|note| !note.trim().is_empty());
            outbox::annotate(&id, ReportAnnotation { category, note }).await?;
            outbox::flush().await;
            Ok(Reply::Done)
        }
        Request::GetStatus => {
            check_pending_pairing().await;
            let settings = settings::load().await;
            Ok(Reply::Status {
                paired: settings::pairing().await.is_some(),
                companion_url: settings.companion_base(),
                pairing_code: settings::pending_pairing()
                    .await
                    .map(|pending| pending.code),
                identity_missing: !settings.has_identity(),
                outbox: outbox::items().await?,
                attestations: outbox::attestation_items().await?,
                recent: settings::recent_reports().await,
                companion_change: settings::companion_change().await,
            })
        }
        Request::StartPairing => {
            let companion = pairing_target(&sender).await?;
            let current = settings::load().await.companion_base();
            if companion != current {
                // Another companion's pairing page (any loopback port can serve one): the
                // person confirms the change in the extension's own page, or nothing changes.
                let change = settings::CompanionChange {
                    current: current.clone(),
                    proposed: companion.clone(),
                };
                settings::save_companion_change(&change).await?;
                if let Err(error) =
                    open_extension_page(OPTIONS_PAGE, Sender::of(&sender).tab_id).await
                {
                    web_sys::console::warn_2(&JsValue::from_str("Balise: options page:"), &error);
                }
                return Ok(Reply::ConfirmCompanion {
                    current,
                    proposed: companion,
                });
            }
            start_pairing(&companion).await?;
            Ok(Reply::Done)
        }
        Request::ConfirmCompanionChange { proposed } => {
            let Some(change) = settings::companion_change().await else {
                return Err(JsValue::from_str("no change of companion waits"));
            };
            if change.proposed != proposed {
                return Err(JsValue::from_str(
                    "the change of companion waiting is not the one confirmed",
                ));
            }
            let mut current = settings::load().await;
            current.companion_url = change.proposed.clone();
            settings::save(&current).await?;
            settings::forget_companion_change().await?;
            settings::forget_pending_pairing().await?;
            start_pairing(&change.proposed).await?;
            Ok(Reply::Done)
        }
        Request::CancelCompanionChange => {
            settings::forget_companion_change().await?;
            Ok(Reply::Done)
        }
        Request::GetPairing => {
            check_pending_pairing().await;
            let pending = settings::pending_pairing().await;
            Ok(Reply::Pairing {
                paired_with: settings::pairing()
                    .await
                    .map(|pairing| pairing.companion_url),
                pending_with: pending
                    .as_ref()
                    .map(|pending| pending.companion_url.clone()),
                pending_code: pending.map(|pending| pending.code),
            })
        }
        Request::Flush => Ok(Reply::Flushed(outbox::flush().await)),
        Request::GetPolicy => {
            let (policy, from_companion) = policy_store::load().await?;
            Ok(Reply::Policy {
                policy,
                from_companion,
            })
        }
        Request::OpenWelcome => {
            open_welcome(Sender::of(&sender).tab_id).await?;
            Ok(Reply::Done)
        }
        Request::LooksLike { site } => {
            let tab = sender_tab(&sender)?;
            let url = Sender::of(&sender).url.unwrap_or_default();
            site_scripts::mark(tab.id, &url, &site).await?;
            Ok(Reply::Done)
        }
        Request::ActiveTabLookalike { tab } => {
            let tab = popup_tab(tab).await?;
            let marked = match tab.url.as_deref() {
                Some(url) => site_scripts::marked(tab.id, url).await,
                None => None,
            };
            Ok(Reply::Lookalike {
                host: marked.as_ref().map(|entry| entry.host.clone()),
                site: marked.map(|entry| entry.site),
            })
        }
        Request::EnableActiveTabSite { tab } => {
            let tab = popup_tab(tab).await?;
            let url = tab
                .url
                .ok_or_else(|| JsValue::from_str("the active tab's address is not known"))?;
            site_scripts::enable(tab.id, &url).await?;
            Ok(Reply::Done)
        }
        Request::DeclineActiveTabSite { tab } => {
            let tab = popup_tab(tab).await?;
            let url = tab
                .url
                .ok_or_else(|| JsValue::from_str("the active tab's address is not known"))?;
            site_scripts::decline(tab.id, &url).await?;
            Ok(Reply::Done)
        }
        Request::RefusedSites => Ok(Reply::RefusedSites {
            sites: site_scripts::refused_sites().await?,
        }),
        Request::ForgetRefusedSite { host } => {
            site_scripts::forget_refusal(&host).await?;
            Ok(Reply::Done)
        }
        Request::LoadScriptEngine => {
            let from = Sender::of(&sender);
            let tab = from
                .tab_id
                .ok_or_else(|| JsValue::from_str("this message must come from a tab"))?;
            browser::execute_script_file_in(tab, from.frame_id, SCRIPT_ENGINE).await?;
            Ok(Reply::Done)
        }
        Request::SyncSites => {
            site_scripts::sync().await?;
            Ok(Reply::Done)
        }
        Request::RecordAttestation { attestation } => {
            if !attestation_allowed(Sender::of(&sender).tab_id, js_sys::Date::now()) {
                return Err(JsValue::from_str(
                    "too many publications recorded in a minute: this one is not attested",
                ));
            }
            outbox::record_attestation(&attestation).await?;
            // Durably stored: answer now, deliver after.
            wasm_bindgen_futures::spawn_local(async {
                outbox::flush().await;
            });
            Ok(Reply::Done)
        }
    }
}

/// At most this many attestations a minute from one tab (a person publishes far fewer; a
/// page dispatching publish events by the thousand gets no more).
const ATTESTATIONS_PER_TAB_PER_MINUTE: usize = 30;
/// At most this many attestations a minute in all.
const ATTESTATIONS_PER_MINUTE: usize = 60;

thread_local! {
    /// The attestation limits while this worker lives: one per tab, and one for all.
    static ATTESTATION_LIMITS: RefCell<(HashMap<i32, RateLimit>, RateLimit)> = RefCell::new((
        HashMap::new(),
        RateLimit::new(ATTESTATIONS_PER_MINUTE, 60_000.0),
    ));
}

/// Whether an attestation from `tab` (none: an extension page) at `now_ms` is within the
/// limits; if it is, it counts.
fn attestation_allowed(tab: Option<i32>, now_ms: f64) -> bool {
    ATTESTATION_LIMITS.with(|limits| {
        let (per_tab, all) = &mut *limits.borrow_mut();
        let tab_limit = per_tab
            .entry(tab.unwrap_or(-1))
            .or_insert_with(|| RateLimit::new(ATTESTATIONS_PER_TAB_PER_MINUTE, 60_000.0));
        // The tab's limit first: a refused flood does not use up the others' share.
        tab_limit.allow(now_ms) && all.allow(now_ms)
    })
}

/// Opens the welcome page in a new tab (beside `opener`), or brings it forward if a tab
/// already shows it.
async fn open_welcome(opener: Option<i32>) -> Result<(), JsValue> {
    open_extension_page(WELCOME_PAGE, opener).await
}

/// Opens the extension's `page` in a new tab (beside `opener`), or brings it forward if a
/// tab already shows it.
async fn open_extension_page(page: &str, opener: Option<i32>) -> Result<(), JsValue> {
    let url = browser::runtime_get_url(page);
    match browser::find_tab(&url).await {
        Ok(Some((tab, window))) => browser::focus_tab(tab, window).await,
        Ok(None) | Err(_) => browser::create_tab(&url, opener).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alarm_runs_only_when_paired_or_a_pairing_waits() {
        // (pending pairing, paired, something waits) → period
        assert_eq!(alarm_period(true, false, false), Some(RETRY_PERIOD_MINUTES));
        assert_eq!(alarm_period(true, true, false), Some(RETRY_PERIOD_MINUTES));
        assert_eq!(alarm_period(false, true, true), Some(RETRY_PERIOD_MINUTES));
        assert_eq!(alarm_period(false, true, false), Some(IDLE_PERIOD_MINUTES));
        // Not paired: nothing to deliver to nor a policy to fetch, whatever waits.
        assert_eq!(alarm_period(false, false, false), None);
        assert_eq!(alarm_period(false, false, true), None);
    }
}
