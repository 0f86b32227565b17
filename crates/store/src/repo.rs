//! `Store`, and the content reads of the domain's ports over [`AnyConnection`]:
//! taxonomy, articles by slug or id, the list query, and batches by id.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Timestamp};
use newsdesk_domain::body::Block;
use newsdesk_domain::model::{
    ArticleId, ArticleRecord, Author, AuthorId, ReactionCount, Section, SectionId, Tag, TagId,
};
use newsdesk_domain::ports::{ContentRepo, SITEMAP_URLS, SitemapEntry};
use newsdesk_domain::query::{ArticleKey, ArticleQuery, ArticleSort, Direction, ResolvedFilter};
use newsdesk_domain::{Error, Result, Slug};

use crate::conn::{AnyConnection, MultiBackend, Pool, db_err};
use crate::explain::Explains;
use crate::fixed::{FixedWithId, fixed, fixed_with_id};
use crate::ids::in_ids;
use crate::per_backend;
use crate::rows::{ArticleRow, AuthorRow, SectionRow, TagRow, parse_body, to_naive, to_utc};
use crate::schema::{
    article_authors, article_bodies, article_reactions, article_redirects, article_tags, articles, authors, sections,
    tags,
};

/// The store: a pool plus the repository implementations.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

impl Store {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut AnyConnection) -> QueryResult<T>) -> Result<T> {
        let mut conn = self.pool.get()?;
        f(&mut conn).map_err(db_err)
    }
}

pub(crate) fn convert<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

fn group<K: std::hash::Hash + Eq, R, T: TryFrom<R, Error = Error>>(
    rows: Vec<(i64, R)>,
    key: impl Fn(i64) -> K,
) -> Result<HashMap<K, Vec<T>>> {
    let mut out: HashMap<K, Vec<T>> = HashMap::new();
    for (k, r) in rows {
        out.entry(key(k)).or_default().push(T::try_from(r)?);
    }
    Ok(out)
}

fn raw_ids<T>(ids: &[T], f: impl Fn(&T) -> i64) -> Vec<i64> {
    ids.iter().map(f).collect()
}

pub(crate) const PUBLISHED: &str = "published";
/// `status = 'published'` written so that no index on the status is chosen for it.
pub(crate) const PUBLISHED_EXPR: &str = "(articles.status || '') = 'published'";

/// The sitemap block of an article's id: `SITEMAP_URLS` ids a block (checked
/// by a test).
const SITEMAP_BLOCK: &str = "(articles.id - 1) / 50000";

/// `$query` narrowed to the sections, tags and author of the filter `$f`. The
/// driving tag (or author) is the base; the others are checked per article on
/// their link's primary key.
macro_rules! filtered {
    ($query:expr, $f:expr) => {{
        let f: &ResolvedFilter = $f;
        let mut query = $query;
        if let Some(ids) = &f.sections {
            query = query.filter(in_ids(articles::section_id, &raw_ids(ids, |s| s.0)));
        }
        let linked = usize::from(!f.tags.is_empty());
        for tag in &f.tags[linked..] {
            query = query.filter(has_tag(tag.0));
        }
        if let (Some(author), true) = (f.author, linked == 1) {
            query = query.filter(has_author(author.0));
        }
        query
    }};
}

/// The count of what a list query over `base` would list (any order, no page).
macro_rules! count {
    ($base:expr, $q:expr, $sqlite:expr, $listed:expr, $listed_sql:literal, $id:expr, $views:expr) => {{
        let q: &ArticleQuery = $q;
        let f = &q.filter;
        let query = filtered!($base, f);
        dates!(query, f, $listed)
    }};
}

/// The rest of a list query over `base`, whose listing keys are the columns
/// `$listed` (publication time, NULL unless published; `$listed_sql` names it
/// in SQL), `$id` and `$views`: visibility, filters, order, cursor and limit.
macro_rules! list {
    ($base:expr, $q:expr, $sqlite:expr, $listed:expr, $listed_sql:literal, $id:expr, $views:expr) => {{
        let q: &ArticleQuery = $q;
        let f = &q.filter;
        let mut query = filtered!($base.limit(q.fetch), f);
        // Read from the highest key down (a descending list read forward, or an
        // ascending one read backward), or from the lowest up.
        let descending = (q.sort != ArticleSort::PublishedAtAsc) != (q.direction == Direction::Backward);
        match q.sort {
            ArticleSort::ViewsDesc => {
                // SQLite (which plans without statistics) takes any range on
                // the publication time for selective, walks its index and sorts
                // every row in the range by views: written as an expression, the
                // range cannot use an index, and the views index (which holds
                // the time) is walked in order. PostgreSQL knows from its
                // statistics how much of the range a page needs.
                query = if $sqlite {
                    let listed =
                        fixed::<Nullable<Timestamp>>(concat!("coalesce(", $listed_sql, ", ", $listed_sql, ")"));
                    dates!(query, f, listed)
                } else {
                    dates!(query, f, $listed)
                };
                let from = match q.after {
                    Some(ArticleKey::Views { v, id }) => Some((v, id.0)),
                    _ => None,
                };
                query = keyset!(query, descending, $views, $id, from);
            }
            ArticleSort::PublishedAtDesc | ArticleSort::PublishedAtAsc => {
                query = dates!(query, f, $listed);
                let from = match q.after {
                    Some(ArticleKey::PublishedAt { t, id }) => Some((micros_to_naive(t), id.0)),
                    _ => None,
                };
                query = keyset!(query, descending, $listed, $id, from);
            }
        }
        query
    }};
}

/// Order `$query` by `($key, $id)`, high to low when `$descending`, and start
/// after the position `$from`. Range conditions repeat the first key alone
/// (`key <= k AND (key < k OR …)`) so that both planners start the index walk
/// there.
macro_rules! keyset {
    ($query:expr, $descending:expr, $key:expr, $id:expr, $from:expr) => {{
        let query = $query;
        if $descending {
            let query = query.order(($key.desc(), $id.desc()));
            match $from {
                Some((k, id)) => query.filter($key.le(k)).filter($key.lt(k).or($key.eq(k).and($id.lt(id)))),
                None => query,
            }
        } else {
            let query = query.order(($key.asc(), $id.asc()));
            match $from {
                Some((k, id)) => query.filter($key.ge(k)).filter($key.gt(k).or($key.eq(k).and($id.gt(id)))),
                None => query,
            }
        }
    }};
}

/// Visibility (listed by now) and the date range of the filter `$f`, on the
/// listing time `$listed`.
macro_rules! dates {
    ($sql:expr, $f:expr, $listed:expr) => {{
        let mut query = $sql.filter($listed.clone().le(to_naive($f.now)));
        if let Some(t) = $f.published_after {
            query = query.filter($listed.clone().ge(to_naive(t)));
        }
        if let Some(t) = $f.published_before {
            query = query.filter($listed.clone().lt(to_naive(t)));
        }
        query
    }};
}

/// `EXISTS` a link from the listed article to another tag, checked per listed
/// article on the link's primary key. `OFFSET 0` keeps PostgreSQL from turning
/// the check into a join, which it would then sort.
fn has_tag(tag: i64) -> FixedWithId {
    fixed_with_id(
        "EXISTS (SELECT 1 FROM article_tags l WHERE l.article_id = articles.id AND l.tag_id = ",
        tag,
        " LIMIT 1 OFFSET 0)",
    )
}

/// `EXISTS` a link from the listed article to an author, as [`has_tag`].
fn has_author(author: i64) -> FixedWithId {
    fixed_with_id(
        "EXISTS (SELECT 1 FROM article_authors l WHERE l.article_id = articles.id AND l.author_id = ",
        author,
        " LIMIT 1 OFFSET 0)",
    )
}

/// What the link table `$link` joins to each of the articles `$ids` (their tags
/// or authors, as `$row`s of `$table`), in the article's own order.
macro_rules! linked {
    ($store:expr, $link:ident, $table:ident, $row:ty, $ids:expr) => {{
        let ids: Vec<i64> = $ids;
        $store.with(|c| {
            per_backend!(c, |c| $link::table
                .inner_join($table::table)
                .filter(in_ids($link::article_id, &ids))
                .order(($link::article_id, $link::position))
                .select(($link::article_id, <$row>::as_select()))
                .load(c))
        })
    }};
}

/// Articles listed by `$now` for each of `$ids` in the link table `$table`
/// (`article_tags` by `tag_id`, `article_authors` by `author_id`).
macro_rules! link_counts {
    ($store:expr, $table:ident, $key:ident, $ids:expr, $now:expr) => {{
        let ids: Vec<i64> = $ids;
        $store.with(|c| -> QueryResult<Vec<(i64, i64)>> {
            $table::table
                .filter($table::$key.eq_any(&ids))
                .filter($table::listed_at.le(to_naive($now)))
                .group_by($table::$key)
                .select(($table::$key, count_star()))
                .load(c)
        })
    }};
}

/// The query of an article list, given to `$body` as `$query`. One query per
/// list, shaped so that both planners walk an index in the list's order and stop
/// after `fetch` matches, without a sort or a body read: a tag's or an author's
/// list walks its link table (`listed_at`/`views` repeat the article's keys
/// there), every other list the publication or views index, which also hold the
/// section. [`Store::explain_list`] shows the plans. `$shape` is `list` for a
/// page of `$select`, `count` for `count(*)` of the whole list.
macro_rules! list_query {
    ($q:expr, $sqlite:expr, $select:expr, $shape:ident, |$query:ident| $body:expr) => {{
        let q: &ArticleQuery = $q;
        match (q.filter.tags.first(), q.filter.author) {
            (Some(tag), _) => {
                let base = article_tags::table
                    .inner_join(articles::table)
                    .filter(article_tags::tag_id.eq(tag.0))
                    .select($select)
                    .into_boxed();
                let $query = $shape!(
                    base,
                    q,
                    $sqlite,
                    article_tags::listed_at,
                    "article_tags.listed_at",
                    article_tags::article_id,
                    article_tags::views
                );
                $body
            }
            (None, Some(author)) => {
                let base = article_authors::table
                    .inner_join(articles::table)
                    .filter(article_authors::author_id.eq(author.0))
                    .select($select)
                    .into_boxed();
                let $query = $shape!(
                    base,
                    q,
                    $sqlite,
                    article_authors::listed_at,
                    "article_authors.listed_at",
                    article_authors::article_id,
                    article_authors::views
                );
                $body
            }
            (None, None) => {
                let base = articles::table.filter(articles::status.eq(PUBLISHED)).select($select).into_boxed();
                let $query = $shape!(
                    base,
                    q,
                    $sqlite,
                    articles::published_at,
                    "articles.published_at",
                    articles::id,
                    articles::views
                );
                $body
            }
        }
    }};
}

/// A page of `$table` by slug, read from the slug `$from` toward `$direction`.
macro_rules! slug_page {
    ($table:ident, $row:ty, $from:expr, $fetch:expr, $direction:expr) => {{
        let q = $table::table.select(<$row>::as_select()).limit($fetch).into_boxed::<MultiBackend>();
        match ($direction, $from) {
            (Direction::Forward, None) => q.order($table::slug.asc()),
            (Direction::Forward, Some(from)) => q.order($table::slug.asc()).filter($table::slug.gt(from.to_owned())),
            (Direction::Backward, None) => q.order($table::slug.desc()),
            (Direction::Backward, Some(from)) => q.order($table::slug.desc()).filter($table::slug.lt(from.to_owned())),
        }
    }};
}

impl Store {
    /// The plan each backend chooses for an article list (SQLite's `EXPLAIN
    /// QUERY PLAN` details, PostgreSQL's `EXPLAIN` lines).
    pub fn explain_list(&self, q: &ArticleQuery) -> Result<Vec<String>> {
        self.with(|c| {
            let sqlite = matches!(c, AnyConnection::Sqlite(_));
            per_backend!(c, |c| list_query!(q, sqlite, ArticleRow::as_select(), list, |query| c.plan(query)))
        })
    }
}

impl ContentRepo for Store {
    fn ping(&self) -> Result<()> {
        self.with(|c| diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).execute(c).map(|_| ()))
    }

    fn sections(&self) -> Result<Vec<Section>> {
        convert(self.with(|c| sections::table.select(SectionRow::as_select()).load(c))?)
    }

    fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        let row =
            self.with(|c| tags::table.filter(tags::slug.eq(slug)).select(TagRow::as_select()).first(c).optional())?;
        row.map(Tag::try_from).transpose()
    }

    fn author_by_slug(&self, slug: &str) -> Result<Option<Author>> {
        let row = self.with(|c| {
            authors::table.filter(authors::slug.eq(slug)).select(AuthorRow::as_select()).first(c).optional()
        })?;
        row.map(Author::try_from).transpose()
    }

    fn tags_by_ids(&self, ids: &[TagId]) -> Result<Vec<Tag>> {
        let ids = raw_ids(ids, |t| t.0);
        convert(self.with(|c| {
            per_backend!(c, |c| tags::table.filter(in_ids(tags::id, &ids)).select(TagRow::as_select()).load(c))
        })?)
    }

    fn authors_by_ids(&self, ids: &[AuthorId]) -> Result<Vec<Author>> {
        let ids = raw_ids(ids, |a| a.0);
        convert(self.with(|c| {
            per_backend!(c, |c| authors::table.filter(in_ids(authors::id, &ids)).select(AuthorRow::as_select()).load(c))
        })?)
    }

    fn tags_page(&self, from: Option<&str>, fetch: i64, direction: Direction) -> Result<Vec<Tag>> {
        convert(self.with(|c| slug_page!(tags, TagRow, from, fetch, direction).load(c))?)
    }

    fn authors_page(&self, from: Option<&str>, fetch: i64, direction: Direction) -> Result<Vec<Author>> {
        convert(self.with(|c| slug_page!(authors, AuthorRow, from, fetch, direction).load(c))?)
    }

    fn sitemap_blocks(&self, now: DateTime<Utc>) -> Result<Vec<(i64, DateTime<Utc>)>> {
        let block = diesel::dsl::sql::<BigInt>(SITEMAP_BLOCK);
        let rows: Vec<(i64, Option<chrono::NaiveDateTime>)> = self.with(|c| {
            articles::table
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::published_at.le(to_naive(now)))
                .group_by(block.clone())
                .select((block.clone(), max(articles::updated_at)))
                .order(block.clone())
                .load(c)
        })?;
        Ok(rows.into_iter().filter_map(|(n, at)| Some((n, to_utc(at?)))).collect())
    }

    fn sitemap_block(&self, n: i64, now: DateTime<Utc>) -> Result<Vec<SitemapEntry>> {
        let rows: Vec<(i64, String, i64, chrono::NaiveDateTime)> = self.with(|c| {
            articles::table
                .filter(articles::id.gt(n.saturating_mul(SITEMAP_URLS)))
                .filter(articles::id.le(n.saturating_add(1).saturating_mul(SITEMAP_URLS)))
                // Walked by id: on the status index SQLite would sort them all.
                .filter(fixed::<Bool>(PUBLISHED_EXPR))
                .filter(articles::published_at.le(to_naive(now)))
                .order(articles::id)
                .select((articles::id, articles::slug, articles::section_id, articles::updated_at))
                .load(c)
        })?;
        rows.into_iter()
            .map(|(id, slug, section, at)| {
                Ok(SitemapEntry {
                    id: ArticleId(id),
                    slug: Slug::parse(slug)?,
                    section_id: SectionId(section),
                    updated_at: to_utc(at),
                })
            })
            .collect()
    }

    fn section_article_counts(&self, now: DateTime<Utc>) -> Result<HashMap<SectionId, i64>> {
        let rows: Vec<(i64, i64)> = self.with(|c| {
            articles::table
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::published_at.le(to_naive(now)))
                .group_by(articles::section_id)
                .select((articles::section_id, count_star()))
                .load(c)
        })?;
        Ok(rows.into_iter().map(|(id, n)| (SectionId(id), n)).collect())
    }

    fn tag_article_counts(&self, ids: &[TagId], now: DateTime<Utc>) -> Result<HashMap<TagId, i64>> {
        let rows = link_counts!(self, article_tags, tag_id, raw_ids(ids, |t| t.0), now)?;
        Ok(rows.into_iter().map(|(id, n)| (TagId(id), n)).collect())
    }

    fn author_article_counts(&self, ids: &[AuthorId], now: DateTime<Utc>) -> Result<HashMap<AuthorId, i64>> {
        let rows = link_counts!(self, article_authors, author_id, raw_ids(ids, |a| a.0), now)?;
        Ok(rows.into_iter().map(|(id, n)| (AuthorId(id), n)).collect())
    }

    fn article_by_slug(&self, slug: &str) -> Result<Option<(ArticleRecord, Vec<Block>)>> {
        let row = self.with(|c| {
            articles::table
                .filter(articles::slug.eq(slug))
                .inner_join(article_bodies::table)
                .select((ArticleRow::as_select(), article_bodies::body))
                .first::<(ArticleRow, String)>(c)
                .optional()
        })?;
        row.map(|(r, body)| Ok((ArticleRecord::try_from(r)?, parse_body(&body)?))).transpose()
    }

    fn article_by_id(&self, id: ArticleId) -> Result<Option<(ArticleRecord, Vec<Block>)>> {
        let row = self.with(|c| {
            articles::table
                .find(id.0)
                .inner_join(article_bodies::table)
                .select((ArticleRow::as_select(), article_bodies::body))
                .first::<(ArticleRow, String)>(c)
                .optional()
        })?;
        row.map(|(r, body)| Ok((ArticleRecord::try_from(r)?, parse_body(&body)?))).transpose()
    }

    fn redirect(&self, slug: &str) -> Result<Option<Slug>> {
        let to: Option<String> = self.with(|c| {
            article_redirects::table
                .inner_join(articles::table)
                .filter(article_redirects::slug.eq(slug))
                .select(articles::slug)
                .first(c)
                .optional()
        })?;
        to.map(|s| Slug::parse(s).map_err(Error::internal)).transpose()
    }

    fn list_articles(&self, q: &ArticleQuery) -> Result<Vec<ArticleRecord>> {
        convert(self.with(|c| {
            let sqlite = matches!(c, AnyConnection::Sqlite(_));
            per_backend!(c, |c| list_query!(q, sqlite, ArticleRow::as_select(), list, |query| query
                .load::<ArticleRow>(c)))
        })?)
    }

    fn count_articles(&self, filter: &ResolvedFilter) -> Result<i64> {
        let q = ArticleQuery {
            filter: filter.clone(),
            sort: ArticleSort::default(),
            after: None,
            direction: Direction::Forward,
            fetch: 0,
        };
        // A count has no order, so no backend-specific shape.
        self.with(|c| {
            per_backend!(c, |c| list_query!(&q, false, count_star(), count, |query| query.get_result::<i64>(c)))
        })
    }

    fn count_tags(&self) -> Result<i64> {
        self.with(|c| tags::table.select(count_star()).get_result(c))
    }

    fn count_authors(&self) -> Result<i64> {
        self.with(|c| authors::table.select(count_star()).get_result(c))
    }

    fn records_of(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>> {
        let ids = raw_ids(ids, |a| a.0);
        convert(self.with(|c| {
            per_backend!(c, |c| articles::table
                .filter(in_ids(articles::id, &ids))
                .select(ArticleRow::as_select())
                .load(c))
        })?)
    }

    fn bodies_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Block>>> {
        let ids = raw_ids(ids, |a| a.0);
        let rows: Vec<(i64, String)> = self.with(|c| {
            per_backend!(c, |c| article_bodies::table
                .filter(in_ids(article_bodies::article_id, &ids))
                .select((article_bodies::article_id, article_bodies::body))
                .load(c))
        })?;
        rows.into_iter().map(|(id, b)| Ok((ArticleId(id), parse_body(&b)?))).collect()
    }

    fn tags_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Tag>>> {
        let rows: Vec<(i64, TagRow)> = linked!(self, article_tags, tags, TagRow, raw_ids(ids, |a| a.0))?;
        group(rows, ArticleId)
    }

    fn authors_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Author>>> {
        let rows: Vec<(i64, AuthorRow)> = linked!(self, article_authors, authors, AuthorRow, raw_ids(ids, |a| a.0))?;
        group(rows, ArticleId)
    }

    fn reactions_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<ReactionCount>>> {
        let ids = raw_ids(ids, |a| a.0);
        let rows: Vec<(i64, String, i64)> = self.with(|c| {
            per_backend!(c, |c| article_reactions::table
                .filter(in_ids(article_reactions::article_id, &ids))
                .order((article_reactions::article_id, article_reactions::kind))
                .select((article_reactions::article_id, article_reactions::kind, article_reactions::count))
                .load(c))
        })?;
        let mut out: HashMap<ArticleId, Vec<ReactionCount>> = HashMap::new();
        for (id, kind, count) in rows {
            out.entry(ArticleId(id)).or_default().push(ReactionCount { kind, count });
        }
        Ok(out)
    }
}

fn micros_to_naive(t: i64) -> chrono::NaiveDateTime {
    to_naive(DateTime::from_timestamp_micros(t).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sitemap_blocks_hold_sitemap_urls_ids() {
        assert!(super::SITEMAP_BLOCK.ends_with(&format!("/ {}", super::SITEMAP_URLS)));
    }
}
