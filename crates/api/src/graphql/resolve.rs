//! What resolvers share: the services, the loaders, pages as connections.

use std::hash::Hash;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use newsdesk_domain::model::SectionTree;
use newsdesk_domain::query::{ArticleFilter, Direction, Limit, Page, PageRequest};

use super::loaders::Load;
use crate::error::to_graphql;
use crate::state::AppState;

pub(super) type GqlResult<T> = async_graphql::Result<T>;

pub(super) fn state<'a>(ctx: &Context<'a>) -> GqlResult<&'a AppState> {
    ctx.data::<AppState>()
}

pub(super) async fn call<T: Send + 'static>(
    ctx: &Context<'_>,
    f: impl FnOnce(&newsdesk_domain::service::ContentService) -> newsdesk_domain::Result<T> + Send + 'static,
) -> GqlResult<T> {
    state(ctx)?.content(f).await.map_err(to_graphql)
}

/// The section tree: from memory when fresh, else loaded on the blocking pool.
pub(super) async fn tree(ctx: &Context<'_>) -> GqlResult<Arc<SectionTree>> {
    state(ctx)?.read((), |c, _| c.cached_section_tree(), |c, _| c.section_tree()).await.map_err(to_graphql)
}

pub(super) async fn load<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Option<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    ctx.data::<Load<K, V>>()?.load_one(key).await.map_err(|e| to_graphql((*e).clone()))
}

pub(super) async fn load_many<K, V>(ctx: &Context<'_>, keys: Vec<K>) -> GqlResult<Vec<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    let found = ctx.data::<Load<K, V>>()?.load_many(keys).await.map_err(|e| to_graphql((*e).clone()))?;
    Ok(found.into_values().collect())
}

/// Hand counts the service computed anyway to the count loader, so `articleCount`
/// costs no second query.
pub(super) async fn feed_counts<K>(ctx: &Context<'_>, counts: Vec<(K, i64)>) -> GqlResult<()>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    ctx.data::<Load<K, i64>>()?.feed_many(counts).await;
    Ok(())
}

/// The page a connection's arguments ask for: `first` items after `after`, or
/// the `last` items before `before` (1 to 100; 20 when neither is given).
pub(super) fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> GqlResult<PageRequest> {
    let size = |field: &str, n: Option<i32>| {
        n.map_or(Ok(Limit::DEFAULT), |n| Limit::new(field, i64::from(n), Limit::MAX)).map_err(to_graphql)
    };
    let mixed = |field: &str| {
        to_graphql(newsdesk_domain::Error::field(
            field,
            "page forward with `first` and `after`, or backward with `last` and `before`, not both",
        ))
    };
    match (last.is_some() || before.is_some(), first, after) {
        (false, first, after) => {
            Ok(PageRequest { cursor: after, limit: size("first", first)?, direction: Direction::Forward })
        }
        (true, None, None) => {
            Ok(PageRequest { cursor: before, limit: size("last", last)?, direction: Direction::Backward })
        }
        (true, Some(_), _) => Err(mixed("first")),
        (true, None, Some(_)) => Err(mixed("after")),
    }
}

/// A service error about `cursor` names the connection argument it came from.
pub(super) fn cursor_arg(page: &PageRequest) -> impl Fn(newsdesk_domain::Error) -> newsdesk_domain::Error {
    let name = if page.direction == Direction::Forward { "after" } else { "before" };
    move |e| e.renamed("cursor", name)
}

/// A page as a connection; its `totalCount` is the page's total unless `total`
/// says how to count it.
pub(super) fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    asked: &PageRequest,
    total: Option<Total>,
    node: impl Fn(T) -> N,
) -> Connection<String, N, Total> {
    let total = total.unwrap_or(Total::Known(page.total.unwrap_or_default()));
    // Past the cursor there is at least the result it came from.
    let (more_that_way, from_cursor) = (page.next_cursor.is_some(), asked.cursor.is_some());
    let (has_previous, has_next) = match asked.direction {
        Direction::Forward => (from_cursor, more_that_way),
        Direction::Backward => (more_that_way, from_cursor),
    };
    let mut conn = Connection::with_additional_fields(has_previous, has_next, total);
    conn.edges.extend(page.items.into_iter().zip(page.cursors).map(|(item, cursor)| Edge::new(cursor, node(item))));
    conn
}

/// The `totalCount` of a connection.
pub(super) enum Total {
    Known(i64),
    /// The articles of a filter, counted only when asked for.
    Articles(ArticleFilter),
}

#[Object(name = "ListTotal")]
impl Total {
    /// How many items the whole list holds (not only this page). Counted with a
    /// few seconds' delay at most; search counts the index's matches.
    async fn total_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        match self {
            Total::Known(n) => Ok(*n),
            Total::Articles(filter) => {
                let filter = filter.clone();
                call(ctx, move |c| c.article_total(&filter)).await
            }
        }
    }
}

/// A NOT_FOUND from the service is `null` for nullable single-item fields.
pub(super) fn found<T>(r: newsdesk_domain::Result<T>) -> GqlResult<Option<T>> {
    none_if_not_found(r).map_err(to_graphql)
}

/// A NOT_FOUND from the service as `None`.
pub(super) fn none_if_not_found<T>(r: newsdesk_domain::Result<T>) -> newsdesk_domain::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == newsdesk_domain::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
