//! Sections, tags and authors.

use serde_json::json;

use crate::on_both_backends;
use crate::support::fixtures::Site;
use crate::support::{Backend, TestApp, slugs, without_ids};

fn app(backend: Backend) -> TestApp {
    TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend")
}

on_both_backends! {
    fn section_tree_with_counts(backend: Backend) {
        let app = app(backend);
        let v = app.json("/v1/sections");
        let expected = json!([
            {"slug": "business", "name": "Business", "articleCount": 3,
             "path": [{"slug": "business", "name": "Business"}],
             "children": [{"slug": "invest", "name": "Invest", "articleCount": 1,
                           "path": [{"slug": "business", "name": "Business"}, {"slug": "invest", "name": "Invest"}], "children": []}]},
            {"slug": "news", "name": "News", "articleCount": 4,
             "path": [{"slug": "news", "name": "News"}],
             "children": [
                {"slug": "politics", "name": "Politics", "articleCount": 1,
                 "path": [{"slug": "news", "name": "News"}, {"slug": "politics", "name": "Politics"}], "children": []},
                {"slug": "world", "name": "World", "articleCount": 1,
                 "path": [{"slug": "news", "name": "News"}, {"slug": "world", "name": "World"}], "children": []}]}
        ]);
        assert_eq!(without_ids(&v["data"]), expected);
        let world = app.json("/v1/sections/world");
        assert_eq!(without_ids(&world), expected[1]["children"][1]);
        app.get("/v1/sections/nope").assert_problem(404, None);
        app.get("/v1/sections?limit=1").assert_problem(400, Some("limit"));
    }

    fn tags_with_counts_and_paging(backend: Backend) {
        let app = app(backend);
        let v = app.json("/v1/tags");
        assert_eq!(slugs(&v), ["ai", "elections", "energy", "rates", "unused"]);
        let counts: Vec<i64> = v["data"].as_array().unwrap().iter().map(|t| t["articleCount"].as_i64().unwrap()).collect();
        assert_eq!(counts, [1, 2, 2, 3, 0]);
        let p1 = app.json("/v1/tags?limit=2");
        assert_eq!(slugs(&p1), ["ai", "elections"]);
        let c = p1["nextCursor"].as_str().unwrap();
        let p2 = app.json(&format!("/v1/tags?limit=2&cursor={c}"));
        assert_eq!(slugs(&p2), ["energy", "rates"]);
        let p3 = app.json(&format!("/v1/tags?limit=2&cursor={}", p2["nextCursor"].as_str().unwrap()));
        assert_eq!(slugs(&p3), ["unused"]);
        assert!(p3["nextCursor"].is_null());
        assert_eq!(without_ids(&app.json("/v1/tags/rates")), json!({"slug": "rates", "name": "Rates", "articleCount": 3}));
        app.get("/v1/tags/nope").assert_problem(404, None);
        app.get("/v1/tags?limit=500").assert_problem(400, Some("limit"));
        app.get("/v1/tags?cursor=%%%").assert_problem(400, Some("cursor"));
    }

    fn authors_with_counts(backend: Backend) {
        let app = app(backend);
        let v = app.json("/v1/authors");
        assert_eq!(
            without_ids(&v["data"]),
            json!([
                {"slug": "ana-lee", "name": "Ana Lee", "bio": "Economics", "articleCount": 4},
                {"slug": "ben-okafor", "name": "Ben Okafor", "bio": null, "articleCount": 4}
            ])
        );
        assert_eq!(app.json("/v1/authors/ben-okafor")["articleCount"], 4);
        let p1 = app.json("/v1/authors?limit=1");
        assert_eq!(slugs(&p1), ["ana-lee"]);
        let p2 = app.json(&format!("/v1/authors?limit=1&cursor={}", p1["nextCursor"].as_str().unwrap()));
        assert_eq!(slugs(&p2), ["ben-okafor"]);
        app.get("/v1/authors/nope").assert_problem(404, None);
        app.get("/v1/authors?sort=name").assert_problem(400, Some("sort"));
    }
}
