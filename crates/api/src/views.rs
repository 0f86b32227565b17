//! Response shapes. A field that may be `null` is still always present (required
//! and nullable in the OpenAPI document). The leaf types (blocks, images,
//! reactions) are shared by REST (serde + utoipa) and GraphQL (async-graphql) so
//! both speak one shape.

use async_graphql::{Enum, SimpleObject, Union};
use chrono::{DateTime, Utc};
use newsdesk_domain::body as dom;
use newsdesk_domain::model::{self, Article, ArticleId, NodeId, Section};
use newsdesk_domain::ports::{AuditEntry, Revision};
use newsdesk_domain::ports::{Delivery, Webhook};
use newsdesk_domain::ranking::Ranking;
use newsdesk_domain::search::SearchResult;
use newsdesk_domain::service::{Counted, SectionInfo};
use std::borrow::Cow;

use newsdesk_domain::Slug;
use serde::Serialize;
use utoipa::ToSchema;

// Views borrow from what they show where they can: a page of articles is
// serialized straight from the service's articles, without copying their text.

/// A reference to a section, tag or author.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ref<'a> {
    /// Unique across types, the same as in GraphQL (`section_3`, `tag_7`, `author_5`).
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: Cow<'a, str>,
    pub name: Cow<'a, str>,
}

impl<'a> Ref<'a> {
    fn to(id: impl Into<NodeId>, slug: &'a Slug, name: &'a str) -> Self {
        Self { id: id.into(), slug: Cow::Borrowed(slug.as_str()), name: Cow::Borrowed(name) }
    }

    fn owned(s: &Section) -> Ref<'static> {
        Ref { id: s.id.into(), slug: Cow::Owned(s.slug.to_string()), name: Cow::Owned(s.name.clone()) }
    }
}

impl<'a> From<&'a Section> for Ref<'a> {
    fn from(s: &'a Section) -> Self {
        Self::to(s.id, &s.slug, &s.name)
    }
}

/// An article's section with its path of ancestors, root first (the breadcrumb).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSection<'a> {
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: &'a str,
    pub name: &'a str,
    /// From the root section down to this one, inclusive.
    pub path: Vec<Ref<'a>>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(serial)]
pub struct ReactionCount {
    /// The reaction kind, e.g. `very-good`.
    pub kind: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Image", serial)]
#[schema(as = Image)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
    #[schema(required = true)]
    pub caption: Option<String>,
}

impl From<dom::Image> for ImageView {
    fn from(dom::Image { src, alt, caption }: dom::Image) -> Self {
        Self { src, alt, caption }
    }
}

/// Inline emphasis of a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, Enum)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Bold,
    Italic,
}

/// A run of text; `href` (external) or `article` (a slug) make it a link.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub text: String,
    pub marks: Vec<Mark>,
    #[schema(required = true)]
    pub href: Option<String>,
    /// Slug of the linked article.
    #[schema(required = true)]
    pub article: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct ParagraphBlock {
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct HeadingBlock {
    /// 2, 3 or 4.
    pub level: i32,
    pub text: String,
}

/// One link of a link list: to another article by slug, or to an external URL.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct LinkItem {
    pub text: String,
    #[schema(required = true)]
    pub article: Option<String>,
    #[schema(required = true)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct LinkListBlock {
    #[schema(required = true)]
    pub title: Option<String>,
    pub items: Vec<LinkItem>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct QuoteBlock {
    pub text: String,
    #[schema(required = true)]
    pub attribution: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct ImageBlock {
    pub src: String,
    pub alt: String,
    #[schema(required = true)]
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
pub struct EmbedBlock {
    pub provider: String,
    pub url: String,
}

/// A body block, tagged by `type`.
#[derive(Debug, Clone, Serialize, ToSchema, Union)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph(ParagraphBlock),
    Heading(HeadingBlock),
    LinkList(LinkListBlock),
    Quote(QuoteBlock),
    Image(ImageBlock),
    Embed(EmbedBlock),
}

/// The engine's shape of a stored body, for comparing GraphQL's projection with it.
#[cfg(test)]
pub fn blocks(body: Vec<dom::Block>) -> Vec<Block> {
    body.into_iter()
        .map(|b| match b {
            dom::Block::Paragraph { spans } => Block::Paragraph(ParagraphBlock {
                spans: spans
                    .into_iter()
                    .map(|dom::Span { text, marks, href, article }| Span {
                        text,
                        marks: marks
                            .into_iter()
                            .map(|m| match m {
                                dom::Mark::Bold => Mark::Bold,
                                dom::Mark::Italic => Mark::Italic,
                            })
                            .collect(),
                        href,
                        article: article.map(String::from),
                    })
                    .collect(),
            }),
            dom::Block::Heading { level, text } => Block::Heading(HeadingBlock { level: i32::from(level), text }),
            dom::Block::LinkList { title, items } => Block::LinkList(LinkListBlock {
                title,
                items: items
                    .into_iter()
                    .map(|dom::LinkItem { text, article, url }| LinkItem {
                        text,
                        article: article.map(String::from),
                        url,
                    })
                    .collect(),
            }),
            dom::Block::Quote { text, attribution } => Block::Quote(QuoteBlock { text, attribution }),
            dom::Block::Image { src, alt, caption } => Block::Image(ImageBlock { src, alt, caption }),
            dom::Block::Embed { provider, url } => Block::Embed(EmbedBlock { provider, url }),
        })
        .collect()
}

/// A stored body serialized as [`Block`]s straight from the article, without a
/// copy of its text: every optional field present (`null`), `marks` always a
/// list. A page of a sync is a hundred bodies; copying them cost as much as
/// writing them.
#[derive(Debug, Clone, Copy)]
pub struct BodyView<'a>(pub &'a [dom::Block]);

impl Serialize for BodyView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum BlockRef<'a> {
            Paragraph { spans: Each<'a, dom::Span, SpanRef<'a>> },
            Heading { level: u8, text: &'a str },
            LinkList { title: Option<&'a str>, items: Each<'a, dom::LinkItem, ItemRef<'a>> },
            Quote { text: &'a str, attribution: Option<&'a str> },
            Image { src: &'a str, alt: &'a str, caption: Option<&'a str> },
            Embed { provider: &'a str, url: &'a str },
        }
        #[derive(Serialize)]
        struct SpanRef<'a> {
            text: &'a str,
            marks: &'a [dom::Mark],
            href: Option<&'a str>,
            article: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct ItemRef<'a> {
            text: &'a str,
            article: Option<&'a str>,
            url: Option<&'a str>,
        }
        /// A slice written as a sequence of views of its items.
        struct Each<'a, T, V>(&'a [T], fn(&'a T) -> V);
        impl<'a, T, V: Serialize> Serialize for Each<'a, T, V> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(self.1))
            }
        }
        fn span(sp: &dom::Span) -> SpanRef<'_> {
            SpanRef {
                text: &sp.text,
                marks: &sp.marks,
                href: sp.href.as_deref(),
                article: sp.article.as_ref().map(Slug::as_str),
            }
        }
        fn item(i: &dom::LinkItem) -> ItemRef<'_> {
            ItemRef { text: &i.text, article: i.article.as_ref().map(Slug::as_str), url: i.url.as_deref() }
        }
        s.collect_seq(self.0.iter().map(|b| match b {
            dom::Block::Paragraph { spans } => BlockRef::Paragraph { spans: Each(spans, span) },
            dom::Block::Heading { level, text } => BlockRef::Heading { level: *level, text },
            dom::Block::LinkList { title, items } => {
                BlockRef::LinkList { title: title.as_deref(), items: Each(items, item) }
            }
            dom::Block::Quote { text, attribution } => BlockRef::Quote { text, attribution: attribution.as_deref() },
            dom::Block::Image { src, alt, caption } => BlockRef::Image { src, alt, caption: caption.as_deref() },
            dom::Block::Embed { provider, url } => BlockRef::Embed { provider, url },
        }))
    }
}

pub fn reactions(r: Vec<model::ReactionCount>) -> Vec<ReactionCount> {
    r.into_iter().map(|model::ReactionCount { kind, count }| ReactionCount { kind, count }).collect()
}

/// An article as lists, rankings, related articles, recommendations and search
/// show it: everything but its body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ArticleCard)]
pub struct ArticleCardView<'a> {
    /// Unique across types, the same as in GraphQL (`article_42`); admin routes
    /// take it.
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub section: ArticleSection<'a>,
    pub tags: Vec<Ref<'a>>,
    pub authors: Vec<Ref<'a>>,
    #[schema(required = true)]
    pub hero_image: Option<ImageView>,
    /// `published` on every public route.
    #[schema(value_type = crate::rest::params::StatusParam)]
    pub status: &'static str,
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub reading_time_minutes: i32,
    /// Lifetime reads.
    pub views: i64,
    /// Every configured reaction kind, in the configured order, zero counts
    /// included (then any kind no longer offered that was counted).
    pub reactions: Vec<ReactionCount>,
    /// Increases with every change; used for optimistic concurrency.
    pub version: i64,
}

impl<'a> From<&'a Article> for ArticleCardView<'a> {
    fn from(a: &'a Article) -> Self {
        let Article { record, section_path, tags, authors, .. } = a;
        let (slug, name) = section_path.last().map(|s| (s.slug.as_str(), s.name.as_str())).unwrap_or_default();
        Self {
            id: record.id.into(),
            slug: record.slug.as_str(),
            title: &record.title,
            summary: &record.summary,
            section: ArticleSection {
                id: record.section_id.into(),
                slug,
                name,
                path: section_path.iter().map(Ref::from).collect(),
            },
            tags: tags.iter().map(|t| Ref::to(t.id, &t.slug, &t.name)).collect(),
            authors: authors.iter().map(|a| Ref::to(a.id, &a.slug, &a.name)).collect(),
            hero_image: record.hero_image.clone().map(ImageView::from),
            status: record.status.as_str(),
            published_at: record.published_at,
            updated_at: record.updated_at,
            reading_time_minutes: record.reading_time_minutes,
            views: record.views,
            reactions: reactions(record.reactions.clone()),
            version: record.version,
        }
    }
}

/// An article with its body, as the article page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Article)]
pub struct ArticleView<'a> {
    #[serde(flatten)]
    pub card: ArticleCardView<'a>,
    /// The body blocks, in order.
    #[schema(value_type = Vec<Block>)]
    pub body: BodyView<'a>,
}

impl<'a> From<&'a Article> for ArticleView<'a> {
    fn from(a: &'a Article) -> Self {
        Self { card: ArticleCardView::from(a), body: BodyView(a.body.as_deref().unwrap_or_default()) }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleList<'a> {
    pub data: Vec<ArticleCardView<'a>>,
    /// Pass as `cursor` to read the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (not only this page). Counted with a
    /// few seconds' delay at most; search counts the index's matches.
    pub total_count: i64,
}

/// A section of the tree, with the number of published articles in it and below it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Section)]
pub struct SectionView {
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: String,
    pub name: String,
    /// From the root section down to this one, inclusive.
    pub path: Vec<Ref<'static>>,
    pub article_count: i64,
    #[schema(no_recursion)]
    pub children: Vec<SectionView>,
}

impl From<SectionInfo> for SectionView {
    fn from(SectionInfo { section, path, article_count, children }: SectionInfo) -> Self {
        Self {
            id: section.id.into(),
            slug: section.slug.to_string(),
            name: section.name,
            path: path.iter().map(Ref::owned).collect(),
            article_count,
            children: children.into_iter().map(SectionView::from).collect(),
        }
    }
}

/// The section tree: root sections, each with its `children`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionList {
    pub data: Vec<SectionView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Tag)]
pub struct TagView {
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: String,
    pub name: String,
    /// Published articles with this tag.
    pub article_count: i64,
}

impl From<Counted<model::Tag>> for TagView {
    fn from(Counted { item, article_count }: Counted<model::Tag>) -> Self {
        Self { id: item.id.into(), slug: item.slug.to_string(), name: item.name, article_count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagList {
    pub data: Vec<TagView>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (not only this page). Counted with a
    /// few seconds' delay at most; search counts the index's matches.
    pub total_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Author)]
pub struct AuthorView {
    #[schema(value_type = String)]
    pub id: NodeId,
    pub slug: String,
    pub name: String,
    #[schema(required = true)]
    pub bio: Option<String>,
    /// Published articles by this author.
    pub article_count: i64,
}

impl From<Counted<model::Author>> for AuthorView {
    fn from(Counted { item, article_count }: Counted<model::Author>) -> Self {
        Self { id: item.id.into(), slug: item.slug.to_string(), name: item.name, bio: item.bio, article_count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorList {
    pub data: Vec<AuthorView>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (not only this page). Counted with a
    /// few seconds' delay at most; search counts the index's matches.
    pub total_count: i64,
}

/// The reaction kinds a server counts, in the order to show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionKindList {
    pub data: Vec<String>,
}

/// An article's reaction counts, as answered to a reaction beacon.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactionCounts {
    /// Every configured kind, in order, zero counts included.
    pub reactions: Vec<ReactionCount>,
    /// The kinds this session has given the article, in the configured order.
    pub session_reactions: Vec<String>,
}

/// One place in a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingEntryView<'a> {
    /// 1 for the first place.
    pub rank: u32,
    /// Views in the window (`most-read`), reactions in the window (`most-reacted`),
    /// or the trending score (see the API guide), to three decimals.
    pub score: f64,
    pub article: ArticleCardView<'a>,
}

/// A ranking of published articles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Ranking)]
pub struct RankingView<'a> {
    #[schema(value_type = crate::rest::params::RankingKindParam)]
    pub kind: String,
    #[schema(value_type = crate::rest::params::WindowParam)]
    pub window: String,
    /// When the ranking was computed; never more than a few seconds ago.
    pub generated_at: DateTime<Utc>,
    pub data: Vec<RankingEntryView<'a>>,
}

impl<'a> From<&'a Ranking> for RankingView<'a> {
    fn from(r: &'a Ranking) -> Self {
        Self {
            kind: r.kind.as_str().to_owned(),
            window: r.window.as_str().to_owned(),
            generated_at: r.generated_at,
            data: r
                .entries
                .iter()
                .map(|e| RankingEntryView { rank: e.rank, score: e.score, article: ArticleCardView::from(&*e.article) })
                .collect(),
        }
    }
}

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitView<'a> {
    pub article: ArticleCardView<'a>,
    /// Relevance (BM25 with title matches weighted up); higher is better.
    pub score: f32,
    /// Passages of the title, summary and body that match, HTML-escaped, each
    /// match wrapped in `<mark>…</mark>`.
    pub highlights: Vec<String>,
}

impl<'a> From<&'a SearchResult> for SearchHitView<'a> {
    fn from(r: &'a SearchResult) -> Self {
        Self { article: ArticleCardView::from(&*r.article), score: r.score, highlights: r.highlights.clone() }
    }
}

/// A page of search results, best first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchList<'a> {
    pub data: Vec<SearchHitView<'a>>,
    /// Pass as `cursor` to read the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (not only this page). Counted with a
    /// few seconds' delay at most; search counts the index's matches.
    pub total_count: i64,
}

/// Articles related to one article, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedList<'a> {
    pub data: Vec<ArticleCardView<'a>>,
}

/// A recommended article and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView<'a> {
    pub article: ArticleCardView<'a>,
    /// A short explanation for the reader, e.g. "Because you read “…”" or
    /// "Trending in Invest".
    pub reason: String,
}

/// Recommendations, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationList<'a> {
    pub data: Vec<RecommendationView<'a>>,
}

/// One stored state of an article.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionView {
    /// The article version this revision produced.
    pub number: i64,
    /// The name of the key that made the change (`scheduler` for scheduled publication).
    pub actor: String,
    /// `article.create`, `article.update`, `article.publish`, …
    pub action: String,
    pub created_at: DateTime<Utc>,
    /// The fields this revision changed.
    pub changed: Vec<String>,
    /// The article's editable state after the change (the admin create shape plus `status`).
    #[schema(value_type = Object)]
    pub article: serde_json::Value,
}

impl From<Revision> for RevisionView {
    fn from(r: Revision) -> Self {
        Self {
            number: r.number,
            actor: r.actor,
            action: r.action,
            created_at: r.created_at,
            changed: r.changed,
            article: serde_json::to_value(&r.state).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// Newest first.
    pub data: Vec<RevisionView>,
}

/// One write, as the audit log keeps it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub id: String,
    pub at: DateTime<Utc>,
    /// The name of the key that made the change.
    pub actor: String,
    pub action: String,
    /// The article's id, for article actions.
    #[schema(required = true)]
    pub article: Option<String>,
    /// The slug (or URL) of what changed, at the time.
    pub subject: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            at: e.at,
            actor: e.actor,
            action: e.action,
            article: e.article.map(ArticleId::global),
            subject: e.subject,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditList {
    pub data: Vec<AuditEntryView>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    #[schema(value_type = Vec<crate::rest::params::EventParam>)]
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// The signing secret: returned once, when the webhook is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    pub fn new(w: Webhook, secret: Option<String>) -> Self {
        Self {
            id: w.id.to_string(),
            url: w.url,
            events: w.events.iter().map(|e| e.as_str().to_owned()).collect(),
            created_at: w.created_at,
            secret,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: String,
    /// The `X-Newsdesk-Delivery` header: the event's id.
    pub event_id: String,
    #[schema(value_type = crate::rest::params::EventParam)]
    pub event: String,
    /// `failed`: given up.
    #[schema(value_type = crate::rest::params::DeliveryStatusParam)]
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (pending only).
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last attempt.
    #[schema(required = true)]
    pub last_status: Option<i32>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            event_id: d.event_id,
            event: d.event,
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            created_at: d.created_at,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    pub data: Vec<DeliveryView>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// An article a mirror must drop: unpublished, archived, deleted, or out of the
/// sync's sections and tags (ids the mirror does not hold are ignored).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SyncDeleted)]
pub struct DeletedView {
    #[schema(value_type = String, example = "article_42")]
    pub id: NodeId,
    /// The slug it had while public.
    pub slug: String,
}

/// A page of a sync: exactly one of the two tokens is set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SyncPage)]
pub struct SyncView<'a> {
    /// Articles published or changed, with their bodies, in the order they changed.
    pub data: Vec<ArticleView<'a>>,
    pub deleted: Vec<DeletedView>,
    /// More of this pass follows: ask again with `token` set to it.
    #[schema(required = true)]
    pub next_page_token: Option<String>,
    /// The pass is complete: keep it, and ask with `token` set to it later for
    /// what changed since.
    #[schema(required = true)]
    pub next_sync_token: Option<String>,
}

impl<'a> From<&'a newsdesk_domain::sync::SyncPage> for SyncView<'a> {
    fn from(p: &'a newsdesk_domain::sync::SyncPage) -> Self {
        Self {
            data: p.data.iter().map(ArticleView::from).collect(),
            deleted: p.deleted.iter().map(|d| DeletedView { id: d.id, slug: d.slug.clone() }).collect(),
            next_page_token: p.next_page_token.clone(),
            next_sync_token: p.next_sync_token.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_body_is_written_as_its_blocks() {
        let slug = |s: &str| Slug::parse(s).expect("slug");
        let span = |text: &str, marks: Vec<dom::Mark>, href: Option<&str>, article: Option<&str>| dom::Span {
            text: text.into(),
            marks,
            href: href.map(String::from),
            article: article.map(slug),
        };
        let body = vec![
            dom::Block::Paragraph {
                spans: vec![
                    span("Rates \"rose\"\n", vec![dom::Mark::Bold, dom::Mark::Italic], None, None),
                    span("here", vec![], Some("https://example.org/?a=1&b=<2>"), Some("other")),
                ],
            },
            dom::Block::Paragraph { spans: vec![] },
            dom::Block::Heading { level: 3, text: "What next".into() },
            dom::Block::LinkList {
                title: Some("Read more".into()),
                items: vec![
                    dom::LinkItem { text: "More".into(), article: Some(slug("more")), url: None },
                    dom::LinkItem { text: "Élan".into(), article: None, url: Some("https://example.org/y".into()) },
                ],
            },
            dom::Block::LinkList { title: None, items: vec![] },
            dom::Block::Quote { text: "We act.".into(), attribution: Some("A banker".into()) },
            dom::Block::Quote { text: "Unsigned".into(), attribution: None },
            dom::Block::Image { src: "https://img.example.org/a.jpg".into(), alt: "A chart".into(), caption: None },
            dom::Block::Image {
                src: "https://img.example.org/b.jpg".into(),
                alt: "".into(),
                caption: Some("c".into()),
            },
            dom::Block::Embed { provider: "video".into(), url: "https://video.example.org/1".into() },
        ];
        let borrowed = serde_json::to_string(&BodyView(&body)).expect("json");
        let owned = serde_json::to_string(&blocks(body)).expect("json");
        assert_eq!(borrowed, owned);
        assert_eq!(serde_json::to_string(&BodyView(&[])).expect("json"), "[]");
    }
}
