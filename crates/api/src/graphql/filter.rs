//! Filters and orders of article lists, as GraphQL input.

use async_graphql::{Enum, InputObject};
use newsdesk_domain::query::{ArticleFilter, ArticleSort};
use newsdesk_domain::{Slug, Validator};

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

impl ArticleFilterInput {
    pub(super) fn parse(self) -> GqlResult<ArticleFilter> {
        let mut v = Validator::default();
        let section = self.section.and_then(|s| v.check(Slug::parse_field("filter.section", s)));
        let tags = (self.tags.unwrap_or_default().into_iter().enumerate())
            .filter_map(|(i, t)| v.check(Slug::parse_field(&format!("filter.tags[{i}]"), t)))
            .collect();
        let author = self.author.and_then(|s| v.check(Slug::parse_field("filter.author", s)));
        v.finish().map_err(to_graphql)?;
        Ok(ArticleFilter {
            section,
            tags,
            author,
            published_after: self.published_after.map(|t| t.0),
            published_before: self.published_before.map(|t| t.0),
        })
    }
}
