//! Webhooks and their deliveries.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use newsdesk_domain::{Error, Validator};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Reply, no_store, parse_id};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{StrictQuery, json_body};
use crate::rest::json_page;
use crate::rest::params::PageParams;
use crate::rest::problems::WriteErrors;
use crate::state::AppState;
use crate::views::{DeliveryList, WebhookList, WebhookView};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookWrite {
    /// Where deliveries are POSTed: an absolute http(s) URL.
    url: String,
    /// The events to deliver.
    #[schema(value_type = Vec<crate::rest::params::EventParam>)]
    events: Vec<String>,
}

/// Register a webhook (admin keys). The answer carries its signing secret, once.
#[utoipa::path(
    operation_id = "adminCreateWebhook",
    tag = "admin",
    request_body = WebhookWrite,
    responses((status = 201, description = "Created, with `secret`", body = WebhookView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(req: HttpRequest, state: web::Data<AppState>, caller: Caller, body: web::Bytes) -> Reply {
    let input: WebhookWrite = json_body(&req, &body, true)?;
    let hooks = state.webhooks.clone();
    let created = crate::state::blocking(move || hooks.create(caller.principal(), &input.url, &input.events))
        .await
        .map_err(ApiError)?;
    let view = WebhookView::new(created.webhook, Some(created.secret));
    let body = serde_json::to_vec(&view).map_err(|e| ApiError(Error::internal(e)))?;
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .insert_header((header::LOCATION, format!("/v1/admin/webhooks/{}", view.id)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body))
}

/// Registered webhooks (admin keys).
#[utoipa::path(
    operation_id = "adminListWebhooks",
    tag = "admin",
    responses((status = 200, description = "Webhooks", body = WebhookList), WriteErrors),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, caller: Caller) -> Reply {
    let hooks = state.webhooks.clone();
    let list = crate::state::blocking(move || hooks.list(caller.principal())).await.map_err(ApiError)?;
    let data = list.into_iter().map(|w| WebhookView::new(w, None)).collect();
    Ok(no_store(crate::rest::json(&WebhookList { data })?))
}

/// Remove a webhook and its pending deliveries (admin keys).
#[utoipa::path(
    operation_id = "adminDeleteWebhook",
    tag = "admin",
    params(("id" = String, Path, description = "The webhook's id")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> Reply {
    let id = parse_id("webhook", &id).map_err(ApiError)?;
    let hooks = state.webhooks.clone();
    crate::state::blocking(move || hooks.delete(caller.principal(), id)).await.map_err(ApiError)?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's delivery log, newest first (admin keys).
#[utoipa::path(
    operation_id = "adminListDeliveries",
    tag = "admin",
    params(("id" = String, Path, description = "The webhook's id"), PageParams),
    responses((status = 200, description = "Deliveries", body = DeliveryList), WriteErrors),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: StrictQuery<PageParams>,
) -> Reply {
    let id = parse_id("webhook", &id).map_err(ApiError)?;
    let mut v = Validator::default();
    let page = q.0.parse(&mut v);
    v.finish().map_err(ApiError)?;
    let hooks = state.webhooks.clone();
    let page =
        crate::state::blocking(move || hooks.deliveries(caller.principal(), id, page.cursor.as_deref(), page.limit))
            .await
            .map_err(ApiError)?;
    let body =
        DeliveryList { data: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor.clone() };
    Ok(no_store(json_page(&req, &body, page.next_cursor.as_deref())?))
}
