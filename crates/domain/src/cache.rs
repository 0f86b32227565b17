//! A short-lived, per-node cache of assembled articles (a "microcache"): whole
//! articles by slug, and the list form of articles by id.
//!
//! Under load, a popular article is read thousands of times a second; assembling it
//! once per `ttl` instead of once per request takes the database off the hot path.
//! Entries live at most `ttl` (one second by default), so counters and edits show
//! within that bound; [`ReadCache::clear`] drops everything at once after a write.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::model::{Article, ArticleId};

pub struct ReadCache {
    /// Whole articles (with body) by slug.
    articles: Cache<String, Arc<Article>>,
    /// Articles as lists show them (no body) by id: the items of related lists,
    /// recommendations and search results, which draw on a hot set of articles.
    cards: Cache<ArticleId, Arc<Article>>,
}

impl ReadCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            articles: Cache::builder().max_capacity(5_000).time_to_live(ttl).build(),
            cards: Cache::builder().max_capacity(20_000).time_to_live(ttl).build(),
        }
    }

    pub fn article(&self, slug: &str) -> Option<Arc<Article>> {
        self.articles.get(slug)
    }

    pub fn put_article(&self, slug: &str, a: Arc<Article>) {
        self.articles.insert(slug.to_owned(), a);
    }

    pub fn card(&self, id: ArticleId) -> Option<Arc<Article>> {
        self.cards.get(&id)
    }

    pub fn put_card(&self, a: Arc<Article>) {
        self.cards.insert(a.record.id, a);
    }

    /// Forget everything, e.g. after content changed.
    pub fn clear(&self) {
        self.articles.invalidate_all();
        self.cards.invalidate_all();
    }
}
