//! Full-text search: what a query means, the port to the index, and the service
//! that keeps the index in step with the database and answers searches.
//!
//! The index is derived data, kept by every API node for itself: it is filled
//! from the database at start when missing, and brought up to date every second
//! from the articles changed since the last sync (a watermark of
//! `(updated_at, id)` committed with the index).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Article, ArticleId, Status};
use crate::ports::DiscoveryRepo;
use crate::ports::{SearchDoc, SearchIndex, Watermark};
use crate::query::SearchText;
use crate::query::{ArticleFilter, Direction, Page, PageRequest, decode_cursor, encode_cursor, paginate_toward};
use crate::service::{ContentService, now};

/// Articles indexed in one sync above which the index is compacted.
const COMPACT_AFTER: usize = 5_000;

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub article: Arc<Article>,
    pub score: f32,
    pub highlights: Vec<String>,
}

/// The cursor of a search page: how many results came before.
#[derive(Debug, Serialize, Deserialize)]
struct Offset {
    o: usize,
}

/// How deep search results can be paged.
pub const MAX_OFFSET: usize = 10_000;

/// Articles read per sync step.
const SYNC_BATCH: i64 = 1_000;

pub struct SearchService {
    index: Arc<dyn SearchIndex>,
    repo: Arc<dyn DiscoveryRepo>,
    content: Arc<ContentService>,
    /// The index has been brought up to date once (or was kept from a previous
    /// run): searches are answered. Until then they answer `Unavailable`
    /// rather than results from a part of the articles.
    ready: AtomicBool,
    /// A large sync left the index in many parts: merge them on the next sync
    /// until that succeeds.
    compact_pending: AtomicBool,
}

impl SearchService {
    pub fn new(index: Arc<dyn SearchIndex>, repo: Arc<dyn DiscoveryRepo>, content: Arc<ContentService>) -> Self {
        let ready = AtomicBool::new(index.watermark().is_some());
        Self { index, repo, content, ready, compact_pending: AtomicBool::new(false) }
    }

    /// Whether searches are answered (see [`Self::sync`]).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Bring the index up to date with the database; the number of articles
    /// (re)indexed or removed.
    pub fn sync(&self) -> Result<usize> {
        let mut done = 0;
        loop {
            let after = self.index.watermark();
            let changed = self.repo.articles_changed_since(after, SYNC_BATCH)?;
            let Some(last) = changed.last() else { break };
            let watermark = Watermark { updated_at: last.0.updated_at, id: last.0.id };
            let n = changed.len();
            let (mut upserts, mut removals) = (Vec::new(), Vec::new());
            for (record, body) in changed {
                match (record.status, record.published_at) {
                    (Status::Published, Some(published_at)) => {
                        let mut text = String::new();
                        body.iter().for_each(|b| b.plain_text(&mut text));
                        upserts.push(SearchDoc {
                            id: record.id,
                            title: record.title,
                            summary: record.summary,
                            body: text,
                            section: record.section_id,
                            tags: record.tag_ids,
                            authors: record.author_ids,
                            published_at,
                        });
                    }
                    _ => removals.push(record.id),
                }
            }
            self.index.apply(upserts, removals, watermark)?;
            done += n;
            if n < SYNC_BATCH as usize {
                break;
            }
        }
        self.ready.store(true, Ordering::Release);
        if done >= COMPACT_AFTER {
            self.compact_pending.store(true, Ordering::Release);
        }
        if self.compact_pending.load(Ordering::Acquire) {
            self.index.compact()?;
            self.compact_pending.store(false, Ordering::Release);
        }
        Ok(done)
    }

    /// Drop the articles deleted from the database, which leave no row for
    /// [`Self::sync`] to see; the number dropped. The index is read first: an
    /// article it holds was in the database when it was indexed, so one missing
    /// from the database read after was deleted.
    pub fn drop_deleted(&self) -> Result<usize> {
        let Some(watermark) = self.index.watermark() else { return Ok(0) };
        let indexed = self.index.articles()?;
        let existing: HashSet<ArticleId> = self.repo.article_ids()?.into_iter().collect();
        let gone: Vec<ArticleId> = indexed.into_iter().filter(|id| !existing.contains(id)).collect();
        let n = gone.len();
        if n > 0 {
            self.index.apply(Vec::new(), gone, watermark)?;
        }
        Ok(n)
    }

    /// A page of results for the words `q`, best first.
    pub fn search(&self, q: &str, filter: &ArticleFilter, page: &PageRequest) -> Result<Page<SearchResult>> {
        let text = SearchText::parse("q", q)?;
        if !self.is_ready() {
            return Err(Error::new(ErrorKind::Unavailable, "the search index is being built; retry shortly"));
        }
        let PageRequest { cursor, limit, direction } = page;
        let (limit, direction) = (*limit, *direction);
        // The 1-based position of the cursor's result.
        let position = cursor.as_deref().map(|c| decode_cursor::<Offset>("cursor", c)).transpose()?.map(|o| o.o);
        if position.is_some_and(|p| p > MAX_OFFSET) {
            return Err(Error::field("cursor", format!("results beyond the first {MAX_OFFSET} are not served")));
        }
        let Some(filter) = self.content.resolve(filter, now())? else { return Ok(Page::empty()) };
        // One more than the page, to know whether another follows that way.
        let (offset, fetch) = match direction {
            Direction::Forward => (position.unwrap_or(0), limit.as_usize() + 1),
            Direction::Backward => {
                let end = match position {
                    Some(p) => p.saturating_sub(1),
                    None => self.index.search(&text, &filter, 0, 1, 0)?.1.min(MAX_OFFSET),
                };
                let start = end.saturating_sub(limit.as_usize() + 1);
                (start, end - start)
            }
        };
        // Highlights are made for the page only, which a backward read ends with.
        let highlighted = if direction == Direction::Forward { limit.as_usize() } else { fetch };
        let (mut hits, total) = self.index.search(&text, &filter, offset, fetch, highlighted)?;
        let ids: Vec<ArticleId> = hits.iter().map(|h| h.article).collect();
        let mut articles: HashMap<ArticleId, Arc<Article>> =
            self.content.articles_by_ids(&ids)?.into_iter().map(|a| (a.record.id, a)).collect();
        let positions = offset + 1..;
        let mut results: Vec<(usize, SearchResult)> = std::mem::take(&mut hits)
            .into_iter()
            .zip(positions)
            // An article unpublished since the last sync is left out of this page.
            .filter_map(|(h, position)| {
                let article = articles.remove(&h.article)?;
                Some((position, SearchResult { article, score: h.score, highlights: h.highlights }))
            })
            .collect();
        if direction == Direction::Backward {
            results.reverse();
        }
        let page = paginate_toward(results, limit, direction, |(position, _)| encode_cursor(&Offset { o: *position }));
        Ok(page.map(|(_, r)| r).with_total(i64::try_from(total).unwrap_or(i64::MAX)))
    }
}
