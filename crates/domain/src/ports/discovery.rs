//! What search, related articles and recommendations read: reading history,
//! articles changed since a watermark, and the full-text index.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::body::Block;
use crate::error::Result;
use crate::model::{ArticleId, ArticleRecord, AuthorId, SectionId, TagId};
use crate::query::{ResolvedFilter, SearchText};

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

/// One hit of the index: the article, its relevance, and the matching passages
/// with each match in `<mark>…</mark>` (the rest HTML-escaped).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexHit {
    pub article: ArticleId,
    pub score: f32,
    pub highlights: Vec<String>,
}

/// What the index holds of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    pub id: ArticleId,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub section: SectionId,
    pub tags: Vec<TagId>,
    pub authors: Vec<AuthorId>,
    pub published_at: DateTime<Utc>,
}

/// Where the index is in the database's history of changes: the last
/// `(updated_at, id)` it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub updated_at: DateTime<Utc>,
    pub id: ArticleId,
}

/// The search index port; `newsdesk-search` implements it with tantivy.
pub trait SearchIndex: Send + Sync {
    /// Hits `offset..offset + limit`, best first; the first `highlighted` of
    /// them with their highlights; and how many documents match in all.
    fn search(
        &self,
        text: &SearchText,
        filter: &ResolvedFilter,
        offset: usize,
        limit: usize,
        highlighted: usize,
    ) -> Result<(Vec<IndexHit>, usize)>;
    /// Add or replace `upserts`, drop `removals`, and remember `watermark`, at once.
    fn apply(&self, upserts: Vec<SearchDoc>, removals: Vec<ArticleId>, watermark: Watermark) -> Result<()>;
    /// The last watermark applied (`None` for an empty index).
    fn watermark(&self) -> Option<Watermark>;
    /// The articles in the index.
    fn articles(&self) -> Result<Vec<ArticleId>>;
    /// Merge the index into as few parts as possible (after a large build, so
    /// that a search does not repeat its work per part).
    fn compact(&self) -> Result<()>;
}
