//! The stylesheet, served from the binary so pages need no external asset.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::html::STYLESHEET;

/// `GET /assets/balise.css`
pub async fn stylesheet() -> Response {
    let mut response = STYLESHEET.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
