//! The OpenAPI document: paths come from the handlers registered in `routes::routes`,
//! so the document and the router cannot disagree.

use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;

use crate::rest::fields::SPARSE_JSON;
use crate::rest::problems::problem;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Newsdesk",
        description = "A headless content API for news publishers: articles, sections, tags and authors, \
                       over REST and GraphQL with the same semantics. Errors are RFC 9457 problem documents.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server: every path is relative to where the document is served")),
    modifiers(&BearerAuth),
    tags(
        (name = "articles", description = "Published articles"),
        (name = "sections", description = "The section tree"),
        (name = "tags", description = "Topic tags"),
        (name = "authors", description = "Authors"),
        (name = "engagement", description = "View and reaction beacons, and rankings"),
        (name = "discovery", description = "Search, related articles and recommendations"),
        (name = "sync", description = "Mirrors: an initial sync, then what changed (see docs/sync.md)"),
        (name = "feeds", description = "RSS 2.0 and JSON Feed 1.1 feeds and sitemaps, for aggregators and search engines"),
        (name = "admin", description = "Writing content (API keys with `content:write`; webhooks and the audit log need `admin`)"),
        (name = "graphql", description = "GraphQL over HTTP"),
        (name = "operations", description = "Health, readiness, metrics and documentation"),
    )
)]
struct ApiDoc;

/// API keys: `Authorization: Bearer <token>`, made with `newsdesk keys create`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key made with `newsdesk keys create`. Scopes: `content:read` (public reads, when the \
                 server requires a key for them), `content:preview` (drafts and scheduled articles), \
                 `content:write` (create and change content), `admin` (everything).",
            ))
            .build();
        doc.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// What every API operation may answer besides what it documents: 401 and 403
/// for keys, 429 past a rate limit and 503 while the database is unavailable
/// (both with `Retry-After`), and for a request body, 408 when it does not
/// arrive in time and 413 when it is too large; and who may call each.
fn add_common_responses(doc: &mut OpenApi) {
    let limited = problem(
        429,
        "A rate limit was reached (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` say which); \
         retry after `Retry-After` seconds",
        true,
    );
    let unavailable = problem(
        503,
        "The database (or, for search, the index) is unavailable; retry after `Retry-After` seconds",
        true,
    );
    let unauthenticated = problem(
        401,
        "A key that is not valid was sent, or none where one is needed (reads, when the server requires a key \
         for them)",
        false,
    );
    let forbidden = problem(403, "The key lacks the scope this operation needs", false);
    let timeout = problem(408, "The request body did not arrive in time", false);
    let too_large = problem(413, "The request body is too large", false);
    use utoipa::openapi::security::SecurityRequirement;
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/v1/") || path == "/graphql";
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
        for op in ops.into_iter().flatten() {
            // Every operation says who may call it: operations and documents
            // anyone; the API anyone or a key (a key is needed when the server
            // requires one for reads, see `bearer`); admin routes say so themselves.
            op.security.get_or_insert_with(|| match api {
                true => vec![SecurityRequirement::default(), SecurityRequirement::new("bearer", Vec::<String>::new())],
                false => vec![SecurityRequirement::default()],
            });
            if !api {
                continue;
            }
            let responses = &mut op.responses.responses;
            responses.entry("401".to_owned()).or_insert_with(|| unauthenticated.clone().into());
            responses.entry("403".to_owned()).or_insert_with(|| forbidden.clone().into());
            responses.entry("429".to_owned()).or_insert_with(|| limited.clone().into());
            responses.entry("503".to_owned()).or_insert_with(|| unavailable.clone().into());
            if op.request_body.is_some() {
                responses.entry("408".to_owned()).or_insert_with(|| timeout.clone().into());
                responses.entry("413".to_owned()).or_insert_with(|| too_large.clone().into());
            }
        }
    }
}

/// The document, with the paths gathered from the router.
pub fn document() -> OpenApi {
    let (_, paths) = crate::routes::routes(actix_web::App::new().into_utoipa_app()).split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    add_common_responses(&mut doc);
    edit_json(doc, |v| {
        free_form(v);
        sparse_answers(v);
    })
}

/// Edit the document as JSON (for what utoipa has no builder for).
fn edit_json(doc: OpenApi, edit: impl FnOnce(&mut serde_json::Value)) -> OpenApi {
    let Ok(mut value) = serde_json::to_value(&doc) else { return doc };
    edit(&mut value);
    serde_json::from_value(value).unwrap_or(doc)
}

/// Document the answers of reads given `fields=` (see `rest::fields`): served as
/// [`SPARSE_JSON`], each with a `Sparse…` copy of its schema in which no
/// property is required, so that a generated client keeps the full types for
/// plain answers and a validator holds partial ones to what they are.
fn sparse_answers(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let takes_fields = |op: &Value| {
        op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "fields" && p["in"] == "query"))
    };
    let mut roots = Vec::new();
    for item in doc["paths"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
        let Some(op) = item.get_mut("get").filter(|op| takes_fields(op)) else { continue };
        let content = &mut op["responses"]["200"]["content"];
        let Some(schema) = content["application/json"]["schema"].as_object().cloned() else { continue };
        if let Some(name) = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) {
            roots.push(name.to_owned());
            let sparse = serde_json::json!({ "schema": { "$ref": format!("#/components/schemas/Sparse{name}") } });
            content[SPARSE_JSON] = sparse;
        }
    }
    // Every schema the sparse answers use, copied without `required`; those
    // without properties (enums, strings) are used as they are.
    let schemas = doc["components"]["schemas"].clone();
    let holds_objects = |name: &str| has_key(&schemas[name], &["properties", "$ref"]);
    let mut todo = roots;
    let mut copied = std::collections::BTreeMap::new();
    while let Some(name) = todo.pop() {
        if copied.contains_key(&name) {
            continue;
        }
        let mut schema = schemas[name.as_str()].clone();
        partial(&mut schema, &mut todo, &holds_objects);
        copied.insert(name, schema);
    }
    for (name, schema) in copied {
        doc["components"]["schemas"][format!("Sparse{name}")] = schema;
    }

    fn has_key(v: &Value, keys: &[&str]) -> bool {
        match v {
            Value::Object(map) => map.iter().any(|(k, v)| keys.contains(&k.as_str()) || has_key(v, keys)),
            Value::Array(items) => items.iter().any(|v| has_key(v, keys)),
            _ => false,
        }
    }

    fn partial(v: &mut Value, refs: &mut Vec<String>, holds_objects: &dyn Fn(&str) -> bool) {
        match v {
            Value::Object(map) => {
                if map.get("required").is_some_and(Value::is_array) {
                    map.remove("required");
                }
                // Parts of different alternatives may look alike (`body.spans`).
                if let Some(alternatives) = map.remove("oneOf") {
                    map.insert("anyOf".to_owned(), alternatives);
                }
                if let Some(Value::String(target)) = map.get_mut("$ref")
                    && let Some(name) = target.strip_prefix("#/components/schemas/").map(str::to_owned)
                    && holds_objects(name.as_str())
                {
                    *target = format!("#/components/schemas/Sparse{name}");
                    refs.push(name);
                }
                map.values_mut().for_each(|v| partial(v, refs, holds_objects));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| partial(v, refs, holds_objects)),
            _ => {}
        }
    }
}

/// Say that objects without listed properties (GraphQL variables and answers,
/// an audit entry's detail) take any properties: generated clients otherwise
/// type them as objects with none.
fn free_form(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            let is_object = match map.get("type") {
                Some(serde_json::Value::String(t)) => t == "object",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            if is_object && !map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), serde_json::Value::Bool(true));
            }
            map.values_mut().for_each(free_form);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(free_form),
        _ => {}
    }
}

/// The document as served and committed: pretty JSON with a trailing newline.
/// Built once per process.
pub fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let mut s = document().to_pretty_json().unwrap_or_default();
        s.push('\n');
        s
    })
}
