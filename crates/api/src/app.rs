//! The application: every route in one table, and the middleware around them.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::graphql::{self, NewsdeskSchema};
use crate::http::conditional_get;
use crate::rest::{admin, articles, discovery, engagement, ops, taxonomy};
use crate::state::AppState;
use crate::telemetry::request_span;

/// Register every documented route. Used by the server and by the OpenAPI generator,
/// so the document lists exactly what is served.
pub fn routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(
        scope::scope("/v1")
            .wrap(from_fn(conditional_get))
            .service(articles::list)
            .service(articles::get)
            .service(engagement::record_view)
            .service(engagement::react)
            .service(engagement::ranking)
            .service(discovery::search)
            .service(discovery::related)
            .service(discovery::recommendations)
            .service(taxonomy::sections)
            .service(taxonomy::section)
            .service(taxonomy::tags)
            .service(taxonomy::tag)
            .service(taxonomy::authors)
            .service(taxonomy::author)
            .service(admin::create_article)
            .service(admin::list_articles)
            .service(admin::get_article)
            .service(admin::patch_article)
            .service(admin::put_article)
            .service(admin::delete_article)
            .service(admin::lifecycle)
            .service(admin::revisions)
            .service(admin::revision)
            .service(admin::restore)
            .service(admin::audit)
            .service(admin::create_webhook)
            .service(admin::list_webhooks)
            .service(admin::delete_webhook)
            .service(admin::deliveries)
            // After every fixed `/admin/…` route, which they would otherwise shadow.
            .service(admin::create_taxon)
            .service(admin::put_taxon)
            .service(admin::delete_taxon),
    )
    .service(graphql::graphql_post)
    .service(graphql::graphql_get)
    .service(ops::healthz)
    .service(ops::readyz)
    .service(ops::metrics)
    .service(openapi_json)
    .service(graphql_sdl)
}

/// The GraphQL schema in SDL, for client code generators.
#[utoipa::path(tag = "graphql", responses((status = 200, description = "The GraphQL SDL", body = String, content_type = "text/plain")))]
#[get("/schema.graphql")]
async fn graphql_sdl() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(graphql::sdl())
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The OpenAPI document", body = Object)))]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(crate::openapi::document_json())
}

fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers(["authorization", "content-type", "accept", "if-none-match", "if-match", "x-request-id"])
        // Browser clients read when to retry and how much of a limit is left.
        .expose_headers([
            "etag",
            "link",
            "x-request-id",
            "location",
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "ratelimit-policy",
        ])
        .max_age(3600);
    if origins.is_empty() { cors.allow_any_origin() } else { origins.iter().fold(cors, |c, o| c.allowed_origin(o)) }
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::http(StatusCode::NOT_FOUND, format!("no route for {} {}", req.method(), req.path()))
}

/// The whole application, ready for `HttpServer::new`.
pub fn build(
    state: AppState,
    schema: NewsdeskSchema,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.cors_origins);
    let (app, _) =
        routes(App::new().app_data(web::Data::new(state)).app_data(web::Data::new(schema)).into_utoipa_app())
            .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", crate::openapi::document()))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(not_found))
        // Innermost: a request is authenticated before its body is read.
        .wrap(from_fn(crate::body::read_within_deadline))
        .wrap(from_fn(crate::auth::authenticate))
        .wrap(Compress::default())
        .wrap(cors)
        .wrap(from_fn(request_span))
}
