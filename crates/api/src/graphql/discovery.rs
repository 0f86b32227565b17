//! Search (and the other discovery reads): the same service calls as REST.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Object};
use newsdesk_domain::search::SearchResult;

use super::types::{Article, ArticleFilterInput, connection, first_arg};
use crate::error::to_graphql;
use crate::state::{AppState, blocking};

type GqlResult<T> = async_graphql::Result<T>;

/// One search result.
pub struct SearchHit(SearchResult);

#[Object]
impl SearchHit {
    async fn article(&self) -> Article {
        Article::from_full(Arc::new(self.0.article.clone()))
    }
    /// Relevance (BM25 with title matches weighted up); higher is better.
    async fn score(&self) -> f32 {
        self.0.score
    }
    /// Matching passages of the title, summary and body, HTML-escaped, each match
    /// wrapped in `<mark>…</mark>`.
    async fn highlights(&self) -> &[String] {
        &self.0.highlights
    }
}

#[derive(Default)]
pub struct DiscoveryQuery;

#[Object]
impl DiscoveryQuery {
    /// Search published articles, best first: words in the title, summary and
    /// body, `"quoted phrases"`, the last word as a prefix; the list filters apply.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<ArticleFilterInput>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, SearchHit>> {
        let filter = filter.unwrap_or_default().parse()?;
        let limit = first_arg(first)?;
        let has_previous = after.is_some();
        let svc = ctx.data::<AppState>()?.search.clone();
        let page = blocking(move || svc.search(&query, &filter, after.as_deref(), limit, ("query", "after")))
            .await
            .map_err(to_graphql)?;
        Ok(connection(page, has_previous, SearchHit))
    }
}
