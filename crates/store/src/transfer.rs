//! Import and export of the NDJSON interchange format.

use std::collections::HashMap;

use diesel::prelude::*;
use newsdesk_domain::body::Block;
use newsdesk_domain::model::ArticleRecord;
use newsdesk_domain::ports::TransferRepo;
use newsdesk_domain::record::{ArticleRecordIn, Record, ViewRecord};
use newsdesk_domain::service::now;
use newsdesk_domain::{Error, Result, Slug};

use crate::conn::{AnyConnection, MultiBackend, TxError, TxResult, db_err};
use crate::engagement::{BucketAdds, write_reaction_lists};
use crate::per_backend;
use crate::repo::{Store, convert};
use crate::rows::{ArticleChanges, ArticleRow, AuthorRow, TagRow, parse_body, to_naive, to_utc, write_body};
use crate::schema::{article_bodies, article_reactions, article_reads, articles, authors, sections, tags};
use crate::sync::{Used, mark_changed, mark_users_of};
use crate::writes::{Ids, lookup, resolve_refs, set_relations};

fn write_record(conn: &mut AnyConnection, ids: &mut Ids, record: &Record) -> TxResult<()> {
    match record {
        Record::Section(s) => {
            let parent = match &s.parent {
                Some(p) => Some(lookup!(conn, ids.sections, sections, p, "parent", "section")),
                None => None,
            };
            let values =
                (sections::slug.eq(s.slug.as_str()), sections::name.eq(&s.name), sections::parent_id.eq(parent));
            let id: i64 = per_backend!(&mut *conn, |c| diesel::insert_into(sections::table)
                .values(values)
                .on_conflict(sections::slug)
                .do_update()
                .set((sections::name.eq(&s.name), sections::parent_id.eq(parent)))
                .returning(sections::id)
                .get_result(c))?;
            ids.sections.insert(s.slug.as_str().to_owned(), id);
            mark_users_of(conn, Used::Section(id), now())?;
        }
        Record::Tag(t) => {
            let id: i64 = per_backend!(&mut *conn, |c| diesel::insert_into(tags::table)
                .values((tags::slug.eq(t.slug.as_str()), tags::name.eq(&t.name)))
                .on_conflict(tags::slug)
                .do_update()
                .set(tags::name.eq(&t.name))
                .returning(tags::id)
                .get_result(c))?;
            ids.tags.insert(t.slug.as_str().to_owned(), id);
            mark_users_of(conn, Used::Tag(id), now())?;
        }
        Record::Author(a) => {
            let id: i64 = per_backend!(&mut *conn, |c| diesel::insert_into(authors::table)
                .values((authors::slug.eq(a.slug.as_str()), authors::name.eq(&a.name), authors::bio.eq(&a.bio)))
                .on_conflict(authors::slug)
                .do_update()
                .set((authors::name.eq(&a.name), authors::bio.eq(&a.bio)))
                .returning(authors::id)
                .get_result(c))?;
            ids.authors.insert(a.slug.as_str().to_owned(), id);
            mark_users_of(conn, Used::Author(id), now())?;
        }
        Record::Article(a) => write_article(conn, ids, a)?,
        Record::View(v) => {
            let article = lookup!(conn, ids.articles, articles, &v.article, "article", "article");
            ids.reads.push((article, v.session_id.clone(), to_naive(v.at)));
        }
    }
    Ok(())
}

fn write_article(conn: &mut AnyConnection, ids: &mut Ids, a: &ArticleRecordIn) -> TxResult<()> {
    let (section_id, tag_ids, author_ids) = resolve_refs(conn, ids, &a.section, &a.tags, &a.authors)?;
    let now = now();
    let (changes, body) = ArticleChanges::new(
        &a.slug,
        &a.title,
        &a.summary,
        &a.body,
        section_id,
        a.hero_image.as_ref(),
        a.status,
        a.published_at,
        now,
    )?;
    let views = articles::views.eq(a.views);
    let id: i64 = per_backend!(&mut *conn, |c| diesel::insert_into(articles::table)
        .values((&changes, views, articles::created_at.eq(to_naive(now)), articles::version.eq(1_i64)))
        .on_conflict(articles::slug)
        .do_update()
        .set((&changes, views, articles::version.eq(articles::version + 1_i64)))
        .returning(articles::id)
        .get_result(c))?;
    ids.articles.insert(a.slug.as_str().to_owned(), id);
    write_body(conn, id, &body)?;
    set_relations(conn, id, &tag_ids, &author_ids)?;
    mark_changed(conn, &[id], now)?;
    diesel::delete(article_reactions::table.filter(article_reactions::article_id.eq(id))).execute(conn)?;
    let mut reactions: HashMap<&str, i64> = HashMap::new();
    for r in &a.reactions {
        *reactions.entry(r.kind.as_str()).or_default() += r.count;
    }
    let reaction_rows: Vec<_> = reactions
        .into_iter()
        .map(|(kind, count)| {
            (article_reactions::article_id.eq(id), article_reactions::kind.eq(kind), article_reactions::count.eq(count))
        })
        .collect();
    if !reaction_rows.is_empty() {
        per_backend!(&mut *conn, |c| diesel::insert_into(article_reactions::table).values(&reaction_rows).execute(c))?;
    }
    write_reaction_lists(conn, &[id])?;
    Ok(())
}

/// Reading history, in multi-row statements. A read already present (the same
/// article, session and time) is skipped, so only new reads reach the buckets and
/// importing a file twice counts nothing twice.
fn write_reads(conn: &mut AnyConnection, reads: &[(i64, String, chrono::NaiveDateTime)]) -> QueryResult<()> {
    let now = now();
    let mut buckets = BucketAdds::default();
    for chunk in reads.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(article, session, at)| {
                (
                    article_reads::article_id.eq(*article),
                    article_reads::session_id.eq(session),
                    article_reads::read_at.eq(*at),
                )
            })
            .collect();
        let inserted: Vec<(i64, chrono::NaiveDateTime)> =
            per_backend!(&mut *conn, |c| diesel::insert_into(article_reads::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .returning((article_reads::article_id, article_reads::read_at))
                .get_results(c))?;
        for (article, at) in inserted {
            buckets.add(article, to_utc(at), now, 1, 0);
        }
    }
    buckets.write(conn)
}

impl TransferRepo for Store {
    fn import_batch(&self, records: &[Record]) -> std::result::Result<(), (usize, Error)> {
        let mut conn = self.pool.get().map_err(|e| (0, e))?;
        let mut failed: Option<(usize, Error)> = None;
        let outcome = conn.transaction::<(), diesel::result::Error, _>(|c| {
            // First, as every content change: nodes drop their caches, and on
            // SQLite the write lock is taken before anything is read.
            crate::writes::bump_content_version(c)?;
            let mut ids = Ids::default();
            for (i, record) in records.iter().enumerate() {
                if let Err(e) = write_record(c, &mut ids, record) {
                    failed = Some((i, e.into()));
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            write_reads(c, &ids.reads).map_err(|e| {
                let first_view = records.iter().position(|r| matches!(r, Record::View(_))).unwrap_or(0);
                failed = Some((first_view, db_err(e)));
                diesel::result::Error::RollbackTransaction
            })
        });
        match (outcome, failed) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(f)) => Err(f),
            (Err(e), None) => Err((0, db_err(e))),
        }
    }

    /// PostgreSQL plans from statistics, which a bulk load leaves stale until
    /// autovacuum comes by: the tables lists and rankings read are analysed
    /// (a sample of each, whatever its size). SQLite gets none: its list plans
    /// do not depend on them (see the `plans` test).
    fn refresh_statistics(&self) -> Result<()> {
        const TABLES: &str = "ANALYZE articles, article_tags, article_authors, article_reactions, article_reads, \
                              engagement_buckets";
        self.with(|c| match c {
            AnyConnection::Postgresql(c) => diesel::sql_query(TABLES).execute(c).map(drop),
            AnyConnection::Sqlite(_) => Ok(()),
        })
    }

    fn articles_after(&self, after: Option<&str>, fetch: i64) -> Result<Vec<(ArticleRecord, Vec<Block>)>> {
        let rows: Vec<(ArticleRow, String)> = self.with(|c| {
            let mut q = articles::table
                .inner_join(article_bodies::table)
                .select((ArticleRow::as_select(), article_bodies::body))
                .order(articles::slug)
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            if let Some(after) = after {
                q = q.filter(articles::slug.gt(after.to_owned()));
            }
            q.load(c)
        })?;
        rows.into_iter().map(|(r, b)| Ok((ArticleRecord::try_from(r)?, parse_body(&b)?))).collect()
    }

    fn reads_after(&self, after: Option<i64>, fetch: i64) -> Result<Vec<(i64, ViewRecord)>> {
        let rows: Vec<(i64, String, String, chrono::NaiveDateTime)> = self.with(|c| {
            article_reads::table
                .inner_join(articles::table)
                .filter(article_reads::id.gt(after.unwrap_or(i64::MIN)))
                .order(article_reads::id)
                .limit(fetch)
                .select((article_reads::id, articles::slug, article_reads::session_id, article_reads::read_at))
                .load(c)
        })?;
        rows.into_iter()
            .map(|(id, slug, session_id, at)| {
                let article = Slug::parse(slug).map_err(Error::internal)?;
                Ok((id, ViewRecord { article, session_id, at: to_utc(at) }))
            })
            .collect()
    }

    fn all_tags(&self) -> Result<Vec<newsdesk_domain::model::Tag>> {
        convert(self.with(|c| tags::table.select(TagRow::as_select()).order(tags::slug).load(c))?)
    }

    fn all_authors(&self) -> Result<Vec<newsdesk_domain::model::Author>> {
        convert(self.with(|c| authors::table.select(AuthorRow::as_select()).order(authors::slug).load(c))?)
    }
}
