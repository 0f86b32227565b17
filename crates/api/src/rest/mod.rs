//! REST handlers: extract, call one service method, map to a view.

pub mod admin;
pub mod articles;
pub mod discovery;
pub mod engagement;
pub mod feeds;
pub mod fields;
pub mod ops;
pub mod params;
pub mod problems;
pub mod sync;
pub mod taxonomy;

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;

/// A JSON 200 response. Caching headers and the ETag are added by middleware.
pub fn json<T: Serialize>(value: &T) -> Result<HttpResponse, ApiError> {
    Ok(json_bytes(to_json(value)?))
}

/// The JSON text of an answer. A large answer (a page of bodies) is written
/// where it was read, on the blocking pool, so that the connections of an
/// event-loop worker do not wait for it.
pub fn to_json<T: Serialize>(value: &T) -> newsdesk_domain::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(newsdesk_domain::Error::internal)
}

/// A JSON 200 response of text [`to_json`] wrote.
pub fn json_bytes(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(body)
}

/// A page of a list: the JSON body plus an RFC 8288 `Link: <…>; rel="next"` header
/// that repeats the request's query with `cursor` set to `next_cursor`.
pub fn json_page<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    next_cursor: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut res = json(value)?;
    if let Some(cursor) = next_cursor {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "cursor" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("cursor", cursor);
        let link = format!("<{}?{}>; rel=\"next\"", req.path(), query.finish());
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
}
