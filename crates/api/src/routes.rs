//! Every documented route in one table. The server and the OpenAPI generator
//! both register from here, so the document lists exactly what is served.

use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::middleware::from_fn;
use utoipa_actix_web::UtoipaApp;
use utoipa_actix_web::scope;

use crate::graphql;
use crate::http::conditional_get;
use crate::rest::{admin, articles, discovery, engagement, ops, taxonomy};

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
    .service(ops::openapi_json)
    .service(ops::graphql_sdl)
}
