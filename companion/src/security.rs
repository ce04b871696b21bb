//! Request guards applied to every route: Host (DNS rebinding), Origin, CORS, content types, token, headers.
//!
//! Localhost HTTP is reachable by every web page and every local process. The companion
//! therefore accepts only its own Host names for the bound port, only Origins it knows
//! (its own pages, paired extensions, and any extension while pairing), answers CORS
//! preflights for those with the exact origin echoed (never `*`), requires a JSON or
//! multipart body on state-changing API calls (so a page's "simple" form POST cannot reach
//! a handler) and a bearer token compared in constant time, taken from the
//! `Authorization` header only.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::state::AppState;

/// The names this companion answers to, for the port it is bound to.
#[derive(Debug, Clone)]
pub struct Site {
    /// The bound port.
    pub port: u16,
    /// The URL the companion prints, such as `http://127.0.0.1:7878`.
    pub base_url: String,
    hosts: [String; 3],
    own_origins: [String; 3],
}

impl Site {
    /// The site for a bound address.
    pub fn new(addr: SocketAddr) -> Self {
        let port = addr.port();
        let base_url = match addr {
            SocketAddr::V4(v4) => format!("http://{}:{port}", v4.ip()),
            SocketAddr::V6(v6) => format!("http://[{}]:{port}", v6.ip()),
        };
        let hosts = [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        let own_origins = hosts.clone().map(|host| format!("http://{host}"));
        Self {
            port,
            base_url,
            hosts,
            own_origins,
        }
    }

    /// Whether a Host header names this companion.
    pub fn host_allowed(&self, host: &str) -> bool {
        self.hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
    }

    /// Whether an Origin is the companion's own (its pages).
    pub fn is_own_origin(&self, origin: &str) -> bool {
        self.own_origins
            .iter()
            .any(|own| own.eq_ignore_ascii_case(origin))
    }
}

/// Whether an origin is a browser extension's: `chrome-extension://<32 letters a-p>` or
/// `moz-extension://<uuid>`.
pub fn is_extension_origin(origin: &str) -> bool {
    if let Some(id) = origin.strip_prefix("chrome-extension://") {
        return id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b));
    }
    if let Some(id) = origin.strip_prefix("moz-extension://") {
        return uuid::Uuid::try_parse(id).is_ok() && id.len() == 36;
    }
    false
}

/// The browser an extension origin belongs to.
pub fn origin_browser(origin: &str) -> Option<&'static str> {
    if origin.starts_with("chrome-extension://") {
        Some("chromium")
    } else if origin.starts_with("moz-extension://") {
        Some("firefox")
    } else {
        None
    }
}

/// Paths any extension may call before it is paired (health and the pairing endpoints).
fn open_to_unpaired_extensions(path: &str) -> bool {
    path == "/api/v1/health" || path == "/api/v1/pairing" || path.starts_with("/api/v1/pairing/")
}

const CSP: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The outer guard: Host, Origin, fetch metadata, CORS preflight, API content types, security headers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let site = state.site();
    let headers = request.headers();
    // HTTP/1.1 carries the Host header; HTTP/2 the request's authority.
    let host = match headers.get(header::HOST) {
        Some(value) => value.to_str().ok(),
        None => request
            .uri()
            .authority()
            .map(|authority| authority.as_str()),
    };
    if !host.is_some_and(|host| site.host_allowed(host)) {
        return with_security_headers(Error::bad_host().into_response(), None);
    }
    let path = request.uri().path();
    let is_api = path.starts_with("/api/");
    let cors_origin = match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(origin)) if site.is_own_origin(origin) && !is_api => None,
        Some(Ok(origin))
            if is_extension_origin(origin)
                && (open_to_unpaired_extensions(path) || state.is_paired(origin)) =>
        {
            Some(origin.to_owned())
        }
        Some(_) => return with_security_headers(Error::bad_origin().into_response(), None),
    };
    if !is_api && cross_site_fetch(headers) {
        return with_security_headers(Error::bad_origin().into_response(), None);
    }
    if request.method() == Method::OPTIONS {
        let response = match (
            &cors_origin,
            headers.get(header::ACCESS_CONTROL_REQUEST_METHOD),
        ) {
            (Some(_), Some(_)) => preflight(headers),
            _ => Error::client(
                StatusCode::FORBIDDEN,
                "bad_preflight",
                "Pré-vérification CORS refusée. / CORS preflight refused.",
            )
            .into_response(),
        };
        return with_security_headers(response, cors_origin.as_deref());
    }
    let response = next.run(request).await;
    with_security_headers(response, cors_origin.as_deref())
}

/// Route layer of the API: a writing request needs a JSON or multipart body (415
/// otherwise), so a page's simple form post cannot reach a handler. On the matched routes
/// only, so a method a route lacks is answered 405 whatever its body.
pub async fn require_api_body_type(request: Request, next: Next) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if writes && !json_or_multipart(request.headers()) {
        return Error::unsupported_media_type("application/json, multipart/form-data")
            .into_response();
    }
    next.run(request).await
}

/// `Sec-Fetch-Site` says another site (or a sibling port) made this request.
fn cross_site_fetch(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
}

/// The media type of a request, lowercase, without parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    Some(essence)
}

fn json_or_multipart(headers: &HeaderMap) -> bool {
    matches!(
        media_type(headers).as_deref(),
        Some("application/json" | "multipart/form-data")
    )
}

fn preflight(headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PATCH, OPTIONS"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, idempotency-key"),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    if headers.contains_key("access-control-request-private-network") {
        out.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    response
}

fn with_security_headers(mut response: Response, cors_origin: Option<&str>) -> Response {
    let out = response.headers_mut();
    out.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = cors_origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        out.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-balise-sha256, idempotent-replayed"),
        );
    }
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::REFERRER_POLICY,
        // `same-origin`, not `no-referrer`: the latter makes browsers send `Origin: null`
        // on the pairing page's own form posts.
        HeaderValue::from_static("same-origin"),
    );
    out.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !out.contains_key(header::CACHE_CONTROL) {
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Route layer for everything that needs the API token.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, Error> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        let in_query = request.uri().query().is_some_and(|q| {
            q.split('&').any(|pair| {
                let name = pair.split('=').next().unwrap_or_default();
                matches!(name, "token" | "access_token" | "api_key" | "key")
            })
        });
        return Err(Error::unauthorized(if in_query {
            "Le jeton n'est jamais accepté dans l'URL : utilisez l'en-tête Authorization: Bearer. / \
             The token is never accepted in the URL: use the Authorization: Bearer header."
        } else {
            "Jeton manquant : en-tête Authorization: Bearer requis. / \
             Missing token: Authorization: Bearer header required."
        }));
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = presented else {
        return Err(Error::unauthorized("Jeton invalide. / Invalid token."));
    };
    if state.token().matches(token) {
        limit_writes(&state, &request, "shared")?;
        return Ok(next.run(request).await);
    }
    let Some(client) = state.clients().find(token) else {
        return Err(Error::unauthorized("Jeton invalide. / Invalid token."));
    };
    // A browser's own token is good only from that browser's origin (when it sends one).
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    if origin.is_some_and(|origin| origin != client.origin) {
        return Err(Error::unauthorized(
            "Ce jeton appartient à une autre extension. / This token belongs to another extension.",
        ));
    }
    limit_writes(&state, &request, &client.id)?;
    record_use(&state, &client);
    Ok(next.run(request).await)
}

/// Takes one write from the caller's bucket for a state-changing request (429
/// `rate_limited` with `Retry-After` when it is empty), before its body is read.
fn limit_writes(state: &AppState, request: &Request, caller: &str) -> Result<(), Error> {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return Ok(());
    }
    state
        .writes()
        .take(caller, Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })
}

/// Writes a client's last use (at most once a minute), without holding up its request.
fn record_use(state: &AppState, client: &crate::clients::KnownClient) {
    let now_unix = crate::handlers::now_unix();
    if !state.clients().note_use(&client.id, now_unix) {
        return;
    }
    let store = state.store().clone();
    let id = client.id.clone();
    tokio::spawn(async move {
        let now = crate::store::now_utc();
        if let Err(error) = store
            .write(move |tx| crate::store::pairing::touch(tx, &id, &now))
            .await
        {
            let error = Error::from(error);
            tracing::warn!(%error, "recording a paired browser's last use");
        }
    });
}

/// Logs method, path (never the query), status and duration. Headers are never logged.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_millis();
    if response.status().is_server_error() {
        tracing::warn!(%method, %path, status, elapsed_ms, "request");
    } else {
        tracing::info!(%method, %path, status, elapsed_ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_for_the_bound_port_only() {
        let site = Site::new(SocketAddr::from(([127, 0, 0, 1], 7878)));
        assert!(site.host_allowed("127.0.0.1:7878"));
        assert!(site.host_allowed("localhost:7878"));
        assert!(site.host_allowed("LOCALHOST:7878"));
        assert!(site.host_allowed("[::1]:7878"));
        assert!(!site.host_allowed("127.0.0.1:7879"));
        assert!(!site.host_allowed("127.0.0.1"));
        assert!(!site.host_allowed("evil.com:7878"));
        assert!(!site.host_allowed("localhost.evil.com:7878"));
        assert_eq!(site.base_url, "http://127.0.0.1:7878");
        assert!(site.is_own_origin("http://localhost:7878"));
        assert!(!site.is_own_origin("https://localhost:7878"));
    }

    #[test]
    fn extension_origins() {
        assert!(is_extension_origin(
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
        ));
        assert!(!is_extension_origin(
            "chrome-extension://abcdefghijklmnopabcdefghijklmnoz"
        ));
        assert!(is_extension_origin(
            "moz-extension://0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11"
        ));
        assert!(!is_extension_origin("moz-extension://evil"));
        assert!(!is_extension_origin("https://evil.example"));
        assert!(!is_extension_origin("null"));
    }
}
