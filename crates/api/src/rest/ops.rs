//! Liveness, readiness, metrics, and the API's own documents.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, get, web};
use newsdesk_domain::discovery::recommend::Tuning;
use newsdesk_domain::{Error, ErrorKind};

use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::REQUESTS;

/// Liveness: 200 while the process runs. Touches no database.
#[utoipa::path(
    operation_id = "healthz",tag = "operations", responses((status = 200, description = "The process is alive", body = String)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Readiness: 200 when the database answers, 503 (with `Retry-After`) otherwise.
/// The body lists background workers that are failing and the search index
/// while it is being built: the node serves without them, less well.
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve: `ready`, then a line per degraded part", body = String),
        (status = 503, description = "The database is unreachable", body = crate::error::Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait")))
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.content(|c| c.ping()).await.is_err() {
        return ApiError(Error::new(ErrorKind::Unavailable, "the database is unreachable")).response();
    }
    let mut body = String::from("ready\n");
    if !state.search.is_ready() {
        body.push_str("search: the index is being built\n");
    }
    for line in state.workers.failing() {
        body.push_str(&line);
        body.push('\n');
    }
    HttpResponse::Ok().content_type("text/plain").body(body)
}

/// The blend recommendations use, as chosen on the reading history.
fn recommendation_metrics(t: &Tuning) -> String {
    let b = &t.blend;
    let mut out = String::from(
        "# HELP newsdesk_recommendation_weight Weight of each signal in the recommendation blend.\n\
         # TYPE newsdesk_recommendation_weight gauge\n",
    );
    for (signal, w) in
        [("coread", b.coread), ("content", b.content), ("popularity", b.popularity), ("freshness", b.freshness)]
    {
        out += &format!("newsdesk_recommendation_weight{{signal=\"{signal}\"}} {w:.2}\n");
    }
    out + &format!(
        "# HELP newsdesk_recommendation_diverse 1 when recommendations keep at most two per main tag.\n\
         # TYPE newsdesk_recommendation_diverse gauge\n\
         newsdesk_recommendation_diverse {}\n\
         # HELP newsdesk_recommendation_popularity_half_life_hours Half-life of a read in popularity.\n\
         # TYPE newsdesk_recommendation_popularity_half_life_hours gauge\n\
         newsdesk_recommendation_popularity_half_life_hours {}\n\
         # HELP newsdesk_recommendation_tuning_sessions Held-out sessions the blend was chosen on (0: default).\n\
         # TYPE newsdesk_recommendation_tuning_sessions gauge\n\
         newsdesk_recommendation_tuning_sessions {}\n\
         # HELP newsdesk_recommendation_tuning_hit_rate Hit rate@10 of the chosen blend on those sessions.\n\
         # TYPE newsdesk_recommendation_tuning_hit_rate gauge\n\
         newsdesk_recommendation_tuning_hit_rate {:.4}\n",
        u8::from(b.diverse),
        t.half_life_hours,
        t.sessions,
        t.hit_rate,
    )
}

/// Prometheus metrics.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let generated = state.rankings.generated();
    let body = format!(
        "# HELP newsdesk_http_requests_total HTTP requests received.\n\
         # TYPE newsdesk_http_requests_total counter\n\
         newsdesk_http_requests_total {}\n\
         # HELP newsdesk_graphql_direct_answers_total GraphQL queries of validated article documents answered without the engine.\n\
         # TYPE newsdesk_graphql_direct_answers_total counter\n\
         newsdesk_graphql_direct_answers_total {}\n\
         # HELP newsdesk_db_queries_total SQL statements executed.\n\
         # TYPE newsdesk_db_queries_total counter\n\
         newsdesk_db_queries_total {}\n\
         # HELP newsdesk_beacons_pending Beacons accepted and not yet written.\n\
         # TYPE newsdesk_beacons_pending gauge\n\
         newsdesk_beacons_pending {}\n\
         # HELP newsdesk_rankings_age_seconds Age of the rankings served.\n\
         # TYPE newsdesk_rankings_age_seconds gauge\n\
         newsdesk_rankings_age_seconds {:.3}\n\
         # HELP newsdesk_rankings_compute_seconds How long the last ranking computation took.\n\
         # TYPE newsdesk_rankings_compute_seconds gauge\n\
         newsdesk_rankings_compute_seconds {:.3}\n",
        REQUESTS.load(Ordering::Relaxed),
        crate::graphql::direct::ANSWERED.load(Ordering::Relaxed),
        (state.queries)(),
        state.engagement.pending(),
        generated.map_or(0.0, |(at, _)| (newsdesk_domain::service::now() - at).as_seconds_f64()),
        generated.map_or(0.0, |(_, took)| took.as_secs_f64()),
    );
    let body = body + &recommendation_metrics(&state.discovery.tuning()) + &state.workers.metrics();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(body)
}

/// The documents the API serves about itself, made once at start (the route
/// table they describe includes the routes that serve them).
pub struct Documents {
    /// The OpenAPI document (see [`crate::openapi`]).
    pub openapi: &'static str,
    /// The GraphQL schema in SDL.
    pub sdl: String,
}

/// The GraphQL schema in SDL, for client code generators.
#[utoipa::path(
    operation_id = "getGraphqlSchema",tag = "graphql", responses((status = 200, description = "The GraphQL SDL", body = String, content_type = "text/plain")))]
#[get("/schema.graphql")]
pub async fn graphql_sdl(documents: web::Data<Documents>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(documents.sdl.clone())
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    operation_id = "getOpenApi",tag = "operations", responses((status = 200, description = "The OpenAPI document", body = Object)))]
#[get("/openapi.json")]
pub async fn openapi_json(documents: web::Data<Documents>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(documents.openapi)
}
