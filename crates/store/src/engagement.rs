//! Counted engagement: the counting rules applied in one transaction per flush,
//! the time buckets, and the sums that rankings are computed from.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{case_when, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use diesel::upsert::excluded;
use newsdesk_domain::Result;
use newsdesk_domain::engagement::VIEW_REPEAT;
use newsdesk_domain::model::{ArticleId, ReactionCount, SectionId};
use newsdesk_domain::ports::{Activity, Bounds};
use newsdesk_domain::ports::{Batch, Counted, Span};
use newsdesk_domain::ports::{ContentRepo, EngagementRepo};

use crate::conn::AnyConnection;
use crate::per_backend;
use crate::repo::{PUBLISHED, Store};
use crate::rows::{REACTION_LIST, to_naive};
use crate::schema::{
    article_reactions, article_reads, articles, content_version, engagement_buckets, engagement_version,
    session_reactions, view_sessions,
};

/// Rows per multi-row statement: far below SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 1_000;

/// Views and reactions to add to buckets, keyed by (span seconds, article, bucket start).
#[derive(Debug, Default)]
pub(crate) struct BucketAdds(BTreeMap<(i32, i64, NaiveDateTime), (i64, i64)>);

impl BucketAdds {
    pub(crate) fn add(&mut self, article: i64, at: DateTime<Utc>, now: DateTime<Utc>, views: i64, reactions: i64) {
        for (span, start) in Span::buckets_of(at, now) {
            let e = self.0.entry((span.seconds(), article, to_naive(start))).or_default();
            e.0 += views;
            e.1 += reactions;
        }
    }

    /// Add everything to the buckets, in key order (so that concurrent writers
    /// lock rows in the same order), and tell every node's rankings.
    pub(crate) fn write(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        use engagement_buckets::dsl as b;
        if self.0.is_empty() {
            return Ok(());
        }
        bump_engagement_version(conn)?;
        let rows: Vec<_> = self
            .0
            .iter()
            .map(|(&(span, article, start), &(views, reactions))| {
                (
                    b::span.eq(span),
                    b::article_id.eq(article),
                    b::bucket_start.eq(start),
                    b::views.eq(views),
                    b::reactions.eq(reactions),
                )
            })
            .collect();
        for chunk in rows.chunks(CHUNK) {
            per_backend!(&mut *conn, |c| diesel::insert_into(b::engagement_buckets)
                .values(chunk)
                .on_conflict((b::span, b::article_id, b::bucket_start))
                .do_update()
                .set((
                    b::views.eq(b::views + excluded(b::views)),
                    b::reactions.eq(b::reactions + excluded(b::reactions))
                ))
                .execute(c))?;
        }
        Ok(())
    }
}

/// Tell every node that the engagement buckets changed (rankings read them).
fn bump_engagement_version(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::update(engagement_version::table)
        .set(engagement_version::version.eq(engagement_version::version + 1_i64))
        .execute(conn)
        .map(drop)
}

fn record(conn: &mut AnyConnection, batch: &Batch, now: DateTime<Utc>) -> QueryResult<Counted> {
    // Beacons for articles deleted since they were accepted are dropped here.
    let mut ids: Vec<i64> =
        batch.views.iter().map(|v| v.article.0).chain(batch.reactions.iter().map(|r| r.article.0)).collect();
    ids.sort_unstable();
    ids.dedup();
    // The rows are locked in id order (PostgreSQL; SQLite has one writer at a
    // time): a flush on another node waits here for this one to commit, and
    // then aggregates counts that include this one's into the rows' lists.
    let mut existing = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let found = articles::table.filter(articles::id.eq_any(chunk)).select(articles::id).order(articles::id);
        existing.extend(match conn {
            AnyConnection::Postgresql(c) => found.for_update().load::<i64>(c)?,
            AnyConnection::Sqlite(c) => found.load::<i64>(c)?,
        });
    }
    let mut buckets = BucketAdds::default();
    let views = count_views(conn, batch, &existing, now, &mut buckets)?;
    let reactions = count_reactions(conn, batch, &existing, now, &mut buckets)?;
    buckets.write(conn)?;
    Ok(Counted { views, reactions })
}

/// A view counts when its session has no counted view of the article in the
/// repeat interval: the upsert succeeds only where `counts_again_at` has passed,
/// and returns exactly those rows. The row lock makes this hold across nodes.
fn count_views(
    conn: &mut AnyConnection,
    batch: &Batch,
    existing: &HashSet<i64>,
    now: DateTime<Utc>,
    buckets: &mut BucketAdds,
) -> QueryResult<u64> {
    use view_sessions::dsl as v;
    let views: Vec<_> = batch.views.iter().filter(|p| existing.contains(&p.article.0)).collect();
    let again = to_naive(now + VIEW_REPEAT);
    let mut counted: HashSet<(i64, String)> = HashSet::new();
    for chunk in views.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|p| (v::article_id.eq(p.article.0), v::session_id.eq(&p.session_id), v::counts_again_at.eq(again)))
            .collect();
        // Where the repeat interval has not passed, the row keeps its time; the
        // rows returned with the new time are the views that count. (SQLite cannot
        // put a WHERE on a multi-row upsert, so the condition sits in the SET.)
        let keep_or_renew =
            case_when(v::counts_again_at.le(to_naive(now)), excluded(v::counts_again_at)).otherwise(v::counts_again_at);
        let rows_after: Vec<(i64, String, NaiveDateTime)> =
            per_backend!(&mut *conn, |c| diesel::insert_into(v::view_sessions)
                .values(&rows)
                .on_conflict((v::article_id, v::session_id))
                .do_update()
                .set(v::counts_again_at.eq(keep_or_renew))
                .returning((v::article_id, v::session_id, v::counts_again_at))
                .get_results(c))?;
        let won = rows_after.into_iter().filter(|r| r.2 == again).map(|(a, s, _)| (a, s));
        counted.extend(won);
    }
    let counted: Vec<_> =
        views.into_iter().filter(|p| counted.contains(&(p.article.0, p.session_id.clone()))).collect();
    let history: Vec<_> = counted
        .iter()
        .map(|p| {
            (
                article_reads::article_id.eq(p.article.0),
                article_reads::session_id.eq(&p.session_id),
                article_reads::read_at.eq(to_naive(p.at)),
            )
        })
        .collect();
    for chunk in history.chunks(CHUNK) {
        per_backend!(&mut *conn, |c| diesel::insert_into(article_reads::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    let mut per_article: BTreeMap<i64, i64> = BTreeMap::new();
    for p in &counted {
        *per_article.entry(p.article.0).or_default() += 1;
        buckets.add(p.article.0, p.at, now, 1, 0);
    }
    for (id, n) in per_article {
        diesel::update(articles::table.find(id)).set(articles::views.eq(articles::views + n)).execute(conn)?;
    }
    Ok(counted.len() as u64)
}

/// A reaction counts once per session, article and kind: the insert of its
/// (article, session, kind) row succeeds once, ever.
fn count_reactions(
    conn: &mut AnyConnection,
    batch: &Batch,
    existing: &HashSet<i64>,
    now: DateTime<Utc>,
    buckets: &mut BucketAdds,
) -> QueryResult<u64> {
    use session_reactions::dsl as s;
    let reactions: Vec<_> = batch.reactions.iter().filter(|r| existing.contains(&r.article.0)).collect();
    let mut counted: HashSet<(i64, String, String)> = HashSet::new();
    for chunk in reactions.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    s::article_id.eq(r.article.0),
                    s::session_id.eq(&r.session_id),
                    s::kind.eq(&r.kind),
                    s::reacted_at.eq(to_naive(r.at)),
                )
            })
            .collect();
        let won: Vec<(i64, String, String)> = per_backend!(&mut *conn, |c| diesel::insert_into(s::session_reactions)
            .values(&rows)
            .on_conflict_do_nothing()
            .returning((s::article_id, s::session_id, s::kind))
            .get_results(c))?;
        counted.extend(won);
    }
    let mut per_kind: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    let mut total = 0;
    for r in reactions {
        if counted.contains(&(r.article.0, r.session_id.clone(), r.kind.clone())) {
            *per_kind.entry((r.article.0, r.kind.as_str())).or_default() += 1;
            buckets.add(r.article.0, r.at, now, 0, 1);
            total += 1;
        }
    }
    // In article order, as the rows were locked.
    let mut touched: Vec<i64> = per_kind.keys().map(|(article, _)| *article).collect();
    touched.dedup();
    let rows: Vec<_> = per_kind
        .into_iter()
        .map(|((article, kind), n)| {
            (
                article_reactions::article_id.eq(article),
                article_reactions::kind.eq(kind),
                article_reactions::count.eq(n),
            )
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        per_backend!(&mut *conn, |c| diesel::insert_into(article_reactions::table)
            .values(chunk)
            .on_conflict((article_reactions::article_id, article_reactions::kind))
            .do_update()
            .set(article_reactions::count.eq(article_reactions::count + excluded(article_reactions::count)))
            .execute(c))?;
    }
    write_reaction_lists(conn, &touched)?;
    Ok(total)
}

/// Write the reaction counts of the articles `ids` into the lists their rows
/// keep for cards ([`REACTION_LIST`]), after any change of the counts.
pub(crate) fn write_reaction_lists(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<()> {
    for chunk in ids.chunks(CHUNK) {
        diesel::update(articles::table.filter(articles::id.eq_any(chunk)))
            .set(articles::reaction_list.eq(REACTION_LIST))
            .execute(conn)?;
    }
    Ok(())
}

/// `CAST(SUM(CASE WHEN bucket_start >= lo AND bucket_start < hi THEN col ELSE 0 END) AS BIGINT)`:
/// standard SQL that both backends sum to a BIGINT.
macro_rules! sum_between {
    ($col:literal, $lo:expr, $hi:expr) => {
        sql::<BigInt>("CAST(SUM(CASE WHEN engagement_buckets.bucket_start >= ")
            .bind::<Timestamp, _>($lo)
            .sql(" AND engagement_buckets.bucket_start < ")
            .bind::<Timestamp, _>($hi)
            .sql(concat!(" THEN engagement_buckets.", $col, " ELSE 0 END) AS BIGINT)"))
    };
}

/// Article, views in each quarter of the window (oldest first), reactions.
type WindowRow = (i64, i64, i64, i64, i64, i64);

/// One window's activity: one grouped scan of the window's buckets, one of the
/// baseline's (coarser) buckets.
fn window_activity(
    c: &mut AnyConnection,
    b: &Bounds,
    now: DateTime<Utc>,
    visible: &HashMap<i64, i64>,
) -> QueryResult<Vec<Activity>> {
    use engagement_buckets::dsl as e;
    let [e0, e1, e2, e3] = b.edges.map(to_naive);
    // Later than any bucket: closes the newest quarter.
    let end = to_naive(now + chrono::TimeDelta::days(1));
    let rows: Vec<WindowRow> = e::engagement_buckets
        .filter(e::span.eq(b.span.seconds()))
        .filter(e::bucket_start.ge(e0))
        .group_by(e::article_id)
        .select((
            e::article_id,
            sum_between!("views", e0, e1),
            sum_between!("views", e1, e2),
            sum_between!("views", e2, e3),
            sum_between!("views", e3, end),
            sql::<BigInt>("CAST(SUM(engagement_buckets.reactions) AS BIGINT)"),
        ))
        .load(c)?;
    let baseline: HashMap<i64, i64> = e::engagement_buckets
        .filter(e::span.eq(b.baseline_span.seconds()))
        .filter(e::bucket_start.ge(to_naive(b.baseline.0)))
        .filter(e::bucket_start.lt(to_naive(b.baseline.1)))
        .group_by(e::article_id)
        .select((e::article_id, sql::<BigInt>("CAST(SUM(engagement_buckets.views) AS BIGINT)")))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(article, q0, q1, q2, q3, reactions)| {
            let section = *visible.get(&article)?;
            Some(Activity {
                article: ArticleId(article),
                section: SectionId(section),
                quarters: [q0, q1, q2, q3],
                reactions,
                baseline: baseline.get(&article).copied().unwrap_or(0),
            })
        })
        .filter(|a| a.views() > 0 || a.reactions > 0)
        .collect())
}

impl EngagementRepo for Store {
    fn record_engagement(&self, batch: &Batch, now: DateTime<Utc>) -> Result<Counted> {
        self.with(|c| c.transaction(|c| record(c, batch, now)))
    }

    fn reaction_state(&self, article: ArticleId, session_id: &str) -> Result<(Vec<String>, Vec<ReactionCount>)> {
        let given = self.with(|c| {
            session_reactions::table
                .filter(session_reactions::article_id.eq(article.0))
                .filter(session_reactions::session_id.eq(session_id))
                .select(session_reactions::kind)
                .load::<String>(c)
        })?;
        let counts = self.reactions_of(&[article])?.remove(&article).unwrap_or_default();
        Ok((given, counts))
    }

    fn activity(&self, bounds: &[Bounds], now: DateTime<Utc>) -> Result<Vec<Vec<Activity>>> {
        self.with(|c| {
            // Which articles are visible, and in which section: read once, from an
            // index, rather than joined to every bucket row.
            let visible: HashMap<i64, i64> = articles::table
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::published_at.le(to_naive(now)))
                .select((articles::id, articles::section_id))
                .load::<(i64, i64)>(c)?
                .into_iter()
                .collect();
            bounds.iter().map(|b| window_activity(c, b, now, &visible)).collect()
        })
    }

    fn ranking_versions(&self) -> Result<(i64, i64)> {
        self.with(|c| {
            let content = content_version::table.select(content_version::version).first(c)?;
            let engagement = engagement_version::table.select(engagement_version::version).first(c)?;
            Ok((content, engagement))
        })
    }

    fn prune_engagement(&self, now: DateTime<Utc>) -> Result<()> {
        self.with(|c| {
            diesel::delete(view_sessions::table.filter(view_sessions::counts_again_at.le(to_naive(now)))).execute(c)?;
            for span in Span::ALL {
                if let Some(keep) = span.retention() {
                    let deleted = diesel::delete(
                        engagement_buckets::table
                            .filter(engagement_buckets::span.eq(span.seconds()))
                            .filter(engagement_buckets::bucket_start.lt(to_naive(now - keep))),
                    )
                    .execute(c)?;
                    if deleted > 0 {
                        bump_engagement_version(c)?;
                    }
                }
            }
            Ok(())
        })
    }
}
