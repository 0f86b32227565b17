//! HTTP caching of public reads: a strong ETag on every successful GET, 304 for a
//! matching `If-None-Match`, `Cache-Control`, and answers from the short-lived
//! per-node cache of whole responses (see [`crate::responses`]).

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self};
use actix_web::{HttpMessage, HttpRequest};

use crate::responses::Stored;
use crate::state::AppState;

fn if_none_match(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok())
}

pub async fn conditional_get(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Public reads only: the API's and the sitemaps (GraphQL has its own, the
    // documents and operations routes none). Editors' routes and previews are
    // per caller: never stored, never shared.
    let path = req.path();
    let public = (path.starts_with("/v1/") && !path.starts_with("/v1/admin/")) || path.starts_with("/sitemap");
    let personal = req.extensions().get::<crate::auth::Caller>().is_some_and(crate::auth::Caller::previews);
    if req.method() != Method::GET || !public || personal {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = req.uri().to_string();
    if let Some(stored) = state.responses.get(&key) {
        let res = stored.respond(if_none_match(req.request()));
        return Ok(req.into_response(res));
    }
    // Another request may be building this response: wait for it, then share it.
    let turn = state.responses.turn(&key).await;
    if turn.is_none()
        && let Some(stored) = state.responses.get(&key)
    {
        let res = stored.respond(if_none_match(req.request()));
        return Ok(req.into_response(res));
    }
    let res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        // What was stored no longer holds (say, the article is gone).
        state.responses.remove(&key);
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body).await.map_err(|_| actix_web::error::ErrorInternalServerError("body"))?;
    let stored = Arc::new(Stored::read(head.headers().clone(), bytes, state.config.cache_max_age));
    if !stored.is_private() {
        state.responses.put(key, stored.clone());
    }
    drop(turn);
    let res = stored.respond(if_none_match(&req));
    Ok(ServiceResponse::new(req, res))
}
