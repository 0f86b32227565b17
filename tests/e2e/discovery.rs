//! Search, related articles and recommendations.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::fixtures::{Site, story};
use crate::support::{Backend, TestApp, TestDb, cli, key, slugs};

/// Slugs of the articles of a response whose `data` items each hold an `article`.
fn article_slugs(r: &Value) -> Vec<String> {
    r["data"].as_array().unwrap().iter().map(|h| h["article"]["slug"].as_str().unwrap().to_owned()).collect()
}

fn search(app: &TestApp, query: &str) -> Vec<String> {
    article_slugs(&app.json(&format!("/v1/search?{query}")))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A gauge of `/metrics`, by its name with labels.
fn gauge(app: &TestApp, name: &str) -> Option<f64> {
    let text = app.get("/metrics").text;
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

on_both_backends! {
    fn the_recommendation_blend_is_chosen_from_the_history(backend: Backend) {
        // Readers who read what is popular: a node chooses its blend on their
        // held-out reads soon after it starts, and shows it.
        let db = TestDb::new(backend).expect("backend");
        let (ok, demo, err) = cli(&db, &["demo", "--articles", "300", "--seed", "2", "--readers", "popular"], None);
        assert!(ok, "{err}");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(&demo));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &[]);
        assert_eq!(gauge(&app, "newsdesk_recommendation_tuning_sessions"), Some(0.0), "the default blend at first");
        crate::support::eventually(Duration::from_secs(60), "a blend chosen", || {
            gauge(&app, "newsdesk_recommendation_tuning_sessions").is_some_and(|n| n >= 20.0)
        });
        let weights: Vec<f64> = ["coread", "content", "popularity", "freshness"]
            .iter()
            .map(|s| gauge(&app, &format!("newsdesk_recommendation_weight{{signal=\"{s}\"}}")).expect("weight"))
            .collect();
        assert!((weights.iter().sum::<f64>() - 1.0).abs() < 0.02, "{weights:?}");
        let hit_rate = gauge(&app, "newsdesk_recommendation_tuning_hit_rate").expect("hit rate");
        assert!(hit_rate > 0.0 && hit_rate <= 1.0, "{hit_rate}");
        assert!(gauge(&app, "newsdesk_recommendation_popularity_half_life_hours").is_some_and(|h| h >= 1.0));
        // Recommendations follow the chosen blend and stay well formed.
        let r = app.json("/v1/recommendations?sessionId=demo-reader-000001&limit=5");
        assert_eq!(r["data"].as_array().expect("data").len(), 5, "{r}");
        // The evaluation chooses the same way, on sessions it does not evaluate,
        // and the blend is at least as good as the best signal alone (within noise).
        let (ok, out, err) = cli(app.db(), &["eval", "recommendations"], None);
        assert!(ok, "{err}");
        let out = String::from_utf8(out).expect("utf-8");
        assert!(out.contains("blend tuned on"), "{out}");
        let rate = |name: &str| -> f64 {
            let row = out.lines().find(|l| l.starts_with(&format!("| {name} |"))).unwrap_or_else(|| panic!("{out}"));
            row.split('|').nth(2).and_then(|c| c.trim().parse().ok()).unwrap_or_else(|| panic!("{row}"))
        };
        let best = ["popularity (recent reads)", "content only", "co-reading only"].map(rate).into_iter().fold(0.0, f64::max);
        assert!(rate("blend (shipped, tuned)") >= best - 0.03, "{out}");
    }

    fn search_ranks_matches_phrases_prefixes_and_typos(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::newsroom().ndjson()).expect("backend");
        // A title match ranks above a body match; drafts and future articles never show.
        assert_eq!(search(&app, "q=inflation"), vec!["inflation-cools", "markets-wobble"]);
        // Every word must match.
        assert_eq!(search(&app, "q=inflation+traders"), vec!["markets-wobble"]);
        // A phrase must appear as such.
        assert_eq!(search(&app, "q=%22central+bank%22"), vec!["inflation-cools"]);
        let both: Vec<String> = search(&app, "q=central+bank");
        assert_eq!(both.len(), 2, "{both:?}");
        // Search as you type: the last word is a prefix; one typo is forgiven.
        assert_eq!(search(&app, "q=infl"), vec!["inflation-cools", "markets-wobble"]);
        assert_eq!(search(&app, "q=inflaton"), vec!["inflation-cools", "markets-wobble"]);
        assert!(search(&app, "q=infl+").is_empty(), "a finished word is not a prefix");
        assert!(search(&app, "q=zebra").is_empty());
        // Highlights mark the matches.
        let r = app.json("/v1/search?q=inflation&limit=1");
        let hit = &r["data"][0];
        assert!(hit["score"].as_f64().unwrap() > 0.0);
        let highlights: Vec<&str> = hit["highlights"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
        assert!(highlights.contains(&"<mark>Inflation</mark> cools in spring"), "{highlights:?}");
        assert!(hit["article"].get("body").is_none());
        // GraphQL gives the same order.
        let g = app.graphql(
            "{ search(query: \"inflation\") { edges { node { score highlights article { slug } } } pageInfo { hasNextPage } } }",
            json!({}),
        );
        let edges = g["data"]["search"]["edges"].as_array().unwrap();
        let gql: Vec<&str> = edges.iter().map(|e| e["node"]["article"]["slug"].as_str().unwrap()).collect();
        assert_eq!(gql, vec!["inflation-cools", "markets-wobble"], "{g}");
    }

    fn search_filters_pages_and_rejects_bad_queries(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::newsroom().ndjson()).expect("backend");
        assert_eq!(sorted(search(&app, "q=prices&section=news")), vec!["summit-energy", "wind-power"]);
        assert_eq!(search(&app, "q=prices&section=world"), vec!["summit-energy"]);
        assert_eq!(search(&app, "q=prices&tag=economy"), vec!["inflation-cools"]);
        assert_eq!(search(&app, "q=prices&tag=energy&tag=climate"), vec!["summit-energy"]);
        assert!(search(&app, "q=prices&author=ben-okafor").is_empty());
        assert!(search(&app, "q=prices&tag=no-such-tag").is_empty());
        assert_eq!(sorted(search(&app, "q=prices&publishedAfter=2026-03-04T08:00:00Z")), vec!["summit-energy", "wind-power"]);
        assert_eq!(search(&app, "q=prices&publishedBefore=2026-03-02T00:00:00Z"), vec!["inflation-cools"]);
        // Dates far outside the index's range are still answered.
        assert!(search(&app, "q=prices&publishedBefore=0173-05-15T20:05:34Z").is_empty());
        assert_eq!(search(&app, "q=prices&publishedAfter=1000-01-01T00:00:00Z").len(), 3);
        assert!(search(&app, "q=prices&publishedAfter=9999-01-01T00:00:00Z").is_empty());
        // Pages: every result once, in order, with a Link header.
        let all = search(&app, "q=prices&limit=100");
        assert_eq!(all.len(), 3);
        let first = app.get("/v1/search?q=prices&limit=2");
        assert!(first.header("link").unwrap().contains("rel=\"next\""));
        let first = first.json();
        let cursor = first["nextCursor"].as_str().unwrap();
        let second = app.json(&format!("/v1/search?q=prices&limit=2&cursor={cursor}"));
        assert_eq!(second["nextCursor"], Value::Null);
        let mut paged = article_slugs(&first);
        paged.extend(article_slugs(&second));
        assert_eq!(paged, all);
        app.get("/v1/search").assert_problem(400, Some("q"));
        app.get("/v1/search?q=").assert_problem(400, Some("q"));
        app.get("/v1/search?q=%22%22").assert_problem(400, Some("q"));
        app.get(&format!("/v1/search?q={}", "a".repeat(201))).assert_problem(400, Some("q"));
        app.get("/v1/search?q=prices&cursor=nope").assert_problem(400, Some("cursor"));
        // A forged cursor far beyond any page (base64url of {"o":18446744073709551615}).
        app.get("/v1/search?q=prices&cursor=eyJvIjoxODQ0Njc0NDA3MzcwOTU1MTYxNX0").assert_problem(400, Some("cursor"));
        app.get("/v1/search?q=prices&limit=0").assert_problem(400, Some("limit"));
        app.get("/v1/search?q=prices&sort=-views").assert_problem(400, Some("sort"));
        let g = app.graphql("{ search(query: \"  \") { edges { cursor } } }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
    }

    fn the_index_follows_every_write_and_survives_a_restart(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::newsroom().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &[]);
        assert!(search(&app, "q=hydrogen").is_empty());
        // A changed article and a new one, written by another process.
        let changes = Site::empty()
            .push(story("wind-power", "news", &["energy"], "Hydrogen takes over", "Hydrogen plants opened.", "2026-03-05T08:00:00Z"))
            .push(story("hydrogen-bus", "news", &["energy"], "A hydrogen bus", "The first bus ran on hydrogen.", "2026-03-06T08:00:00Z"));
        let (ok, _, err) = cli(app.db(), &["import", "-"], Some(changes.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let start = Instant::now();
        while search(&app, "q=hydrogen").len() < 2 {
            assert!(start.elapsed() < Duration::from_secs(5), "the index did not follow the import");
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(search(&app, "q=wind+farms").is_empty(), "the old text is gone");
        let (status, db) = app.shutdown("TERM");
        assert!(status.success());
        let app = TestApp::serve(db, &[]);
        assert_eq!(sorted(search(&app, "q=hydrogen")), vec!["hydrogen-bus", "wind-power"]);
    }

    fn related_articles_are_similar_published_and_never_the_article_itself(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::newsroom().ndjson()).expect("backend");
        let related = slugs(&app.json("/v1/articles/inflation-cools/related"));
        assert_eq!(related.first().map(String::as_str), Some("markets-wobble"), "{related:?}");
        assert!(!related.contains(&"inflation-cools".to_owned()));
        assert!(!related.iter().any(|s| s.contains("secret") || s.contains("future")), "{related:?}");
        assert_eq!(slugs(&app.json("/v1/articles/inflation-cools/related?limit=1")), vec!["markets-wobble"]);
        // Deterministic.
        assert_eq!(slugs(&app.json("/v1/articles/inflation-cools/related")), related);
        let energy = slugs(&app.json("/v1/articles/summit-energy/related?limit=2"));
        assert!(energy.contains(&"wind-power".to_owned()), "{energy:?}");
        app.get("/v1/articles/inflation-cools/related?limit=0").assert_problem(400, Some("limit"));
        app.get("/v1/articles/inflation-cools/related?limit=21").assert_problem(400, Some("limit"));
        app.get("/v1/articles/secret-inflation/related").assert_problem(404, None);
        app.get("/v1/articles/no-such/related").assert_problem(404, None);
        let g = app.graphql("{ article(slug: \"inflation-cools\") { related { slug } } }", json!({}));
        let gql: Vec<&str> =
            g["data"]["article"]["related"].as_array().unwrap().iter().map(|a| a["slug"].as_str().unwrap()).collect();
        assert_eq!(gql, related.iter().map(String::as_str).collect::<Vec<_>>(), "{g}");
        // A new article on the same subject shows up once written.
        let newer = Site::empty().push(story("inflation-returns", "business", &["economy"], "Inflation returns",
            "Inflation returned as the central bank watched prices and traders.", "2026-03-07T08:00:00Z"));
        let (ok, _, err) = cli(app.db(), &["import", "-"], Some(newer.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let start = Instant::now();
        while !slugs(&app.json("/v1/articles/inflation-cools/related")).contains(&"inflation-returns".to_owned()) {
            assert!(start.elapsed() < Duration::from_secs(6), "related did not follow the import");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn lists_show_an_edited_article_at_once_whatever_the_read_cache(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        // Found by `inflation` after `markets-wobble` (one mention in a longer text).
        let site = Site::newsroom().push(story(
            "long-read",
            "business",
            &["economy"],
            "A long read",
            "Economists, shoppers, savers, retailers and builders waited through the long winter months for \
             news from the capital about inflation, wages, rents and the cost of the weekly shop.",
            "2026-03-01T09:00:00Z",
        ));
        let (ok, _, err) = cli(&db, &["import", "-"], Some(site.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let auth = format!("Bearer {}", key(&db, "desk", &["content:write"]));
        let app = TestApp::serve(db, &["--read-cache-ms", "60000"]);
        // The title of `markets-wobble` in the related list and in search results.
        let titles = || {
            let title = |a: &Value| a["title"].as_str().map(str::to_owned);
            let wobble = |a: &&Value| a["slug"] == "markets-wobble";
            let related = app.json("/v1/articles/inflation-cools/related");
            let found = app.json("/v1/search?q=traders");
            (
                related["data"].as_array().unwrap().iter().find(wobble).and_then(title),
                found["data"].as_array().unwrap().iter().map(|h| &h["article"]).find(wobble).and_then(title),
            )
        };
        // Both lists hold the article, and the node now caches it.
        let before = Some("Markets wobble".to_owned());
        assert_eq!(titles(), (before.clone(), before));
        let id = app.json("/v1/articles/markets-wobble")["id"].as_str().unwrap().to_owned();
        let body = json!({"title": "Markets steady", "version": 1}).to_string();
        let r = app.send("PATCH", &format!("/v1/admin/articles/{id}"), Some(&body), &[("authorization", &auth)]);
        assert_eq!(r.status, 200, "{}", r.text);
        let after = Some("Markets steady".to_owned());
        assert_eq!(titles(), (after.clone(), after));
        // Deleted: gone from related lists at once, and its own list is a 404
        // once the content model has followed (about a second).
        let pages = || {
            let (mut slugs, mut path) = (Vec::new(), "/v1/search?q=inflation&limit=1".to_owned());
            loop {
                let page = app.json(&path);
                slugs.extend(article_slugs(&page));
                match page["nextCursor"].as_str() {
                    Some(next) => path = format!("/v1/search?q=inflation&limit=1&cursor={next}"),
                    None => return slugs,
                }
            }
        };
        assert_eq!(pages(), ["inflation-cools", "markets-wobble", "long-read"]);
        let r = app.send("DELETE", &format!("/v1/admin/articles/{id}"), None, &[("authorization", &auth)]);
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(titles(), (None, None));
        let start = Instant::now();
        while app.get("/v1/articles/markets-wobble/related").status != 404 {
            assert!(start.elapsed() < Duration::from_secs(5), "the content model kept a deleted article");
            std::thread::sleep(Duration::from_millis(100));
        }
        // The search index drops it too: a page whose hits include it would
        // otherwise come out short and end the results.
        while pages() != ["inflation-cools", "long-read"] {
            assert!(start.elapsed() < Duration::from_secs(5), "search results stop at a deleted article");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn eval_reports_every_strategy_and_related_topics(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        // Sessions of three reads each, so each can hide its last one.
        let mut site = Site::newsroom_with_readers();
        for i in 0..6 {
            for (slug, minutes) in [("inflation-cools", 30), ("markets-wobble", 20), ("bank-of-the-river", 10)] {
                let at = (chrono::Utc::now() - chrono::TimeDelta::minutes(minutes))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                site = site.push(json!({"kind": "view", "article": slug, "sessionId": format!("triple-{i}"), "at": at}));
            }
        }
        let (ok, _, err) = cli(&db, &["import", "-"], Some(site.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let (ok, out, err) = cli(&db, &["eval", "recommendations"], None);
        assert!(ok, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("6 sessions evaluated"), "{out}");
        // Too few sessions to tune on: the default blend, said so.
        assert!(out.contains("default blend (too little history to tune): co-reading 0.55, content 0.35"), "{out}");
        for strategy in ["popularity (recent reads)", "content only", "co-reading only", "blend (shipped, tuned)"] {
            let row = out.lines().find(|l| l.starts_with(&format!("| {strategy} |"))).unwrap_or_else(|| panic!("{out}"));
            let cells: Vec<f64> = row.split('|').filter_map(|c| c.trim().parse().ok()).collect();
            assert_eq!(cells.len(), 2, "{row}");
            assert!(cells.iter().all(|x| (0.0..=1.0).contains(x)), "{row}");
        }
        let (ok, out, err) = cli(&db, &["eval", "related"], None);
        assert!(ok, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("5 source articles") && out.contains("share in the source's section"), "{out}");
    }

    fn recommendations_follow_reading_history_and_fall_back_to_trending(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::newsroom_with_readers().ndjson()).expect("backend");
        // History: readers of what this reader read also read markets-wobble.
        let r = app.json("/v1/recommendations?sessionId=the-reader-1&limit=3");
        let data = r["data"].as_array().unwrap();
        assert_eq!(data[0]["article"]["slug"], "markets-wobble", "{r}");
        assert_eq!(data[0]["reason"], "Because you read “Inflation cools in spring”");
        let slugs = article_slugs(&r);
        assert!(!slugs.contains(&"inflation-cools".to_owned()), "already read: {slugs:?}");
        assert!(!slugs.iter().any(|s| s.contains("secret") || s.contains("future")), "{slugs:?}");
        assert!(slugs.len() <= 3);
        // The current article is never recommended.
        let r = app.json("/v1/recommendations?sessionId=the-reader-1&article=markets-wobble");
        assert!(!article_slugs(&r).contains(&"markets-wobble".to_owned()));
        // No history: trending in the current article's section first, then the site.
        let r = app.json("/v1/recommendations?article=inflation-cools&limit=3");
        let data = r["data"].as_array().unwrap();
        assert_eq!(data[0]["article"]["slug"], "markets-wobble", "{r}");
        assert_eq!(data[0]["reason"], "Trending in business");
        assert_eq!(data[1]["reason"], "Trending now");
        // A session's list is that reader's own; without a session it is public.
        let personal = app.get("/v1/recommendations?sessionId=the-reader-1&limit=3");
        assert_eq!(personal.header("cache-control"), Some("private, max-age=10"));
        assert!(personal.header("etag").is_some());
        let public = app.get("/v1/recommendations?article=inflation-cools&limit=3");
        assert_eq!(public.header("cache-control"), Some("public, max-age=10"));
        let r = app.json("/v1/recommendations?sessionId=nobody-read-this");
        assert!(!r["data"].as_array().unwrap().is_empty());
        assert!(r["data"].as_array().unwrap().iter().all(|d| d["reason"] == "Trending now"), "{r}");
        app.json("/v1/recommendations");
        app.get("/v1/recommendations?sessionId=bad").assert_problem(400, Some("sessionId"));
        app.get("/v1/recommendations?article=no-such-article").assert_problem(404, None);
        app.get("/v1/recommendations?limit=0").assert_problem(400, Some("limit"));
        let g = app.graphql(
            "{ recommendations(sessionId: \"the-reader-1\", first: 3) { reason article { slug } } }",
            json!({}),
        );
        assert_eq!(g["data"]["recommendations"][0]["article"]["slug"], "markets-wobble", "{g}");
        let g = app.graphql("{ recommendations(sessionId: \"bad\") { reason } }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
        // Over GraphQL too, a session's list is not kept for the next request; a
        // public one is (answered again without a statement). Background tasks can
        // add statements to one attempt, never take one away: the least of three.
        let personal = "{ recommendations(sessionId: \"the-reader-1\", first: 2) { article { slug } } }";
        let public = "{ recommendations(article: \"inflation-cools\", first: 2) { article { slug } } }";
        for (query, kept) in [(personal, false), (public, true)] {
            app.graphql(query, json!({}));
            let attempt = |_| {
                let before = app.queries();
                app.graphql(query, json!({}));
                app.queries() - before
            };
            assert_eq!((0..3).map(attempt).min() == Some(0), kept, "{query}");
        }
    }

    fn a_reader_of_one_topic_gets_more_of_it_and_new_stories_within_seconds(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::two_topics().ndjson()).expect("backend");
        let read: Vec<String> = (0..5).map(|i| format!("match-report-{i}")).collect();
        let recs = |app: &TestApp| {
            let r = app.json("/v1/recommendations?sessionId=the-fan-1&limit=5");
            let data = r["data"].as_array().unwrap().clone();
            data.iter()
                .map(|d| (d["article"]["slug"].as_str().unwrap().to_owned(), d["article"]["section"]["slug"].clone()))
                .collect::<Vec<_>>()
        };
        let got = recs(&app);
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(got.iter().all(|(slug, _)| !read.contains(slug)), "already read: {got:?}");
        let in_topic = got.iter().filter(|(_, section)| section == "sport").count();
        assert!(in_topic >= 4, "mostly sport: {got:?}");
        // A new sport story, published through another process, is recommended
        // within seconds (it is like what the reader read, and fresh).
        let new = Site::empty().push(story(
            "penalty-shootout-drama",
            "sport",
            &["golf"],
            "Penalty shootout drama at the stadium",
            "The striker scored the winning penalty; the goalkeeper and the fans at the stadium celebrated the league title.",
            &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ));
        let (ok, _, err) = cli(app.db(), &["import", "-"], Some(new.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let start = Instant::now();
        loop {
            let r = app.json("/v1/recommendations?sessionId=the-fan-1&limit=20");
            if article_slugs(&r).contains(&"penalty-shootout-drama".to_owned()) {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "not recommended within 5 s: {r}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
