//! Feeds for aggregators and feed readers (`/v1/feeds/…`) and sitemaps for
//! search engines (`/sitemap.xml`, `/sitemap-news.xml`, `/sitemaps/…`). Their
//! links point at the public site (`--site-url`, `--article-url`); a site
//! serves the sitemaps under its own address by passing those paths to Newsdesk.

use actix_web::{HttpResponse, get, web};
use newsdesk_domain::feed::FeedScope;
use newsdesk_domain::ports::TaxonKind;
use newsdesk_domain::{Error, Slug};

use super::params::NoParams;
use super::problems::NotFound;
use crate::error::ApiError;
use crate::extract::StrictQuery;
use crate::feeds::{self, JsonFeed};
use crate::state::AppState;

fn document(content_type: &'static str, body: impl Into<actix_web::web::Bytes>) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body.into())
}

/// The scope named by `/v1/feeds/{collection}/{slug}/…`.
fn scope(collection: &str, slug: &str) -> Result<FeedScope, ApiError> {
    let missing = || ApiError(Error::not_found(format!("feed `{collection}/{slug}`")));
    let kind = TaxonKind::from_collection(collection).ok_or_else(missing)?;
    let slug = Slug::parse(slug).map_err(|_| missing())?;
    Ok(match kind {
        TaxonKind::Section => FeedScope::Section(slug),
        TaxonKind::Tag => FeedScope::Tag(slug),
        TaxonKind::Author => FeedScope::Author(slug),
    })
}

async fn rss(state: &AppState, scope: FeedScope) -> Result<HttpResponse, ApiError> {
    let svc = state.feeds.clone();
    let feed = crate::state::blocking(move || svc.feed(&scope)).await?;
    Ok(document(feeds::RSS, feeds::rss(state.feeds.site(), &feed)))
}

async fn json_feed(state: &AppState, scope: FeedScope) -> Result<HttpResponse, ApiError> {
    let svc = state.feeds.clone();
    let feed = crate::state::blocking(move || svc.feed(&scope)).await?;
    let body = feeds::json_feed(state.feeds.site(), &feed).map_err(Error::internal)?;
    Ok(document(feeds::JSON_FEED, body))
}

/// The site's newest articles as RSS 2.0.
#[utoipa::path(
    operation_id = "getSiteRss",
    tag = "feeds",
    responses((status = 200, description = "The 20 newest articles", content_type = "application/rss+xml", body = String), NotFound)
)]
#[get("/feeds/rss.xml")]
pub async fn site_rss(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    rss(&state, FeedScope::Site).await
}

/// The site's newest articles as JSON Feed 1.1.
#[utoipa::path(
    operation_id = "getSiteJsonFeed",
    tag = "feeds",
    responses((status = 200, description = "The 20 newest articles", content_type = "application/feed+json", body = JsonFeed), NotFound)
)]
#[get("/feeds/feed.json")]
pub async fn site_json_feed(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    json_feed(&state, FeedScope::Site).await
}

/// The newest articles of a section (with its sub-sections), tag or author as RSS 2.0.
#[utoipa::path(
    operation_id = "getRss",
    tag = "feeds",
    params(
        ("collection" = String, Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug")
    ),
    responses((status = 200, description = "The 20 newest articles", content_type = "application/rss+xml", body = String), NotFound)
)]
#[get("/feeds/{collection}/{slug}/rss.xml")]
pub async fn scoped_rss(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    rss(&state, scope(&path.0, &path.1)?).await
}

/// The newest articles of a section (with its sub-sections), tag or author as JSON Feed 1.1.
#[utoipa::path(
    operation_id = "getJsonFeed",
    tag = "feeds",
    params(
        ("collection" = String, Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug")
    ),
    responses((status = 200, description = "The 20 newest articles", content_type = "application/feed+json", body = JsonFeed), NotFound)
)]
#[get("/feeds/{collection}/{slug}/feed.json")]
pub async fn scoped_json_feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    json_feed(&state, scope(&path.0, &path.1)?).await
}

/// The sitemap index: one sitemap per 50,000 article ids.
#[utoipa::path(
    operation_id = "getSitemapIndex",
    tag = "feeds",
    responses((status = 200, description = "The sitemap index", content_type = "application/xml", body = String), NotFound)
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    let svc = state.feeds.clone();
    let sitemaps = crate::state::blocking(move || svc.sitemaps()).await?;
    Ok(document(feeds::XML, feeds::sitemap_index(state.feeds.site(), &sitemaps)))
}

/// A sitemap of published articles, with when each last changed.
#[utoipa::path(
    operation_id = "getSitemap",
    tag = "feeds",
    params(("n" = u32, Path, description = "The sitemap's number, from 1, as the index lists it")),
    responses((status = 200, description = "At most 50,000 article pages", content_type = "application/xml", body = String), NotFound)
)]
#[get("/sitemaps/articles-{n}.xml")]
pub async fn sitemap(
    state: web::Data<AppState>,
    n: web::Path<String>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let n: i64 = n.parse().map_err(|_| ApiError(Error::not_found(format!("sitemap `{n}`"))))?;
    let svc = state.feeds.clone();
    let urls = crate::state::blocking(move || svc.sitemap(n)).await?;
    Ok(document(feeds::XML, feeds::sitemap(&urls)))
}

/// A Google News sitemap: articles published in the last 48 hours.
#[utoipa::path(
    operation_id = "getNewsSitemap",
    tag = "feeds",
    responses((status = 200, description = "At most 1,000 articles, newest first", content_type = "application/xml", body = String), NotFound)
)]
#[get("/sitemap-news.xml")]
pub async fn news_sitemap(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    let svc = state.feeds.clone();
    let entries = crate::state::blocking(move || svc.news()).await?;
    Ok(document(feeds::XML, feeds::news_sitemap(state.feeds.site(), &entries)))
}
