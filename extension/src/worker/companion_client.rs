//! HTTP calls from the service worker to the paired companion: pairing, reports,
//! annotations, attestations and the policy.
//!
//! Only the service worker calls the companion, so requests carry the extension's own
//! origin (content scripts would fetch as the page).

use balise_core::policy::Policy;
use balise_core::report::ReportAnnotation;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::browser::{self, error_text};
use crate::settings::{Pairing, PendingPairing};

/// What became of one delivery attempt: `Ok` once the companion committed it (201, or the
/// same answer replayed).
pub type Delivery = Result<(), DeliveryFailure>;

/// Why a delivery attempt did not store anything.
#[derive(Debug)]
pub enum DeliveryFailure {
    /// The companion refused the token: the extension must pair again.
    Unauthorized,
    /// The companion refused the content for good (a 4xx other than 401, 403, 408 and 429).
    Rejected(String),
    /// Worth trying again later (companion down, 5xx, 403, 408, 429).
    Retry(String),
}

async fn response_error(response: &Response) -> String {
    let status = response.status();
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    #[derive(Deserialize)]
    struct ErrorBody {
        error: ErrorDetail,
    }
    #[derive(Deserialize)]
    struct ErrorDetail {
        code: String,
        message: String,
    }
    match browser::from_json::<ErrorBody>(&body) {
        Ok(parsed) => format!(
            "HTTP {status} {}: {}",
            parsed.error.code, parsed.error.message
        ),
        Err(_) => format!("HTTP {status}"),
    }
}

async fn classify(result: Result<Response, JsValue>) -> Delivery {
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            return Err(DeliveryFailure::Retry(format!(
                "companion unreachable: {}",
                error_text(&error)
            )));
        }
    };
    match response.status() {
        200..=299 => Ok(()),
        401 => Err(DeliveryFailure::Unauthorized),
        // 403 is about who asks (an origin or host the companion does not accept right
        // now, such as after its pairings were reset), not about the content: the same
        // request can succeed once that is fixed, so it is not a refusal for good.
        403 | 408 | 429 => Err(DeliveryFailure::Retry(response_error(&response).await)),
        400..=499 => Err(DeliveryFailure::Rejected(response_error(&response).await)),
        _ => Err(DeliveryFailure::Retry(response_error(&response).await)),
    }
}

fn auth_headers(pairing: &Pairing, idempotency_key: &str) -> Result<Headers, JsValue> {
    let headers = Headers::new()?;
    headers.set("Authorization", &format!("Bearer {}", pairing.token))?;
    headers.set("Idempotency-Key", idempotency_key)?;
    Ok(headers)
}

/// A `multipart/form-data` body with the report's JSON (`report`) and its PNG
/// (`screenshot`), built as one byte array: the browser sends it as it is, where a
/// `FormData` of two `Blob`s would first register them with its blob storage and copy the
/// screenshot there. Returns the body and its `Content-Type`.
fn multipart_report(
    report_json: &str,
    screenshot: &js_sys::Uint8Array,
) -> (js_sys::Uint8Array, String) {
    // A fresh random boundary per body: parts are delimited by the boundary alone, so it
    // must not occur in the JSON or the PNG; 128 random bits make that negligible (a
    // page's title cannot aim at a boundary drawn after it).
    let boundary = format!("balise-{}", browser::random_uuid().replace('-', ""));
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\
         Content-Type: application/json\r\n\r\n{report_json}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"screenshot\"; \
         filename=\"screenshot.png\"\r\nContent-Type: image/png\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let (head, tail) = (head.as_bytes(), tail.as_bytes());
    let length = head.len() + screenshot.length() as usize + tail.len();
    let body = js_sys::Uint8Array::new_with_length(length as u32);
    body.subarray(0, head.len() as u32).copy_from(head);
    body.set(screenshot, head.len() as u32);
    body.subarray(length as u32 - tail.len() as u32, length as u32)
        .copy_from(tail);
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// Sends one report with its screenshot: `POST /api/v1/reports`.
pub async fn send_report(
    pairing: &Pairing,
    idempotency_key: &str,
    report_json: &str,
    screenshot: &js_sys::Uint8Array,
) -> Delivery {
    let request = || -> Result<RequestInit, JsValue> {
        let (body, content_type) = multipart_report(report_json, screenshot);
        let headers = auth_headers(pairing, idempotency_key)?;
        headers.set("Content-Type", &content_type)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers.into());
        init.set_body(&body);
        Ok(init)
    };
    deliver(
        &format!("{}/api/v1/reports", pairing.companion_url),
        request,
    )
    .await
}

/// Sends the request `request` builds to `url` and classifies the answer; a request that
/// cannot be built is rejected for good, with the reason.
async fn deliver(url: &str, request: impl FnOnce() -> Result<RequestInit, JsValue>) -> Delivery {
    let init = request().map_err(|error| DeliveryFailure::Rejected(error_text(&error)))?;
    classify(browser::fetch(url, &init).await).await
}

/// Adds a category or note to a stored report: `PATCH /api/v1/reports/{id}`.
pub async fn send_annotation(
    pairing: &Pairing,
    idempotency_key: &str,
    report_id: &str,
    annotation: &ReportAnnotation,
) -> Delivery {
    let request = || -> Result<RequestInit, JsValue> {
        let headers = auth_headers(pairing, idempotency_key)?;
        headers.set("Content-Type", "application/json")?;
        let init = RequestInit::new();
        init.set_method("PATCH");
        init.set_headers(&headers.into());
        let body = browser::to_json(annotation)?;
        init.set_body(&JsValue::from_str(&body));
        Ok(init)
    };
    deliver(
        &format!("{}/api/v1/reports/{report_id}", pairing.companion_url),
        request,
    )
    .await
}

/// Sends one attestation: `POST /api/v1/attestations`, its id as `Idempotency-Key`.
pub async fn send_attestation(pairing: &Pairing, id: &str, body: &str) -> Delivery {
    let request = || -> Result<RequestInit, JsValue> {
        let headers = auth_headers(pairing, id)?;
        headers.set("Content-Type", "application/json")?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers.into());
        init.set_body(&JsValue::from_str(body));
        Ok(init)
    };
    deliver(
        &format!("{}/api/v1/attestations", pairing.companion_url),
        request,
    )
    .await
}

/// The companion's policy: `GET /api/v1/policy` (not validated here).
pub async fn fetch_policy(pairing: &Pairing) -> Result<Policy, String> {
    let build = || -> Result<RequestInit, JsValue> {
        let headers = Headers::new()?;
        headers.set("Authorization", &format!("Bearer {}", pairing.token))?;
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers.into());
        Ok(init)
    };
    let init = build().map_err(|error| error_text(&error))?;
    let url = format!("{}/api/v1/policy", pairing.companion_url);
    let response = browser::fetch(&url, &init)
        .await
        .map_err(|error| format!("companion unreachable: {}", error_text(&error)))?;
    if !response.ok() {
        return Err(response_error(&response).await);
    }
    json_body(&response).await
}

#[derive(Debug, serde::Serialize)]
struct PairingRequest {
    label: String,
    browser: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PairingCreated {
    request_id: String,
    code: String,
}

/// Asks the companion at `companion_url` to pair; the person approves it there.
pub async fn request_pairing(
    companion_url: &str,
    browser_name: &str,
) -> Result<PendingPairing, String> {
    let build = || -> Result<RequestInit, JsValue> {
        let headers = Headers::new()?;
        headers.set("Content-Type", "application/json")?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers.into());
        let body = browser::to_json(&PairingRequest {
            label: format!("Balise {}", crate::VERSION),
            browser: browser_name.to_owned(),
        })?;
        init.set_body(&JsValue::from_str(&body));
        Ok(init)
    };
    let init = build().map_err(|error| error_text(&error))?;
    let url = format!("{companion_url}/api/v1/pairing");
    let response = browser::fetch(&url, &init).await.map_err(|error| {
        format!(
            "companion unreachable at {companion_url}: {}",
            error_text(&error)
        )
    })?;
    if !response.ok() {
        return Err(response_error(&response).await);
    }
    let created: PairingCreated = json_body(&response).await?;
    Ok(PendingPairing {
        companion_url: companion_url.to_owned(),
        request_id: created.request_id,
        code: created.code,
    })
}

/// Where a pairing request stands.
#[derive(Debug, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PairingStatus {
    Pending,
    Approved { token: Option<String> },
    Rejected,
    Expired,
}

/// Asks the companion where `pending` stands.
pub async fn poll_pairing(pending: &PendingPairing) -> Result<PairingStatus, String> {
    // POST, not GET: browsers send no Origin header on an extension's GET, and the
    // companion hands the token only to the origin that asked for it.
    let build = || -> Result<RequestInit, JsValue> {
        let headers = Headers::new()?;
        headers.set("Content-Type", "application/json")?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers.into());
        init.set_body(&JsValue::from_str("{}"));
        Ok(init)
    };
    let init = build().map_err(|error| error_text(&error))?;
    let url = format!(
        "{}/api/v1/pairing/{}",
        pending.companion_url, pending.request_id
    );
    let response = browser::fetch(&url, &init)
        .await
        .map_err(|error| format!("companion unreachable: {}", error_text(&error)))?;
    match response.status() {
        404 | 410 => Ok(PairingStatus::Expired),
        _ if response.ok() => json_body(&response).await,
        _ => Err(response_error(&response).await),
    }
}

async fn json_body<T: serde::de::DeserializeOwned>(response: &Response) -> Result<T, String> {
    let text = JsFuture::from(response.text().map_err(|error| error_text(&error))?)
        .await
        .map_err(|error| error_text(&error))?
        .as_string()
        .unwrap_or_default();
    browser::from_json(&text).map_err(|error| {
        format!(
            "unexpected answer from the companion: {}",
            error_text(&error)
        )
    })
}
