//! What every content write does, whether an editor makes it or an import:
//! resolve the slugs it refers to, set an article's tags and authors in order,
//! and tell every node that content changed.

use std::collections::HashMap;

use diesel::prelude::*;
use newsdesk_domain::ports::Change;
use newsdesk_domain::{Error, Result, Slug, Validator};

use crate::conn::{AnyConnection, TxError, TxResult};
use crate::per_backend;
use crate::repo::Store;
use crate::rows::{id_list, to_naive};
use crate::schema::{article_authors, article_tags, articles, audit_log, authors, content_version, sections, tags};

/// The id of the row of `$table` with slug `$slug`, remembered in `$cache`; a
/// missing one is a bad field `$field` naming the `$what`.
macro_rules! lookup {
    ($conn:expr, $cache:expr, $table:ident, $slug:expr, $field:expr, $what:expr) => {{
        let slug: &Slug = $slug;
        match $cache.get(slug.as_str()) {
            Some(id) => *id,
            None => {
                let id: Option<i64> =
                    $table::table.filter($table::slug.eq(slug.as_str())).select($table::id).first($conn).optional()?;
                let id =
                    id.ok_or_else(|| TxError::Domain(Error::field($field, format!("no {} `{}` exists", $what, slug))))?;
                $cache.insert(slug.as_str().to_owned(), id);
                id
            }
        }
    }};
}

pub(crate) use lookup;

/// Slug-to-id lookups made while writing one batch.
#[derive(Default)]
pub(crate) struct Ids {
    pub(crate) sections: HashMap<String, i64>,
    pub(crate) tags: HashMap<String, i64>,
    pub(crate) authors: HashMap<String, i64>,
    pub(crate) articles: HashMap<String, i64>,
    /// Reading history of this batch, written together at its end.
    pub(crate) reads: Vec<(i64, String, chrono::NaiveDateTime)>,
}

/// The ids of an article's section, tags and authors, each missing one a bad
/// field named as the client named it.
pub(crate) fn resolve_refs(
    conn: &mut AnyConnection,
    ids: &mut Ids,
    section: &Slug,
    tag_slugs: &[Slug],
    author_slugs: &[Slug],
) -> TxResult<(i64, Vec<i64>, Vec<i64>)> {
    let mut missing = Validator::default();
    let mut check = |r: TxResult<i64>| -> TxResult<Option<i64>> {
        match r {
            Ok(id) => Ok(Some(id)),
            Err(TxError::Domain(e)) => {
                missing.check(Err::<(), _>(e));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    };
    let section_id = check((|| Ok(lookup!(conn, ids.sections, sections, section, "section", "section")))())?;
    let mut tag_ids = Vec::with_capacity(tag_slugs.len());
    for (i, t) in tag_slugs.iter().enumerate() {
        if let Some(id) = check((|| Ok(lookup!(conn, ids.tags, tags, t, format!("tags[{i}]"), "tag")))())?
            && !tag_ids.contains(&id)
        {
            tag_ids.push(id);
        }
    }
    let mut author_ids = Vec::with_capacity(author_slugs.len());
    for (i, a) in author_slugs.iter().enumerate() {
        if let Some(id) = check((|| Ok(lookup!(conn, ids.authors, authors, a, format!("authors[{i}]"), "author")))())?
            && !author_ids.contains(&id)
        {
            author_ids.push(id);
        }
    }
    missing.finish()?;
    Ok((section_id.unwrap_or_default(), tag_ids, author_ids))
}

/// Replace an article's tags and authors, keeping the given order (in the link
/// tables, and in the lists its row keeps for cards).
pub(crate) fn set_relations(conn: &mut AnyConnection, id: i64, tag_ids: &[i64], author_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(conn)?;
    let tag_rows: Vec<_> = (0_i32..)
        .zip(tag_ids)
        .map(|(pos, t)| (article_tags::article_id.eq(id), article_tags::tag_id.eq(*t), article_tags::position.eq(pos)))
        .collect();
    if !tag_rows.is_empty() {
        per_backend!(&mut *conn, |c| diesel::insert_into(article_tags::table).values(&tag_rows).execute(c))?;
    }
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id))).execute(conn)?;
    let author_rows: Vec<_> = (0_i32..)
        .zip(author_ids)
        .map(|(pos, au)| {
            (article_authors::article_id.eq(id), article_authors::author_id.eq(*au), article_authors::position.eq(pos))
        })
        .collect();
    if !author_rows.is_empty() {
        per_backend!(&mut *conn, |c| diesel::insert_into(article_authors::table).values(&author_rows).execute(c))?;
    }
    diesel::update(articles::table.find(id))
        .set((articles::tag_list.eq(id_list(tag_ids)), articles::author_list.eq(id_list(author_ids))))
        .execute(conn)?;
    Ok(())
}

/// Tell every node that content changed (see [`Store::change`]).
pub(crate) fn bump_content_version(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::update(content_version::table)
        .set(content_version::version.eq(content_version::version + 1_i64))
        .execute(conn)
        .map(|_| ())
}

/// Record `change` in the audit log.
pub(crate) fn record(
    conn: &mut AnyConnection,
    change: &Change<'_>,
    article: Option<i64>,
    subject: &str,
    detail: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(to_naive(change.at)),
            audit_log::actor.eq(change.actor),
            audit_log::action.eq(change.action),
            audit_log::article_id.eq(article),
            audit_log::subject.eq(subject),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

impl Store {
    /// Run a content change in a transaction; a domain error from `f` rolls it back
    /// and is returned as is. The transaction starts by bumping the content version
    /// (which tells other nodes that content changed): a write first, so that on
    /// SQLite it takes the write lock before reading, and concurrent writers wait
    /// for each other instead of failing to upgrade a read lock.
    pub(crate) fn change<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn = self.pool.get()?;
        (*conn)
            .transaction::<T, TxError, _>(|c| {
                bump_content_version(c)?;
                f(c)
            })
            .map_err(Error::from)
    }
}
