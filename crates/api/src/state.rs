//! What every handler shares: the services, and the call that keeps blocking
//! database work off the async executor.

use std::sync::Arc;

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
use newsdesk_domain::{Error, Result};

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

/// Run blocking work (anything that may touch the database) on the blocking
/// thread pool, keeping the request's span (and its request id) there.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(f)).await.map_err(Error::internal)?
}
