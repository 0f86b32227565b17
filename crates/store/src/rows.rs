//! Row shapes and their conversion to domain types. A row that does not convert
//! (a corrupt slug or JSON document) is an internal error, never a panic.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use newsdesk_domain::body::{Block, Image};
use newsdesk_domain::model::{
    ArticleId, ArticleRecord, Author, AuthorId, ReactionCount, Section, SectionId, Status, Tag, TagId,
};
use newsdesk_domain::{Error, Result, Slug};

use crate::conn::AnyConnection;
use crate::fixed::{Fixed, fixed};
use crate::per_backend;
use crate::schema::{article_bodies, articles, authors, sections, tags};

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn to_naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

fn slug(s: String) -> Result<Slug> {
    Slug::parse(s).map_err(|e| Error::internal(format!("stored slug is invalid: {e}")))
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sections)]
pub struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

impl TryFrom<SectionRow> for Section {
    type Error = Error;
    fn try_from(SectionRow { id, slug: s, name, parent_id }: SectionRow) -> Result<Self> {
        Ok(Section { id: SectionId(id), slug: slug(s)?, name, parent_id: parent_id.map(SectionId) })
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

impl TryFrom<TagRow> for Tag {
    type Error = Error;
    fn try_from(TagRow { id, slug: s, name }: TagRow) -> Result<Self> {
        Ok(Tag { id: TagId(id), slug: slug(s)?, name })
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = authors)]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
}

impl TryFrom<AuthorRow> for Author {
    type Error = Error;
    fn try_from(AuthorRow { id, slug: s, name, bio }: AuthorRow) -> Result<Self> {
        Ok(Author { id: AuthorId(id), slug: slug(s)?, name, bio })
    }
}

/// An article's reaction counts as its row keeps them (`articles.reaction_list`),
/// aggregated from the counts: written after every change of the counts.
pub(crate) const REACTION_LIST: Fixed<Nullable<Text>> = fixed(
    "(SELECT string_agg(r.kind || ':' || CAST(r.count AS TEXT), ',') \
     FROM article_reactions r WHERE r.article_id = articles.id)",
);

/// An article's columns except the body, with its relations by id.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub section_id: i64,
    pub hero_image: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub reading_time_minutes: i32,
    pub views: i64,
    pub version: i64,
    pub tag_list: Option<String>,
    pub author_list: Option<String>,
    pub reaction_list: Option<String>,
}

/// The `a:b` pairs of an aggregated list.
fn pairs(list: &Option<String>) -> impl Iterator<Item = Result<(&str, i64)>> {
    let invalid = move || Error::internal(format!("stored relation list is invalid: {list:?}"));
    list.iter().flat_map(|l| l.split(',')).map(move |pair| {
        let (a, b) = pair.rsplit_once(':').ok_or_else(invalid)?;
        Ok((a, b.parse().map_err(|_| invalid())?))
    })
}

/// The list of linked ids an article's row keeps (`tag_list`, `author_list`):
/// `position:id` pairs, positions counted from 0; `None` when there are none.
pub(crate) fn id_list(ids: &[i64]) -> Option<String> {
    let pairs: Vec<String> = ids.iter().enumerate().map(|(position, id)| format!("{position}:{id}")).collect();
    (!pairs.is_empty()).then(|| pairs.join(","))
}

/// Ids from `position:id` pairs, in position order.
fn parse_ids<T>(list: Option<String>, id: impl Fn(i64) -> T) -> Result<Vec<T>> {
    let mut linked = pairs(&list)
        .map(|p| {
            let (position, id) = p?;
            Ok((
                position
                    .parse::<i64>()
                    .map_err(|_| Error::internal(format!("stored position is invalid: {list:?}")))?,
                id,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    linked.sort_unstable();
    Ok(linked.into_iter().map(|(_, i)| id(i)).collect())
}

/// Reaction counts from `kind:count` pairs, by kind.
fn parse_reactions(list: Option<String>) -> Result<Vec<ReactionCount>> {
    let mut counts = pairs(&list)
        .map(|p| p.map(|(kind, count)| ReactionCount { kind: kind.to_owned(), count }))
        .collect::<Result<Vec<_>>>()?;
    counts.sort_unstable_by(|a, b| a.kind.cmp(&b.kind));
    Ok(counts)
}

impl TryFrom<ArticleRow> for ArticleRecord {
    type Error = Error;
    fn try_from(r: ArticleRow) -> Result<Self> {
        let ArticleRow {
            id,
            slug: s,
            title,
            summary,
            section_id,
            hero_image,
            status,
            published_at,
            created_at,
            updated_at,
            reading_time_minutes,
            views,
            version,
            tag_list,
            author_list,
            reaction_list,
        } = r;
        Ok(ArticleRecord {
            id: ArticleId(id),
            slug: slug(s)?,
            title,
            summary,
            section_id: SectionId(section_id),
            hero_image: hero_image.map(|h| parse_json::<Image>(&h)).transpose()?,
            status: Status::parse(&status).map_err(Error::internal)?,
            published_at: published_at.map(to_utc),
            created_at: to_utc(created_at),
            updated_at: to_utc(updated_at),
            reading_time_minutes,
            views,
            version,
            tag_ids: parse_ids(tag_list, TagId)?,
            author_ids: parse_ids(author_list, AuthorId)?,
            reactions: parse_reactions(reaction_list)?,
        })
    }
}

pub fn parse_json<T: for<'de> serde::Deserialize<'de>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::internal(format!("stored JSON is invalid: {e}")))
}

pub fn parse_body(s: &str) -> Result<Vec<Block>> {
    parse_json(s)
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

/// The editable columns of `articles` (counters and bookkeeping aside); the
/// body goes to `article_bodies` ([`write_body`]).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = articles)]
#[diesel(treat_none_as_null = true)]
pub struct ArticleChanges {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub section_id: i64,
    pub hero_image: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub reading_time_minutes: i32,
}

impl ArticleChanges {
    /// The columns of an article's editable state, with the ids its slugs
    /// resolved to, and its body as stored.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        slug: &Slug,
        title: &str,
        summary: &str,
        body: &[Block],
        section_id: i64,
        hero_image: Option<&Image>,
        status: Status,
        published_at: Option<DateTime<Utc>>,
        updated_at: DateTime<Utc>,
    ) -> Result<(Self, String)> {
        let columns = Self {
            slug: slug.as_str().to_owned(),
            title: title.to_owned(),
            summary: summary.to_owned(),
            section_id,
            hero_image: hero_image.map(to_json).transpose()?,
            status: status.as_str().to_owned(),
            published_at: published_at.map(to_naive),
            updated_at: to_naive(updated_at),
            reading_time_minutes: newsdesk_domain::body::reading_time_minutes(body),
        };
        Ok((columns, to_json(&body)?))
    }
}

/// Store an article's body (JSON blocks), replacing the one it had.
pub fn write_body(conn: &mut AnyConnection, id: i64, body: &str) -> QueryResult<()> {
    let row = (article_bodies::article_id.eq(id), article_bodies::body.eq(body));
    per_backend!(conn, |c| diesel::insert_into(article_bodies::table)
        .values(row)
        .on_conflict(article_bodies::article_id)
        .do_update()
        .set(article_bodies::body.eq(body))
        .execute(c))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_relations_come_back_in_their_order() {
        let ids = parse_ids(Some("2:30,0:10,1:20".to_owned()), TagId).expect("ids");
        assert_eq!(ids, [TagId(10), TagId(20), TagId(30)]);
        assert_eq!(parse_ids(None, TagId).expect("none"), []);
        let counts = parse_reactions(Some("very-good:3,angry:0,like:12".to_owned())).expect("counts");
        let kinds: Vec<_> = counts.iter().map(|r| (r.kind.as_str(), r.count)).collect();
        assert_eq!(kinds, [("angry", 0), ("like", 12), ("very-good", 3)]);
        assert!(parse_ids(Some("1:x".to_owned()), TagId).is_err());
        assert!(parse_reactions(Some("like".to_owned())).is_err());
    }
}
