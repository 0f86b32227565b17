//! `newsdesk serve`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use newsdesk_api::http::ResponseCache;
use newsdesk_api::{ApiConfig, AppState};
use newsdesk_domain::repo::TransferRepo;
use newsdesk_domain::service::ContentService;
use newsdesk_domain::{demo, transfer};

use crate::cli::{ServeArgs, today};

pub fn serve(database_url: &str, args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let store = crate::open_store(database_url, args.pool_size)?;
    tracing::info!(database = %crate::redact(database_url), backend = store.pool().backend(), "database ready");
    if args.demo && store.articles_after(None, 1)?.is_empty() {
        let t = Instant::now();
        let mut records = Vec::new();
        demo::generate(args.demo_articles, 1, today(), |r| records.push(r));
        let n = transfer::import_records(&store, records.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r))), |_| {})?;
        tracing::info!(records = n, seconds = t.elapsed().as_secs_f64(), "loaded the demo dataset");
    }
    let pool = store.pool().clone();
    let read_cache = Duration::from_millis(args.read_cache_ms);
    let state = AppState {
        content: Arc::new(ContentService::new(Arc::new(store), read_cache)),
        responses: Arc::new(ResponseCache::new(read_cache)),
        queries: Arc::new(move || pool.queries_executed()),
        config: Arc::new(ApiConfig { cors_origins: args.cors_origins, cache_max_age: args.cache_max_age }),
    };
    let schema = newsdesk_api::graphql::schema();
    actix_web::rt::System::new().block_on(async move {
        let mut server =
            actix_web::HttpServer::new(move || newsdesk_api::build(state.clone(), schema.clone())).shutdown_timeout(10);
        if let Some(w) = args.workers {
            server = server.workers(w.max(1));
        }
        let server = server.bind(&args.bind).with_context(|| format!("binding {}", args.bind))?;
        for addr in server.addrs() {
            println!("listening on http://{addr}");
        }
        tracing::info!(startup_seconds = started.elapsed().as_secs_f64(), "serving");
        server.run().await.context("server failed")?;
        tracing::info!("stopped");
        Ok(())
    })
}
