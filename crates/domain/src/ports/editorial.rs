//! Writing content: articles with their revisions, sections, tags and authors,
//! and the audit log every write is recorded in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::EventKind;
use crate::body::{Block, Image};
use crate::error::Result;
use crate::model::{ArticleId, ArticleRecord, NodeId, Status};
use crate::record::{AuthorRecord, SectionRecord, TagRecord};
use crate::slug::Slug;

/// Everything an editor controls about an article: what a revision stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleState {
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub section: Slug,
    pub tags: Vec<Slug>,
    pub authors: Vec<Slug>,
    pub body: Vec<Block>,
    pub hero_image: Option<Image>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
}

/// One stored state of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// The article version this revision produced.
    pub number: i64,
    pub actor: String,
    pub action: String,
    pub created_at: DateTime<Utc>,
    pub changed: Vec<String>,
    pub state: ArticleState,
}

/// Who did what: the context every write is recorded with.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub actor: &'a str,
    /// `article.update`, `section.delete`, …
    pub action: &'a str,
    pub at: DateTime<Utc>,
    /// The webhook event it announces, if any.
    pub event: Option<EventKind>,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub article: Option<ArticleId>,
    /// The slug (or name) of what was changed, at the time.
    pub subject: String,
    pub detail: serde_json::Value,
}

/// A section, tag or author as written by an editor.
#[derive(Debug, Clone, PartialEq)]
pub enum Taxon {
    Section(SectionRecord),
    Tag(TagRecord),
    Author(AuthorRecord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonKind {
    Section,
    Tag,
    Author,
}

impl TaxonKind {
    /// The kind named by the plural of an admin route (`sections`, `tags`, `authors`).
    pub fn from_collection(s: &str) -> Option<Self> {
        match s {
            "sections" => Some(TaxonKind::Section),
            "tags" => Some(TaxonKind::Tag),
            "authors" => Some(TaxonKind::Author),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaxonKind::Section => "section",
            TaxonKind::Tag => "tag",
            TaxonKind::Author => "author",
        }
    }
}

pub trait EditorialRepo: Send + Sync {
    /// An article of any status with its editable state.
    fn article_state(&self, id: ArticleId) -> Result<Option<(ArticleRecord, ArticleState)>>;
    /// Insert at version 1 with its first revision; 409 naming `slug` when the
    /// slug is taken (by an article or as a redirect), 400 naming missing references.
    fn create_article(&self, state: &ArticleState, change: &Change<'_>) -> Result<ArticleId>;
    /// Write `state` as version `expected + 1` with its revision, keeping a changed
    /// slug as a redirect; [`ErrorKind::PreconditionFailed`] when the stored version
    /// is not `expected`.
    fn update_article(
        &self,
        id: ArticleId,
        expected: i64,
        state: &ArticleState,
        changed: &[String],
        change: &Change<'_>,
    ) -> Result<()>;
    fn delete_article(&self, id: ArticleId, expected: i64, change: &Change<'_>) -> Result<()>;
    /// Articles of any status (or one), newest first, before the id `before`.
    fn admin_articles(
        &self,
        status: Option<Status>,
        before: Option<ArticleId>,
        fetch: i64,
    ) -> Result<Vec<ArticleRecord>>;
    /// How many articles have this status (or any).
    fn count_admin_articles(&self, status: Option<Status>) -> Result<i64>;
    /// Revisions, newest first.
    fn revisions(&self, id: ArticleId) -> Result<Vec<Revision>>;
    fn revision(&self, id: ArticleId, number: i64) -> Result<Option<Revision>>;
    /// Scheduled articles whose time has come.
    fn due_scheduled(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ArticleId>>;
    /// Create (`existing` = None) or change the taxon named `existing`.
    /// The saved taxon's id.
    fn save_taxon(&self, existing: Option<&Slug>, taxon: &Taxon, change: &Change<'_>) -> Result<NodeId>;
    /// 409 when anything still refers to it; the deleted taxon's id.
    fn delete_taxon(&self, kind: TaxonKind, slug: &Slug, change: &Change<'_>) -> Result<NodeId>;
    /// Audit entries, newest first, before the entry `before`.
    fn audit(&self, article: Option<ArticleId>, before: Option<i64>, fetch: i64) -> Result<Vec<AuditEntry>>;
    /// A number every content change increases: nodes compare it to drop caches.
    fn content_version(&self) -> Result<i64>;
}
