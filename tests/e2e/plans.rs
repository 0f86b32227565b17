//! Every article list has a plan that walks an index in the list's order and
//! stops after the page: no sort, no full scan, on both backends, at page 1 and
//! deep in the list. The data is the demo site (articles only), so the planners
//! see realistic proportions. And the lists those plans walk follow every change.

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use newsdesk_domain::Slug;
use newsdesk_domain::ports::ContentRepo;
use newsdesk_domain::query::{ArticleFilter, ArticleKey, ArticleQuery, ArticleSort, Direction};
use newsdesk_domain::service::ContentService;
use newsdesk_store::Store;
use newsdesk_store::conn::Pool;
use serde_json::Value;

use crate::editorial::{Editorial, id_of};
use crate::on_both_backends;
use crate::support::{Backend, TestApp, TestDb, cli, eventually, slugs};

/// The demo's articles with their taxonomy (no reading history: plans are about
/// the articles), its most used tag, the tag most often found with it, and its
/// most prolific author.
fn demo_db(backend: Backend, articles: usize) -> Option<(TestDb, [String; 3])> {
    let db = TestDb::new(backend)?;
    let (ok, demo, err) = cli(&db, &["demo", "--articles", &articles.to_string(), "--seed", "3"], None);
    assert!(ok, "{err}");
    let mut content = String::new();
    let mut used: HashMap<(bool, String), usize> = HashMap::new();
    let mut tag_sets: Vec<Vec<String>> = Vec::new();
    for line in String::from_utf8(demo).expect("utf-8").lines() {
        let record: Value = serde_json::from_str(line).expect("json");
        if record["kind"] == "view" {
            continue;
        }
        for (is_tag, field) in [(true, "tags"), (false, "authors")] {
            for s in record[field].as_array().into_iter().flatten() {
                *used.entry((is_tag, s.as_str().expect("slug").to_owned())).or_default() += 1;
            }
        }
        if let Some(tags) = record["tags"].as_array() {
            tag_sets.push(tags.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect());
        }
        content.push_str(line);
        content.push('\n');
    }
    let (ok, _, err) = cli(&db, &["import", "-"], Some(content.as_bytes()));
    assert!(ok, "{err}");
    let mut ranked: Vec<((bool, String), usize)> = used.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let tag = ranked.iter().find(|((t, _), _)| *t).map(|((_, s), _)| s.clone()).expect("a tag");
    let author = ranked.iter().find(|((t, _), _)| !*t).map(|((_, s), _)| s.clone()).expect("an author");
    let mut with: HashMap<&String, usize> = HashMap::new();
    for set in tag_sets.iter().filter(|set| set.contains(&tag)) {
        set.iter().filter(|t| **t != tag).for_each(|t| *with.entry(t).or_default() += 1);
    }
    let other = with.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).expect("a second tag").0.clone();
    Some((db, [tag, other, author]))
}

struct Shape {
    name: &'static str,
    filter: ArticleFilter,
    sort: ArticleSort,
    /// The index the list must walk.
    index: &'static str,
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("slug")
}

fn shapes([tag, other_tag, writer]: &[String; 3]) -> Vec<Shape> {
    let none = ArticleFilter::default;
    let section = |s: &str| ArticleFilter { section: Some(slug(s)), ..none() };
    let tags = |t: &[&String]| ArticleFilter { tags: t.iter().map(|t| slug(t)).collect(), ..none() };
    let author = || ArticleFilter { author: Some(slug(writer)), ..none() };
    let dates = || ArticleFilter {
        published_after: Some("2026-01-01T00:00:00Z".parse().expect("time")),
        published_before: Some("2026-11-20T00:00:00Z".parse().expect("time")),
        ..none()
    };
    use ArticleSort::{PublishedAtAsc as Oldest, PublishedAtDesc as Newest, ViewsDesc as Views};
    let shape = |name, filter, sort, index| Shape { name, filter, sort, index };
    vec![
        shape("newest", none(), Newest, "articles_published"),
        shape("oldest", none(), Oldest, "articles_published"),
        shape("most viewed", none(), Views, "articles_views"),
        shape("section with sub-sections", section("news"), Newest, "articles_published"),
        shape("leaf section", section("markets"), Newest, "articles_published"),
        shape("section, most viewed", section("business"), Views, "articles_views"),
        shape("tag", tags(&[tag]), Newest, "article_tags_listed"),
        shape("tag, oldest", tags(&[tag]), Oldest, "article_tags_listed"),
        shape("tag, most viewed", tags(&[tag]), Views, "article_tags_views"),
        shape("several tags", tags(&[tag, other_tag]), Newest, "article_tags_listed"),
        shape("author", author(), Newest, "article_authors_listed"),
        shape("author, most viewed", author(), Views, "article_authors_views"),
        shape(
            "author and tag",
            ArticleFilter { author: Some(slug(writer)), ..tags(&[tag]) },
            Newest,
            "article_tags_listed",
        ),
        shape("date range", dates(), Newest, "articles_published"),
        shape("date range, most viewed", dates(), Views, "articles_views"),
    ]
}

/// What no list plan may contain, per backend. Cards read their tags, authors
/// and reaction counts from their articles' rows: no plan reads the counts.
fn refused(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "TEMP B-TREE",
            "SCAN articles",
            "SCAN article_tags",
            "SCAN article_authors",
            "article_bodies",
            "article_reactions",
        ],
        Backend::Postgres => &["Sort", "Seq Scan", "article_bodies", "Materialize", "Hash", "article_reactions"],
    }
}

/// Slugs of a public list.
fn listed(e: &Editorial, query: &str) -> Vec<String> {
    slugs(&e.app.json(&format!("/v1/articles?{query}&limit=100")))
}

on_both_backends! {
    fn every_list_walks_an_index_in_order_without_sorting_or_reading_bodies(backend: Backend) {
        let Some((db, picks)) = demo_db(backend, 3_000) else { return };
        let store = Store::new(Pool::open(&db.url, 1).expect("pool"));
        let content = ContentService::new(Arc::new(store.clone()), Duration::ZERO);
        let mut failures = Vec::new();
        for shape in shapes(&picks) {
            let filter =
                content.resolve(&shape.filter, chrono::Utc::now()).expect("resolve").expect("the demo has these");
            let mut query = ArticleQuery { filter, sort: shape.sort, after: None, direction: Direction::Forward, fetch: 21 };
            // Deep in the list: after its 60th article (or its last).
            let deep = store.list_articles(&ArticleQuery { fetch: 60, ..query.clone() }).expect("list");
            assert!(deep.len() >= 10, "{}: the demo has too few articles for a deep page ({})", shape.name, deep.len());
            let last = deep.last().expect("a row");
            let key = match shape.sort {
                ArticleSort::ViewsDesc => ArticleKey::Views { v: last.views, id: last.id },
                _ => ArticleKey::PublishedAt {
                    t: last.published_at.expect("published").timestamp_micros(),
                    id: last.id,
                },
            };
            // Read forward, and backward (GraphQL's `last`/`before`) from the end.
            // Backward from a deep cursor, PostgreSQL rightly sorts the few rows
            // between it and the list's top rather than walk an index to them:
            // that range is as short as the cursor is shallow.
            let mut reads = vec![
                (Direction::Forward, "page 1", None),
                (Direction::Forward, "deep page", Some(key)),
                (Direction::Backward, "last page", None),
            ];
            if backend == Backend::Sqlite {
                reads.push((Direction::Backward, "deep page", Some(key)));
            }
            for (direction, page, after) in reads {
                query.after = after;
                query.direction = direction;
                let page = format!("{page}, {direction:?}");
                let plan = store.explain_list(&query).expect("explain").join("\n");
                let bad: Vec<&&str> = refused(backend).iter().filter(|r| plan.contains(**r)).collect();
                let missing: Vec<&str> = [shape.index].into_iter().filter(|i| !plan.contains(i)).collect();
                if !bad.is_empty() || !missing.is_empty() {
                    failures.push(format!("{} ({page}): missing {missing:?}, refused {bad:?}:\n{plan}", shape.name));
                }
            }
        }
        assert!(failures.is_empty(), "{} of the list plans are wrong:\n\n{}", failures.len(), failures.join("\n\n"));
    }

    fn a_page_of_any_list_is_one_statement(backend: Backend) {
        // Cards carry their tag and author ids and reaction counts, and the
        // names (and a filter's slugs) come from memory once seen: a page costs
        // its one statement whatever its size and filter.
        let Some((db, [tag, other, author])) = demo_db(backend, 300) else { return };
        let app = TestApp::serve(db, &["--read-cache-ms", "0"]);
        let filters = ["", "sort=-views", "section=news", &format!("tag={tag}"), &format!("tag={tag}&tag={other}&sort=-views"), &format!("author={author}&tag={tag}")];
        for q in filters {
            let path = format!("/v1/articles?limit=50&{q}");
            let first = app.json(&path);
            assert!(!first["data"].as_array().expect("data").is_empty(), "{q}: {first}");
            assert!(first["data"][0]["tags"].as_array().is_some_and(|t| !t.is_empty()), "{q}: {first}");
            // A background statement (or the names expiring on a slow
            // machine) can add to one attempt, never take away: the least of three.
            let cost = (0..3)
                .map(|_| {
                    let before = app.queries();
                    assert_eq!(app.json(&path), first, "{q}");
                    app.queries() - before
                })
                .min();
            assert_eq!(cost, Some(1), "statements for a page of {q:?}");
        }
    }

    fn tag_and_author_lists_follow_every_change_of_their_articles(backend: Backend) {
        // Lists by tag and author walk the link tables, which repeat each
        // article's publication time and views: every change must reach them.
        let Some(e) = Editorial::start(backend, &["--read-cache-ms", "0", "--flush-ms", "100"]) else { return };
        let a = e.create("linked");
        let id = id_of(&a);
        for q in ["tag=rates", "author=ana-lee", "tag=rates&tag=energy"] {
            assert!(!listed(&e, q).contains(&"linked".to_owned()), "a draft is not listed: {q}");
        }
        assert_eq!(e.action(&id, "publish", None).status, 200);
        for q in ["tag=rates", "author=ana-lee", "tag=rates&tag=energy", "tag=energy&author=ana-lee"] {
            assert_eq!(listed(&e, q).first().map(String::as_str), Some("linked"), "published now, newest: {q}");
        }
        // Views reach the views order of the tag's list.
        let body = |s: &str| serde_json::json!({ "sessionId": s }).to_string();
        for i in 0..120 {
            let r = e.app.post("/v1/articles/linked/views", "application/json", &body(&format!("reader-{i:04}")), &[("user-agent", BROWSER)]);
            assert_eq!(r.status, 202, "{}", r.text);
        }
        // The views order of the tag's and the author's lists (kept in their
        // link tables) follows: counted views show, and the order holds.
        let by_views = |q: &str| -> Vec<(String, i64)> {
            let v = e.app.json(&format!("/v1/articles?{q}&sort=-views&limit=100"));
            v["data"].as_array().expect("data").iter().map(|a| (a["slug"].as_str().expect("slug").to_owned(), a["views"].as_i64().expect("views"))).collect()
        };
        eventually(Duration::from_secs(5), "the views counted", || by_views("tag=rates").contains(&("linked".to_owned(), 120)));
        for q in ["tag=rates", "author=ana-lee", "tag=rates&tag=energy"] {
            let list = by_views(q);
            assert!(list.contains(&("linked".to_owned(), 120)), "{q}: {list:?}");
            assert!(list.windows(2).all(|w| w[0].1 >= w[1].1), "{q}: {list:?}");
        }
        // Re-tagged: out of the old tag's lists, in the new one's.
        let r = e.call("PATCH", &format!("/v1/admin/articles/{id}"), &e.write, Some(serde_json::json!({"tags": ["ai"], "version": 2})));
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!listed(&e, "tag=rates").contains(&"linked".to_owned()));
        assert_eq!(listed(&e, "tag=ai").first().map(String::as_str), Some("linked"));
        // Unpublished, archived, deleted: listed nowhere.
        assert_eq!(e.action(&id, "unpublish", None).status, 200);
        for q in ["tag=ai", "author=ana-lee", "tag=ai&sort=-views", "tag=ai&sort=publishedAt"] {
            assert!(!listed(&e, q).contains(&"linked".to_owned()), "unpublished: {q}");
        }
        assert_eq!(e.action(&id, "publish", None).status, 200);
        assert_eq!(listed(&e, "tag=ai").first().map(String::as_str), Some("linked"));
        assert_eq!(e.call("DELETE", &format!("/v1/admin/articles/{id}"), &e.write, None).status, 204);
        assert!(!listed(&e, "tag=ai").contains(&"linked".to_owned()));
    }
}
