use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use newsdesk_domain::Validator;
use newsdesk_domain::query::{ArticleFilter, ArticleSort, PageRequest};
use newsdesk_domain::service::Found;
use serde::Deserialize;
use utoipa::IntoParams;

use super::fields::{At, Fields, FieldsParam, Shape, Sparse};
use super::params::{FilterParams, PageParams, SortParam};
use super::problems::{NotFound, ReadErrors};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{StrictQuery, query_params};
use crate::state::AppState;
use crate::views::{ArticleCardView, ArticleList, ArticleView};

/// Order and paging of `GET /v1/articles`, with its filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[serde(flatten)]
    #[param(ignore)]
    filter: FilterParams,
    #[serde(flatten)]
    #[param(ignore)]
    fields: FieldsParam,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageParams,
    /// Order of the list; newest first by default.
    #[param(inline)]
    sort: Option<SortParam>,
}

/// A validated list request.
struct ListRequest {
    filter: ArticleFilter,
    fields: Option<Fields>,
    sort: ArticleSort,
    page: PageRequest,
}

impl ListParams {
    /// Validate every parameter, reporting all bad ones at once.
    fn parse(self) -> Result<ListRequest, ApiError> {
        let mut v = Validator::default();
        let filter = self.filter.parse(&mut v);
        let sort = self.sort.map_or(Some(ArticleSort::default()), |s| v.check(ArticleSort::parse(&s.0)));
        let page = self.page.parse(&mut v);
        let fields = v.check(self.fields.parse(Shape::Card)).flatten();
        v.finish()?;
        Ok(ListRequest { filter, fields, sort: sort.unwrap_or_default(), page })
    }
}

/// List published articles.
///
/// Newest first by default; filter by section (with its sub-sections), tags (all
/// must match), author and publication dates; page with `cursor`.
#[utoipa::path(
    operation_id = "listArticles",
    tag = "articles",
    params(FilterParams, ListParams, PageParams, FieldsParam),
    responses((status = 200, description = "A page of articles, without bodies", body = ArticleList), ReadErrors)
)]
#[get("/articles")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let ListRequest { filter, fields, sort, page } = q.0.parse()?;
    let (page, total_count) =
        state.content(move |c| Ok((c.list_articles(&filter, sort, &page)?, c.article_total(&filter)?))).await?;
    let data = page.items.iter().map(ArticleCardView::from).collect();
    let body = ArticleList { data, next_cursor: page.next_cursor.clone(), total_count };
    Sparse { value: &body, fields: fields.as_ref(), at: At::Data }.json_page(&req, page.next_cursor.as_deref())
}

query_params!(ListParams: FilterParams, PageParams, FieldsParam);

/// One published article, with its body.
///
/// A former slug of the article answers 301 with its current address. With a key
/// that has `content:preview`, drafts and scheduled articles are shown too.
#[utoipa::path(
    operation_id = "getArticle",
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug"), FieldsParam),
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
    q: StrictQuery<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let fields = q.0.parse(Shape::Article)?;
    let slug = slug.into_inner();
    let preview = caller.previews();
    let found = match state.content.cached_article(&slug).filter(|_| !preview) {
        Some(a) => Found::Article(a),
        None => state.content(move |c| c.find_article(&slug, preview)).await?,
    };
    match found {
        Found::Article(a) => {
            let view = ArticleView::from(a.as_ref());
            let mut res = Sparse { value: &view, fields: fields.as_ref(), at: At::Root }.json()?;
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
