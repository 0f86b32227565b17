//! Reading the published content, and moving it in bulk (NDJSON import and
//! export). Batch methods (`*_of`) take many ids and answer in one query each,
//! so that lists and GraphQL loaders never issue a query per row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::body::Block;
use crate::error::Result;
use crate::model::{ArticleId, ArticleRecord, Author, AuthorId, ReactionCount, Section, SectionId, Tag, TagId};
use crate::query::{ArticleQuery, Direction, ResolvedFilter};
use crate::record::{Record, ViewRecord};
use crate::slug::Slug;

pub trait ContentRepo: Send + Sync {
    /// Cheap round trip, for readiness checks.
    fn ping(&self) -> Result<()>;

    fn sections(&self) -> Result<Vec<Section>>;
    fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>>;
    fn author_by_slug(&self, slug: &str) -> Result<Option<Author>>;
    /// Tags by id, in no particular order; unknown ids are skipped.
    fn tags_by_ids(&self, ids: &[TagId]) -> Result<Vec<Tag>>;
    /// Authors by id, in no particular order; unknown ids are skipped.
    fn authors_by_ids(&self, ids: &[AuthorId]) -> Result<Vec<Author>>;
    /// Tags by slug, from `from` (excluded) toward `direction`, in reading order.
    fn tags_page(&self, from: Option<&str>, fetch: i64, direction: Direction) -> Result<Vec<Tag>>;
    /// Authors by slug, from `from` (excluded) toward `direction`, in reading order.
    fn authors_page(&self, from: Option<&str>, fetch: i64, direction: Direction) -> Result<Vec<Author>>;

    /// Number of articles visible at `now`, per section (the section's own articles only).
    fn section_article_counts(&self, now: DateTime<Utc>) -> Result<HashMap<SectionId, i64>>;
    fn tag_article_counts(&self, ids: &[TagId], now: DateTime<Utc>) -> Result<HashMap<TagId, i64>>;
    fn author_article_counts(&self, ids: &[AuthorId], now: DateTime<Utc>) -> Result<HashMap<AuthorId, i64>>;

    /// One article by slug or id, whatever its status, with its body.
    fn article_by_slug(&self, slug: &str) -> Result<Option<(ArticleRecord, Vec<Block>)>>;
    fn article_by_id(&self, id: ArticleId) -> Result<Option<(ArticleRecord, Vec<Block>)>>;
    /// The current slug of the article that had `slug` before.
    fn redirect(&self, slug: &str) -> Result<Option<Slug>>;
    fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<ArticleRecord>>;
    /// How many articles `filter` matches.
    fn count_articles(&self, filter: &ResolvedFilter) -> Result<i64>;
    fn count_tags(&self) -> Result<i64>;
    fn count_authors(&self) -> Result<i64>;
    /// Articles by id, whatever their status, without bodies.
    fn records_of(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>>;

    fn bodies_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Block>>>;
    /// Tags of each article, in the article's own order.
    fn tags_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Tag>>>;
    /// Authors of each article, in byline order.
    fn authors_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Author>>>;
    fn reactions_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<ReactionCount>>>;

    /// The blocks of [`SITEMAP_URLS`] article ids (block `n` holds ids `n *
    /// SITEMAP_URLS + 1` to `(n + 1) * SITEMAP_URLS`) that hold an article visible
    /// at `now`, with the last change to one of them; in block order.
    fn sitemap_blocks(&self, now: DateTime<Utc>) -> Result<Vec<(i64, DateTime<Utc>)>>;
    /// The articles of block `n` visible at `now`, by id.
    fn sitemap_block(&self, n: i64, now: DateTime<Utc>) -> Result<Vec<SitemapEntry>>;
}

/// Article ids a sitemap covers (the most a sitemap may list).
pub const SITEMAP_URLS: i64 = 50_000;

/// What a sitemap lists of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub id: ArticleId,
    pub slug: Slug,
    pub section_id: SectionId,
    pub updated_at: DateTime<Utc>,
}

/// Bulk movement of content in the NDJSON interchange format.
pub trait TransferRepo: ContentRepo {
    /// Upsert a batch in one transaction: all of it lands or none of it.
    /// On failure, the error names the index in `records` at fault.
    fn import_batch(&self, records: &[Record]) -> std::result::Result<(), (usize, crate::Error)>;

    /// Articles of any status, ordered by slug, starting after `after`, with bodies.
    fn articles_after(&self, after: Option<&str>, fetch: i64) -> Result<Vec<(ArticleRecord, Vec<Block>)>>;
    /// Reading history in insertion order, starting after the row `after`.
    fn reads_after(&self, after: Option<i64>, fetch: i64) -> Result<Vec<(i64, ViewRecord)>>;
    fn all_tags(&self) -> Result<Vec<Tag>>;
    fn all_authors(&self) -> Result<Vec<Author>>;
    /// After a bulk load: let the database's planner learn the new data.
    fn refresh_statistics(&self) -> Result<()>;
}
