//! `newsdesk serve`.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DurationRound, TimeDelta, Utc};
use newsdesk_api::http::ResponseCache;
use newsdesk_api::{ApiConfig, AppState};
use newsdesk_domain::auth::KeyService;
use newsdesk_domain::discovery::DiscoveryService;
use newsdesk_domain::editorial::EditorialService;
use newsdesk_domain::engagement::{EngagementConfig, EngagementService};
use newsdesk_domain::ranking::RankingService;
use newsdesk_domain::repo::{DiscoveryRepo, TransferRepo};
use newsdesk_domain::search::{SearchIndex, SearchService};
use newsdesk_domain::service::ContentService;
use newsdesk_domain::webhook::WebhookService;
use newsdesk_domain::{Slug, demo, transfer};
use newsdesk_search::TantivyIndex;
use newsdesk_store::DatabaseUrl;

use crate::cli::{ServeArgs, today};
use crate::webhooks::HttpTransport;

pub fn serve(database_url: &str, args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let store = crate::open_store(database_url, args.pool_size)?;
    tracing::info!(database = %crate::redact(database_url), backend = store.pool().backend(), "database ready");
    if args.demo && store.articles_after(None, 1)?.is_empty() {
        let t = Instant::now();
        let mut records = Vec::new();
        // Anchored at this minute, so that the demo's reading history runs up to now
        // and every ranking window has data.
        let now = Utc::now().duration_trunc(TimeDelta::minutes(1)).unwrap_or_else(|_| today());
        demo::generate(args.demo_articles, 1, now, |r| records.push(r));
        let n = transfer::import_records(&store, records.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r))), |_| {})?;
        tracing::info!(records = n, seconds = t.elapsed().as_secs_f64(), "loaded the demo dataset");
    }
    for kind in &args.reaction_kinds {
        Slug::parse(kind.as_str()).map_err(|e| anyhow!("reaction kind `{kind}`: {e}"))?;
    }
    let pool = store.pool().clone();
    let store = Arc::new(store);
    let read_cache = Duration::from_millis(args.read_cache_ms);
    let content = Arc::new(ContentService::new(store.clone(), read_cache));
    let engagement_config =
        EngagementConfig { reaction_kinds: args.reaction_kinds, max_pending: args.max_pending_beacons.max(1) };
    let rankings = Arc::new(RankingService::new(store.clone(), content.clone()));
    let index = open_search_index(database_url, args.search_index.as_deref(), &store.instance_id()?)?;
    let state = AppState {
        content: content.clone(),
        engagement: Arc::new(EngagementService::new(store.clone(), content.clone(), engagement_config)),
        rankings: rankings.clone(),
        search: Arc::new(SearchService::new(index, store.clone(), content.clone())),
        discovery: Arc::new(DiscoveryService::new(store.clone(), content.clone(), rankings.clone())),
        keys: Arc::new(KeyService::new(store.clone())),
        editorial: Arc::new(EditorialService::new(store.clone(), content)),
        webhooks: Arc::new(WebhookService::new(store.clone(), Duration::from_millis(args.webhook_retry_ms.max(1)))),
        responses: Arc::new(ResponseCache::new(read_cache)),
        queries: Arc::new(move || pool.queries_executed()),
        config: Arc::new(ApiConfig {
            cors_origins: args.cors_origins,
            cache_max_age: args.cache_max_age,
            require_read_key: args.require_read_key,
        }),
    };
    state.rankings.refresh().context("computing rankings")?;
    // The search index and the discovery models are built side by side.
    std::thread::scope(|s| -> Result<()> {
        let search = s.spawn(|| {
            let t = Instant::now();
            let indexed = state.search.sync().context("updating the search index")?;
            tracing::info!(articles = indexed, seconds = t.elapsed().as_secs_f64(), "search index up to date");
            anyhow::Ok(())
        });
        let t = Instant::now();
        let articles = state.discovery.rebuild_content().context("building the content model")?;
        let sessions = state.discovery.rebuild_coread().context("building the co-reading model")?;
        tracing::info!(articles, sessions, seconds = t.elapsed().as_secs_f64(), "discovery models ready");
        search.join().map_err(|_| anyhow!("building the search index failed"))?
    })?;
    let workers =
        Workers::start(&state, Duration::from_millis(args.flush_ms), Duration::from_millis(args.ranking_refresh_ms));
    let schema = newsdesk_api::graphql::schema();
    let served = serve_http(state.clone(), schema, &args.bind, args.workers, started);
    // Every request has been answered: write what they accepted before exiting.
    workers.stop();
    flush_all(&state);
    served
}

fn serve_http(
    state: AppState,
    schema: newsdesk_api::graphql::NewsdeskSchema,
    bind: &str,
    workers: Option<usize>,
    started: Instant,
) -> Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let mut server =
            actix_web::HttpServer::new(move || newsdesk_api::build(state.clone(), schema.clone())).shutdown_timeout(10);
        if let Some(w) = workers {
            server = server.workers(w.max(1));
        }
        let server = server.bind(bind).with_context(|| format!("binding {bind}"))?;
        for addr in server.addrs() {
            println!("listening on http://{addr}");
        }
        tracing::info!(startup_seconds = started.elapsed().as_secs_f64(), "serving");
        server.run().await.context("server failed")?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Background work of a serving node: writing accepted beacons about once a
/// second, and recomputing rankings every few seconds, each on its own thread so
/// that a slow ranking query never delays counts.
struct Workers {
    stop: Vec<mpsc::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Workers {
    fn start(state: &AppState, flush_every: Duration, rank_every: Duration) -> Self {
        let mut workers = Workers { stop: Vec::new(), threads: Vec::new() };
        let s = state.clone();
        let mut last_prune = Instant::now();
        workers.spawn("flush", flush_every, move || {
            flush_once(&s);
            if last_prune.elapsed() > PRUNE_EVERY {
                last_prune = Instant::now();
                if let Err(e) = s.engagement.prune() {
                    tracing::warn!(error = %e, "pruning engagement state failed");
                }
            }
        });
        let s = state.clone();
        let mut modelled = state.editorial.content_version().ok();
        workers.spawn("search", SEARCH_SYNC_EVERY, move || {
            // Read first: a change after this is seen on the next round.
            let version = s.editorial.content_version().ok();
            // A deletion shows only in the version: the index drops it then.
            let synced = match s.search.sync() {
                Ok(n) if version != modelled => s.search.drop_deleted().map(|gone| n + gone),
                other => other,
            };
            match synced {
                // Content changed: related articles follow, and responses served
                // from the previous model go.
                Ok(n) if n > 0 || version != modelled => match s.discovery.rebuild_content() {
                    Ok(_) => {
                        modelled = version;
                        s.responses.clear();
                    }
                    Err(e) => tracing::warn!(error = %e, "rebuilding the content model failed; will retry"),
                },
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "updating the search index failed; will retry"),
            }
        });
        let s = state.clone();
        workers.spawn("co-reading", COREAD_EVERY, move || {
            if let Err(e) = s.discovery.rebuild_coread() {
                tracing::warn!(error = %e, "rebuilding the co-reading model failed; will retry");
            }
        });
        let s = state.clone();
        workers.spawn("scheduler", SCHEDULE_EVERY, move || match s.editorial.publish_due() {
            Ok(0) => {}
            Ok(n) => {
                s.content_changed();
                tracing::info!(articles = n, "published scheduled articles");
            }
            Err(e) => tracing::warn!(error = %e, "publishing scheduled articles failed; will retry"),
        });
        let s = state.clone();
        let transport = HttpTransport::new();
        workers.spawn("webhooks", WEBHOOKS_EVERY, move || {
            if let Err(e) = s.webhooks.deliver_due(&transport) {
                tracing::warn!(error = %e, "delivering webhooks failed; will retry");
            }
        });
        // Writes through other nodes (and scheduled publication there) bump the
        // content version in the database: drop this node's cached reads.
        let s = state.clone();
        let mut seen = state.editorial.content_version().ok();
        workers.spawn("coherence", COHERENCE_EVERY, move || match s.editorial.content_version() {
            Ok(v) if Some(v) != seen => {
                seen = Some(v);
                s.content_changed();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the content version failed; will retry"),
        });
        let s = state.clone();
        workers.spawn("rankings", rank_every, move || {
            if let Err(e) = s.rankings.refresh() {
                tracing::warn!(error = %e, "recomputing rankings failed; serving the previous ones");
            }
        });
        workers
    }

    fn spawn(&mut self, name: &str, every: Duration, mut tick: impl FnMut() + Send + 'static) {
        let (tx, rx) = mpsc::channel::<()>();
        let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                tick();
            }
        });
        match spawned {
            Ok(handle) => {
                self.stop.push(tx);
                self.threads.push(handle);
            }
            Err(e) => tracing::error!(error = %e, worker = name, "cannot start a background worker"),
        }
    }

    fn stop(self) {
        drop(self.stop);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

const PRUNE_EVERY: Duration = Duration::from_secs(60);
const SCHEDULE_EVERY: Duration = Duration::from_millis(250);
const WEBHOOKS_EVERY: Duration = Duration::from_millis(500);
const COHERENCE_EVERY: Duration = Duration::from_millis(500);
const SEARCH_SYNC_EVERY: Duration = Duration::from_secs(1);
const COREAD_EVERY: Duration = Duration::from_secs(300);

/// This node's search index: `--search-index`, else next to a SQLite file, else
/// (PostgreSQL) in the temporary directory under a name derived from the URL. In
/// memory when the directory is held by another node on this machine.
fn open_search_index(database_url: &str, dir: Option<&Path>, instance: &str) -> Result<Arc<dyn SearchIndex>> {
    let dir: Option<PathBuf> = match (dir, DatabaseUrl::parse(database_url)) {
        (Some(dir), _) => Some(dir.to_owned()),
        (None, Ok(DatabaseUrl::Sqlite(path))) if path != ":memory:" => Some(PathBuf::from(format!("{path}.search"))),
        (None, Ok(DatabaseUrl::Postgres(url))) => {
            let mut h = std::hash::DefaultHasher::new();
            url.hash(&mut h);
            Some(std::env::temp_dir().join(format!("newsdesk-search-{:016x}", h.finish())))
        }
        (None, _) => None,
    };
    let index = TantivyIndex::open(dir.as_deref(), instance).or_else(|e| {
        tracing::warn!(error = %e, dir = ?dir, "cannot use the search index directory; keeping the index in memory");
        TantivyIndex::open(None, instance)
    })?;
    Ok(Arc::new(index))
}

/// Write accepted beacons; when anything counted, the node's cached reads are
/// renewed so that counters show it at once. Stored responses are marked stale
/// rather than dropped: under load, one request rebuilds each page while the
/// others are still served, instead of all of them missing together.
fn flush_once(state: &AppState) {
    match state.engagement.flush() {
        Ok(counted) if counted.any() => {
            state.content.invalidate();
            state.responses.expire_all();
            tracing::debug!(views = counted.views, reactions = counted.reactions, "beacons written");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, pending = state.engagement.pending(), "writing beacons failed; will retry")
        }
    }
}

/// At shutdown: write every accepted beacon, retrying for a while if the
/// database is briefly unavailable.
fn flush_all(state: &AppState) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match state.engagement.flush() {
            Ok(counted) => {
                tracing::info!(views = counted.views, reactions = counted.reactions, "beacons written at shutdown");
                return;
            }
            Err(e) if Instant::now() < deadline => {
                tracing::warn!(error = %e, "writing beacons at shutdown failed; retrying");
                thread::sleep(Duration::from_millis(500));
            }
            Err(e) => {
                tracing::error!(error = %e, lost = state.engagement.pending(), "beacons could not be written at shutdown");
                return;
            }
        }
    }
}
