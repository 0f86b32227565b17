//! The editorial REST API under `/v1/admin/`: thin adapters over the editorial
//! and webhook services, which check the caller's scopes. One room per resource.

pub mod articles;
pub mod audit;
pub mod taxa;
pub mod webhooks;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use newsdesk_domain::Error;

type Reply = Result<HttpResponse, actix_web::Error>;

/// An id from the path; anything that is not one names nothing.
fn parse_id(what: &str, s: &str) -> Result<i64, Error> {
    s.parse::<i64>().map_err(|_| Error::not_found(format!("{what} `{s}`")))
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
