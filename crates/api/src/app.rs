//! The application: the route table (see [`crate::routes`]) with the middleware
//! around it, the documentation UI and the answer to unknown routes.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::graphql::{self, Schemas};
use crate::rest::ops::Documents;
use crate::routes::routes;
use crate::state::AppState;
use crate::telemetry::request_span;

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
    schemas: Schemas,
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
    let documents = Documents { openapi: crate::openapi::document_json(), sdl: graphql::sdl() };
    let (app, _) = routes(
        App::new()
            .app_data(web::Data::new(state))
            .app_data(web::Data::new(schemas))
            .app_data(web::Data::new(documents))
            .into_utoipa_app(),
    )
    .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", crate::openapi::document()))
        .service(web::redirect("/docs", "/docs/"))
        .service(crate::graphiql::assets())
        .default_service(web::to(not_found))
        // Innermost: public reads are answered from the node's cache (once the
        // caller is known); a request is authenticated before its body is read.
        .wrap(from_fn(crate::http::conditional_get))
        .wrap(from_fn(crate::body::read_within_deadline))
        .wrap(from_fn(crate::auth::authenticate))
        .wrap(Compress::default())
        .wrap(cors)
        .wrap(from_fn(request_span))
}
