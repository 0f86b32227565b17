//! HTTP behaviour for browser frontends: ETags, caching, request ids, CORS, compression.

use crate::on_both_backends;
use crate::support::fixtures::Site;
use crate::support::{Backend, TestApp};

on_both_backends! {
    fn etag_and_conditional_get(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        for path in ["/v1/articles", "/v1/articles/oil-jumps", "/v1/sections", "/v1/sections/news", "/v1/tags", "/v1/tags/rates", "/v1/authors", "/v1/authors/ana-lee"] {
            let r = app.get(path);
            assert_eq!(r.status, 200, "{path}");
            let etag = r.header("etag").unwrap_or_else(|| panic!("{path} has no ETag")).to_owned();
            assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong ETag: {etag}");
            assert!(r.header("cache-control").unwrap().contains("max-age"), "{path}");
            let again = app.get_with(path, &[("if-none-match", &etag)]);
            assert_eq!(again.status, 304, "{path}");
            assert!(again.text.is_empty());
            assert_eq!(again.header("etag"), Some(etag.as_str()));
            let other = app.get_with(path, &[("if-none-match", "\"something-else\"")]);
            assert_eq!(other.status, 200);
        }
        // Different content, different tag.
        assert_ne!(app.get("/v1/articles?limit=1").header("etag"), app.get("/v1/articles?limit=2").header("etag"));
        // Errors are not cached.
        assert_eq!(app.get("/v1/articles/nope").header("cache-control"), Some("no-store"));
    }

    fn concurrent_requests_for_an_uncached_page_build_it_once(backend: Backend) {
        // Requests that arrive together for a page nobody has stored yet (a new
        // URL, or any after a publish) wait for the first one to build it.
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        const READERS: usize = 8;
        // A background statement can add to one attempt, never take away: the least of five.
        let cost = (0..5)
            .map(|i| {
                let path = format!("/v1/sync?limit={}", 150 + i);
                let before = app.queries();
                let barrier = std::sync::Barrier::new(READERS);
                let answers: Vec<(u16, String)> = std::thread::scope(|s| {
                    let handles: Vec<_> = (0..READERS)
                        .map(|_| {
                            s.spawn(|| {
                                barrier.wait();
                                let r = app.get(&path);
                                (r.status, r.text)
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().expect("reader")).collect()
                });
                assert!(answers.iter().all(|a| a.0 == 200 && a.1 == answers[0].1), "{path}: one answer for all");
                app.queries() - before
            })
            .min()
            .expect("attempts");
        // One build: the sync's clock, its page and the page's articles, not
        // those statements once per reader.
        let alone = {
            let before = app.queries();
            assert_eq!(app.get("/v1/sync?limit=149").status, 200);
            app.queries() - before
        };
        assert!(cost <= alone + 1, "{READERS} concurrent readers cost {cost} statements, one build {alone}");
    }

    fn request_ids_cors_and_compression(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        let r = app.get_with("/v1/articles", &[("x-request-id", "abc-123")]);
        assert_eq!(r.header("x-request-id"), Some("abc-123"));
        let a = app.get("/v1/articles").header("x-request-id").unwrap().to_owned();
        let b = app.get("/v1/articles").header("x-request-id").unwrap().to_owned();
        assert!(!a.is_empty() && a != b);
        // CORS: any origin by default, preflight answered.
        let r = app.get_with("/v1/articles", &[("origin", "https://frontend.example")]);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://frontend.example"));
        let exposed = r.header("access-control-expose-headers").unwrap().to_owned();
        for h in ["etag", "retry-after", "ratelimit-remaining"] {
            assert!(exposed.contains(h), "{h} in {exposed}");
        }
        // Compression as the client asks.
        let plain = app.get("/v1/articles?limit=100");
        assert!(plain.header("content-encoding").is_none());
        for (enc, name) in [("gzip", "gzip"), ("br", "br")] {
            let r = app.get_with("/v1/articles?limit=100", &[("accept-encoding", enc)]);
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-encoding"), Some(name));
        }
    }
}

#[test]
fn cors_origins_are_configurable() {
    let app = TestApp::spawn_with(Backend::Sqlite, &["--cors-origins", "https://a.example"]).expect("sqlite");
    let ok = app.get_with("/healthz", &[("origin", "https://a.example")]);
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://a.example"));
    let other = app.get_with("/healthz", &[("origin", "https://b.example")]);
    assert!(other.header("access-control-allow-origin").is_none());
}
