//! `Query.sync`: delta sync, as `GET /v1/sync` (see `docs/sync.md`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use newsdesk_domain::query::Limit;
use newsdesk_domain::sync::SyncRequest;

use super::resolve::{GqlResult, state};
use super::types::Article;
use crate::error::to_graphql;

#[derive(Default)]
pub struct SyncQuery;

/// An article a mirror must drop: unpublished, archived, deleted, or out of the
/// sync's sections and tags (ids the mirror does not hold are ignored).
#[derive(SimpleObject)]
pub struct SyncDeleted {
    id: ID,
    /// The slug it had while public.
    slug: String,
}

/// A page of a sync: exactly one of the two tokens is set.
#[derive(SimpleObject)]
pub struct SyncPage {
    /// Articles published or changed, with their bodies, in the order they changed.
    data: Vec<Article>,
    deleted: Vec<SyncDeleted>,
    /// More of this pass follows: ask again with it as `token`.
    next_page_token: Option<String>,
    /// The pass is complete: keep it, and ask with it as `token` later for what
    /// changed since.
    next_sync_token: Option<String>,
}

#[Object]
impl SyncQuery {
    /// A page of a delta sync. Without `token`, an initial sync of every
    /// published article (narrowed to `sections`, with their sub-sections, and
    /// `tags`: an article in any of them); with a `nextPageToken` or
    /// `nextSyncToken`, the next page, or what changed since. A token older than
    /// the sync history is an error with code `GONE`: start over without one.
    #[graphql(complexity = "limit.unwrap_or(100).max(0) as usize * child_complexity")]
    async fn sync(
        &self,
        ctx: &Context<'_>,
        token: Option<String>,
        sections: Option<Vec<String>>,
        tags: Option<Vec<String>>,
        #[graphql(desc = "Articles (and deletions) a page holds at most, 1 to 200 (default 100).")] limit: Option<i32>,
    ) -> GqlResult<SyncPage> {
        let limit = limit.map(|n| Limit::new("limit", n.into(), SyncRequest::MAX));
        let req = SyncRequest::new(token, sections.unwrap_or_default(), tags.unwrap_or_default(), limit)
            .map_err(to_graphql)?;
        let page = state(ctx)?.sync(move |s| s.sync(&req)).await.map_err(to_graphql)?;
        Ok(SyncPage {
            data: page.data.into_iter().map(|a| Article::from_full(Arc::new(a))).collect(),
            deleted: page.deleted.into_iter().map(|d| SyncDeleted { id: ID(d.id.to_string()), slug: d.slug }).collect(),
            next_page_token: page.next_page_token,
            next_sync_token: page.next_sync_token,
        })
    }
}
