//! HTTP caching for public reads: a strong ETag on every successful GET, 304 for a
//! matching `If-None-Match`, and `Cache-Control`.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// A strong validator: the 128-bit XXH3 hash of the exact (uncompressed) response bytes.
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(bytes))
}

fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| t.trim().trim_start_matches("W/") == tag)
}

pub async fn conditional_get(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_get = req.method() == Method::GET || req.method() == Method::HEAD;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let max_age = req.app_data::<web::Data<AppState>>().map_or(0, |s| s.config.cache_max_age);
    let res = next.call(req).await?;
    if !is_get || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body).await.map_err(|_| actix_web::error::ErrorInternalServerError("body"))?;
    let tag = etag(&bytes);
    let headers = head.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let cc = format!("public, max-age={max_age}");
        headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_str(&cc).unwrap_or(HeaderValue::from_static("no-cache")));
    }
    let tag_value = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
    if if_none_match.as_deref().is_some_and(|inm| matches(inm, &tag)) {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header((header::ETAG, tag_value));
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = head.headers().get(&name) {
                not_modified.insert_header((name, v.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    head.headers_mut().insert(header::ETAG, tag_value);
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matching() {
        let t = etag(b"{}");
        assert_ne!(t, etag(b"{ }"));
        assert!(matches(&t, &t));
        assert!(matches(&format!("\"x\", {t}"), &t));
        assert!(matches("*", &t));
        assert!(!matches("\"x\"", &t));
    }
}
