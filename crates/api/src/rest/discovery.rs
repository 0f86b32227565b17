//! Search (and, with it, the other discovery routes).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use newsdesk_domain::Validator;
use newsdesk_domain::query::Limit;
use serde::Deserialize;
use utoipa::IntoParams;

use super::fields::{At, FieldsParam, Shape, Sparse};
use super::params::{FilterParams, PageParams, SlugParam};
use super::problems::ParamsNotFound;
use super::problems::ReadErrors;
use crate::error::ApiError;
use crate::extract::{StrictQuery, query_params};
use crate::limits::ClientAddr;
use crate::state::{AppState, blocking};
use crate::views::{ArticleCardView, RecommendationList, RecommendationView, RelatedList, SearchHitView, SearchList};

/// A search: the words, the list filters, and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find in the title, summary and body; `"quoted words"` must appear
    /// together; the last word also matches longer words (search as you type).
    /// 1 to 200 characters.
    #[param(min_length = 1, max_length = 200)]
    q: String,
    #[serde(flatten)]
    #[param(ignore)]
    filter: FilterParams,
    #[serde(flatten)]
    #[param(ignore)]
    fields: FieldsParam,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageParams,
}

query_params!(SearchParams: FilterParams, PageParams, FieldsParam);

/// Search published articles.
///
/// Relevance order; each result carries its score and the matching passages.
#[utoipa::path(
    operation_id = "searchArticles",
    tag = "discovery",
    params(SearchParams, FilterParams, PageParams, FieldsParam),
    responses((status = 200, description = "A page of results, best first", body = SearchList), ReadErrors)
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    if let Err(e) = state.limits.search(req.extensions().get::<ClientAddr>().copied()) {
        return Ok(e.response());
    }
    let p = q.0;
    let mut v = Validator::default();
    let filter = p.filter.parse(&mut v);
    let page = p.page.parse(&mut v);
    let fields = v.check(p.fields.parse(Shape::Card)).flatten();
    v.finish()?;
    let (svc, text) = (state.search.clone(), p.q);
    let page = blocking(move || svc.search(&text, &filter, &page)).await?;
    let body = SearchList {
        data: page.items.iter().map(SearchHitView::from).collect(),
        next_cursor: page.next_cursor.clone(),
        total_count: page.total.unwrap_or_default(),
    };
    Sparse { value: &body, fields: fields.as_ref(), at: At::DataArticle }.json_page(&req, page.next_cursor.as_deref())
}

/// Most related and recommendation lists hold 5 articles; at most 20.
pub const SIDE_LIST_MAX: u32 = 20;
const SIDE_LIST_DEFAULT: u32 = 5;

fn side_list_limit(limit: Option<String>) -> Result<usize, ApiError> {
    let n = match limit {
        None => SIDE_LIST_DEFAULT as usize,
        Some(l) => Limit::parse("limit", &l, SIDE_LIST_MAX)?.as_usize(),
    };
    Ok(n)
}

/// Size of a side list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// Articles, 1 to 20 (default 5).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    limit: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    fields: FieldsParam,
}

query_params!(RelatedParams: FieldsParam);

/// Articles related to one article.
///
/// By content: shared tags weighted by their rarity, similar words in the title,
/// summary and body, the same section, and freshness. Never the article itself.
#[utoipa::path(
    operation_id = "listRelatedArticles",
    tag = "discovery",
    params(("slug" = String, Path, description = "The article's slug"), RelatedParams, FieldsParam),
    responses((status = 200, description = "Related articles, best first", body = RelatedList), ParamsNotFound)
)]
#[get("/articles/{slug}/related")]
pub async fn related(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: StrictQuery<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let fields = q.0.fields.parse(Shape::Card)?;
    let limit = side_list_limit(q.0.limit)?;
    let svc = state.discovery.clone();
    let articles = blocking(move || svc.related(&slug, limit)).await?;
    let body = RelatedList { data: articles.iter().map(|a| ArticleCardView::from(&**a)).collect() };
    Sparse { value: &body, fields: fields.as_ref(), at: At::Data }.json()
}

/// Who is reading what.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RecommendationParams {
    /// The reader's session (the one sent with view beacons); its reading history
    /// drives the recommendations.
    #[param(pattern = "^[A-Za-z0-9_-]{8,128}$")]
    session_id: Option<String>,
    /// The slug of the article being read: never recommended, and its section
    /// is the first fallback.
    article: Option<SlugParam>,
    /// Articles, 1 to 20 (default 5).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    limit: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    fields: FieldsParam,
}

query_params!(RecommendationParams: FieldsParam);

/// Recommendations for a reader.
///
/// From the session's reading history: what readers of the same articles also
/// read, blended with articles like those read, favouring fresh ones, at most
/// two per topic, nothing already read. Without history: trending in the current
/// article's section, then on the whole site. Each item says why.
#[utoipa::path(
    operation_id = "listRecommendations",
    tag = "discovery",
    params(RecommendationParams, FieldsParam),
    responses((status = 200, description = "Recommendations, best first", body = RecommendationList), ParamsNotFound)
)]
#[get("/recommendations")]
pub async fn recommendations(
    state: web::Data<AppState>,
    q: StrictQuery<RecommendationParams>,
) -> Result<HttpResponse, ApiError> {
    let p = q.0;
    let fields = p.fields.parse(Shape::Card)?;
    let limit = side_list_limit(p.limit)?;
    let personal = p.session_id.is_some();
    let svc = state.discovery.clone();
    let recs =
        blocking(move || svc.recommendations(p.session_id.as_deref(), p.article.as_ref().map(|s| s.0.as_str()), limit))
            .await?;
    let data = recs
        .iter()
        .map(|r| RecommendationView { article: ArticleCardView::from(&*r.article), reason: r.reason.clone() })
        .collect();
    let body = RecommendationList { data };
    let mut res = Sparse { value: &body, fields: fields.as_ref(), at: At::DataArticle }.json()?;
    if personal {
        // One reader's list: for that reader's browser only, and not worth a
        // place in this node's response cache (a session asks once per page).
        let cc = format!("private, max-age={}", state.config.cache_max_age);
        if let Ok(v) = HeaderValue::from_str(&cc) {
            res.headers_mut().insert(header::CACHE_CONTROL, v);
        }
    }
    Ok(res)
}
