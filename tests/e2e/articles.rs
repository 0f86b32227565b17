//! GET /v1/articles and /v1/articles/{slug}.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use crate::on_both_backends;
use crate::support::fixtures::{Site, VISIBLE_NEWEST_FIRST};
use crate::support::{Backend, TestApp, eventually, slugs};

fn app(backend: Backend) -> TestApp {
    TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend")
}

/// The slugs of a one-page list, checking that its `totalCount` counts them.
fn listed(app: &TestApp, path: &str) -> Vec<String> {
    let v = app.json(path);
    assert!(v["nextCursor"].is_null(), "{path}: more than one page");
    let slugs = slugs(&v);
    assert_eq!(v["totalCount"], slugs.len(), "{path}");
    slugs
}

/// Follow `nextCursor` to the end, checking the Link header on the way and
/// that every page's `totalCount` is the length of the whole list.
fn walk(app: &TestApp, query: &str) -> Vec<String> {
    let mut totals = Vec::new();
    let out = walk_pages(app, query, &mut totals);
    assert!(totals.iter().all(|t| *t == out.len() as u64), "{query}: totals {totals:?} for {}", out.len());
    out
}

fn walk_pages(app: &TestApp, query: &str, totals: &mut Vec<u64>) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = format!("/v1/articles?{query}");
    for _ in 0..100 {
        let r = app.get(&path);
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        totals.push(v["totalCount"].as_u64().expect("totalCount"));
        out.extend(slugs(&v));
        match v["nextCursor"].as_str() {
            Some(c) => {
                let link = r.header("link").expect("Link header on a page with more");
                assert!(link.contains("rel=\"next\"") && link.contains("cursor="), "{link}");
                path = format!("/v1/articles?{query}&cursor={c}");
            }
            None => {
                assert!(r.header("link").is_none());
                return out;
            }
        }
    }
    panic!("pagination did not end");
}

on_both_backends! {
    fn lists_only_published_newest_first(backend: Backend) {
        let app = app(backend);
        let v = app.json("/v1/articles");
        assert_eq!(slugs(&v), VISIBLE_NEWEST_FIRST);
        assert!(v["nextCursor"].is_null());
        let first = &v["data"][0];
        assert!(first.get("body").is_none(), "lists carry no body");
        assert_eq!(first["status"], "published");
        assert_eq!(first["section"]["path"][0]["slug"], "news");
        assert_eq!(first["publishedAt"], "2026-01-06T00:00:00Z");
        for hidden in ["draft-piece", "scheduled-piece", "future-published", "archived-piece"] {
            assert!(!slugs(&v).contains(&hidden.to_owned()));
            app.get(&format!("/v1/articles/{hidden}")).assert_problem(404, None);
        }
    }

    fn sorts(backend: Backend) {
        let app = app(backend);
        let mut oldest = VISIBLE_NEWEST_FIRST.to_vec();
        oldest.reverse();
        assert_eq!(slugs(&app.json("/v1/articles?sort=publishedAt")), oldest);
        assert_eq!(slugs(&app.json("/v1/articles?sort=-publishedAt")), VISIBLE_NEWEST_FIRST);
        // Views desc, ties broken by newest id first.
        assert_eq!(
            slugs(&app.json("/v1/articles?sort=-views")),
            ["oil-jumps", "chip-boom", "summit-opens", "rates-rise", "vote-count", "same-time-b", "same-time-a"]
        );
    }

    fn filters(backend: Backend) {
        let app = app(backend);
        // A section includes its sub-sections.
        assert_eq!(listed(&app, "/v1/articles?section=news"), ["same-time-b", "same-time-a", "summit-opens", "vote-count"]);
        assert_eq!(listed(&app, "/v1/articles?section=world"), ["summit-opens"]);
        assert_eq!(listed(&app, "/v1/articles?section=business"), ["chip-boom", "oil-jumps", "rates-rise"]);
        assert_eq!(listed(&app, "/v1/articles?tag=rates"), ["chip-boom", "oil-jumps", "rates-rise"]);
        // Several tags: all must match.
        assert_eq!(listed(&app, "/v1/articles?tag=rates&tag=energy"), ["oil-jumps"]);
        assert_eq!(listed(&app, "/v1/articles?tag=rates&tag=elections"), Vec::<String>::new());
        assert_eq!(listed(&app, "/v1/articles?author=ben-okafor&section=news"), ["same-time-b", "same-time-a", "summit-opens"]);
        assert_eq!(
            listed(&app, "/v1/articles?publishedAfter=2026-01-03T08:00:00Z&publishedBefore=2026-01-05T08:00:00Z"),
            ["summit-opens", "vote-count"]
        );
        assert_eq!(listed(&app, "/v1/articles?publishedAfter=2026-01-04T09:00:00%2B01:00"), ["same-time-b", "same-time-a", "chip-boom", "summit-opens"]);
        // Unknown slugs match nothing.
        for q in ["tag=nope", "section=nope", "author=nope"] {
            assert_eq!(listed(&app, &format!("/v1/articles?{q}")), Vec::<String>::new(), "{q}");
        }
    }

    fn pages_through_every_sort_without_gaps(backend: Backend) {
        let app = app(backend);
        for sort in ["-publishedAt", "publishedAt", "-views"] {
            let all = slugs(&app.json(&format!("/v1/articles?sort={sort}&limit=100")));
            for limit in [1, 2, 3] {
                let paged = walk(&app, &format!("sort={sort}&limit={limit}"));
                assert_eq!(paged, all, "sort {sort}, limit {limit}");
                assert_eq!(paged.iter().collect::<HashSet<_>>().len(), paged.len());
            }
        }
        assert_eq!(walk(&app, "tag=rates&limit=2"), ["chip-boom", "oil-jumps", "rates-rise"]);
    }

    fn one_article_with_everything(backend: Backend) {
        let app = app(backend);
        let a = app.json("/v1/articles/summit-opens");
        assert_eq!(a["slug"], "summit-opens");
        assert_eq!(a["title"], "Title of summit-opens");
        assert_eq!(a["section"]["slug"], "world");
        let path: Vec<&str> = a["section"]["path"].as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap()).collect();
        assert_eq!(path, ["news", "world"]);
        let tags: Vec<&str> = a["tags"].as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap()).collect();
        assert_eq!(tags, ["elections", "energy"]);
        let authors: Vec<&str> = a["authors"].as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap()).collect();
        assert_eq!(authors, ["ben-okafor", "ana-lee"]);
        assert_eq!(a["views"], 300);
        // Every configured kind, in the configured order, zero counts included.
        assert_eq!(
            a["reactions"],
            serde_json::json!([
                {"kind": "like", "count": 30},
                {"kind": "very-good", "count": 3},
                {"kind": "sad", "count": 0},
                {"kind": "angry", "count": 0},
                {"kind": "surprised", "count": 0}
            ])
        );
        let types: Vec<&str> = a["body"].as_array().unwrap().iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["paragraph", "heading", "link_list", "quote", "image", "embed"]);
        assert_eq!(a["body"][0]["spans"][1]["marks"][0], "bold");
        assert_eq!(a["body"][0]["spans"][3]["article"], "rates-rise");
        assert_eq!(a["body"][2]["items"][0]["article"], "rates-rise");
        assert_eq!(a["heroImage"]["src"], "https://img.example.org/hero.jpg");
        assert!(a["readingTimeMinutes"].as_i64().unwrap() >= 1);
        assert_eq!(a["version"], 1);
        assert!(a["updatedAt"].as_str().unwrap().ends_with('Z'));
    }

    /// `fields=` keeps only the named fields of every article a read returns,
    /// on every such route; anything else about the answer is unchanged.
    fn sparse_fields_on_every_read_that_returns_articles(backend: Backend) {
        let app = app(backend);
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
            k.sort();
            k
        };
        let side_box = "fields=slug,title,section.name,heroImage";
        let list = app.json(&format!("/v1/articles?limit=3&{side_box}"));
        assert_eq!(list["totalCount"], VISIBLE_NEWEST_FIRST.len());
        assert!(list["nextCursor"].is_string());
        for a in list["data"].as_array().unwrap() {
            assert_eq!(keys(a), ["heroImage", "section", "slug", "title"]);
            assert_eq!(keys(&a["section"]), ["name"]);
        }
        // The next page keeps the fields (the Link header repeats the query); a
        // sparse answer says so in its media type, which the document describes.
        let r = app.get(&format!("/v1/articles?limit=3&{side_box}"));
        assert!(r.header("link").is_some_and(|l| l.contains("fields=")), "{:?}", r.header("link"));
        assert_eq!(r.header("content-type"), Some("application/vnd.newsdesk.sparse+json"));
        assert_eq!(app.get("/v1/articles?limit=3").header("content-type"), Some("application/json"));
        let page = app.json("/v1/articles/summit-opens?fields=title,body,tags.slug");
        assert_eq!(keys(&page), ["body", "tags", "title"]);
        assert!(page["tags"].as_array().unwrap().iter().all(|t| keys(t) == ["slug"]));
        // A read puts the article in the ranking.
        let beacon = app.post("/v1/articles/summit-opens/views", "application/json", r#"{"sessionId":"reader-0001"}"#, &[]);
        assert_eq!(beacon.status, 202);
        eventually(Duration::from_secs(15), "a ranked article", || {
            app.json("/v1/rankings/most-read?window=1h")["data"].as_array().is_some_and(|d| !d.is_empty())
        });
        for (path, at_article) in [
            ("/v1/articles/summit-opens/related?limit=3&fields=slug", false),
            ("/v1/rankings/most-read?window=1h&fields=slug", true),
            ("/v1/recommendations?fields=slug", true),
            ("/v1/search?q=rates&fields=slug", true),
        ] {
            let r = app.get(path);
            assert_eq!(r.header("content-type"), Some("application/vnd.newsdesk.sparse+json"), "{path}");
            let v = r.json();
            let items = v["data"].as_array().unwrap();
            assert!(!items.is_empty(), "{path}: {v}");
            for item in items {
                let article = if at_article { &item["article"] } else { item };
                assert_eq!(keys(article), ["slug"], "{path}");
            }
        }
        // Unknown names, and the body on a card route, are named.
        for (path, name) in [
            ("/v1/articles?fields=slug,nope", "nope"),
            ("/v1/articles?fields=body", "body"),
            ("/v1/articles/summit-opens?fields=section.nope", "section.nope"),
            ("/v1/search?q=rates&fields=", "fields"),
            ("/v1/rankings/most-read?fields=slug,,title", "empty"),
        ] {
            let r = app.get(path);
            r.assert_problem(400, Some("fields"));
            assert!(r.text.contains(name), "{path}: {}", r.text);
        }
    }

    fn bad_parameters_are_named(backend: Backend) {
        let app = app(backend);
        let cases = [
            ("limt=5", "limt"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=abc", "limit"),
            ("limit=1&limit=2", "limit"),
            ("cursor=garbage", "cursor"),
            ("publishedAfter=yesterday", "publishedAfter"),
            ("publishedBefore=2026-13-01", "publishedBefore"),
            ("sort=views", "sort"),
            ("section=Not%20A%20Slug", "section"),
            ("tag=ok&tag=BAD!", "tag[1]"),
            ("section=", "section"),
            ("publishedAfter=", "publishedAfter"),
        ];
        for (q, field) in cases {
            app.get(&format!("/v1/articles?{q}")).assert_problem(400, Some(field));
        }
        // A cursor of one sort is refused by another.
        let v = app.json("/v1/articles?limit=1&sort=-views");
        let c = v["nextCursor"].as_str().unwrap();
        app.get(&format!("/v1/articles?cursor={c}")).assert_problem(400, Some("cursor"));
        // Several bad parameters are all reported.
        let r = app.get("/v1/articles?limit=0&sort=x");
        r.assert_problem(400, Some("limit"));
        r.assert_problem(400, Some("sort"));
        app.get("/v1/articles/no-such-article").assert_problem(404, None);
        app.get("/v1/articles/rates-rise?x=1").assert_problem(400, Some("x"));
        app.get("/v1/nowhere").assert_problem(404, None);
    }
}
