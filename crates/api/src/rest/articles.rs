use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use newsdesk_domain::Validator;
use newsdesk_domain::query::{ArticleFilter, ArticleSort, Limit};
use newsdesk_domain::service::Found;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params::{NoParams, SlugParam, parse_filter};
use super::problems::{NotFound, ReadErrors};
use super::{json, json_page};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{QueryParams, StrictQuery};
use crate::state::AppState;
use crate::views::{ArticleList, ArticleView};

/// Sort orders of the article list.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum Sort {
    #[schema(rename = "-publishedAt")]
    NewestFirst,
    #[schema(rename = "publishedAt")]
    OldestFirst,
    #[schema(rename = "-views")]
    MostViewed,
}

/// Filters and paging of `GET /v1/articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A section slug; articles of its sub-sections are included.
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    section: Option<String>,
    /// A tag slug; repeat the parameter for several tags, all of which must match.
    #[serde(default)]
    #[param(style = Form, explode, value_type = Vec<SlugParam>)]
    tag: Vec<String>,
    /// An author slug.
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    author: Option<String>,
    /// Only articles published at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    published_after: Option<String>,
    /// Only articles published before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    published_before: Option<String>,
    /// Order of the list; newest first by default.
    #[param(value_type = Option<Sort>, inline)]
    sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page; any other value is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// A validated list request.
struct ListRequest {
    filter: ArticleFilter,
    sort: ArticleSort,
    cursor: Option<String>,
    limit: Limit,
}

impl ListParams {
    /// Validate every parameter, reporting all bad ones at once.
    fn parse(self) -> Result<ListRequest, ApiError> {
        let mut v = Validator::default();
        let filter =
            parse_filter(&mut v, self.section, self.tag, self.author, self.published_after, self.published_before);
        let sort = self.sort.map_or(Some(ArticleSort::default()), |s| v.check(ArticleSort::parse(&s)));
        let limit = self.limit.map_or(Some(Limit::DEFAULT), |s| v.check(Limit::parse("limit", &s, Limit::MAX)));
        v.finish()?;
        Ok(ListRequest {
            filter,
            sort: sort.unwrap_or_default(),
            cursor: self.cursor,
            limit: limit.unwrap_or(Limit::DEFAULT),
        })
    }
}

/// List published articles.
///
/// Newest first by default; filter by section (with its sub-sections), tags (all
/// must match), author and publication dates; page with `cursor`.
#[utoipa::path(
    tag = "articles",
    params(ListParams),
    responses((status = 200, description = "A page of articles, without bodies", body = ArticleList), ReadErrors)
)]
#[get("/articles")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let r = q.0.parse()?;
    let page =
        state.content(move |c| c.list_articles(&r.filter, r.sort, r.cursor.as_deref(), r.limit, "cursor")).await?;
    let data = page.items.iter().map(ArticleView::from).collect();
    let body = ArticleList { data, next_cursor: page.next_cursor.clone() };
    json_page(&req, &body, page.next_cursor.as_deref())
}

impl QueryParams for ListParams {
    const REPEATABLE: &'static [&'static str] = &["tag"];
}

/// One published article, with its body.
///
/// A former slug of the article answers 301 with its current address. With a key
/// that has `content:preview`, drafts and scheduled articles are shown too.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "The article", body = ArticleView),
        (status = 301, description = "A former slug: `Location` has the current address", headers(("Location" = String))),
        NotFound
    ),
    security((), ("bearer" = []))
)]
#[get("/articles/{slug}")]
pub async fn get(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    caller: Caller,
    _q: StrictQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let preview = caller.previews();
    let found = match state.content.cached_article(&slug).filter(|_| !preview) {
        Some(a) => Found::Article(a),
        None => state.content(move |c| c.find_article(&slug, preview)).await?,
    };
    match found {
        Found::Article(a) => {
            let mut res = json(&ArticleView::from(a.as_ref()))?;
            if preview {
                res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            }
            Ok(res)
        }
        // A preview key may be sent to a draft: that answer is its own.
        Found::Moved(to) => Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, format!("/v1/articles/{to}")))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static(if preview { "private, no-store" } else { "public, max-age=300" }),
            ))
            .finish()),
    }
}
