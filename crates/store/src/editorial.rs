//! Editorial writes: each in one transaction with its revision, audit entry,
//! webhook deliveries (the outbox) and the bump of the content version that
//! tells other nodes to drop their caches.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use newsdesk_domain::model::{ArticleId, ArticleRecord, AuthorId, NodeId, SectionId, Status, TagId};
use newsdesk_domain::ports::DeliveryStatus;
use newsdesk_domain::ports::{ArticleState, AuditEntry, Change, EditorialRepo, Revision, Taxon, TaxonKind};
use newsdesk_domain::webhook::{ArticleSummary, article_event};
use newsdesk_domain::{Error, ErrorKind, Result, Slug};

use crate::conn::{AnyConnection, MultiBackend, TxResult};
use crate::per_backend;
use crate::repo::Store;
use crate::rows::{ArticleChanges, ArticleRow, parse_body, parse_json, to_json, to_naive, to_utc, write_body};
use crate::schema::{
    article_authors, article_bodies, article_redirects, article_revisions, article_tags, articles, audit_log, authors,
    content_version, sections, tags, webhook_deliveries, webhooks,
};
use crate::sync::{Used, bury, mark_changed, mark_users_of};
use crate::writes::{Ids, record, resolve_refs, set_relations};

fn slug_taken(slug: &Slug) -> Error {
    Error::new(ErrorKind::Conflict, format!("the slug `{slug}` is taken (by an article, or as a former slug)"))
        .with_field("slug", "is taken")
}

/// Put the change's event in the outbox of every webhook subscribed to it.
fn announce(conn: &mut AnyConnection, change: &Change<'_>, summary: ArticleSummary<'_>) -> TxResult<()> {
    let Some(kind) = change.event else { return Ok(()) };
    let hooks: Vec<(i64, String)> = webhooks::table.select((webhooks::id, webhooks::events)).load(conn)?;
    let subscribed: Vec<i64> = hooks
        .into_iter()
        .filter(|(_, events)| parse_json::<Vec<String>>(events).is_ok_and(|e| e.iter().any(|e| e == kind.as_str())))
        .map(|(id, _)| id)
        .collect();
    if subscribed.is_empty() {
        return Ok(());
    }
    let event = article_event(kind, summary, change.at)?;
    let at = to_naive(change.at);
    let rows: Vec<_> = subscribed
        .iter()
        .map(|hook| {
            (
                webhook_deliveries::webhook_id.eq(*hook),
                webhook_deliveries::event_id.eq(&event.id),
                webhook_deliveries::event.eq(kind.as_str()),
                webhook_deliveries::payload.eq(&event.payload),
                webhook_deliveries::created_at.eq(at),
                webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                webhook_deliveries::next_attempt_at.eq(at),
            )
        })
        .collect();
    per_backend!(&mut *conn, |c| diesel::insert_into(webhook_deliveries::table).values(&rows).execute(c))?;
    Ok(())
}

fn summary(id: i64, state: &ArticleState, version: i64) -> ArticleSummary<'_> {
    ArticleSummary {
        id: ArticleId(id).global(),
        slug: state.slug.as_str(),
        title: &state.title,
        status: state.status,
        published_at: state.published_at,
        version,
    }
}

/// Whether `slug` is free for the article `id` (or for a new one).
fn check_slug_free(conn: &mut AnyConnection, slug: &Slug, id: Option<i64>) -> TxResult<()> {
    let owner: Option<i64> =
        articles::table.filter(articles::slug.eq(slug.as_str())).select(articles::id).first(conn).optional()?;
    let former: Option<i64> = article_redirects::table
        .filter(article_redirects::slug.eq(slug.as_str()))
        .select(article_redirects::article_id)
        .first(conn)
        .optional()?;
    if owner.is_some_and(|o| Some(o) != id) || former.is_some_and(|o| Some(o) != id) {
        return Err(slug_taken(slug).into());
    }
    Ok(())
}

fn write_revision(
    conn: &mut AnyConnection,
    id: i64,
    number: i64,
    state: &ArticleState,
    changed: &[String],
    change: &Change<'_>,
) -> TxResult<()> {
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(id),
            article_revisions::number.eq(number),
            article_revisions::actor.eq(change.actor),
            article_revisions::action.eq(change.action),
            article_revisions::created_at.eq(to_naive(change.at)),
            article_revisions::changed.eq(to_json(&changed)?),
            article_revisions::snapshot.eq(to_json(state)?),
        ))
        .execute(conn)?;
    Ok(())
}

fn changes_of(
    conn: &mut AnyConnection,
    state: &ArticleState,
    at: DateTime<Utc>,
) -> TxResult<(ArticleChanges, String, Vec<i64>, Vec<i64>)> {
    let (section_id, tag_ids, author_ids) =
        resolve_refs(conn, &mut Ids::default(), &state.section, &state.tags, &state.authors)?;
    let (changes, body) = ArticleChanges::new(
        &state.slug,
        &state.title,
        &state.summary,
        &state.body,
        section_id,
        state.hero_image.as_ref(),
        state.status,
        state.published_at,
        at,
    )?;
    Ok((changes, body, tag_ids, author_ids))
}

/// The stored version of an article, or why the write cannot go on.
fn current_version(conn: &mut AnyConnection, id: i64, expected: i64) -> TxResult<(String, ArticleState)> {
    let row: Option<(ArticleRow, String)> = articles::table
        .find(id)
        .inner_join(article_bodies::table)
        .select((ArticleRow::as_select(), article_bodies::body))
        .first(conn)
        .optional()?;
    let Some((row, body)) = row else { return Err(Error::not_found(format!("article {id}")).into()) };
    let record = ArticleRecord::try_from(row)?;
    if record.version != expected {
        return Err(Error::new(
            ErrorKind::PreconditionFailed,
            format!(
                "the article has changed: it is at version {}, the change was made from version {expected}",
                record.version
            ),
        )
        .into());
    }
    let old_slug = record.slug.as_str().to_owned();
    let state = state_of(conn, record, parse_body(&body)?)?;
    Ok((old_slug, state))
}

fn state_of(
    conn: &mut AnyConnection,
    r: ArticleRecord,
    body: Vec<newsdesk_domain::Block>,
) -> QueryResult<ArticleState> {
    let section: String = sections::table.find(r.section_id.0).select(sections::slug).first(conn)?;
    let tag_slugs: Vec<String> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(r.id.0))
        .order(article_tags::position)
        .select(tags::slug)
        .load(conn)?;
    let author_slugs: Vec<String> = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_id.eq(r.id.0))
        .order(article_authors::position)
        .select(authors::slug)
        .load(conn)?;
    let slug = |s: String| Slug::parse(s).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)));
    Ok(ArticleState {
        slug: r.slug,
        title: r.title,
        summary: r.summary,
        section: slug(section)?,
        tags: tag_slugs.into_iter().map(slug).collect::<QueryResult<_>>()?,
        authors: author_slugs.into_iter().map(slug).collect::<QueryResult<_>>()?,
        body,
        hero_image: r.hero_image,
        status: r.status,
        published_at: r.published_at,
    })
}

type RevisionRow = (i64, String, String, NaiveDateTime, String, String);

const REVISION_COLUMNS: (
    article_revisions::number,
    article_revisions::actor,
    article_revisions::action,
    article_revisions::created_at,
    article_revisions::changed,
    article_revisions::snapshot,
) = (
    article_revisions::number,
    article_revisions::actor,
    article_revisions::action,
    article_revisions::created_at,
    article_revisions::changed,
    article_revisions::snapshot,
);

fn revision_of(row: RevisionRow) -> Result<Revision> {
    let (number, actor, action, at, changed, snapshot) = row;
    Ok(Revision {
        number,
        actor,
        action,
        created_at: to_utc(at),
        changed: parse_json(&changed)?,
        state: parse_json(&snapshot)?,
    })
}

impl EditorialRepo for Store {
    fn article_state(&self, id: ArticleId) -> Result<Option<(ArticleRecord, ArticleState)>> {
        let mut conn = self.pool.get()?;
        let c = &mut *conn;
        let row: Option<(ArticleRow, String)> = articles::table
            .find(id.0)
            .inner_join(article_bodies::table)
            .select((ArticleRow::as_select(), article_bodies::body))
            .first(c)
            .optional()
            .map_err(crate::conn::db_err)?;
        let Some((row, body)) = row else { return Ok(None) };
        let record = ArticleRecord::try_from(row)?;
        let state = state_of(c, record.clone(), parse_body(&body)?).map_err(crate::conn::db_err)?;
        Ok(Some((record, state)))
    }

    fn create_article(&self, state: &ArticleState, change: &Change<'_>) -> Result<ArticleId> {
        self.change(|c| {
            check_slug_free(c, &state.slug, None)?;
            let (changes, body, tag_ids, author_ids) = changes_of(c, state, change.at)?;
            let id: i64 = per_backend!(&mut *c, |c| diesel::insert_into(articles::table)
                .values((&changes, articles::created_at.eq(to_naive(change.at)), articles::version.eq(1_i64)))
                .returning(articles::id)
                .get_result(c))?;
            write_body(c, id, &body)?;
            set_relations(c, id, &tag_ids, &author_ids)?;
            mark_changed(c, &[id], change.at)?;
            let fields: Vec<String> = ArticleState::FIELDS.iter().map(|f| (*f).to_owned()).collect();
            write_revision(c, id, 1, state, &fields, change)?;
            record(c, change, Some(id), state.slug.as_str(), serde_json::json!({ "version": 1 }))?;
            announce(c, change, summary(id, state, 1))?;
            Ok(ArticleId(id))
        })
    }

    fn update_article(
        &self,
        id: ArticleId,
        expected: i64,
        state: &ArticleState,
        changed: &[String],
        change: &Change<'_>,
    ) -> Result<()> {
        self.change(|c| {
            let (old_slug, _) = current_version(c, id.0, expected)?;
            if old_slug != state.slug.as_str() {
                check_slug_free(c, &state.slug, Some(id.0))?;
                diesel::delete(article_redirects::table.filter(article_redirects::slug.eq(state.slug.as_str())))
                    .execute(c)?;
                diesel::insert_into(article_redirects::table)
                    .values((article_redirects::slug.eq(&old_slug), article_redirects::article_id.eq(id.0)))
                    .execute(c)?;
            }
            let (changes, body, tag_ids, author_ids) = changes_of(c, state, change.at)?;
            let version = expected + 1;
            let n =
                diesel::update(articles::table.filter(articles::id.eq(id.0)).filter(articles::version.eq(expected)))
                    .set((&changes, articles::version.eq(version)))
                    .execute(c)?;
            if n == 0 {
                return Err(Error::new(ErrorKind::PreconditionFailed, "the article changed during the write").into());
            }
            write_body(c, id.0, &body)?;
            set_relations(c, id.0, &tag_ids, &author_ids)?;
            mark_changed(c, &[id.0], change.at)?;
            write_revision(c, id.0, version, state, changed, change)?;
            let detail = serde_json::json!({ "version": version, "changed": changed });
            record(c, change, Some(id.0), state.slug.as_str(), detail)?;
            announce(c, change, summary(id.0, state, version))?;
            Ok(())
        })
    }

    fn delete_article(&self, id: ArticleId, expected: i64, change: &Change<'_>) -> Result<()> {
        self.change(|c| {
            let (_, state) = current_version(c, id.0, expected)?;
            bury(c, id.0, change.at)?;
            diesel::delete(articles::table.filter(articles::id.eq(id.0)).filter(articles::version.eq(expected)))
                .execute(c)?;
            record(c, change, Some(id.0), state.slug.as_str(), serde_json::json!({ "version": expected }))?;
            announce(c, change, summary(id.0, &state, expected))?;
            Ok(())
        })
    }

    fn admin_articles(
        &self,
        status: Option<Status>,
        before: Option<ArticleId>,
        fetch: i64,
    ) -> Result<Vec<ArticleRecord>> {
        let rows = self.with(|c| {
            let mut q = articles::table
                .select(ArticleRow::as_select())
                .order(articles::id.desc())
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            if let Some(s) = status {
                q = q.filter(articles::status.eq(s.as_str()));
            }
            if let Some(b) = before {
                q = q.filter(articles::id.lt(b.0));
            }
            q.load(c)
        })?;
        rows.into_iter().map(ArticleRecord::try_from).collect()
    }

    fn count_admin_articles(&self, status: Option<Status>) -> Result<i64> {
        self.with(|c| {
            let mut q = articles::table.select(count_star()).into_boxed::<MultiBackend>();
            if let Some(s) = status {
                q = q.filter(articles::status.eq(s.as_str()));
            }
            q.get_result(c)
        })
    }

    fn revisions(&self, id: ArticleId) -> Result<Vec<Revision>> {
        let rows = self.with(|c| {
            article_revisions::table
                .filter(article_revisions::article_id.eq(id.0))
                .order(article_revisions::number.desc())
                .select(REVISION_COLUMNS)
                .load(c)
        })?;
        rows.into_iter().map(revision_of).collect()
    }

    fn revision(&self, id: ArticleId, number: i64) -> Result<Option<Revision>> {
        let row =
            self.with(|c| article_revisions::table.find((id.0, number)).select(REVISION_COLUMNS).first(c).optional())?;
        row.map(revision_of).transpose()
    }

    fn due_scheduled(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ArticleId>> {
        let ids: Vec<i64> = self.with(|c| {
            articles::table
                .filter(articles::status.eq(Status::Scheduled.as_str()))
                .filter(articles::published_at.le(to_naive(now)))
                .order((articles::published_at, articles::id))
                .limit(limit)
                .select(articles::id)
                .load(c)
        })?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    fn save_taxon(&self, existing: Option<&Slug>, taxon: &Taxon, change: &Change<'_>) -> Result<NodeId> {
        let slug = taxon.slug();
        self.change(|c| {
            if existing != Some(slug) && taxon_id(c, taxon.kind(), slug)?.is_some() {
                return Err(Error::new(ErrorKind::Conflict, format!("a {} `{slug}` exists", taxon.kind().as_str()))
                    .with_field("slug", "is taken")
                    .into());
            }
            let current = match existing {
                Some(old) => Some(
                    taxon_id(c, taxon.kind(), old)?
                        .ok_or_else(|| Error::not_found(format!("{} `{old}`", taxon.kind().as_str())))?,
                ),
                None => None,
            };
            match taxon {
                Taxon::Section(s) => {
                    let parent = match &s.parent {
                        Some(p) => Some(
                            taxon_id(c, TaxonKind::Section, p)?
                                .ok_or_else(|| Error::field("parent", format!("no section `{p}` exists")))?,
                        ),
                        None => None,
                    };
                    if let (Some(id), Some(parent)) = (current, parent)
                        && descends_from(c, parent, id)?
                    {
                        return Err(Error::field("parent", "would put the section below itself").into());
                    }
                    let values = (
                        sections::slug.eq(s.slug.as_str()),
                        sections::name.eq(&s.name),
                        sections::parent_id.eq(parent),
                    );
                    match current {
                        Some(id) => {
                            diesel::update(sections::table.find(id)).set(values).execute(c)?;
                            mark_users_of(c, Used::Section(id), change.at)?;
                        }
                        None => drop(diesel::insert_into(sections::table).values(values).execute(c)?),
                    };
                }
                Taxon::Tag(t) => {
                    let values = (tags::slug.eq(t.slug.as_str()), tags::name.eq(&t.name));
                    match current {
                        Some(id) => {
                            diesel::update(tags::table.find(id)).set(values).execute(c)?;
                            mark_users_of(c, Used::Tag(id), change.at)?;
                        }
                        None => drop(diesel::insert_into(tags::table).values(values).execute(c)?),
                    };
                }
                Taxon::Author(a) => {
                    let values =
                        (authors::slug.eq(a.slug.as_str()), authors::name.eq(&a.name), authors::bio.eq(&a.bio));
                    match current {
                        Some(id) => {
                            diesel::update(authors::table.find(id)).set(values).execute(c)?;
                            mark_users_of(c, Used::Author(id), change.at)?;
                        }
                        None => drop(diesel::insert_into(authors::table).values(values).execute(c)?),
                    };
                }
            }
            let detail = serde_json::json!({ "formerSlug": existing.filter(|e| *e != slug).map(Slug::as_str) });
            record(c, change, None, slug.as_str(), detail)?;
            let id = taxon_id(c, taxon.kind(), slug)?.ok_or_else(|| Error::internal("a saved taxon is missing"))?;
            Ok(node_id(taxon.kind(), id))
        })
    }

    fn delete_taxon(&self, kind: TaxonKind, slug: &Slug, change: &Change<'_>) -> Result<NodeId> {
        self.change(|c| {
            let id = taxon_id(c, kind, slug)?.ok_or_else(|| Error::not_found(format!("{} `{slug}`", kind.as_str())))?;
            let (articles_using, children): (i64, i64) = match kind {
                TaxonKind::Section => (
                    articles::table.filter(articles::section_id.eq(id)).count().get_result(c)?,
                    sections::table.filter(sections::parent_id.eq(id)).count().get_result(c)?,
                ),
                TaxonKind::Tag => (article_tags::table.filter(article_tags::tag_id.eq(id)).count().get_result(c)?, 0),
                TaxonKind::Author => {
                    (article_authors::table.filter(article_authors::author_id.eq(id)).count().get_result(c)?, 0)
                }
            };
            if articles_using > 0 || children > 0 {
                let what = match (articles_using, children) {
                    (0, n) => format!("{n} sub-section(s)"),
                    (n, 0) => format!("{n} article(s) of any status"),
                    (n, m) => format!("{n} article(s) and {m} sub-section(s)"),
                };
                return Err(Error::conflict(format!(
                    "the {} `{slug}` is still used by {what}; move or delete them first",
                    kind.as_str()
                ))
                .into());
            }
            match kind {
                TaxonKind::Section => diesel::delete(sections::table.find(id)).execute(c)?,
                TaxonKind::Tag => diesel::delete(tags::table.find(id)).execute(c)?,
                TaxonKind::Author => diesel::delete(authors::table.find(id)).execute(c)?,
            };
            record(c, change, None, slug.as_str(), serde_json::json!({}))?;
            Ok(node_id(kind, id))
        })
    }

    fn audit(&self, article: Option<ArticleId>, before: Option<i64>, fetch: i64) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = self.with(|c| {
            let mut q = audit_log::table
                .select((
                    audit_log::id,
                    audit_log::at,
                    audit_log::actor,
                    audit_log::action,
                    audit_log::article_id,
                    audit_log::subject,
                    audit_log::detail,
                ))
                .order(audit_log::id.desc())
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            if let Some(a) = article {
                q = q.filter(audit_log::article_id.eq(a.0));
            }
            if let Some(b) = before {
                q = q.filter(audit_log::id.lt(b));
            }
            q.load(c)
        })?;
        rows.into_iter()
            .map(|(id, at, actor, action, article, subject, detail)| {
                Ok(AuditEntry {
                    id,
                    at: to_utc(at),
                    actor,
                    action,
                    article: article.map(ArticleId),
                    subject,
                    detail: parse_json(&detail)?,
                })
            })
            .collect()
    }

    fn content_version(&self) -> Result<i64> {
        self.with(|c| content_version::table.select(content_version::version).first(c))
    }
}

type AuditRow = (i64, NaiveDateTime, String, String, Option<i64>, String, String);

fn node_id(kind: TaxonKind, id: i64) -> NodeId {
    match kind {
        TaxonKind::Section => NodeId::Section(SectionId(id)),
        TaxonKind::Tag => NodeId::Tag(TagId(id)),
        TaxonKind::Author => NodeId::Author(AuthorId(id)),
    }
}

fn taxon_id(conn: &mut AnyConnection, kind: TaxonKind, slug: &Slug) -> QueryResult<Option<i64>> {
    let s = slug.as_str();
    match kind {
        TaxonKind::Section => sections::table.filter(sections::slug.eq(s)).select(sections::id).first(conn).optional(),
        TaxonKind::Tag => tags::table.filter(tags::slug.eq(s)).select(tags::id).first(conn).optional(),
        TaxonKind::Author => authors::table.filter(authors::slug.eq(s)).select(authors::id).first(conn).optional(),
    }
}

/// Whether `section` is `ancestor` or below it.
fn descends_from(conn: &mut AnyConnection, section: i64, ancestor: i64) -> QueryResult<bool> {
    let parents: Vec<(i64, Option<i64>)> = sections::table.select((sections::id, sections::parent_id)).load(conn)?;
    let parent_of: std::collections::HashMap<i64, Option<i64>> = parents.into_iter().collect();
    let mut cur = Some(section);
    for _ in 0..=parent_of.len() {
        match cur {
            Some(s) if s == ancestor => return Ok(true),
            Some(s) => cur = parent_of.get(&s).copied().flatten(),
            None => return Ok(false),
        }
    }
    Ok(true)
}
