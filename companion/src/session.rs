//! Dashboard sessions: only someone who can run commands as the data directory's owner gets in.
//!
//! The companion prints a one-time sign-in link at start-up, and `balise-companion open`
//! makes another (it writes to the database, so it takes the data directory's owner). The
//! link opens a session: a random id in an `HttpOnly`, `SameSite=Strict` cookie named for
//! the port (several companions on one computer keep apart), of which the database keeps
//! only the SHA-256. Every page, screenshot, export and form needs a session; without one
//! the answer is 401 with a page that says how to sign in, and no data.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Result;
use crate::html::{Nav, bi, page, pick};
use crate::state::AppState;
use crate::store::sessions::{self, Redeemed};
use crate::store::{Store, now_utc, sha256_hex};
use crate::token::random_hex;

/// How long a sign-in link stays usable (once).
pub const SIGNIN_TTL_SECS: i64 = 15 * 60;

/// How long a session lasts after sign-in.
pub const SESSION_TTL_SECS: i64 = 12 * 60 * 60;

/// The session cookie's name for the companion on `port`.
pub fn cookie_name(port: u16) -> String {
    format!("balise_session_{port}")
}

/// Makes a one-time sign-in link's code (stored as its SHA-256) and returns it.
pub async fn new_signin_code(store: &Store) -> Result<String> {
    let code = random_hex(32).map_err(crate::error::Error::internal)?;
    let code_sha256 = sha256_hex(code.as_bytes());
    let now_unix = crate::handlers::now_unix();
    store
        .write(move |tx| {
            sessions::create_link(
                tx,
                &code_sha256,
                &now_utc(),
                now_unix,
                now_unix + SIGNIN_TTL_SECS,
            )
        })
        .await?;
    Ok(code)
}

/// The sign-in URL for a code on the companion at `base_url`.
pub fn signin_url(base_url: &str, code: &str) -> String {
    format!("{base_url}/signin?code={code}")
}

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// Whether the request carries a valid session for this companion.
pub async fn has_session(state: &AppState, headers: &HeaderMap) -> Result<bool> {
    let Some(id) = cookie(headers, &cookie_name(state.site().port)) else {
        return Ok(false);
    };
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let id_sha256 = sha256_hex(id.as_bytes());
    let now_unix = crate::handlers::now_unix();
    Ok(state
        .store()
        .read(move |tx| sessions::is_valid(tx, &id_sha256, now_unix))
        .await?)
}

/// Route layer for the dashboard's pages and forms: 401 with the sign-in page without a session.
pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match has_session(&state, request.headers()).await {
        Ok(true) => next.run(request).await,
        Ok(false) => sign_in_page(StatusCode::UNAUTHORIZED, None),
        Err(error) => error.into_response(),
    }
}

/// Redeems a sign-in code: the new session's cookie, or why it was refused.
pub async fn redeem(
    state: &AppState,
    code: &str,
) -> Result<std::result::Result<HeaderValue, Redeemed>> {
    let session = random_hex(32).map_err(crate::error::Error::internal)?;
    let code_sha256 = sha256_hex(code.as_bytes());
    let session_sha256 = sha256_hex(session.as_bytes());
    let now_unix = crate::handlers::now_unix();
    let outcome = state
        .store()
        .write(move |tx| {
            sessions::redeem_link(
                tx,
                &code_sha256,
                &session_sha256,
                &now_utc(),
                now_unix,
                now_unix + SESSION_TTL_SECS,
            )
        })
        .await?;
    if outcome != Redeemed::SignedIn {
        return Ok(Err(outcome));
    }
    let cookie = format!(
        "{}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_TTL_SECS}",
        cookie_name(state.site().port)
    );
    HeaderValue::from_str(&cookie)
        .map(Ok)
        .map_err(crate::error::Error::internal)
}

/// Ends the request's session, if any; returns the cookie that clears it in the browser.
pub async fn sign_out(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue> {
    let name = cookie_name(state.site().port);
    if let Some(id) = cookie(headers, &name) {
        let id_sha256 = sha256_hex(id.as_bytes());
        state
            .store()
            .write(move |tx| sessions::end(tx, &id_sha256))
            .await?;
    }
    HeaderValue::from_str(&format!(
        "{name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    ))
    .map_err(crate::error::Error::internal)
}

/// The page that says how to sign in, with `notice` above it (why a link was refused,
/// or that the person signed out).
pub fn sign_in_page(status: StatusCode, notice: Option<String>) -> Response {
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Connexion requise", "Sign-in required"),
        bi(
            "Le tableau de bord de Balise, ses signalements et le jumelage sont réservés à la personne qui utilise le compagnon sur cet ordinateur.",
            "Balise's dashboard, its reports and pairing are for the person who runs the companion on this computer."
        ),
    );
    if let Some(notice) = notice {
        body.push_str(&notice);
    }
    body.push_str(&format!(
        "<section class=\"card\" data-signin-help><ol class=\"steps\"><li>{}<pre><code>balise-companion open</code></pre>{}</li><li>{}</li></ol></section>",
        bi(
            "Dans un terminal de cet ordinateur, avec le même compte que le compagnon, exécutez :",
            "In a terminal on this computer, as the account that runs the companion, run:"
        ),
        bi(
            "(ajoutez --data-dir DOSSIER si le compagnon en utilise un). Il ouvre le tableau de bord, connecté, dans votre navigateur par défaut, ou affiche un lien à ouvrir.",
            "(add --data-dir DIR if the companion uses one). It opens the dashboard, signed in, in your default browser, or prints a link to open."
        ),
        bi(
            "Le lien affiché au démarrage du compagnon fonctionne aussi : une seule fois, dans les 15 minutes.",
            "The link the companion printed when it started works too: once, within 15 minutes."
        ),
    ));
    let mut response = page(pick("Connexion", "Sign in"), Nav::None, &body);
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cookie_among_others_and_across_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; balise_session_7878=abc"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("balise_session_9=zz"),
        );
        assert_eq!(cookie(&headers, "balise_session_7878"), Some("abc"));
        assert_eq!(cookie(&headers, "balise_session_9"), Some("zz"));
        assert_eq!(cookie(&headers, "balise_session_78"), None);
        assert_eq!(cookie(&HeaderMap::new(), "a"), None);
    }
}
