//! On the companion's own pairing page: the "pair this browser" button, and which pending
//! request is this browser's.
//!
//! The companion's page runs no script of its own (its CSP forbids it). It carries a
//! `#balise-pair` section with a disabled button; the content script enables it, and a
//! trusted click asks the service worker to pair with the companion at the page's origin
//! when it is the companion in the settings; another companion's page only proposes the
//! change, which the person confirms (or not) in the extension's options page.
//! The person then approves the request on that same page, where the content script marks
//! the row whose code is this browser's.

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::browser;
use crate::dom::{append, listen, query, query_all};
use crate::messages::{self, ContentReply, Request};
use crate::ui_text::UiText;

/// The section the companion's pairing page carries for the extension.
const SECTION_ID: &str = "balise-pair";
/// Its button.
const BUTTON_ID: &str = "balise-pair-start";
/// Attribute marking the pending request's row whose code is this browser's.
const THIS_BROWSER_ATTRIBUTE: &str = "data-balise-this-browser";

/// Where pairing stands, as the section's `data-state` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PairState {
    /// The extension can ask to pair with this companion.
    Ready,
    /// Asking the companion.
    Requesting,
    /// A request waits for approval on this page.
    Pending,
    /// Paired with this companion.
    Paired,
    /// Paired with another companion; pairing here would move reports here.
    PairedElsewhere,
    /// This companion is not the one in the extension's settings: the change waits for the
    /// person's confirmation in the extension's options page.
    Confirm,
    /// The last attempt failed.
    Error,
}

impl PairState {
    fn as_str(self) -> &'static str {
        match self {
            PairState::Ready => "ready",
            PairState::Requesting => "requesting",
            PairState::Pending => "pending",
            PairState::Paired => "paired",
            PairState::PairedElsewhere => "paired-elsewhere",
            PairState::Confirm => "confirm",
            PairState::Error => "error",
        }
    }

    /// What the section says in this state (the page is bilingual, as the companion's).
    fn message(self) -> UiText {
        match self {
            PairState::Ready => UiText {
                fr: "L'extension Balise est installée dans ce navigateur. Cliquez pour demander le jumelage : la demande apparaîtra ci-dessous avec son code, à approuver.",
                en: "The Balise extension is installed in this browser. Click to ask for pairing: the request will appear below with its code, to approve.",
            },
            PairState::Requesting => UiText {
                fr: "Demande de jumelage en cours…",
                en: "Asking to pair…",
            },
            PairState::Pending => UiText {
                fr: "Demande envoyée. Vérifiez que la demande marquée « ce navigateur » porte le code ci-après, puis approuvez-la. Code :",
                en: "Request sent. Check that the request marked \"this browser\" has the code below, then approve it. Code:",
            },
            PairState::Paired => UiText {
                fr: "Ce navigateur est jumelé à ce compagnon : ses signalements y sont conservés.",
                en: "This browser is paired with this companion: its reports are kept here.",
            },
            PairState::PairedElsewhere => UiText {
                fr: "Ce navigateur est jumelé à un autre compagnon. Jumelez-le ici pour y envoyer désormais ses signalements (vous le confirmerez dans les options de Balise).",
                en: "This browser is paired with another companion. Pair it here to send its reports here from now on (you will confirm it in Balise's options).",
            },
            PairState::Confirm => UiText {
                fr: "Ce compagnon n'est pas celui que Balise utilise. Rien n'a changé : confirmez le changement dans la page d'options de Balise qui vient de s'ouvrir, puis revenez ici approuver la demande. Compagnon actuel :",
                en: "This companion is not the one Balise uses. Nothing changed: confirm the change in Balise's options page that just opened, then come back here to approve the request. Current companion:",
            },
            PairState::Error => UiText {
                fr: "Le jumelage n'a pas pu être demandé. Rechargez la page et réessayez; si cela persiste, vérifiez que le compagnon fonctionne. Détail :",
                en: "Pairing could not be requested. Reload the page and try again; if it persists, check that the companion runs. Detail:",
            },
        }
    }
}

/// Attaches to the companion's pairing page at `companion` (its base URL), if the page
/// carries the pairing section.
pub fn attach(document: &Document, companion: String) -> Result<(), JsValue> {
    let (Some(section), Some(button)) = (
        document.get_element_by_id(SECTION_ID),
        document.get_element_by_id(BUTTON_ID),
    ) else {
        return Ok(());
    };
    let click_section = section.clone();
    let click_button = button.clone();
    listen(
        &button,
        "click",
        false,
        true,
        Box::new(move |event| {
            // Only the person's own click pairs: a script's synthetic click does nothing.
            if !event.is_trusted() {
                return;
            }
            let section = click_section.clone();
            let button = click_button.clone();
            wasm_bindgen_futures::spawn_local(async move {
                request_pairing(&section, &button).await;
            });
        }),
    )
    .forget();
    let document = document.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = show_pairing_state(&document, &section, &button, &companion).await {
            show(
                &section,
                PairState::Error,
                Some(&browser::error_text(&error)),
            );
        }
    });
    Ok(())
}

/// Asks the service worker where pairing stands (which completes an approved pairing) and
/// shows it.
async fn show_pairing_state(
    document: &Document,
    section: &Element,
    button: &Element,
    companion: &str,
) -> Result<(), JsValue> {
    let reply = messages::ask(&Request::GetPairing).await?;
    let ContentReply::Pairing {
        paired_with,
        pending_with,
        pending_code,
    } = reply
    else {
        return Err(JsValue::from_str(
            "unexpected answer from the service worker",
        ));
    };
    let pending_here = pending_with.as_deref() == Some(companion);
    let state = match (paired_with.as_deref(), pending_here) {
        (_, true) => PairState::Pending,
        (Some(paired), false) if paired == companion => PairState::Paired,
        (Some(_), false) => PairState::PairedElsewhere,
        (None, false) => PairState::Ready,
    };
    let code = pending_code.filter(|_| pending_here);
    show(section, state, code.as_deref());
    if let Some(code) = &code {
        mark_this_browsers_request(document, code)?;
    }
    // Enabled in every state but paired here: a pending request can be replaced by a new
    // one (a new code); pairing again with the same companion would change nothing.
    button.remove_attribute("disabled")?;
    if state == PairState::Paired {
        button.set_attribute("hidden", "")?;
    } else {
        button.remove_attribute("hidden")?;
    }
    Ok(())
}

/// Marks the pending request's row carrying `code` as this browser's.
fn mark_this_browsers_request(document: &Document, code: &str) -> Result<(), JsValue> {
    for row in query_all(document.as_ref(), "tr[data-code]") {
        if row.get_attribute("data-code").as_deref() == Some(code) {
            row.set_attribute(THIS_BROWSER_ATTRIBUTE, "")?;
        } else {
            row.remove_attribute(THIS_BROWSER_ATTRIBUTE)?;
        }
    }
    Ok(())
}

/// After a trusted click: asks to pair, then reloads so the request shows with its code.
async fn request_pairing(section: &Element, button: &Element) {
    let _ = button.set_attribute("disabled", "");
    show(section, PairState::Requesting, None);
    // Every answer but "done" leaves the person on this page with the button to try again.
    let (state, detail) = match messages::ask(&Request::StartPairing).await {
        Ok(ContentReply::Done) => {
            // The page lists pending requests as the companion rendered them: reload to
            // show this one, which the content script then marks.
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
            return;
        }
        Ok(ContentReply::ConfirmCompanion { current, .. }) => (PairState::Confirm, current),
        Ok(ContentReply::Error { message }) => (PairState::Error, message),
        Ok(_) => (PairState::Error, "unexpected answer".to_owned()),
        Err(error) => (PairState::Error, browser::error_text(&error)),
    };
    show(section, state, Some(&detail));
    let _ = button.remove_attribute("disabled");
}

/// Shows `state` in the section: its message in French and English, and `detail` (the
/// pairing code, or what went wrong).
fn show(section: &Element, state: PairState, detail: Option<&str>) {
    let _ = section.set_attribute("data-state", state.as_str());
    let Some(message) = query(section.as_ref(), "[data-balise-pair-message]") else {
        return;
    };
    message.set_text_content(None);
    let text = state.message();
    let _ = (|| -> Result<(), JsValue> {
        append(&message, "span", Some(text.fr))?;
        let english = append(&message, "span", Some(&format!(" / {} ", text.en)))?;
        english.set_attribute("class", "en")?;
        english.set_attribute("lang", "en")?;
        if let Some(detail) = detail {
            let detail_element = append(&message, "strong", Some(detail))?;
            detail_element.set_attribute("data-balise-pair-detail", "")?;
            if state == PairState::Pending {
                detail_element.set_attribute("class", "code")?;
            }
        }
        Ok(())
    })();
}
