//! The OpenAPI document: paths come from the handlers registered in `routes::routes`,
//! so the document and the router cannot disagree.

use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;

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

/// What every API operation may answer besides what it documents: 429 past a
/// rate limit and 503 while the database is unavailable (both with
/// `Retry-After`), and for a request body, 408 when it does not arrive in time
/// and 413 when it is too large.
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
    let timeout = problem(408, "The request body did not arrive in time", false);
    let too_large = problem(413, "The request body is too large", false);
    for (path, item) in doc.paths.paths.iter_mut() {
        if !(path.starts_with("/v1/") || path == "/graphql") {
            continue;
        }
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
        for op in ops.into_iter().flatten() {
            let responses = &mut op.responses.responses;
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
    free_form(doc)
}

/// Say that objects without listed properties (GraphQL variables and answers,
/// an audit entry's detail) take any properties: generated clients otherwise
/// type them as objects with none.
fn free_form(doc: OpenApi) -> OpenApi {
    fn walk(v: &mut serde_json::Value) {
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
                map.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(&doc) else { return doc };
    walk(&mut value);
    serde_json::from_value(value).unwrap_or(doc)
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
