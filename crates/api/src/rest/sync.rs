//! `GET /v1/sync`: delta sync for mirrors (see `docs/sync.md`).

use actix_web::{HttpResponse, get, web};
use newsdesk_domain::query::Limit;
use newsdesk_domain::sync::SyncRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use super::params::{SlugParam, one_or_more};
use super::problems::SyncErrors;
use super::{json_bytes, to_json};
use crate::error::ApiError;
use crate::extract::{StrictQuery, query_params};
use crate::state::AppState;
use crate::views::SyncView;

/// The parameters of a sync page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// A `nextPageToken` or `nextSyncToken` from an earlier page; without it, an
    /// initial sync starts.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    token: Option<String>,
    /// Only to start a sync: articles of this section and its sub-sections;
    /// repeat for several. The token keeps it.
    #[serde(default, deserialize_with = "one_or_more")]
    #[param(style = Form, explode)]
    section: Vec<SlugParam>,
    /// Only to start a sync: articles with this tag; repeat for several. An
    /// article in any named section or with any named tag is in the sync.
    #[serde(default, deserialize_with = "one_or_more")]
    #[param(style = Form, explode)]
    tag: Vec<SlugParam>,
    /// Articles (and deletions) a page holds at most, 1 to 200 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

query_params!(SyncParams);

impl SyncParams {
    fn parse(self) -> Result<SyncRequest, ApiError> {
        let limit = self.limit.map(|s| Limit::parse("limit", &s, SyncRequest::MAX));
        let slugs = |list: Vec<SlugParam>| list.into_iter().map(|s| s.0).collect();
        Ok(SyncRequest::new(self.token, slugs(self.section), slugs(self.tag), limit)?)
    }
}

/// Sync published articles: an initial sync, then what changed.
///
/// Without `token`, pages through every published article (narrowed with
/// `section` and `tag`); the last page carries `nextSyncToken`. Later, ask with
/// that token for what changed since: articles published or changed (`data`,
/// with bodies) and articles to drop (`deleted`), paged the same way, ending with
/// the next `nextSyncToken`. Counters (views, reactions) are not changes.
#[utoipa::path(
    operation_id = "sync",
    tag = "sync",
    params(SyncParams),
    responses((status = 200, description = "A page of the sync", body = SyncView), SyncErrors)
)]
#[get("/sync")]
pub async fn sync(state: web::Data<AppState>, q: StrictQuery<SyncParams>) -> Result<HttpResponse, ApiError> {
    let req = q.0.parse()?;
    let body = state.sync(move |s| to_json(&SyncView::from(&s.sync(&req)?))).await?;
    Ok(json_bytes(body))
}
