//! Query parameters several routes share.

use newsdesk_domain::query::{ArticleFilter, parse_time};
use newsdesk_domain::{Slug, Validator};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::extract::QueryParams;

/// A slug: lowercase letters and digits in words joined by single hyphens.
#[derive(ToSchema)]
#[schema(value_type = String, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
#[allow(dead_code)]
pub struct SlugParam(String);

impl QueryParams for NoParams {}

/// The list filters shared by the article list and search, each bad one
/// recorded in `v`.
pub fn parse_filter(
    v: &mut Validator,
    section: Option<String>,
    tags: Vec<String>,
    author: Option<String>,
    published_after: Option<String>,
    published_before: Option<String>,
) -> ArticleFilter {
    ArticleFilter {
        section: section.and_then(|s| v.check(Slug::parse_field("section", s))),
        tags: (tags.into_iter().enumerate())
            .filter_map(|(i, t)| v.check(Slug::parse_field(&format!("tag[{i}]"), t)))
            .collect(),
        author: author.and_then(|s| v.check(Slug::parse_field("author", s))),
        published_after: published_after.and_then(|s| v.check(parse_time("publishedAfter", &s))),
        published_before: published_before.and_then(|s| v.check(parse_time("publishedBefore", &s))),
    }
}

/// No query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
