//! The content roots: articles, sections, tags and authors.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use newsdesk_domain::Error;
use newsdesk_domain::model::{self, ArticleId, NodeId};
use newsdesk_domain::query::ArticleSort;
use newsdesk_domain::query::Limit;
use newsdesk_domain::service::Found;

use super::filter::{ArticleFilterInput, ArticleSortInput};
use super::resolve::{
    GqlResult, Total, call, connection, cursor_arg, feed_counts, found, none_if_not_found, page_args, state, tree,
};
use super::types::{Article, Author, Node, Section, Tag, articles_connection};
use crate::auth::Caller;
use crate::error::to_graphql;
use crate::state::AppState;

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// One published article, by slug or by id.
    async fn article(&self, ctx: &Context<'_>, slug: Option<String>, id: Option<ID>) -> GqlResult<Option<Article>> {
        let preview = ctx.data::<Caller>()?.previews();
        let found = article(state(ctx)?, preview, slug, id).await.map_err(to_graphql)?;
        Ok(found.map(Article::from_full))
    }

    /// The object with this global id (an article, section, tag or author), or
    /// null when there is none the caller may see.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Node>> {
        Ok(nodes(ctx, vec![id]).await?.pop().flatten())
    }

    /// The objects with these global ids, in order; null for each that is not
    /// found (at most 100 ids).
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<Node>>> {
        nodes(ctx, ids).await
    }

    /// Published articles.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments, reason = "a filter, a sort and the four Relay paging arguments")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArticleFilterInput>,
        #[graphql(default_with = "Some(ArticleSortInput::PublishedAtDesc)")] sort: Option<ArticleSortInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Article, Total>> {
        let asked = page_args(first, after, last, before)?;
        let filter = filter.unwrap_or_default().parse()?;
        let sort = sort.map_or(ArticleSort::default(), ArticleSort::from);
        articles_connection(ctx, filter, sort, asked).await
    }

    async fn section(&self, ctx: &Context<'_>, slug: String) -> GqlResult<Option<Section>> {
        let tree = tree(ctx).await?;
        Ok(tree.by_slug(&slug).cloned().map(Section))
    }

    /// The root sections; each has `children`.
    async fn sections(&self, ctx: &Context<'_>) -> GqlResult<Vec<Section>> {
        let tree = tree(ctx).await?;
        Ok(tree.roots().cloned().map(Section).collect())
    }

    async fn tag(&self, ctx: &Context<'_>, slug: String) -> GqlResult<Option<Tag>> {
        let Some(t) = found(state(ctx)?.content(move |c| c.tag(&slug)).await)? else { return Ok(None) };
        feed_counts(ctx, vec![(t.item.id, t.article_count)]).await?;
        Ok(Some(Tag(t.item)))
    }

    /// Tags, by slug.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Tag, Total>> {
        let asked = page_args(first, after, last, before)?;
        let request = asked.clone();
        let page = call(ctx, move |c| c.tags(&request).map_err(cursor_arg(&request))).await?;
        feed_counts(ctx, page.items.iter().map(|t| (t.item.id, t.article_count)).collect()).await?;
        Ok(connection(page, &asked, None, |t| Tag(t.item)))
    }

    async fn author(&self, ctx: &Context<'_>, slug: String) -> GqlResult<Option<Author>> {
        let Some(a) = found(state(ctx)?.content(move |c| c.author(&slug)).await)? else { return Ok(None) };
        feed_counts(ctx, vec![(a.item.id, a.article_count)]).await?;
        Ok(Some(Author(a.item)))
    }

    /// Authors, by slug.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Author, Total>> {
        let asked = page_args(first, after, last, before)?;
        let request = asked.clone();
        let page = call(ctx, move |c| c.authors(&request).map_err(cursor_arg(&request))).await?;
        feed_counts(ctx, page.items.iter().map(|a| (a.item.id, a.article_count)).collect()).await?;
        Ok(connection(page, &asked, None, |a| Author(a.item)))
    }
}

/// The article the `article` field answers: by slug (following a renamed
/// slug) or by id, with its body; `None` when there is none the caller may see
/// (drafts only for a preview key).
pub(super) async fn article(
    state: &AppState,
    preview: bool,
    slug: Option<String>,
    id: Option<ID>,
) -> newsdesk_domain::Result<Option<Arc<model::Article>>> {
    let r = match (slug, id) {
        (Some(slug), None) => {
            let found = match state.content.cached_article(&slug).filter(|_| !preview) {
                Some(a) => Ok(Found::Article(a)),
                None => state.content(move |c| c.find_article(&slug, preview)).await,
            };
            match found {
                Ok(Found::Moved(to)) => {
                    state.content(move |c| c.find_article(to.as_str(), preview)).await.and_then(|f| match f {
                        Found::Article(a) => Ok(a),
                        Found::Moved(_) => Err(Error::not_found("article")),
                    })
                }
                Ok(Found::Article(a)) => Ok(a),
                Err(e) => Err(e),
            }
        }
        (None, Some(id)) => match ArticleId::from_global(id.as_str()) {
            Ok(id) if preview => state.content(move |c| c.any_article(id).map(Arc::new)).await,
            Ok(id) => state.content(move |c| c.article_by_id(id).map(Arc::new)).await,
            Err(_) => return Ok(None),
        },
        _ => return Err(Error::field("slug", "give exactly one of `slug` or `id`")),
    };
    none_if_not_found(r)
}

/// The objects of global ids, in order: one lookup per kind for the whole list.
async fn nodes(ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<Node>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Limit::new("ids", i64::try_from(ids.len()).unwrap_or(i64::MAX), Limit::MAX).map_err(to_graphql)?;
    let preview = ctx.data::<Caller>()?.previews();
    // An id that is not one of ours names nothing, like an id of nothing.
    let parsed: Vec<Option<NodeId>> = ids.iter().map(|id| NodeId::parse(id.as_str())).collect();
    let known: Vec<NodeId> = parsed.iter().flatten().copied().collect();
    let mut found = state(ctx)?.content(move |c| c.nodes(&known, preview)).await.map_err(to_graphql)?.into_iter();
    Ok(parsed.into_iter().map(|id| id.and_then(|_| found.next().flatten()).map(Node::from)).collect())
}
