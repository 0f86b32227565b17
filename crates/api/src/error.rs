//! The only table from a domain [`ErrorKind`] to an HTTP status, a problem `type`
//! and a GraphQL `extensions.code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use async_graphql::ErrorExtensions;
use newsdesk_domain::{Error, ErrorKind};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Status, problem `type` suffix, title and GraphQL code of each kind.
pub fn describe(kind: ErrorKind) -> (StatusCode, &'static str, &'static str, &'static str) {
    match kind {
        ErrorKind::BadInput => (StatusCode::BAD_REQUEST, "bad-input", "The request is invalid", "BAD_USER_INPUT"),
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found", "NOT_FOUND"),
        ErrorKind::Unauthenticated => {
            (StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication is required", "UNAUTHENTICATED")
        }
        ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Not allowed", "FORBIDDEN"),
        ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict", "Conflict", "CONFLICT"),
        // GraphQL has one code for both kinds of conflict.
        ErrorKind::PreconditionFailed => {
            (StatusCode::PRECONDITION_FAILED, "stale-version", "The resource has changed", "CONFLICT")
        }
        ErrorKind::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", "RATE_LIMITED"),
        ErrorKind::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Temporarily unavailable", "UNAVAILABLE")
        }
        ErrorKind::Gone => (StatusCode::GONE, "gone", "No longer available", "GONE"),
        ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "INTERNAL"),
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/bad-input`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The same code a GraphQL error would carry in `extensions.code`.
    pub code: String,
    /// Each offending field or parameter, as the client named it.
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The parameter or field name (`limit`, `body[2].url`).
    pub field: String,
    pub message: String,
}

/// A domain error on its way out over HTTP.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ApiError {
    pub fn response(self) -> HttpResponse {
        self.error_response()
    }

    /// A client error that is not one of the domain's (wrong method, media type…).
    pub fn http(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
        let detail = detail.into();
        let problem = Problem {
            kind: format!("/problems/http-{}", status.as_u16()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: if status.is_server_error() { "INTERNAL" } else { "BAD_REQUEST" }.to_owned(),
            errors: Vec::new(),
        };
        problem_response(status, &problem)
    }
}

pub fn problem(e: &Error) -> Problem {
    let (status, slug, title, code) = describe(e.kind);
    Problem {
        kind: format!("/problems/{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: e.detail.clone(),
        code: code.to_owned(),
        errors: e.fields.iter().map(|f| ProblemField { field: f.field.clone(), message: f.message.clone() }).collect(),
    }
}

fn problem_response(status: StatusCode, p: &Problem) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(serde_json::to_vec(p).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        describe(self.0.kind).0
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = problem_response(self.status_code(), &problem(&self.0));
        match self.0.kind {
            ErrorKind::Unavailable => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ErrorKind::Unauthenticated => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// The GraphQL form of a domain error: message plus `extensions.code` and, for bad
/// input, `extensions.fields`.
pub fn to_graphql(e: Error) -> async_graphql::Error {
    let (_, _, _, code) = describe(e.kind);
    let mut err = async_graphql::Error::new(e.detail.clone());
    err = err.extend_with(|_, ext| {
        ext.set("code", code);
        if !e.fields.is_empty() {
            let fields: Vec<async_graphql::Value> = e
                .fields
                .iter()
                .map(|f| {
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(async_graphql::Name::new("field"), async_graphql::Value::from(f.field.clone()));
                    m.insert(async_graphql::Name::new("message"), async_graphql::Value::from(f.message.clone()));
                    async_graphql::Value::Object(m)
                })
                .collect();
            ext.set("fields", async_graphql::Value::List(fields));
        }
    });
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_a_status_and_a_code() {
        let mut statuses = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let (status, slug, _, code) = describe(kind);
            assert!(status.is_client_error() || matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable));
            assert!(!slug.is_empty());
            assert!(statuses.insert(status), "duplicate status {status}");
            let gql = to_graphql(Error::new(kind, "x"));
            let ext = gql.extensions.expect("extensions");
            assert_eq!(ext.get("code"), Some(&async_graphql::Value::from(code)));
        }
    }
}
