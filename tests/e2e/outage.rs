//! The database going away under load, on a PostgreSQL cluster of the test's
//! own: clear 503s (never a 500), readiness that follows the database, cached
//! reads and beacons kept, recovery without a restart, nothing accepted lost.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use serde_json::json;

use crate::support::cluster::Cluster;
use crate::support::fixtures::Site;
use crate::support::{Resp, TestApp, TestDb, cli, eventually};

#[derive(Debug)]
struct Seen {
    what: &'static str,
    outage: bool,
    status: u16,
    retry_after: bool,
    problem: bool,
    graphql_codes: Vec<String>,
}

fn seen(what: &'static str, outage: bool, r: &Resp) -> Seen {
    let graphql_codes = if what == "graphql" && r.status == 200 {
        r.json()["errors"]
            .as_array()
            .map(|e| e.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Seen {
        what,
        outage,
        status: r.status,
        retry_after: r.header("retry-after").is_some(),
        problem: r.header("content-type") == Some("application/problem+json"),
        graphql_codes,
    }
}

#[derive(QueryableByName)]
struct Views {
    #[diesel(sql_type = BigInt)]
    views: i64,
}

fn stored_views(url: &str, slug: &str) -> i64 {
    let mut conn = PgConnection::establish(url).expect("connect");
    diesel::sql_query(format!("SELECT views FROM articles WHERE slug = '{slug}'"))
        .get_result::<Views>(&mut conn)
        .expect("views")
        .views
}

fn view(app: &TestApp, session: &str) -> Resp {
    let body = json!({ "sessionId": session }).to_string();
    app.post("/v1/articles/oil-jumps/views", "application/json", &body, &[])
}

#[test]
fn postgres_outage_is_survived() {
    let Some(cluster) = Cluster::start() else { return };
    let db = TestDb::at(cluster.url("news"));
    let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
    assert!(ok, "{err}");
    let app = TestApp::serve(db, &["--read-cache-ms", "3000"]);
    let before = app.json("/v1/articles/oil-jumps")["views"].as_i64().unwrap();

    let outage = AtomicBool::new(false);
    let beacons_paused = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let accepted = AtomicU64::new(0);
    let log = Mutex::new(Vec::<Seen>::new());
    let record = |what, r: &Resp| log.lock().unwrap().push(seen(what, outage.load(Ordering::SeqCst), r));
    let sync_token = app.json("/v1/sync?limit=200")["nextSyncToken"].as_str().unwrap().to_owned();
    std::thread::scope(|s| {
        // Mixed load: reads (a delta sync, feeds and sitemaps among them),
        // GraphQL (some answers cached, some not) and beacons.
        s.spawn(|| {
            let mut n = 0;
            while !done.load(Ordering::SeqCst) {
                n += 1;
                record("article", &app.get("/v1/articles/rates-rise"));
                record("list", &app.get(&format!("/v1/articles?limit={}", 1 + n % 5)));
                record("sync", &app.get(&format!("/v1/sync?token={sync_token}&limit={}", 1 + n % 5)));
                let feed = ["/v1/feeds/rss.xml", "/v1/feeds/sections/news/feed.json", "/sitemap.xml", "/sitemap-news.xml"];
                record("feed", &app.get(feed[n % feed.len()]));
                let q = json!({ "query": "query($n: Int) { articles(first: $n) { edges { node { slug views } } } }", "variables": {"n": 1 + n % 7} });
                record("graphql", &app.post("/graphql", "application/json", &q.to_string(), &[]));
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        s.spawn(|| {
            let mut n = 0;
            while !done.load(Ordering::SeqCst) {
                if !beacons_paused.load(Ordering::SeqCst) {
                    n += 1;
                    let r = view(&app, &format!("outage-reader-{n:06}"));
                    if r.status == 202 {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    record("view", &r);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        std::thread::sleep(Duration::from_secs(2));
        // Let the last flush pass, read the article once more: a cached read.
        beacons_paused.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(1_300));
        assert_eq!(app.get("/v1/articles/oil-jumps").status, 200);

        cluster.stop();
        outage.store(true, Ordering::SeqCst);
        let stopped = Instant::now();
        let r = app.get("/v1/articles/oil-jumps");
        assert_eq!(r.status, 200, "a cached read during the outage: {}", r.text);
        beacons_paused.store(false, Ordering::SeqCst);
        let to_unready = eventually(Duration::from_secs(2), "/readyz 503", || app.get("/readyz").status == 503);
        let r = app.get("/readyz");
        assert!(r.header("retry-after").is_some(), "{:?}", r.headers);
        while stopped.elapsed() < Duration::from_secs(10) {
            assert_eq!(app.get("/healthz").status, 200, "the process keeps serving");
            std::thread::sleep(Duration::from_millis(200));
        }
        let metrics = app.get("/metrics").text;
        cluster.resume();
        let resumed = Instant::now();
        let to_ready = eventually(Duration::from_secs(5), "/readyz 200", || app.get("/readyz").status == 200);
        outage.store(false, Ordering::SeqCst);
        eprintln!("outage: /readyz 503 after {to_unready:?}, 200 again {to_ready:?} after the database was back");
        std::thread::sleep(Duration::from_secs(2));
        done.store(true, Ordering::SeqCst);
        let failing: u64 = metrics
            .lines()
            .filter(|l| l.starts_with("newsdesk_worker_errors_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum();
        assert!(failing > 0, "worker failures are counted: {metrics}");
        assert!(resumed.elapsed() < Duration::from_secs(10));
    });

    let log = log.into_inner().unwrap();
    let during: Vec<&Seen> = log.iter().filter(|s| s.outage).collect();
    for s in &log {
        assert!(matches!(s.status, 200 | 202 | 503), "{s:?}");
        if s.status == 503 {
            assert!(s.retry_after && s.problem, "a 503 says when to retry, as a problem: {s:?}");
        }
        assert!(s.graphql_codes.iter().all(|c| c == "UNAVAILABLE"), "{s:?}");
        assert!(s.graphql_codes.is_empty() || s.retry_after, "GraphQL says when to retry too: {s:?}");
    }
    assert!(during.iter().any(|s| s.status == 503 || !s.graphql_codes.is_empty()), "the outage was seen");
    let kept = during.iter().filter(|s| s.what == "view" && s.status == 202).count();
    assert!(kept > 0, "beacons are buffered during the outage");
    let refused = during.iter().filter(|s| s.status == 503).count();
    let served = during.iter().filter(|s| s.what != "view" && s.status == 200 && s.graphql_codes.is_empty()).count();
    let graphql_unavailable = during.iter().filter(|s| !s.graphql_codes.is_empty()).count();
    eprintln!(
        "outage: {} requests during it: {served} reads served, {refused} answered 503, {graphql_unavailable} GraphQL UNAVAILABLE, {kept} views kept",
        during.len()
    );
    let after: Vec<&Seen> = log.iter().rev().take(20).collect();
    assert!(after.iter().all(|s| s.status == 200 || s.status == 202), "recovered: {after:?}");
    let expected = before + accepted.load(Ordering::SeqCst) as i64;
    eventually(Duration::from_secs(10), "every accepted view written", || {
        app.json("/v1/articles/oil-jumps")["views"].as_i64() == Some(expected)
    });

    // Beacons accepted during a second outage are written at SIGTERM once the
    // database is back.
    cluster.stop();
    let mut more = 0;
    for i in 0..20 {
        let r = view(&app, &format!("late-reader-{i:06}"));
        assert_eq!(r.status, 202, "{}", r.text);
        more += 1;
    }
    cluster.resume();
    let url = app.db().url.clone();
    let (status, db) = app.shutdown("TERM");
    assert!(status.success(), "{status:?}");
    assert_eq!(stored_views(&url, "oil-jumps"), expected + more);

    // A node started while its database is down waits for it instead of exiting.
    cluster.stop();
    let started = Instant::now();
    let app = std::thread::scope(|s| {
        let node = s.spawn(|| TestApp::serve(db, &[]));
        std::thread::sleep(Duration::from_secs(3));
        cluster.resume();
        node.join().unwrap()
    });
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(app.get("/readyz").status, 200);
    assert_eq!(app.json("/v1/articles/oil-jumps")["views"].as_i64(), Some(expected + more));
}
