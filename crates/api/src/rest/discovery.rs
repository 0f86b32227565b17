//! Search (and, with it, the other discovery routes).

use actix_web::{HttpRequest, HttpResponse, get, web};
use newsdesk_domain::Validator;
use newsdesk_domain::query::Limit;
use serde::Deserialize;
use utoipa::IntoParams;

use super::articles::{SlugParam, parse_filter};
use super::json_page;
use crate::error::ApiError;
use crate::extract::{QueryParams, StrictQuery};
use crate::openapi::ReadErrors;
use crate::state::{AppState, blocking};
use crate::views::{SearchHitView, SearchList};

/// A search: the words, the list filters, and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find in the title, summary and body; `"quoted words"` must appear
    /// together; the last word also matches longer words (search as you type).
    /// 1 to 200 characters.
    #[param(min_length = 1, max_length = 200)]
    q: String,
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
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page; any other value is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

impl QueryParams for SearchParams {
    const REPEATABLE: &'static [&'static str] = &["tag"];
}

/// Search published articles.
///
/// Relevance order; each result carries its score and the matching passages.
#[utoipa::path(
    tag = "discovery",
    params(SearchParams),
    responses((status = 200, description = "A page of results, best first", body = SearchList), ReadErrors)
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: StrictQuery<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let p = q.0;
    let mut v = Validator::default();
    let filter = parse_filter(&mut v, p.section, p.tag, p.author, p.published_after, p.published_before);
    let limit = p.limit.map_or(Some(Limit::DEFAULT), |l| v.check(Limit::parse("limit", &l, Limit::MAX)));
    v.finish()?;
    let limit = limit.unwrap_or(Limit::DEFAULT);
    let svc = state.search.clone();
    let (text, cursor) = (p.q, p.cursor);
    let page = blocking(move || svc.search(&text, &filter, cursor.as_deref(), limit, ("q", "cursor"))).await?;
    let body = SearchList {
        data: page.items.iter().map(SearchHitView::from).collect(),
        next_cursor: page.next_cursor.clone(),
    };
    json_page(&req, &body, page.next_cursor.as_deref())
}
