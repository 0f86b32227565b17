//! The domain's repository traits, implemented once over [`AnyConnection`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use newsdesk_domain::body::Block;
use newsdesk_domain::model::{
    ArticleId, ArticleRecord, Author, AuthorId, ReactionCount, Section, SectionId, Status, Tag, TagId,
};
use newsdesk_domain::query::{ArticleKey, ArticleQuery, ArticleSort};
use newsdesk_domain::repo::ContentRepo;
use newsdesk_domain::{Error, Result, Slug};

use crate::conn::{AnyConnection, MultiBackend, Pool, db_err};
use crate::ids::in_ids;
use crate::per_backend;
use crate::rows::{ArticleRow, AuthorRow, SectionRow, TagRow, parse_body, to_naive};
use crate::schema::{
    article_authors, article_reactions, article_redirects, article_tags, articles, authors, sections, tags,
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

    fn tags_page(&self, after: Option<&str>, fetch: i64) -> Result<Vec<Tag>> {
        convert(self.with(|c| {
            let mut q =
                tags::table.select(TagRow::as_select()).order(tags::slug).limit(fetch).into_boxed::<MultiBackend>();
            if let Some(after) = after {
                q = q.filter(tags::slug.gt(after.to_owned()));
            }
            q.load(c)
        })?)
    }

    fn authors_page(&self, after: Option<&str>, fetch: i64) -> Result<Vec<Author>> {
        convert(self.with(|c| {
            let mut q = authors::table
                .select(AuthorRow::as_select())
                .order(authors::slug)
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            if let Some(after) = after {
                q = q.filter(authors::slug.gt(after.to_owned()));
            }
            q.load(c)
        })?)
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
        let ids = raw_ids(ids, |t| t.0);
        let rows: Vec<(i64, i64)> = self.with(|c| {
            article_tags::table
                .inner_join(articles::table)
                .filter(article_tags::tag_id.eq_any(&ids))
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::published_at.le(to_naive(now)))
                .group_by(article_tags::tag_id)
                .select((article_tags::tag_id, count_star()))
                .load(c)
        })?;
        Ok(rows.into_iter().map(|(id, n)| (TagId(id), n)).collect())
    }

    fn author_article_counts(&self, ids: &[AuthorId], now: DateTime<Utc>) -> Result<HashMap<AuthorId, i64>> {
        let ids = raw_ids(ids, |a| a.0);
        let rows: Vec<(i64, i64)> = self.with(|c| {
            article_authors::table
                .inner_join(articles::table)
                .filter(article_authors::author_id.eq_any(&ids))
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::published_at.le(to_naive(now)))
                .group_by(article_authors::author_id)
                .select((article_authors::author_id, count_star()))
                .load(c)
        })?;
        Ok(rows.into_iter().map(|(id, n)| (AuthorId(id), n)).collect())
    }

    fn article_by_slug(&self, slug: &str) -> Result<Option<(ArticleRecord, Vec<Block>)>> {
        let row = self.with(|c| {
            articles::table
                .filter(articles::slug.eq(slug))
                .select((ArticleRow::as_select(), articles::body))
                .first::<(ArticleRow, String)>(c)
                .optional()
        })?;
        row.map(|(r, body)| Ok((ArticleRecord::try_from(r)?, parse_body(&body)?))).transpose()
    }

    fn article_by_id(&self, id: ArticleId) -> Result<Option<(ArticleRecord, Vec<Block>)>> {
        let row = self.with(|c| {
            articles::table
                .find(id.0)
                .select((ArticleRow::as_select(), articles::body))
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
        let rows = self.with(|c| {
            let mut sql = articles::table
                .select(ArticleRow::as_select())
                .filter(articles::status.eq(Status::Published.as_str()))
                .filter(articles::published_at.le(to_naive(q.now)))
                .limit(q.fetch)
                .into_boxed::<MultiBackend>();
            if let Some(ids) = &q.section_ids {
                sql = sql.filter(articles::section_id.eq_any(ids.iter().map(|s| s.0).collect::<Vec<_>>()));
            }
            for tag in &q.tag_ids {
                let tagged =
                    article_tags::table.filter(article_tags::tag_id.eq(tag.0)).select(article_tags::article_id);
                sql = sql.filter(articles::id.eq_any(tagged));
            }
            if let Some(author) = q.author_id {
                let by = article_authors::table
                    .filter(article_authors::author_id.eq(author.0))
                    .select(article_authors::article_id);
                sql = sql.filter(articles::id.eq_any(by));
            }
            if let Some(t) = q.published_after {
                sql = sql.filter(articles::published_at.ge(to_naive(t)));
            }
            if let Some(t) = q.published_before {
                sql = sql.filter(articles::published_at.lt(to_naive(t)));
            }
            sql = match q.sort {
                ArticleSort::PublishedAtDesc => sql.order((articles::published_at.desc(), articles::id.desc())),
                ArticleSort::PublishedAtAsc => sql.order((articles::published_at.asc(), articles::id.asc())),
                ArticleSort::ViewsDesc => sql.order((articles::views.desc(), articles::id.desc())),
            };
            match (q.after, q.sort) {
                (None, _) => {}
                (Some(ArticleKey::PublishedAt { t, id }), ArticleSort::PublishedAtDesc) => {
                    let t = micros_to_naive(t);
                    sql = sql.filter(
                        articles::published_at.lt(t).or(articles::published_at.eq(t).and(articles::id.lt(id.0))),
                    );
                }
                (Some(ArticleKey::PublishedAt { t, id }), _) => {
                    let t = micros_to_naive(t);
                    sql = sql.filter(
                        articles::published_at.gt(t).or(articles::published_at.eq(t).and(articles::id.gt(id.0))),
                    );
                }
                (Some(ArticleKey::Views { v, id }), _) => {
                    sql = sql.filter(articles::views.lt(v).or(articles::views.eq(v).and(articles::id.lt(id.0))));
                }
            }
            sql.load::<ArticleRow>(c)
        })?;
        convert(rows)
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
            per_backend!(c, |c| articles::table
                .filter(in_ids(articles::id, &ids))
                .select((articles::id, articles::body))
                .load(c))
        })?;
        rows.into_iter().map(|(id, b)| Ok((ArticleId(id), parse_body(&b)?))).collect()
    }

    fn tags_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Tag>>> {
        let ids = raw_ids(ids, |a| a.0);
        let rows: Vec<(i64, TagRow)> = self.with(|c| {
            per_backend!(c, |c| article_tags::table
                .inner_join(tags::table)
                .filter(in_ids(article_tags::article_id, &ids))
                .order((article_tags::article_id, article_tags::position))
                .select((article_tags::article_id, TagRow::as_select()))
                .load(c))
        })?;
        group(rows, ArticleId)
    }

    fn authors_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Author>>> {
        let ids = raw_ids(ids, |a| a.0);
        let rows: Vec<(i64, AuthorRow)> = self.with(|c| {
            per_backend!(c, |c| article_authors::table
                .inner_join(authors::table)
                .filter(in_ids(article_authors::article_id, &ids))
                .order((article_authors::article_id, article_authors::position))
                .select((article_authors::article_id, AuthorRow::as_select()))
                .load(c))
        })?;
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
