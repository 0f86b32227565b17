//! The error answers REST routes document, in sets shared by routes of a kind.
//! Each is a problem document (RFC 9457); these types exist for the OpenAPI
//! document only, the answers themselves come from [`crate::error::ApiError`].

use utoipa::IntoResponses;

use crate::error::Problem;

/// Errors of list routes.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ReadErrors {
    /// The ETag in `If-None-Match` still matches.
    #[response(status = 304)]
    NotModified,
    /// A parameter is unknown, repeated or invalid; `errors[]` names each.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}

/// Errors of routes that read one resource.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// The ETag in `If-None-Match` still matches.
    #[response(status = 304)]
    NotModified,
    /// A query parameter was given; this route takes none.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No published resource has this slug.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}

/// Errors of beacons.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BeaconErrors {
    /// The body is not a valid beacon (bad JSON, unknown field, bad session id or
    /// kind); `errors[]` names each field.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No published article has this slug.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The body is neither `application/json` nor `text/plain`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// Too many beacons wait to be written; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Unavailable(Problem),
}
