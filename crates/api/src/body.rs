//! Request bodies are read whole, within a deadline and a size bound, before any
//! handler sees them: a client that opens a request and sends its body slowly
//! (or never) is answered 408 instead of holding a connection for ever.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::error::ApiError;
use crate::state::AppState;

/// The largest request body read.
pub const MAX_BODY: usize = 4 << 20;

enum Read {
    Done(Bytes),
    TooLarge,
    Broken,
}

pub async fn read_within_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    if length.unwrap_or(0) == 0 && !chunked {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if length.is_some_and(|n| n > MAX_BODY as u64) {
        return Ok(req.into_response(too_large()));
    }
    let deadline = req.app_data::<actix_web::web::Data<AppState>>().map(|s| s.config.body_timeout);
    let Some(deadline) = deadline else { return Ok(next.call(req).await?.map_into_boxed_body()) };
    let mut payload = req.take_payload();
    let read = async move {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else { return Read::Broken };
            if body.len() + chunk.len() > MAX_BODY {
                return Read::TooLarge;
            }
            body.extend_from_slice(&chunk);
        }
        Read::Done(body.freeze())
    };
    match actix_web::rt::time::timeout(deadline, read).await {
        Ok(Read::Done(body)) => {
            req.set_payload(body.into());
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Ok(Read::TooLarge) => Ok(req.into_response(too_large())),
        Ok(Read::Broken) => Ok(req.into_response(ApiError::http(StatusCode::BAD_REQUEST, "the body was cut short"))),
        Err(_) => {
            let detail = format!("the body did not arrive within {} ms", deadline.as_millis());
            let mut res = ApiError::http(StatusCode::REQUEST_TIMEOUT, detail);
            res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            Ok(req.into_response(res))
        }
    }
}

fn too_large() -> actix_web::HttpResponse {
    ApiError::http(StatusCode::PAYLOAD_TOO_LARGE, format!("bodies are at most {MAX_BODY} bytes"))
}
