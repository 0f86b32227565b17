//! `newsdesk serve`.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DurationRound, TimeDelta, Utc};
use newsdesk_api::limits::{LimitConfig, Limits};
use newsdesk_api::responses::ResponseCache;
use newsdesk_api::workers::WorkerHealth;
use newsdesk_api::{ApiConfig, AppState, Changed};
use newsdesk_domain::auth::KeyService;
use newsdesk_domain::discovery::DiscoveryService;
use newsdesk_domain::editorial::EditorialService;
use newsdesk_domain::engagement::{EngagementConfig, EngagementService};
use newsdesk_domain::feed::{FeedService, Site};
use newsdesk_domain::ports::SearchIndex;
use newsdesk_domain::ports::{BeaconJournal, DiscoveryRepo, TransferRepo};
use newsdesk_domain::ranking::RankingService;
use newsdesk_domain::search::SearchService;
use newsdesk_domain::service::ContentService;
use newsdesk_domain::sync::SyncService;
use newsdesk_domain::targets::{Cidr, Targets};
use newsdesk_domain::webhook::WebhookService;
use newsdesk_domain::{Slug, demo, transfer};
use newsdesk_search::TantivyIndex;
use newsdesk_store::DatabaseUrl;
use newsdesk_store::journal::FileJournal;

use crate::cli::{ServeArgs, today};
use crate::webhooks::HttpTransport;

pub fn serve(database_url: &str, args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let http_workers = args.workers.unwrap_or(cores).max(1);
    let pool_size = args.pool_size.unwrap_or_else(|| (2 * cores).clamp(4, 16) as u32).max(1);
    let store = crate::open_store(database_url, pool_size)?;
    tracing::info!(database = %crate::redact(database_url), backend = store.pool().backend(), "database ready");
    if args.demo && store.articles_after(None, 1)?.is_empty() {
        let t = Instant::now();
        let mut records = Vec::new();
        // Anchored at this minute, so that the demo's reading history runs up to now
        // and every ranking window has data.
        let now = Utc::now().duration_trunc(TimeDelta::minutes(1)).unwrap_or_else(|_| today());
        demo::generate(args.demo_articles, 1, now, demo::Readers::Topical, |r| records.push(r));
        let n = transfer::import_records(&store, records.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r))), |_| {})?;
        tracing::info!(records = n, seconds = t.elapsed().as_secs_f64(), "loaded the demo dataset");
    }
    let cidrs = |flag: &str, list: &[String]| -> Result<Vec<Cidr>> {
        list.iter().map(|c| Cidr::parse(c).map_err(|e| anyhow!("{flag}: {e}"))).collect()
    };
    let targets = Targets::new(cidrs("--webhook-allow", &args.webhook_allow)?);
    let limits = LimitConfig {
        requests_per_second: args.rate_limit,
        key_requests_per_second: args.key_rate_limit,
        searches_per_second: args.search_rate_limit,
        auth_failures_per_minute: args.auth_failure_limit,
        beacons_per_minute: args.beacon_limit,
        trusted_proxies: cidrs("--trusted-proxies", &args.trusted_proxies)?,
    };
    for kind in &args.reaction_kinds {
        Slug::parse(kind.as_str()).map_err(|e| anyhow!("reaction kind `{kind}`: {e}"))?;
    }
    let site =
        Site::new(args.site_title.clone(), &args.site_url, args.site_language.clone(), args.article_url.clone())?;
    let sync_retention = Duration::try_from_secs_f64(args.sync_retention_hours * 3600.0)
        .map_err(|_| anyhow!("--sync-retention-hours: a number of hours, 0 or more"))?;
    let pool = store.pool().clone();
    let store = Arc::new(store);
    let read_cache = Duration::from_millis(args.read_cache_ms);
    let content =
        Arc::new(ContentService::new(store.clone(), read_cache).with_reaction_kinds(args.reaction_kinds.clone()));
    let engagement_config =
        EngagementConfig { reaction_kinds: args.reaction_kinds, max_pending: args.max_pending_beacons.max(1) };
    let rankings = Arc::new(RankingService::new(store.clone(), content.clone()));
    let index = open_search_index(database_url, args.search_index.as_deref(), &store.instance_id()?)?;
    // Without a usable directory the node still serves; beacons are then kept
    // in memory only, as with an in-memory database.
    let journal = node_dir(database_url, args.beacon_journal.as_deref(), "beacons").and_then(|dir| {
        FileJournal::open(&dir)
            .inspect_err(
                |e| tracing::error!(error = %e, "no beacon journal: a killed process loses its unwritten beacons"),
            )
            .ok()
            .map(|j| Arc::new(j) as Arc<dyn BeaconJournal>)
    });
    let state = AppState {
        content: content.clone(),
        engagement: Arc::new(EngagementService::new(store.clone(), content.clone(), engagement_config, journal)),
        rankings: rankings.clone(),
        search: Arc::new(SearchService::new(index, store.clone(), content.clone())),
        discovery: Arc::new(DiscoveryService::new(store.clone(), content.clone(), rankings.clone())),
        keys: Arc::new(KeyService::new(store.clone())),
        editorial: Arc::new(EditorialService::new(store.clone(), content.clone())),
        sync: Arc::new(SyncService::new(store.clone(), content.clone())),
        feeds: Arc::new(FeedService::new(content, store.clone(), site)),
        webhooks: Arc::new(WebhookService::new(
            store.clone(),
            Duration::from_millis(args.webhook_retry_ms.max(1)),
            targets.clone(),
        )),
        responses: Arc::new(ResponseCache::new(read_cache)),
        queries: Arc::new(move || pool.queries_executed()),
        workers: Arc::new(WorkerHealth::default()),
        limits: Arc::new(Limits::new(&limits)),
        config: Arc::new(ApiConfig {
            cors_origins: args.cors_origins,
            cache_max_age: args.cache_max_age,
            require_read_key: args.require_read_key,
            body_timeout: Duration::from_millis(args.body_timeout_ms.max(1)),
        }),
    };
    match state.engagement.recover() {
        Ok(0) => {}
        Ok(n) => tracing::info!(beacons = n, "beacons accepted before a crash are written with the next flush"),
        Err(e) => tracing::warn!(error = %e, "cannot read the beacon journal"),
    }
    // What the workers keep up to date is prepared before serving: the search
    // index and the discovery models side by side. A failure here is the
    // workers' to retry; the node serves what it can meanwhile.
    if let Err(e) = state.rankings.refresh() {
        tracing::warn!(error = %e, "computing rankings failed; the rankings worker retries");
    }
    std::thread::scope(|s| {
        s.spawn(|| {
            let t = Instant::now();
            match state.search.sync() {
                Ok(n) => tracing::info!(articles = n, seconds = t.elapsed().as_secs_f64(), "search index up to date"),
                Err(e) => tracing::warn!(error = %e, "building the search index failed; the search worker retries"),
            }
        });
        let t = Instant::now();
        match (state.discovery.rebuild_content(), state.discovery.rebuild_coread()) {
            (Ok(articles), Ok(sessions)) => {
                tracing::info!(articles, sessions, seconds = t.elapsed().as_secs_f64(), "discovery models ready")
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "building the discovery models failed; their workers retry")
            }
        }
    });
    let workers = Workers::start(
        &state,
        Duration::from_millis(args.flush_ms),
        Duration::from_millis(args.ranking_refresh_ms),
        sync_retention,
        targets,
    );
    let schemas = newsdesk_api::graphql::Schemas::new();
    let served = serve_http(state.clone(), schemas, &args.bind, Threads { workers: http_workers, pool_size }, started);
    // Every request has been answered: write what they accepted before exiting.
    workers.stop();
    flush_all(&state);
    served
}

/// HTTP workers, and the database connections their blocking work shares.
struct Threads {
    workers: usize,
    pool_size: u32,
}

fn serve_http(
    state: AppState,
    schemas: newsdesk_api::graphql::Schemas,
    bind: &str,
    threads: Threads,
    started: Instant,
) -> Result<()> {
    // Each worker runs its requests' database work on its share of one thread
    // per connection: more threads would only wait for a connection, and a few
    // threads kept busy answer far more than many taking turns (each woken cold,
    // its cache and allocator pages elsewhere). Work beyond them waits in a
    // queue, bounded in time (`newsdesk_api::state::blocking`).
    let Threads { workers, pool_size } = threads;
    let blocking = (pool_size as usize).div_ceil(workers).max(1);
    actix_web::rt::System::new().block_on(async move {
        let server = actix_web::HttpServer::new(move || newsdesk_api::build(state.clone(), schemas.clone()))
            .shutdown_timeout(10)
            .workers(workers)
            .worker_max_blocking_threads(blocking);
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
/// second, recomputing rankings every few seconds, and the rest, each on its own
/// thread so that a slow ranking query never delays counts. A round that fails
/// (or panics) is logged, counted in `/metrics`, and retried after a pause that
/// doubles with each failure in a row; it never stops the process.
struct Workers {
    stop: Vec<mpsc::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
    health: Arc<WorkerHealth>,
}

type Round = Result<(), newsdesk_domain::Error>;

impl Workers {
    fn start(
        state: &AppState,
        flush_every: Duration,
        rank_every: Duration,
        sync_retention: Duration,
        targets: Targets,
    ) -> Self {
        let mut workers = Workers { stop: Vec::new(), threads: Vec::new(), health: state.workers.clone() };
        let s = state.clone();
        let mut last_prune = Instant::now();
        workers.spawn("flush", flush_every, move || {
            flush_once(&s)?;
            if last_prune.elapsed() > PRUNE_EVERY {
                last_prune = Instant::now();
                s.engagement.prune()?;
            }
            Ok(())
        });
        let s = state.clone();
        let mut modelled = state.editorial.content_version().ok();
        workers.spawn("search", SEARCH_SYNC_EVERY, move || {
            // Read first: a change after this is seen on the next round.
            let version = s.editorial.content_version().ok();
            let mut changed = s.search.sync()?;
            // A deletion shows only in the version: the index drops it then.
            if version != modelled {
                changed += s.search.drop_deleted()?;
            }
            // Content changed: related articles follow, and responses served
            // from the previous model go.
            if changed > 0 || version != modelled {
                s.discovery.rebuild_content()?;
                modelled = version;
                s.reads_changed(Changed::Discovery);
            }
            Ok(())
        });
        let s = state.clone();
        // The blend is chosen in the background, soon after the start (which
        // learnt with the default one) and then with each rebuild.
        workers.spawn_after("co-reading", TUNE_FIRST, COREAD_EVERY, move || s.discovery.retune().map(drop));
        let s = state.clone();
        let mut round = 0_u32;
        workers.spawn("scheduler", SCHEDULE_EVERY, move || {
            let n = s.editorial.publish_due()?;
            if n > 0 {
                s.reads_changed(Changed::Content);
                tracing::info!(articles = n, "published scheduled articles");
            }
            // Articles published with a time to come appear when it comes:
            // mirrors learn it as a change, within a second.
            round = round.wrapping_add(1);
            if round.is_multiple_of(RELEASE_EVERY_ROUNDS) && s.sync.release_due()? > 0 {
                s.reads_changed(Changed::Content);
            }
            Ok(())
        });
        let s = state.clone();
        workers.spawn("sync-history", SYNC_PRUNE_EVERY, move || {
            let n = s.sync.prune(sync_retention)?;
            if n > 0 {
                tracing::info!(deletions = n, "forgot deletions older than the sync retention");
            }
            Ok(())
        });
        let s = state.clone();
        let transport = HttpTransport::new(targets);
        workers.spawn("webhooks", WEBHOOKS_EVERY, move || s.webhooks.deliver_due(&transport).map(drop));
        // Writes through other nodes (and scheduled publication there) bump the
        // content version in the database: drop this node's cached reads.
        let s = state.clone();
        let mut seen = state.editorial.content_version().ok();
        workers.spawn("coherence", COHERENCE_EVERY, move || {
            let v = s.editorial.content_version()?;
            if Some(v) != seen {
                seen = Some(v);
                s.reads_changed(Changed::Content);
            }
            Ok(())
        });
        let s = state.clone();
        workers.spawn("rankings", rank_every, move || s.rankings.refresh());
        let s = state.clone();
        workers.spawn("rate-limits", LIMITS_FORGET_EVERY, move || {
            s.limits.forget_idle();
            Ok(())
        });
        workers
    }

    fn spawn(&mut self, name: &'static str, every: Duration, round: impl FnMut() -> Round + Send + 'static) {
        self.spawn_after(name, every, every, round);
    }

    /// As [`Workers::spawn`], with the first round after `first`.
    fn spawn_after(
        &mut self,
        name: &'static str,
        first: Duration,
        every: Duration,
        mut round: impl FnMut() -> Round + Send + 'static,
    ) {
        let (tx, rx) = mpsc::channel::<()>();
        let health = self.health.clone();
        health.register(name);
        let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
            let mut wait = first;
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(wait) {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut round))
                    .unwrap_or_else(|_| Err(newsdesk_domain::Error::operator("the round panicked")));
                wait = match outcome {
                    Ok(()) => {
                        health.succeeded(name);
                        every
                    }
                    Err(e) => {
                        let failing = health.failed(name, &e.detail);
                        let pause = backoff(every, failing);
                        tracing::warn!(worker = name, error = %e, failing, retry_in_ms = pause.as_millis() as u64,
                            "background worker failed; will retry");
                        pause
                    }
                };
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

/// The pause before retrying a worker that failed `failing` rounds in a row:
/// from a second (or its period, when shorter), doubling, up to its period or
/// 5 s (whichever is longer) and never more than 30 s, so that a worker is back
/// within seconds of the database.
fn backoff(every: Duration, failing: u32) -> Duration {
    let first = every.min(Duration::from_secs(1));
    let most = every.max(Duration::from_secs(5)).min(Duration::from_secs(30));
    first.saturating_mul(1 << failing.saturating_sub(1).min(16)).min(most)
}

const PRUNE_EVERY: Duration = Duration::from_secs(60);
const LIMITS_FORGET_EVERY: Duration = Duration::from_secs(60);
const SCHEDULE_EVERY: Duration = Duration::from_millis(250);
/// Scheduler rounds between looks for published articles whose time came.
const RELEASE_EVERY_ROUNDS: u32 = 4;
const WEBHOOKS_EVERY: Duration = Duration::from_millis(500);
const COHERENCE_EVERY: Duration = Duration::from_millis(500);
const SYNC_PRUNE_EVERY: Duration = Duration::from_secs(5);
const SEARCH_SYNC_EVERY: Duration = Duration::from_secs(1);
const COREAD_EVERY: Duration = Duration::from_secs(300);
const TUNE_FIRST: Duration = Duration::from_secs(2);

/// A directory of this node's own (`what`: `search`, `beacons`): `dir` when
/// given, else next to a SQLite file, else (PostgreSQL) in the temporary
/// directory under a name derived from the URL; none for an in-memory database.
fn node_dir(database_url: &str, dir: Option<&Path>, what: &str) -> Option<PathBuf> {
    match (dir, DatabaseUrl::parse(database_url)) {
        (Some(dir), _) => Some(dir.to_owned()),
        (None, Ok(DatabaseUrl::Sqlite(path))) if path != ":memory:" => Some(PathBuf::from(format!("{path}.{what}"))),
        (None, Ok(DatabaseUrl::Postgres(url))) => {
            let mut h = std::hash::DefaultHasher::new();
            url.hash(&mut h);
            Some(std::env::temp_dir().join(format!("newsdesk-{what}-{:016x}", h.finish())))
        }
        (None, _) => None,
    }
}

/// This node's search index (see [`node_dir`]); in memory when the directory is
/// held by another node on this machine.
fn open_search_index(database_url: &str, dir: Option<&Path>, instance: &str) -> Result<Arc<dyn SearchIndex>> {
    let dir = node_dir(database_url, dir, "search");
    let index = TantivyIndex::open(dir.as_deref(), instance).or_else(|e| {
        tracing::warn!(error = %e, dir = ?dir, "cannot use the search index directory; keeping the index in memory");
        TantivyIndex::open(None, instance)
    })?;
    Ok(Arc::new(index))
}

/// Write accepted beacons; when anything counted, the node's cached reads are
/// renewed so that counters show it at once.
fn flush_once(state: &AppState) -> Round {
    let counted = state.engagement.flush()?;
    if counted.any() {
        state.reads_changed(Changed::Counters);
        tracing::debug!(views = counted.views, reactions = counted.reactions, "beacons written");
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_within_a_second_and_stay_within_bounds() {
        let ms = |d: Duration| d.as_millis();
        let flush = Duration::from_secs(1);
        let pauses: Vec<u128> = (1..=6).map(|n| ms(backoff(flush, n))).collect();
        assert_eq!(pauses, vec![1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!(ms(backoff(Duration::from_millis(250), 1)), 250);
        assert_eq!(ms(backoff(Duration::from_millis(250), 40)), 5000);
        let coread = Duration::from_secs(300);
        assert_eq!(ms(backoff(coread, 1)), 1000);
        assert_eq!(ms(backoff(coread, 10)), 30_000);
    }
}
