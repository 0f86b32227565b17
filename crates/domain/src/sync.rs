//! Delta sync: a mirror of what is published, kept up to date with one token
//! (see `docs/sync.md`).
//!
//! Every content write stamps the articles it changes with the content version
//! of its transaction; versions are taken under one row lock, so they follow
//! commit order. A pass reads the changes after the client's version up to the
//! version current when the pass began, in (version, id) order, a page at a time:
//! a change made while a client pages gets a later version and comes in the next
//! pass, never twice in one and never lost between them.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result, Validator};
use crate::model::{Article, ArticleId, NodeId, SectionId, TagId};
use crate::ports::{SyncKey, SyncRepo, SyncScope};
use crate::query::{Limit, decode_cursor, encode_cursor};
use crate::service::{ContentService, now};
use crate::slug::Slug;

/// What a client asks: a page of a sync.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// A `nextPageToken` or `nextSyncToken`; none starts an initial sync.
    pub token: Option<String>,
    /// Narrow a new sync to these sections (with their sub-sections)...
    pub sections: Vec<Slug>,
    /// ... and these tags: an article in any of them is in the sync.
    pub tags: Vec<Slug>,
    pub limit: Limit,
}

impl SyncRequest {
    /// Articles a page holds at most, and by default.
    pub const MAX: u32 = 200;
    pub const DEFAULT: Limit = Limit::new_const(100);

    /// A request from what a client sent (`limit` parsed by the caller, as
    /// text or number); every bad field is reported at once.
    pub fn new(
        token: Option<String>,
        sections: Vec<String>,
        tags: Vec<String>,
        limit: Option<Result<Limit>>,
    ) -> Result<Self> {
        let mut v = Validator::default();
        let sections = sections.into_iter().filter_map(|s| v.check(Slug::parse_field("section", s))).collect();
        let tags = tags.into_iter().filter_map(|s| v.check(Slug::parse_field("tag", s))).collect();
        let limit = limit.and_then(|l| v.check(l));
        v.finish()?;
        Ok(Self { token, sections, tags, limit: limit.unwrap_or(Self::DEFAULT) })
    }
}

/// An article a mirror must drop: unpublished, archived, deleted or out of the
/// sync's sections and tags. `slug` is the one it had while public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deleted {
    pub id: NodeId,
    pub slug: String,
}

/// A page of a sync: exactly one of the tokens is set.
#[derive(Debug, Clone)]
pub struct SyncPage {
    pub data: Vec<Article>,
    pub deleted: Vec<Deleted>,
    /// More of this pass follows: ask again with this token.
    pub next_page_token: Option<String>,
    /// The pass is complete: keep this token and ask with it later for what changed.
    pub next_sync_token: Option<String>,
}

/// What a token holds (opaque to clients: base64url of this, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Token {
    /// The database the token belongs to.
    db: String,
    /// Changes after this version; `None` for an initial sync (everything visible).
    since: Option<i64>,
    /// Within a pass: the version it reads up to, and the last key sent.
    upto: Option<i64>,
    at: Option<SyncKey>,
    /// The scope, by id: sections (their sub-sections are taken as they are at
    /// each request) and tags.
    sections: Vec<i64>,
    tags: Vec<i64>,
}

pub struct SyncService {
    repo: Arc<dyn SyncRepo>,
    content: Arc<ContentService>,
}

fn gone(detail: &str) -> Error {
    Error::new(ErrorKind::Gone, format!("{detail}; start a new sync without a token"))
}

impl SyncService {
    pub fn new(repo: Arc<dyn SyncRepo>, content: Arc<ContentService>) -> Self {
        Self { repo, content }
    }

    /// A page of the sync `req` asks for.
    pub fn sync(&self, req: &SyncRequest) -> Result<SyncPage> {
        let clock = self.repo.sync_clock()?;
        let token = match &req.token {
            None => {
                let (sections, tags) = self.content.taxon_ids(&req.sections, &req.tags)?;
                Token {
                    db: clock.database.clone(),
                    since: None,
                    upto: None,
                    at: None,
                    sections: sections.iter().map(|s| s.0).collect(),
                    tags: tags.iter().map(|t| t.0).collect(),
                }
            }
            Some(t) => {
                if !req.sections.is_empty() || !req.tags.is_empty() {
                    let field = if req.sections.is_empty() { "tag" } else { "section" };
                    return Err(Error::field(field, "is kept by the token; give it only to start a sync"));
                }
                decode_cursor::<Token>("token", t)
                    .map_err(|_| Error::field("token", "is not a token returned by this sync"))?
            }
        };
        if token.db != clock.database {
            return Err(gone("the token is from another database"));
        }
        if token.since.max(token.upto).is_some_and(|v| v > clock.version) {
            return Err(gone("the token is ahead of this database (restored from a backup?)"));
        }
        let upto = token.upto.unwrap_or(clock.version);
        let scope = self.scope(&token)?;
        let limit = req.limit.as_usize();
        let fetch = i64::from(req.limit.get()) + 1;
        let at = now();
        let (data, deleted, mut keys) = match token.since {
            None => {
                let after = token.at.unwrap_or(SyncKey { seq: i64::MIN, id: i64::MIN });
                let keys = self.repo.sync_visible(&scope, after, upto, at, fetch)?;
                let ids: Vec<ArticleId> = keys.iter().take(limit).map(|k| ArticleId(k.id)).collect();
                (self.content.full_articles(&ids)?, Vec::new(), keys)
            }
            Some(since) => {
                let after = token.at.unwrap_or(SyncKey::after_version(since));
                let changed = self.repo.sync_changed(after, upto, fetch)?;
                let dead = self.repo.sync_deleted(after, upto, fetch)?;
                // Deletions are forgotten after the retention: if some after the
                // token's version were (before or while they were read), the
                // answer would be incomplete.
                if since < self.repo.sync_horizon()? {
                    return Err(gone("the token is older than the sync history"));
                }
                let mut keys: Vec<SyncKey> = changed.iter().map(|c| c.key).chain(dead.iter().map(|d| d.key)).collect();
                keys.sort_unstable();
                let last = keys.get(limit.min(keys.len()).wrapping_sub(1)).copied();
                let in_page = |k: &SyncKey| last.is_some_and(|l| *k <= l);
                let changed: Vec<_> = changed.into_iter().filter(|c| in_page(&c.key)).collect();
                let ids: Vec<ArticleId> = changed.iter().map(|c| ArticleId(c.key.id)).collect();
                let matching: HashSet<ArticleId> = self.repo.sync_matching(&ids, &scope, at)?.into_iter().collect();
                let shown: Vec<ArticleId> = ids.iter().copied().filter(|id| matching.contains(id)).collect();
                // A matching article that is gone by now changed again: the next
                // pass has it.
                let data = self.content.full_articles(&shown)?;
                let mut deleted: Vec<(SyncKey, Deleted)> = changed
                    .into_iter()
                    .filter(|c| !matching.contains(&ArticleId(c.key.id)))
                    .filter_map(|c| {
                        let slug = c.public_slug?;
                        Some((c.key, Deleted { id: NodeId::Article(ArticleId(c.key.id)), slug }))
                    })
                    .chain(dead.into_iter().filter(|d| in_page(&d.key)).map(|d| {
                        let deleted = Deleted { id: NodeId::Article(ArticleId(d.key.id)), slug: d.slug };
                        (d.key, deleted)
                    }))
                    .collect();
                deleted.sort_unstable_by_key(|(k, _)| *k);
                (data, deleted.into_iter().map(|(_, d)| d).collect(), keys)
            }
        };
        let more = keys.len() > limit;
        keys.truncate(limit);
        let next = |since: Option<i64>, upto: Option<i64>, at: Option<SyncKey>| {
            encode_cursor(&Token { since, upto, at, ..token.clone() })
        };
        let (next_page_token, next_sync_token) = if more {
            (Some(next(token.since, Some(upto), keys.last().copied())), None)
        } else {
            (None, Some(next(Some(upto), None, None)))
        };
        Ok(SyncPage { data, deleted, next_page_token, next_sync_token })
    }

    /// The token's scope as the section tree is now.
    fn scope(&self, token: &Token) -> Result<SyncScope> {
        let tree = self.content.fresh_section_tree()?;
        let mut sections: Vec<SectionId> =
            token.sections.iter().flat_map(|s| tree.get(SectionId(*s)).map(|s| tree.subtree(s.id))).flatten().collect();
        sections.sort_unstable();
        sections.dedup();
        // A scope whose sections are all gone matches nothing, not everything.
        if sections.is_empty() && !token.sections.is_empty() && token.tags.is_empty() {
            sections.push(SectionId(0));
        }
        Ok(SyncScope { sections, tags: token.tags.iter().map(|t| TagId(*t)).collect() })
    }

    /// Mark as changed the published articles whose publication time has come.
    pub fn release_due(&self) -> Result<usize> {
        self.repo.release_due(now())
    }

    /// Forget deletions older than `retention`; how many.
    pub fn prune(&self, retention: std::time::Duration) -> Result<usize> {
        let retention = chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
        let before = now().checked_sub_signed(retention).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        self.repo.prune_deletions(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_strangers() {
        let t = Token {
            db: "abc".into(),
            since: Some(7),
            upto: Some(9),
            at: Some(SyncKey { seq: 8, id: 3 }),
            sections: vec![1],
            tags: vec![],
        };
        let s = encode_cursor(&t);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode_cursor::<Token>("token", &s).ok(), Some(t));
        assert!(decode_cursor::<Token>("token", "eyJ4IjoxfQ").is_err());
    }

    #[test]
    fn a_pass_starts_after_every_change_of_its_version() {
        let after = SyncKey::after_version(5);
        assert!(SyncKey { seq: 5, id: 1_000_000 } <= after);
        assert!(SyncKey { seq: 6, id: 0 } > after);
    }
}
