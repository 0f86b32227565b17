//! The editorial REST API under `/v1/admin/`: thin adapters over the editorial
//! and webhook services, which check the caller's scopes. One room per resource.

pub mod articles;
pub mod audit;
pub mod taxa;
pub mod webhooks;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use newsdesk_domain::Error;
use newsdesk_domain::query::Limit;
use utoipa::IntoResponses;

use crate::error::Problem;

type Reply = Result<HttpResponse, actix_web::Error>;

/// Errors of the editorial routes.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// Invalid input; `errors[]` names every bad field.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No key, or a key that is not valid.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The key lacks the scope this needs.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Nothing has this id or slug.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// A slug is taken, or something still refers to what is being deleted.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The article changed since the version the request was made from.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
}

fn limit(s: Option<String>) -> Result<Limit, Error> {
    s.map_or(Ok(Limit::DEFAULT), |s| Limit::parse("limit", &s, Limit::MAX))
}

/// An id from the path; anything that is not one names nothing.
fn parse_id(what: &str, s: &str) -> Result<i64, Error> {
    s.parse::<i64>().map_err(|_| Error::not_found(format!("{what} `{s}`")))
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
