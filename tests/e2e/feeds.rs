//! RSS 2.0 and JSON Feed 1.1 feeds, sitemaps and the Google News sitemap: what
//! they list, where they link, their HTTP caching, and their validity (checked
//! by `tests/client/feeds.mjs` with maintained validators).

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::editorial::{Editorial, id_of};
use crate::on_both_backends;
use crate::support::{Backend, TestApp};

const SITE: [&str; 8] = [
    "--site-url",
    "https://news.example.com/",
    "--site-title",
    "The Daily <Planet> & Co",
    "--article-url",
    "{site}/{section}/{slug}",
    "--site-language",
    "en",
];

/// Validate `docs` (file name, contents) with the feed check of `tests/client`;
/// skipped (unless `TEST_REQUIRE_CLIENT`) without its packages.
fn validate(docs: &[(&str, String)]) {
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    if !client.join("node_modules").exists() {
        assert!(
            std::env::var_os("TEST_REQUIRE_CLIENT").is_none(),
            "TEST_REQUIRE_CLIENT is set but tests/client has no node_modules"
        );
        eprintln!("feeds: no node_modules in tests/client, documents not validated");
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("newsdesk-feeds-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, contents) in docs {
        std::fs::write(dir.join(name), contents).unwrap();
    }
    let out = Command::new("node").arg("feeds.mjs").arg(&dir).current_dir(&client).output().expect("node");
    let _ = std::fs::remove_dir_all(&dir);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "invalid feed or sitemap:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("\"checked\":{}", docs.len())), "{stdout}");
}

fn document(app: &TestApp, path: &str, content_type: &str) -> String {
    let r = app.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    assert_eq!(r.header("content-type"), Some(content_type), "{path}");
    r.text
}

fn items(feed: &Value) -> Vec<&Value> {
    feed["items"].as_array().expect("items").iter().collect()
}

on_both_backends! {
    fn feeds_list_the_newest_articles_with_links_to_the_site(backend: Backend) {
        let Some(e) = Editorial::start(backend, &SITE) else { return };
        let app = &e.app;
        // The site's feed: the newest published articles, as the list has them.
        let feed: Value = serde_json::from_str(&document(app, "/v1/feeds/feed.json", "application/feed+json")).unwrap();
        let listed: Vec<String> = app.json("/v1/articles?limit=20")["data"].as_array().unwrap().iter().map(id_of).collect();
        assert_eq!(items(&feed).iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>(), listed);
        assert_eq!(feed["title"], "The Daily <Planet> & Co");
        assert_eq!(feed["home_page_url"], "https://news.example.com/");
        let chip = items(&feed).into_iter().find(|i| i["title"] == "Title of chip-boom").expect("chip-boom").clone();
        assert_eq!(chip["url"], "https://news.example.com/business/chip-boom");
        assert_eq!(chip["tags"], json!(["Business", "AI", "Rates"]));
        assert_eq!(chip["authors"], json!([{"name": "Ana Lee"}]));
        assert_eq!(chip["date_published"], "2026-01-05T08:00:00Z");
        assert_eq!(chip["image"], "https://img.example.org/hero.jpg");
        // RSS carries the same, escaped.
        let rss = document(app, "/v1/feeds/rss.xml", "application/rss+xml; charset=utf-8");
        assert!(rss.contains("<title>The Daily &lt;Planet&gt; &amp; Co</title>"), "{rss}");
        assert!(rss.contains("<link>https://news.example.com/business/chip-boom</link>"));
        assert!(rss.contains("<pubDate>Mon, 5 Jan 2026 08:00:00 +0000</pubDate>"), "{rss}");
        assert!(rss.contains("<enclosure url=\"https://img.example.org/hero.jpg\" length=\"0\" type=\"image/jpeg\"/>"));
        assert!(rss.contains("<dc:creator>Ana Lee</dc:creator>") && rss.contains("<category>AI</category>"));
        assert_eq!(rss.matches("<item>").count(), listed.len());
        // A section's feed has its sub-sections; tags and authors have theirs.
        let scoped = |path: &str| -> Vec<String> {
            let f: Value = serde_json::from_str(&document(app, path, "application/feed+json")).unwrap();
            items(&f).iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        let ids = |q: &str| -> Vec<String> { app.json(&format!("/v1/articles?limit=20&{q}"))["data"].as_array().unwrap().iter().map(id_of).collect() };
        assert_eq!(scoped("/v1/feeds/sections/news/feed.json"), ids("section=news"));
        assert!(scoped("/v1/feeds/sections/news/feed.json").len() >= 4, "world and politics are under news");
        assert_eq!(scoped("/v1/feeds/tags/energy/feed.json"), ids("tag=energy"));
        assert_eq!(scoped("/v1/feeds/authors/ben-okafor/feed.json"), ids("author=ben-okafor"));
        for missing in ["/v1/feeds/tags/nope/rss.xml", "/v1/feeds/sections/nope/feed.json", "/v1/feeds/colours/red/rss.xml", "/v1/feeds/tags/Bad_Slug/rss.xml"] {
            app.get(missing).assert_problem(404, None);
        }
        // Cached and revalidated like every public read.
        let r = app.get("/v1/feeds/tags/energy/rss.xml");
        assert!(r.header("cache-control").is_some_and(|c| c.starts_with("public")), "{:?}", r.header("cache-control"));
        let etag = r.header("etag").unwrap().to_owned();
        assert_eq!(app.get_with("/v1/feeds/tags/energy/rss.xml", &[("if-none-match", &etag)]).status, 304);
        // A new article leads the feeds at once.
        let id = id_of(&e.create("breaking"));
        assert_eq!(e.action(&id, "publish", None).status, 200);
        let feed: Value = serde_json::from_str(&document(app, "/v1/feeds/feed.json", "application/feed+json")).unwrap();
        assert_eq!(items(&feed)[0]["url"], "https://news.example.com/invest/breaking");
        assert_ne!(app.get_with("/v1/feeds/tags/energy/rss.xml", &[("if-none-match", &etag)]).status, 304);

        let mut docs = vec![("site.rss.xml", document(app, "/v1/feeds/rss.xml", "application/rss+xml; charset=utf-8"))];
        for (name, path) in [("section.rss.xml", "/v1/feeds/sections/news/rss.xml"), ("tag.rss.xml", "/v1/feeds/tags/rates/rss.xml"), ("author.rss.xml", "/v1/feeds/authors/ana-lee/rss.xml")] {
            docs.push((name, document(app, path, "application/rss+xml; charset=utf-8")));
        }
        for (name, path) in [("site.feed.json", "/v1/feeds/feed.json"), ("section.feed.json", "/v1/feeds/sections/business/feed.json"), ("tag.feed.json", "/v1/feeds/tags/ai/feed.json"), ("author.feed.json", "/v1/feeds/authors/ben-okafor/feed.json")] {
            docs.push((name, document(app, path, "application/feed+json")));
        }
        validate(&docs);
    }

    fn sitemaps_list_every_published_article_and_the_last_two_days_news(backend: Backend) {
        let Some(e) = Editorial::start(backend, &SITE) else { return };
        let app = &e.app;
        // Nothing of the standard site is recent: an empty news sitemap.
        let news = document(app, "/sitemap-news.xml", "application/xml; charset=utf-8");
        assert_eq!(news.matches("<url>").count(), 0, "{news}");
        let id = id_of(&e.create("fresh-news"));
        assert_eq!(e.action(&id, "publish", None).status, 200);
        let draft = id_of(&e.create("unpublished-news"));
        let news = document(app, "/sitemap-news.xml", "application/xml; charset=utf-8");
        assert_eq!(news.matches("<url>").count(), 1, "{news}");
        assert!(news.contains("<loc>https://news.example.com/invest/fresh-news</loc>"));
        assert!(news.contains("<news:name>The Daily &lt;Planet&gt; &amp; Co</news:name><news:language>en</news:language>"));
        assert!(news.contains("<news:title>Title of fresh-news</news:title>"));
        assert!(!news.contains("unpublished-news") && !draft.is_empty());
        // The index names one sitemap (ids 1 to 50,000); it lists every published article.
        let index = document(app, "/sitemap.xml", "application/xml; charset=utf-8");
        assert_eq!(index.matches("<sitemap>").count(), 1, "{index}");
        assert!(index.contains("<loc>https://news.example.com/sitemaps/articles-1.xml</loc>"), "{index}");
        let urls = document(app, "/sitemaps/articles-1.xml", "application/xml; charset=utf-8");
        let mut listed: Vec<String> = app.json("/v1/articles?limit=100")["data"].as_array().unwrap().iter()
            .map(|a| format!("https://news.example.com/{}/{}", a["section"]["slug"].as_str().unwrap(), a["slug"].as_str().unwrap())).collect();
        let mut mapped: Vec<String> = urls.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap().to_owned()).collect();
        listed.sort();
        mapped.sort();
        assert_eq!(mapped, listed);
        assert_eq!(urls.matches("<lastmod>").count(), listed.len());
        for missing in ["/sitemaps/articles-2.xml", "/sitemaps/articles-0.xml", "/sitemaps/articles-x.xml"] {
            app.get(missing).assert_problem(404, None);
        }
        let r = app.get("/sitemap.xml");
        assert!(r.header("etag").is_some() && r.header("cache-control").is_some_and(|c| c.starts_with("public")));
        validate(&[("index.sitemap.xml", index), ("1.urls.sitemap.xml", urls), ("news.sitemap.xml", news)]);
    }
}

#[test]
fn a_bad_site_configuration_stops_the_server_with_a_message() {
    let Some(db) = crate::support::TestDb::new(Backend::Sqlite) else { return };
    for (flag, value) in
        [("--site-url", "news.example.com"), ("--article-url", "{site}/{section}"), ("--site-language", "e n")]
    {
        let (ok, _, err) = crate::support::cli(&db, &["serve", "--bind", "127.0.0.1:0", flag, value], None);
        assert!(!ok && err.contains(flag), "{flag} {value}: {err}");
    }
}
