//! The committed OpenAPI document and GraphQL SDL are what the server serves.

use crate::support::{Backend, TestApp};

const REGENERATE: &str = "regenerate with: cargo run -- schema openapi > openapi/openapi.json && cargo run -- schema graphql > schema.graphql";

fn committed(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: committed `{x}`, served `{y}`", i + 1))
        .unwrap_or_else(|| "the lengths differ".into())
}

#[test]
fn committed_documents_match_the_server() {
    let app = TestApp::spawn(Backend::Sqlite).expect("sqlite");
    for (route, file) in [("/openapi.json", "openapi/openapi.json"), ("/schema.graphql", "schema.graphql")] {
        let served = app.get(route);
        assert_eq!(served.status, 200);
        let committed = committed(file);
        assert!(
            committed == served.text,
            "{file} is stale ({}); {REGENERATE}",
            first_difference(&committed, &served.text)
        );
    }
}

#[test]
fn openapi_documents_every_error_response() {
    let app = TestApp::spawn(Backend::Sqlite).expect("sqlite");
    let doc = app.json("/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/v1/articles",
        "/v1/articles/{slug}",
        "/v1/sections",
        "/v1/sections/{slug}",
        "/v1/tags",
        "/v1/tags/{slug}",
        "/v1/authors",
        "/v1/authors/{slug}",
        "/v1/articles/{slug}/views",
        "/v1/articles/{slug}/reactions",
        "/v1/rankings/{kind}",
        "/v1/search",
        "/v1/articles/{slug}/related",
        "/v1/recommendations",
        "/graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(route), "{route} is not documented");
    }
    // The editorial API: every operation names its key and its refusals.
    for (route, item) in paths.iter().filter(|(p, _)| p.starts_with("/v1/admin/")) {
        for (method, op) in item.as_object().unwrap() {
            let responses = &op["responses"];
            for status in ["400", "401", "403"] {
                assert!(responses.get(status).is_some(), "{method} {route} does not document {status}");
            }
            assert_eq!(op["security"], serde_json::json!([{"bearer": []}]), "{method} {route}");
        }
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // Every reference resolves.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{r} does not resolve");
    }
    for (route, item) in paths.iter().filter(|(p, _)| p.starts_with("/v1/") && !p.starts_with("/v1/admin/")) {
        let (responses, expected): (_, &[&str]) = match item.get("get") {
            Some(get) => (&get["responses"], &["200", "304", "400"]),
            None => (&item["post"]["responses"], &["202", "400", "404", "415", "503"]),
        };
        for status in expected {
            assert!(responses.get(*status).is_some(), "{route} does not document {status}");
        }
        assert_eq!(
            responses["400"]["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem",
            "{route}"
        );
        if route.contains("{slug}") {
            assert!(responses.get("404").is_some(), "{route} does not document 404");
        }
    }
    let post = &doc["paths"]["/graphql"]["post"]["responses"];
    assert!(post.get("415").is_some() && post.get("400").is_some());
    // The docs viewer is served from the binary, with no CDN.
    let docs = app.get("/docs/");
    assert_eq!(docs.status, 200);
    assert!(!docs.text.contains("cdn.") && !docs.text.contains("unpkg"), "the docs page loads assets from a CDN");
}
