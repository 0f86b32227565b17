//! Process life: health, readiness, metrics, demo start-up and clean shutdown.

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

on_both_backends! {
    fn health_readiness_metrics(backend: Backend) {
        let app = TestApp::spawn(backend).expect("backend");
        let r = app.get("/healthz");
        assert_eq!((r.status, r.text.as_str()), (200, "ok"));
        assert_eq!(app.get("/readyz").status, 200);
        let m = app.get("/metrics");
        assert_eq!(m.status, 200);
        assert!(m.text.contains("newsdesk_http_requests_total"));
        assert!(app.queries() > 0);
        if backend == Backend::Postgres {
            app.db().drop_now();
            let r = app.get("/readyz");
            r.assert_problem(503, None);
            assert_eq!(app.get("/healthz").status, 200);
        }
    }

    fn demo_fills_an_empty_database_and_restarts_fast(backend: Backend) {
        let app = TestApp::spawn_with(backend, &["--demo"]).expect("backend");
        let sections = app.json("/v1/sections");
        assert!(sections["data"].as_array().unwrap().len() >= 4);
        let total: i64 = sections["data"].as_array().unwrap().iter().map(|s| s["articleCount"].as_i64().unwrap()).sum();
        assert!((1_800..=2_000).contains(&total), "{total} published demo articles");
        let tags = app.json("/v1/tags?limit=100");
        assert_eq!(tags["data"].as_array().unwrap().len(), 100);
        assert!(app.json("/v1/authors?limit=100")["data"].as_array().unwrap().len() >= 20);
        // The README's example article.
        assert_eq!(app.json("/v1/articles/inside-the-push-over-agents-0")["section"]["slug"], "ai");
        let first = app.json("/v1/articles?limit=1");
        let slug = first["data"][0]["slug"].as_str().unwrap().to_owned();
        let article = app.json(&format!("/v1/articles/{slug}"));
        assert!(article["body"].as_array().unwrap().len() > 3);
        // SIGTERM stops cleanly; a restart finds the data and does not load it again.
        let (status, db) = app.shutdown("TERM");
        assert!(status.success(), "{status:?}");
        let started = std::time::Instant::now();
        let again = TestApp::serve(db, &["--demo"]);
        assert!(started.elapsed().as_secs_f64() < 5.0, "restart took {:?}", started.elapsed());
        assert_eq!(again.json(&format!("/v1/articles/{slug}"))["slug"], slug.as_str());
        let total_again: i64 =
            again.json("/v1/sections")["data"].as_array().unwrap().iter().map(|s| s["articleCount"].as_i64().unwrap()).sum();
        assert_eq!(total_again, total);
    }
}

#[test]
fn sigint_exits_cleanly() {
    let mut app = TestApp::spawn(Backend::Sqlite).expect("sqlite");
    assert_eq!(app.get("/healthz").status, 200);
    let status = app.stop("INT");
    assert!(status.success(), "{status:?}");
}
