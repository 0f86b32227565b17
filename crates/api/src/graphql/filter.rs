//! Filters and orders of article lists, as GraphQL input.

use async_graphql::{Enum, InputObject};
use newsdesk_domain::Validator;
use newsdesk_domain::query::{ArticleFilter, ArticleSort, FilterNames, FilterText};

use super::resolve::GqlResult;
use super::scalars::DateTime;
use crate::error::to_graphql;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleSort")]
pub enum ArticleSortInput {
    PublishedAtDesc,
    PublishedAtAsc,
    ViewsDesc,
}

impl From<ArticleSortInput> for ArticleSort {
    fn from(s: ArticleSortInput) -> Self {
        match s {
            ArticleSortInput::PublishedAtDesc => ArticleSort::PublishedAtDesc,
            ArticleSortInput::PublishedAtAsc => ArticleSort::PublishedAtAsc,
            ArticleSortInput::ViewsDesc => ArticleSort::ViewsDesc,
        }
    }
}

/// Filters of an article list; every given filter must match.
#[derive(InputObject, Default)]
#[graphql(name = "ArticleFilter")]
pub struct ArticleFilterInput {
    /// A section slug; articles of its sub-sections are included.
    section: Option<String>,
    /// Tag slugs, all of which must be on the article.
    tags: Option<Vec<String>>,
    /// An author slug.
    author: Option<String>,
    /// Published at or after this instant.
    published_after: Option<DateTime>,
    /// Published before this instant.
    published_before: Option<DateTime>,
}

/// How GraphQL names the filter's fields.
const FILTER_NAMES: FilterNames = FilterNames {
    section: "filter.section",
    tags: "filter.tags",
    author: "filter.author",
    published_after: "filter.publishedAfter",
    published_before: "filter.publishedBefore",
};

impl ArticleFilterInput {
    /// The filter, through the parser every list and search shares.
    pub(super) fn parse(self) -> GqlResult<ArticleFilter> {
        let text = FilterText {
            section: self.section,
            tags: self.tags.unwrap_or_default(),
            author: self.author,
            published_after: self.published_after.map(|t| t.0.to_rfc3339()),
            published_before: self.published_before.map(|t| t.0.to_rfc3339()),
        };
        let mut v = Validator::default();
        let filter = text.parse(&FILTER_NAMES, &mut v);
        v.finish().map_err(to_graphql)?;
        Ok(filter)
    }
}
