//! View and reaction beacons, live counters, and rankings.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::fixtures::Site;
use crate::support::{Backend, Resp, TestApp, TestDb, cli, eventually, key};

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

fn view(app: &TestApp, slug: &str, session: &str) -> Resp {
    let body = json!({ "sessionId": session }).to_string();
    app.post(&format!("/v1/articles/{slug}/views"), "application/json", &body, &[("user-agent", BROWSER)])
}

fn react(app: &TestApp, slug: &str, kind: &str, session: &str) -> Resp {
    let body = json!({ "kind": kind, "sessionId": session }).to_string();
    app.post(&format!("/v1/articles/{slug}/reactions"), "application/json", &body, &[("user-agent", BROWSER)])
}

fn views_of(app: &TestApp, slug: &str) -> i64 {
    app.json(&format!("/v1/articles/{slug}"))["views"].as_i64().unwrap()
}

fn reaction_counts(v: &Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap().to_owned(), r["count"].as_i64().unwrap()))
        .collect()
}

/// Send `n` views from distinct sessions on 8 threads, each session three times.
fn burst(app: &TestApp, slug: &str, n: usize, prefix: &str) {
    std::thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                for i in (t..n).step_by(8) {
                    for _ in 0..3 {
                        let r = view(app, slug, &format!("{prefix}-session-{i:05}"));
                        assert_eq!(r.status, 202, "{}", r.text);
                    }
                }
            });
        }
    });
}

fn at(ago: TimeDelta) -> String {
    (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn history(site: Site, slug: &str, n: usize, ago: TimeDelta) -> Site {
    (0..n).fold(site, |s, i| {
        s.push(json!({"kind": "view", "article": slug, "sessionId": format!("hist-{slug}-{i:04}"), "at": at(ago)}))
    })
}

fn ranked(app: &TestApp, path: &str) -> Vec<(String, f64)> {
    let r = app.json(path);
    r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["article"]["slug"].as_str().unwrap().to_owned(), e["score"].as_f64().unwrap()))
        .collect()
}

fn ranked_slugs(app: &TestApp, path: &str) -> Vec<String> {
    ranked(app, path).into_iter().map(|(s, _)| s).collect()
}

on_both_backends! {
    fn concurrent_views_count_once_per_session_and_show_within_two_seconds(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        assert_eq!(views_of(&app, "vote-count"), 50);
        burst(&app, "vote-count", 200, "a");
        let took = eventually(Duration::from_secs(5), "200 views counted", || views_of(&app, "vote-count") == 250);
        assert!(took <= Duration::from_secs(2), "the counter took {took:?}");
        // sendBeacon sends text/plain; a repeat after the flush does not count
        // again; crawlers are answered and not counted.
        let r = app.post("/v1/articles/vote-count/views", "text/plain;charset=UTF-8", r#"{"sessionId":"beacon-one"}"#, &[]);
        assert_eq!(r.status, 202, "{}", r.text);
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        let r = app.post("/v1/articles/vote-count/views", "application/json", r#"{"sessionId":"crawler-1"}"#, &[("user-agent", bot)]);
        assert_eq!(r.status, 202);
        let counted = app.graphql(
            "mutation($s: String!) { recordView(article: \"vote-count\", sessionId: $s) }",
            json!({"s": "graphql-reader"}),
        );
        assert_eq!(counted["data"]["recordView"], true, "{counted}");
        assert_eq!(view(&app, "vote-count", "a-session-00007").status, 202);
        eventually(Duration::from_secs(5), "two more views", || views_of(&app, "vote-count") == 252);
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(views_of(&app, "vote-count"), 252);
        // GraphQL reads the same counter.
        let g = app.graphql("{ article(slug: \"vote-count\") { views } }", json!({}));
        assert_eq!(g["data"]["article"]["views"], 252);
    }

    fn reactions_count_once_per_session_article_and_kind(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        // oil-jumps starts with like 50, very-good 3.
        let r = react(&app, "oil-jumps", "like", "reader-0001");
        assert_eq!(r.status, 202, "{}", r.text);
        let counts = |like, sad, surprised| -> Vec<(String, i64)> {
            vec![
                ("like".into(), like),
                ("very-good".into(), 3),
                ("sad".into(), sad),
                ("angry".into(), 0),
                ("surprised".into(), surprised),
            ]
        };
        assert_eq!(reaction_counts(&r.json()["reactions"]), counts(51, 0, 0));
        assert_eq!(r.json()["sessionReactions"], json!(["like"]));
        let again = react(&app, "oil-jumps", "like", "reader-0001");
        assert_eq!(reaction_counts(&again.json()["reactions"]), counts(51, 0, 0));
        let sad = react(&app, "oil-jumps", "sad", "reader-0001");
        assert_eq!(reaction_counts(&sad.json()["reactions"]), counts(51, 1, 0));
        // The session's kinds, in the configured order.
        assert_eq!(sad.json()["sessionReactions"], json!(["like", "sad"]));
        // Concurrent reactions from distinct sessions: exactly one each.
        std::thread::scope(|s| {
            for t in 0..4 {
                let app = &app;
                s.spawn(move || {
                    for i in 0..25 {
                        assert_eq!(react(app, "oil-jumps", "surprised", &format!("crowd-{t}-{i:04}")).status, 202);
                        assert_eq!(react(app, "oil-jumps", "surprised", &format!("crowd-{t}-{i:04}")).status, 202);
                    }
                });
            }
        });
        let expected = counts(51, 1, 100);
        eventually(Duration::from_secs(5), "reactions written", || {
            reaction_counts(&app.json("/v1/articles/oil-jumps")["reactions"]) == expected
        });
        // After the flush a repeat is still refused, by the database this time.
        let late = react(&app, "oil-jumps", "like", "reader-0001");
        assert_eq!(reaction_counts(&late.json()["reactions"]), expected);
        // Read back from the database as well as the buffer.
        assert_eq!(late.json()["sessionReactions"], json!(["like", "sad"]));
        // GraphQL answers the article itself, so a normalized cache updates it.
        let g = app.graphql(
            "mutation { react(article: \"oil-jumps\", kind: \"angry\", sessionId: \"reader-0002\") { article { id slug reactions { kind count } } sessionReactions } }",
            json!({}),
        );
        let payload = &g["data"]["react"];
        assert_eq!(payload["article"]["id"], app.json("/v1/articles/oil-jumps")["id"], "{g}");
        assert_eq!(payload["article"]["reactions"][3], json!({"kind": "angry", "count": 1}), "{g}");
        assert_eq!(payload["sessionReactions"], json!(["angry"]), "{g}");
    }

    fn bad_beacons_are_named_problems(backend: Backend) {
        let app = TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend");
        let r = react(&app, "oil-jumps", "love", "reader-0001");
        r.assert_problem(400, Some("kind"));
        assert!(r.json()["detail"].as_str().unwrap().contains("like, very-good, sad, angry, surprised"), "{}", r.text);
        react(&app, "oil-jumps", "like", "short").assert_problem(400, Some("sessionId"));
        react(&app, "oil-jumps", "like", "has spaces in it").assert_problem(400, Some("sessionId"));
        view(&app, "oil-jumps", &"x".repeat(129)).assert_problem(400, Some("sessionId"));
        app.post("/v1/articles/oil-jumps/views", "application/json", "{}", &[]).assert_problem(400, Some("sessionId"));
        app.post("/v1/articles/oil-jumps/views", "application/json", "not json", &[]).assert_problem(400, Some("body"));
        app.post("/v1/articles/oil-jumps/views", "application/json", r#"{"sessionId":"reader-0001","x":1}"#, &[])
            .assert_problem(400, None);
        let xml = app.post("/v1/articles/oil-jumps/views", "application/xml", "<a/>", &[]);
        assert_eq!(xml.status, 415);
        view(&app, "no-such-article", "reader-0001").assert_problem(404, None);
        view(&app, "draft-piece", "reader-0001").assert_problem(404, None);
        react(&app, "future-published", "like", "reader-0001").assert_problem(404, None);
        let g = app.graphql(
            "mutation { react(article: \"oil-jumps\", kind: \"love\", sessionId: \"reader-0001\") { sessionReactions } }",
            json!({}),
        );
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
        let g = app.graphql("mutation { recordView(article: \"draft-piece\", sessionId: \"reader-0001\") }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "NOT_FOUND", "{g}");
        for (path, field) in [
            ("/v1/rankings/popular", "kind"),
            ("/v1/rankings/most-read?window=2h", "window"),
            ("/v1/rankings/most-read?limit=0", "limit"),
            ("/v1/rankings/most-read?limit=51", "limit"),
            ("/v1/rankings/trending?limit=ten", "limit"),
            ("/v1/rankings/trending?section=Bad%20Slug", "section"),
            ("/v1/rankings/trending?windows=1h", "windows"),
        ] {
            app.get(path).assert_problem(400, Some(field));
        }
        // Kinds and windows are enums: a string or an unknown value does not validate.
        for q in ["{ ranking(kind: \"most-read\") { kind } }", "{ ranking(kind: MOST_READ, window: H2) { kind } }"] {
            let g = app.graphql(q, json!({}));
            assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
        }
        let g = app.graphql("{ ranking(kind: MOST_READ, first: 51) { kind } }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
    }

    /// A ranking's validator follows its entries, not `generatedAt`: revalidating
    /// a ranking that was recomputed without changing answers 304.
    fn a_ranking_validator_changes_only_with_its_entries(backend: Backend) {
        let site = history(history(Site::standard(), "oil-jumps", 4, TimeDelta::days(3)), "rates-rise", 5, TimeDelta::days(2));
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(site.ndjson().as_bytes()));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &["--ranking-refresh-ms", "100", "--read-cache-ms", "0"]);
        let path = "/v1/rankings/most-read?window=30d&tag=energy";
        let first = app.get(path);
        assert_eq!(first.status, 200, "{}", first.text);
        let tag = first.header("etag").expect("an ETag").to_owned();
        assert!(tag.starts_with("W/\""), "{tag}");
        let generated = first.json()["generatedAt"].clone();
        // A read of an article outside the ranking: recomputed, same entries.
        assert_eq!(view(&app, "rates-rise", "reader-0001").status, 202);
        eventually(Duration::from_secs(10), "the ranking recomputed", || app.json(path)["generatedAt"] != generated);
        let again = app.get(path);
        assert_eq!(again.header("etag"), Some(tag.as_str()), "{}", again.text);
        let revalidated = app.get_with(path, &[("if-none-match", &tag)]);
        assert_eq!(revalidated.status, 304, "{}", revalidated.text);
        // A read of a ranked article changes the entries, and the validator.
        assert_eq!(view(&app, "oil-jumps", "reader-0002").status, 202);
        eventually(Duration::from_secs(10), "the ranking changed", || app.get(path).header("etag") != Some(tag.as_str()));
        assert_eq!(app.get_with(path, &[("if-none-match", &tag)]).status, 200);
    }

    fn reaction_kinds_are_configurable(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &["--reaction-kinds", "clap,boo"]);
        // Clients can list them, in order, to draw the buttons.
        assert_eq!(app.json("/v1/reactions/kinds"), json!({ "data": ["clap", "boo"] }));
        assert_eq!(app.graphql("{ reactionKinds }", json!({}))["data"]["reactionKinds"], json!(["clap", "boo"]));
        let r = react(&app, "vote-count", "clap", "reader-0001");
        assert_eq!(r.status, 202, "{}", r.text);
        // The configured kinds first, in order, then kinds no longer offered that
        // still have counts (the fixture's), by kind.
        let expected: Vec<(String, i64)> =
            vec![("clap".into(), 1), ("boo".into(), 0), ("like".into(), 5), ("very-good".into(), 3)];
        assert_eq!(reaction_counts(&r.json()["reactions"]), expected);
        let r = react(&app, "vote-count", "like", "reader-0001");
        r.assert_problem(400, Some("kind"));
        assert!(r.json()["detail"].as_str().unwrap().contains("clap, boo"), "{}", r.text);
    }

    fn native_apps_are_readers_and_relayed_beacons_count_for_their_reader(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let frontend = format!("Bearer {}", key(&db, "frontend", &["content:read"]));
        let app = TestApp::serve(db, &["--beacon-limit", "2"]);
        let before = views_of(&app, "vote-count");
        let beacon = |session: &str, headers: &[(&str, &str)]| {
            let body = json!({ "sessionId": session }).to_string();
            app.post("/v1/articles/vote-count/views", "application/json", &body, headers)
        };
        // The default clients of Android and iOS apps count, over REST and GraphQL.
        assert_eq!(beacon("android-0001", &[("user-agent", "okhttp/4.12.0")]).status, 202);
        let mutation = json!({
            "query": "mutation($s: String!) { recordView(article: \"vote-count\", sessionId: $s) }",
            "variables": {"s": "ios-0001"},
        })
        .to_string();
        let ios = [("user-agent", "NewsApp/3.2 CFNetwork/1494.0.7 Darwin/23.4.0")];
        let r = app.post("/graphql", "application/json", &mutation, &ios);
        assert_eq!(r.json()["data"]["recordView"], true, "{}", r.text);
        eventually(Duration::from_secs(5), "both app views", || views_of(&app, "vote-count") == before + 2);

        // A frontend relaying with its key is judged by its reader, not itself:
        // a browser behind a frontend whose own client looks like a script counts…
        let relay = |reader_agent: &'static str, addr: &'static str| {
            [
                ("authorization", frontend.as_str()),
                ("user-agent", "python-requests/2.32"),
                ("x-reader-user-agent", reader_agent),
                ("x-reader-address", addr),
            ]
        };
        // …and is rate-limited under the reader's address (2 a minute here),
        // not under the frontend's one: 2 of 3 from one reader, 2 of 2 from another.
        for (session, addr) in
            [("relay-0001", "203.0.113.7"), ("relay-0002", "203.0.113.7"), ("relay-0003", "203.0.113.7")]
        {
            assert_eq!(beacon(session, &relay(BROWSER, addr)).status, 202);
        }
        for session in ["relay-0004", "relay-0005"] {
            assert_eq!(beacon(session, &relay(BROWSER, "2001:db8::1")).status, 202);
        }
        // A robot behind a browser-like frontend does not count.
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        let mut relayed_bot = relay(bot, "198.51.100.1");
        relayed_bot[1] = ("user-agent", BROWSER);
        assert_eq!(beacon("relay-0006", &relayed_bot).status, 202);
        // GraphQL takes the same headers.
        let graphql = json!({
            "query": "mutation($s: String!) { recordView(article: \"vote-count\", sessionId: $s) }",
            "variables": {"s": "relay-0007"},
        })
        .to_string();
        let r = app.post("/graphql", "application/json", &graphql, &relay(BROWSER, "198.51.100.2"));
        assert_eq!(r.json()["data"]["recordView"], true, "{}", r.text);
        eventually(Duration::from_secs(5), "the relayed views", || views_of(&app, "vote-count") == before + 7);
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(views_of(&app, "vote-count"), before + 7);

        // Only a caller with a key names a reader; a malformed address is named.
        let r = beacon("relay-0008", &[("x-reader-user-agent", BROWSER)]);
        r.assert_problem(403, None);
        let r = app.post("/graphql", "application/json", &graphql, &[("x-reader-address", "203.0.113.7")]);
        r.assert_problem(403, None);
        let r = beacon("relay-0009", &[("authorization", frontend.as_str()), ("x-reader-address", "not-an-address")]);
        r.assert_problem(400, Some("X-Reader-Address"));
    }

    fn a_burst_of_views_tops_most_read_and_trending_within_15_seconds(backend: Backend) {
        // oil-jumps has been read steadily; chip-boom not at all.
        let mut site = Site::standard();
        for minutes in [5, 20, 40] {
            site = history(site, "oil-jumps", 5, TimeDelta::minutes(minutes));
        }
        let app = TestApp::with_data(backend, &site.ndjson()).expect("backend");
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=1h"), vec!["oil-jumps"]);
        let sent = Instant::now();
        burst(&app, "chip-boom", 40, "burst");
        let first = |kind: &str| {
            let r = ranked_slugs(&app, &format!("/v1/rankings/{kind}?window=1h"));
            r.first().map(String::as_str) == Some("chip-boom")
        };
        eventually(Duration::from_secs(15), "first in most-read", || first("most-read"));
        eventually(Duration::from_secs(15), "first in trending", || first("trending"));
        assert!(sent.elapsed() < Duration::from_secs(15));
        let most_read = ranked(&app, "/v1/rankings/most-read?window=1h");
        assert_eq!(most_read, vec![("chip-boom".into(), 40.0), ("oil-jumps".into(), 15.0)]);
        let r = app.json("/v1/rankings/trending?window=1h&limit=1");
        assert_eq!(r["kind"], "trending");
        assert_eq!(r["window"], "1h");
        assert_eq!(r["data"].as_array().unwrap().len(), 1);
        assert_eq!(r["data"][0]["rank"], 1);
        assert!(r["data"][0]["article"].get("body").is_none());
        let generated: chrono::DateTime<Utc> = r["generatedAt"].as_str().unwrap().parse().unwrap();
        assert!(Utc::now() - generated < TimeDelta::seconds(10));
        // GraphQL returns the same entries.
        let g = app.graphql(
            "{ ranking(kind: MOST_READ, window: HOUR) { kind window entries { rank score article { slug tags { slug } } } } }",
            json!({}),
        );
        assert_eq!((&g["data"]["ranking"]["kind"], &g["data"]["ranking"]["window"]), (&json!("MOST_READ"), &json!("HOUR")));
        let entries = &g["data"]["ranking"]["entries"];
        assert_eq!(entries[0]["article"]["slug"], "chip-boom", "{g}");
        assert_eq!(entries[0]["score"], 40.0);
        assert_eq!(entries[1]["rank"], 2);
        assert_eq!(entries[0]["article"]["tags"], json!([{"slug": "ai"}, {"slug": "rates"}]));
    }

    fn windows_sections_and_tags_hold_on_known_timestamps(backend: Backend) {
        let mut site = Site::standard();
        for (slug, n, ago) in [
            ("vote-count", 3, TimeDelta::minutes(10)),   // politics < news
            ("summit-opens", 2, TimeDelta::hours(3)),    // world < news
            ("oil-jumps", 4, TimeDelta::days(3)),        // business
            ("rates-rise", 5, TimeDelta::days(20)),      // invest < business
            ("chip-boom", 6, TimeDelta::days(40)),       // business: outside every window
            ("draft-piece", 9, TimeDelta::minutes(5)),   // never ranked
        ] {
            site = history(site, slug, n, ago);
        }
        let app = TestApp::with_data(backend, &site.ndjson()).expect("backend");
        let most_read = |q: &str| ranked(&app, &format!("/v1/rankings/most-read?{q}"));
        assert_eq!(most_read("window=1h"), vec![("vote-count".into(), 3.0)]);
        assert_eq!(most_read(""), vec![("vote-count".into(), 3.0), ("summit-opens".into(), 2.0)]);
        assert_eq!(
            most_read("window=7d"),
            vec![("oil-jumps".into(), 4.0), ("vote-count".into(), 3.0), ("summit-opens".into(), 2.0)]
        );
        assert_eq!(
            most_read("window=30d"),
            vec![("rates-rise".into(), 5.0), ("oil-jumps".into(), 4.0), ("vote-count".into(), 3.0), ("summit-opens".into(), 2.0)]
        );
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&section=news"), vec!["vote-count", "summit-opens"]);
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&section=business"), vec!["rates-rise", "oil-jumps"]);
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&section=invest"), vec!["rates-rise"]);
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&tag=energy"), vec!["oil-jumps", "summit-opens"]);
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&tag=energy&section=world"), vec!["summit-opens"]);
        assert_eq!(ranked_slugs(&app, "/v1/rankings/most-read?window=30d&limit=2"), vec!["rates-rise", "oil-jumps"]);
        assert!(ranked(&app, "/v1/rankings/most-read?window=30d&tag=no-such-tag").is_empty());
        // Nobody reacted in any window yet; trending knows only recent reading.
        assert!(ranked(&app, "/v1/rankings/most-reacted?window=30d").is_empty());
        assert_eq!(ranked_slugs(&app, "/v1/rankings/trending?window=1h"), vec!["vote-count"]);
        // A reaction enters most-reacted once written and the rankings refreshed.
        assert_eq!(react(&app, "summit-opens", "like", "reader-0001").status, 202);
        eventually(Duration::from_secs(15), "most-reacted", || {
            ranked(&app, "/v1/rankings/most-reacted?window=1h") == vec![("summit-opens".to_owned(), 1.0)]
        });
    }

    fn a_signal_right_after_a_burst_loses_nothing(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        // Nothing is written on its own for a minute: only the shutdown can save them.
        let app = TestApp::serve(db, &["--flush-ms", "60000"]);
        burst(&app, "summit-opens", 120, "late");
        for i in 0..7 {
            assert_eq!(react(&app, "summit-opens", "sad", &format!("late-reader-{i}")).status, 202);
        }
        let (status, db) = app.shutdown("TERM");
        assert!(status.success(), "{status:?}");
        let app = TestApp::serve(db, &[]);
        assert_eq!(views_of(&app, "summit-opens"), 300 + 120);
        let counts = reaction_counts(&app.json("/v1/articles/summit-opens")["reactions"]);
        assert!(counts.contains(&("sad".into(), 7)), "{counts:?}");
        assert_eq!(ranked(&app, "/v1/rankings/most-read?window=1h"), vec![("summit-opens".into(), 120.0)]);
    }

    fn sigkill_mid_burst_loses_nothing(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let mut app = TestApp::serve(db, &["--flush-ms", "1000"]);
        let before = views_of(&app, "chip-boom");
        let url = app.url("/v1/articles/chip-boom/views");
        let accepted = std::sync::Mutex::new(Vec::<Instant>::new());
        let killed = std::sync::atomic::AtomicBool::new(false);
        let started = Instant::now();
        let killed_at = std::thread::scope(|s| {
            for t in 0..4 {
                let (url, accepted, killed) = (&url, &accepted, &killed);
                s.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    let mut i = 0;
                    while !killed.load(std::sync::atomic::Ordering::SeqCst) {
                        i += 1;
                        let body = json!({ "sessionId": format!("crash-{t}-{i:06}") }).to_string();
                        match agent.post(url).header("content-type", "application/json").send(body.as_bytes()) {
                            Ok(r) if r.status() == 202 => accepted.lock().unwrap().push(Instant::now()),
                            Ok(r) => panic!("{}", r.status()),
                            Err(_) => break,
                        }
                    }
                });
            }
            // Mid-burst, between two flushes.
            std::thread::sleep(Duration::from_millis(3_500));
            let at = Instant::now();
            let status = app.stop("KILL");
            killed.store(true, std::sync::atomic::Ordering::SeqCst);
            assert!(!status.success());
            at
        });
        let accepted = accepted.into_inner().unwrap();
        let db = app.into_db();
        let app = TestApp::serve(db, &[]);
        // The journal is replayed at start and written with the first flush.
        let expected = before + accepted.len() as i64;
        eventually(Duration::from_secs(5), "replayed views written", || views_of(&app, "chip-boom") >= expected);
        let written = views_of(&app, "chip-boom") - before;
        let window = Duration::from_millis(1_000);
        let recent = accepted.iter().filter(|t| killed_at.duration_since(**t) <= window).count();
        eprintln!(
            "SIGKILL after {:?}: {} views accepted ({recent} in the last second), {written} written",
            killed_at - started,
            accepted.len()
        );
        assert!(accepted.len() > 200, "a real burst: {}", accepted.len());
        // Each sender may have had one more recorded whose answer the kill cut off.
        let acknowledged = accepted.len() as i64;
        assert!((acknowledged..=acknowledged + 4).contains(&written), "every acknowledged view is counted, once");
    }

    fn a_full_buffer_answers_503_and_keeps_what_it_accepted(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &["--flush-ms", "60000", "--max-pending-beacons", "3"]);
        for i in 0..3 {
            assert_eq!(view(&app, "vote-count", &format!("reader-{i:04}")).status, 202);
        }
        let full = view(&app, "vote-count", "reader-0003");
        full.assert_problem(503, None);
        assert_eq!(full.header("retry-after"), Some("1"));
        let g = app.graphql("mutation { recordView(article: \"vote-count\", sessionId: \"reader-0004\") }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{g}");
        let metrics = app.get("/metrics").text;
        assert!(metrics.contains("newsdesk_beacons_pending 3\n"), "{metrics}");
        assert!(metrics.contains("newsdesk_rankings_age_seconds ") && metrics.contains("newsdesk_rankings_compute_seconds "));
        let (status, db) = app.shutdown("INT");
        assert!(status.success());
        let app = TestApp::serve(db, &[]);
        assert_eq!(views_of(&app, "vote-count"), 53);
    }

    fn concurrent_flushes_of_two_nodes_reach_every_card(backend: Backend) {
        // Cards read reaction counts kept on their article's row, written by each
        // flush: two nodes flushing reactions of other kinds (no count in
        // common) to the same articles at the same moments must each write
        // lists that include the other's counts. (A flush that read the counts
        // before the other committed would write a list without them; the rows
        // are locked first so that it cannot, an interleaving this test makes
        // likely but cannot force.)
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let second = db.shared();
        let args = ["--flush-ms", "5", "--read-cache-ms", "0"];
        let nodes = [TestApp::serve(db, &args), TestApp::serve(second, &args)];
        let slugs = ["rates-rise", "oil-jumps", "vote-count"];
        let before: Vec<Vec<(String, i64)>> =
            slugs.iter().map(|s| reaction_counts(&nodes[0].json(&format!("/v1/articles/{s}"))["reactions"])).collect();
        std::thread::scope(|scope| {
            for (n, (node, kind)) in nodes.iter().zip(["sad", "angry"]).enumerate() {
                for t in 0..3 {
                    scope.spawn(move || {
                        for i in 0..40 {
                            for slug in slugs {
                                let session = format!("node{n}-{t}-{i:03}");
                                assert_eq!(react(node, slug, kind, &session).status, 202);
                            }
                        }
                    });
                }
            }
        });
        let expected: Vec<Vec<(String, i64)>> = before
            .iter()
            .map(|counts| {
                let add = |kind: &str| if kind == "sad" || kind == "angry" { 120 } else { 0 };
                counts.iter().map(|(k, c)| (k.clone(), c + add(k))).collect()
            })
            .collect();
        let cards = |node: &TestApp| -> Vec<Vec<(String, i64)>> {
            let list = node.json("/v1/articles?limit=100");
            slugs
                .iter()
                .map(|s| {
                    let card = list["data"].as_array().unwrap().iter().find(|a| a["slug"] == *s).expect("listed");
                    reaction_counts(&card["reactions"])
                })
                .collect()
        };
        eventually(Duration::from_secs(10), "every flush written", || cards(&nodes[0]) == expected);
        // Nothing later takes a count back, on either node, in lists or pages.
        std::thread::sleep(Duration::from_millis(300));
        for node in &nodes {
            assert_eq!(cards(node), expected);
            for (slug, counts) in slugs.iter().zip(&expected) {
                assert_eq!(&reaction_counts(&node.json(&format!("/v1/articles/{slug}"))["reactions"]), counts, "{slug}");
            }
        }
    }

    fn two_nodes_on_one_database_count_a_session_once(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let second = db.shared();
        let a = TestApp::serve(db, &[]);
        let b = TestApp::serve(second, &[]);
        for i in 0..30 {
            let session = format!("roaming-{i:04}");
            assert_eq!(view(&a, "rates-rise", &session).status, 202);
            assert_eq!(view(&b, "rates-rise", &session).status, 202);
            assert_eq!(react(&a, "rates-rise", "like", &session).status, 202);
            assert_eq!(react(&b, "rates-rise", "like", &session).status, 202);
        }
        eventually(Duration::from_secs(5), "both nodes' beacons written", || {
            views_of(&a, "rates-rise") == 130 && views_of(&b, "rates-rise") == 130
        });
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(views_of(&b, "rates-rise"), 130);
        let likes = reaction_counts(&b.json("/v1/articles/rates-rise")["reactions"]);
        assert!(likes.contains(&("like".into(), 40)), "{likes:?}");
    }
}
