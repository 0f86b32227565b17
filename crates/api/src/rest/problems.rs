//! The error answers REST routes document, in sets shared by routes of a kind.
//! Each is a problem document (RFC 9457) but a 304; these sets exist for the
//! OpenAPI document only, the answers themselves come from
//! [`crate::error::ApiError`].

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Content, Header, Ref, RefOr, Response, ResponseBuilder};

/// A documented answer: a problem document with `description` (and, with
/// `retry`, a `Retry-After` header); a 304 has no body.
pub fn problem(status: u16, description: &str, retry: bool) -> Response {
    let mut r = ResponseBuilder::new().description(description);
    if status != 304 {
        r = r.content("application/problem+json", Content::new(Some(Ref::from_schema_name("Problem"))));
    }
    if retry {
        let mut wait = Header::new(Object::with_type(Type::Integer));
        wait.description = Some("Seconds to wait before retrying".to_owned());
        r = r.header("Retry-After", wait);
    }
    r.build()
}

fn set(answers: &[(u16, &str, bool)]) -> BTreeMap<String, RefOr<Response>> {
    answers
        .iter()
        .map(|&(status, description, retry)| (status.to_string(), problem(status, description, retry).into()))
        .collect()
}

/// Declare a documented set of answers: `(status, description, retry)` each.
macro_rules! answers {
    ($(#[$doc:meta])* $name:ident: $($answer:expr),+ $(,)?) => {
        $(#[$doc])*
        pub enum $name {}

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                set(&[$($answer),+])
            }
        }
    };
}

const NOT_MODIFIED: (u16, &str, bool) = (304, "The ETag in `If-None-Match` still matches.", false);
const INTERNAL: (u16, &str, bool) =
    (500, "An unexpected failure, logged with the request id; the detail is generic.", false);

answers!(
    /// Errors of list routes.
    ReadErrors:
    NOT_MODIFIED,
    (400, "A parameter is unknown, repeated or invalid; `errors[]` names each.", false),
    INTERNAL,
);

answers!(
    /// Errors of routes that read one resource.
    NotFound:
    NOT_MODIFIED,
    (400, "A query parameter was given; this route takes none.", false),
    (404, "No published resource has this slug.", false),
    INTERNAL,
);

answers!(
    /// Errors of routes that read about one resource, with parameters.
    ParamsNotFound:
    NOT_MODIFIED,
    (400, "A parameter is unknown, repeated or invalid; `errors[]` names each.", false),
    (404, "No published article has this slug.", false),
    INTERNAL,
);

answers!(
    /// Errors of beacons.
    BeaconErrors:
    (400, "The body is not a valid beacon (bad JSON, unknown field, bad session id or\nkind); `errors[]` names each field.", false),
    (403, "`X-Reader-User-Agent` or `X-Reader-Address` was sent without an API key.", false),
    (404, "No published article has this slug.", false),
    (415, "The body is neither `application/json` nor `text/plain`.", false),
    INTERNAL,
    (503, "Too many beacons wait to be written; retry after `Retry-After` seconds.", true),
);

answers!(
    /// Errors of the editorial routes.
    WriteErrors:
    (400, "Invalid input; `errors[]` names every bad field.", false),
    (401, "No key, or a key that is not valid.", false),
    (403, "The key lacks the scope this needs.", false),
    (404, "Nothing has this id or slug.", false),
    (409, "A slug is taken, or something still refers to what is being deleted.", false),
    (412, "The article changed since the version the request was made from.", false),
    (415, "The body is not `application/json`.", false),
);

answers!(
    /// Errors of the sync route.
    SyncErrors:
    NOT_MODIFIED,
    (400, "A parameter is unknown, repeated or invalid (a token not from this sync, a filter given with a token); `errors[]` names each.", false),
    (410, "The token is older than the sync history (or from another database): start a new sync without a token.", false),
    INTERNAL,
);
