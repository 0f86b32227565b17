//! The editorial API: keys and scopes, the article lifecycle, validation,
//! revisions, slug redirects, optimistic concurrency, taxonomy, webhooks, the
//! audit log and cache coherence between nodes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::on_both_backends;
use crate::support::fixtures::{Site, body_with_every_block};
use crate::support::{Backend, Resp, TestApp, TestDb, cli, eventually, key, slugs};

/// Keys of every scope on a fresh server over the standard site.
pub(crate) struct Editorial {
    pub app: TestApp,
    pub read: String,
    pub preview: String,
    pub write: String,
    pub admin: String,
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

impl Editorial {
    pub fn start(backend: Backend, args: &[&str]) -> Option<Self> {
        let db = TestDb::new(backend)?;
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let read = key(&db, "reader", &["content:read"]);
        let preview = key(&db, "previewer", &["content:preview"]);
        let write = key(&db, "desk", &["content:write"]);
        let admin = key(&db, "ops", &["admin"]);
        Some(Self { app: TestApp::serve(db, args), read, preview, write, admin })
    }

    /// Over a server already running, writing with the key `write` (no other keys).
    pub fn on(app: TestApp, write: String) -> Self {
        Self { app, read: String::new(), preview: String::new(), write, admin: String::new() }
    }

    pub fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
        let auth = bearer(token);
        let body = body.map(|b| b.to_string());
        self.app.send(method, path, body.as_deref(), &[("authorization", &auth)])
    }

    /// Create an article as `desk`; its JSON.
    pub fn create(&self, slug: &str) -> Value {
        let r = self.call("POST", "/v1/admin/articles", &self.write, Some(new_article(slug)));
        assert_eq!(r.status, 201, "{}", r.text);
        r.json()
    }

    pub fn action(&self, id: &str, action: &str, body: Option<Value>) -> Resp {
        self.call("POST", &format!("/v1/admin/articles/{id}/{action}"), &self.write, body)
    }

    pub fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let auth = token.map(bearer);
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let r = self.app.post("/graphql", "application/json", &body, &headers);
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }
}

pub(crate) fn new_article(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": format!("Title of {slug}"),
        "summary": "A summary",
        "section": "invest",
        "tags": ["rates", "energy"],
        "authors": ["ana-lee"],
        "body": body_with_every_block("rates-rise"),
        "heroImage": {"src": "https://img.example.org/h.jpg", "alt": "Hero"}
    })
}

pub(crate) fn id_of(a: &Value) -> String {
    a["id"].as_str().unwrap().to_owned()
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("none")
}

on_both_backends! {
    fn every_scope_boundary(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let body = new_article("scoped").to_string();
        // No key, a malformed header, an unknown token.
        let r = e.app.post("/v1/admin/articles", "application/json", &body, &[]);
        r.assert_problem(401, None);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        e.app.post("/v1/admin/articles", "application/json", &body, &[("authorization", "Basic eDp5")]).assert_problem(401, None);
        let forged = format!("{}x", &e.write[..e.write.len() - 1]);
        e.call("POST", "/v1/admin/articles", &forged, Some(new_article("scoped"))).assert_problem(401, None);
        // Scopes below content:write.
        for token in [&e.read, &e.preview] {
            e.call("POST", "/v1/admin/articles", token, Some(new_article("scoped"))).assert_problem(403, None);
        }
        // Reading drafts needs content:preview.
        e.call("GET", "/v1/admin/articles", &e.read, None).assert_problem(403, None);
        assert_eq!(e.call("GET", "/v1/admin/articles", &e.preview, None).status, 200);
        // Allowed.
        let created = e.create("scoped");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["version"], 1);
        // Webhooks and the audit log need admin.
        let hook = json!({"url": "https://93.184.215.14/hook", "events": ["article.published"]});
        e.call("POST", "/v1/admin/webhooks", &e.write, Some(hook.clone())).assert_problem(403, None);
        e.call("GET", "/v1/admin/audit", &e.write, None).assert_problem(403, None);
        assert_eq!(e.call("POST", "/v1/admin/webhooks", &e.admin, Some(hook)).status, 201);
        assert_eq!(e.call("GET", "/v1/admin/audit", &e.admin, None).status, 200);
        // The same boundaries in GraphQL.
        let m = "mutation($i: ArticleInput!) { createArticle(input: $i) { article { id slug status } } }";
        let vars = json!({"i": new_article("scoped-gql")});
        assert_eq!(code(&e.graphql(None, m, vars.clone())), "UNAUTHENTICATED");
        assert_eq!(code(&e.graphql(Some(&e.read), m, vars.clone())), "FORBIDDEN");
        let ok = e.graphql(Some(&e.write), m, vars);
        assert_eq!(ok["data"]["createArticle"]["article"]["status"], "DRAFT", "{ok}");
        let id = ok["data"]["createArticle"]["article"]["id"].clone();
        let m = "mutation($id: ID!) { publishArticle(id: $id) { article { id status } } }";
        let published = e.graphql(Some(&e.write), m, json!({ "id": id }));
        assert_eq!(published["data"]["publishArticle"]["article"], json!({"id": id, "status": "PUBLISHED"}), "{published}");
        let m = "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }";
        let deleted = e.graphql(Some(&e.write), m, json!({ "id": id }));
        assert_eq!(deleted["data"]["deleteArticle"]["deletedId"], id, "{deleted}");
        // Revoked keys stop working (within the 5 s a node trusts a key).
        let (done, _, err) = cli(e.app.db(), &["keys", "revoke", "desk"], None);
        assert!(done, "{err}");
        eventually(Duration::from_secs(8), "revoked key refused", || {
            e.call("POST", "/v1/admin/articles", &e.write, Some(new_article("after-revoke"))).status == 401
        });
        let (_, listed, _) = cli(e.app.db(), &["keys", "list"], None);
        let listed = String::from_utf8(listed).unwrap();
        assert!(listed.contains("desk\tcontent:write") && listed.contains("revoked"), "{listed}");
    }

    fn reads_can_require_a_key(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--require-read-key"]) else { return };
        e.app.get("/v1/articles").assert_problem(401, None);
        let r = e.app.post("/graphql", "application/json", r#"{"query":"{ sections { slug } }"}"#, &[]);
        r.assert_problem(401, None);
        assert_eq!(e.call("GET", "/v1/articles", &e.read, None).status, 200);
        assert_eq!(e.call("GET", "/v1/articles", &e.admin, None).status, 200);
        for open in ["/healthz", "/openapi.json"] {
            assert_eq!(e.app.get(open).status, 200, "{open}");
        }
    }

    fn the_whole_lifecycle(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("life");
        let id = id_of(&a);
        // A draft: hidden from the public, shown to previews (never cached for others).
        e.app.get("/v1/articles/life").assert_problem(404, None);
        let preview = e.call("GET", "/v1/articles/life", &e.preview, None);
        assert_eq!(preview.status, 200, "{}", preview.text);
        assert_eq!(preview.json()["status"], "draft");
        assert_eq!(preview.header("cache-control"), Some("private, no-store"));
        e.app.get("/v1/articles/life").assert_problem(404, None);
        let q = "query { article(slug: \"life\") { status } }";
        assert_eq!(e.graphql(None, q, json!({}))["data"]["article"], Value::Null);
        assert_eq!(e.graphql(Some(&e.preview), q, json!({}))["data"]["article"]["status"], "DRAFT");
        // Published: public, listed, announced.
        let p = e.action(&id, "publish", None);
        assert_eq!(p.status, 200, "{}", p.text);
        assert_eq!(p.json()["status"], "published");
        assert_eq!(e.app.json("/v1/articles/life")["status"], "published");
        // Unpublished: gone from public reads at once.
        assert_eq!(e.action(&id, "unpublish", None).json()["status"], "draft");
        e.app.get("/v1/articles/life").assert_problem(404, None);
        e.action(&id, "unpublish", None).assert_problem(409, None);
        // Scheduled 2 s ahead: hidden until then, public within a second after.
        let at = Utc::now() + TimeDelta::seconds(2);
        let when = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let s = e.action(&id, "schedule", Some(json!({ "publishedAt": when })));
        assert_eq!(s.status, 200, "{}", s.text);
        assert_eq!(s.json()["status"], "scheduled");
        e.action(&id, "schedule", Some(json!({ "publishedAt": "2020-01-01T00:00:00Z" }))).assert_problem(400, Some("publishedAt"));
        while Utc::now() < at - TimeDelta::milliseconds(300) {
            e.app.get("/v1/articles/life").assert_problem(404, None);
            std::thread::sleep(Duration::from_millis(100));
        }
        eventually(Duration::from_secs(5), "scheduled article public", || e.app.get("/v1/articles/life").status == 200);
        assert!(Utc::now() < at + TimeDelta::milliseconds(1500), "published more than a second late");
        let shown = e.app.json("/v1/articles/life");
        assert_eq!(shown["status"], "published");
        let published: chrono::DateTime<Utc> = shown["publishedAt"].as_str().unwrap().parse().unwrap();
        assert!((published - at).num_milliseconds().abs() < 2, "published at the scheduled time: {published}");
        // Archived: out of view, still readable by editors.
        assert_eq!(e.action(&id, "archive", None).json()["status"], "archived");
        e.app.get("/v1/articles/life").assert_problem(404, None);
        assert_eq!(e.call("GET", &format!("/v1/admin/articles/{id}"), &e.preview, None).json()["status"], "archived");
        let listed = e.call("GET", "/v1/admin/articles?status=archived", &e.preview, None).json();
        assert_eq!(listed["data"][0]["slug"], "life");
        // The scheduler is recorded as the actor of the publication.
        let revisions = e.call("GET", &format!("/v1/admin/articles/{id}/revisions"), &e.preview, None).json();
        let actors: Vec<(&str, &str)> = revisions["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["actor"].as_str().unwrap(), r["action"].as_str().unwrap()))
            .collect();
        assert_eq!(
            actors,
            [
                ("desk", "article.archive"),
                ("scheduler", "article.publish"),
                ("desk", "article.schedule"),
                ("desk", "article.unpublish"),
                ("desk", "article.publish"),
                ("desk", "article.create"),
            ]
        );
        // Deleted: gone everywhere.
        let d = e.call("DELETE", &format!("/v1/admin/articles/{id}"), &e.write, None);
        assert_eq!(d.status, 204, "{}", d.text);
        e.call("GET", &format!("/v1/admin/articles/{id}"), &e.preview, None).assert_problem(404, None);
    }

    fn validation_names_every_bad_field(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let bad = json!({
            "slug": "Not A Slug",
            "title": "",
            "tags": ["rates", "Bad Tag"],
            "body": [
                {"type": "paragraph", "spans": [{"text": "x", "href": "javascript:alert(1)"}]},
                {"type": "marquee"}
            ],
            "heroImage": {"src": "data:image/png;base64,AAAA", "alt": ""}
        });
        let r = e.call("POST", "/v1/admin/articles", &e.write, Some(bad.clone()));
        r.assert_problem(400, None);
        let fields: Vec<String> =
            r.json()["errors"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
        for expected in ["slug", "section", "tags[1]", "body[1]", "heroImage.src"] {
            assert!(fields.iter().any(|f| f == expected), "{expected} not in {fields:?}");
        }
        // Unsafe URLs inside otherwise valid blocks, and missing references.
        let mut unsafe_body = new_article("unsafe");
        unsafe_body["body"] = json!([{"type": "link_list", "items": [{"text": "x", "url": "javascript:void(0)"}]}]);
        e.call("POST", "/v1/admin/articles", &e.write, Some(unsafe_body)).assert_problem(400, Some("body[0].items[0].url"));
        let mut missing = new_article("missing-refs");
        missing["section"] = json!("no-such-section");
        missing["authors"] = json!(["nobody"]);
        let r = e.call("POST", "/v1/admin/articles", &e.write, Some(missing));
        r.assert_problem(400, Some("section"));
        r.assert_problem(400, Some("authors[0]"));
        // Unknown fields and wrong media types.
        let mut extra = new_article("extra");
        extra["colour"] = json!("red");
        e.call("POST", "/v1/admin/articles", &e.write, Some(extra)).assert_problem(400, Some("colour"));
        let auth = bearer(&e.write);
        let r = e.app.post("/v1/admin/articles", "text/plain", "{}", &[("authorization", &auth)]);
        r.assert_problem(415, None);
        // GraphQL names the same fields.
        let m = "mutation($i: ArticleInput!) { createArticle(input: $i) { article { slug } } }";
        let g = e.graphql(Some(&e.write), m, json!({ "i": bad }));
        assert_eq!(code(&g), "BAD_USER_INPUT", "{g}");
        let gfields: Vec<&str> = g["errors"][0]["extensions"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(gfields.contains(&"heroImage.src") && gfields.contains(&"slug"), "{gfields:?}");
        // Nothing was written.
        assert_eq!(e.call("GET", "/v1/admin/articles", &e.preview, None).json()["data"].as_array().unwrap().len(), 11);
    }

    fn slugs_redirect_and_stay_reserved(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("old-name");
        let id = id_of(&a);
        e.action(&id, "publish", None);
        assert_eq!(e.app.json("/v1/articles/old-name")["slug"], "old-name");
        let r = e.call("PATCH", &format!("/v1/admin/articles/{id}"), &e.write, Some(json!({"slug": "new-name", "version": 2})));
        assert_eq!(r.status, 200, "{}", r.text);
        // REST: 301 to the current slug. GraphQL: the article itself.
        let old = e.app.get("/v1/articles/old-name");
        assert_eq!(old.status, 301, "{}", old.text);
        assert_eq!(old.header("location"), Some("/v1/articles/new-name"));
        assert_eq!(e.app.json("/v1/articles/new-name")["id"], a["id"]);
        let g = e.graphql(None, "{ article(slug: \"old-name\") { id slug } }", json!({}));
        assert_eq!(g["data"]["article"]["slug"], "new-name", "{g}");
        // Neither the current nor the former slug can be taken by another article.
        for taken in ["old-name", "new-name", "rates-rise"] {
            let r = e.call("POST", "/v1/admin/articles", &e.write, Some(new_article(taken)));
            r.assert_problem(409, Some("slug"));
        }
        // The article itself may go back to its former slug.
        let back = e.call("PATCH", &format!("/v1/admin/articles/{id}"), &e.write, Some(json!({"slug": "old-name", "version": 3})));
        assert_eq!(back.status, 200, "{}", back.text);
        assert_eq!(e.app.json("/v1/articles/old-name")["slug"], "old-name");
        assert_eq!(e.app.get("/v1/articles/new-name").header("location"), Some("/v1/articles/old-name"));
    }

    fn stale_writes_change_nothing(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("contested");
        let path = format!("/v1/admin/articles/{}", id_of(&a));
        let got = e.call("GET", &path, &e.preview, None);
        assert_eq!(got.header("etag"), Some("\"1\""));
        // If-Match with the ETag.
        let auth = bearer(&e.write);
        let body = json!({"title": "First edit"}).to_string();
        let r = e.app.send("PATCH", &path, Some(&body), &[("authorization", &auth), ("if-match", "\"1\"")]);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        // From version 1 again: 412, nothing changed.
        let r = e.app.send("PATCH", &path, Some(&json!({"title": "Lost"}).to_string()), &[("authorization", &auth), ("if-match", "\"1\"")]);
        r.assert_problem(412, None);
        e.call("PATCH", &path, &e.write, Some(json!({"title": "Lost", "version": 1}))).assert_problem(412, None);
        e.call("PATCH", &path, &e.write, Some(json!({"title": "No version"}))).assert_problem(400, Some("version"));
        let now = e.call("GET", &path, &e.preview, None).json();
        assert_eq!((now["title"].as_str(), now["version"].as_i64()), (Some("First edit"), Some(2)));
        // GraphQL: CONFLICT.
        let m = "mutation($id: ID!) { updateArticle(id: $id, input: {title: \"Lost\"}, version: 1) { article { title } } }";
        assert_eq!(code(&e.graphql(Some(&e.write), m, json!({"id": a["id"]}))), "CONFLICT");
        // Two concurrent updates from the same version: exactly one wins.
        for round in 0..5 {
            let version = e.call("GET", &path, &e.preview, None).json()["version"].as_i64().unwrap();
            let statuses: Vec<u16> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..2)
                    .map(|n| {
                        let (e, path) = (&e, &path);
                        s.spawn(move || {
                            let body = json!({"title": format!("Round {round} by {n}"), "version": version});
                            e.call("PATCH", path, &e.write, Some(body)).status
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let mut sorted = statuses.clone();
            sorted.sort();
            assert_eq!(sorted, [200, 412], "round {round}: {statuses:?}");
            assert_eq!(e.call("GET", &path, &e.preview, None).json()["version"], version + 1);
        }
    }

    fn revisions_list_read_and_restore(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("revised");
        let id = id_of(&a);
        let path = format!("/v1/admin/articles/{id}");
        e.call("PATCH", &path, &e.write, Some(json!({"title": "Second title", "tags": ["ai"], "version": 1})));
        e.call("PUT", &path, &e.write, Some(json!({"slug": "revised", "title": "Third title", "section": "world", "body": [], "version": 2})));
        let list = e.call("GET", &format!("{path}/revisions"), &e.preview, None).json();
        let numbers: Vec<i64> = list["data"].as_array().unwrap().iter().map(|r| r["number"].as_i64().unwrap()).collect();
        assert_eq!(numbers, [3, 2, 1]);
        assert_eq!(list["data"][1]["changed"], json!(["title", "tags"]));
        assert_eq!(list["data"][1]["actor"], "desk");
        let first = e.call("GET", &format!("{path}/revisions/1"), &e.preview, None).json();
        assert_eq!(first["article"]["title"], "Title of revised");
        assert_eq!(first["article"]["tags"], json!(["rates", "energy"]));
        e.call("GET", &format!("{path}/revisions/9"), &e.preview, None).assert_problem(404, None);
        // Restore revision 1: a new revision 4 with its content.
        let r = e.call("POST", &format!("{path}/revisions/1/restore"), &e.write, None);
        assert_eq!(r.status, 200, "{}", r.text);
        let restored = r.json();
        assert_eq!((restored["title"].as_str(), restored["version"].as_i64()), (Some("Title of revised"), Some(4)));
        assert_eq!(restored["section"]["slug"], "invest");
        let list = e.call("GET", &format!("{path}/revisions"), &e.preview, None).json();
        assert_eq!(list["data"][0]["number"], 4);
        assert_eq!(list["data"][0]["action"], "article.restore");
        // GraphQL restores the same way.
        let m = "mutation($id: ID!) { restoreRevision(id: $id, number: 2) { article { title version } } }";
        let g = e.graphql(Some(&e.write), m, json!({"id": id}));
        assert_eq!(g["data"]["restoreRevision"]["article"]["title"], "Second title", "{g}");
    }

    fn renamed_tags_and_authors_reach_cards_at_once_and_other_nodes_within_seconds(backend: Backend) {
        // Cards name their tags and authors, and filters resolve their slugs,
        // from memory held two seconds: the node that renames shows the new
        // names at once, another node within the coherence bound; REST and
        // GraphQL alike, and the old slug filters nothing any more.
        let Some(db) = TestDb::new(backend) else { return };
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let auth = bearer(&key(&db, "desk", &["content:write"]));
        let second = db.shared();
        let a = TestApp::serve(db, &["--read-cache-ms", "0"]);
        let b = TestApp::serve(second, &["--read-cache-ms", "0"]);
        // The card of rates-rise in a list: its tags and authors as (slug, name).
        type Refs = Vec<(String, String)>;
        let card = |app: &TestApp, q: &str| -> Option<(Refs, Refs)> {
            let list = app.json(&format!("/v1/articles?{q}&limit=100"));
            let a = list["data"].as_array().expect("data").iter().find(|a| a["slug"] == "rates-rise")?.clone();
            let refs = |v: &Value| -> Refs {
                v.as_array().expect("refs").iter().map(|r| (r["slug"].as_str().expect("slug").to_owned(), r["name"].as_str().expect("name").to_owned())).collect()
            };
            Some((refs(&a["tags"]), refs(&a["authors"])))
        };
        let before = (vec![("rates".to_owned(), "Rates".to_owned())], vec![("ana-lee".to_owned(), "Ana Lee".to_owned())]);
        for app in [&a, &b] {
            assert_eq!(card(app, "tag=rates&author=ana-lee"), Some(before.clone()));
        }
        let put = |path: &str, body: Value| a.send("PUT", path, Some(&body.to_string()), &[("authorization", &auth)]);
        assert_eq!(put("/v1/admin/tags/rates", json!({"slug": "interest-rates", "name": "Interest rates"})).status, 204);
        assert_eq!(put("/v1/admin/authors/ana-lee", json!({"slug": "ana-lee-smith", "name": "Ana Lee-Smith", "bio": "Economics"})).status, 204);
        let after = (
            vec![("interest-rates".to_owned(), "Interest rates".to_owned())],
            vec![("ana-lee-smith".to_owned(), "Ana Lee-Smith".to_owned())],
        );
        let renamed = |app: &TestApp| {
            card(app, "tag=interest-rates&author=ana-lee-smith") == Some(after.clone())
                && card(app, "").is_some_and(|c| c == after)
                && slugs(&app.json("/v1/articles?tag=rates")).is_empty()
                && slugs(&app.json("/v1/articles?author=ana-lee")).is_empty()
        };
        assert!(renamed(&a), "the renaming node shows the new names at once");
        let g = a.graphql(
            "{ articles(filter: {tags: [\"interest-rates\"], author: \"ana-lee-smith\"}) { nodes { slug tags { slug name } authors { slug name } } } }",
            json!({}),
        );
        let node = g["data"]["articles"]["nodes"].as_array().expect("nodes").iter().find(|n| n["slug"] == "rates-rise").cloned();
        assert_eq!(node.as_ref().map(|n| n["tags"][0]["name"].clone()), Some(json!("Interest rates")), "{g}");
        assert_eq!(node.map(|n| n["authors"][0]["name"].clone()), Some(json!("Ana Lee-Smith")), "{g}");
        eventually(Duration::from_secs(6), "the other node shows the new names", || renamed(&b));
    }

    fn taxonomy_writes(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let r = e.call("POST", "/v1/admin/sections", &e.write, Some(json!({"slug": "markets", "name": "Markets", "parent": "business"})));
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(e.app.json("/v1/sections/markets")["path"][0]["slug"], "business");
        e.call("POST", "/v1/admin/sections", &e.write, Some(json!({"slug": "markets", "name": "Again"}))).assert_problem(409, Some("slug"));
        e.call("POST", "/v1/admin/tags", &e.write, Some(json!({"slug": "Bad", "name": ""}))).assert_problem(400, Some("name"));
        e.call("POST", "/v1/admin/tags", &e.write, Some(json!({"slug": "x", "name": "X", "parent": "news"}))).assert_problem(400, Some("parent"));
        assert_eq!(e.call("POST", "/v1/admin/authors", &e.write, Some(json!({"slug": "cy", "name": "Cy", "bio": "Markets"}))).status, 201);
        assert_eq!(e.call("PUT", "/v1/admin/tags/unused", &e.write, Some(json!({"slug": "spare", "name": "Spare"}))).status, 204);
        assert_eq!(e.app.json("/v1/tags/spare")["name"], "Spare");
        // A section cannot go below itself.
        e.call("PUT", "/v1/admin/sections/business", &e.write, Some(json!({"slug": "business", "name": "Business", "parent": "markets"})))
            .assert_problem(400, Some("parent"));
        // In use: 409 with a clear reason. Unused: deleted.
        let r = e.call("DELETE", "/v1/admin/sections/invest", &e.write, None);
        r.assert_problem(409, None);
        assert!(r.json()["detail"].as_str().unwrap().contains("article"), "{}", r.text);
        e.call("DELETE", "/v1/admin/sections/business", &e.write, None).assert_problem(409, None);
        e.call("DELETE", "/v1/admin/tags/rates", &e.write, None).assert_problem(409, None);
        assert_eq!(e.call("DELETE", "/v1/admin/tags/spare", &e.write, None).status, 204);
        e.app.get("/v1/tags/spare").assert_problem(404, None);
        e.call("DELETE", "/v1/admin/colours/red", &e.write, None).assert_problem(404, None);
        // GraphQL.
        // Payloads hold what changed, typed, with the id readers see.
        let m = "mutation { createTaxon(kind: TAG, input: {slug: \"gql-tag\", name: \"GQL\"}) { taxon { __typename ... on Tag { id slug name } } } }";
        let created = e.graphql(Some(&e.write), m, json!({}));
        let tag = &created["data"]["createTaxon"]["taxon"];
        assert_eq!((&tag["__typename"], &tag["slug"], &tag["name"]), (&json!("Tag"), &json!("gql-tag"), &json!("GQL")), "{created}");
        assert_eq!(tag["id"], e.app.json("/v1/tags/gql-tag")["id"]);
        let m = "mutation { updateTaxon(kind: SECTION, slug: \"invest\", input: {slug: \"investing\", name: \"Investing\", parent: \"business\"}) { taxon { ... on Section { id slug path { slug } } } } }";
        let renamed = e.graphql(Some(&e.write), m, json!({}));
        let section = &renamed["data"]["updateTaxon"]["taxon"];
        assert_eq!(section["path"], json!([{"slug": "business"}, {"slug": "investing"}]), "{renamed}");
        assert_eq!(section["id"], e.app.json("/v1/sections/investing")["id"]);
        let m = "mutation { deleteTaxon(kind: TAG, slug: \"gql-tag\") { deletedId } }";
        assert_eq!(e.graphql(Some(&e.write), m, json!({}))["data"]["deleteTaxon"]["deletedId"], tag["id"]);
        let m = "mutation { deleteTaxon(kind: SECTION, slug: \"investing\") { deletedId } }";
        assert_eq!(code(&e.graphql(Some(&e.write), m, json!({}))), "CONFLICT");
        // The audit log names keys, actions and articles.
        let audit = e.call("GET", "/v1/admin/audit?limit=100", &e.admin, None).json();
        let actions: Vec<(&str, &str, &str)> = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["actor"].as_str().unwrap(), a["action"].as_str().unwrap(), a["subject"].as_str().unwrap()))
            .collect();
        assert!(actions.contains(&("desk", "section.create", "markets")), "{actions:?}");
        assert!(actions.contains(&("desk", "tag.delete", "spare")), "{actions:?}");
        assert!(actions.contains(&("desk", "tag.create", "gql-tag")), "{actions:?}");
    }

    fn article_writes_are_audited(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("audited");
        let id = id_of(&a);
        e.action(&id, "publish", None);
        let audit = e.call("GET", &format!("/v1/admin/audit?article={id}"), &e.admin, None).json();
        let entries: Vec<(&str, &str)> = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["actor"].as_str().unwrap(), a["action"].as_str().unwrap()))
            .collect();
        assert_eq!(entries, [("desk", "article.publish"), ("desk", "article.create")]);
        assert_eq!(audit["data"][0]["article"], a["id"]);
        e.call("GET", "/v1/admin/audit?article=x", &e.admin, None).assert_problem(400, Some("article"));
    }

    fn webhooks_are_signed_and_retried(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--webhook-retry-ms", "200", "--webhook-allow", "127.0.0.0/8"]) else {
            return;
        };
        let receiver = Receiver::start(&[500]);
        let hook = json!({"url": receiver.url(), "events": ["article.published", "article.deleted"]});
        let created = e.call("POST", "/v1/admin/webhooks", &e.admin, Some(hook));
        assert_eq!(created.status, 201, "{}", created.text);
        let created = created.json();
        let secret = created["secret"].as_str().unwrap().to_owned();
        let a = e.create("announced");
        e.action(&id_of(&a), "publish", None);
        // The first attempt fails (500); the retry is accepted.
        eventually(Duration::from_secs(10), "webhook delivered", || receiver.accepted().len() == 1);
        let got = receiver.received();
        assert_eq!(got.len(), 2, "one failure, one retry");
        let (headers, body) = &got[1];
        assert_eq!(got[0].1, *body, "the retry sends the same event");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(headers.get("x-newsdesk-signature").map(String::as_str), Some(format!("sha256={expected}").as_str()));
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["event"], "article.published");
        assert_eq!(event["data"]["article"]["slug"], "announced");
        assert_eq!(headers.get("x-newsdesk-delivery").map(String::as_str), event["id"].as_str());
        assert_eq!(headers.get("x-newsdesk-event").map(String::as_str), Some("article.published"));
        assert!(headers.get("x-newsdesk-timestamp").is_some_and(|t| t.parse::<i64>().is_ok()));
        // The delivery log.
        let id = created["id"].as_str().unwrap();
        let log = e.call("GET", &format!("/v1/admin/webhooks/{id}/deliveries"), &e.admin, None).json();
        let d = &log["data"][0];
        assert_eq!((d["status"].as_str(), d["attempts"].as_i64(), d["lastStatus"].as_i64()), (Some("delivered"), Some(2), Some(200)), "{log}");
        // Unsubscribed events are not sent; subscribed ones are.
        e.call("PATCH", &format!("/v1/admin/articles/{}", id_of(&a)), &e.write, Some(json!({"title": "Edited", "version": 2})));
        e.call("DELETE", &format!("/v1/admin/articles/{}", id_of(&a)), &e.write, None);
        eventually(Duration::from_secs(10), "deletion announced", || receiver.accepted().len() == 2);
        let events: Vec<String> = receiver.accepted().iter().map(|(h, _)| h["x-newsdesk-event"].clone()).collect();
        assert_eq!(events, ["article.published", "article.deleted"]);
    }

    fn imports_reach_nodes_with_long_caches(backend: Backend) {
        // A minute of read cache; an import through the CLI bumps the content
        // version, which the node polls.
        let Some(e) = Editorial::start(backend, &["--read-cache-ms", "60000"]) else { return };
        assert_eq!(e.app.json("/v1/articles/rates-rise")["title"], "Title of rates-rise");
        assert_eq!(e.app.json("/v1/articles/rates-rise")["title"], "Title of rates-rise", "cached");
        let line = json!({
            "kind": "article", "slug": "rates-rise", "title": "Imported title", "section": "invest",
            "body": [], "status": "published", "publishedAt": "2026-01-01T08:00:00Z"
        });
        let (ok, _, err) = cli(e.app.db(), &["import", "-"], Some(format!("{line}\n").as_bytes()));
        assert!(ok, "{err}");
        eventually(Duration::from_secs(2), "the import shows", || {
            e.app.json("/v1/articles/rates-rise")["title"] == "Imported title"
        });
    }

    fn pending_webhooks_survive_a_restart(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--webhook-retry-ms", "300", "--webhook-allow", "127.0.0.1"]) else {
            return;
        };
        // A receiver that is down: take a free port and close it.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/hook");
        let hook = e.call("POST", "/v1/admin/webhooks", &e.admin, Some(json!({"url": url, "events": ["article.published"]})));
        assert_eq!(hook.status, 201, "{}", hook.text);
        let hook_id = hook.json()["id"].as_str().unwrap().to_owned();
        let a = e.create("survivor");
        e.action(&id_of(&a), "publish", None);
        let log = |e: &Editorial| e.call("GET", &format!("/v1/admin/webhooks/{hook_id}/deliveries"), &e.admin, None).json();
        eventually(Duration::from_secs(10), "a failed attempt", || log(&e)["data"][0]["attempts"].as_i64() >= Some(1));
        let d = log(&e);
        assert_eq!(d["data"][0]["status"], "pending");
        // Open or closed, the log does not say.
        assert_eq!(d["data"][0]["lastError"], "not delivered", "{d}");
        let Editorial { app, admin, .. } = e;
        let (_, db) = app.shutdown("TERM");
        // The receiver comes up while no server runs; a new server delivers.
        let receiver = Receiver::start_on(port, &[]);
        let app = TestApp::serve(db, &["--webhook-retry-ms", "300", "--webhook-allow", "127.0.0.1"]);
        let e = Editorial { app, read: String::new(), preview: String::new(), write: String::new(), admin };
        eventually(Duration::from_secs(15), "delivered after the restart", || receiver.accepted().len() == 1);
        eventually(Duration::from_secs(5), "logged as delivered", || log(&e)["data"][0]["status"] == "delivered");
    }
}

/// Two nodes on one PostgreSQL database: a write through one is visible through
/// the other within 2 s, although its read cache would keep a copy for a minute.
#[test]
fn writes_reach_other_nodes_through_postgres() {
    if !crate::support::postgres_is_set(concat!(module_path!(), "::writes_reach_other_nodes_through_postgres")) {
        return;
    }
    let e = Editorial::start(Backend::Postgres, &["--read-cache-ms", "60000"]).expect("backend");
    let other = TestApp::serve(e.app.db().shared(), &["--read-cache-ms", "60000"]);
    let before = other.json("/v1/articles/rates-rise");
    assert_eq!(before["title"], "Title of rates-rise");
    assert_eq!(other.json("/v1/articles/rates-rise")["title"], "Title of rates-rise", "cached");
    let id = before["id"].as_str().unwrap();
    let version = before["version"].as_i64().unwrap();
    let path = format!("/v1/admin/articles/{id}");
    let r = e.call("PATCH", &path, &e.write, Some(json!({"title": "Rates rise again", "version": version})));
    assert_eq!(r.status, 200, "{}", r.text);
    // At once on the writing node; within 2 s on the other.
    assert_eq!(e.app.json("/v1/articles/rates-rise")["title"], "Rates rise again");
    let took = eventually(Duration::from_secs(2), "the other node shows the write", || {
        other.json("/v1/articles/rates-rise")["title"] == "Rates rise again"
    });
    eprintln!("other node up to date after {took:?}");
    // Unpublishing through one node hides the article on the other.
    e.action(id, "unpublish", None);
    eventually(Duration::from_secs(2), "the other node hides it", || {
        other.get("/v1/articles/rates-rise").status == 404
    });
}

type Request = (std::collections::HashMap<String, String>, String);

/// A webhook receiver: answers each request with the next scripted status (then 200).
pub(crate) struct Receiver {
    port: u16,
    log: Arc<Mutex<Vec<(u16, Request)>>>,
}

impl Receiver {
    pub fn start(script: &[u16]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port, script)
    }

    fn start_on(port: u16, script: &[u16]) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let log: Arc<Mutex<Vec<(u16, Request)>>> = Arc::default();
        let (l, mut script) = (log.clone(), script.to_vec());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = std::collections::HashMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap() == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.trim().split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    }
                }
                let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                let status = if script.is_empty() { 200 } else { script.remove(0) };
                l.lock().unwrap().push((status, (headers, String::from_utf8(body).unwrap())));
                let _ = write!(stream, "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        Self { port, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn received(&self) -> Vec<Request> {
        self.log.lock().unwrap().iter().map(|(_, r)| r.clone()).collect()
    }

    fn accepted(&self) -> Vec<Request> {
        self.log.lock().unwrap().iter().filter(|(s, _)| *s == 200).map(|(_, r)| r.clone()).collect()
    }
}
