//! The storage port. The store crate implements it over Diesel; services depend
//! only on these traits. Batch methods (`*_of`) take many ids and answer in one
//! query each, so that lists and GraphQL loaders never issue a query per row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::body::Block;
use crate::engagement::{Batch, Counted, PendingReaction, PendingView};
use crate::error::Result;
use crate::model::{ArticleId, ArticleRecord, Author, AuthorId, ReactionCount, Section, SectionId, Tag, TagId};
use crate::query::ArticleQuery;
use crate::ranking::{Activity, Bounds};
use crate::record::{Record, ViewRecord};
use crate::search::Watermark;

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
    /// Tags ordered by slug, starting after `after`.
    fn tags_page(&self, after: Option<&str>, fetch: i64) -> Result<Vec<Tag>>;
    /// Authors ordered by slug, starting after `after`.
    fn authors_page(&self, after: Option<&str>, fetch: i64) -> Result<Vec<Author>>;

    /// Number of articles visible at `now`, per section (the section's own articles only).
    fn section_article_counts(&self, now: DateTime<Utc>) -> Result<HashMap<SectionId, i64>>;
    fn tag_article_counts(&self, ids: &[TagId], now: DateTime<Utc>) -> Result<HashMap<TagId, i64>>;
    fn author_article_counts(&self, ids: &[AuthorId], now: DateTime<Utc>) -> Result<HashMap<AuthorId, i64>>;

    /// One article by slug or id, whatever its status, with its body.
    fn article_by_slug(&self, slug: &str) -> Result<Option<(ArticleRecord, Vec<Block>)>>;
    fn article_by_id(&self, id: ArticleId) -> Result<Option<(ArticleRecord, Vec<Block>)>>;
    /// The current slug of the article that had `slug` before.
    fn redirect(&self, slug: &str) -> Result<Option<crate::Slug>>;
    fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<ArticleRecord>>;
    /// Articles by id, whatever their status, without bodies.
    fn records_of(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>>;

    fn bodies_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Block>>>;
    /// Tags of each article, in the article's own order.
    fn tags_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Tag>>>;
    /// Authors of each article, in byline order.
    fn authors_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Author>>>;
    fn reactions_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<ReactionCount>>>;
}

/// Counted engagement: the counting rules, the time buckets and their sums.
pub trait EngagementRepo: Send + Sync {
    /// Apply the counting rules to a batch of accepted beacons and write what
    /// counts (reading history, lifetime totals, buckets) in one transaction.
    fn record_engagement(&self, batch: &Batch, now: DateTime<Utc>) -> Result<Counted>;
    /// Whether the session already reacted with this kind, and the article's
    /// stored reaction counts.
    fn reaction_state(&self, article: ArticleId, session_id: &str, kind: &str) -> Result<(bool, Vec<ReactionCount>)>;
    /// For each of `bounds`, the activity of every article visible at `now` with
    /// views or reactions in the window.
    fn activity(&self, bounds: &[Bounds], now: DateTime<Utc>) -> Result<Vec<Vec<Activity>>>;
    /// The content version and the engagement version: activity read with the
    /// same bounds and versions is the same (both move on every write, by
    /// any node, that could change it).
    fn ranking_versions(&self) -> Result<(i64, i64)>;
    /// Drop counting state that can no longer matter at `now`.
    fn prune_engagement(&self, now: DateTime<Utc>) -> Result<()>;
}

/// One read of an article by a session, with its row number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub row: i64,
    pub session_id: String,
    pub article: ArticleId,
    pub at: DateTime<Utc>,
}

/// What discovery (search, related articles, recommendations) reads.
pub trait DiscoveryRepo: Send + Sync {
    /// The articles a session read, most recent first (each once).
    fn session_reads(&self, session_id: &str, limit: i64) -> Result<Vec<ArticleId>>;
    /// Reading history in row order, after the row `after`.
    fn reads_page(&self, after: Option<i64>, fetch: i64) -> Result<Vec<Read>>;
    /// A random identity of the database, fixed when it was created.
    fn instance_id(&self) -> Result<String>;

    /// Articles of any status changed after `after`, in `(updated_at, id)` order,
    /// with their bodies.
    fn articles_changed_since(&self, after: Option<Watermark>, fetch: i64) -> Result<Vec<(ArticleRecord, Vec<Block>)>>;
    /// The ids of every article of any status (what was deleted is not among them).
    fn article_ids(&self) -> Result<Vec<ArticleId>>;
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

/// An accepted beacon, as a journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Beacon {
    View(PendingView),
    Reaction(PendingReaction),
}

/// Where accepted beacons are recorded before they are acknowledged, so that a
/// process killed before it writes them to the database loses none: the next
/// start replays them. The store crate keeps it in files on the node's disk.
pub trait BeaconJournal: Send + Sync {
    /// Record one accepted beacon. An error means it cannot be kept: the beacon
    /// is refused rather than acknowledged.
    fn append(&self, beacon: &Beacon) -> Result<()>;
    /// Close the part recorded so far (a flush is about to write it); its mark,
    /// or `None` when it could not be closed (then nothing is forgotten).
    fn seal(&self) -> Option<u64>;
    /// Every part sealed up to `mark` is in the database: forget it.
    fn written(&self, mark: u64);
    /// Beacons recorded by processes that stopped before writing them; they are
    /// forgotten at the next [`Self::written`].
    fn recover(&self) -> Result<Vec<Beacon>>;
}
