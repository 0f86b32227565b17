//! List queries: limits, sorts, filters and opaque keyset cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Validator};
use crate::model::{ArticleId, AuthorId, SectionId, TagId};
use crate::slug::Slug;

/// A page size between 1 and [`Limit::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit(u32);

impl Limit {
    pub const MAX: u32 = 100;
    pub const DEFAULT: Limit = Limit(20);

    /// A limit known to be valid at compile time.
    pub const fn new_const(n: u32) -> Self {
        assert!(n >= 1);
        Self(n)
    }

    /// `field` names the parameter in errors (`limit` on REST, `first` in GraphQL).
    pub fn new(field: &str, n: i64, max: u32) -> Result<Self> {
        match u32::try_from(n) {
            Ok(n) if (1..=max).contains(&n) => Ok(Self(n)),
            _ => Err(Error::field(field, format!("must be an integer between 1 and {max}"))),
        }
    }

    pub fn parse(field: &str, s: &str, max: u32) -> Result<Self> {
        let n = s.parse::<i64>().map_err(|_| Error::field(field, format!("must be an integer between 1 and {max}")))?;
        Self::new(field, n, max)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// The orders a public article list can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArticleSort {
    #[default]
    PublishedAtDesc,
    PublishedAtAsc,
    ViewsDesc,
}

impl ArticleSort {
    pub const ALL: [ArticleSort; 3] =
        [ArticleSort::PublishedAtDesc, ArticleSort::PublishedAtAsc, ArticleSort::ViewsDesc];

    /// The REST spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleSort::PublishedAtDesc => "-publishedAt",
            ArticleSort::PublishedAtAsc => "publishedAt",
            ArticleSort::ViewsDesc => "-views",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Error::field("sort", "must be one of -publishedAt, publishedAt, -views"))
    }
}

/// An article list filter as a client sent it, not yet checked: what REST query
/// parameters and GraphQL input both turn into before [`FilterText::parse`].
#[derive(Debug, Clone, Default)]
pub struct FilterText {
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub author: Option<String>,
    pub published_after: Option<String>,
    pub published_before: Option<String>,
}

/// How a client names the fields of a filter, for the errors that point at them
/// (`tags` is followed by the index of the bad one: `tag[2]`).
#[derive(Debug, Clone, Copy)]
pub struct FilterNames {
    pub section: &'static str,
    pub tags: &'static str,
    pub author: &'static str,
    pub published_after: &'static str,
    pub published_before: &'static str,
}

impl FilterText {
    /// The filter this text describes, each bad field recorded in `v` under the
    /// client's name for it.
    pub fn parse(self, names: &FilterNames, v: &mut Validator) -> ArticleFilter {
        ArticleFilter {
            section: self.section.and_then(|s| v.check(Slug::parse_field(names.section, s))),
            tags: (self.tags.into_iter().enumerate())
                .filter_map(|(i, t)| v.check(Slug::parse_field(&format!("{}[{i}]", names.tags), t)))
                .collect(),
            author: self.author.and_then(|s| v.check(Slug::parse_field(names.author, s))),
            published_after: self.published_after.and_then(|s| v.check(parse_time(names.published_after, &s))),
            published_before: self.published_before.and_then(|s| v.check(parse_time(names.published_before, &s))),
        }
    }
}

/// An article list filter, checked: what lists, search and rankings are asked
/// for (by slug). [`crate::service::ContentService::resolve`] turns it into a
/// [`ResolvedFilter`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ArticleFilter {
    /// The section and all its sub-sections.
    pub section: Option<Slug>,
    /// Every one of these tags must be on the article.
    pub tags: Vec<Slug>,
    pub author: Option<Slug>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
}

/// A filter in storage terms, slugs resolved to ids, with the visibility rule:
/// what the store's list query and the search index both apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedFilter {
    /// The section and its sub-sections (`None`: any section).
    pub sections: Option<Vec<SectionId>>,
    /// Every one of these tags must be on the article.
    pub tags: Vec<TagId>,
    pub author: Option<AuthorId>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Only articles published at or before this instant.
    pub now: DateTime<Utc>,
}

impl ResolvedFilter {
    /// No filter: every article visible at `now`.
    pub fn any(now: DateTime<Utc>) -> Self {
        Self { sections: None, tags: Vec::new(), author: None, published_after: None, published_before: None, now }
    }
}

/// Parse an RFC 3339 timestamp given as the parameter `field`.
pub fn parse_time(field: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Error::field(field, "must be an RFC 3339 date-time such as 2026-01-31T09:00:00Z"))
}

/// The position after which the next page starts, for each sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "s")]
pub enum ArticleKey {
    #[serde(rename = "p")]
    PublishedAt { t: i64, id: ArticleId },
    #[serde(rename = "v")]
    Views { v: i64, id: ArticleId },
}

/// Opaque cursors: base64url of a small JSON document. Clients must not parse them.
pub fn encode_cursor<T: Serialize>(key: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<T: for<'de> Deserialize<'de>>(field: &str, s: &str) -> Result<T> {
    URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| Error::field(field, "is not a cursor returned by this list"))
}

/// Which side of its cursor a page is read: `Forward` after it (the list's
/// order), `Backward` before it (read in reverse, answered in the list's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    Forward,
    Backward,
}

/// Which page of a list to read: `limit` items from `cursor` (the list's start,
/// or its end when reading backward, without one) toward `direction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Limit,
    pub direction: Direction,
}

impl PageRequest {
    /// The page after `cursor`.
    pub fn after(cursor: Option<String>, limit: Limit) -> Self {
        Self { cursor, limit, direction: Direction::Forward }
    }
}

/// An article list query in storage terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleQuery {
    pub filter: ResolvedFilter,
    pub sort: ArticleSort,
    /// The position to read from, toward `direction`.
    pub after: Option<ArticleKey>,
    pub direction: Direction,
    /// How many rows to fetch (the page size plus one, to know whether more follow).
    pub fetch: i64,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of each item: reading on from `cursors[i]` starts after `items[i]`.
    pub cursors: Vec<String>,
    /// Where the next page starts (toward the direction read: for a backward
    /// read, the page before this one); `None` when there is none.
    pub next_cursor: Option<String>,
    /// How many items the whole list holds, where counted with the page.
    pub total: Option<i64>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Page { items: Vec::new(), cursors: Vec::new(), next_cursor: None, total: Some(0) }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        let Page { items, cursors, next_cursor, total } = self;
        Page { items: items.into_iter().map(f).collect(), cursors, next_cursor, total }
    }

    /// Replace the items by others derived from all of them at once, in the same order.
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page { items, cursors: self.cursors, next_cursor: self.next_cursor, total: self.total }
    }

    pub fn with_total(self, total: i64) -> Self {
        Page { total: Some(total), ..self }
    }
}

/// Cut `rows` (fetched with one extra) to `limit` and derive the next cursor from the last kept row.
pub fn paginate<T>(rows: Vec<T>, limit: Limit, key: impl Fn(&T) -> String) -> Page<T> {
    paginate_toward(rows, limit, Direction::Forward, key)
}

/// [`paginate`] rows read toward `direction`: a backward read is put back in
/// the list's order, and its next cursor is its first row's.
pub fn paginate_toward<T>(mut rows: Vec<T>, limit: Limit, direction: Direction, key: impl Fn(&T) -> String) -> Page<T> {
    let more = rows.len() > limit.as_usize();
    rows.truncate(limit.as_usize());
    if direction == Direction::Backward {
        rows.reverse();
    }
    let cursors: Vec<String> = rows.iter().map(key).collect();
    let edge = match direction {
        Direction::Forward => cursors.last(),
        Direction::Backward => cursors.first(),
    };
    let next_cursor = if more { edge.cloned() } else { None };
    Page { items: rows, cursors, next_cursor, total: None }
}

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// One part of a query: a word, or a phrase in double quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Word(String),
    Phrase(String),
}

/// A parsed search query. Every clause must match (in the title, the summary or
/// the body). `prefix_last`: the last word may be the start of a longer word
/// (search as you type), unless the query ends with a space or a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    pub clauses: Vec<Clause>,
    pub prefix_last: bool,
}

impl SearchText {
    pub fn parse(field: &str, q: &str) -> Result<Self> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::field(field, format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        let mut v = Validator::default();
        v.text(field, q, q.len());
        v.finish()?;
        let mut clauses = Vec::new();
        for (i, part) in q.split('"').enumerate() {
            if i % 2 == 1 {
                // Inside quotes (an unclosed quote runs to the end).
                if part.split_whitespace().next().is_some() {
                    clauses.push(Clause::Phrase(part.split_whitespace().collect::<Vec<_>>().join(" ")));
                }
            } else {
                clauses.extend(part.split_whitespace().map(|w| Clause::Word(w.to_owned())));
            }
        }
        if clauses.is_empty() {
            return Err(Error::field(field, "must contain a word to search for"));
        }
        let prefix_last = matches!(clauses.last(), Some(Clause::Word(_))) && !q.ends_with(char::is_whitespace);
        Ok(Self { clauses, prefix_last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let k = ArticleKey::Views { v: 7, id: ArticleId(3) };
        let c = encode_cursor(&k);
        assert_eq!(decode_cursor::<ArticleKey>("after", &c).unwrap(), k);
        assert!(decode_cursor::<ArticleKey>("after", "not-a-cursor").is_err());
        assert!(decode_cursor::<ArticleKey>("after", &encode_cursor(&"x")).is_err());
    }

    #[test]
    fn limits() {
        assert!(Limit::parse("limit", "0", 100).is_err());
        assert!(Limit::parse("limit", "101", 100).is_err());
        assert!(Limit::parse("limit", "abc", 100).is_err());
        assert_eq!(Limit::parse("limit", "100", 100).unwrap().get(), 100);
    }

    #[test]
    fn words_phrases_and_the_prefix_rule() {
        let q = SearchText::parse("q", r#"central "interest rates" infl"#).unwrap();
        assert_eq!(
            q.clauses,
            vec![Clause::Word("central".into()), Clause::Phrase("interest rates".into()), Clause::Word("infl".into())]
        );
        assert!(q.prefix_last);
        assert!(!SearchText::parse("q", "inflation ").unwrap().prefix_last);
        assert!(!SearchText::parse("q", r#""rate cut""#).unwrap().prefix_last);
        assert!(SearchText::parse("q", "   ").is_err());
        assert!(SearchText::parse("q", r#""  ""#).is_err());
        assert!(SearchText::parse("q", &"a".repeat(201)).is_err());
    }
}
