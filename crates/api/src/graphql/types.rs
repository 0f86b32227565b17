//! GraphQL object types (the roots are in the parent module). Resolvers are thin: they call the same
//! service methods as REST, whose articles come with their section, tags, authors
//! and reactions; bodies of list items and article counts come through the loaders.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Interface, Object};
use newsdesk_domain::Error;
use newsdesk_domain::model::{self, ArticleId, ArticleRecord};
use newsdesk_domain::query::{ArticleFilter, ArticleSort, Limit, PageRequest};

use super::body::Body;
use super::resolve::{GqlResult, Total, call, connection, cursor_arg, load, load_many, page_args, state, tree};
use super::scalars::DateTime;
use crate::error::to_graphql;
use crate::state::blocking;
use crate::views::{self, ImageView, ReactionCount};

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

/// Articles of a filter, as a connection; the one resolver behind every article list.
pub(super) async fn articles_connection(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    sort: ArticleSort,
    asked: PageRequest,
) -> GqlResult<Connection<String, Article, Total>> {
    let total = Total::Articles(filter.clone());
    let request = asked.clone();
    let page = call(ctx, move |c| c.list_articles(&filter, sort, &request).map_err(cursor_arg(&request))).await?;
    prefetch(ctx, &page.items).await?;
    Ok(connection(page, &asked, Some(total), |a| Article::from_full(Arc::new(a))))
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
    /// Unique across types; REST carries the same.
    async fn id(&self) -> ID {
        ID(self.record().id.global())
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
    /// Every configured reaction kind, in order, zero counts included.
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
pub struct Section(pub(super) model::Section);

#[Object(serial)]
impl Section {
    /// Unique across types; REST carries the same.
    async fn id(&self) -> ID {
        ID(self.0.id.global())
    }
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
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Article, Total>> {
        let asked = page_args(first, after, last, before)?;
        let filter = ArticleFilter { section: Some(self.0.slug.clone()), ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, asked).await
    }
}

/// A topic tag.
pub struct Tag(pub(super) model::Tag);

#[Object(serial)]
impl Tag {
    /// Unique across types; REST carries the same.
    async fn id(&self) -> ID {
        ID(self.0.id.global())
    }
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
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Article, Total>> {
        let asked = page_args(first, after, last, before)?;
        let filter = ArticleFilter { tags: vec![self.0.slug.clone()], ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, asked).await
    }
}

/// An author.
pub struct Author(pub(super) model::Author);

#[Object(serial)]
impl Author {
    /// Unique across types; REST carries the same.
    async fn id(&self) -> ID {
        ID(self.0.id.global())
    }
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
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, Article, Total>> {
        let asked = page_args(first, after, last, before)?;
        let filter = ArticleFilter { author: Some(self.0.slug.clone()), ..Default::default() };
        articles_connection(ctx, filter, ArticleSort::PublishedAtDesc, asked).await
    }
}

/// An article with its relations; list items come without their body, which is
/// then loaded in one batch across the whole response.
pub struct Article(pub(super) ArticleFields);

impl Article {
    pub(super) fn from_full(a: Arc<model::Article>) -> Self {
        Self(ArticleFields(a))
    }
}

/// An object with a global id (see `Query.node`).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Unique across types; REST carries the same."))]
pub enum Node {
    Article(ArticleFields),
    Section(Section),
    Tag(Tag),
    Author(Author),
}

impl From<newsdesk_domain::service::Node> for Node {
    fn from(n: newsdesk_domain::service::Node) -> Self {
        use newsdesk_domain::service::Node as N;
        match n {
            N::Article(a) => Node::Article(ArticleFields(a)),
            N::Section(s) => Node::Section(Section(s)),
            N::Tag(t) => Node::Tag(Tag(t)),
            N::Author(a) => Node::Author(Author(a)),
        }
    }
}
