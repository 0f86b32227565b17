//! Command-line interface.

use chrono::{DateTime, NaiveTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use newsdesk_domain::demo::Readers;
use newsdesk_domain::feed::Site;
use newsdesk_domain::model::DEFAULT_REACTION_KINDS;

#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about = "A headless content API for news publishers")]
pub struct Cli {
    /// Database: `sqlite://PATH` (created when missing) or `postgres://…`.
    #[arg(long, global = true, env = "NEWSDESK_DATABASE_URL", default_value = "sqlite://newsdesk.db")]
    pub database_url: String,

    /// Log line format (logs go to stderr; filter with RUST_LOG).
    #[arg(long, global = true, env = "NEWSDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the REST and GraphQL APIs (applies migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate,
    /// Import NDJSON records from FILE, or from stdin with `-`. Upserts by slug.
    Import { file: String },
    /// Export all content as NDJSON to FILE, or stdout.
    Export { file: Option<String> },
    /// Write the demo dataset as NDJSON to stdout.
    Demo {
        #[arg(long, default_value_t = 2_000)]
        articles: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The instant the dataset is anchored to (RFC 3339); default: today, 00:00 UTC.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
        /// How the generated readers choose: `topical` (they follow topics),
        /// `popular` (they read what is popular and recent) or `mixed`.
        #[arg(long, default_value = "topical", value_parser = parse_readers)]
        readers: Readers,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Measure discovery quality offline on the database's data.
    Eval {
        #[command(subcommand)]
        what: EvalKind,
    },
    /// Print the GraphQL SDL or the OpenAPI document.
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print its token (alone, on stdout). The token is shown
    /// only this once; only its hash is stored.
    Create {
        /// A name for the key, unique among active keys; the audit log records it.
        #[arg(long)]
        name: String,
        /// content:read, content:preview, content:write or admin; repeatable.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// List keys (never their tokens).
    List,
    /// Revoke the active key with this name.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
pub enum EvalKind {
    /// Hide each evaluated session's last read and score the top 10
    /// recommendations from the rest: hit rate@10 and NDCG@10 per strategy.
    Recommendations {
        /// At most this many sessions are evaluated (evenly spread).
        #[arg(long, default_value_t = 5_000)]
        sessions: usize,
    },
    /// How often related articles share the source's section and a tag.
    Related {
        /// At most this many source articles (evenly spread).
        #[arg(long, default_value_t = 2_000)]
        articles: usize,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    Graphql,
    Openapi,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, env = "NEWSDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Fill an empty database with the demo dataset first.
    #[arg(long)]
    pub demo: bool,
    /// Number of demo articles for `--demo`.
    #[arg(long, default_value_t = 2_000)]
    pub demo_articles: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "NEWSDESK_WORKERS")]
    pub workers: Option<usize>,
    /// Database connections in the pool (default: two per core, 4 to 16).
    /// Requests' database work runs on as many threads, shared among the HTTP
    /// workers.
    #[arg(long, env = "NEWSDESK_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Origins allowed by CORS, comma-separated; default: any origin.
    #[arg(long, env = "NEWSDESK_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// How long assembled public reads are reused by this node, in milliseconds
    /// (0 turns the read cache off).
    #[arg(long, env = "NEWSDESK_READ_CACHE_MS", default_value_t = 1_000)]
    pub read_cache_ms: u64,
    /// `Cache-Control: max-age` of public reads, in seconds.
    #[arg(long, env = "NEWSDESK_CACHE_MAX_AGE", default_value_t = 10)]
    pub cache_max_age: u32,
    /// Reaction kinds clients may send, comma-separated.
    #[arg(long, env = "NEWSDESK_REACTION_KINDS", value_delimiter = ',', default_values = DEFAULT_REACTION_KINDS)]
    pub reaction_kinds: Vec<String>,
    /// How often accepted beacons are written, in milliseconds.
    #[arg(long, env = "NEWSDESK_FLUSH_MS", default_value_t = 1_000)]
    pub flush_ms: u64,
    /// Beacons held in memory before new ones are refused with 503.
    #[arg(long, env = "NEWSDESK_MAX_PENDING_BEACONS", default_value_t = 100_000)]
    pub max_pending_beacons: usize,
    /// Directory of this node's search index (default: next to a SQLite database,
    /// or in the temporary directory for PostgreSQL).
    #[arg(long, env = "NEWSDESK_SEARCH_INDEX")]
    pub search_index: Option<std::path::PathBuf>,
    /// Directory where accepted beacons are recorded until they are written, so
    /// that a killed process loses none (default: next to a SQLite database, or
    /// in the temporary directory for PostgreSQL).
    #[arg(long, env = "NEWSDESK_BEACON_JOURNAL")]
    pub beacon_journal: Option<std::path::PathBuf>,
    /// Public reads (REST and GraphQL) need an API key with `content:read`.
    #[arg(long, env = "NEWSDESK_REQUIRE_READ_KEY", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub require_read_key: bool,
    /// Wait before the first retry of a failed webhook delivery, in milliseconds;
    /// it doubles with each attempt, up to an hour.
    #[arg(long, env = "NEWSDESK_WEBHOOK_RETRY_MS", default_value_t = 5_000)]
    pub webhook_retry_ms: u64,
    /// Address ranges webhooks may reach besides the public internet (loopback,
    /// private, link-local and metadata addresses are refused otherwise), comma-
    /// separated: `10.0.0.0/8,fd00::/8`.
    #[arg(long, env = "NEWSDESK_WEBHOOK_ALLOW", value_delimiter = ',')]
    pub webhook_allow: Vec<String>,
    /// How long a client may take to send a request body, in milliseconds (408 after).
    #[arg(long, env = "NEWSDESK_BODY_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_timeout_ms: u64,
    /// Requests per second from one client address (0: no limit). Health,
    /// readiness and metrics are not limited.
    #[arg(long, env = "NEWSDESK_RATE_LIMIT", default_value_t = 0)]
    pub rate_limit: u32,
    /// Requests per second with one API key (0: no limit).
    #[arg(long, env = "NEWSDESK_KEY_RATE_LIMIT", default_value_t = 0)]
    pub key_rate_limit: u32,
    /// Searches per second from one client address, REST and GraphQL (0: no limit).
    #[arg(long, env = "NEWSDESK_SEARCH_RATE_LIMIT", default_value_t = 50)]
    pub search_rate_limit: u32,
    /// Failed authentications per minute from one client address, after which
    /// its tokens are not even checked until the minute allows another (0: no limit).
    #[arg(long, env = "NEWSDESK_AUTH_FAILURE_LIMIT", default_value_t = 60)]
    pub auth_failure_limit: u32,
    /// Beacons counted per minute from one client address for one article;
    /// beyond, they are accepted and not counted (0: no limit).
    #[arg(long, env = "NEWSDESK_BEACON_LIMIT", default_value_t = 120)]
    pub beacon_limit: u32,
    /// Proxies (address ranges, comma-separated) whose `X-Forwarded-For` names
    /// the client: set it behind a load balancer or CDN, or every client is the proxy.
    #[arg(long, env = "NEWSDESK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// How often rankings are refreshed, in milliseconds: recomputed when
    /// engagement, content or a window moved since the last computation.
    #[arg(long, env = "NEWSDESK_RANKING_REFRESH_MS", default_value_t = 5_000)]
    pub ranking_refresh_ms: u64,
    /// How long deletions are remembered for delta sync, in hours: a sync token
    /// older than this may answer 410 (start over). See docs/sync.md.
    #[arg(long, env = "NEWSDESK_SYNC_RETENTION_HOURS", default_value_t = 720.0)]
    pub sync_retention_hours: f64,
    /// The public site's name, as feeds and news sitemaps give it.
    #[arg(long, env = "NEWSDESK_SITE_TITLE", default_value = "Newsdesk")]
    pub site_title: String,
    /// The public site's address: feeds and sitemaps link to its pages.
    #[arg(long, env = "NEWSDESK_SITE_URL", default_value = "http://localhost:3000")]
    pub site_url: String,
    /// The language of the site's articles (a BCP 47 tag).
    #[arg(long, env = "NEWSDESK_SITE_LANGUAGE", default_value = "en")]
    pub site_language: String,
    /// Where an article's page is on the site: `{site}`, `{section}` (its
    /// section's slug), `{slug}` and `{id}` are replaced.
    #[arg(long, env = "NEWSDESK_ARTICLE_URL", default_value = Site::DEFAULT_ARTICLE_URL)]
    pub article_url: String,
}

/// Midnight UTC today: the default anchor of the demo dataset, so that output is
/// identical for a seed all day long.
pub fn today() -> DateTime<Utc> {
    Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc()
}

fn parse_readers(s: &str) -> Result<Readers, String> {
    Readers::parse(s).ok_or_else(|| "must be topical, popular or mixed".to_owned())
}
