//! Writing content: articles through their lifecycle, with revisions, slug
//! redirects and optimistic concurrency; sections, tags and authors; the audit
//! log. REST and GraphQL call the same methods, which check the caller's scope.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};

use crate::auth::{Principal, require};
use crate::body::{Image, parse_body};
use crate::error::{Error, ErrorKind, Result, Validator};
use crate::model::{Article, ArticleId, ArticleRecord, NodeId, Status};
use crate::ports::{ArticleState, AuditEntry, Change, EditorialRepo, EventKind, Revision, Scope, Taxon, TaxonKind};
use crate::query::{Limit, Page, decode_cursor, encode_cursor, paginate, parse_time};
use crate::record::{AuthorRecord, MAX_NAME, SectionRecord, TagRecord, check_article, check_name};
use crate::service::{ContentService, now};
use crate::slug::Slug;

impl ArticleState {
    /// Every field, as clients spell them.
    pub const FIELDS: [&str; 10] =
        ["slug", "title", "summary", "section", "tags", "authors", "body", "heroImage", "status", "publishedAt"];

    /// The names of the fields that differ from `other`, as clients spell them.
    pub fn changed_from(&self, other: &ArticleState) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |name: &str, differs: bool| {
            if differs {
                out.push(name.to_owned());
            }
        };
        check("slug", self.slug != other.slug);
        check("title", self.title != other.title);
        check("summary", self.summary != other.summary);
        check("section", self.section != other.section);
        check("tags", self.tags != other.tags);
        check("authors", self.authors != other.authors);
        check("body", self.body != other.body);
        check("heroImage", self.hero_image != other.hero_image);
        check("status", self.status != other.status);
        check("publishedAt", self.published_at != other.published_at);
        out
    }
}

/// Article fields as a client sent them, for create (all required fields),
/// replace (the same) and partial update (any of them; `Some(None)` clears an
/// optional field). Values are checked by [`ArticleInput::into_state`], which
/// names every bad field at once, as clients spell them.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub section: Option<String>,
    pub tags: Option<Vec<String>>,
    pub authors: Option<Vec<String>>,
    pub body: Option<serde_json::Value>,
    pub hero_image: Option<Option<serde_json::Value>>,
    pub published_at: Option<Option<String>>,
    /// The version the change was made from (or an `If-Match` header).
    pub version: Option<i64>,
}

fn slugs(v: &mut Validator, field: &str, items: Vec<String>) -> Vec<Slug> {
    let mut out: Vec<Slug> = Vec::with_capacity(items.len());
    for (i, s) in items.into_iter().enumerate() {
        if let Some(slug) = v.check(Slug::parse_field(&format!("{field}[{i}]"), s))
            && !out.contains(&slug)
        {
            out.push(slug);
        }
    }
    out
}

impl ArticleInput {
    /// The state this input describes: over `base` for a partial update, from
    /// nothing (every required field present) otherwise.
    pub fn into_state(self, base: Option<&ArticleState>) -> Result<ArticleState> {
        let mut v = Validator::default();
        let mut required = |name: &str, present: bool| {
            if base.is_none() && !present {
                v.push(name, "is required");
            }
        };
        required("slug", self.slug.is_some());
        required("title", self.title.is_some());
        required("section", self.section.is_some());
        required("body", self.body.is_some());
        let slug = self.slug.and_then(|s| v.check(Slug::parse_field("slug", s)));
        let section = self.section.and_then(|s| v.check(Slug::parse_field("section", s)));
        let tags = self.tags.map(|t| slugs(&mut v, "tags", t));
        let authors = self.authors.map(|a| slugs(&mut v, "authors", a));
        let body = self.body.and_then(|b| v.check(parse_body(b)));
        let hero_image = self.hero_image.map(|h| {
            h.and_then(|h| {
                v.check(serde_json::from_value::<Image>(h).map_err(|e| Error::field("heroImage", e.to_string())))
            })
        });
        let published_at = self
            .published_at
            .map(|p| p.and_then(|p| v.check(parse_time("publishedAt", &p)).map(|t| t.trunc_subsecs(6))));
        // What the input sets is checked here, with everything else at fault;
        // what it leaves alone was checked when it was written.
        check_article(
            &mut v,
            self.title.as_deref(),
            self.summary.as_deref(),
            body.as_deref(),
            hero_image.as_ref().and_then(Option::as_ref),
            tags.as_ref().map_or(0, Vec::len),
            authors.as_ref().map_or(0, Vec::len),
        );
        v.finish()?;
        let base = base.cloned();
        let missing = || Error::field("", "incomplete article");
        let state = ArticleState {
            slug: slug.or_else(|| base.as_ref().map(|b| b.slug.clone())).ok_or_else(missing)?,
            title: self.title.or_else(|| base.as_ref().map(|b| b.title.clone())).ok_or_else(missing)?,
            summary: self.summary.or_else(|| base.as_ref().map(|b| b.summary.clone())).unwrap_or_default(),
            section: section.or_else(|| base.as_ref().map(|b| b.section.clone())).ok_or_else(missing)?,
            tags: tags.or_else(|| base.as_ref().map(|b| b.tags.clone())).unwrap_or_default(),
            authors: authors.or_else(|| base.as_ref().map(|b| b.authors.clone())).unwrap_or_default(),
            body: body.or_else(|| base.as_ref().map(|b| b.body.clone())).ok_or_else(missing)?,
            hero_image: hero_image.unwrap_or_else(|| base.as_ref().and_then(|b| b.hero_image.clone())),
            status: base.as_ref().map_or(Status::Draft, |b| b.status),
            published_at: published_at.unwrap_or_else(|| base.as_ref().and_then(|b| b.published_at)),
        };
        Ok(state)
    }
}

/// A lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Visible now (a future `publishedAt` is brought forward to now).
    Publish,
    /// Back to draft.
    Unpublish,
    /// Out of public view, kept.
    Archive,
    /// Published automatically at a future instant.
    Schedule(DateTime<Utc>),
}

impl Lifecycle {
    fn action(self) -> &'static str {
        match self {
            Lifecycle::Publish => "article.publish",
            Lifecycle::Unpublish => "article.unpublish",
            Lifecycle::Archive => "article.archive",
            Lifecycle::Schedule(_) => "article.schedule",
        }
    }

    fn event(self) -> EventKind {
        match self {
            Lifecycle::Publish => EventKind::ArticlePublished,
            Lifecycle::Unpublish => EventKind::ArticleUnpublished,
            Lifecycle::Archive => EventKind::ArticleArchived,
            Lifecycle::Schedule(_) => EventKind::ArticleScheduled,
        }
    }

    /// Apply the step to `state` at `at`.
    fn apply(self, state: &mut ArticleState, at: DateTime<Utc>) -> Result<()> {
        match self {
            Lifecycle::Publish => {
                state.status = Status::Published;
                if state.published_at.is_none_or(|p| p > at) {
                    state.published_at = Some(at);
                }
            }
            Lifecycle::Unpublish => {
                if state.status == Status::Draft {
                    return Err(Error::conflict("the article is a draft already"));
                }
                state.status = Status::Draft;
            }
            Lifecycle::Archive => {
                state.status = Status::Archived;
            }
            Lifecycle::Schedule(when) => {
                if when <= at {
                    return Err(Error::field("publishedAt", "must be in the future; publish instead"));
                }
                if state.status == Status::Published && state.published_at.is_some_and(|p| p <= at) {
                    return Err(Error::conflict("the article is published; unpublish it before scheduling"));
                }
                state.status = Status::Scheduled;
                state.published_at = Some(when);
            }
        }
        Ok(())
    }
}

impl Taxon {
    pub fn kind(&self) -> TaxonKind {
        match self {
            Taxon::Section(_) => TaxonKind::Section,
            Taxon::Tag(_) => TaxonKind::Tag,
            Taxon::Author(_) => TaxonKind::Author,
        }
    }

    pub fn slug(&self) -> &Slug {
        match self {
            Taxon::Section(s) => &s.slug,
            Taxon::Tag(t) => &t.slug,
            Taxon::Author(a) => &a.slug,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let record = match self.clone() {
            Taxon::Section(s) => crate::record::Record::Section(s),
            Taxon::Tag(t) => crate::record::Record::Tag(t),
            Taxon::Author(a) => crate::record::Record::Author(a),
        };
        record.validate()
    }
}

/// A section, tag or author as a client sent it; [`TaxonInput::into_taxon`]
/// names every bad field.
#[derive(Debug, Clone, Default)]
pub struct TaxonInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// Sections only: the parent section's slug, or null for a root section.
    pub parent: Option<String>,
    /// Authors only.
    pub bio: Option<String>,
}

impl TaxonInput {
    pub fn into_taxon(self, kind: TaxonKind) -> Result<Taxon> {
        let mut v = Validator::default();
        let slug = match self.slug {
            Some(s) => v.check(Slug::parse_field("slug", s)),
            None => {
                v.push("slug", "is required");
                None
            }
        };
        match &self.name {
            Some(name) => check_name(&mut v, "name", name, MAX_NAME),
            None => v.push("name", "is required"),
        }
        let parent = self.parent.and_then(|p| v.check(Slug::parse_field("parent", p)));
        if parent.is_some() && kind != TaxonKind::Section {
            v.push("parent", "only sections have a parent");
        }
        if self.bio.is_some() && kind != TaxonKind::Author {
            v.push("bio", "only authors have a bio");
        }
        v.finish()?;
        let (Some(slug), Some(name)) = (slug, self.name) else { return Err(Error::field("", "incomplete")) };
        let taxon = match kind {
            TaxonKind::Section => Taxon::Section(SectionRecord { slug, name, parent }),
            TaxonKind::Tag => Taxon::Tag(TagRecord { slug, name }),
            TaxonKind::Author => Taxon::Author(AuthorRecord { slug, name, bio: self.bio }),
        };
        taxon.validate()?;
        Ok(taxon)
    }
}

pub struct EditorialService {
    repo: Arc<dyn EditorialRepo>,
    content: Arc<ContentService>,
}

/// How often a write without an explicit version is retried after losing a race.
const RETRIES: usize = 3;

/// 412 when the client made its change from a version that is not `current`.
fn check_version(sent: Option<i64>, current: i64) -> Result<()> {
    match sent {
        Some(sent) if sent != current => Err(Error::new(
            ErrorKind::PreconditionFailed,
            format!("the article has changed: it is at version {current}, the change was made from version {sent}"),
        )),
        _ => Ok(()),
    }
}

/// Run a read-then-write `attempt`. A client that sent no version did not ask
/// for a particular one: if another write slipped in between the read and the
/// write, the attempt is made again on the new state.
fn retrying<T>(version: Option<i64>, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    for _ in 0..RETRIES {
        match attempt() {
            Err(e) if e.kind == ErrorKind::PreconditionFailed && version.is_none() => continue,
            r => return r,
        }
    }
    Err(Error::conflict("the article kept changing; try again"))
}

impl EditorialService {
    pub fn new(repo: Arc<dyn EditorialRepo>, content: Arc<ContentService>) -> Self {
        Self { repo, content }
    }

    fn state(&self, id: ArticleId) -> Result<(ArticleRecord, ArticleState)> {
        self.repo.article_state(id)?.ok_or_else(|| Error::not_found(format!("article {id}")))
    }

    /// An article of any status, as the admin routes show it.
    pub fn article(&self, who: Option<&Principal>, id: ArticleId) -> Result<Article> {
        require(who, Scope::ContentPreview)?;
        self.content.any_article(id)
    }

    pub fn articles(
        &self,
        who: Option<&Principal>,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: Limit,
    ) -> Result<Page<Article>> {
        require(who, Scope::ContentPreview)?;
        let before = cursor.map(|c| decode_cursor::<i64>("cursor", c)).transpose()?.map(ArticleId);
        let rows = self.repo.admin_articles(status, before, i64::from(limit.get()) + 1)?;
        let page = paginate(rows, limit, |r| encode_cursor(&r.id.0));
        let items = self.content.hydrate(page.items.clone())?;
        Ok(page.with_items(items).with_total(self.repo.count_admin_articles(status)?))
    }

    pub fn create(&self, who: Option<&Principal>, input: ArticleInput) -> Result<Article> {
        let who = require(who, Scope::ContentWrite)?;
        if input.version.is_some() {
            return Err(Error::field("version", "is set by the server on create"));
        }
        let state = input.into_state(None)?;
        let change =
            Change { actor: &who.name, action: "article.create", at: now(), event: Some(EventKind::ArticleCreated) };
        let id = self.repo.create_article(&state, &change)?;
        self.changed();
        self.content.any_article(id)
    }

    /// Partial (`replace` false) or full update from the version the client saw.
    pub fn update(
        &self,
        who: Option<&Principal>,
        id: ArticleId,
        input: ArticleInput,
        replace: bool,
    ) -> Result<Article> {
        let who = require(who, Scope::ContentWrite)?;
        let Some(version) = input.version else {
            return Err(Error::field(
                "version",
                "is required: send the version the change was made from (or its ETag in If-Match)",
            ));
        };
        let action = if replace { "article.replace" } else { "article.update" };
        self.write(who, id, Some(version), action, EventKind::ArticleUpdated, |current| {
            let mut state = input.clone().into_state((!replace).then_some(current))?;
            state.status = current.status;
            if replace {
                // A replacement sets every editable field; the lifecycle stays.
                state.published_at = state.published_at.or(current.published_at);
            }
            Ok(state)
        })
    }

    pub fn transition(
        &self,
        who: Option<&Principal>,
        id: ArticleId,
        step: Lifecycle,
        version: Option<i64>,
    ) -> Result<Article> {
        let who = require(who, Scope::ContentWrite)?;
        let at = now();
        self.write(who, id, version, step.action(), step.event(), |current| {
            let mut state = current.clone();
            step.apply(&mut state, at)?;
            Ok(state)
        })
    }

    /// Restore the content of revision `number`; the lifecycle (status and
    /// publication time) stays as it is. The restore is a new revision.
    pub fn restore(
        &self,
        who: Option<&Principal>,
        id: ArticleId,
        number: i64,
        version: Option<i64>,
    ) -> Result<Article> {
        let who = require(who, Scope::ContentWrite)?;
        let revision = self.repo.revision(id, number)?.ok_or_else(|| Error::not_found(format!("revision {number}")))?;
        self.write(who, id, version, "article.restore", EventKind::ArticleUpdated, |current| {
            let mut state = revision.state.clone();
            state.status = current.status;
            state.published_at = current.published_at;
            Ok(state)
        })
    }

    pub fn delete(&self, who: Option<&Principal>, id: ArticleId, version: Option<i64>) -> Result<()> {
        let who = require(who, Scope::ContentWrite)?;
        let change =
            Change { actor: &who.name, action: "article.delete", at: now(), event: Some(EventKind::ArticleDeleted) };
        retrying(version, || {
            let (record, _) = self.state(id)?;
            check_version(version, record.version)?;
            self.repo.delete_article(id, record.version, &change)
        })?;
        self.changed();
        Ok(())
    }

    /// Read, change and write back an article; the version is checked against
    /// `version` when given, and always against what was read.
    fn write(
        &self,
        who: &Principal,
        id: ArticleId,
        version: Option<i64>,
        action: &str,
        event: EventKind,
        mut change: impl FnMut(&ArticleState) -> Result<ArticleState>,
    ) -> Result<Article> {
        let written = retrying(version, || {
            let (record, current) = self.state(id)?;
            // Bad input is reported before a stale version: it needs fixing either way.
            let state = change(&current)?;
            check_version(version, record.version)?;
            let changed = state.changed_from(&current);
            if changed.is_empty() {
                return Ok(false);
            }
            let c = Change { actor: &who.name, action, at: now(), event: Some(event) };
            self.repo.update_article(id, record.version, &state, &changed, &c).map(|()| true)
        })?;
        if written {
            self.changed();
        }
        self.content.any_article(id)
    }

    pub fn revisions(&self, who: Option<&Principal>, id: ArticleId) -> Result<Vec<Revision>> {
        require(who, Scope::ContentPreview)?;
        self.state(id)?;
        self.repo.revisions(id)
    }

    pub fn revision(&self, who: Option<&Principal>, id: ArticleId, number: i64) -> Result<Revision> {
        require(who, Scope::ContentPreview)?;
        self.repo.revision(id, number)?.ok_or_else(|| Error::not_found(format!("revision {number} of article {id}")))
    }

    /// Publish the scheduled articles whose time has come; how many.
    pub fn publish_due(&self) -> Result<usize> {
        let system = Principal::system("scheduler");
        let mut n = 0;
        for id in self.repo.due_scheduled(now(), 100)? {
            let r = self.write(&system, id, None, "article.publish", EventKind::ArticlePublished, |current| {
                let mut state = current.clone();
                if state.status == Status::Scheduled {
                    state.status = Status::Published;
                }
                Ok(state)
            });
            match r {
                Ok(_) => n += 1,
                // Another node got there first.
                Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    pub fn save_taxon(
        &self,
        who: Option<&Principal>,
        kind: TaxonKind,
        existing: Option<&Slug>,
        input: TaxonInput,
    ) -> Result<(NodeId, Taxon)> {
        let who = require(who, Scope::ContentWrite)?;
        let taxon = input.into_taxon(kind)?;
        if let (Taxon::Section(s), Some(old)) = (&taxon, existing)
            && s.parent.as_ref().is_some_and(|p| p == old || *p == s.slug)
        {
            return Err(Error::field("parent", "a section cannot be its own parent"));
        }
        let action = format!("{}.{}", taxon.kind().as_str(), if existing.is_some() { "update" } else { "create" });
        let id = self.repo.save_taxon(
            existing,
            &taxon,
            &Change { actor: &who.name, action: &action, at: now(), event: None },
        )?;
        self.changed();
        Ok((id, taxon))
    }

    pub fn delete_taxon(&self, who: Option<&Principal>, kind: TaxonKind, slug: &Slug) -> Result<NodeId> {
        let who = require(who, Scope::ContentWrite)?;
        let action = format!("{}.delete", kind.as_str());
        let change = Change { actor: &who.name, action: &action, at: now(), event: None };
        let id = self.repo.delete_taxon(kind, slug, &change)?;
        self.changed();
        Ok(id)
    }

    pub fn audit(
        &self,
        who: Option<&Principal>,
        article: Option<ArticleId>,
        cursor: Option<&str>,
        limit: Limit,
    ) -> Result<Page<AuditEntry>> {
        require(who, Scope::Admin)?;
        let before = cursor.map(|c| decode_cursor::<i64>("cursor", c)).transpose()?;
        let rows = self.repo.audit(article, before, i64::from(limit.get()) + 1)?;
        Ok(paginate(rows, limit, |e| encode_cursor(&e.id)))
    }

    pub fn content_version(&self) -> Result<i64> {
        self.repo.content_version()
    }

    /// This node's reads reflect a write at once.
    fn changed(&self) {
        self.content.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input as a client would send it in JSON (absent and `null` differ).
    fn input(json: &str) -> ArticleInput {
        let v: serde_json::Value = serde_json::from_str(json).expect("json");
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let list = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_array())
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        };
        let nullable = |k: &str| v.get(k).map(|x| (!x.is_null()).then(|| x.clone()));
        ArticleInput {
            slug: text("slug"),
            title: text("title"),
            summary: text("summary"),
            section: text("section"),
            tags: list("tags"),
            authors: list("authors"),
            body: v.get("body").cloned(),
            hero_image: nullable("heroImage"),
            published_at: nullable("publishedAt").map(|p| p.and_then(|p| p.as_str().map(str::to_owned))),
            version: v.get("version").and_then(serde_json::Value::as_i64),
        }
    }

    #[test]
    fn create_names_every_bad_field() {
        let e = input(r#"{"slug":"Bad Slug","title":"","tags":["ok","Not Ok"],"body":[{"type":"paragraph","spans":[{"text":"x","href":"javascript:alert(1)"}]}]}"#)
            .into_state(None)
            .unwrap_err();
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"section"), "{fields:?}");
        assert!(fields.contains(&"slug") && fields.contains(&"tags[1]"), "{fields:?}");
    }

    #[test]
    fn patch_overlays_and_null_clears() {
        let base =
            input(r#"{"slug":"a","title":"T","section":"news","body":[],"heroImage":{"src":"/x.jpg","alt":""}}"#)
                .into_state(None)
                .expect("valid");
        let patched = input(r#"{"title":"New","heroImage":null}"#).into_state(Some(&base)).expect("valid");
        assert_eq!(patched.title, "New");
        assert_eq!(patched.hero_image, None);
        assert_eq!(patched.changed_from(&base), ["title", "heroImage"]);
    }

    #[test]
    fn lifecycle_steps() {
        let mut s = input(r#"{"slug":"a","title":"T","section":"news","body":[]}"#).into_state(None).expect("valid");
        let at = now();
        assert!(Lifecycle::Schedule(at).apply(&mut s.clone(), at).is_err());
        Lifecycle::Schedule(at + chrono::TimeDelta::hours(1)).apply(&mut s, at).expect("schedule");
        assert_eq!(s.status, Status::Scheduled);
        Lifecycle::Publish.apply(&mut s, at).expect("publish");
        assert_eq!((s.status, s.published_at), (Status::Published, Some(at)));
        assert!(Lifecycle::Schedule(at + chrono::TimeDelta::hours(1)).apply(&mut s.clone(), at).is_err());
    }
}
