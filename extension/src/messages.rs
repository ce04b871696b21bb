//! Messages exchanged between the extension's parts (content script, pages) and its service worker.

use balise_core::policy::Policy;
use balise_core::report::{AttestationV1, ReportCategory, Viewport};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::settings::{CompanionChange, RecentReport};
use crate::worker::outbox::{FlushOutcome, OutboxItem};
use crate::worker::reporting::ReportReceipt;
use crate::worker::site_scripts::RefusedSite;

/// A request sent with `chrome.runtime.sendMessage` to the service worker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// Asks whether the service worker runs, and with which policy.
    Ping,
    /// Reports the sender's tab (from the page's report button, after a trusted click).
    #[serde(rename_all = "camelCase")]
    ReportPage {
        selected_text: Option<String>,
        viewport: Option<Viewport>,
        /// Whether the page already hid Balise's elements for the capture.
        overlays_hidden: bool,
        /// The press on the report button that became this click, when the page asked for
        /// a capture at that press ([`Request::CaptureAtPress`]): the report uses it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        press: Option<String>,
    },
    /// The person pressed the page's report button and Balise's elements, made transparent,
    /// are painted out: the worker captures the tab now and keeps the capture for the
    /// click that may follow (a [`Request::ReportPage`] naming the same `press`), until
    /// [`Request::DiscardPress`] or a few seconds. Never stored or sent without that click.
    CaptureAtPress { press: String },
    /// The press did not become a click: its capture is dropped.
    DiscardPress { press: String },
    /// Reports the active tab (from the popup, opened by the toolbar button or the shortcut).
    ReportActiveTab,
    /// Adds a category and/or note to a report, now or after it was delivered.
    Annotate {
        id: String,
        category: Option<ReportCategory>,
        note: Option<String>,
    },
    /// The state the popup and options page show.
    GetStatus,
    /// Asks the companion to pair with this extension: the one in the settings (from the
    /// options page) or the one whose pairing page sent it (from the content script).
    StartPairing,
    /// Where pairing stands (for the companion's pairing page).
    GetPairing,
    /// Confirms the change of companion waiting in the options (`proposed` is the address
    /// the person saw), then asks that companion to pair. Extension pages only.
    ConfirmCompanionChange { proposed: String },
    /// Drops the change of companion waiting in the options. Extension pages only.
    CancelCompanionChange,
    /// Sends what waits in the outbox now.
    Flush,
    /// The policy in force, for the checklist beside compose boxes.
    GetPolicy,
    /// Keeps a publication's attestation in the outbox until the companion stores it.
    RecordAttestation { attestation: AttestationV1 },
    /// Opens the welcome page (name, email, role, pairing), or brings it forward if it is
    /// open: from the report card (after a trusted click; a content script cannot open the
    /// extension's pages) or the popup. Honoured only from a top frame's content script or
    /// an extension page.
    OpenWelcome,
    /// The look-alike detector (`detect.js`, in the top frame of pages that are not compose
    /// sites) found the DOM signature of the site `site` (an adapter id): the worker marks
    /// the tab, and the popup asks whether to use the checklist on this host.
    LooksLike { site: String },
    /// Whether the active tab is a marked look-alike, for the popup (answered with
    /// [`Reply::Lookalike`]). `tab` names the tab instead when the popup is opened as a page
    /// (`popup.html?tab=ID`, as the Firefox tests open it), where the active tab is its own.
    ActiveTabLookalike {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tab: Option<i32>,
    },
    /// Adds the active tab's (or `tab`'s) host to the enabled sites (the person said yes in
    /// the popup), registers the content script there and injects it into the tab now.
    EnableActiveTabSite {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tab: Option<i32>,
    },
    /// The person said no in the popup for the active tab (or `tab`), a marked look-alike:
    /// its host is remembered as refused (worker-only storage), and neither marked nor asked
    /// about again until the person forgets the refusal in the options.
    DeclineActiveTabSite {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tab: Option<i32>,
    },
    /// The look-alike hosts the person refused, for the options (answered with
    /// [`Reply::RefusedSites`]).
    RefusedSites,
    /// Forgets the refusal of look-alike host `host` (from the options): the question comes
    /// back on its next visit.
    ForgetRefusedSite { host: String },
    /// Registers the content script for the enabled sites in the settings, as they are
    /// now (after the options page saved them).
    SyncSites,
    /// The content script could not start its WebAssembly module (the page's CSP forbids
    /// WebAssembly): the worker runs the pure-JS build in the sender's frame, where the
    /// content script then finds it. No web-accessible resource is needed, so a page
    /// cannot probe for that build at a fixed address.
    LoadScriptEngine,
}

/// Who may send a kind of [`Request`]. The service worker checks the browser's description
/// of the sender (`runtime.MessageSender`: extension id, tab, frame, address) against it
/// before acting; the message itself never says who sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Senders {
    /// The extension's own pages only (options, welcome page, popup): privileged.
    ExtensionPages,
    /// The content script of a tab's top frame, or the extension's pages.
    TopFrame,
    /// The content script of any frame of a tab (compose boxes in iframes), or the
    /// extension's pages.
    AnyFrame,
    /// The content script of any frame of a tab only, never an extension page: what only a
    /// compose page can say (a publication).
    ContentScript,
    /// The content script (or the look-alike detector) of a tab's top frame only.
    TopFrameContentScript,
}

impl Request {
    /// Who may send this kind of request: the one table of the protocol's privileges.
    pub fn senders(&self) -> Senders {
        match self {
            // Read-only answers every part needs, and publications from compose boxes,
            // which may sit in a frame (rate-limited in the service worker).
            Request::Ping | Request::GetPolicy => Senders::AnyFrame,
            // A publication happens in a compose page's frame: an extension page has none
            // to attest (rate-limited in the service worker).
            Request::RecordAttestation { .. } => Senders::ContentScript,
            // Only a content script has a frame to run the pure-JS build in.
            Request::LoadScriptEngine => Senders::ContentScript,
            // What the detector saw in the tab it runs in.
            Request::LooksLike { .. } => Senders::TopFrameContentScript,
            // A press on the page's report button: a tab's top frame only.
            Request::CaptureAtPress { .. } | Request::DiscardPress { .. } => {
                Senders::TopFrameContentScript
            }
            // The page's report card and the companion's pairing page: top frame only.
            Request::ReportPage { .. }
            | Request::Annotate { .. }
            | Request::StartPairing
            | Request::GetPairing
            | Request::OpenWelcome => Senders::TopFrame,
            // What waits in the outbox, recent reports, delivery, reporting the active tab
            // and changing the companion: the extension's own pages only.
            Request::ReportActiveTab
            | Request::GetStatus
            | Request::Flush
            | Request::ConfirmCompanionChange { .. }
            | Request::CancelCompanionChange
            | Request::ActiveTabLookalike { .. }
            | Request::EnableActiveTabSite { .. }
            | Request::DeclineActiveTabSite { .. }
            | Request::RefusedSites
            | Request::ForgetRefusedSite { .. }
            | Request::SyncSites => Senders::ExtensionPages,
        }
    }
}

/// The service worker's answer to a [`Request`].
// `Policy` is much larger than the other variants; a reply is built once and serialized at
// once, so its size does not matter, and boxing it would change the type that callers
// (the content script) destructure.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Reply {
    /// The service worker runs this extension version with this policy.
    #[serde(rename_all = "camelCase")]
    Pong {
        version: String,
        organization: String,
        checklist_items: usize,
    },
    /// A report is safe in the outbox.
    Reported(ReportReceipt),
    /// The request was done.
    Done,
    /// Delivery ran.
    Flushed(FlushOutcome),
    /// What waits and whether the extension is paired.
    #[serde(rename_all = "camelCase")]
    Status {
        paired: bool,
        companion_url: String,
        pairing_code: Option<String>,
        identity_missing: bool,
        outbox: Vec<OutboxItem>,
        /// Publication attestations not yet stored by the companion (refused ones included).
        #[serde(default)]
        attestations: Vec<OutboxItem>,
        /// Recent reports, newest first, which may still get a category or note.
        recent: Vec<RecentReport>,
        /// A change of companion waiting for the person's confirmation.
        #[serde(default)]
        companion_change: Option<CompanionChange>,
    },
    /// The policy in force and where it comes from.
    #[serde(rename_all = "camelCase")]
    Policy {
        policy: Policy,
        /// Whether it is the paired companion's policy (otherwise the built-in default).
        from_companion: bool,
    },
    /// Where pairing stands: the companion this extension is paired with, and the request
    /// waiting for approval, if any.
    #[serde(rename_all = "camelCase")]
    Pairing {
        paired_with: Option<String>,
        pending_with: Option<String>,
        pending_code: Option<String>,
    },
    /// Pairing with the page's companion would replace the one in the settings: nothing
    /// changed, and the options page (opened now) asks the person to confirm.
    ConfirmCompanion { current: String, proposed: String },
    /// Whether the active tab is a look-alike of a compose site waiting for the person's
    /// answer: its host and the site's name.
    Lookalike {
        host: Option<String>,
        site: Option<String>,
    },
    /// The look-alike hosts the person refused, oldest first.
    RefusedSites { sites: Vec<RefusedSite> },
    /// The request could not be handled.
    Error { message: String },
}

/// A message from the service worker to a tab's content script.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TabMessage {
    /// Hides (before a capture) or shows again Balise's own elements in the page.
    SetOverlaysVisible { visible: bool },
    /// Asks the top frame what a report records of the page: its viewport and selection
    /// (for reports from the toolbar or the context menu). Answered with a [`PageSnapshot`].
    DescribePage,
    /// Shows a report's receipt in the page's card, where a category and a note can be
    /// added (for reports from the context menu, which has no window of its own).
    ShowReceipt { receipt: ReportReceipt },
    /// Shows in the page's card why a report could not be made.
    ShowReportError { message: String },
    /// Asks a frame's content script how it runs and how long it took to start (answered
    /// with a `content::ContentState`), for the tests and the benchmark: the page itself
    /// never sees it.
    DescribeContent,
}

/// What the top frame tells of the page for a report.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageSnapshot {
    pub selected_text: Option<String>,
    pub viewport: Option<Viewport>,
}

/// The names of the fields the content script reads of the worker's messages, as serde
/// writes them (`rename_all` on [`Reply`], [`TabMessage`], `ReportReceipt`, `ReportTimings`
/// and `FlushOutcome`); a unit test checks them against the typed messages' serialization.
mod wire {
    pub const TYPE: &str = "type";
    pub const MESSAGE: &str = "message";
    pub const POLICY: &str = "policy";
    pub const FROM_COMPANION: &str = "fromCompanion";
    pub const PAIRED_WITH: &str = "pairedWith";
    pub const PENDING_WITH: &str = "pendingWith";
    pub const PENDING_CODE: &str = "pendingCode";
    pub const CURRENT: &str = "current";
    pub const VISIBLE: &str = "visible";
    pub const RECEIPT: &str = "receipt";
    pub const ID: &str = "id";
    pub const STORED: &str = "stored";
    pub const IDENTITY_MISSING: &str = "identityMissing";
    pub const TIMINGS: &str = "timings";
    pub const DELIVERY: &str = "delivery";
    pub const STATUS: &str = "status";
    pub const NOT_PAIRED: &str = "not-paired";
    // The kinds (`type`) of replies and tab messages the content script reads.
    pub const DONE: &str = "done";
    pub const ERROR: &str = "error";
    pub const REPORTED: &str = "reported";
    pub const PAIRING: &str = "pairing";
    pub const CONFIRM_COMPANION: &str = "confirm-companion";
    pub const POLICY_KIND: &str = "policy";
    pub const SET_OVERLAYS_VISIBLE: &str = "set-overlays-visible";
    pub const DESCRIBE_PAGE: &str = "describe-page";
    pub const SHOW_RECEIPT: &str = "show-receipt";
    pub const SHOW_REPORT_ERROR: &str = "show-report-error";
    pub const DESCRIBE_CONTENT: &str = "describe-content";
    /// The receipt's timings, in the order of [`super::ReceiptView::timings`].
    pub const TIMING_FIELDS: [&str; 9] = [
        "captureMs",
        "beforeCaptureMs",
        "decodeMs",
        "hashMs",
        "buildMs",
        "outboxMs",
        "uploadMs",
        "answerMs",
        "workerMs",
    ];
}

/// What the content script reads of a [`Reply`]: the few kinds it is sent, with only the
/// fields it uses, read straight from the JavaScript object. The worker keeps building and
/// serializing the typed [`Reply`]; deriving its whole deserializer (every kind, every
/// nested type, serde's buffering of internally tagged enums) in the content module cost
/// about 60 KB of wasm for these few fields.
#[derive(Debug)]
pub enum ContentReply {
    /// [`Reply::Done`].
    Done,
    /// [`Reply::Error`].
    Error { message: String },
    /// [`Reply::Reported`]: what the page's card shows of the receipt.
    Reported(ReceiptView),
    /// [`Reply::Pairing`].
    Pairing {
        paired_with: Option<String>,
        pending_with: Option<String>,
        pending_code: Option<String>,
    },
    /// [`Reply::ConfirmCompanion`]: the companion in the settings.
    ConfirmCompanion { current: String },
    /// [`Reply::Policy`] (the policy read by `lean_json` and `lean_read::policy`, validated by the caller).
    Policy {
        policy: Box<Policy>,
        from_companion: bool,
    },
    /// Any other kind: an answer the content script did not ask for.
    Other,
}

/// What the content script shows of a report's receipt (`ReportReceipt`).
#[derive(Debug, Default)]
pub struct ReceiptView {
    pub id: String,
    /// The companion has stored the report.
    pub stored: bool,
    /// The report waits for the person's name and email.
    pub identity_missing: bool,
    /// The outbox's delivery stopped because the extension is not paired.
    pub not_paired: bool,
    /// The worker's stages in milliseconds, in the order of `ReportTimings`' fields (for
    /// the benchmark), as the worker measured them.
    pub timings: [f64; 9],
}

fn field(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string_field(object: &JsValue, key: &str) -> Option<String> {
    field(object, key).as_string()
}

fn required_string(object: &JsValue, key: &str) -> Result<String, JsValue> {
    string_field(object, key)
        .ok_or_else(|| JsValue::from_str(&format!("malformed message: no text `{key}`")))
}

fn bool_field(object: &JsValue, key: &str) -> Result<bool, JsValue> {
    field(object, key)
        .as_bool()
        .ok_or_else(|| JsValue::from_str(&format!("malformed message: no boolean `{key}`")))
}

impl ReceiptView {
    /// Reads a serialized `ReportReceipt`.
    fn read(object: &JsValue) -> Result<Self, JsValue> {
        let timings = field(object, wire::TIMINGS);
        let delivery = field(object, wire::DELIVERY);
        Ok(ReceiptView {
            id: required_string(object, wire::ID)?,
            stored: bool_field(object, wire::STORED)?,
            identity_missing: bool_field(object, wire::IDENTITY_MISSING)?,
            not_paired: delivery.is_object()
                && string_field(&delivery, wire::STATUS).as_deref() == Some(wire::NOT_PAIRED),
            timings: wire::TIMING_FIELDS
                .map(|key| field(&timings, key).as_f64().unwrap_or_default()),
        })
    }
}

impl ContentReply {
    /// Reads the worker's reply (a serialized [`Reply`]).
    pub fn read(reply: &JsValue) -> Result<Self, JsValue> {
        if !reply.is_object() {
            return Err(JsValue::from_str("no answer from the service worker"));
        }
        Ok(match string_field(reply, wire::TYPE).as_deref() {
            Some(wire::DONE) => ContentReply::Done,
            Some(wire::ERROR) => ContentReply::Error {
                message: required_string(reply, wire::MESSAGE)?,
            },
            Some(wire::REPORTED) => ContentReply::Reported(ReceiptView::read(reply)?),
            Some(wire::PAIRING) => ContentReply::Pairing {
                paired_with: string_field(reply, wire::PAIRED_WITH),
                pending_with: string_field(reply, wire::PENDING_WITH),
                pending_code: string_field(reply, wire::PENDING_CODE),
            },
            Some(wire::CONFIRM_COMPANION) => ContentReply::ConfirmCompanion {
                current: required_string(reply, wire::CURRENT)?,
            },
            Some(wire::POLICY_KIND) => ContentReply::Policy {
                policy: Box::new(crate::lean_json::policy(crate::lean_json::from_js(
                    &field(reply, wire::POLICY),
                ))?),
                from_companion: bool_field(reply, wire::FROM_COMPANION)?,
            },
            _ => ContentReply::Other,
        })
    }
}

/// Sends `request` to the service worker and returns its reply as it came (content script
/// side: written by [`crate::lean_write::request`], not serde).
pub async fn send(request: &Request) -> Result<JsValue, JsValue> {
    let text = crate::lean_write::request(request)
        .ok_or_else(|| JsValue::from_str("not a request of the content script"))?;
    crate::browser::send_value(&crate::browser::parse_json(&text)?).await
}

/// Sends `request` to the service worker and reads its reply (content script side).
pub async fn ask(request: &Request) -> Result<ContentReply, JsValue> {
    ContentReply::read(&send(request).await?)
}

/// What the content script reads of a [`TabMessage`], the same way as [`ContentReply`].
#[derive(Debug)]
pub enum TabMessageView {
    SetOverlaysVisible { visible: bool },
    DescribePage,
    ShowReceipt(ReceiptView),
    ShowReportError { message: String },
    DescribeContent,
}

impl TabMessageView {
    /// Reads a serialized [`TabMessage`]; any other message is an error.
    pub fn read(message: &JsValue) -> Result<Self, JsValue> {
        if !message.is_object() {
            return Err(JsValue::from_str("malformed message"));
        }
        Ok(match string_field(message, wire::TYPE).as_deref() {
            Some(wire::SET_OVERLAYS_VISIBLE) => TabMessageView::SetOverlaysVisible {
                visible: bool_field(message, wire::VISIBLE)?,
            },
            Some(wire::DESCRIBE_PAGE) => TabMessageView::DescribePage,
            Some(wire::SHOW_RECEIPT) => {
                TabMessageView::ShowReceipt(ReceiptView::read(&field(message, wire::RECEIPT))?)
            }
            Some(wire::SHOW_REPORT_ERROR) => TabMessageView::ShowReportError {
                message: required_string(message, wire::MESSAGE)?,
            },
            Some(wire::DESCRIBE_CONTENT) => TabMessageView::DescribeContent,
            _ => return Err(JsValue::from_str("unknown message")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::wire;
    use super::{Reply, TabMessage};
    use crate::worker::outbox::FlushOutcome;
    use crate::worker::reporting::{ReportReceipt, ReportTimings};
    use serde_json::{Value, json};

    fn receipt() -> ReportReceipt {
        ReportReceipt {
            id: "r1".into(),
            screenshot_sha256: "00".into(),
            stored: false,
            identity_missing: true,
            timings: ReportTimings {
                capture_ms: 1.0,
                before_capture_ms: 2.0,
                decode_ms: 3.0,
                hash_ms: 4.0,
                build_ms: 5.0,
                outbox_ms: 6.0,
                upload_ms: 7.0,
                answer_ms: 8.0,
                worker_ms: 9.0,
            },
            delivery: Some(FlushOutcome::NotPaired { waiting: 1 }),
        }
    }

    fn wire_of<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).expect("serializes")
    }

    /// The lean readers of the content script read the fields the typed messages write.
    #[test]
    fn content_readers_name_the_typed_messages_fields() {
        let reported = wire_of(&Reply::Reported(receipt()));
        assert_eq!(reported[wire::TYPE], wire::REPORTED);
        assert_eq!(reported[wire::ID], "r1");
        assert_eq!(reported[wire::STORED], false);
        assert_eq!(reported[wire::IDENTITY_MISSING], true);
        assert_eq!(reported[wire::DELIVERY][wire::STATUS], wire::NOT_PAIRED);
        let timings: Vec<Value> = wire::TIMING_FIELDS
            .iter()
            .map(|key| reported[wire::TIMINGS][key].clone())
            .collect();
        assert_eq!(
            timings,
            (1..=9).map(|ms| json!(f64::from(ms))).collect::<Vec<_>>()
        );

        assert_eq!(wire_of(&Reply::Done)[wire::TYPE], wire::DONE);
        let error = wire_of(&Reply::Error {
            message: "m".into(),
        });
        assert_eq!(
            (&error[wire::TYPE], &error[wire::MESSAGE]),
            (&json!(wire::ERROR), &json!("m"))
        );
        let pairing = wire_of(&Reply::Pairing {
            paired_with: Some("a".into()),
            pending_with: Some("b".into()),
            pending_code: Some("c".into()),
        });
        assert_eq!(pairing[wire::TYPE], wire::PAIRING);
        assert_eq!(
            [
                &pairing[wire::PAIRED_WITH],
                &pairing[wire::PENDING_WITH],
                &pairing[wire::PENDING_CODE]
            ],
            [&json!("a"), &json!("b"), &json!("c")]
        );
        let confirm = wire_of(&Reply::ConfirmCompanion {
            current: "a".into(),
            proposed: "b".into(),
        });
        assert_eq!(confirm[wire::TYPE], wire::CONFIRM_COMPANION);
        assert_eq!(confirm[wire::CURRENT], "a");
        let policy = wire_of(&Reply::Policy {
            policy: balise_core::policy::Policy::sec_csq_default(),
            from_companion: true,
        });
        assert_eq!(policy[wire::TYPE], wire::POLICY_KIND);
        assert_eq!(policy[wire::FROM_COMPANION], true);
        assert!(policy[wire::POLICY].is_object());

        let visible = wire_of(&TabMessage::SetOverlaysVisible { visible: true });
        assert_eq!(visible[wire::TYPE], wire::SET_OVERLAYS_VISIBLE);
        assert_eq!(visible[wire::VISIBLE], true);
        assert_eq!(
            wire_of(&TabMessage::DescribePage)[wire::TYPE],
            wire::DESCRIBE_PAGE
        );
        assert_eq!(
            wire_of(&TabMessage::DescribeContent)[wire::TYPE],
            wire::DESCRIBE_CONTENT
        );
        let shown = wire_of(&TabMessage::ShowReceipt { receipt: receipt() });
        assert_eq!(shown[wire::TYPE], wire::SHOW_RECEIPT);
        assert_eq!(shown[wire::RECEIPT], reported_without_type(reported));
        let failed = wire_of(&TabMessage::ShowReportError {
            message: "m".into(),
        });
        assert_eq!(failed[wire::TYPE], wire::SHOW_REPORT_ERROR);
        assert_eq!(failed[wire::MESSAGE], "m");
    }

    fn reported_without_type(mut reported: Value) -> Value {
        if let Some(object) = reported.as_object_mut() {
            object.remove(wire::TYPE);
        }
        reported
    }
}
