//! Who sent a runtime message, and whether that sender may send it: each message says
//! which senders it accepts (`Request::senders`), and the worker checks the browser's own
//! description of the sender against it before answering.

use wasm_bindgen::prelude::*;

use crate::messages::Senders;

/// Who sent a runtime message, as the browser describes it (`runtime.MessageSender`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Sender {
    /// The sending extension's id.
    pub(super) id: Option<String>,
    /// The sending document's address.
    pub(super) url: Option<String>,
    /// The sender's tab, for content scripts and extension pages shown in a tab.
    pub(super) tab_id: Option<i32>,
    /// The sender's frame in its tab (0 for the top frame).
    pub(super) frame_id: Option<i32>,
}

impl Sender {
    /// The sender the browser describes (`runtime.MessageSender`).
    pub(super) fn of(sender: &JsValue) -> Sender {
        let get = |name: &str| js_sys::Reflect::get(sender, &JsValue::from_str(name)).ok();
        let tab_id = get("tab")
            .and_then(|tab| js_sys::Reflect::get(&tab, &JsValue::from_str("id")).ok())
            .and_then(|id| id.as_f64())
            .map(|id| id as i32);
        Sender {
            id: get("id").and_then(|id| id.as_string()),
            url: get("url").and_then(|url| url.as_string()),
            tab_id,
            frame_id: get("frameId")
                .and_then(|frame| frame.as_f64())
                .map(|frame| frame as i32),
        }
    }

    /// Whether this sender is among `senders`: this extension (`own_id`), and one of its
    /// own pages (`extension_base` is its root URL), or its content script in a tab (in
    /// the top frame when `senders` says so).
    pub(super) fn may_send(&self, senders: Senders, own_id: &str, extension_base: &str) -> bool {
        if own_id.is_empty() || self.id.as_deref() != Some(own_id) {
            return false;
        }
        let content_script =
            self.tab_id.is_some() && !self.is_extension_page(own_id, extension_base);
        let top_frame = content_script && self.frame_id == Some(0);
        match senders {
            Senders::ExtensionPages => self.is_extension_page(own_id, extension_base),
            Senders::TopFrame => self.is_extension_page(own_id, extension_base) || top_frame,
            Senders::AnyFrame => self.is_extension_page(own_id, extension_base) || content_script,
            Senders::ContentScript => content_script,
            Senders::TopFrameContentScript => top_frame,
        }
    }

    /// Whether this sender is one of this extension's own pages (`extension_base` is its
    /// root URL): the options, welcome and popup pages.
    fn is_extension_page(&self, own_id: &str, extension_base: &str) -> bool {
        !own_id.is_empty()
            && self.id.as_deref() == Some(own_id)
            && !extension_base.is_empty()
            && self
                .url
                .as_deref()
                .is_some_and(|url| url.starts_with(extension_base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Request;

    const OWN: &str = "kaniddlkjgbdhfciogjcpokgklcannmp";
    const BASE: &str = "chrome-extension://kaniddlkjgbdhfciogjcpokgklcannmp/";

    fn content_script(frame_id: i32) -> Sender {
        Sender {
            id: Some(OWN.to_owned()),
            url: Some("https://www.facebook.com/groups/1".to_owned()),
            tab_id: Some(7),
            frame_id: Some(frame_id),
        }
    }

    fn popup() -> Sender {
        Sender {
            id: Some(OWN.to_owned()),
            url: Some(format!("{BASE}popup.html")),
            tab_id: None,
            frame_id: None,
        }
    }

    #[test]
    fn the_welcome_page_opens_for_a_top_frame_content_script_or_an_extension_page() {
        let senders = Request::OpenWelcome.senders();
        assert!(content_script(0).may_send(senders, OWN, BASE));
        assert!(popup().may_send(senders, OWN, BASE));
    }

    #[test]
    fn the_welcome_page_does_not_open_for_frames_inside_pages_or_other_senders() {
        let senders = Request::OpenWelcome.senders();
        assert!(!content_script(3).may_send(senders, OWN, BASE));
        let no_tab = Sender {
            tab_id: None,
            frame_id: None,
            ..content_script(0)
        };
        assert!(!no_tab.may_send(senders, OWN, BASE));
        let other_extension = Sender {
            id: Some("abcdefghijklmnopabcdefghijklmnop".to_owned()),
            ..content_script(0)
        };
        assert!(!other_extension.may_send(senders, OWN, BASE));
        assert!(!Sender::default().may_send(senders, OWN, BASE));
        assert!(!content_script(0).may_send(senders, "", BASE));
    }

    #[test]
    fn privileged_messages_come_only_from_the_extensions_pages() {
        let privileged = [
            Request::GetStatus,
            Request::Flush,
            Request::ReportActiveTab,
            Request::CancelCompanionChange,
            Request::ConfirmCompanionChange {
                proposed: "http://127.0.0.1:7879".to_owned(),
            },
        ];
        for request in &privileged {
            let senders = request.senders();
            assert_eq!(senders, Senders::ExtensionPages, "{request:?}");
            assert!(popup().may_send(senders, OWN, BASE), "{request:?}");
            assert!(
                !content_script(0).may_send(senders, OWN, BASE),
                "{request:?}"
            );
        }
        // A content script's page that merely names the extension's address is not one.
        let look_alike = Sender {
            url: Some(format!("https://evil.example/?{BASE}options.html")),
            ..content_script(0)
        };
        assert!(!look_alike.may_send(Senders::ExtensionPages, OWN, BASE));
    }

    /// An extension page shown in a tab (the options opened from the menu): it has a tab
    /// id, and is still no content script.
    fn options_in_a_tab() -> Sender {
        Sender {
            id: Some(OWN.to_owned()),
            url: Some(format!("{BASE}options.html")),
            tab_id: Some(9),
            frame_id: Some(0),
        }
    }

    fn attestation() -> Request {
        Request::RecordAttestation {
            attestation: balise_core::report::AttestationV1 {
                id: "00000000-0000-4000-8000-000000000000".to_owned(),
                recorded_at: "2026-12-07T00:00:00Z".to_owned(),
                site: "mastodon".to_owned(),
                page_url: "https://mastodon.social/home".to_owned(),
                text_sha256: "0".repeat(64),
                checklist: Vec::new(),
                findings: Vec::new(),
                override_reason: None,
                policy_version: None,
            },
        }
    }

    #[test]
    fn the_sender_table() {
        use Senders::*;
        // (request, extension page, top frame content script, subframe content script)
        let table: Vec<(Request, bool, bool, bool)> = vec![
            (Request::Ping, true, true, true),
            (Request::GetPolicy, true, true, true),
            (attestation(), false, true, true),
            (
                Request::LooksLike {
                    site: "mastodon".to_owned(),
                },
                false,
                true,
                false,
            ),
            (
                Request::CaptureAtPress {
                    press: "p".to_owned(),
                },
                false,
                true,
                false,
            ),
            (
                Request::DiscardPress {
                    press: "p".to_owned(),
                },
                false,
                true,
                false,
            ),
            (
                Request::ReportPage {
                    selected_text: None,
                    viewport: None,
                    overlays_hidden: false,
                    press: None,
                },
                true,
                true,
                false,
            ),
            (
                Request::Annotate {
                    id: "r".to_owned(),
                    category: None,
                    note: None,
                },
                true,
                true,
                false,
            ),
            (Request::StartPairing, true, true, false),
            (Request::GetPairing, true, true, false),
            (Request::OpenWelcome, true, true, false),
            (Request::ReportActiveTab, true, false, false),
            (Request::GetStatus, true, false, false),
            (Request::Flush, true, false, false),
            (
                Request::ConfirmCompanionChange {
                    proposed: "http://127.0.0.1:7879".to_owned(),
                },
                true,
                false,
                false,
            ),
            (Request::CancelCompanionChange, true, false, false),
            (
                Request::ActiveTabLookalike { tab: None },
                true,
                false,
                false,
            ),
            (
                Request::EnableActiveTabSite { tab: Some(4) },
                true,
                false,
                false,
            ),
            (
                Request::DeclineActiveTabSite { tab: None },
                true,
                false,
                false,
            ),
            (Request::RefusedSites, true, false, false),
            (
                Request::ForgetRefusedSite {
                    host: "social.example.org".to_owned(),
                },
                true,
                false,
                false,
            ),
            (Request::SyncSites, true, false, false),
            (Request::LoadScriptEngine, false, true, true),
        ];
        for (request, page, top, frame) in &table {
            let senders = request.senders();
            assert_eq!(
                popup().may_send(senders, OWN, BASE),
                *page,
                "popup {request:?}"
            );
            assert_eq!(
                options_in_a_tab().may_send(senders, OWN, BASE),
                *page,
                "options tab {request:?}"
            );
            assert_eq!(
                content_script(0).may_send(senders, OWN, BASE),
                *top,
                "top {request:?}"
            );
            assert_eq!(
                content_script(2).may_send(senders, OWN, BASE),
                *frame,
                "frame {request:?}"
            );
            let stranger = Sender {
                id: Some("abcdefghijklmnopabcdefghijklmnop".to_owned()),
                ..content_script(0)
            };
            assert!(
                !stranger.may_send(senders, OWN, BASE),
                "stranger {request:?}"
            );
        }
        // Every variant of the table's kinds is covered.
        assert!(matches!(attestation().senders(), ContentScript));
    }

    #[test]
    fn frames_inside_pages_read_the_policy_but_do_not_report_or_pair() {
        let frame = content_script(5);
        assert_eq!(Request::GetPolicy.senders(), Senders::AnyFrame);
        assert!(frame.may_send(Request::GetPolicy.senders(), OWN, BASE));
        let report = Request::ReportPage {
            selected_text: None,
            viewport: None,
            overlays_hidden: false,
            press: None,
        };
        assert!(!frame.may_send(report.senders(), OWN, BASE));
        assert!(content_script(0).may_send(report.senders(), OWN, BASE));
        assert!(!frame.may_send(Request::StartPairing.senders(), OWN, BASE));
    }
}
