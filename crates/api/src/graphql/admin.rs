//! Editorial mutations: the same service calls as `/v1/admin/`, with the same
//! scopes (UNAUTHENTICATED without a key, FORBIDDEN without the scope), input
//! errors (BAD_USER_INPUT with `extensions.fields`) and conflicts (CONFLICT,
//! also for a stale `version`). Each answers a payload holding what it changed,
//! so that a normalized client cache updates itself; failures are GraphQL
//! errors with those codes (there are no `userErrors` fields).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject, Union};
use newsdesk_domain::Slug;
use newsdesk_domain::editorial::{ArticleInput, EditorialService, Lifecycle, TaxonInput};
use newsdesk_domain::model::ArticleId;
use newsdesk_domain::ports::TaxonKind;
use newsdesk_domain::service::Node as NodeView;

use super::scalars::DateTime;
use super::types::{Article, Author, Section, Tag};
use crate::auth::Caller;
use crate::error::to_graphql;
use crate::state::AppState;

type GqlResult<T> = async_graphql::Result<T>;

/// An article as written: every field is optional in `updateArticle`; `slug`,
/// `title`, `section` and `body` are required to create or replace one.
#[derive(InputObject, Default)]
#[graphql(name = "ArticleInput")]
pub struct ArticleInputGql {
    slug: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    /// The section's slug.
    section: Option<String>,
    /// Tag slugs, in display order.
    tags: Option<Vec<String>>,
    /// Author slugs, in byline order.
    authors: Option<Vec<String>>,
    /// Body blocks in the REST shape (`[{"type": "paragraph", "spans": [...]}, ...]`).
    body: Option<Json<serde_json::Value>>,
    /// `{src, alt, caption}`; `null` removes it.
    hero_image: MaybeUndefined<Json<serde_json::Value>>,
    /// `null` clears it; publication itself is `publishArticle` or `scheduleArticle`.
    published_at: MaybeUndefined<DateTime>,
}

fn maybe<T, U>(m: MaybeUndefined<T>, f: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match m {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v))),
    }
}

impl ArticleInputGql {
    fn into_domain(self, version: Option<i64>) -> ArticleInput {
        ArticleInput {
            slug: self.slug,
            title: self.title,
            summary: self.summary,
            section: self.section,
            tags: self.tags,
            authors: self.authors,
            body: self.body.map(|b| b.0),
            hero_image: maybe(self.hero_image, |h| h.0),
            published_at: maybe(self.published_at, |t| t.0.to_rfc3339()),
            version,
        }
    }
}

/// A section, tag or author as written. `parent` is for sections, `bio` for authors.
#[derive(InputObject)]
#[graphql(name = "TaxonInput")]
pub struct TaxonInputGql {
    slug: String,
    name: String,
    parent: Option<String>,
    bio: Option<String>,
}

impl From<TaxonInputGql> for TaxonInput {
    fn from(t: TaxonInputGql) -> Self {
        TaxonInput { slug: Some(t.slug), name: Some(t.name), parent: t.parent, bio: t.bio }
    }
}

/// What a taxonomy mutation works on.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomyKind {
    Section,
    Tag,
    Author,
}

impl From<TaxonomyKind> for TaxonKind {
    fn from(k: TaxonomyKind) -> Self {
        match k {
            TaxonomyKind::Section => TaxonKind::Section,
            TaxonomyKind::Tag => TaxonKind::Tag,
            TaxonomyKind::Author => TaxonKind::Author,
        }
    }
}

fn article_id(id: &ID) -> GqlResult<ArticleId> {
    ArticleId::from_global(id.as_str()).map_err(to_graphql)
}

/// Run an editorial write as the request's caller.
async fn edit<T: Send + 'static>(
    ctx: &Context<'_>,
    f: impl FnOnce(&EditorialService, Option<&newsdesk_domain::auth::Principal>) -> newsdesk_domain::Result<T>
    + Send
    + 'static,
) -> GqlResult<T> {
    let caller = ctx.data::<Caller>()?.clone();
    ctx.data::<AppState>()?.edit(move |e| f(e, caller.principal())).await.map_err(to_graphql)
}

/// What an article mutation changed.
#[derive(SimpleObject)]
pub struct ArticlePayload {
    /// The article as it is now, of any status.
    article: Article,
}

impl From<newsdesk_domain::model::Article> for ArticlePayload {
    fn from(a: newsdesk_domain::model::Article) -> Self {
        Self { article: Article::from_full(Arc::new(a)) }
    }
}

/// What a deletion removed.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The id of what was deleted, to evict from a client cache.
    deleted_id: ID,
}

/// A section, tag or author.
#[derive(Union)]
pub enum Taxon {
    Section(Section),
    Tag(Tag),
    Author(Author),
}

/// What a taxonomy mutation changed.
#[derive(SimpleObject)]
pub struct TaxonPayload {
    /// The section, tag or author as it is now.
    taxon: Taxon,
}

async fn step(ctx: &Context<'_>, id: ID, step: Lifecycle, version: Option<i64>) -> GqlResult<ArticlePayload> {
    let id = article_id(&id)?;
    edit(ctx, move |e, who| e.transition(who, id, step, version)).await.map(ArticlePayload::from)
}

/// Change (or, with `replace`, replace) an article's fields.
async fn update(
    ctx: &Context<'_>,
    id: ID,
    input: ArticleInputGql,
    version: i64,
    replace: bool,
) -> GqlResult<ArticlePayload> {
    let (id, input) = (article_id(&id)?, input.into_domain(Some(version)));
    edit(ctx, move |e, who| e.update(who, id, input, replace)).await.map(ArticlePayload::from)
}

/// Save a section, tag or author and answer it as readers now see it.
async fn save_taxon(
    ctx: &Context<'_>,
    kind: TaxonomyKind,
    existing: Option<Slug>,
    input: TaxonInputGql,
) -> GqlResult<TaxonPayload> {
    let input = TaxonInput::from(input);
    let (id, _) = edit(ctx, move |e, who| e.save_taxon(who, kind.into(), existing.as_ref(), input)).await?;
    let saved = ctx.data::<AppState>()?.content(move |c| c.nodes(&[id], true)).await.map_err(to_graphql)?;
    let taxon = match saved.into_iter().next().flatten() {
        Some(NodeView::Section(s)) => Taxon::Section(Section(s)),
        Some(NodeView::Tag(t)) => Taxon::Tag(Tag(t)),
        Some(NodeView::Author(a)) => Taxon::Author(Author(a)),
        _ => return Err(to_graphql(newsdesk_domain::Error::internal(format!("saved {id} is missing")))),
    };
    Ok(TaxonPayload { taxon })
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Create an article, as a draft (`content:write`).
    async fn create_article(&self, ctx: &Context<'_>, input: ArticleInputGql) -> GqlResult<ArticlePayload> {
        let input = input.into_domain(None);
        edit(ctx, move |e, who| e.create(who, input)).await.map(ArticlePayload::from)
    }

    /// Change the given fields of an article, made from `version` (CONFLICT when stale).
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ArticleInputGql,
        version: i64,
    ) -> GqlResult<ArticlePayload> {
        update(ctx, id, input, version, false).await
    }

    /// Replace every editable field of an article, made from `version`.
    async fn replace_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ArticleInputGql,
        version: i64,
    ) -> GqlResult<ArticlePayload> {
        update(ctx, id, input, version, true).await
    }

    /// Delete an article; `version` is checked when given.
    async fn delete_article(&self, ctx: &Context<'_>, id: ID, version: Option<i64>) -> GqlResult<DeletePayload> {
        let article = article_id(&id)?;
        edit(ctx, move |e, who| e.delete(who, article, version)).await?;
        Ok(DeletePayload { deleted_id: ID(article.global()) })
    }

    /// Publish now.
    async fn publish_article(&self, ctx: &Context<'_>, id: ID, version: Option<i64>) -> GqlResult<ArticlePayload> {
        step(ctx, id, Lifecycle::Publish, version).await
    }

    /// Back to draft.
    async fn unpublish_article(&self, ctx: &Context<'_>, id: ID, version: Option<i64>) -> GqlResult<ArticlePayload> {
        step(ctx, id, Lifecycle::Unpublish, version).await
    }

    /// Out of public view, kept.
    async fn archive_article(&self, ctx: &Context<'_>, id: ID, version: Option<i64>) -> GqlResult<ArticlePayload> {
        step(ctx, id, Lifecycle::Archive, version).await
    }

    /// Publish automatically at `publishedAt` (a future instant).
    async fn schedule_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        published_at: DateTime,
        version: Option<i64>,
    ) -> GqlResult<ArticlePayload> {
        step(ctx, id, Lifecycle::Schedule(published_at.0), version).await
    }

    /// Restore the content of revision `number` as a new revision.
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        number: i64,
        version: Option<i64>,
    ) -> GqlResult<ArticlePayload> {
        let id = article_id(&id)?;
        edit(ctx, move |e, who| e.restore(who, id, number, version)).await.map(ArticlePayload::from)
    }

    /// Create a section, tag or author.
    async fn create_taxon(
        &self,
        ctx: &Context<'_>,
        kind: TaxonomyKind,
        input: TaxonInputGql,
    ) -> GqlResult<TaxonPayload> {
        save_taxon(ctx, kind, None, input).await
    }

    /// Replace the section, tag or author now at `slug` (a new slug in `input`
    /// renames it).
    async fn update_taxon(
        &self,
        ctx: &Context<'_>,
        kind: TaxonomyKind,
        slug: String,
        input: TaxonInputGql,
    ) -> GqlResult<TaxonPayload> {
        let slug = Slug::parse_field("slug", slug).map_err(to_graphql)?;
        save_taxon(ctx, kind, Some(slug), input).await
    }

    /// Delete a section, tag or author (CONFLICT while articles use it).
    async fn delete_taxon(&self, ctx: &Context<'_>, kind: TaxonomyKind, slug: String) -> GqlResult<DeletePayload> {
        let slug = Slug::parse_field("slug", slug).map_err(to_graphql)?;
        let id = edit(ctx, move |e, who| e.delete_taxon(who, kind.into(), &slug)).await?;
        Ok(DeletePayload { deleted_id: ID(id.to_string()) })
    }
}
