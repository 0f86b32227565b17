//! Hostile clients: costly GraphQL documents, other spellings of paths, admin
//! requests without a key, redirects to unpublished articles, control
//! characters in text.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::editorial::{Editorial, Receiver, id_of, new_article};
use crate::on_both_backends;
use crate::support::{Backend, TestApp, cli, eventually};

/// A document of about 1,000 bytes whose fragments each spread the next twice:
/// 2^28 fields once expanded.
fn fragment_bomb() -> String {
    let mut doc = String::from("{...F0}");
    for i in 0..28 {
        doc.push_str(&format!("fragment F{i} on Query{{...F{} ...F{}}}", i + 1, i + 1));
    }
    doc.push_str("fragment F28 on Query{sections{slug name}}");
    doc
}

/// Every letter percent-encoded, as a router decodes it.
fn encode_letters(path: &str) -> String {
    path.chars().map(|c| if c.is_ascii_alphabetic() { format!("%{:02X}", c as u8) } else { c.to_string() }).collect()
}

/// Other spellings of a path: encoded letters (all, or the first of each
/// segment), doubled slashes, upper case, a trailing slash.
fn spellings(path: &str) -> Vec<String> {
    let first_encoded = path
        .split('/')
        .map(|seg| match seg.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => format!("%{:02x}{}", c as u8, &seg[1..]),
            _ => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/");
    vec![encode_letters(path), first_encoded, path.replace('/', "//"), path.to_uppercase(), format!("{path}/")]
}

/// The documented operations, with their path parameters filled in.
fn operations(e: &Editorial) -> Vec<(String, String)> {
    let doc = e.app.json("/openapi.json");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{slug}", "rates-rise")
            .replace("{kind}", "most-read")
            .replace("{id}", "1")
            .replace("{n}", "1")
            .replace("{action}", "publish")
            .replace("{collection}", "tags");
        assert!(!concrete.contains('{'), "a parameter left in {concrete}");
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), concrete.clone()));
        }
    }
    out
}

const OPEN: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/schema.graphql"];

on_both_backends! {
    fn graphql_documents_are_bounded_and_introspection_works(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let bomb = json!({ "query": fragment_bomb() }).to_string();
        assert!(bomb.len() < 1_100, "{}", bomb.len());
        // Two at once, while the server keeps answering others.
        let started = Instant::now();
        std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..2).map(|_| s.spawn(|| e.app.post("/graphql", "application/json", &bomb, &[]))).collect();
            let health = e.app.get("/healthz");
            assert_eq!(health.status, 200);
            for h in handles {
                let r = h.join().unwrap();
                assert_eq!(r.status, 400, "{}", r.text);
                let g = r.json();
                assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
                assert_eq!(g["errors"][0]["extensions"]["limit"], "fields", "{g}");
            }
        });
        assert!(started.elapsed() < Duration::from_secs(2), "refused in {:?}", started.elapsed());
        // The same over GET.
        let r = e.app.get(&format!("/graphql?query={}", encode_letters(&fragment_bomb()).replace(' ', "%20").replace('\n', "%0A").replace('{', "%7B").replace('}', "%7D")));
        assert_eq!(r.status, 400, "{}", r.text);
        // Aliases and directives in bulk.
        let aliases: String = (0..150).map(|i| format!("a{i}: sections {{ slug }} ")).collect();
        let r = e.app.post("/graphql", "application/json", &json!({ "query": format!("{{ {aliases} }}") }).to_string(), &[]);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.json()["errors"][0]["extensions"]["limit"], "aliases");
        let huge = format!("{{ sections {{ slug }} }} #{}", "x".repeat(40_000));
        let r = e.app.post("/graphql", "application/json", &json!({ "query": huge }).to_string(), &[]);
        assert_eq!(r.status, 400, "{}", r.text);
        // The introspection query of GraphiQL, Apollo, Postman and graphql-codegen.
        let introspection = include_str!("fixtures/introspection.graphql");
        let g = e.app.graphql(introspection, json!({}));
        assert!(g["errors"].is_null(), "{g}");
        let types = g["data"]["__schema"]["types"].as_array().expect("types");
        assert!(types.iter().any(|t| t["name"] == "Article"), "{g}");
        assert_eq!(g["data"]["__schema"]["queryType"]["name"], "Query");
        // An ordinary page query is untouched.
        let g = e.app.graphql("{ article(slug: \"rates-rise\") { title section { path { slug } } tags { slug } body { __typename } related { slug } } }", json!({}));
        assert!(g["errors"].is_null(), "{g}");
    }

    fn access_is_decided_on_the_routed_path(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--require-read-key"]) else { return };
        let ops = operations(&e);
        assert!(ops.len() > 30, "{ops:?}");
        let mut checked = 0;
        for (method, path) in &ops {
            let open = OPEN.contains(&path.as_str()) || path.starts_with("/docs");
            if open || path == "/graphql" && method == "GET" {
                continue;
            }
            for spelled in std::iter::once(path.clone()).chain(spellings(path)) {
                let body = (method != "GET").then_some("{}");
                let r = e.app.send(method, &spelled, body, &[]);
                assert_eq!(r.status, 401, "{method} {spelled} without a key: {}", r.text);
                checked += 1;
            }
        }
        assert!(checked > 150, "{checked}");
        // GraphQL queries over GET, spelled otherwise.
        for path in ["/graphql", "/%67raphql", "/%67%72%61%70%68%71%6C", "//graphql", "/GRAPHQL"] {
            let r = e.app.get(&format!("{path}?query=%7Bsections%7Bslug%7D%7D"));
            assert_eq!(r.status, 401, "{path}: {}", r.text);
        }
        // What is open stays open however it is spelled, and nothing else is.
        for path in OPEN {
            assert_eq!(e.app.get(path).status, 200, "{path}");
            assert_eq!(e.app.get(&encode_letters(path)).status, 200, "{path} encoded");
        }
        assert_eq!(e.app.get_with("/graphql", &[("accept", "text/html")]).status, 200);
        assert_eq!(e.app.get_with("/%67raphql", &[("accept", "text/html")]).status, 200);
        assert_eq!(e.app.get("/nothing-here").status, 401);
        // With a key, the encoded spelling is the same route.
        let auth = format!("Bearer {}", e.read);
        let r = e.app.get_with(&encode_letters("/v1/articles/rates-rise"), &[("authorization", &auth)]);
        assert_eq!(r.status, 200, "{}", r.text);
    }

    fn admin_routes_authenticate_first(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let ops = operations(&e);
        let admin: Vec<&(String, String)> = ops.iter().filter(|(_, p)| p.starts_with("/v1/admin")).collect();
        assert!(admin.len() > 15, "{admin:?}");
        let read = format!("Bearer {}", e.read);
        for (method, path) in admin {
            // Malformed bodies, the wrong media type, unknown ids, bad query values.
            let unknown = path.replace("/1", "/999999");
            let bad_query = format!("{path}?status=nonsense&limit=0&bogus=1");
            let cases: [(&str, Option<&str>, &str); 3] =
                [(path, Some("{not json"), "application/json"), (&unknown, Some("x"), "text/csv"), (&bad_query, None, "")];
            for (target, body, media) in cases {
                let mut headers = vec![];
                if !media.is_empty() {
                    headers.push(("content-type", media));
                }
                let req = |extra: Option<(&str, &str)>| {
                    let mut h = headers.clone();
                    h.extend(extra);
                    let mut r = ureq::http::Request::builder().method(method.as_str()).uri(e.app.url(target));
                    for (k, v) in h {
                        r = r.header(k, v);
                    }
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    let resp = agent.run(r.body(body.unwrap_or("").as_bytes().to_vec()).unwrap()).unwrap();
                    resp.status().as_u16()
                };
                assert_eq!(req(None), 401, "{method} {target} without a key");
                assert_eq!(req(Some(("authorization", &read))), 403, "{method} {target} with a read key");
            }
        }
        // A write key is not an admin key.
        let r = e.call("GET", "/v1/admin/audit?bogus=1", &e.write, None);
        r.assert_problem(403, None);
    }

    fn redirects_lead_only_to_visible_articles(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let a = e.create("quiet-draft");
        let id = id_of(&a);
        let r = e.call("PATCH", &format!("/v1/admin/articles/{id}"), &e.write, Some(json!({"slug": "secret-headline", "version": 1})));
        assert_eq!(r.status, 200, "{}", r.text);
        // The former slug of a draft says nothing of it.
        let old = e.app.get("/v1/articles/quiet-draft");
        old.assert_problem(404, None);
        assert!(!old.text.contains("secret"), "{}", old.text);
        let g = e.graphql(None, "{ article(slug: \"quiet-draft\") { slug } }", json!({}));
        assert!(g["data"]["article"].is_null(), "{g}");
        // A preview key follows it, privately.
        let preview = format!("Bearer {}", e.preview);
        let r = e.app.get_with("/v1/articles/quiet-draft", &[("authorization", &preview)]);
        assert_eq!(r.status, 301, "{}", r.text);
        assert_eq!(r.header("cache-control"), Some("private, no-store"));
        // Published, the redirect is public.
        e.action(&id, "publish", None);
        let r = e.app.get("/v1/articles/quiet-draft");
        assert_eq!(r.status, 301, "{}", r.text);
        assert_eq!(r.header("location"), Some("/v1/articles/secret-headline"));
        // Unpublished again, it is gone again.
        e.action(&id, "unpublish", None);
        e.app.get("/v1/articles/quiet-draft").assert_problem(404, None);
    }

    fn control_characters_are_refused_in_text(backend: Backend) {
        let Some(e) = Editorial::start(backend, &[]) else { return };
        let create = |patch: Value| {
            let mut a = new_article("controlled");
            for (k, v) in patch.as_object().unwrap() {
                a[k] = v.clone();
            }
            e.call("POST", "/v1/admin/articles", &e.write, Some(a))
        };
        for (patch, field) in [
            (json!({"summary": "nul\u{0}here"}), "summary"),
            (json!({"title": "bell\u{7}"}), "title"),
            (json!({"body": [{"type": "paragraph", "spans": [{"text": "esc\u{1b}[31m"}]}]}), "body[0].spans[0].text"),
            (json!({"body": [{"type": "quote", "text": "q", "attribution": "\u{0}"}]}), "body[0].attribution"),
            (json!({"heroImage": {"src": "https://img.example.org/a.jpg", "alt": "a", "caption": "c\u{0}"}}), "heroImage.caption"),
        ] {
            create(patch).assert_problem(400, Some(field));
        }
        // Line breaks and tabs are text.
        let ok = create(json!({"summary": "two\nlines\tand a tab"}));
        assert_eq!(ok.status, 201, "{}", ok.text);
        let r = e.call("POST", "/v1/admin/authors", &e.write, Some(json!({"slug": "nul-bio", "name": "Nul", "bio": "a\u{0}b"})));
        r.assert_problem(400, Some("bio"));
        let g = e.graphql(Some(&e.write), "mutation($s: String) { createArticle(input: {slug: \"gql-nul\", title: \"T\", section: \"news\", summary: $s, body: [{type: \"paragraph\", spans: [{text: \"x\"}]}]}) { article { slug } } }", json!({"s": "x\u{0}"}));
        assert_eq!(g["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{g}");
        // In an import, the line is named.
        let line = json!({"kind": "author", "slug": "imported-nul", "name": "N", "bio": "\u{0}"}).to_string();
        let (ok, _, err) = cli(e.app.db(), &["import", "-"], Some(format!("{line}\n").as_bytes()));
        assert!(!ok && err.contains("line 1") && err.contains("bio"), "{err}");
        // In paths and query parameters: refused, never a server error.
        for path in ["/v1/articles/%00", "/v1/articles/a%00b/related", "/v1/tags/%00", "/v1/search?q=a%00b", "/v1/articles?tag=%00"] {
            let r = e.app.get(path);
            assert!(r.status == 400 || r.status == 404, "{path}: {} {}", r.status, r.text);
        }
        let r = e.app.post("/v1/articles/%00/views", "application/json", r#"{"sessionId": "reader-12345678"}"#, &[]);
        assert!(r.status == 400 || r.status == 404, "{}: {}", r.status, r.text);
    }

    fn webhooks_cannot_reach_inside_the_network(backend: Backend) {
        let Some(e) = Editorial::start(backend, &["--webhook-retry-ms", "200", "--webhook-allow", "127.0.0.1/32"]) else {
            return;
        };
        for url in [
            "http://10.0.0.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706434/",
            "http://0x7f000002/",
            "http://127.0.0.2/",
            "http://[::1]:9/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[fd00:ec2::254]/",
            "https://user:pass@example.com/hook",
        ] {
            let r = e.call("POST", "/v1/admin/webhooks", &e.admin, Some(json!({"url": url, "events": ["article.published"]})));
            r.assert_problem(400, Some("url"));
        }
        // Opened by the allow-list: registered; once it is closed again, every
        // delivery is checked on the resolved address and refused.
        let receiver = Receiver::start(&[]);
        let hook = json!({"url": receiver.url(), "events": ["article.published"]});
        let created = e.call("POST", "/v1/admin/webhooks", &e.admin, Some(hook));
        assert_eq!(created.status, 201, "{}", created.text);
        let hook_id = created.json()["id"].as_str().unwrap().to_owned();
        let Editorial { app, admin, write, .. } = e;
        let (_, db) = app.shutdown("TERM");
        let app = TestApp::serve(db, &["--webhook-retry-ms", "200"]);
        let e = Editorial { app, read: String::new(), preview: String::new(), write, admin };
        let a = e.create("not-announced");
        e.action(&id_of(&a), "publish", None);
        let log = || e.call("GET", &format!("/v1/admin/webhooks/{hook_id}/deliveries"), &e.admin, None).json();
        eventually(Duration::from_secs(10), "an attempt", || log()["data"][0]["attempts"].as_i64() >= Some(1));
        let d = log();
        assert_eq!(d["data"][0]["lastError"], "not delivered", "{d}");
        assert!(d["data"][0]["lastStatus"].is_null(), "{d}");
        assert!(receiver.received().is_empty(), "nothing reached the receiver");
    }

    fn clients_are_limited_per_address_and_key(backend: Backend) {
        let args = [
            "--rate-limit", "10", "--key-rate-limit", "4", "--search-rate-limit", "2", "--auth-failure-limit", "3",
            "--beacon-limit", "3", "--trusted-proxies", "127.0.0.1", "--flush-ms", "200",
        ];
        let Some(e) = Editorial::start(backend, &args) else { return };
        let from = |ip: &str, path: &str, extra: &[(&str, &str)]| {
            let mut h = vec![("x-forwarded-for", ip)];
            h.extend_from_slice(extra);
            e.app.get_with(path, &h)
        };
        // Requests per address; another address and the operations routes are not held back.
        let statuses: Vec<u16> = (0..25).map(|_| from("203.0.113.1", "/v1/sections", &[]).status).collect();
        assert!(statuses.contains(&429), "{statuses:?}");
        let limited = from("203.0.113.1", "/v1/sections", &[]);
        limited.assert_problem(429, None);
        assert_eq!(limited.json()["code"], "RATE_LIMITED");
        for h in ["retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
            assert!(limited.header(h).is_some(), "{h}: {:?}", limited.headers);
        }
        assert_eq!(from("203.0.113.1", "/healthz", &[]).status, 200);
        assert_eq!(from("203.0.113.2", "/v1/sections", &[]).status, 200);
        // Token guessing: past 3 failures, even a valid token is not checked.
        for i in 0..4 {
            let r = from("203.0.113.3", "/v1/articles", &[("authorization", &format!("Bearer nd_1_guess{i}"))]);
            r.assert_problem(if i < 3 { 401 } else { 429 }, None);
        }
        let valid = format!("Bearer {}", e.read);
        from("203.0.113.3", "/v1/articles", &[("authorization", &valid)]).assert_problem(429, None);
        assert_eq!(from("203.0.113.4", "/v1/articles", &[("authorization", &valid)]).status, 200);
        // Per key, from any address.
        let keyed: Vec<u16> =
            (0..10).map(|i| from(&format!("203.0.113.{}", 10 + i), "/v1/tags", &[("authorization", &valid)]).status).collect();
        assert!(keyed.contains(&429), "{keyed:?}");
        // Searches that are not answered from the response cache, REST and GraphQL.
        let searches: Vec<u16> = ["rates", "oil", "vote", "chip", "summit"]
            .iter()
            .map(|q| from("203.0.113.5", &format!("/v1/search?q={q}"), &[]).status)
            .collect();
        assert_eq!(searches, [200, 200, 200, 200, 429], "a burst of twice the rate, then 429");
        let q = json!({"query": "{ search(query: \"rates\") { edges { cursor } } }"}).to_string();
        let r = e.app.post("/graphql", "application/json", &q, &[("x-forwarded-for", "203.0.113.5")]);
        assert!(r.header("retry-after").is_some(), "{:?}", r.headers);
        let g = r.json();
        assert_eq!(g["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{g}");
        // Beacons: accepted, and past a reader's rate, not counted.
        let views = |e: &Editorial| e.app.json("/v1/articles/vote-count")["views"].as_i64().unwrap();
        let before = views(&e);
        for i in 0..8 {
            let body = json!({"sessionId": format!("scripted-{i:04}")}).to_string();
            let r = e.app.post("/v1/articles/vote-count/views", "application/json", &body, &[("x-forwarded-for", "203.0.113.6")]);
            assert_eq!(r.status, 202, "{}", r.text);
        }
        let body = json!({"sessionId": "honest-reader-1"}).to_string();
        e.app.post("/v1/articles/vote-count/views", "application/json", &body, &[("x-forwarded-for", "203.0.113.7")]);
        eventually(Duration::from_secs(5), "counted views", || views(&e) == before + 4);
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(views(&e), before + 4, "3 of the script's 8, and the reader's");
    }

    fn a_body_that_never_arrives_is_answered_408(backend: Backend) {
        use std::io::{Read, Write};
        let Some(e) = Editorial::start(backend, &["--body-timeout-ms", "1000"]) else { return };
        let addr = e.app.base.trim_start_matches("http://").to_owned();
        let started = Instant::now();
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let head = format!("POST /v1/articles/vote-count/views HTTP/1.1\r\nHost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"sess");
        conn.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "{took:?}");
        // The server goes on; a body too large is refused before it is read.
        assert_eq!(e.app.get("/healthz").status, 200);
        let huge = "x".repeat(5 << 20);
        let r = e.app.post("/graphql", "application/json", &huge, &[]);
        assert_eq!(r.status, 413, "{}", &r.text[..r.text.len().min(200)]);
    }
}

/// SQLite locked past its busy timeout (another process holding the write
/// lock): writes answer 503 with `Retry-After`, reads go on, and writes work
/// again once the lock is gone.
#[test]
fn a_locked_sqlite_database_answers_503() {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let Some(e) = Editorial::start(Backend::Sqlite, &[]) else { return };
    let path = e.app.db().url.trim_start_matches("sqlite://").to_owned();
    let mut holder = SqliteConnection::establish(&path).unwrap();
    diesel::sql_query("BEGIN IMMEDIATE").execute(&mut holder).unwrap();
    let started = Instant::now();
    let r = e.call("POST", "/v1/admin/articles", &e.write, Some(new_article("while-locked")));
    r.assert_problem(503, None);
    assert!(r.header("retry-after").is_some(), "{:?}", r.headers);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(e.app.get("/v1/articles?limit=3").status, 200, "reads go on");
    diesel::sql_query("ROLLBACK").execute(&mut holder).unwrap();
    let r = e.call("POST", "/v1/admin/articles", &e.write, Some(new_article("after-the-lock")));
    assert_eq!(r.status, 201, "{}", r.text);
}
