//! Articles of any status: writing them, their lifecycle and their revisions.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use newsdesk_domain::editorial::{ArticleInput, Lifecycle};
use newsdesk_domain::model::{Article, ArticleId, Status};
use newsdesk_domain::query::parse_time;
use newsdesk_domain::{Error, Validator};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::{Reply, no_store, parse_id};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{StrictQuery, json_body, query_params};
use crate::rest::json_page;
use crate::rest::params::{PageParams, SlugParam, StatusParam, one_of};
use crate::rest::problems::WriteErrors;
use crate::state::AppState;
use crate::views::{ArticleCardView, ArticleList, ArticleView, Block, ImageView, RevisionList, RevisionView};

/// An article as written by an editor: the create shape, and every field
/// optional for a partial update. Values are checked by the editorial service,
/// which names every bad field at once.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleWrite {
    /// Required on create and replace.
    slug: Option<SlugParam>,
    /// Required on create and replace.
    title: Option<String>,
    summary: Option<String>,
    /// The section's slug. Required on create and replace.
    section: Option<String>,
    /// Tag slugs, in display order.
    tags: Option<Vec<String>>,
    /// Author slugs, in byline order.
    authors: Option<Vec<String>>,
    /// Required on create and replace.
    #[schema(value_type = Option<Vec<Block>>)]
    body: Option<serde_json::Value>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImageView>, nullable)]
    hero_image: Option<Option<serde_json::Value>>,
    /// `null` clears it. Publication itself is a lifecycle action.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, nullable)]
    published_at: Option<Option<String>>,
    /// The version the change was made from; or send the article's ETag in `If-Match`.
    /// Required for updates, refused on create.
    version: Option<i64>,
}

/// `Some(None)` for an explicit `null`, `None` for an absent field.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl From<ArticleWrite> for ArticleInput {
    fn from(w: ArticleWrite) -> Self {
        let ArticleWrite { slug, title, summary, section, tags, authors, body, hero_image, published_at, version } = w;
        ArticleInput {
            slug: slug.map(|s| s.0),
            title,
            summary,
            section,
            tags,
            authors,
            body,
            hero_image,
            published_at,
            version,
        }
    }
}

/// An optional body of lifecycle actions.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionBody {
    /// The version the action was decided on; or send `If-Match`. Optional.
    version: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleBody {
    /// When the article goes public: a future RFC 3339 instant. Required to
    /// schedule; not sent with the other actions.
    #[schema(value_type = Option<String>, format = DateTime)]
    published_at: Option<String>,
    version: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AdminListParams {
    /// Only articles with this status.
    #[param(inline)]
    status: Option<StatusParam>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageParams,
}

query_params!(AdminListParams: PageParams);

/// The version in `If-Match` (the ETag of the article, `"7"`), if sent.
fn if_match(req: &HttpRequest) -> Result<Option<i64>, Error> {
    let Some(v) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let v = v.to_str().unwrap_or("").trim();
    if v == "*" {
        return Ok(None);
    }
    v.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| Error::field("If-Match", "must be the article's ETag, such as \"7\""))
}

/// The version a write was made from: `If-Match` or the body's `version`, which
/// must agree when both are sent.
fn version_of(req: &HttpRequest, body: Option<i64>) -> Result<Option<i64>, Error> {
    match (if_match(req)?, body) {
        (Some(h), Some(b)) if h != b => Err(Error::field("version", "differs from If-Match")),
        (h, b) => Ok(h.or(b)),
    }
}

/// An article with its version as a strong ETag, never cached by anyone.
fn article_reply(status: StatusCode, a: &Article) -> Reply {
    let body = serde_json::to_vec(&ArticleView::from(a)).map_err(|e| ApiError(Error::internal(e)))?;
    let mut res = HttpResponse::build(status);
    res.content_type("application/json")
        .insert_header((header::ETAG, format!("\"{}\"", a.record.version)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if status == StatusCode::CREATED {
        res.insert_header((header::LOCATION, format!("/v1/admin/articles/{}", a.record.id.global())));
    }
    Ok(res.body(body))
}

/// Create an article (as a draft).
#[utoipa::path(
    operation_id = "adminCreateArticle",
    tag = "admin",
    request_body = ArticleWrite,
    responses((status = 201, description = "Created; `Location` and `ETag` (the version) are set", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/articles")]
pub async fn create_article(req: HttpRequest, state: web::Data<AppState>, caller: Caller, body: web::Bytes) -> Reply {
    let input = ArticleInput::from(json_body::<ArticleWrite>(&req, &body, true)?);
    let a = state.edit(move |e| e.create(caller.principal(), input)).await.map_err(ApiError)?;
    article_reply(StatusCode::CREATED, &a)
}

/// List articles of any status, newest first.
#[utoipa::path(
    operation_id = "adminListArticles",
    tag = "admin",
    params(AdminListParams, PageParams),
    responses((status = 200, description = "A page of articles, without bodies", body = ArticleList), WriteErrors),
    security(("bearer" = []))
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: StrictQuery<AdminListParams>,
) -> Reply {
    let q = q.0;
    let mut v = Validator::default();
    let status = q.status.and_then(|s| v.check(Status::parse(&s.0)));
    let page = q.page.parse(&mut v);
    v.finish().map_err(ApiError)?;
    let page = state
        .editorial(move |e| e.articles(caller.principal(), status, page.cursor.as_deref(), page.limit))
        .await
        .map_err(ApiError)?;
    let body = ArticleList {
        data: page.items.iter().map(ArticleCardView::from).collect(),
        next_cursor: page.next_cursor.clone(),
        total_count: page.total.unwrap_or_default(),
    };
    Ok(no_store(json_page(&req, &body, page.next_cursor.as_deref())?))
}

/// One article of any status, with its version as `ETag`.
#[utoipa::path(
    operation_id = "adminGetArticle",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)")),
    responses((status = 200, description = "The article", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[get("/articles/{id}")]
pub async fn get_article(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> Reply {
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let a = state.editorial(move |e| e.article(caller.principal(), id)).await.map_err(ApiError)?;
    article_reply(StatusCode::OK, &a)
}

async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: &str,
    body: &[u8],
    replace: bool,
) -> Reply {
    let id = ArticleId::from_global(id).map_err(ApiError)?;
    let mut input = ArticleInput::from(json_body::<ArticleWrite>(&req, body, true)?);
    input.version = version_of(&req, input.version).map_err(ApiError)?;
    let a = state.edit(move |e| e.update(caller.principal(), id, input, replace)).await.map_err(ApiError)?;
    article_reply(StatusCode::OK, &a)
}

/// Change some fields of an article.
///
/// Send the version the change was made from (`If-Match` with the ETag, or
/// `version`); a stale one changes nothing and answers 412. Every change is a
/// revision; a new slug keeps the old one as a redirect.
#[utoipa::path(
    operation_id = "adminUpdateArticle",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)"), ("If-Match" = Option<String>, Header, description = "The ETag the change was made from")),
    request_body = ArticleWrite,
    responses((status = 200, description = "The updated article", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/articles/{id}")]
pub async fn patch_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    update(req, state, caller, &id, &body, false).await
}

/// Replace an article's editable fields (its lifecycle stays).
#[utoipa::path(
    operation_id = "adminReplaceArticle",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)"), ("If-Match" = Option<String>, Header, description = "The ETag the change was made from")),
    request_body = ArticleWrite,
    responses((status = 200, description = "The replaced article", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[put("/articles/{id}")]
pub async fn put_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    update(req, state, caller, &id, &body, true).await
}

/// Delete an article, with its history; `If-Match` is checked when sent.
#[utoipa::path(
    operation_id = "adminDeleteArticle",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)"), ("If-Match" = Option<String>, Header, description = "The ETag the deletion was decided on")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/articles/{id}")]
pub async fn delete_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Reply {
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let version = if_match(&req).map_err(ApiError)?;
    state.edit(move |e| e.delete(caller.principal(), id, version)).await.map_err(ApiError)?;
    Ok(HttpResponse::NoContent().finish())
}

/// A lifecycle step of an article, as its route names it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LifecyclePath {
    /// The article's id.
    id: String,
    /// The step.
    #[param(inline)]
    action: StepParam,
}

one_of!(
    /// A lifecycle step, as the last segment of its route names it.
    StepParam,
    "LifecycleStep",
    ["publish", "unpublish", "archive", "schedule"]
);

/// Move an article through its lifecycle.
///
/// - `publish`: public now (a future `publishedAt` is brought forward to now);
/// - `unpublish`: back to draft;
/// - `archive`: out of public view, kept;
/// - `schedule`: published automatically at `publishedAt` (a future instant; the
///   body is required), checked four times a second.
///
/// The body is optional for the others: `{"version"}`, or `If-Match`.
#[utoipa::path(
    operation_id = "adminArticleLifecycle",
    tag = "admin",
    params(
        LifecyclePath,
        ("If-Match" = Option<String>, Header, description = "The ETag the step was decided on")
    ),
    request_body(content = Option<ScheduleBody>, description = "`{publishedAt, version?}` to schedule; optional `{version}` otherwise"),
    responses((status = 200, description = "The article in its new state", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/articles/{id}/{action}")]
pub async fn lifecycle(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<LifecyclePath>,
    body: web::Bytes,
) -> Reply {
    let LifecyclePath { id, action } = path.into_inner();
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let (step, version) = match action.0.as_str() {
        "schedule" => {
            let b: ScheduleBody = json_body(&req, &body, true)?;
            let at = match b.published_at {
                Some(s) => parse_time("publishedAt", &s),
                None => Err(Error::field("publishedAt", "is required")),
            }
            .map_err(ApiError)?;
            (Lifecycle::Schedule(at), b.version)
        }
        other => {
            let step = match other {
                "publish" => Lifecycle::Publish,
                "unpublish" => Lifecycle::Unpublish,
                "archive" => Lifecycle::Archive,
                _ => return Err(ApiError(Error::not_found(format!("action `{other}`"))).into()),
            };
            let b: VersionBody = json_body(&req, &body, false)?;
            (step, b.version)
        }
    };
    let version = version_of(&req, version).map_err(ApiError)?;
    let a = state.edit(move |e| e.transition(caller.principal(), id, step, version)).await.map_err(ApiError)?;
    article_reply(StatusCode::OK, &a)
}

/// An article's revisions, newest first.
#[utoipa::path(
    operation_id = "adminListRevisions",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)")),
    responses((status = 200, description = "Revisions", body = RevisionList), WriteErrors),
    security(("bearer" = []))
)]
#[get("/articles/{id}/revisions")]
pub async fn revisions(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> Reply {
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let revs = state.editorial(move |e| e.revisions(caller.principal(), id)).await.map_err(ApiError)?;
    Ok(no_store(crate::rest::json(&RevisionList { data: revs.into_iter().map(RevisionView::from).collect() })?))
}

/// One revision.
#[utoipa::path(
    operation_id = "adminGetRevision",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)"), ("n" = i64, Path, description = "The revision number")),
    responses((status = 200, description = "The revision", body = RevisionView), WriteErrors),
    security(("bearer" = []))
)]
#[get("/articles/{id}/revisions/{n}")]
pub async fn revision(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> Reply {
    let (id, n) = path.into_inner();
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let n = parse_id("revision", &n).map_err(ApiError)?;
    let rev = state.editorial(move |e| e.revision(caller.principal(), id, n)).await.map_err(ApiError)?;
    Ok(no_store(crate::rest::json(&RevisionView::from(rev))?))
}

/// Restore a revision's content (the lifecycle stays); the restore is a new revision.
#[utoipa::path(
    operation_id = "adminRestoreRevision",
    tag = "admin",
    params(("id" = String, Path, description = "The article's id (`article_42`)"), ("n" = i64, Path, description = "The revision number")),
    request_body(content = Option<VersionBody>, description = "Optional"),
    responses((status = 200, description = "The article", body = ArticleView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/articles/{id}/revisions/{n}/restore")]
pub async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Reply {
    let (id, n) = path.into_inner();
    let id = ArticleId::from_global(&id).map_err(ApiError)?;
    let n = parse_id("revision", &n).map_err(ApiError)?;
    let b: VersionBody = json_body(&req, &body, false)?;
    let version = version_of(&req, b.version).map_err(ApiError)?;
    let a = state.edit(move |e| e.restore(caller.principal(), id, n, version)).await.map_err(ApiError)?;
    article_reply(StatusCode::OK, &a)
}
