//! The OpenAPI document: paths come from the handlers registered in `app::routes`,
//! so the document and the router cannot disagree.

use utoipa::openapi::OpenApi;
use utoipa::{IntoResponses, OpenApi as _};
use utoipa_actix_web::AppExt;

use crate::error::Problem;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Newsdesk",
        description = "A headless content API for news publishers: articles, sections, tags and authors, \
                       over REST and GraphQL with the same semantics. Errors are RFC 9457 problem documents.",
        license(name = "MIT", identifier = "MIT")
    ),
    components(schemas(crate::rest::articles::SlugParam, crate::rest::admin::Action)),
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

/// Errors of list routes.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ReadErrors {
    /// The ETag in `If-None-Match` still matches.
    #[response(status = 304)]
    NotModified,
    /// A parameter is unknown, repeated or invalid; `errors[]` names each.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}

/// Errors of routes that read one resource.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// The ETag in `If-None-Match` still matches.
    #[response(status = 304)]
    NotModified,
    /// A query parameter was given; this route takes none.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No published resource has this slug.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}

/// Errors of beacons.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BeaconErrors {
    /// The body is not a valid beacon (bad JSON, unknown field, bad session id or
    /// kind); `errors[]` names each field.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No published article has this slug.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The body is neither `application/json` nor `text/plain`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// An unexpected failure, logged with the request id; the detail is generic.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// Too many beacons wait to be written; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Unavailable(Problem),
}

/// The document, with the paths gathered from the router.
pub fn document() -> OpenApi {
    let (_, paths) = crate::app::routes(actix_web::App::new().into_utoipa_app()).split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    doc
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
