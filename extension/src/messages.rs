//! Messages exchanged between the extension's parts (content script, pages) and its service worker.

use balise_core::policy::Policy;
use balise_core::report::{AttestationV1, ReportCategory, Viewport};
use serde::{Deserialize, Serialize};

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
    },
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
