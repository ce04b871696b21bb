//! The attestation built from a publication: the text's SHA-256, the page, the policy in
//! force and the checklist's state, sent to the service worker to record (once per
//! publication, however many publish events the site fires).

use std::rc::Rc;

use balise_core::report::{AttestationV1, Publication};

use super::Watcher;
use super::compose_box::ComposeBox;
use crate::browser;
use crate::messages::{self, ContentReply, Request};
use crate::ui_text as t;

impl Watcher {
    /// Records the box's current text as a publication, unless it is empty or the same
    /// publication as the last one.
    pub(super) fn record_publication(&self, compose_box: &Rc<ComposeBox>) {
        let text = compose_box.text.borrow().clone();
        if text.trim().is_empty() {
            return;
        }
        let digest = balise_core::digest::sha256_hex(text.as_bytes());
        let now = js_sys::Date::now();
        if !compose_box
            .last_publication
            .borrow_mut()
            .is_new(&digest, now)
        {
            return;
        }
        let Some(analysis) = compose_box.analysis.borrow().clone() else {
            return;
        };
        let override_reason = compose_box.override_reason.borrow_mut().take();
        let page_url = web_sys::window()
            .and_then(|window| window.location().href().ok())
            .unwrap_or_default();
        let id = browser::random_uuid();
        let recorded_at = browser::now_rfc3339();
        let attestation = AttestationV1::of_publication(
            Publication {
                id: &id,
                recorded_at: &recorded_at,
                site: self.adapter.id,
                page_url: &page_url,
                text_sha256: &digest,
                policy_version: Some(self.policy.version),
            },
            &analysis,
            override_reason.as_deref(),
        );
        let _ = compose_box.panel.show_hold(None);
        let compose_box = compose_box.clone();
        let lang = self.lang;
        wasm_bindgen_futures::spawn_local(async move {
            let reply = messages::ask(&Request::RecordAttestation { attestation }).await;
            match reply {
                Ok(ContentReply::Done) => {
                    compose_box
                        .panel
                        .set_status(t::ATTESTATION_RECORDED.get(lang));
                    let count = compose_box.attestations.get() + 1;
                    compose_box.attestations.set(count);
                    let _ = compose_box
                        .panel
                        .host()
                        .set_attribute("data-attestations", &count.to_string());
                }
                Ok(ContentReply::Error { message }) => compose_box
                    .panel
                    .set_status(&format!("{}{message}", t::ATTESTATION_FAILED.get(lang))),
                Ok(_) => {}
                Err(error) => compose_box.panel.set_status(&format!(
                    "{}{}",
                    t::ATTESTATION_FAILED.get(lang),
                    browser::error_text(&error)
                )),
            }
        });
    }
}
