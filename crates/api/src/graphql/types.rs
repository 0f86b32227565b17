//! GraphQL object types and the query root. Resolvers are thin: they call the same
//! service methods as REST, whose articles come with their section, tags, authors
//! and reactions; bodies of list items and article counts come through the loaders.

use std::hash::Hash;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, MergedObject, Object};
use newsdesk_domain::model::{self, ArticleId, ArticleRecord, SectionTree};
use newsdesk_domain::query::{ArticleFilter, ArticleSort, Limit, Page};
use newsdesk_domain::service::Found;
use newsdesk_domain::{Error, Slug, Validator};

use super::body::Body;
pub use super::card::Article;
use super::loaders::Load;
use super::scalars::DateTime;
use crate::auth::Caller;
use crate::error::to_graphql;
use crate::state::{AppState, blocking};
use crate::views::{self, ImageView, ReactionCount};

type GqlResult<T> = async_graphql::Result<T>;

fn state<'a>(ctx: &Context<'a>) -> GqlResult<&'a AppState> {
    ctx.data::<AppState>()
}

async fn call<T: Send + 'static>(
    ctx: &Context<'_>,
    f: impl FnOnce(&newsdesk_domain::service::ContentService) -> newsdesk_domain::Result<T> + Send + 'static,
) -> GqlResult<T> {
    state(ctx)?.content(f).await.map_err(to_graphql)
}

/// The section tree: from memory when fresh, else loaded on the blocking pool.
async fn tree(ctx: &Context<'_>) -> GqlResult<Arc<SectionTree>> {
    state(ctx)?.read((), |c, _| c.cached_section_tree(), |c, _| c.section_tree()).await.map_err(to_graphql)
}

async fn load<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Option<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    ctx.data::<Load<K, V>>()?.load_one(key).await.map_err(|e| to_graphql((*e).clone()))
}

async fn load_many<K, V>(ctx: &Context<'_>, keys: Vec<K>) -> GqlResult<Vec<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    let found = ctx.data::<Load<K, V>>()?.load_many(keys).await.map_err(|e| to_graphql((*e).clone()))?;
    Ok(found.into_values().collect())
}

/// Hand counts the service computed anyway to the count loader, so `articleCount`
/// costs no second query.
async fn feed_counts<K>(ctx: &Context<'_>, counts: Vec<(K, i64)>) -> GqlResult<()>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    ctx.data::<Load<K, i64>>()?.feed_many(counts).await;
    Ok(())
}

/// Load, in one batch each, what the selection asks of the articles of a page
/// beyond their cards (bodies, tag and author counts). The loaders keep the
/// results, so each node's own lookup is answered from memory: a page costs the
/// same few statements whatever its size and however the nodes' resolution
/// interleaves.
async fn prefetch(ctx: &Context<'_>, articles: &[model::Article]) -> GqlResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    if node.field("body").exists() {
        let ids = articles.iter().map(|a| a.record.id).collect();
        load_many::<ArticleId, Vec<newsdesk_domain::Block>>(ctx, ids).await?;
    }
    if node.field("tags").field("articleCount").exists() {
        let ids = articles.iter().flat_map(|a| a.record.tag_ids.iter().copied()).collect();
        load_many::<model::TagId, i64>(ctx, ids).await?;
    }
    if node.field("authors").field("articleCount").exists() {
        let ids = articles.iter().flat_map(|a| a.record.author_ids.iter().copied()).collect();
        load_many::<model::AuthorId, i64>(ctx, ids).await?;
    }
    Ok(())
}

/// `first` of a connection: 1 to 100, 20 when not given (or given as `null`).
pub(super) fn first_arg(first: Option<i32>) -> GqlResult<Limit> {
    first.map_or(Ok(Limit::DEFAULT), |n| Limit::new("first", i64::from(n), Limit::MAX)).map_err(to_graphql)
}

pub(super) fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    has_previous: bool,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(page.items.into_iter().zip(page.cursors).map(|(item, cursor)| Edge::new(cursor, node(item))));
    conn
}

/// Articles of a filter, as a connection; the one resolver behind every article list.
async fn articles_connection(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    sort: ArticleSort,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<Connection<String, Article>> {
    let limit = first_arg(first)?;
    let has_previous = after.is_some();
    let page = call(ctx, move |c| c.list_articles(&filter, sort, after.as_deref(), limit, "after")).await?;
    prefetch(ctx, &page.items).await?;
    Ok(connection(page, has_previous, |a| Article::from_full(Arc::new(a))))
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleSort")]
pub enum ArticleSortInput {
    PublishedAtDesc,
    PublishedAtAsc,
    ViewsDesc,
}

impl From<ArticleSortInput> for ArticleSort {
    fn from(s: ArticleSortInput) -> Self {
        match s {
            ArticleSortInput::PublishedAtDesc => ArticleSort::PublishedAtDesc,
            ArticleSortInput::PublishedAtAsc => ArticleSort::PublishedAtAsc,
            ArticleSortInput::ViewsDesc => ArticleSort::ViewsDesc,
        }
    }
}

/// Filters of an article list; every given filter must match.
#[derive(InputObject, Default)]
#[graphql(name = "ArticleFilter")]
pub struct ArticleFilterInput {
    /// A section slug; articles of its sub-sections are included.
    section: Option<String>,
    /// Tag slugs, all of which must be on the article.
    tags: Option<Vec<String>>,
    /// An author slug.
    author: Option<String>,
    /// Published at or after this instant.
    published_after: Option<DateTime>,
    /// Published before this instant.
    published_before: Option<DateTime>,
}

impl ArticleFilterInput {
    pub(super) fn parse(self) -> GqlResult<ArticleFilter> {
        let mut v = Validator::default();
        let section = self.section.and_then(|s| v.check(Slug::parse_field("filter.section", s)));
        let tags = (self.tags.unwrap_or_default().into_iter().enumerate())
            .filter_map(|(i, t)| v.check(Slug::parse_field(&format!("filter.tags[{i}]"), t)))
            .collect();
        let author = self.author.and_then(|s| v.check(Slug::parse_field("filter.author", s)));
        v.finish().map_err(to_graphql)?;
        Ok(ArticleFilter {
            section,
            tags,
            author,
            published_after: self.published_after.map(|t| t.0),
            published_before: self.published_before.map(|t| t.0),
        })
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl From<model::Status> for ArticleStatus {
    fn from(s: model::Status) -> Self {
        match s {
            model::Status::Draft => ArticleStatus::Draft,
            model::Status::Scheduled => ArticleStatus::Scheduled,
            model::Status::Published => ArticleStatus::Published,
            model::Status::Archived => ArticleStatus::Archived,
        }
    }
}

/// The fields of `Article` the engine resolves (see [`super::card`]).
pub struct ArticleFields(pub(super) Arc<model::Article>);

impl ArticleFields {
    fn record(&self) -> &ArticleRecord {
        &self.0.record
    }
}

#[Object(name = "Article", serial)]
impl ArticleFields {
    async fn id(&self) -> ID {
        ID(self.record().id.to_string())
    }
    async fn slug(&self) -> &str {
        self.record().slug.as_str()
    }
    async fn title(&self) -> &str {
        &self.record().title
    }
    async fn summary(&self) -> &str {
        &self.record().summary
    }
    /// The body blocks, in order.
    async fn body(&self, ctx: &Context<'_>) -> GqlResult<Body> {
        let body = match &self.0.body {
            Some(b) => b.clone(),
            None => load::<ArticleId, Vec<newsdesk_domain::Block>>(ctx, self.record().id).await?.unwrap_or_default(),
        };
        Ok(Body(body))
    }
    async fn section(&self, ctx: &Context<'_>) -> GqlResult<Section> {
        let id = self.record().section_id;
        let tree = tree(ctx).await?;
        tree.get(id).cloned().map(Section).ok_or_else(|| to_graphql(Error::internal(format!("section {id} missing"))))
    }
    async fn tags(&self) -> Vec<Tag> {
        self.0.tags.iter().cloned().map(Tag).collect()
    }
    async fn authors(&self) -> Vec<Author> {
        self.0.authors.iter().cloned().map(Author).collect()
    }
    async fn hero_image(&self) -> Option<ImageView> {
        self.record().hero_image.clone().map(ImageView::from)
    }
    async fn status(&self) -> ArticleStatus {
        self.record().status.into()
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.record().published_at.map(DateTime)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.record().updated_at)
    }
    async fn reading_time_minutes(&self) -> i32 {
        self.record().reading_time_minutes
    }
    /// Lifetime reads.
    async fn views(&self) -> i64 {
        self.record().views
    }
    /// Reaction counts by kind.
    async fn reactions(&self) -> Vec<ReactionCount> {
        views::reactions(self.record().reactions.clone())
    }
    /// Increases with every change; used for optimistic concurrency.
    async fn version(&self) -> i64 {
        self.record().version
    }
    /// Articles on the same subject, best first (1 to 20; see `GET /v1/articles/{slug}/related`).
    async fn related(&self, ctx: &Context<'_>, #[graphql(default = 5)] first: Option<i32>) -> GqlResult<Vec<Article>> {
        let limit = Limit::new("first", i64::from(first.unwrap_or(5)), 20).map_err(to_graphql)?;
        let svc = state(ctx)?.discovery.clone();
        let id = self.record().id;
        let related = blocking(move || svc.related_to(id, limit.as_usize())).await.map_err(to_graphql)?;
        Ok(related.into_iter().map(Article::from_full).collect())
    }
}

/// A section of the tree.
pub struct Section(model::Section);

#[Object(serial)]
impl Section {
    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// From the root section down to this one, inclusive.
    async fn path(&self, ctx: &Context<'_>) -> GqlResult<Vec<Section>> {
        let id = self.0.id;
        let tree = tree(ctx).await?;
        Ok(tree.path(id).into_iter().map(Section).collect())
    }
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<Section>> {
        let Some(parent) = self.0.parent_id else { return Ok(None) };
        let tree = tree(ctx).await?;
        Ok(tree.get(parent).cloned().map(Section))
    }
    async fn children(&self, ctx: &Context<'_>) -> GqlResult<Vec<Section>> {
        let id = self.0.id;
        let tree = tree(ctx).await?;
        Ok(tree.children_of(Some(id)).cloned().map(Section).collect())
    }
    /// Published articles in this section and its sub-sections.
    async fn article_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        Ok(load::<model::SectionId, i64>(ctx, self.0.id).await?.unwrap_or(0))
    }
    /// Published articles in this section and its sub-sections, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Article>> {
        let filter = ArticleFilter { section: Some(self.0.slug.clone()), ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, first, after).await
    }
}

/// A topic tag.
pub struct Tag(model::Tag);

#[Object(serial)]
impl Tag {
    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Published articles with this tag.
    async fn article_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        Ok(load::<model::TagId, i64>(ctx, self.0.id).await?.unwrap_or(0))
    }
    /// Published articles with this tag, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Article>> {
        let filter = ArticleFilter { tags: vec![self.0.slug.clone()], ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, first, after).await
    }
}

/// An author.
pub struct Author(model::Author);

#[Object(serial)]
impl Author {
    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// Published articles by this author.
    async fn article_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        Ok(load::<model::AuthorId, i64>(ctx, self.0.id).await?.unwrap_or(0))
    }
    /// Published articles by this author, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Article>> {
        let filter = ArticleFilter { author: Some(self.0.slug.clone()), ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, first, after).await
    }
}

/// A NOT_FOUND from the service is `null` for nullable single-item fields.
fn found<T>(r: newsdesk_domain::Result<T>) -> GqlResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == newsdesk_domain::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(to_graphql(e)),
    }
}

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// One published article, by slug or by id.
    async fn article(&self, ctx: &Context<'_>, slug: Option<String>, id: Option<ID>) -> GqlResult<Option<Article>> {
        let preview = ctx.data::<Caller>()?.previews();
        let r = match (slug, id) {
            (Some(slug), None) => {
                let found = match state(ctx)?.content.cached_article(&slug).filter(|_| !preview) {
                    Some(a) => Ok(Found::Article(a)),
                    None => state(ctx)?.content(move |c| c.find_article(&slug, preview)).await,
                };
                match found {
                    Ok(Found::Moved(to)) => {
                        state(ctx)?.content(move |c| c.find_article(to.as_str(), preview)).await.and_then(|f| match f {
                            Found::Article(a) => Ok(a),
                            Found::Moved(_) => Err(Error::not_found("article")),
                        })
                    }
                    Ok(Found::Article(a)) => Ok(a),
                    Err(e) => Err(e),
                }
            }
            (None, Some(id)) => match id.parse::<i64>() {
                Ok(id) if preview => state(ctx)?.content(move |c| c.any_article(ArticleId(id)).map(Arc::new)).await,
                Ok(id) => state(ctx)?.content(move |c| c.article_by_id(ArticleId(id)).map(Arc::new)).await,
                Err(_) => return Ok(None),
            },
            _ => return Err(to_graphql(Error::field("slug", "give exactly one of `slug` or `id`"))),
        };
        Ok(found(r)?.map(Article::from_full))
    }

    /// Published articles.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArticleFilterInput>,
        #[graphql(default_with = "Some(ArticleSortInput::PublishedAtDesc)")] sort: Option<ArticleSortInput>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Article>> {
        let filter = filter.unwrap_or_default().parse()?;
        let sort = sort.map_or(ArticleSort::default(), ArticleSort::from);
        articles_connection(ctx, filter, sort, first, after).await
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
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Tag>> {
        let limit = first_arg(first)?;
        let has_previous = after.is_some();
        let page = call(ctx, move |c| c.tags(after.as_deref(), limit, "after")).await?;
        feed_counts(ctx, page.items.iter().map(|t| (t.item.id, t.article_count)).collect()).await?;
        Ok(connection(page, has_previous, |t| Tag(t.item)))
    }

    async fn author(&self, ctx: &Context<'_>, slug: String) -> GqlResult<Option<Author>> {
        let Some(a) = found(state(ctx)?.content(move |c| c.author(&slug)).await)? else { return Ok(None) };
        feed_counts(ctx, vec![(a.item.id, a.article_count)]).await?;
        Ok(Some(Author(a.item)))
    }

    /// Authors, by slug.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<String, Author>> {
        let limit = first_arg(first)?;
        let has_previous = after.is_some();
        let page = call(ctx, move |c| c.authors(after.as_deref(), limit, "after")).await?;
        feed_counts(ctx, page.items.iter().map(|a| (a.item.id, a.article_count)).collect()).await?;
        Ok(connection(page, has_previous, |a| Author(a.item)))
    }
}

#[derive(MergedObject, Default)]
pub struct Query(ContentQuery, super::engagement::EngagementQuery, super::discovery::DiscoveryQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(super::engagement::EngagementMutation, super::admin::AdminMutation);
