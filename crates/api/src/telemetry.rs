//! Request ids, request spans and the request counter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub static REQUESTS: AtomicU64 = AtomicU64::new(0);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id that is unique enough for correlating logs: process start time
/// plus a counter.
fn new_request_id() -> String {
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
    });
    format!("{:x}-{:x}", start & 0xffff_ffff_ffff, REQUESTS.load(Ordering::Relaxed))
}

/// Take `x-request-id` from the request (when it is short and printable) or make
/// one; run the request in a span carrying it; return it on the response.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    async move {
        let started = Instant::now();
        let mut res = next.call(req).await?;
        let status = res.status().as_u16();
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        if res.status() == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            // Said clearly to the client, and the cause logged once where it arose.
            tracing::warn!(status, elapsed_ms, "request refused for now");
        } else if res.status().is_server_error() {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request done");
        }
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        Ok(res)
    }
    .instrument(span)
    .await
}
