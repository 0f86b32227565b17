//! A short-lived, per-node cache of assembled articles (a "microcache"): whole
//! articles by slug, and the list form of articles by id.
//!
//! Under load, a popular article is read thousands of times a second; assembling it
//! once per `ttl` instead of once per request takes the database off the hot path.
//! Entries live at most `ttl` (one second by default), so counters and edits show
//! within that bound; [`ReadCache::clear`] drops everything at once after a write.
//! [`Known`] holds small reference data (tags and authors by id) the same way.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::error::Result;
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

/// Values by id held in memory for a short while, like the section tree: the
/// tags and authors every card names, which change rarely. Everything is
/// trusted for `ttl` from the first fill, dropped by [`Known::clear`] after a
/// local write, and ids not held are fetched together, once per call.
pub struct Known<K, V> {
    ttl: Duration,
    held: RwLock<Held<K, V>>,
}

struct Held<K, V> {
    since: Instant,
    /// Moves on every clear: values fetched before one are not kept after it.
    generation: u64,
    values: HashMap<K, V>,
}

impl<K: Clone + Eq + Hash + Ord, V: Clone> Known<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, held: RwLock::new(Held { since: Instant::now(), generation: 0, values: HashMap::new() }) }
    }

    pub fn clear(&self) {
        if let Ok(mut held) = self.held.write() {
            held.values.clear();
            held.generation += 1;
        }
    }

    /// The values of `ids` that exist: from memory, the others from one call of
    /// `fetch` (which may leave out ids it does not know); `key` is a value's id.
    pub fn get(
        &self,
        ids: impl IntoIterator<Item = K>,
        fetch: impl FnOnce(&[K]) -> Result<Vec<V>>,
        key: impl Fn(&V) -> K,
    ) -> Result<HashMap<K, V>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        let held = self.held.read().ok();
        let generation = held.as_ref().map(|h| h.generation);
        let fresh = held.filter(|h| h.since.elapsed() < self.ttl);
        for id in ids {
            match fresh.as_ref().and_then(|h| h.values.get(&id)) {
                Some(v) => {
                    found.entry(id).or_insert_with(|| v.clone());
                }
                None => missing.push(id),
            }
        }
        drop(fresh);
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(found);
        }
        let fetched = fetch(&missing)?;
        // A write cleared what is held while `fetch` ran: what it read may
        // predate the write, so it answers this call only.
        if let Ok(mut held) = self.held.write()
            && Some(held.generation) == generation
        {
            if held.since.elapsed() >= self.ttl {
                held.since = Instant::now();
                held.values.clear();
            }
            for v in &fetched {
                held.values.insert(key(v), v.clone());
            }
        }
        found.extend(fetched.into_iter().map(|v| (key(&v), v)));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn known_values_are_fetched_once_until_cleared_or_stale() {
        let known: Known<i64, (i64, &str)> = Known::new(Duration::from_secs(60));
        let calls = Cell::new(0);
        let fetch = |ids: &[i64]| {
            calls.set(calls.get() + 1);
            // The database knows every id but 9.
            Ok(ids.iter().filter(|&&i| i != 9).map(|&i| (i, "name")).collect())
        };
        let got = known.get([3, 1, 3, 9], fetch, |v| v.0).expect("get");
        assert_eq!(got.len(), 2);
        assert_eq!(calls.get(), 1);
        known.get([1, 3], fetch, |v| v.0).expect("get");
        assert_eq!(calls.get(), 1, "held ids are answered from memory");
        known.clear();
        known.get([1], fetch, |v| v.0).expect("get");
        assert_eq!(calls.get(), 2, "a clear drops what was held");
        let stale: Known<i64, (i64, &str)> = Known::new(Duration::ZERO);
        stale.get([1], fetch, |v| v.0).expect("get");
        stale.get([1], fetch, |v| v.0).expect("get");
        assert_eq!(calls.get(), 4, "nothing is trusted past the ttl");
        // A clear while a fetch runs (a write on this node): what that fetch
        // read may predate the write, so it is not kept.
        let racing: Known<i64, (i64, &str)> = Known::new(Duration::from_secs(60));
        let clearing = |ids: &[i64]| {
            racing.clear();
            fetch(ids)
        };
        racing.get([5], clearing, |v| v.0).expect("get");
        racing.get([5], fetch, |v| v.0).expect("get");
        assert_eq!(calls.get(), 6, "a value read before a clear is fetched again after it");
    }
}
