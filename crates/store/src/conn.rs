//! Connections: one enum over SQLite and PostgreSQL, an r2d2 pool that picks the
//! backend from the URL scheme, and the embedded migrations of both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use newsdesk_domain::{Error, Result};

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

/// Counts the SQL statements a process runs; exported as a metric, and what the
/// tests read to prove that GraphQL batches its loads.
#[derive(Debug, Default)]
struct QueryCounter(Arc<AtomicU64>);

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(%query, "sql");
        }
    }
}

/// Opens connections for the pool, with the per-connection settings of each backend.
#[derive(Debug)]
pub struct AnyManager {
    url: DatabaseUrl,
    queries: Arc<AtomicU64>,
}

impl AnyManager {
    fn establish(&self) -> ConnectionResult<AnyConnection> {
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => AnyConnection::Postgresql(PgConnection::establish(url)?),
            DatabaseUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(path)?;
                // busy_timeout first: WAL needs a lock that parallel opens contend for.
                // No memory-mapped reads: every pooled connection would map the same
                // pages, and resident memory counts each mapping (bench/RESULTS.md).
                c.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; PRAGMA cache_size = -16384;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                AnyConnection::Sqlite(c)
            }
        };
        conn.set_instrumentation(QueryCounter(self.queries.clone()));
        Ok(conn)
    }
}

impl ManageConnection for AnyManager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

pub type PooledConn = r2d2::PooledConnection<AnyManager>;

/// The shared connection pool.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<AnyManager>,
    queries: Arc<AtomicU64>,
    backend: &'static str,
}

impl Pool {
    /// Connect (failing fast when the database is unreachable) and apply pending migrations.
    pub fn open(url: &str, size: u32) -> Result<Self> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend();
        let queries = Arc::new(AtomicU64::new(0));
        let manager = AnyManager { url, queries: queries.clone() };
        let mut first = manager.establish().map_err(|e| Error::operator(format!("cannot connect: {e}")))?;
        run_migrations(&mut first)?;
        drop(first);
        let inner = r2d2::Pool::builder()
            .max_size(size.max(1))
            // Every connection is opened here, before the pool is handed out. With
            // fewer idle connections than the maximum, r2d2 opens replacements on a
            // background thread after each checkout; a one-shot command (`import`)
            // that exits while libpq is connecting there can crash at exit.
            .min_idle(None)
            .connection_timeout(Duration::from_secs(5))
            // A `SELECT 1` before every checkout would double the statements of a
            // request; a broken connection surfaces as an error instead.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| Error::operator(format!("cannot open the connection pool: {e}")))?;
        Ok(Self { inner, queries, backend })
    }

    pub fn get(&self) -> Result<PooledConn> {
        self.inner.get().map_err(Error::internal)
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

/// Map a Diesel error to the domain vocabulary: the one place this happens.
pub fn db_err(e: diesel::result::Error) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as D};
    match e {
        D::NotFound => Error::new(newsdesk_domain::ErrorKind::NotFound, "not found"),
        D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Error::conflict(format!("already exists: {}", info.message()))
        }
        D::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            Error::conflict("the change would break a reference between records")
        }
        other => Error::internal(other),
    }
}
