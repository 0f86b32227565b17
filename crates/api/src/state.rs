//! What every handler shares: the services, and the call that keeps blocking
//! database work off the async executor.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use newsdesk_domain::auth::KeyService;
use newsdesk_domain::discovery::DiscoveryService;
use newsdesk_domain::editorial::EditorialService;
use newsdesk_domain::engagement::EngagementService;
use newsdesk_domain::feed::FeedService;
use newsdesk_domain::ranking::RankingService;
use newsdesk_domain::search::SearchService;
use newsdesk_domain::service::ContentService;
use newsdesk_domain::sync::SyncService;
use newsdesk_domain::webhook::WebhookService;

use crate::limits::Limits;
use crate::responses::ResponseCache;
use crate::workers::WorkerHealth;
use newsdesk_domain::{Error, ErrorKind, Result};

/// Reports the SQL statements run so far, for `/metrics`.
pub type QueryCount = Arc<dyn Fn() -> u64 + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub content: Arc<ContentService>,
    pub engagement: Arc<EngagementService>,
    pub rankings: Arc<RankingService>,
    pub search: Arc<SearchService>,
    pub discovery: Arc<DiscoveryService>,
    pub keys: Arc<KeyService>,
    pub editorial: Arc<EditorialService>,
    pub webhooks: Arc<WebhookService>,
    pub sync: Arc<SyncService>,
    pub feeds: Arc<FeedService>,
    /// Whole public responses, reused for a short time (see `http`).
    pub responses: Arc<ResponseCache>,
    pub queries: QueryCount,
    /// Rate limits per client address and per key.
    pub limits: Arc<Limits>,
    /// How the background workers fare (`/metrics`, `/readyz`).
    pub workers: Arc<WorkerHealth>,
    pub config: Arc<ApiConfig>,
}

/// What changed, for [`AppState::reads_changed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Articles, sections, tags or authors: a write on this node or another, a
    /// scheduled publication, an import.
    Content,
    /// Counters: views and reactions were written.
    Counters,
    /// The discovery models: the search index or the related articles.
    Discovery,
}

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Origins allowed by CORS; empty means any origin.
    pub cors_origins: Vec<String>,
    /// `Cache-Control: max-age` of public reads, in seconds.
    pub cache_max_age: u32,
    /// Public reads need a key with `content:read`.
    pub require_read_key: bool,
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
}

impl AppState {
    /// A read that may be answered from the service's cache on the async thread,
    /// falling back to `load` on the blocking pool.
    pub async fn read<K: Send + 'static, T: Send + 'static>(
        &self,
        key: K,
        cached: impl FnOnce(&ContentService, &K) -> Option<T>,
        load: impl FnOnce(&ContentService, K) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match cached(&self.content, &key) {
            Some(v) => Ok(v),
            None => self.content(move |c| load(c, key)).await,
        }
    }

    /// Run an editorial write on the blocking pool; when it succeeds, this node's
    /// cached reads are dropped so that the next read shows it.
    pub async fn edit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&EditorialService) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let out = self.editorial(f).await?;
        self.reads_changed(Changed::Content);
        Ok(out)
    }

    /// Run an editorial read on the blocking pool.
    pub async fn editorial<T: Send + 'static>(
        &self,
        f: impl FnOnce(&EditorialService) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let svc = self.editorial.clone();
        blocking(move || f(&svc)).await
    }

    /// The one way this node's cached reads (assembled articles and lists, the
    /// taxonomy, stored responses) follow a change: every writer and background
    /// worker says what changed, and this drops what that can have made stale.
    pub fn reads_changed(&self, what: Changed) {
        match what {
            Changed::Content => {
                self.content.invalidate();
                self.responses.clear();
            }
            Changed::Counters => {
                self.content.invalidate();
                // Stale rather than dropped: under load one request rebuilds each
                // page while the others are still served, instead of all missing.
                self.responses.expire_all();
            }
            Changed::Discovery => self.responses.clear(),
        }
    }

    /// Run a sync call on the blocking thread pool.
    pub async fn sync<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SyncService) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let svc = self.sync.clone();
        blocking(move || f(&svc)).await
    }

    /// Run a content service call on the blocking thread pool.
    pub async fn content<T: Send + 'static>(
        &self,
        f: impl FnOnce(&ContentService) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let svc = self.content.clone();
        blocking(move || f(&svc)).await
    }
}

/// How long work may wait for a blocking thread before it is refused (503): as
/// long as a request may wait for a database connection.
const QUEUE_LIMIT: Duration = Duration::from_secs(4);

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const ABANDONED: u8 = 2;

/// Run blocking work (anything that may touch the database) on the blocking
/// thread pool, keeping the request's span (and its request id) there.
///
/// Each HTTP worker has a few blocking threads (about one per pooled
/// connection), so work waits in a queue rather than on threads of its own:
/// a few threads kept busy answer far more than many taking turns. Work that
/// has not started within [`QUEUE_LIMIT`] is refused as unavailable, and work
/// whose request is gone (the client left, or was refused) is skipped when its
/// turn comes.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let span = tracing::Span::current();
    let state = Arc::new(AtomicU8::new(QUEUED));
    let turn = state.clone();
    let work = actix_web::web::block(move || {
        if turn.compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(busy());
        }
        span.in_scope(f)
    });
    let abandon = Abandon(&state);
    let mut work = std::pin::pin!(work);
    let done = match actix_web::rt::time::timeout(QUEUE_LIMIT, &mut work).await {
        Ok(done) => done,
        // Refused unless it started meanwhile: then it is waited for.
        Err(_) if abandon.now() => return Err(busy()),
        Err(_) => work.await,
    };
    done.map_err(Error::internal)?
}

fn busy() -> Error {
    Error::new(ErrorKind::Unavailable, "the server is too busy; retry shortly")
}

/// Marks queued work abandoned when its request stops waiting for it.
struct Abandon<'a>(&'a AtomicU8);

impl Abandon<'_> {
    /// Whether the work was still queued (and now never runs).
    fn now(&self) -> bool {
        self.0.compare_exchange(QUEUED, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    /// A runtime with one blocking thread, as a worker with a one-connection pool.
    fn one_thread() -> actix_web::rt::SystemRunner {
        actix_web::rt::System::with_tokio_rt(|| {
            tokio::runtime::Builder::new_current_thread().enable_all().max_blocking_threads(1).build().expect("runtime")
        })
    }

    #[test]
    fn work_that_cannot_start_in_time_is_refused_and_never_runs() {
        one_thread().block_on(async {
            let (release, held) = mpsc::channel::<()>();
            let busy = Arc::new(AtomicBool::new(false));
            let holder = actix_web::rt::spawn(blocking({
                let busy = busy.clone();
                move || {
                    busy.store(true, Ordering::SeqCst);
                    held.recv().ok();
                    Ok(())
                }
            }));
            while !busy.load(Ordering::SeqCst) {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            let ran = Arc::new(AtomicBool::new(false));
            let queued = {
                let ran = ran.clone();
                blocking(move || {
                    ran.store(true, Ordering::SeqCst);
                    Ok(())
                })
            };
            let asked = Instant::now();
            let e = queued.await.expect_err("refused");
            assert_eq!(e.kind, ErrorKind::Unavailable);
            assert!(asked.elapsed() >= QUEUE_LIMIT, "{:?}", asked.elapsed());

            // Abandoned before it started (the client left): skipped too.
            let left = {
                let ran = ran.clone();
                blocking(move || {
                    ran.store(true, Ordering::SeqCst);
                    Ok(())
                })
            };
            let _ = actix_web::rt::time::timeout(Duration::from_millis(50), left).await;

            release.send(()).expect("release");
            holder.await.expect("join").expect("held work");
            // The thread is free again: new work runs, the refused work did not.
            assert_eq!(blocking(|| Ok(7)).await.expect("runs"), 7);
            assert!(!ran.load(Ordering::SeqCst), "refused or abandoned work ran");
        });
    }
}
