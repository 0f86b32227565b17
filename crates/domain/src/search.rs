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

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result, Validator};
use crate::model::{Article, ArticleId, AuthorId, SectionId, Status, TagId};
use crate::query::{ArticleFilter, Limit, Page, decode_cursor, encode_cursor, paginate};
use crate::repo::DiscoveryRepo;
use crate::service::{ContentService, now};

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// One part of a query: a word, or a phrase in double quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Word(String),
    Phrase(String),
}

/// A parsed search query. Every clause must match (in the title, the summary or
/// the body). `prefix_last`: the last word may be the start of a longer word
/// (search as you type), unless the query ends with a space or a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    pub clauses: Vec<Clause>,
    pub prefix_last: bool,
}

impl SearchText {
    pub fn parse(field: &str, q: &str) -> Result<Self> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::field(field, format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        let mut v = Validator::default();
        v.text(field, q, q.len());
        v.finish()?;
        let mut clauses = Vec::new();
        for (i, part) in q.split('"').enumerate() {
            if i % 2 == 1 {
                // Inside quotes (an unclosed quote runs to the end).
                if part.split_whitespace().next().is_some() {
                    clauses.push(Clause::Phrase(part.split_whitespace().collect::<Vec<_>>().join(" ")));
                }
            } else {
                clauses.extend(part.split_whitespace().map(|w| Clause::Word(w.to_owned())));
            }
        }
        if clauses.is_empty() {
            return Err(Error::field(field, "must contain a word to search for"));
        }
        let prefix_last = matches!(clauses.last(), Some(Clause::Word(_))) && !q.ends_with(char::is_whitespace);
        Ok(Self { clauses, prefix_last })
    }
}

/// Filters resolved to ids, plus the visibility rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    pub sections: Option<Vec<SectionId>>,
    pub tags: Vec<TagId>,
    pub author: Option<AuthorId>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Only articles published at or before this instant.
    pub now: DateTime<Utc>,
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
    /// them with their highlights.
    fn search(
        &self,
        text: &SearchText,
        filter: &SearchFilter,
        offset: usize,
        limit: usize,
        highlighted: usize,
    ) -> Result<Vec<IndexHit>>;
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

    pub fn search(
        &self,
        q: &str,
        filter: &ArticleFilter,
        after: Option<&str>,
        limit: Limit,
        fields: (&str, &str),
    ) -> Result<Page<SearchResult>> {
        let (query_field, cursor_field) = fields;
        let text = SearchText::parse(query_field, q)?;
        if !self.is_ready() {
            return Err(Error::new(ErrorKind::Unavailable, "the search index is being built; retry shortly"));
        }
        let offset = after.map(|c| decode_cursor::<Offset>(cursor_field, c)).transpose()?.map_or(0, |o| o.o);
        if offset > MAX_OFFSET {
            return Err(Error::field(cursor_field, format!("results beyond the first {MAX_OFFSET} are not served")));
        }
        let Some(ids) = self.content.resolve(filter)? else { return Ok(Page::empty()) };
        let filter = SearchFilter {
            sections: ids.sections,
            tags: ids.tags,
            author: ids.author,
            published_after: filter.published_after,
            published_before: filter.published_before,
            now: now(),
        };
        // One more than the page, to know whether another follows.
        let hits = self.index.search(&text, &filter, offset, limit.as_usize() + 1, limit.as_usize())?;
        let ids: Vec<ArticleId> = hits.iter().map(|h| h.article).collect();
        let mut articles: HashMap<ArticleId, Arc<Article>> =
            self.content.articles_by_ids(&ids)?.into_iter().map(|a| (a.record.id, a)).collect();
        // An article unpublished since the last sync is left out of this page.
        let results: Vec<(usize, SearchResult)> = hits
            .into_iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let article = articles.remove(&h.article)?;
                Some((offset + i + 1, SearchResult { article, score: h.score, highlights: h.highlights }))
            })
            .collect();
        let page = paginate(results, limit, |(position, _)| encode_cursor(&Offset { o: *position }));
        Ok(page.map(|(_, r)| r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_the_prefix_rule() {
        let q = SearchText::parse("q", r#"central "interest rates" infl"#).unwrap();
        assert_eq!(
            q.clauses,
            vec![Clause::Word("central".into()), Clause::Phrase("interest rates".into()), Clause::Word("infl".into())]
        );
        assert!(q.prefix_last);
        assert!(!SearchText::parse("q", "inflation ").unwrap().prefix_last);
        assert!(!SearchText::parse("q", r#""rate cut""#).unwrap().prefix_last);
        assert!(SearchText::parse("q", "   ").is_err());
        assert!(SearchText::parse("q", r#""  ""#).is_err());
        assert!(SearchText::parse("q", &"a".repeat(201)).is_err());
    }
}
