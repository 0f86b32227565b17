//! Every documented route in one table. The server and the OpenAPI generator
//! both register from here, so the document lists exactly what is served.

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa_actix_web::UtoipaApp;
use utoipa_actix_web::scope;

use crate::graphql;
use crate::rest::{admin, articles, discovery, engagement, feeds, ops, sync, taxonomy};

/// Register every documented route. Used by the server and by the OpenAPI generator,
/// so the document lists exactly what is served.
pub fn routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(
        scope::scope("/v1")
            .service(articles::list)
            .service(articles::get)
            .service(engagement::record_view)
            .service(engagement::react)
            .service(engagement::ranking)
            .service(engagement::reaction_kinds)
            .service(discovery::search)
            .service(discovery::related)
            .service(discovery::recommendations)
            .service(taxonomy::sections)
            .service(taxonomy::section)
            .service(taxonomy::tags)
            .service(taxonomy::tag)
            .service(taxonomy::authors)
            .service(taxonomy::author)
            .service(sync::sync)
            .service(feeds::site_rss)
            .service(feeds::site_json_feed)
            .service(feeds::scoped_rss)
            .service(feeds::scoped_json_feed)
            .service(
                scope::scope("/admin")
                    .service(admin::articles::create_article)
                    .service(admin::articles::list_articles)
                    .service(admin::articles::get_article)
                    .service(admin::articles::patch_article)
                    .service(admin::articles::put_article)
                    .service(admin::articles::delete_article)
                    .service(admin::articles::lifecycle)
                    .service(admin::articles::revisions)
                    .service(admin::articles::revision)
                    .service(admin::articles::restore)
                    .service(admin::audit::audit)
                    .service(admin::webhooks::create_webhook)
                    .service(admin::webhooks::list_webhooks)
                    .service(admin::webhooks::delete_webhook)
                    .service(admin::webhooks::deliveries)
                    // After every fixed route, which they would otherwise shadow.
                    .service(admin::taxa::create_taxon)
                    .service(admin::taxa::put_taxon)
                    .service(admin::taxa::delete_taxon),
            ),
    )
    .service(feeds::sitemap_index)
    .service(feeds::sitemap)
    .service(feeds::news_sitemap)
    .service(graphql::graphql_post)
    .service(graphql::graphql_get)
    .service(ops::healthz)
    .service(ops::readyz)
    .service(ops::metrics)
    .service(ops::openapi_json)
    .service(ops::graphql_sdl)
}
