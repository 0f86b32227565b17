//! Connections: one enum over SQLite and PostgreSQL, an r2d2 pool that picks the
//! backend from the URL scheme, and the embedded migrations of both.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use newsdesk_domain::{Error, ErrorKind, Result};

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Run the same Diesel expression compiled for each backend: the escape hatch for
/// what `MultiBackend` cannot express (`ON CONFLICT`, backend-specific SQL).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::conn::AnyConnection::Postgresql($c) => $body,
            $crate::conn::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path, or `:memory:`.
    Sqlite(String),
}

impl DatabaseUrl {
    /// `postgres://…` / `postgresql://…`, or `sqlite://PATH` / `sqlite:PATH`.
    pub fn parse(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(Error::field("databaseUrl", "the sqlite URL names no file"));
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else {
            Err(Error::field("databaseUrl", "must start with sqlite:// or postgres://"))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// Watches one connection: counts its statements into the process's total
/// (exported as a metric, and what the tests read to prove that GraphQL batches
/// its loads) and notes when the server went away under it.
#[derive(Debug)]
struct Monitor {
    queries: Arc<AtomicU64>,
    /// The pool generation the connection was opened in (see [`Health`]).
    generation: u64,
    lost: bool,
    /// An error that may mean the server is going away: checked at check-in.
    suspect: bool,
}

impl Instrumentation for Monitor {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.queries.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(%query, "sql");
            }
            InstrumentationEvent::FinishQuery { error: Some(e), .. } => {
                self.lost |= connection_lost(e);
                self.suspect |= database_unavailable(e);
            }
            _ => {}
        }
    }
}

fn monitor(conn: &mut AnyConnection) -> Option<&mut Monitor> {
    conn.instrumentation().downcast_mut::<Monitor>()
}

/// Whether the database answered, as this process last saw it. A lost
/// connection starts a new generation: every idle connection opened before it is
/// presumed dead too and dropped at checkout, without a round trip, so that the
/// pool refills with fresh connections once the server is back instead of
/// handing out dead ones.
#[derive(Debug, Default)]
struct Health {
    generation: AtomicU64,
    down: AtomicBool,
}

impl Health {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn lost(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.set_down(true);
    }

    fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Called on every checkout: reads first, so that the flag's cache line is
    /// written only when the state changes.
    fn set_down(&self, down: bool) {
        if self.down.load(Ordering::Acquire) != down && self.down.swap(down, Ordering::AcqRel) != down {
            if down {
                tracing::warn!("the database is unavailable; answering 503 until it is back");
            } else {
                tracing::info!("the database is available again");
            }
        }
    }
}

/// Opens connections for the pool, with the per-connection settings of each backend.
#[derive(Debug)]
pub struct AnyManager {
    url: DatabaseUrl,
    queries: Arc<AtomicU64>,
    health: Arc<Health>,
}

/// How long a starting process waits for a PostgreSQL server that is not up yet
/// (started at the same time, or restarting) before giving up.
const STARTUP_PATIENCE: Duration = Duration::from_secs(30);

impl AnyManager {
    /// The first connection of a process. A PostgreSQL server that is not up
    /// (refusing connections, starting, unreachable for now) is waited for a
    /// while: a node and its database often start together. A wrong URL, user
    /// or password fails at once.
    fn first_connection(&self) -> Result<AnyConnection> {
        const NOT_UP: [&str; 7] = [
            "Connection refused",
            "starting up",
            "shutting down",
            "timeout expired",
            "could not translate host name",
            "No route to host",
            "Network is unreachable",
        ];
        let started = std::time::Instant::now();
        loop {
            match self.establish() {
                Ok(conn) => return Ok(conn),
                Err(e)
                    if matches!(self.url, DatabaseUrl::Postgres(_))
                        && NOT_UP.iter().any(|m| e.to_string().contains(m))
                        && started.elapsed() < STARTUP_PATIENCE =>
                {
                    tracing::warn!(error = %e, "the database is not reachable yet; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(e) => return Err(Error::operator(format!("cannot connect: {e}"))),
            }
        }
    }

    fn establish(&self) -> ConnectionResult<AnyConnection> {
        let generation = self.health.generation();
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => {
                AnyConnection::Postgresql(PgConnection::establish(&with_connect_timeout(url))?)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(path)?;
                // busy_timeout first: WAL needs a lock that parallel opens contend for.
                // No memory-mapped reads: every pooled connection would map the same
                // pages, and resident memory counts each mapping (bench/RESULTS.md).
                // Each connection may cache 16 MiB of pages, but all of them together
                // hold about 64 MiB at most (`soft_heap_limit`, for the whole
                // process: past it, SQLite recycles cached pages instead of growing),
                // so reading every body once (an initial sync, an export) does not
                // grow the node by a full cache per connection.
                c.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; PRAGMA cache_size = -16384; \
                     PRAGMA soft_heap_limit = 67108864;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                AnyConnection::Sqlite(c)
            }
        };
        conn.set_instrumentation(Monitor { queries: self.queries.clone(), generation, lost: false, suspect: false });
        Ok(conn)
    }
}

const STALE: &str = "opened before the database was lost";

/// What the pool reports: failures to connect are worth a warning (the pool
/// retries them), dropping a connection of a retired generation is routine.
#[derive(Debug)]
struct PoolErrors;

impl r2d2::HandleError<r2d2::Error> for PoolErrors {
    fn handle_error(&self, error: r2d2::Error) {
        match &error {
            r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(m)) if m == STALE => {
                tracing::debug!("dropped a connection {STALE}")
            }
            _ => tracing::warn!(%error, "database connection"),
        }
    }
}

/// A PostgreSQL URL that gives up connecting after a few seconds (libpq waits
/// for as long as the network does by default), unless it says otherwise.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}connect_timeout={}", CONNECT_TIMEOUT.as_secs())
    }
}

impl ManageConnection for AnyManager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    /// At checkout: only connections of the current generation, without a round
    /// trip (a `SELECT 1` would double the statements of a request).
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        let current = self.health.generation();
        match monitor(conn) {
            Some(m) if m.generation == current && !m.lost => Ok(()),
            _ => Err(r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(STALE.to_owned()))),
        }
    }

    /// At check-in: a connection whose server went away is dropped, and starts a
    /// new generation.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        let current = self.health.generation();
        let Some(m) = monitor(conn) else { return true };
        let (mut lost, stale, suspect) = (m.lost, m.generation != current, std::mem::take(&mut m.suspect));
        if suspect && !lost {
            lost = conn.batch_execute("SELECT 1").is_err();
        }
        if lost {
            self.health.lost();
        }
        lost || stale || conn.is_broken()
    }
}

pub type PooledConn = r2d2::PooledConnection<AnyManager>;

/// The shared connection pool.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<AnyManager>,
    queries: Arc<AtomicU64>,
    health: Arc<Health>,
    backend: &'static str,
}

/// How long a request waits for a connection while the database answers.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long it waits once the database was found unavailable: requests fail fast
/// (503) while the pool keeps reconnecting in the background. Short: the wait
/// holds one of the few threads that run database work.
const CHECKOUT_TIMEOUT_DOWN: Duration = Duration::from_millis(50);
/// How long opening a PostgreSQL connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Pool {
    /// Connect (failing fast when the database is unreachable) and apply pending migrations.
    pub fn open(url: &str, size: u32) -> Result<Self> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend();
        let queries = Arc::new(AtomicU64::new(0));
        let health = Arc::new(Health::default());
        let manager = AnyManager { url, queries: queries.clone(), health: health.clone() };
        let mut first = manager.first_connection()?;
        run_migrations(&mut first)?;
        drop(first);
        let inner = r2d2::Pool::builder()
            .max_size(size.max(1))
            // Every connection is opened here, before the pool is handed out. With
            // fewer idle connections than the maximum, r2d2 opens replacements on a
            // background thread after each checkout; a one-shot command (`import`)
            // that exits while libpq is connecting there can crash at exit.
            .min_idle(None)
            // Also bounds the pause between reconnection attempts (half of it).
            .connection_timeout(CHECKOUT_TIMEOUT)
            // Costs no round trip: see `AnyManager::is_valid`.
            .test_on_check_out(true)
            .error_handler(Box::new(PoolErrors))
            .build(manager)
            .map_err(|e| Error::operator(format!("cannot open the connection pool: {e}")))?;
        Ok(Self { inner, queries, health, backend })
    }

    /// A connection, or `Unavailable` when none can be had: at once while the
    /// database is known to be down, after a short wait otherwise.
    pub fn get(&self) -> Result<PooledConn> {
        let timeout = if self.health.is_down() { CHECKOUT_TIMEOUT_DOWN } else { CHECKOUT_TIMEOUT };
        match self.inner.get_timeout(timeout) {
            Ok(conn) => {
                // Every connection handed out was opened since the last loss.
                self.health.set_down(false);
                Ok(conn)
            }
            Err(e) => {
                self.health.set_down(true);
                tracing::debug!(error = %e, "no database connection");
                Err(unavailable())
            }
        }
    }

    /// Whether the database was unreachable the last time this process tried.
    pub fn is_down(&self) -> bool {
        self.health.is_down()
    }

    /// SQL statements run so far by this process.
    pub fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }
}

fn run_migrations(conn: &mut AnyConnection) -> Result<()> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| Error::operator(format!("migration failed: {e}")))?;
    if applied > 0 {
        tracing::info!(applied, "applied database migrations");
    }
    Ok(())
}

/// The error of a transaction: a domain error (a missing reference, a stale
/// version…) that rolls it back and reaches the caller as is, or a database error.
pub(crate) enum TxError {
    Domain(Error),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Db(e)
    }
}

impl From<Error> for TxError {
    fn from(e: Error) -> Self {
        TxError::Domain(e)
    }
}

impl From<TxError> for Error {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Domain(e) => e,
            TxError::Db(e) => db_err(e),
        }
    }
}

pub(crate) type TxResult<T> = std::result::Result<T, TxError>;

fn unavailable() -> Error {
    Error::new(ErrorKind::Unavailable, "the database is unavailable; retry shortly")
}

/// Whether an error means the connection to the server is gone.
fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as D};
    matches!(e, D::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _))
}

/// Whether an error is the database's condition rather than the request's: the
/// server went away or is shutting down, is a read-only standby (a failover in
/// progress), aborted the transaction in a deadlock or serialization conflict,
/// or ran out of room; or (SQLite) the file is locked for longer than the busy
/// timeout, the disk is full or failing. Retrying later can succeed.
fn database_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as D};
    if connection_lost(e) {
        return true;
    }
    let D::DatabaseError(kind, info) = e else { return false };
    if matches!(kind, DatabaseErrorKind::ReadOnlyTransaction | DatabaseErrorKind::SerializationFailure) {
        return true;
    }
    let message = info.message();
    [
        // PostgreSQL
        "terminating connection",
        "the database system is",
        "server closed the connection",
        "no connection to the server",
        "could not receive data from server",
        "deadlock detected",
        "canceling statement due to",
        "too many clients",
        "could not extend file",
        "No space left on device",
        // SQLite
        "database is locked",
        "database table is locked",
        "database or disk is full",
        "disk I/O error",
        "unable to open database file",
        "attempt to write a readonly database",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// Map a Diesel error to the domain vocabulary: the one place this happens.
pub fn db_err(e: diesel::result::Error) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as D};
    if database_unavailable(&e) {
        // A lost server is logged once, when the pool notices; the rest each time.
        if connection_lost(&e) {
            tracing::debug!(error = %e, "database unavailable");
        } else {
            tracing::warn!(error = %e, "database unavailable");
        }
        return unavailable();
    }
    match e {
        D::NotFound => Error::new(newsdesk_domain::ErrorKind::NotFound, "not found"),
        // Text the validators let through (a path segment, say) that PostgreSQL
        // cannot store or compare: NUL.
        D::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => {
            Error::new(ErrorKind::BadInput, "the request contains a character that cannot be stored (NUL)")
        }
        D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Error::conflict(format!("already exists: {}", info.message()))
        }
        D::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            Error::conflict("the change would break a reference between records")
        }
        other => Error::internal(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_connections_are_kept_and_a_lost_one_retires_its_generation() {
        let dir = std::env::temp_dir().join(format!("newsdesk-conn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = DatabaseUrl::Sqlite(dir.join("db").display().to_string());
        let manager = AnyManager { url, queries: Arc::default(), health: Arc::default() };
        let mut old = manager.connect().expect("connect");
        let mut lost = manager.connect().expect("connect");
        assert!(monitor(&mut old).is_some(), "the monitor is found on the connection");
        assert!(manager.is_valid(&mut old).is_ok() && !manager.has_broken(&mut old));
        assert!(!manager.health.is_down());
        if let Some(m) = monitor(&mut lost) {
            m.lost = true;
        }
        assert!(manager.has_broken(&mut lost));
        assert!(manager.health.is_down());
        // Its sibling of the same generation is dropped at checkout, a new one kept.
        assert!(manager.is_valid(&mut old).is_err());
        let mut fresh = manager.connect().expect("connect");
        assert!(manager.is_valid(&mut fresh).is_ok() && !manager.has_broken(&mut fresh));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
