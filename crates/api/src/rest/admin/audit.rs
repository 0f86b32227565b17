//! The audit log.

use actix_web::{HttpRequest, get, web};
use newsdesk_domain::model::ArticleId;
use newsdesk_domain::{Error, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Reply, no_store};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{StrictQuery, query_params};
use crate::rest::json_page;
use crate::rest::params::PageParams;
use crate::rest::problems::WriteErrors;
use crate::state::AppState;
use crate::views::AuditList;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries about this article (its id, `article_42`).
    article: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageParams,
}

query_params!(AuditParams: PageParams);

/// The audit log, newest first (admin keys).
#[utoipa::path(
    operation_id = "adminListAudit",
    tag = "admin",
    params(AuditParams, PageParams),
    responses((status = 200, description = "Audit entries", body = AuditList), WriteErrors),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn audit(req: HttpRequest, state: web::Data<AppState>, caller: Caller, q: StrictQuery<AuditParams>) -> Reply {
    let q = q.0;
    let mut v = Validator::default();
    let article = q.article.and_then(|a| {
        v.check(ArticleId::from_global(&a).map_err(|_| Error::field("article", "must be an article id (`article_42`)")))
    });
    let page = q.page.parse(&mut v);
    v.finish().map_err(ApiError)?;
    let page = state
        .editorial(move |e| e.audit(caller.principal(), article, page.cursor.as_deref(), page.limit))
        .await
        .map_err(ApiError)?;
    let body =
        AuditList { data: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor.clone() };
    Ok(no_store(json_page(&req, &body, page.next_cursor.as_deref())?))
}
