//! Delta sync: initial passes, deltas, tombstones, scopes, expired tokens, and
//! mirrors that converge with what is published, on one node and across two.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::editorial::{Editorial, id_of, new_article};
use crate::on_both_backends;
use crate::support::fixtures::Site;
use crate::support::{Backend, TestApp, TestDb, cli, eventually, key};

/// A client's copy of what a sync sends: articles by id, and its token.
struct Mirror {
    articles: BTreeMap<String, Value>,
    token: Option<String>,
    /// The scope of a new sync (`section=…&tag=…`), empty for everything.
    scope: String,
    limit: u32,
}

/// What a pass sent.
#[derive(Debug, Default)]
struct Pass {
    pages: usize,
    upserted: Vec<String>,
    deleted: Vec<(String, String)>,
}

impl Mirror {
    fn new(scope: &str, limit: u32) -> Self {
        Self { articles: BTreeMap::new(), token: None, scope: scope.to_owned(), limit }
    }

    fn url(&self) -> String {
        match &self.token {
            None => format!("/v1/sync?limit={}{}", self.limit, self.scope),
            Some(t) => format!("/v1/sync?token={t}&limit={}", self.limit),
        }
    }

    /// Apply one page; whether the pass is complete.
    fn apply(&mut self, page: &Value, pass: &mut Pass, seen: &mut HashSet<String>) -> bool {
        for a in page["data"].as_array().expect("data") {
            let id = id_of(a);
            assert!(seen.insert(id.clone()), "{id} twice in one pass");
            assert!(a["body"].is_array(), "articles come with their bodies: {a}");
            pass.upserted.push(id.clone());
            self.articles.insert(id, a.clone());
        }
        for d in page["deleted"].as_array().expect("deleted") {
            let id = id_of(d);
            assert!(seen.insert(id.clone()), "{id} twice in one pass");
            pass.deleted.push((id.clone(), d["slug"].as_str().expect("slug").to_owned()));
            self.articles.remove(&id);
        }
        pass.pages += 1;
        match (page["nextPageToken"].as_str(), page["nextSyncToken"].as_str()) {
            (Some(next), None) => {
                self.token = Some(next.to_owned());
                false
            }
            (None, Some(sync)) => {
                self.token = Some(sync.to_owned());
                true
            }
            _ => panic!("exactly one token: {page}"),
        }
    }

    /// Read a whole pass from `app`, calling `between` after each page but the last.
    fn pull_with(&mut self, app: &TestApp, mut between: impl FnMut(usize)) -> Pass {
        let mut pass = Pass::default();
        let mut seen = HashSet::new();
        loop {
            let r = app.get(&self.url());
            assert_eq!(r.status, 200, "{}", r.text);
            if self.apply(&r.json(), &mut pass, &mut seen) {
                return pass;
            }
            between(pass.pages);
        }
    }

    fn pull(&mut self, app: &TestApp) -> Pass {
        self.pull_with(app, |_| {})
    }

    /// The mirror equals what `app` publishes within the scope: the same ids, and
    /// each article as its own route answers it (live counters aside).
    fn assert_matches(&self, app: &TestApp, list_query: &str) {
        let listed = listing(app, list_query);
        let mirrored: Vec<&String> = self.articles.keys().collect();
        assert_eq!(mirrored, listed.iter().collect::<Vec<_>>(), "mirror ids vs listing ({list_query})");
        for a in self.articles.values() {
            let page = app.json(&format!("/v1/articles/{}", a["slug"].as_str().unwrap()));
            assert_eq!(without_counters(a), without_counters(&page), "mirrored article differs");
        }
    }
}

fn without_counters(a: &Value) -> Value {
    let mut a = a.clone();
    let o = a.as_object_mut().unwrap();
    o.remove("views");
    o.remove("reactions");
    a
}

/// The ids of every published article a list route shows for `query`, sorted.
fn listing(app: &TestApp, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/v1/articles?limit=100{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = app.json(&url);
        ids.extend(page["data"].as_array().unwrap().iter().map(id_of));
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    ids.sort();
    ids
}

fn soon(seconds: i64) -> String {
    (Utc::now() + TimeDelta::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn patch(e: &Editorial, id: &str, body: Value) -> Value {
    let path = format!("/v1/admin/articles/{id}");
    let current = e.call("GET", &path, &e.write, None).json();
    let mut body = body;
    body["version"] = current["version"].clone();
    let r = e.call("PATCH", &path, &e.write, Some(body));
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

fn delete(e: &Editorial, id: &str) {
    let path = format!("/v1/admin/articles/{id}");
    let version = e.call("GET", &path, &e.write, None).json()["version"].clone();
    let r = e.app.send(
        "DELETE",
        &path,
        None,
        &[("authorization", &format!("Bearer {}", e.write)), ("if-match", &format!("\"{version}\""))],
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

fn put_taxon(e: &Editorial, path: &str, body: Value) {
    let r = e.call("PUT", path, &e.write, Some(body));
    assert_eq!(r.status, 204, "{}", r.text);
}

fn publish(e: &Editorial, id: &str) {
    let r = e.action(id, "publish", None);
    assert_eq!(r.status, 200, "{}", r.text);
}

on_both_backends! {
    fn an_initial_sync_then_deltas_carry_every_kind_of_change(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let mut m = Mirror::new("", 3);
        let first = m.pull(&e.app);
        assert_eq!(first.pages, 3, "seven visible articles in pages of three");
        assert!(first.deleted.is_empty(), "an initial sync deletes nothing");
        m.assert_matches(&e.app, "");
        let slugs: HashSet<&str> = m.articles.values().map(|a| a["slug"].as_str().unwrap()).collect();
        for hidden in ["draft-piece", "scheduled-piece", "future-published", "archived-piece"] {
            assert!(!slugs.contains(hidden), "{hidden} is not public");
        }
        // Nothing changed: an empty delta, and reads and reactions are no changes.
        let id_of_slug = |m: &Mirror, slug: &str| m.articles.values().find(|a| a["slug"] == slug).map(id_of).unwrap();
        let rates = id_of_slug(&m, "rates-rise");
        let beacon = json!({"sessionId": "session-1"}).to_string();
        let browser = ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
        assert_eq!(e.app.post("/v1/articles/rates-rise/views", "application/json", &beacon, &[browser]).status, 202);
        let reaction = json!({"kind": "like", "sessionId": "session-1"}).to_string();
        assert_eq!(e.app.post("/v1/articles/rates-rise/reactions", "application/json", &reaction, &[browser]).status, 202);
        std::thread::sleep(Duration::from_millis(1_500));
        let quiet = m.pull(&e.app);
        assert_eq!((quiet.pages, quiet.upserted.len(), quiet.deleted.len()), (1, 0, 0), "{quiet:?}");

        // An edit, a new article published, a draft (never public: no tombstone).
        patch(&e, &rates, json!({"title": "Rates rise again"}));
        let fresh = id_of(&e.create("fresh-story"));
        publish(&e, &fresh);
        let draft = id_of(&e.create("quiet-draft"));
        patch(&e, &draft, json!({"title": "Still a draft"}));
        let d = m.pull(&e.app);
        assert_eq!(d.upserted, vec![rates.clone(), fresh.clone()], "in the order they changed");
        assert!(d.deleted.is_empty(), "a draft that never was public is never named: {d:?}");
        assert_eq!(m.articles[&rates]["title"], "Rates rise again");
        m.assert_matches(&e.app, "");

        // Unpublish, archive, delete: tombstones with the slug they had in public.
        let oil = id_of_slug(&m, "oil-jumps");
        let vote = id_of_slug(&m, "vote-count");
        patch(&e, &fresh, json!({"slug": "fresh-story-renamed"}));
        assert_eq!(e.action(&fresh, "unpublish", None).status, 200);
        assert_eq!(e.action(&oil, "archive", None).status, 200);
        delete(&e, &vote);
        let d = m.pull(&e.app);
        let mut gone = d.deleted.clone();
        gone.sort();
        let mut expected = vec![(fresh.clone(), "fresh-story-renamed".to_owned()), (oil, "oil-jumps".to_owned()), (vote, "vote-count".to_owned())];
        expected.sort();
        assert_eq!(gone, expected);
        m.assert_matches(&e.app, "");

        // Renaming a tag changes every article that shows it; the taxonomy comes
        // with them.
        put_taxon(&e, "/v1/admin/tags/rates", json!({"slug": "rates", "name": "Interest rates"}));
        let d = m.pull(&e.app);
        let with_rates: HashSet<String> = m.articles.values().filter(|a| a["tags"].as_array().unwrap().iter().any(|t| t["slug"] == "rates")).map(id_of).collect();
        assert_eq!(d.upserted.iter().cloned().collect::<HashSet<_>>(), with_rates);
        assert!(m.articles.values().flat_map(|a| a["tags"].as_array().unwrap().clone()).filter(|t| t["slug"] == "rates").all(|t| t["name"] == "Interest rates"));
        m.assert_matches(&e.app, "");

        // Scheduled, and published with a time to come: each arrives when public.
        let later = id_of(&e.create("later-story"));
        assert_eq!(e.action(&later, "schedule", Some(json!({"publishedAt": soon(2)}))).status, 200);
        let embargo = id_of(&e.create("embargoed"));
        publish(&e, &embargo);
        m.pull(&e.app);
        patch(&e, &embargo, json!({"publishedAt": soon(2)}));
        let d = m.pull(&e.app);
        assert_eq!(d.deleted, vec![(embargo.clone(), "embargoed".to_owned())], "hidden again until its time");
        eventually(Duration::from_secs(6), "scheduled and embargoed articles arrive", || {
            m.pull(&e.app);
            m.articles.contains_key(&later) && m.articles.contains_key(&embargo)
        });
        m.assert_matches(&e.app, "");

        // GraphQL serves the same sync; its tokens are the same tokens.
        let q = "query($t: String) { sync(token: $t, limit: 50) { data { id title body { __typename } } deleted { id slug } nextPageToken nextSyncToken } }";
        let g = e.app.graphql(q, json!({"t": null}));
        let ids: Vec<String> = g["data"]["sync"]["data"].as_array().unwrap().iter().map(id_of).collect();
        assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), m.articles.keys().cloned().collect::<HashSet<_>>(), "{g}");
        let token = g["data"]["sync"]["nextSyncToken"].as_str().unwrap().to_owned();
        patch(&e, &rates, json!({"title": "Rates, once more"}));
        let rest = e.app.json(&format!("/v1/sync?token={token}"));
        assert_eq!(rest["data"][0]["title"], "Rates, once more", "{rest}");
        let g = e.app.graphql(q, json!({"t": token}));
        assert_eq!(g["data"]["sync"]["data"][0]["title"], "Rates, once more", "{g}");
        assert!(g["data"]["sync"]["data"][0]["body"].as_array().is_some_and(|b| !b.is_empty()));
    }

    fn a_scoped_sync_follows_sections_and_tags(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        // Business (with invest below it) or the elections tag.
        let mut m = Mirror::new("&section=business&tag=elections", 2);
        m.pull(&e.app);
        let mut expected: Vec<String> = listing(&e.app, "&section=business");
        expected.extend(listing(&e.app, "&tag=elections"));
        expected.sort();
        expected.dedup();
        assert_eq!(m.articles.keys().cloned().collect::<Vec<_>>(), expected);
        // Moving an article out of the scope is a deletion for this mirror; into
        // it, an addition.
        let chip = m.articles.values().find(|a| a["slug"] == "chip-boom").map(id_of).unwrap();
        patch(&e, &chip, json!({"section": "news"}));
        let d = m.pull(&e.app);
        assert_eq!(d.deleted, vec![(chip.clone(), "chip-boom".to_owned())]);
        patch(&e, &chip, json!({"section": "invest"}));
        let d = m.pull(&e.app);
        assert_eq!(d.upserted, vec![chip]);
        // A section moved under business brings its articles.
        put_taxon(&e, "/v1/admin/sections/politics", json!({"slug": "politics", "name": "Politics", "parent": "business"}));
        m.pull(&e.app);
        assert!(m.articles.values().any(|a| a["slug"] == "vote-count"));
        let mut expected: Vec<String> = listing(&e.app, "&section=business");
        expected.extend(listing(&e.app, "&tag=elections"));
        expected.sort();
        expected.dedup();
        assert_eq!(m.articles.keys().cloned().collect::<Vec<_>>(), expected);
        // The token keeps the scope; naming one with a token, or an unknown one, is a 400.
        let t = m.token.clone().unwrap();
        e.app.get(&format!("/v1/sync?token={t}&section=news")).assert_problem(400, Some("section"));
        e.app.get("/v1/sync?section=nowhere").assert_problem(400, Some("section"));
        e.app.get("/v1/sync?tag=Bad_Slug").assert_problem(400, Some("tag"));
        e.app.get("/v1/sync?token=not-a-token").assert_problem(400, Some("token"));
        e.app.get("/v1/sync?limit=0").assert_problem(400, Some("limit"));
        e.app.get("/v1/sync?limit=201").assert_problem(400, Some("limit"));
        let g = e.app.graphql("{ sync(token: \"nope\") { nextSyncToken } }", json!({}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
    }

    fn writes_between_pages_are_never_lost_or_sent_twice(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--read-cache-ms", "0"]) else { return };
        let mut m = Mirror::new("", 2);
        let ids = listing(&e.app, "");
        let mut made = Vec::new();
        // Between the pages of the initial pass: edit what was sent and what was
        // not, publish new articles, delete one.
        let pass = m.pull_with(&e.app, |page| {
            let target = &ids[(page * 3) % ids.len()];
            patch(&e, target, json!({"title": format!("Edited between pages {page}")}));
            let id = id_of(&e.create(&format!("between-{page}")));
            publish(&e, &id);
            made.push(id);
            if page == 2 {
                delete(&e, &ids[ids.len() - 1]);
            }
        });
        assert!(pass.pages >= 3, "{pass:?}");
        // The next pass brings everything the first one could not.
        let mut again = m.pull(&e.app);
        while !again.upserted.is_empty() || !again.deleted.is_empty() {
            again = m.pull(&e.app);
        }
        m.assert_matches(&e.app, "");
        assert!(made.iter().all(|id| m.articles.contains_key(id)));

        // The same between the pages of a delta: edits to what this pass sent
        // and to what it has not sent yet, an unpublication, a deletion.
        let ids = listing(&e.app, "");
        for id in &ids[..6] {
            patch(&e, id, json!({"summary": "Changed before the delta"}));
        }
        let delta = m.pull_with(&e.app, |page| match page {
            1 => {
                patch(&e, &ids[0], json!({"title": "Sent, then edited"}));
                patch(&e, &ids[5], json!({"title": "Not sent yet, edited"}));
            }
            2 => {
                assert_eq!(e.action(&ids[4], "unpublish", None).status, 200);
                delete(&e, &ids[3]);
            }
            _ => {}
        });
        assert!(delta.pages >= 2, "{delta:?}");
        loop {
            let more = m.pull(&e.app);
            if more.upserted.is_empty() && more.deleted.is_empty() {
                break;
            }
        }
        m.assert_matches(&e.app, "");
        assert_eq!(m.articles[&ids[0]]["title"], "Sent, then edited");
        assert!(!m.articles.contains_key(&ids[3]) && !m.articles.contains_key(&ids[4]));
    }

    fn a_mirror_converges_with_what_is_published(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--read-cache-ms", "0"]) else { return };
        let nodes = [&e.app];
        converge(&e, &nodes);
    }

    fn a_token_older_than_the_history_answers_410(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--sync-retention-hours", "0"]) else { return };
        let mut m = Mirror::new("", 100);
        m.pull(&e.app);
        let old = m.token.clone().unwrap();
        // Fresh tokens keep working while nothing is forgotten.
        assert_eq!(e.app.get(&format!("/v1/sync?token={old}")).status, 200);
        let victim = m.articles.values().find(|a| a["slug"] == "same-time-a").map(id_of).unwrap();
        delete(&e, &victim);
        eventually(Duration::from_secs(15), "the deletion is forgotten", || e.app.get(&format!("/v1/sync?token={old}")).status == 410);
        let r = e.app.get(&format!("/v1/sync?token={old}"));
        r.assert_problem(410, None);
        assert!(r.json()["detail"].as_str().unwrap().contains("start a new sync"), "{}", r.text);
        let g = e.app.graphql("query($t: String) { sync(token: $t) { nextSyncToken } }", json!({"t": old}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "GONE", "{g}");
        // Starting over works, and its token too.
        let mut again = Mirror::new("", 100);
        again.pull(&e.app);
        again.assert_matches(&e.app, "");
        assert_eq!(e.app.get(&again.url()).status, 200);
        // A token of another database is gone there.
        let Some(other) = TestDb::new(backend) else { return };
        let (ok, _, err) = cli(&other, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let app = TestApp::serve(other, &[]);
        app.get(&format!("/v1/sync?token={}", again.token.unwrap())).assert_problem(410, None);
    }
}

/// A script of every kind of editorial change, each followed by a sync from one
/// of `nodes` in turn and a comparison with what they publish.
fn converge(e: &Editorial, nodes: &[&TestApp]) {
    let mut all = Mirror::new("", 3);
    let mut news = Mirror::new("&section=news", 2);
    let mut step = 0;
    let mut check = |all: &mut Mirror, news: &mut Mirror| {
        let node = nodes[step % nodes.len()];
        step += 1;
        all.pull(node);
        news.pull(node);
        all.assert_matches(node, "");
        news.assert_matches(node, "&section=news");
    };
    check(&mut all, &mut news);
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut a = new_article(&format!("story-{i}"));
        a["section"] = json!(if i % 2 == 0 { "world" } else { "invest" });
        let r = e.call("POST", "/v1/admin/articles", &e.write, Some(a));
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(id_of(&r.json()));
    }
    check(&mut all, &mut news);
    for id in &ids {
        publish(e, id);
    }
    check(&mut all, &mut news);
    patch(e, &ids[0], json!({"title": "Edited", "summary": "New summary"}));
    patch(e, &ids[1], json!({"slug": "story-1-renamed"}));
    patch(e, &ids[2], json!({"section": "business"}));
    check(&mut all, &mut news);
    assert_eq!(e.action(&ids[3], "unpublish", None).status, 200);
    delete(e, &ids[4]);
    assert_eq!(e.action(&ids[5], "archive", None).status, 200);
    check(&mut all, &mut news);
    put_taxon(e, "/v1/admin/sections/world", json!({"slug": "world", "name": "The World", "parent": "business"}));
    put_taxon(e, "/v1/admin/authors/ana-lee", json!({"slug": "ana-lee", "name": "Ana Lee-Park"}));
    check(&mut all, &mut news);
    assert_eq!(e.action(&ids[3], "schedule", Some(json!({"publishedAt": soon(1)}))).status, 200);
    publish(e, &ids[5]);
    patch(e, &ids[0], json!({"section": "politics"}));
    std::thread::sleep(Duration::from_millis(2_500));
    check(&mut all, &mut news);
    assert!(all.articles.contains_key(&ids[3]), "the scheduled article arrived");
    put_taxon(e, "/v1/admin/sections/world", json!({"slug": "world", "name": "World", "parent": "news"}));
    delete(e, &ids[0]);
    check(&mut all, &mut news);
}

/// Two nodes on one PostgreSQL database: writes through one, syncs from both in
/// turn, and the mirror still equals the listing every time.
#[test]
fn a_mirror_converges_across_two_nodes() {
    if !crate::support::postgres_is_set(concat!(module_path!(), "::a_mirror_converges_across_two_nodes")) {
        return;
    }
    let Some(db) = TestDb::new(Backend::Postgres) else { return };
    let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
    assert!(ok, "{err}");
    let write = key(&db, "desk", &["content:write"]);
    let second = db.shared();
    let e = Editorial::on(TestApp::serve(db, &["--read-cache-ms", "0"]), write);
    let b = TestApp::serve(second, &["--read-cache-ms", "0"]);
    converge(&e, &[&b, &e.app]);
}
