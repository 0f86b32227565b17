//! Delta sync's bookkeeping (see `docs/sync.md`): every content write stamps
//! the articles a mirror sees change with the transaction's content version
//! ([`mark_changed`]), and a deletion of an article that was public leaves a
//! tombstone; the [`SyncRepo`] reads them back in version order.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{exists, max};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use newsdesk_domain::Result;
use newsdesk_domain::model::{ArticleId, SectionId, SectionTree};
use newsdesk_domain::ports::{ChangedArticle, DeletedArticle, SyncClock, SyncKey, SyncRepo, SyncScope};

use crate::conn::{AnyConnection, MultiBackend};
use crate::fixed::fixed;
use crate::ids::in_ids;
use crate::per_backend;
use crate::repo::{PUBLISHED, PUBLISHED_EXPR, Store, convert};
use crate::rows::{SectionRow, to_naive};
use crate::schema::{
    article_authors, article_tags, articles, content_version, instance, sections, sync_horizon, sync_tombstones,
};

/// Stamp the articles `ids` as changed by the current transaction (which has
/// bumped the content version, see [`Store::change`]): mirrors get them in the
/// next pass. Also notes the slug of each one public now, and which are
/// published with a publication time still to come.
pub(crate) fn mark_changed(conn: &mut AnyConnection, ids: &[i64], at: DateTime<Utc>) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // Read under the transaction's lock on the version: it cannot move.
    let version: i64 = content_version::table.select(content_version::version).first(conn)?;
    // Every statement finds its rows by primary key (a condition on the status
    // would lead SQLite to walk the status index instead): the states are read
    // first and sorted here.
    let states: Vec<(i64, String, Option<NaiveDateTime>)> = per_backend!(&mut *conn, |c| articles::table
        .filter(in_ids(articles::id, ids))
        .select((articles::id, articles::status, articles::published_at))
        .load(c))?;
    let at = to_naive(at);
    let (mut pending, mut public) = (Vec::new(), Vec::new());
    for (id, status, published_at) in &states {
        match published_at {
            Some(p) if status == PUBLISHED && *p > at => pending.push(*id),
            Some(_) if status == PUBLISHED => public.push(*id),
            _ => {}
        }
    }
    per_backend!(conn, |c| {
        diesel::update(articles::table.filter(in_ids(articles::id, ids)))
            .set((articles::sync_seq.eq(version), articles::release_pending.eq(false)))
            .execute(c)?;
        if !pending.is_empty() {
            diesel::update(articles::table.filter(in_ids(articles::id, &pending)))
                .set(articles::release_pending.eq(true))
                .execute(c)?;
        }
        if !public.is_empty() {
            diesel::update(articles::table.filter(in_ids(articles::id, &public)))
                .set(articles::public_slug.eq(articles::slug.nullable()))
                .execute(c)?;
        }
    });
    Ok(())
}

/// What kind of taxon a change touched, for [`mark_users_of`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Used {
    /// A section: its articles and those of its sub-sections (their path names it).
    Section(i64),
    Tag(i64),
    Author(i64),
}

/// Stamp every article that shows the taxon (its name is in their answers).
pub(crate) fn mark_users_of(conn: &mut AnyConnection, taxon: Used, at: DateTime<Utc>) -> QueryResult<()> {
    let ids: Vec<i64> = match taxon {
        Used::Section(id) => {
            let rows: Vec<SectionRow> = sections::table.select(SectionRow::as_select()).load(conn)?;
            let all = convert(rows).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
            let subtree: Vec<i64> = SectionTree::new(all).subtree(SectionId(id)).iter().map(|s| s.0).collect();
            per_backend!(conn, |c| articles::table
                .filter(in_ids(articles::section_id, &subtree))
                .select(articles::id)
                .load(c))?
        }
        Used::Tag(id) => {
            article_tags::table.filter(article_tags::tag_id.eq(id)).select(article_tags::article_id).load(conn)?
        }
        Used::Author(id) => article_authors::table
            .filter(article_authors::author_id.eq(id))
            .select(article_authors::article_id)
            .load(conn)?,
    };
    mark_changed(conn, &ids, at)
}

/// Leave a tombstone for the article `id`, about to be deleted, if it was ever public.
pub(crate) fn bury(conn: &mut AnyConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    let slug: Option<String> = articles::table.find(id).select(articles::public_slug).first(conn).optional()?.flatten();
    let Some(slug) = slug else { return Ok(()) };
    let version: i64 = content_version::table.select(content_version::version).first(conn)?;
    diesel::delete(sync_tombstones::table.find(id)).execute(conn)?;
    diesel::insert_into(sync_tombstones::table)
        .values((
            sync_tombstones::article_id.eq(id),
            sync_tombstones::slug.eq(slug),
            sync_tombstones::seq.eq(version),
            sync_tombstones::deleted_at.eq(to_naive(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// `$query` (over `articles`) narrowed to what is visible at `$now` within `$scope`.
macro_rules! in_scope {
    ($query:expr, $scope:expr, $now:expr) => {{
        let scope: &SyncScope = $scope;
        // The status as an expression: SQLite would otherwise walk the status
        // index and sort every published article by version.
        let query = $query.filter(fixed::<Bool>(PUBLISHED_EXPR)).filter(articles::published_at.le(to_naive($now)));
        let sections: Vec<i64> = scope.sections.iter().map(|s| s.0).collect();
        let tags: Vec<i64> = scope.tags.iter().map(|t| t.0).collect();
        let tagged = || {
            exists(
                article_tags::table
                    .filter(article_tags::article_id.eq(articles::id))
                    .filter(in_ids(article_tags::tag_id, &tags)),
            )
        };
        match (sections.is_empty(), tags.is_empty()) {
            (true, true) => query,
            (false, true) => query.filter(in_ids(articles::section_id, &sections)),
            (true, false) => query.filter(tagged()),
            (false, false) => query.filter(in_ids(articles::section_id, &sections).or(tagged())),
        }
    }};
}

/// `$query` (over a table keyed by `($seq, $id)`) after `$after`, up to version
/// `$upto`, in key order.
macro_rules! sync_range {
    ($query:expr, $seq:expr, $id:expr, $after:expr, $upto:expr) => {{
        let after: SyncKey = $after;
        $query
            .filter($seq.le($upto))
            .filter($seq.ge(after.seq))
            .filter($seq.gt(after.seq).or($seq.eq(after.seq).and($id.gt(after.id))))
            .order(($seq.asc(), $id.asc()))
    }};
}

impl SyncRepo for Store {
    fn sync_clock(&self) -> Result<SyncClock> {
        self.with(|c| {
            let version = content_version::table.select(content_version::version).first(c)?;
            let database = instance::table.select(instance::id).first(c)?;
            Ok(SyncClock { version, database })
        })
    }

    fn sync_horizon(&self) -> Result<i64> {
        self.with(|c| sync_horizon::table.select(sync_horizon::seq).first(c))
    }

    fn sync_visible(
        &self,
        scope: &SyncScope,
        after: SyncKey,
        upto: i64,
        now: DateTime<Utc>,
        fetch: i64,
    ) -> Result<Vec<SyncKey>> {
        let rows: Vec<(i64, i64)> = self.with(|c| {
            per_backend!(c, |c| {
                let query = articles::table.select((articles::sync_seq, articles::id)).limit(fetch).into_boxed();
                let query = in_scope!(query, scope, now);
                sync_range!(query, articles::sync_seq, articles::id, after, upto).load(c)
            })
        })?;
        Ok(rows.into_iter().map(|(seq, id)| SyncKey { seq, id }).collect())
    }

    fn sync_changed(&self, after: SyncKey, upto: i64, fetch: i64) -> Result<Vec<ChangedArticle>> {
        let rows: Vec<(i64, i64, Option<String>)> = self.with(|c| {
            let query = articles::table
                .select((articles::sync_seq, articles::id, articles::public_slug))
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            sync_range!(query, articles::sync_seq, articles::id, after, upto).load(c)
        })?;
        Ok(rows
            .into_iter()
            .map(|(seq, id, public_slug)| ChangedArticle { key: SyncKey { seq, id }, public_slug })
            .collect())
    }

    fn sync_deleted(&self, after: SyncKey, upto: i64, fetch: i64) -> Result<Vec<DeletedArticle>> {
        let rows: Vec<(i64, i64, String)> = self.with(|c| {
            let query = sync_tombstones::table
                .select((sync_tombstones::seq, sync_tombstones::article_id, sync_tombstones::slug))
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            sync_range!(query, sync_tombstones::seq, sync_tombstones::article_id, after, upto).load(c)
        })?;
        Ok(rows.into_iter().map(|(seq, id, slug)| DeletedArticle { key: SyncKey { seq, id }, slug }).collect())
    }

    fn sync_matching(&self, ids: &[ArticleId], scope: &SyncScope, now: DateTime<Utc>) -> Result<Vec<ArticleId>> {
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let tags: Vec<i64> = scope.tags.iter().map(|t| t.0).collect();
        let sections: HashSet<i64> = scope.sections.iter().map(|s| s.0).collect();
        let everything = sections.is_empty() && tags.is_empty();
        let now = to_naive(now);
        self.with(|c| {
            // By primary key, then judged here (see `mark_changed`).
            let rows: Vec<(i64, i64, String, Option<NaiveDateTime>)> = per_backend!(&mut *c, |c| articles::table
                .filter(in_ids(articles::id, &raw))
                .select((articles::id, articles::section_id, articles::status, articles::published_at))
                .load(c))?;
            let visible =
                rows.into_iter().filter(|(_, _, status, p)| status == PUBLISHED && p.is_some_and(|p| p <= now));
            let (found, rest): (Vec<_>, Vec<_>) =
                visible.partition(|(_, section, _, _)| everything || sections.contains(section));
            let mut found: Vec<i64> = found.into_iter().map(|(id, _, _, _)| id).collect();
            let rest: Vec<i64> = rest.into_iter().map(|(id, _, _, _)| id).collect();
            if !tags.is_empty() && !rest.is_empty() {
                let tagged: Vec<i64> = per_backend!(c, |c| article_tags::table
                    .filter(in_ids(article_tags::article_id, &rest))
                    .filter(in_ids(article_tags::tag_id, &tags))
                    .select(article_tags::article_id)
                    .load(c))?;
                found.extend(tagged);
            }
            Ok(found.into_iter().map(ArticleId).collect())
        })
    }

    fn release_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let due = |c: &mut AnyConnection| -> QueryResult<Vec<i64>> {
            articles::table
                // As written, so that the partial index applies.
                .filter(fixed::<Bool>("articles.release_pending"))
                .filter(articles::published_at.le(to_naive(now)))
                .select(articles::id)
                .limit(1_000)
                .load(c)
        };
        // A look first: most rounds find nothing, and a change would tell every
        // node that content changed.
        if self.with(due)?.is_empty() {
            return Ok(0);
        }
        self.change(|c| {
            let ids = due(c)?;
            mark_changed(c, &ids, now)?;
            Ok(ids.len())
        })
    }

    fn prune_deletions(&self, before: DateTime<Utc>) -> Result<usize> {
        let old = sync_tombstones::table.filter(sync_tombstones::deleted_at.lt(to_naive(before)));
        let newest: Option<i64> = self.with(|c| old.select(max(sync_tombstones::seq)).first(c))?;
        let Some(newest) = newest else { return Ok(0) };
        let mut conn = self.pool.get()?;
        (*conn)
            .transaction::<usize, diesel::result::Error, _>(|c| {
                diesel::update(sync_horizon::table.filter(sync_horizon::seq.lt(newest)))
                    .set(sync_horizon::seq.eq(newest))
                    .execute(c)?;
                diesel::delete(sync_tombstones::table.filter(sync_tombstones::seq.le(newest))).execute(c)
            })
            .map_err(crate::conn::db_err)
    }
}
