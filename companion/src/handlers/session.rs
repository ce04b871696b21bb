//! Signing in to the dashboard with a one-time link (`GET /signin?code=…`) and signing out.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page_form;
use crate::error::Result;
use crate::html::{Nav, bi, escape, page, pick};
use crate::session::{self, sign_in_page};
use crate::state::AppState;
use crate::store::sessions::Redeemed;

/// Query of `GET /signin`.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    /// The one-time code from the link.
    pub code: Option<String>,
    /// `signed_out` after signing out.
    pub done: Option<String>,
}

/// `GET /signin?code=…`: a valid link opens a session and leads to the dashboard; without a
/// code, or with one that cannot be used, the page says how to sign in.
pub async fn sign_in(
    State(state): State<AppState>,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Result<Response> {
    let query = query.ok().map(|Query(query)| query);
    let code = query.as_ref().and_then(|q| q.code.as_deref());
    let Some(code) = code.filter(|code| code.len() == 64) else {
        let notice = match (code, query.as_ref().and_then(|q| q.done.as_deref())) {
            (Some(_), _) => Some(refused(Redeemed::Unknown)),
            (None, Some("signed_out")) => Some(format!(
                "<p class=\"notice\" data-signed-out>{}</p>",
                bi("Vous êtes déconnecté.", "You are signed out.")
            )),
            _ => None,
        };
        let status = if code.is_some() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        return Ok(sign_in_page(status, notice));
    };
    match session::redeem(&state, code).await? {
        Ok(cookie) => {
            tracing::info!("dashboard session opened");
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Err(why) => Ok(sign_in_page(StatusCode::UNAUTHORIZED, Some(refused(why)))),
    }
}

fn refused(why: Redeemed) -> String {
    let reason = match why {
        Redeemed::AlreadyUsed => bi(
            "Ce lien de connexion a déjà servi : chaque lien ne sert qu'une fois.",
            "This sign-in link was already used: each link works once.",
        ),
        Redeemed::Expired => bi(
            "Ce lien de connexion a expiré (15 minutes).",
            "This sign-in link has expired (15 minutes).",
        ),
        Redeemed::Unknown | Redeemed::SignedIn => bi(
            "Ce lien de connexion n'est pas valide pour ce compagnon.",
            "This sign-in link is not valid for this companion.",
        ),
    };
    format!("<p class=\"notice bad\" data-signin-refused>{reason}</p>")
}

/// `GET /signout`: a button that signs out (a form, so that no link can sign anyone out).
pub async fn confirm(State(state): State<AppState>) -> Response {
    let body = format!(
        "<h1>{}</h1><form class=\"stack\" method=\"post\" action=\"/signout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p>{}</p><div><button type=\"submit\">{}</button></div></form>",
        bi("Se déconnecter", "Sign out"),
        escape(state.csrf()),
        bi(
            "Le tableau de bord demandera un nouveau lien de connexion (balise-companion open).",
            "The dashboard will ask for a new sign-in link (balise-companion open)."
        ),
        bi("Se déconnecter", "Sign out"),
    );
    page(pick("Se déconnecter", "Sign out"), Nav::None, &body)
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    /// The page's CSRF token.
    pub csrf: String,
}

impl super::PageForm for SignOutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /signout`: ends the session and clears its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignOutForm>, FormRejection>,
) -> Result<Response> {
    page_form(&state, &headers, form)?;
    let cleared = session::sign_out(&state, &headers).await?;
    tracing::info!("dashboard session closed");
    let mut response = Redirect::to("/signin?done=signed_out").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cleared);
    Ok(response)
}
