//! Whole public responses kept for a short time on this node (the same
//! `--read-cache-ms` bound as assembled articles), with their strong validators.
//!
//! The cache serves stale-while-revalidate: when an entry is older than the TTL,
//! the first request to see it rebuilds it while concurrent requests keep getting
//! the previous copy. A popular page therefore costs one rebuild per TTL, never a
//! stampede of identical rebuilds, and is at most one TTL plus one rebuild old.
//! A response nobody has stored yet (a new URL, or every URL after content
//! changed) is built by the first request for it while the others wait for it
//! and then share it ([`ResponseCache::turn`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use moka::sync::Cache;

/// A strong validator: the 128-bit XXH3 hash of the exact (uncompressed) response bytes.
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Weak comparison (RFC 9110, 8.8.3.2), as `If-None-Match` asks: two tags match
/// when their opaque parts do, whether either is weak.
fn matches(if_none_match: &str, tag: &str) -> bool {
    fn opaque(t: &str) -> &str {
        t.trim().trim_start_matches("W/")
    }
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| opaque(t) == opaque(tag))
}

/// A weak validator over `part` of a response: for a representation whose
/// bytes change (a timestamp) while what it says does not.
pub fn weak_etag(part: &[u8]) -> String {
    format!("W/{}", etag(part))
}

/// A complete 200 response: its own headers (content type, `ETag`, `Link`,
/// `Cache-Control`) and body. CORS, compression and the request id are added
/// around it on every request.
pub struct Stored {
    headers: HeaderMap,
    body: Bytes,
    created: Instant,
    /// Set once a request has taken on rebuilding this stale entry.
    refreshing: AtomicBool,
}

impl Stored {
    pub fn new(headers: HeaderMap, body: Bytes) -> Self {
        Self { headers, body, created: Instant::now(), refreshing: AtomicBool::new(false) }
    }

    /// A successful public read, REST's or a GraphQL query over GET:
    /// `Cache-Control` for `max_age` seconds unless the response set its own (a
    /// reader's own answer is `private`), and a strong ETag unless it set a
    /// validator (a weak one, over what it says rather than its exact bytes).
    pub fn read(mut headers: HeaderMap, body: Bytes, max_age: u32) -> Self {
        if !headers.contains_key(header::CACHE_CONTROL) {
            let cc = format!("public, max-age={max_age}");
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_str(&cc).unwrap_or(HeaderValue::from_static("no-cache")),
            );
        }
        if !headers.contains_key(header::ETAG)
            && let Ok(tag) = HeaderValue::from_str(&etag(&body))
        {
            headers.insert(header::ETAG, tag);
        }
        Self::new(headers, body)
    }

    /// One reader's own answer: it has validators, but is not kept for others.
    pub fn is_private(&self) -> bool {
        is_private(self.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()))
    }

    /// This response for a request, or 304 when the client's `If-None-Match` matches.
    pub fn respond(&self, if_none_match: Option<&str>) -> HttpResponse {
        let etag = self.headers.get(header::ETAG).and_then(|v| v.to_str().ok());
        if let (Some(inm), Some(tag)) = (if_none_match, etag)
            && matches(inm, tag)
        {
            let mut res = HttpResponse::NotModified().finish();
            for name in [header::ETAG, header::CACHE_CONTROL] {
                if let Some(v) = self.headers.get(&name) {
                    res.headers_mut().insert(name, v.clone());
                }
            }
            return res;
        }
        let mut res = HttpResponse::with_body(StatusCode::OK, self.body.clone());
        *res.headers_mut() = self.headers.clone();
        res.map_into_boxed_body()
    }
}

/// Whole responses by request, kept for a short time; disabled with a zero TTL.
pub struct ResponseCache {
    entries: Option<Cache<String, Arc<Stored>>>,
    ttl: Duration,
    /// Entries created before `base + expired_nanos` are stale, whatever their age.
    base: Instant,
    expired_nanos: AtomicU64,
    /// The responses being built by a request, by key: held while it builds.
    building: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to build a response others wait for; they go on when it is dropped
/// (stored or not).
pub struct Turn<'c> {
    cache: &'c ResponseCache,
    key: String,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.cache.building.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}

/// Entries nobody asked for are dropped this long after they went stale.
const IDLE_GRACE: Duration = Duration::from_secs(10);

impl ResponseCache {
    pub fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(64 << 20)
                .weigher(|k: &String, v: &Arc<Stored>| u32::try_from(k.len() + v.body.len() + 256).unwrap_or(u32::MAX))
                .time_to_live(ttl + IDLE_GRACE)
                .build()
        });
        Self { entries, ttl, base: Instant::now(), expired_nanos: AtomicU64::new(0), building: Mutex::default() }
    }

    /// After a miss: the turn to build `key` (`Some`), or `None` once another
    /// request that was building it has finished (or has taken longer than the
    /// TTL: a database that hangs is not waited for twice), when the caller
    /// should look again and build only if nothing was stored. Waiting is once:
    /// callers that still find nothing (an error, a private answer) build side by
    /// side rather than one after another.
    pub async fn turn(&self, key: &str) -> Option<Turn<'_>> {
        self.entries.as_ref()?;
        let lock = {
            let mut building = self.building.lock().unwrap_or_else(PoisonError::into_inner);
            match building.get(key) {
                Some(lock) => lock.clone(),
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    let held = lock.clone().try_lock_owned().ok()?;
                    building.insert(key.to_owned(), lock);
                    return Some(Turn { cache: self, key: key.to_owned(), _held: held });
                }
            }
        };
        // Elapsed or not, the caller looks again.
        let _ = actix_web::rt::time::timeout(self.ttl, lock.lock()).await;
        None
    }

    /// A response to serve, or `None` when the caller must build it: nothing is
    /// stored, or the stored copy is stale and no other request is rebuilding it.
    pub fn get(&self, key: &str) -> Option<Arc<Stored>> {
        let stored = self.entries.as_ref()?.get(key)?;
        let created = u64::try_from(stored.created.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX);
        let stale = stored.created.elapsed() >= self.ttl || created < self.expired_nanos.load(Ordering::Acquire);
        if stale && !stored.refreshing.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some(stored)
    }

    pub fn remove(&self, key: &str) {
        if let Some(c) = &self.entries {
            c.invalidate(key);
        }
    }

    pub fn put(&self, key: String, stored: Arc<Stored>) {
        if let Some(c) = &self.entries {
            c.insert(key, stored);
        }
    }

    /// Make every stored response stale: the next request for each rebuilds it while
    /// concurrent ones still get the stored copy (after counters changed).
    pub fn expire_all(&self) {
        let now = u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.expired_nanos.fetch_max(now, Ordering::AcqRel);
    }

    /// Forget every response (after content changed).
    pub fn clear(&self) {
        if let Some(c) = &self.entries {
            c.invalidate_all();
        }
    }
}

/// Whether a response's `Cache-Control` marks it as one reader's own: such a
/// response gets an `ETag` like any other, but is not kept for other requests.
pub fn is_private(cache_control: Option<&str>) -> bool {
    cache_control.is_some_and(|v| v.starts_with("private"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_entries_are_rebuilt_by_one_request_while_others_get_the_old_copy() {
        let cache = ResponseCache::new(Duration::from_millis(20));
        cache.put("k".into(), Arc::new(Stored::new(HeaderMap::new(), Bytes::from_static(b"old"))));
        assert!(cache.get("k").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("k").is_none(), "the first request after the TTL rebuilds");
        assert_eq!(cache.get("k").map(|s| s.body.clone()), Some(Bytes::from_static(b"old")));
        cache.put("k".into(), Arc::new(Stored::new(HeaderMap::new(), Bytes::from_static(b"new"))));
        assert_eq!(cache.get("k").map(|s| s.body.clone()), Some(Bytes::from_static(b"new")));
        assert!(ResponseCache::new(Duration::ZERO).get("k").is_none());
    }

    #[test]
    fn expired_entries_are_rebuilt_once_before_their_ttl() {
        let cache = ResponseCache::new(Duration::from_secs(60));
        cache.put("k".into(), Arc::new(Stored::new(HeaderMap::new(), Bytes::from_static(b"old"))));
        cache.expire_all();
        assert!(cache.get("k").is_none(), "the first request after expiry rebuilds");
        assert_eq!(cache.get("k").map(|s| s.body.clone()), Some(Bytes::from_static(b"old")));
        cache.put("k".into(), Arc::new(Stored::new(HeaderMap::new(), Bytes::from_static(b"new"))));
        assert_eq!(cache.get("k").map(|s| s.body.clone()), Some(Bytes::from_static(b"new")));
    }

    #[actix_web::test]
    async fn a_response_nobody_stored_is_built_once_while_others_wait() {
        let cache = Arc::new(ResponseCache::new(Duration::from_secs(60)));
        let first = cache.turn("k").await.expect("the first request builds");
        let waiting = {
            let cache = cache.clone();
            actix_web::rt::spawn(async move { cache.turn("k").await.is_none() && cache.get("k").is_some() })
        };
        let other = cache.turn("other").await;
        assert!(other.is_some(), "another key is built at once");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second request waits for the first");
        cache.put("k".into(), Arc::new(Stored::new(HeaderMap::new(), Bytes::from_static(b"built"))));
        drop(first);
        assert!(waiting.await.expect("task"), "then finds what the first stored");
        // A build that stored nothing (an error) lets waiters build side by side.
        let failing = cache.turn("e").await.expect("turn");
        let waiter = {
            let cache = cache.clone();
            actix_web::rt::spawn(async move { cache.turn("e").await.is_none() && cache.get("e").is_none() })
        };
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        drop(failing);
        assert!(waiter.await.expect("task"));
        assert!(cache.turn("e").await.is_some(), "nobody is building it any more");
        assert!(ResponseCache::new(Duration::ZERO).turn("k").await.is_none(), "no cache, no waiting");
        // A build that hangs is waited for one TTL at most.
        let short = ResponseCache::new(Duration::from_millis(30));
        let _hung = short.turn("h").await.expect("turn");
        let started = Instant::now();
        assert!(short.turn("h").await.is_none());
        assert!(started.elapsed() >= Duration::from_millis(30) && started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn etag_matching() {
        let t = etag(b"{}");
        assert_ne!(t, etag(b"{ }"));
        assert!(matches(&t, &t));
        assert!(matches(&format!("\"x\", {t}"), &t));
        assert!(matches("*", &t));
        assert!(!matches("\"x\"", &t));
        let w = weak_etag(b"{}");
        assert!(matches(&t, &w) && matches(&w, &t) && matches(&w, &w));
    }
}
