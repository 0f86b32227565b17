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
use crate::extract::parse_query;
use crate::graphql::{self, NewsdeskSchema};
use crate::http::conditional_get;
use crate::rest::{articles, ops, taxonomy};
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
            .service(taxonomy::sections)
            .service(taxonomy::section)
            .service(taxonomy::tags)
            .service(taxonomy::tag)
            .service(taxonomy::authors)
            .service(taxonomy::author),
    )
    .service(graphql::graphql_post)
    .service(graphql::graphql_get)
    .service(ops::healthz)
    .service(ops::readyz)
    .service(ops::metrics)
    .service(openapi_json)
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The OpenAPI document", body = Object)))]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(crate::openapi::document_json())
}

fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "OPTIONS"])
        .allowed_headers(["authorization", "content-type", "accept", "if-none-match", "x-request-id"])
        .expose_headers(["etag", "link", "x-request-id", "location"])
        .max_age(3600);
    if origins.is_empty() {
        cors.allow_any_origin()
    } else {
        origins.iter().fold(cors, |c, o| c.allowed_origin(o))
    }
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
    let json_cfg = web::JsonConfig::default()
        .error_handler(|e, _| actix_web::error::InternalError::from_response(e.to_string(), ApiError::http(StatusCode::BAD_REQUEST, e.to_string())).into());
    let query_cfg = web::QueryConfig::default().error_handler(|e, _| {
        let resp = ApiError(parse_query::<()>("").err().unwrap_or_else(|| newsdesk_domain::Error::field("query", e.to_string()))).response();
        actix_web::error::InternalError::from_response(e.to_string(), resp).into()
    });
    let path_cfg = web::PathConfig::default().error_handler(|e, _| {
        actix_web::error::InternalError::from_response(e.to_string(), ApiError::http(StatusCode::NOT_FOUND, "no such resource")).into()
    });
    let (app, _) = routes(
        App::new()
            .app_data(web::Data::new(state))
            .app_data(web::Data::new(schema))
            .app_data(json_cfg)
            .app_data(query_cfg)
            .app_data(path_cfg)
            .into_utoipa_app(),
    )
    .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", crate::openapi::document()))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(not_found))
        .wrap(Compress::default())
        .wrap(cors)
        .wrap(from_fn(request_span))
}
