//! Sections, tags and authors.

use actix_web::{HttpRequest, HttpResponse, get, web};
use newsdesk_domain::query::{Page, PageRequest};
use newsdesk_domain::service::ContentService;
use newsdesk_domain::{Error, Validator};
use serde::Serialize;

use super::params::{NoParams, PageParams};
use super::problems::{NotFound, ReadErrors};
use super::{json, json_page};
use crate::error::ApiError;
use crate::extract::StrictQuery;
use crate::state::AppState;
use crate::views::{AuthorList, AuthorView, SectionList, SectionView, TagList, TagView};

/// A service method that reads a page of a list ordered by slug.
type LoadPage<T> = fn(&ContentService, &PageRequest) -> Result<Page<T>, Error>;

/// A page of a list ordered by slug: `load` reads it, each item becomes a `V`,
/// and `list` makes the body, answered with its `Link` header.
async fn slug_page<T: Send + 'static, V: From<T>, L: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    q: PageParams,
    load: LoadPage<T>,
    list: fn(Vec<V>, Option<String>, i64) -> L,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::default();
    let page = q.parse(&mut v);
    v.finish()?;
    let page = state.content(move |c| load(c, &page)).await?;
    let next = page.next_cursor.clone();
    let total = page.total.unwrap_or_default();
    let body = list(page.items.into_iter().map(V::from).collect(), page.next_cursor, total);
    json_page(req, &body, next.as_deref())
}

/// The section tree.
#[utoipa::path(
    operation_id = "listSections",
    tag = "sections",
    responses((status = 200, description = "Root sections, each with its children", body = SectionList), ReadErrors)
)]
#[get("/sections")]
pub async fn sections(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    let tree = state.content(|c| c.sections()).await?;
    json(&SectionList { data: tree.into_iter().map(SectionView::from).collect() })
}

/// One section with its path and sub-sections.
#[utoipa::path(
    operation_id = "getSection",
    tag = "sections",
    params(("slug" = String, Path, description = "The section's slug")),
    responses((status = 200, description = "The section", body = SectionView), NotFound)
)]
#[get("/sections/{slug}")]
pub async fn section(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let s = state.content(move |c| c.section(&slug)).await?;
    json(&SectionView::from(s))
}

/// Tags, by slug, with their number of published articles.
#[utoipa::path(
    operation_id = "listTags",
    tag = "tags",
    params(PageParams),
    responses((status = 200, description = "A page of tags", body = TagList), ReadErrors)
)]
#[get("/tags")]
pub async fn tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let list = |data: Vec<TagView>, next_cursor, total_count| TagList { data, next_cursor, total_count };
    slug_page(&req, &state, q.0, ContentService::tags, list).await
}

/// One tag.
#[utoipa::path(
    operation_id = "getTag",
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug")),
    responses((status = 200, description = "The tag", body = TagView), NotFound)
)]
#[get("/tags/{slug}")]
pub async fn tag(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let t = state.content(move |c| c.tag(&slug)).await?;
    json(&TagView::from(t))
}

/// Authors, by slug, with their number of published articles.
#[utoipa::path(
    operation_id = "listAuthors",
    tag = "authors",
    params(PageParams),
    responses((status = 200, description = "A page of authors", body = AuthorList), ReadErrors)
)]
#[get("/authors")]
pub async fn authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let list = |data: Vec<AuthorView>, next_cursor, total_count| AuthorList { data, next_cursor, total_count };
    slug_page(&req, &state, q.0, ContentService::authors, list).await
}

/// One author.
#[utoipa::path(
    operation_id = "getAuthor",
    tag = "authors",
    params(("slug" = String, Path, description = "The author's slug")),
    responses((status = 200, description = "The author", body = AuthorView), NotFound)
)]
#[get("/authors/{slug}")]
pub async fn author(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let a = state.content(move |c| c.author(&slug)).await?;
    json(&AuthorView::from(a))
}
