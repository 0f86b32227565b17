//! The test harness: a fresh database per test (a temp SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set), the real `newsdesk`
//! binary serving it on a free port, and a small HTTP client.

pub mod cluster;
pub mod fixtures;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_newsdesk");

static COUNTER: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    /// A directory of this test's own, for files next to the database (the
    /// search index).
    pub scratch: PathBuf,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Another `TestDb` owns the database.
    Shared,
    /// The database is a file in `scratch`.
    Dir,
    PgDatabase {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// `None` for PostgreSQL when `TEST_DATABASE_URL` is not set.
    pub fn new(backend: Backend) -> Option<Self> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}_{}_{}", std::process::id(), n, Instant::now().elapsed().subsec_nanos());
        let scratch = std::env::temp_dir().join(format!("newsdesk-test-{tag}"));
        match backend {
            Backend::Sqlite => {
                std::fs::create_dir_all(&scratch).expect("temp dir");
                let url = format!("sqlite://{}", scratch.join("test.db").display());
                Some(Self { url, scratch, cleanup: Cleanup::Dir })
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
                let name = format!("newsdesk_test_{tag}");
                let mut conn = PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create database");
                let url = replace_db_name(&admin_url, &name);
                std::fs::create_dir_all(&scratch).expect("temp dir");
                Some(Self { url, scratch, cleanup: Cleanup::PgDatabase { admin_url, name } })
            }
        }
    }

    /// A database that exists elsewhere (a test's own cluster), with a scratch
    /// directory of this test's own.
    pub fn at(url: String) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let scratch = std::env::temp_dir().join(format!("newsdesk-test-{}_{n}_at", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("temp dir");
        Self { url, scratch, cleanup: Cleanup::Dir }
    }

    /// The same database, for a second server; the first owner removes it.
    pub fn shared(&self) -> Self {
        Self { url: self.url.clone(), scratch: self.scratch.clone(), cleanup: Cleanup::Shared }
    }

    /// Make the database unreachable (PostgreSQL only): drop it under the server.
    pub fn drop_now(&self) {
        if let Cleanup::PgDatabase { admin_url, name } = &self.cleanup {
            let mut conn = PgConnection::establish(admin_url).expect("connect");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).expect("drop");
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Shared => return,
            Cleanup::Dir => {}
            Cleanup::PgDatabase { .. } => self.drop_now(),
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Run the CLI against a database; returns (success, stdout, stderr).
pub fn cli(db: &TestDb, args: &[&str], stdin: Option<&[u8]>) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("NEWSDESK_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn newsdesk");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.wait_with_output().expect("wait");
    (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Create an API key with `newsdesk keys create`; its token.
pub fn key(db: &TestDb, name: &str, scopes: &[&str]) -> String {
    let mut args = vec!["keys", "create", "--name", name];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let (ok, out, err) = cli(db, &args, None);
    assert!(ok, "keys create: {err}");
    let token = String::from_utf8(out).expect("utf-8");
    assert_eq!(token.lines().count(), 1, "the token alone on stdout");
    token.trim().to_owned()
}

/// A running `newsdesk serve` on its own database.
pub struct TestApp {
    db: Option<TestDb>,
    pub base: String,
    child: Option<Child>,
    agent: ureq::Agent,
}

impl TestApp {
    /// A server over an empty database, or `None` when the backend is not available.
    pub fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, &[])
    }

    /// A server over a database loaded with `ndjson` first.
    pub fn with_data(backend: Backend, ndjson: &str) -> Option<Self> {
        let db = TestDb::new(backend)?;
        let (ok, _, err) = cli(&db, &["import", "-"], Some(ndjson.as_bytes()));
        assert!(ok, "fixture import failed: {err}");
        Some(Self::serve(db, &[]))
    }

    pub fn spawn_with(backend: Backend, args: &[&str]) -> Option<Self> {
        let db = TestDb::new(backend)?;
        Some(Self::serve(db, args))
    }

    pub fn serve(db: TestDb, args: &[&str]) -> Self {
        // Every test client is 127.0.0.1: the per-address limits that would
        // stop its bursts are off unless a test sets them.
        let mut unlimited = Vec::new();
        for flag in ["--beacon-limit", "--search-rate-limit"] {
            if !args.contains(&flag) {
                unlimited.extend([flag, "0"]);
            }
        }
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
            .arg("--search-index")
            .arg(db.scratch.join("search"))
            .arg("--beacon-journal")
            .arg(db.scratch.join("beacons"))
            .args(unlimited)
            .args(args)
            .env("NEWSDESK_DATABASE_URL", &db.url)
            .env("RUST_LOG", std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn newsdesk serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(120)).expect("server did not start");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are answers under test.
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Self { db: Some(db), base, child: Some(child), agent }
    }

    pub fn db(&self) -> &TestDb {
        self.db.as_ref().expect("database")
    }

    /// Stop the server with a signal; the database is kept for another server.
    pub fn shutdown(mut self, signal: &str) -> (std::process::ExitStatus, TestDb) {
        let status = self.stop(signal);
        (status, self.db.take().expect("database"))
    }

    /// The database of a server stopped with [`Self::stop`], for another server.
    pub fn into_db(mut self) -> TestDb {
        self.db.take().expect("database")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(&self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Resp::from(req.call().expect("GET"))
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.post(&self.url(path)).header("content-type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Resp::from(req.send(body.as_bytes()).expect("POST"))
    }

    /// Any request, with an optional JSON body.
    pub fn send(&self, method: &str, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Resp {
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.unwrap_or("").as_bytes().to_vec()).expect("request");
        Resp::from(self.agent.run(req).expect(method))
    }

    /// GET a JSON document, asserting 200.
    pub fn json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.json()
    }

    /// Run a GraphQL query over POST; returns the whole response document.
    pub fn graphql(&self, query: &str, variables: Value) -> Value {
        let body = serde_json::json!({"query": query, "variables": variables}).to_string();
        let r = self.post("/graphql", "application/json", &body, &[]);
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    /// `newsdesk_db_queries_total` from /metrics.
    pub fn queries(&self) -> u64 {
        let text = self.get("/metrics").text;
        text.lines()
            .find_map(|l| l.strip_prefix("newsdesk_db_queries_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("query counter in /metrics")
    }

    /// Send a signal and wait for the exit status.
    pub fn stop(&mut self, signal: &str) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let ok = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().expect("kill");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl From<ureq::http::Response<ureq::Body>> for Resp {
    fn from(mut r: ureq::http::Response<ureq::Body>) -> Self {
        let status = r.status().as_u16();
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let bytes = r.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Self { status, headers, text }
    }
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Assert a problem+json error with this status naming `field` (when given).
    pub fn assert_problem(&self, status: u16, field: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text);
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(p["title"].is_string() && p["type"].is_string() && p["detail"].is_string());
        if let Some(field) = field {
            let fields: Vec<&str> =
                p["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.contains(&field), "expected `{field}` among {fields:?}");
        }
    }
}

/// Wait until `check` holds, up to `limit`; how long it took.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if check() {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Slugs of a list response's `data`.
/// `v` without its `id` fields, each checked to be a global id of the type its
/// object's place implies (`section_3`, `tag_7`…), so that exact comparisons
/// need not know database ids.
pub fn without_ids(v: &Value) -> Value {
    match v {
        Value::Object(map) => map
            .iter()
            .filter(|(k, id)| {
                let global = id.as_str().and_then(|s| s.split_once('_')).is_some_and(|(kind, n)| {
                    ["article", "section", "tag", "author"].contains(&kind) && n.parse::<u64>().is_ok()
                });
                assert!(*k != "id" || global, "`{id}` is not a global id");
                *k != "id"
            })
            .map(|(k, v)| (k.clone(), without_ids(v)))
            .collect(),
        Value::Array(items) => items.iter().map(without_ids).collect(),
        other => other.clone(),
    }
}

pub fn slugs(v: &Value) -> Vec<String> {
    v["data"].as_array().expect("data").iter().map(|a| a["slug"].as_str().expect("slug").to_owned()).collect()
}

static POSTGRES_NOT_RUN: AtomicU32 = AtomicU32::new(0);

/// Whether the PostgreSQL half of scenario `name` can run (`TEST_DATABASE_URL`
/// is set). When it cannot, that is said on the terminal, past the harness's
/// capture of passing tests' output, with the count so far; with
/// `TEST_REQUIRE_POSTGRES` set (CI) it is a failure.
pub fn postgres_is_set(name: &str) -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return true;
    }
    assert!(
        std::env::var_os("TEST_REQUIRE_POSTGRES").is_none(),
        "TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not: {name} cannot run"
    );
    let n = POSTGRES_NOT_RUN.fetch_add(1, Ordering::Relaxed) + 1;
    let _ = writeln!(
        std::io::stderr(),
        "NOT RUN: {name} (PostgreSQL scenarios skipped so far: {n}; set TEST_DATABASE_URL=postgres://… to run them)"
    );
    false
}

/// Declare scenarios that run once on SQLite and once on PostgreSQL:
/// `module::sqlite::name` and `module::postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* fn $name:ident($backend:ident: Backend) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $( #[test] fn $name() { super::$name(Backend::Sqlite) } )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $( #[test] fn $name() {
                if $crate::support::postgres_is_set(concat!(module_path!(), "::", stringify!($name))) {
                    super::$name(Backend::Postgres)
                }
            } )*
        }
        $( $(#[$meta])* fn $name($backend: Backend) $body )*
    };
}
