//! Search (and the other discovery reads): the same service calls as REST.

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, SimpleObject};
use newsdesk_domain::query::Limit;
use newsdesk_domain::search::SearchResult;

use super::filter::ArticleFilterInput;
use super::resolve::{Total, connection, cursor_arg, page_args};
use super::types::Article;
use crate::error::to_graphql;
use crate::limits::ClientAddr;
use crate::state::{AppState, blocking};

type GqlResult<T> = async_graphql::Result<T>;

/// One search result.
pub struct SearchHit(SearchResult);

#[Object]
impl SearchHit {
    async fn article(&self) -> Article {
        Article::from_full(self.0.article.clone())
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

/// A recommended article and why.
#[derive(SimpleObject)]
pub struct Recommendation {
    article: Article,
    /// A short explanation for the reader ("Because you read “…”", "Trending in Invest").
    reason: String,
}

#[derive(Default)]
pub struct DiscoveryQuery;

#[Object]
impl DiscoveryQuery {
    /// Recommendations for a reader session and/or the article being read (see
    /// `GET /v1/recommendations`); 1 to 20, default 5.
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
        session_id: Option<String>,
        article: Option<String>,
        #[graphql(default = 5)] first: i32,
    ) -> GqlResult<Vec<Recommendation>> {
        let limit = Limit::new("first", i64::from(first), 20).map_err(to_graphql)?;
        if session_id.is_some() {
            // One reader's list: the response is not kept for other requests.
            ctx.insert_http_header("cache-control", "private");
        }
        let svc = ctx.data::<AppState>()?.discovery.clone();
        let recs = blocking(move || svc.recommendations(session_id.as_deref(), article.as_deref(), limit.as_usize()))
            .await
            .map_err(to_graphql)?;
        Ok(recs
            .into_iter()
            .map(|r| Recommendation { article: Article::from_full(r.article), reason: r.reason })
            .collect())
    }

    /// Search published articles, best first: words in the title, summary and
    /// body, `"quoted phrases"`, the last word as a prefix; the list filters apply.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments, reason = "a filter, a sort and the four Relay paging arguments")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<ArticleFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, SearchHit, Total>> {
        let state = ctx.data::<AppState>()?;
        state.limits.search(ctx.data_opt::<ClientAddr>().copied()).map_err(|e| e.to_graphql())?;
        let filter = filter.unwrap_or_default().parse()?;
        let asked = page_args(first, after, last, before)?;
        let (svc, request) = (state.search.clone(), asked.clone());
        let page = blocking(move || svc.search(&query, &filter, &request).map_err(cursor_arg(&request)))
            .await
            .map_err(|e| to_graphql(e.renamed("q", "query")))?;
        Ok(connection(page, &asked, None, SearchHit))
    }
}
