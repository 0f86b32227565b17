//! The content model: sections, tags, authors and articles.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::body::{Block, Image};
use crate::error::{Error, Result};
use crate::slug::Slug;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// Database id of an article.
    ArticleId,
    /// Database id of a section.
    SectionId,
    /// Database id of a tag.
    TagId,
    /// Database id of an author.
    AuthorId,
);

/// The id clients see of an object with identity, unique across types:
/// `article_42`, `section_3`, `tag_7`, `author_5`. REST and GraphQL carry the
/// same one; clients treat it as opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeId {
    Article(ArticleId),
    Section(SectionId),
    Tag(TagId),
    Author(AuthorId),
}

impl NodeId {
    /// The id of `s`, spelled exactly as [`NodeId`]'s `Display` writes it.
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, n) = s.split_once('_')?;
        let n: i64 = n.parse().ok()?;
        let id = match kind {
            "article" => NodeId::Article(ArticleId(n)),
            "section" => NodeId::Section(SectionId(n)),
            "tag" => NodeId::Tag(TagId(n)),
            "author" => NodeId::Author(AuthorId(n)),
            _ => return None,
        };
        // One spelling per id: no sign, no leading zeros.
        (id.to_string() == s).then_some(id)
    }
}

/// Written as its text (`article_42`), without building a string first.
impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Article(id) => write!(f, "article_{id}"),
            NodeId::Section(id) => write!(f, "section_{id}"),
            NodeId::Tag(id) => write!(f, "tag_{id}"),
            NodeId::Author(id) => write!(f, "author_{id}"),
        }
    }
}

macro_rules! node_ids {
    ($($id:ident => $variant:ident),*) => {$(
        impl From<$id> for NodeId {
            fn from(id: $id) -> Self {
                NodeId::$variant(id)
            }
        }

        impl $id {
            /// The id clients see (see [`NodeId`]).
            pub fn global(self) -> String {
                NodeId::from(self).to_string()
            }

            /// The object a client's id names; not found for any other id.
            pub fn from_global(s: &str) -> Result<Self> {
                match NodeId::parse(s) {
                    Some(NodeId::$variant(id)) => Ok(id),
                    _ => Err(Error::not_found(format!("{} `{s}`", stringify!($variant).to_lowercase()))),
                }
            }
        }
    )*};
}

node_ids!(ArticleId => Article, SectionId => Section, TagId => Tag, AuthorId => Author);

/// Where an article is in its editorial life. Only `Published` articles whose
/// `published_at` has passed are visible on public routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Draft, Status::Scheduled, Status::Published, Status::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::field("status", "must be one of draft, scheduled, published, archived"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: SectionId,
    pub slug: Slug,
    pub name: String,
    pub parent_id: Option<SectionId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: TagId,
    pub slug: Slug,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub id: AuthorId,
    pub slug: Slug,
    pub name: String,
    pub bio: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionCount {
    pub kind: String,
    pub count: i64,
}

/// The reaction kinds offered when none are configured.
pub const DEFAULT_REACTION_KINDS: [&str; 5] = ["like", "very-good", "sad", "angry", "surprised"];

impl ReactionCount {
    /// Counts for every kind of `kinds`, in that order, zero where none were
    /// counted (so a button bar needs no list of its own); then any other kind
    /// that was counted (one no longer offered), by kind.
    pub fn every_kind(kinds: &[String], mut counted: Vec<ReactionCount>) -> Vec<ReactionCount> {
        let mut out: Vec<ReactionCount> = Vec::with_capacity(kinds.len() + counted.len());
        for kind in kinds {
            let count = counted.iter().position(|c| c.kind == *kind).map_or(0, |i| counted.swap_remove(i).count);
            out.push(ReactionCount { kind: kind.clone(), count });
        }
        counted.sort_by(|a, b| a.kind.cmp(&b.kind));
        out.extend(counted);
        out
    }
}

/// An article's own columns and its relations by id, without its body.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRecord {
    pub id: ArticleId,
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub section_id: SectionId,
    pub hero_image: Option<Image>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub reading_time_minutes: i32,
    pub views: i64,
    pub version: i64,
    /// Tags in the article's order.
    pub tag_ids: Vec<TagId>,
    /// Authors in byline order.
    pub author_ids: Vec<AuthorId>,
    /// Stored reaction counts, by kind.
    pub reactions: Vec<ReactionCount>,
}

impl ArticleRecord {
    /// Whether the public may see this article at `now`.
    pub fn is_visible_at(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Published && self.published_at.is_some_and(|p| p <= now)
    }
}

/// An article with its relations resolved; `body` is `None` in list contexts.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub record: ArticleRecord,
    pub body: Option<Vec<Block>>,
    /// The section's path, root first, ending with the article's own section.
    pub section_path: Vec<Section>,
    pub tags: Vec<Tag>,
    pub authors: Vec<Author>,
}

/// The whole section tree, held in memory: it is small and read on every request.
#[derive(Debug, Clone, Default)]
pub struct SectionTree {
    sections: Vec<Section>,
    by_id: HashMap<SectionId, usize>,
    by_slug: HashMap<String, usize>,
    children: HashMap<Option<SectionId>, Vec<usize>>,
}

impl SectionTree {
    /// Build from sections in any order; children are ordered by name, then slug.
    pub fn new(mut sections: Vec<Section>) -> Self {
        sections.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.slug.cmp(&b.slug)));
        let by_id = sections.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let by_slug = sections.iter().enumerate().map(|(i, s)| (s.slug.as_str().to_owned(), i)).collect();
        let mut children: HashMap<Option<SectionId>, Vec<usize>> = HashMap::new();
        for (i, s) in sections.iter().enumerate() {
            children.entry(s.parent_id).or_default().push(i);
        }
        Self { sections, by_id, by_slug, children }
    }

    pub fn get(&self, id: SectionId) -> Option<&Section> {
        self.by_id.get(&id).map(|&i| &self.sections[i])
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Section> {
        self.by_slug.get(slug).map(|&i| &self.sections[i])
    }

    pub fn roots(&self) -> impl Iterator<Item = &Section> {
        self.children_of(None)
    }

    pub fn children_of(&self, parent: Option<SectionId>) -> impl Iterator<Item = &Section> {
        self.children.get(&parent).into_iter().flatten().map(|&i| &self.sections[i])
    }

    /// Root first, ending with the section itself. Bounded, so a corrupt cycle cannot hang.
    pub fn path(&self, id: SectionId) -> Vec<Section> {
        let mut path = Vec::new();
        let mut cur = self.get(id);
        while let Some(s) = cur {
            path.push(s.clone());
            if path.len() > self.sections.len() {
                break;
            }
            cur = s.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// The section and all sections below it.
    pub fn subtree(&self, id: SectionId) -> Vec<SectionId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() && out.len() <= self.sections.len() {
            out.extend(self.children_of(Some(out[i])).map(|s| s.id));
            i += 1;
        }
        out
    }

    pub fn iter(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter()
    }

    /// Sections ordered so that every parent comes before its children.
    pub fn parents_first(&self) -> Vec<&Section> {
        let mut out: Vec<&Section> = Vec::with_capacity(self.sections.len());
        let mut frontier: Vec<&Section> = self.roots().collect();
        while !frontier.is_empty() {
            frontier.sort_by(|a, b| a.slug.cmp(&b.slug));
            let next = frontier.iter().flat_map(|s| self.children_of(Some(s.id))).collect();
            out.append(&mut frontier);
            frontier = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_in_the_configured_order_zero_counts_and_former_kinds_last() {
        let count = |kind: &str, count| ReactionCount { kind: kind.to_owned(), count };
        let kinds = ["like".to_owned(), "sad".to_owned()];
        let got = ReactionCount::every_kind(&kinds, vec![count("wow", 2), count("sad", 1), count("boo", 4)]);
        assert_eq!(got, vec![count("like", 0), count("sad", 1), count("boo", 4), count("wow", 2)]);
        assert_eq!(ReactionCount::every_kind(&[], vec![count("sad", 1)]), vec![count("sad", 1)]);
    }

    #[test]
    fn node_ids_round_trip_and_have_one_spelling() {
        for id in [
            NodeId::Article(ArticleId(42)),
            NodeId::Section(SectionId(3)),
            NodeId::Tag(TagId(7)),
            NodeId::Author(AuthorId(5)),
        ] {
            assert_eq!(NodeId::parse(&id.to_string()), Some(id));
        }
        assert_eq!(ArticleId(42).global(), "article_42");
        assert_eq!(ArticleId::from_global("article_42").ok(), Some(ArticleId(42)));
        assert!(ArticleId::from_global("tag_42").is_err());
        for bad in
            ["42", "article_", "article_+42", "article_042", "Article_42", "article-42", "asset_1", "tag_1_2", ""]
        {
            assert_eq!(NodeId::parse(bad), None, "{bad}");
        }
    }
}
