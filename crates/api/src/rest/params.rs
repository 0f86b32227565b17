//! Query and path parameters several routes share, and their schemas.
//!
//! Parameters are deserialized as strings and parsed by the domain, which names
//! the one at fault. A parameter that takes a slug or one of a closed set of
//! values is deserialized as [`SlugParam`] or a type made by [`one_of!`], whose
//! schemas come from the domain's own rule or list: the document and the parser
//! cannot disagree.

use newsdesk_domain::model::Status;
use newsdesk_domain::ports::{DeliveryStatus, EventKind};
use newsdesk_domain::query::{ArticleFilter, ArticleSort, FilterNames, FilterText, Limit, PageRequest};
use newsdesk_domain::ranking::{RankingKind, Window};
use newsdesk_domain::{Slug, Validator};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::extract::query_params;

/// A slug as sent, parsed where it is used; documented with the rule
/// [`Slug::parse`] applies.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct SlugParam(pub String);

impl PartialSchema for SlugParam {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(Slug::PATTERN))
            .max_length(Some(Slug::MAX_LEN))
            .into()
    }
}

impl ToSchema for SlugParam {}

/// A parameter that takes one of a closed set of values: a string as sent,
/// parsed where it is used, documented as the enum of `$values` (the list the
/// domain parses) under the name `$schema`.
macro_rules! one_of {
    ($(#[$doc:meta])* $name:ident, $schema:literal, $values:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($schema)
            }
        }
    };
}
pub(crate) use one_of;

one_of!(
    /// An order of article lists.
    SortParam,
    "ArticleSort",
    ArticleSort::ALL.map(ArticleSort::as_str)
);
one_of!(
    /// A ranking kind.
    RankingKindParam,
    "RankingKind",
    RankingKind::ALL.map(RankingKind::as_str)
);
one_of!(
    /// A ranking window.
    WindowParam,
    "RankingWindow",
    Window::ALL.map(Window::as_str)
);
one_of!(
    /// Where a webhook delivery is.
    DeliveryStatusParam,
    "DeliveryStatus",
    DeliveryStatus::ALL.map(DeliveryStatus::as_str)
);
one_of!(
    /// A webhook event.
    EventParam,
    "WebhookEvent",
    EventKind::ALL.map(EventKind::as_str)
);
one_of!(
    /// An article status.
    StatusParam,
    "ArticleStatus",
    Status::ALL.map(Status::as_str)
);

query_params!(NoParams);

/// Paging of a list, forward from `cursor`: flattened into every list's
/// parameters (`#[serde(flatten)]`, listed beside them in `params(…)` and
/// `query_params!`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page; any other value is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

query_params!(PageParams);

impl PageParams {
    /// The page asked for; a bad `limit` is reported to `v`.
    pub fn parse(self, v: &mut Validator) -> PageRequest {
        let limit = self.limit.and_then(|s| v.check(Limit::parse("limit", &s, Limit::MAX)));
        PageRequest::after(self.cursor, limit.unwrap_or(Limit::DEFAULT))
    }
}

/// The filters of article lists and of search: flattened into their parameters
/// (`#[serde(flatten)]`, listed beside them in `params(…)` and `query_params!`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// A section slug; articles of its sub-sections are included.
    section: Option<SlugParam>,
    /// A tag slug; repeat the parameter for several tags, all of which must match.
    #[serde(default, deserialize_with = "one_or_more")]
    #[param(style = Form, explode)]
    tag: Vec<SlugParam>,
    /// An author slug.
    author: Option<SlugParam>,
    /// Only articles published at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    published_after: Option<String>,
    /// Only articles published before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    published_before: Option<String>,
}

/// How query parameters name the filter's fields.
const FILTER_NAMES: FilterNames = FilterNames {
    section: "section",
    tags: "tag",
    author: "author",
    published_after: "publishedAfter",
    published_before: "publishedBefore",
};

impl FilterParams {
    /// The filter, each bad parameter recorded in `v`.
    pub fn parse(self, v: &mut Validator) -> ArticleFilter {
        let text = FilterText {
            section: self.section.map(|s| s.0),
            tags: self.tag.into_iter().map(|t| t.0).collect(),
            author: self.author.map(|s| s.0),
            published_after: self.published_after,
            published_before: self.published_before,
        };
        text.parse(&FILTER_NAMES, v)
    }
}

/// A repeatable parameter given once or more. (A flattened set sees a single
/// value as a string, not as a sequence of one.)
pub(crate) fn one_or_more<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SlugParam>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMore {
        One(SlugParam),
        More(Vec<SlugParam>),
    }
    Ok(match OneOrMore::deserialize(d)? {
        OneOrMore::One(s) => vec![s],
        OneOrMore::More(v) => v,
    })
}

/// No query parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct NoParams {}
