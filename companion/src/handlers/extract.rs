//! Typed request inputs for the API's handlers: a JSON body checked and parsed before the
//! handler runs, and the `Idempotency-Key` header, each rejected with the one error type.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{
    JSON_BODY_LIMIT, idempotency_key, optional_idempotency_key, parse_json, read_body, require_json,
};
use crate::error::Error;

/// A JSON body an endpoint accepts: its size limit and the code a body that does not fit
/// is refused with.
pub trait JsonInput: DeserializeOwned {
    /// Largest body, in bytes (413 `payload_too_large` beyond).
    const LIMIT: usize = JSON_BODY_LIMIT;
    /// The 422 code for a body that does not parse into this type.
    const INVALID: &'static str;
}

/// A JSON body: `Content-Type: application/json` (else 415), at most `T::LIMIT` bytes (else
/// 413), parsed into `T` (else 422 `T::INVALID` with serde's explanation). The exact bytes
/// are kept, since idempotency and the evidence log hash what was sent.
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The parsed body.
    pub value: T,
    /// The body as received.
    pub bytes: Bytes,
}

impl<T: JsonInput, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Error> {
        let (parts, body) = request.into_parts();
        require_json(&parts.headers)?;
        let bytes = read_body(&parts.headers, body, T::LIMIT).await?;
        let value = parse_json(&bytes, T::INVALID)?;
        Ok(Self { value, bytes })
    }
}

/// The required `Idempotency-Key` header, as a lowercase UUID (400 if missing or not one).
#[derive(Debug)]
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        idempotency_key(&parts.headers).map(Self)
    }
}

/// The optional `Idempotency-Key` header (400 if present but not a UUID).
#[derive(Debug)]
pub struct OptionalIdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalIdempotencyKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        optional_idempotency_key(&parts.headers).map(Self)
    }
}
