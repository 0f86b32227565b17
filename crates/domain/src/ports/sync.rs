//! What delta sync needs from storage (see `docs/sync.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::model::{ArticleId, SectionId, TagId};

/// A place in the order of changes: the content version of an article's last
/// change (or of its deletion), then its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SyncKey {
    pub seq: i64,
    pub id: i64,
}

impl SyncKey {
    /// Before every change made after version `seq`.
    pub fn after_version(seq: i64) -> Self {
        Self { seq, id: i64::MAX }
    }
}

/// What a sync is narrowed to: articles in one of `sections` (sub-sections
/// already included) or with one of `tags`; every article when both are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncScope {
    pub sections: Vec<SectionId>,
    pub tags: Vec<TagId>,
}

/// An article changed (in any way, in any status) since a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedArticle {
    pub key: SyncKey,
    /// The slug it last had while public; `None` if it never was.
    pub public_slug: Option<String>,
}

/// An article deleted after it had been public, with the slug it had then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedArticle {
    pub key: SyncKey,
    pub slug: String,
}

/// Where the history of changes stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncClock {
    /// The current content version: every change up to it is committed.
    pub version: i64,
    /// The database's identity (a token names the database it came from).
    pub database: String,
}

pub trait SyncRepo: Send + Sync {
    fn sync_clock(&self) -> Result<SyncClock>;
    /// Deletions up to this version have been pruned.
    fn sync_horizon(&self) -> Result<i64>;

    /// Articles visible at `now` within `scope` whose key is after `after` and
    /// whose version is at most `upto`, in key order; at most `fetch`.
    fn sync_visible(
        &self,
        scope: &SyncScope,
        after: SyncKey,
        upto: i64,
        now: DateTime<Utc>,
        fetch: i64,
    ) -> Result<Vec<SyncKey>>;

    /// Every article whose key is after `after` and version at most `upto`, in
    /// key order; at most `fetch`.
    fn sync_changed(&self, after: SyncKey, upto: i64, fetch: i64) -> Result<Vec<ChangedArticle>>;

    /// Deletions after `after`, at most at version `upto`, in key order; at most `fetch`.
    fn sync_deleted(&self, after: SyncKey, upto: i64, fetch: i64) -> Result<Vec<DeletedArticle>>;

    /// Which of `ids` are visible at `now` within `scope`.
    fn sync_matching(&self, ids: &[ArticleId], scope: &SyncScope, now: DateTime<Utc>) -> Result<Vec<ArticleId>>;

    /// Mark as changed the published articles whose publication time has come
    /// since they were written (they appear without a write); how many.
    fn release_due(&self, now: DateTime<Utc>) -> Result<usize>;

    /// Forget deletions made before `before`, moving the horizon past them; how many.
    fn prune_deletions(&self, before: DateTime<Utc>) -> Result<usize>;
}
