//! The content service: every public read goes through here, from REST and GraphQL alike.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};

use crate::body::Block;
use crate::cache::{Known, ReadCache};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    Article, ArticleId, ArticleRecord, Author, AuthorId, DEFAULT_REACTION_KINDS, NodeId, ReactionCount, Section,
    SectionId, SectionTree, Tag, TagId,
};
use crate::ports::ContentRepo;
use crate::query::{
    ArticleFilter, ArticleKey, ArticleQuery, ArticleSort, Page, PageRequest, ResolvedFilter, decode_cursor,
    encode_cursor, paginate_toward,
};
use crate::slug::Slug;

/// How long the in-memory section tree, tags and authors are trusted before
/// they are read again (other nodes' changes show within this bound).
const TAXONOMY_TTL: Duration = Duration::from_secs(2);

/// A section with its place in the tree and the number of visible articles in it
/// and all its sub-sections.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionInfo {
    pub section: Section,
    pub path: Vec<Section>,
    pub article_count: i64,
    pub children: Vec<SectionInfo>,
}

/// An object named by a global id (see [`NodeId`]).
#[derive(Debug, Clone)]
pub enum Node {
    Article(Arc<Article>),
    Section(Section),
    Tag(Tag),
    Author(Author),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Counted<T> {
    pub item: T,
    pub article_count: i64,
}

/// The current time as the store keeps it: UTC, to the microsecond.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The answer to a lookup by slug.
#[derive(Debug, Clone)]
pub enum Found {
    Article(Arc<Article>),
    /// The slug is a former one of the article now at this slug.
    Moved(Slug),
}

pub struct ContentService {
    repo: Arc<dyn ContentRepo>,
    tree: RwLock<Option<(Instant, Arc<SectionTree>)>>,
    tags: Known<TagId, Tag>,
    authors: Known<AuthorId, Author>,
    /// The same, by slug: for filters.
    tags_by_slug: Known<Slug, Tag>,
    authors_by_slug: Known<Slug, Author>,
    cache: Option<ReadCache>,
    /// The id of every published article looked up by slug, kept while the
    /// database answers, so that beacons are still accepted when it does not.
    known: RwLock<HashMap<String, ArticleId>>,
    /// The configured reaction kinds, which every article lists.
    reaction_kinds: Vec<String>,
    /// Totals of lists, trusted for [`TAXONOMY_TTL`] like the names.
    totals: Mutex<HashMap<Total, (Instant, i64)>>,
}

/// What a list total counts. An article filter is kept without its instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Total {
    Articles(ResolvedFilter),
    Tags,
    Authors,
}

/// Totals remembered at most (filters with date ranges are unbounded in kind).
const TOTALS: usize = 4_096;

/// Slugs remembered in [`ContentService::known`] at most.
const KNOWN_SLUGS: usize = 500_000;

impl ContentService {
    /// A service whose assembled reads are cached for `cache_ttl` (zero: no cache).
    pub fn new(repo: Arc<dyn ContentRepo>, cache_ttl: Duration) -> Self {
        let cache = (!cache_ttl.is_zero()).then(|| ReadCache::new(cache_ttl));
        Self {
            repo,
            tree: RwLock::new(None),
            tags: Known::new(TAXONOMY_TTL),
            authors: Known::new(TAXONOMY_TTL),
            tags_by_slug: Known::new(TAXONOMY_TTL),
            authors_by_slug: Known::new(TAXONOMY_TTL),
            cache,
            known: RwLock::new(HashMap::new()),
            reaction_kinds: DEFAULT_REACTION_KINDS.map(str::to_owned).to_vec(),
            totals: Mutex::default(),
        }
    }

    /// Articles list every one of these reaction kinds, in this order (the
    /// defaults unless configured).
    pub fn with_reaction_kinds(mut self, kinds: Vec<String>) -> Self {
        self.reaction_kinds = kinds;
        self
    }

    /// The id of the published article at `slug`. While the database is
    /// unavailable, the last id it gave for the slug: beacons then keep being
    /// accepted (and written once it is back) for articles read before.
    pub fn article_id(&self, slug: &str) -> Result<ArticleId> {
        match self.article(slug) {
            Ok(a) => {
                let id = a.record.id;
                // Written only when new: beacons arrive by the thousand a second.
                let remembered = self.known.read().is_ok_and(|k| k.get(slug) == Some(&id));
                if !remembered
                    && let Ok(mut known) = self.known.write()
                    && (known.len() < KNOWN_SLUGS || known.contains_key(slug))
                {
                    known.insert(slug.to_owned(), id);
                }
                Ok(id)
            }
            Err(e) if e.kind == ErrorKind::Unavailable => {
                self.known.read().ok().and_then(|k| k.get(slug).copied()).ok_or(e)
            }
            Err(e) => {
                if e.kind == ErrorKind::NotFound
                    && let Ok(mut known) = self.known.write()
                {
                    known.remove(slug);
                }
                Err(e)
            }
        }
    }

    /// A published article from the read cache, without touching the database.
    pub fn cached_article(&self, slug: &str) -> Option<Arc<Article>> {
        self.cache.as_ref()?.article(slug)
    }

    /// The section tree if it is fresh in memory, without touching the database.
    pub fn cached_section_tree(&self) -> Option<Arc<SectionTree>> {
        let guard = self.tree.read().ok()?;
        let (at, tree) = guard.as_ref()?;
        (at.elapsed() < TAXONOMY_TTL).then(|| tree.clone())
    }

    /// Drop every cached read (after content changed).
    pub fn invalidate(&self) {
        if let Some(c) = &self.cache {
            c.clear();
        }
        if let Ok(mut t) = self.tree.write() {
            *t = None;
        }
        self.tags.clear();
        self.authors.clear();
        self.tags_by_slug.clear();
        self.authors_by_slug.clear();
        self.totals.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// A list's total: counted at most once every [`TAXONOMY_TTL`], and again
    /// after every content change this node sees.
    fn total(&self, key: Total, count: impl FnOnce() -> Result<i64>) -> Result<i64> {
        let held = self.totals.lock().unwrap_or_else(PoisonError::into_inner).get(&key).copied();
        if let Some((_, n)) = held.filter(|(at, _)| at.elapsed() < TAXONOMY_TTL) {
            return Ok(n);
        }
        let n = count()?;
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        if totals.len() >= TOTALS {
            totals.clear();
        }
        totals.insert(key, (Instant::now(), n));
        Ok(n)
    }

    /// How many published articles `f` matches (the `totalCount` of its list).
    pub fn article_total(&self, f: &ArticleFilter) -> Result<i64> {
        let Some(filter) = self.resolve(f, now())? else { return Ok(0) };
        let key = Total::Articles(ResolvedFilter { now: DateTime::UNIX_EPOCH, ..filter.clone() });
        self.total(key, || self.repo.count_articles(&filter))
    }

    /// How many tags there are.
    pub fn tag_total(&self) -> Result<i64> {
        self.total(Total::Tags, || self.repo.count_tags())
    }

    /// How many authors there are.
    pub fn author_total(&self) -> Result<i64> {
        self.total(Total::Authors, || self.repo.count_authors())
    }

    pub fn ping(&self) -> Result<()> {
        self.repo.ping()
    }

    /// The section tree, from memory when fresh.
    pub fn section_tree(&self) -> Result<Arc<SectionTree>> {
        if let Some(tree) = self.cached_section_tree() {
            return Ok(tree);
        }
        let tree = Arc::new(SectionTree::new(self.repo.sections()?));
        if let Ok(mut guard) = self.tree.write() {
            *guard = Some((Instant::now(), tree.clone()));
        }
        Ok(tree)
    }

    /// A published article by slug, with body and relations: from the read cache
    /// when it holds it, else from the database (and then cached).
    pub fn article(&self, slug: &str) -> Result<Arc<Article>> {
        if let Some(a) = self.cached_article(slug) {
            return Ok(a);
        }
        let found = self.repo.article_by_slug(slug)?;
        let article = Arc::new(self.full(found, true, || format!("article `{slug}`"))?);
        if let Some(c) = &self.cache {
            c.put_article(slug, article.clone());
        }
        Ok(article)
    }

    /// A published article by id, with body and relations.
    pub fn article_by_id(&self, id: ArticleId) -> Result<Article> {
        let found = self.repo.article_by_id(id)?;
        self.full(found, true, || format!("article {id}"))
    }

    /// An article of any status by id (editors and previews), never cached.
    pub fn any_article(&self, id: ArticleId) -> Result<Article> {
        let found = self.repo.article_by_id(id)?;
        self.full(found, false, || format!("article {id}"))
    }

    /// An article by slug: a published one, or with `preview` one of any status.
    /// A former slug answers where the article is now, when the caller may see
    /// it there (a redirect to a draft would reveal its new slug).
    pub fn find_article(&self, slug: &str, preview: bool) -> Result<Found> {
        let found = if preview {
            let found = self.repo.article_by_slug(slug)?;
            self.full(found, false, || format!("article `{slug}`")).map(Arc::new)
        } else {
            self.article(slug)
        };
        match found {
            Err(e) if e.kind == crate::ErrorKind::NotFound => match self.repo.redirect(slug)? {
                Some(to) if preview || self.article(to.as_str()).is_ok() => Ok(Found::Moved(to)),
                _ => Err(e),
            },
            r => r.map(Found::Article),
        }
    }

    fn full(
        &self,
        found: Option<(ArticleRecord, Vec<crate::Block>)>,
        visible_only: bool,
        what: impl FnOnce() -> String,
    ) -> Result<Article> {
        match found {
            Some((record, body)) if !visible_only || record.is_visible_at(now()) => {
                let mut article = self.hydrate(vec![record])?.pop().ok_or_else(|| Error::not_found(what()))?;
                article.body = Some(body);
                Ok(article)
            }
            _ => Err(Error::not_found(what())),
        }
    }

    /// A page of published articles with their relations (no bodies).
    pub fn list_articles(
        &self,
        filter: &ArticleFilter,
        sort: ArticleSort,
        page: &PageRequest,
    ) -> Result<Page<Article>> {
        let PageRequest { cursor, limit, direction } = page;
        let (limit, direction) = (*limit, *direction);
        let after = cursor.as_deref().map(|c| decode_cursor::<ArticleKey>("cursor", c)).transpose()?;
        let key_matches_sort = matches!(
            (after, sort),
            (None, _)
                | (Some(ArticleKey::Views { .. }), ArticleSort::ViewsDesc)
                | (Some(ArticleKey::PublishedAt { .. }), ArticleSort::PublishedAtAsc | ArticleSort::PublishedAtDesc)
        );
        if !key_matches_sort {
            return Err(Error::field("cursor", "was returned for another sort order"));
        }
        let Some(filter) = self.resolve(filter, now())? else { return Ok(Page::empty()) };
        let query = ArticleQuery { filter, sort, after, direction, fetch: i64::from(limit.get()) + 1 };
        let rows = self.repo.list_articles(&query)?;
        let mut page = paginate_toward(rows, limit, direction, |r| encode_cursor(&article_key(r, sort)));
        let items = self.hydrate(std::mem::take(&mut page.items))?;
        Ok(page.with_items(items))
    }

    /// Visible articles by id with their relations (no bodies), in the order of
    /// `ids`; ids of invisible or missing articles are skipped. Articles in the
    /// read cache are taken from there; the others are loaded together (and cached).
    pub fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<Arc<Article>>> {
        let at = now();
        let mut found: HashMap<ArticleId, Arc<Article>> = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.cache.as_ref().and_then(|c| c.card(*id)) {
                Some(a) => {
                    found.insert(*id, a);
                }
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            let records = self.repo.records_of(&missing)?.into_iter().filter(|r| r.is_visible_at(at)).collect();
            for a in self.hydrate(records)? {
                let a = Arc::new(a);
                if let Some(c) = &self.cache {
                    c.put_card(a.clone());
                }
                found.insert(a.record.id, a);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).filter(|a| a.record.is_visible_at(at)).collect())
    }

    /// Visible articles by id with their bodies, in the order of `ids`; ids of
    /// invisible or missing articles are skipped. Everything from the database,
    /// nothing from this node's memory (which may lag another node's write by
    /// a moment): mirrors keep what they are sent until it changes again.
    pub fn full_articles(&self, ids: &[ArticleId]) -> Result<Vec<Article>> {
        let at = now();
        let records: Vec<ArticleRecord> =
            self.repo.records_of(ids)?.into_iter().filter(|r| r.is_visible_at(at)).collect();
        let visible: Vec<ArticleId> = records.iter().map(|r| r.id).collect();
        let mut bodies = self.repo.bodies_of(&visible)?;
        let mut tags = self.repo.tags_of(&visible)?;
        let mut authors = self.repo.authors_of(&visible)?;
        let tree = self.fresh_section_tree()?;
        let mut found: HashMap<ArticleId, Article> = records
            .into_iter()
            .map(|mut record| {
                let id = record.id;
                record.reactions =
                    ReactionCount::every_kind(&self.reaction_kinds, std::mem::take(&mut record.reactions));
                let article = Article {
                    section_path: tree.path(record.section_id),
                    tags: tags.remove(&id).unwrap_or_default(),
                    authors: authors.remove(&id).unwrap_or_default(),
                    body: Some(bodies.remove(&id).unwrap_or_default()),
                    record,
                };
                (id, article)
            })
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// The section tree as the database has it now.
    pub fn fresh_section_tree(&self) -> Result<SectionTree> {
        Ok(SectionTree::new(self.repo.sections()?))
    }

    /// The ids of sections and tags named by slug; an unknown one is a bad
    /// field (`section`, `tag`).
    pub fn taxon_ids(&self, sections: &[Slug], tags: &[Slug]) -> Result<(Vec<SectionId>, Vec<TagId>)> {
        let tree = self.fresh_section_tree()?;
        let mut v = crate::Validator::default();
        let section_ids = sections
            .iter()
            .filter_map(|slug| {
                let id = tree.by_slug(slug.as_str()).map(|s| s.id);
                v.check(id.ok_or_else(|| Error::field("section", format!("no section `{slug}` exists"))))
            })
            .collect();
        let mut tag_ids = Vec::with_capacity(tags.len());
        for slug in tags {
            let id = self.repo.tag_by_slug(slug.as_str())?.map(|t| t.id);
            tag_ids.extend(v.check(id.ok_or_else(|| Error::field("tag", format!("no tag `{slug}` exists")))));
        }
        v.finish()?;
        Ok((section_ids, tag_ids))
    }

    /// The objects named by global ids, in the order of `ids`; `None` for an id
    /// that names nothing the caller may see (an article that is not published,
    /// unless `preview`). Articles come without bodies; one statement per kind.
    pub fn nodes(&self, ids: &[NodeId], preview: bool) -> Result<Vec<Option<Node>>> {
        let article_ids: Vec<ArticleId> =
            ids.iter().filter_map(|id| if let NodeId::Article(a) = id { Some(*a) } else { None }).collect();
        let mut articles: HashMap<ArticleId, Arc<Article>> = if preview {
            let records = self.repo.records_of(&article_ids)?;
            self.hydrate(records)?.into_iter().map(|a| (a.record.id, Arc::new(a))).collect()
        } else {
            self.articles_by_ids(&article_ids)?.into_iter().map(|a| (a.record.id, a)).collect()
        };
        let tag_ids = ids.iter().filter_map(|id| if let NodeId::Tag(t) = id { Some(*t) } else { None });
        let tags = self.tags.get(tag_ids, |ids| self.repo.tags_by_ids(ids), |t| t.id)?;
        let author_ids = ids.iter().filter_map(|id| if let NodeId::Author(a) = id { Some(*a) } else { None });
        let authors = self.authors.get(author_ids, |ids| self.repo.authors_by_ids(ids), |a| a.id)?;
        let tree = self.section_tree()?;
        Ok(ids
            .iter()
            .map(|id| match id {
                NodeId::Article(a) => articles.remove(a).map(Node::Article),
                NodeId::Section(s) => tree.get(*s).cloned().map(Node::Section),
                NodeId::Tag(t) => tags.get(t).cloned().map(Node::Tag),
                NodeId::Author(a) => authors.get(a).cloned().map(Node::Author),
            })
            .collect())
    }

    /// Turn a filter's slugs into ids, for articles visible at `now`. `None` when
    /// a named section, tag or author does not exist: such a filter matches nothing.
    pub fn resolve(&self, f: &ArticleFilter, now: DateTime<Utc>) -> Result<Option<ResolvedFilter>> {
        let sections = match &f.section {
            None => None,
            Some(slug) => {
                let tree = self.section_tree()?;
                match tree.by_slug(slug.as_str()) {
                    Some(s) => Some(tree.subtree(s.id)),
                    None => return Ok(None),
                }
            }
        };
        let known = self.tags_by_slug.get(
            f.tags.iter().cloned(),
            |slugs| slugs.iter().filter_map(|s| self.repo.tag_by_slug(s.as_str()).transpose()).collect(),
            |t| t.slug.clone(),
        )?;
        let Some(tags) = f.tags.iter().map(|slug| known.get(slug).map(|t| t.id)).collect() else {
            return Ok(None);
        };
        let author = match &f.author {
            None => None,
            Some(slug) => {
                let known = self.authors_by_slug.get(
                    [slug.clone()],
                    |slugs| slugs.iter().filter_map(|s| self.repo.author_by_slug(s.as_str()).transpose()).collect(),
                    |a| a.slug.clone(),
                )?;
                match known.get(slug) {
                    Some(a) => Some(a.id),
                    None => return Ok(None),
                }
            }
        };
        Ok(Some(ResolvedFilter {
            sections,
            tags,
            author,
            published_after: f.published_after,
            published_before: f.published_before,
            now,
        }))
    }

    /// Name the sections, tags and authors of records: from memory, with at
    /// most one query each for tags and authors not seen in the last seconds.
    pub fn hydrate(&self, records: Vec<ArticleRecord>) -> Result<Vec<Article>> {
        let tree = self.section_tree()?;
        let tag_ids = records.iter().flat_map(|r| r.tag_ids.iter().copied());
        let tags = self.tags.get(tag_ids, |ids| self.repo.tags_by_ids(ids), |t| t.id)?;
        let author_ids = records.iter().flat_map(|r| r.author_ids.iter().copied());
        let authors = self.authors.get(author_ids, |ids| self.repo.authors_by_ids(ids), |a| a.id)?;
        Ok(records
            .into_iter()
            .map(|mut record| {
                record.reactions =
                    ReactionCount::every_kind(&self.reaction_kinds, std::mem::take(&mut record.reactions));
                Article {
                    section_path: tree.path(record.section_id),
                    tags: record.tag_ids.iter().filter_map(|id| tags.get(id).cloned()).collect(),
                    authors: record.author_ids.iter().filter_map(|id| authors.get(id).cloned()).collect(),
                    body: None,
                    record,
                }
            })
            .collect())
    }

    /// The bodies of articles, by id (for loaders that resolve one relation at a time).
    pub fn bodies_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Block>>> {
        self.repo.bodies_of(ids)
    }

    /// The tags of articles, by id, in each article's order.
    pub fn tags_of(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Vec<Tag>>> {
        self.repo.tags_of(ids)
    }

    /// Published articles with each of these tags.
    pub fn tag_counts(&self, ids: &[TagId]) -> Result<HashMap<TagId, i64>> {
        self.repo.tag_article_counts(ids, now())
    }

    /// Published articles by each of these authors.
    pub fn author_counts(&self, ids: &[AuthorId]) -> Result<HashMap<AuthorId, i64>> {
        self.repo.author_article_counts(ids, now())
    }

    /// The whole section tree with article counts (each including sub-sections).
    pub fn sections(&self) -> Result<Vec<SectionInfo>> {
        let tree = self.section_tree()?;
        let counts = self.section_counts()?;
        Ok(tree.roots().map(|s| section_info(&tree, s, &counts)).collect())
    }

    pub fn section(&self, slug: &str) -> Result<SectionInfo> {
        let tree = self.section_tree()?;
        let s = tree.by_slug(slug).ok_or_else(|| Error::not_found(format!("section `{slug}`")))?;
        let counts = self.section_counts()?;
        Ok(section_info(&tree, s, &counts))
    }

    /// Visible articles per section, each count including all sub-sections.
    pub fn section_counts(&self) -> Result<HashMap<SectionId, i64>> {
        let tree = self.section_tree()?;
        let direct = self.repo.section_article_counts(now())?;
        Ok(tree
            .iter()
            .map(|s| (s.id, tree.subtree(s.id).iter().map(|id| direct.get(id).copied().unwrap_or(0)).sum()))
            .collect())
    }

    pub fn tags(&self, page: &PageRequest) -> Result<Page<Counted<Tag>>> {
        let rows = |from: Option<&str>, fetch| self.repo.tags_page(from, fetch, page.direction);
        let counts = |ids: &[TagId]| self.tag_counts(ids);
        Ok(counted_page(page, rows, |t| (&t.slug, t.id), counts)?.with_total(self.tag_total()?))
    }

    pub fn tag(&self, slug: &str) -> Result<Counted<Tag>> {
        let t = self.repo.tag_by_slug(slug)?.ok_or_else(|| Error::not_found(format!("tag `{slug}`")))?;
        let counts = self.tag_counts(&[t.id])?;
        Ok(Counted { article_count: counts.get(&t.id).copied().unwrap_or(0), item: t })
    }

    pub fn authors(&self, page: &PageRequest) -> Result<Page<Counted<Author>>> {
        let rows = |from: Option<&str>, fetch| self.repo.authors_page(from, fetch, page.direction);
        let counts = |ids: &[AuthorId]| self.author_counts(ids);
        Ok(counted_page(page, rows, |a| (&a.slug, a.id), counts)?.with_total(self.author_total()?))
    }

    pub fn author(&self, slug: &str) -> Result<Counted<Author>> {
        let a = self.repo.author_by_slug(slug)?.ok_or_else(|| Error::not_found(format!("author `{slug}`")))?;
        let counts = self.author_counts(&[a.id])?;
        Ok(Counted { article_count: counts.get(&a.id).copied().unwrap_or(0), item: a })
    }
}

/// A page of a list ordered by slug (tags, authors), each item with its number of
/// visible articles: one query for the page, one for the counts.
fn counted_page<T, K: Hash + Eq + Copy>(
    request: &PageRequest,
    rows: impl FnOnce(Option<&str>, i64) -> Result<Vec<T>>,
    key: impl Fn(&T) -> (&Slug, K),
    counts: impl FnOnce(&[K]) -> Result<HashMap<K, i64>>,
) -> Result<Page<Counted<T>>> {
    let from = request.cursor.as_deref().map(|c| decode_cursor::<Slug>("cursor", c)).transpose()?;
    let rows = rows(from.as_ref().map(Slug::as_str), i64::from(request.limit.get()) + 1)?;
    let page = paginate_toward(rows, request.limit, request.direction, |t| encode_cursor(key(t).0));
    let ids: Vec<K> = page.items.iter().map(|t| key(t).1).collect();
    let counts = counts(&ids)?;
    Ok(page.map(|t| Counted { article_count: counts.get(&key(&t).1).copied().unwrap_or(0), item: t }))
}

fn article_key(r: &ArticleRecord, sort: ArticleSort) -> ArticleKey {
    match sort {
        ArticleSort::ViewsDesc => ArticleKey::Views { v: r.views, id: r.id },
        ArticleSort::PublishedAtAsc | ArticleSort::PublishedAtDesc => {
            ArticleKey::PublishedAt { t: r.published_at.map(|t| t.timestamp_micros()).unwrap_or_default(), id: r.id }
        }
    }
}

fn section_info(tree: &SectionTree, s: &Section, counts: &HashMap<SectionId, i64>) -> SectionInfo {
    SectionInfo {
        section: s.clone(),
        path: tree.path(s.id),
        article_count: counts.get(&s.id).copied().unwrap_or(0),
        children: tree.children_of(Some(s.id)).map(|c| section_info(tree, c, counts)).collect(),
    }
}
