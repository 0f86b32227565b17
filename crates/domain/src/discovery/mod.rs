//! Related articles and recommendations, computed from two in-memory models that
//! a background task rebuilds from the database:
//!
//! - the **content model**: per published article its section, tags, publication
//!   time and the 24 terms of its title, summary and body with the highest TF-IDF
//!   weight, plus inverted lists (term → articles, tag → articles) to find
//!   candidates fast;
//! - the **reading models**: co-reading, popularity and the blend tuned on the
//!   reading history (see [`recommend`]).
//!
//! Related (content only): `0.45 · text cosine + 0.35 · shared tags (weighted by
//! rarity) + 0.10 · same section + 0.10 · freshness`.

use std::sync::{Arc, Mutex, RwLock};

// Keys here are article, tag and term numbers and words from the articles: a
// multiplicative hash is several times cheaper than SipHash, and recommendations
// hash every candidate a few times.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::Result;
use crate::model::{Article, ArticleId, SectionId, Status};
use crate::ports::DiscoveryRepo;
use crate::ports::Watermark;
use crate::ranking::{RankingKind, RankingQuery, RankingService, Window};
use crate::record::check_session_id;
use crate::service::{ContentService, now};
use recommend::{
    CoReadModel, HISTORY, Popularity, Reads, Signals, TUNING_SESSIONS, Tuning, pick_sessions, recommend, tune,
};

pub mod content;
pub mod recommend;

use content::{ContentModel, ContentModelBuilder, DocSource, NEIGHBOURS};

/// The models, swapped in whole when rebuilt.
#[derive(Default)]
struct Models {
    content: Arc<ContentModel>,
    reading: Arc<Reading>,
}

/// What the reading history teaches: co-reading, popularity, and the blend
/// chosen for it.
#[derive(Default)]
struct Reading {
    coread: CoReadModel,
    popularity: Popularity,
    tuning: Tuning,
}

/// A recommended article with a short reason for the reader.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub article: Arc<Article>,
    pub reason: String,
}

pub struct DiscoveryService {
    repo: Arc<dyn DiscoveryRepo>,
    content: Arc<ContentService>,
    rankings: Arc<RankingService>,
    models: RwLock<Models>,
    /// What the content model is built from, and how far it has read.
    source: Mutex<(ContentModelBuilder, Option<Watermark>)>,
}

impl DiscoveryService {
    pub fn new(repo: Arc<dyn DiscoveryRepo>, content: Arc<ContentService>, rankings: Arc<RankingService>) -> Self {
        Self { repo, content, rankings, models: RwLock::default(), source: Mutex::default() }
    }

    fn models(&self) -> (Arc<ContentModel>, Arc<Reading>) {
        let m = self.models.read().unwrap_or_else(|p| p.into_inner());
        (m.content.clone(), m.reading.clone())
    }

    /// The blend recommendations use now, and how it was chosen.
    pub fn tuning(&self) -> Tuning {
        self.models().1.tuning
    }

    /// Bring the content model up to date with the database: the first time
    /// from every article; then only the articles changed since (and without
    /// the deleted ones), starting again from every article once changes have
    /// skewed the word statistics ([`ContentModelBuilder::is_stale`]).
    pub fn rebuild_content(&self) -> Result<usize> {
        let started = std::time::Instant::now();
        let mut source = self.source.lock().unwrap_or_else(|p| p.into_inner());
        let (builder, watermark) = &mut *source;
        if builder.is_stale() {
            *builder = ContentModelBuilder::default();
            *watermark = None;
        }
        let first = watermark.is_none();
        *watermark = read_changes(self.repo.as_ref(), builder, *watermark)?;
        if !first {
            builder.retain(&self.repo.article_ids()?.into_iter().collect());
        }
        let model = Arc::new(builder.model());
        let n = model.len();
        self.models.write().unwrap_or_else(|p| p.into_inner()).content = model;
        tracing::debug!(
            articles = n,
            from_scratch = first,
            seconds = started.elapsed().as_secs_f64(),
            "content model built"
        );
        Ok(n)
    }

    /// Learn co-reading and popularity from the reading history again, with
    /// the blend chosen last. The number of sessions.
    pub fn rebuild_coread(&self) -> Result<usize> {
        let sessions = load_sessions(self.repo.as_ref())?;
        self.learn(&sessions, self.tuning());
        Ok(sessions.len())
    }

    /// Choose the blend again ([`tune`]: the one that best finds the last read
    /// of a slice of the sessions), then learn with it.
    pub fn retune(&self) -> Result<Tuning> {
        let started = std::time::Instant::now();
        let sessions = load_sessions(self.repo.as_ref())?;
        let (content, _) = self.models();
        let tuning = tune(&content, &sessions, &pick_sessions(&sessions, TUNING_SESSIONS, &HashSet::default()));
        self.learn(&sessions, tuning);
        tracing::info!(
            sessions = tuning.sessions,
            blend = ?tuning.blend,
            half_life_hours = tuning.half_life_hours,
            hit_rate = tuning.hit_rate,
            seconds = started.elapsed().as_secs_f64(),
            "recommendation blend chosen"
        );
        Ok(tuning)
    }

    fn learn(&self, sessions: &[Reads], tuning: Tuning) {
        let (coread, log) = recommend::learn(sessions);
        let popularity = log.popularity(tuning.half_life_hours);
        self.models.write().unwrap_or_else(|p| p.into_inner()).reading =
            Arc::new(Reading { coread, popularity, tuning });
    }

    /// Published articles related to the article `slug`, best first.
    pub fn related(&self, slug: &str, limit: usize) -> Result<Vec<Arc<Article>>> {
        let (content, _) = self.models();
        let id = match content.id_of(slug).filter(|id| content.is_visible(*id, now().timestamp_micros())) {
            Some(id) => id,
            // Not in the model (yet): the database decides (404, or just published).
            None => self.content.article(slug)?.record.id,
        };
        self.related_to(id, limit)
    }

    pub fn related_to(&self, id: ArticleId, limit: usize) -> Result<Vec<Arc<Article>>> {
        let (content, _) = self.models();
        let at = now();
        // Three spare in case some are no longer public when they are loaded.
        let ids: Vec<ArticleId> = if limit + 3 <= NEIGHBOURS {
            (content.neighbours(id, at).iter())
                .filter(|(n, _)| content.is_visible(*n, at.timestamp_micros()))
                .map(|(n, _)| *n)
                .take(limit + 3)
                .collect()
        } else {
            content.related(id, at, limit + 3).into_iter().map(|(n, _)| n).collect()
        };
        let mut articles = self.content.articles_by_ids(&ids)?;
        articles.truncate(limit);
        Ok(articles)
    }

    /// Recommendations for a reader session and/or the article being read.
    pub fn recommendations(
        &self,
        session_id: Option<&str>,
        article: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Recommendation>> {
        if let Some(s) = session_id {
            check_session_id("sessionId", s)?;
        }
        let (content, reading) = self.models();
        let at = now();
        // The current article's id and section: from the model when it has it (no
        // database round trip), else from the database (404, or just published).
        let current: Option<(ArticleId, SectionId)> = match article {
            Some(slug) => {
                let visible = content.id_of(slug).filter(|id| content.is_visible(*id, at.timestamp_micros()));
                Some(match visible.and_then(|id| content.doc(id)) {
                    Some(d) => (d.id, d.section),
                    None => {
                        let a = self.content.article(slug)?;
                        (a.record.id, a.record.section_id)
                    }
                })
            }
            None => None,
        };
        let history: Vec<ArticleId> = match session_id {
            Some(s) => self.repo.session_reads(s, HISTORY as i64)?,
            None => Vec::new(),
        };
        let mut seen: HashSet<ArticleId> = history.iter().copied().collect();
        seen.extend(current.map(|(id, _)| id));
        let signals = Signals { content: &content, coread: &reading.coread, popularity: &reading.popularity };
        let picks = recommend(&signals, &history, &seen, at, limit, &reading.tuning.blend);
        let ids: Vec<ArticleId> = picks.iter().map(|p| p.article).collect();
        let mut found: HashMap<ArticleId, Arc<Article>> =
            self.content.articles_by_ids(&ids)?.into_iter().map(|a| (a.record.id, a)).collect();
        let mut out = Vec::with_capacity(limit);
        for p in &picks {
            // The article read is named from the model: it was published when
            // the model was built, within a second or so.
            let because = (p.because.filter(|h| content.is_visible(*h, at.timestamp_micros())))
                .and_then(|h| content.doc(h))
                .map(|d| &d.title);
            if let Some(article) = found.remove(&p.article) {
                let reason = match because {
                    Some(title) => format!("Because you read “{title}”"),
                    None => "Popular with readers".to_owned(),
                };
                out.push(Recommendation { article, reason });
            }
        }
        // Not enough history: what is trending where the reader is, then everywhere.
        if out.len() < limit {
            let section = match current {
                Some((_, id)) => self.content.section_tree()?.get(id).cloned(),
                None => None,
            };
            let mut scopes = Vec::new();
            if let Some(s) = section {
                scopes.push((Some(s.slug.clone()), format!("Trending in {}", s.name)));
            }
            scopes.push((None, "Trending now".to_owned()));
            for (section, reason) in scopes {
                let q = RankingQuery {
                    kind: RankingKind::Trending,
                    window: Window::Day,
                    section,
                    tag: None,
                    limit: RankingQuery::MAX_LIMIT as usize,
                };
                for e in self.rankings.ranking(&q)?.entries {
                    if out.len() == limit {
                        break;
                    }
                    let id = e.article.record.id;
                    if !seen.contains(&id) && out.iter().all(|r| r.article.record.id != id) {
                        out.push(Recommendation { article: e.article, reason: reason.clone() });
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The content model of every published article, read in pages.
pub fn build_content_model(repo: &dyn DiscoveryRepo) -> Result<ContentModel> {
    let mut builder = ContentModelBuilder::default();
    read_changes(repo, &mut builder, None)?;
    Ok(builder.model())
}

/// Read the articles changed after `after` into `builder`, in pages: published
/// ones are added or replaced, the others removed. The watermark reached.
fn read_changes(
    repo: &dyn DiscoveryRepo,
    builder: &mut ContentModelBuilder,
    mut after: Option<Watermark>,
) -> Result<Option<Watermark>> {
    loop {
        let page = repo.articles_changed_since(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = Some(Watermark { updated_at: last.0.updated_at, id: last.0.id });
        let full = page.len() == 2_000;
        for (r, body) in page {
            let (Status::Published, Some(published_at)) = (r.status, r.published_at) else {
                builder.remove(r.id);
                continue;
            };
            // The title counts three times: it says what the story is about.
            let mut text = format!("{t} {t} {t} {}", r.summary, t = r.title);
            body.iter().for_each(|b| b.plain_text(&mut text));
            let (id, title, slug, section, tags) = (r.id, r.title, Some(r.slug), r.section_id, r.tag_ids);
            builder.add(DocSource { id, title, slug, section, tags, published_at, text });
        }
        if !full {
            break;
        }
    }
    Ok(after)
}

/// Every session's reads, oldest first, with their times.
pub fn load_sessions(repo: &dyn DiscoveryRepo) -> Result<Vec<Reads>> {
    let mut by_session: HashMap<String, Reads> = HashMap::default();
    let mut after = None;
    loop {
        let page = repo.reads_page(after, 50_000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.row);
        let full = page.len() == 50_000;
        for r in page {
            by_session.entry(r.session_id).or_default().push((r.article, r.at));
        }
        if !full {
            break;
        }
    }
    let mut sessions: Vec<(String, Reads)> = by_session.into_iter().collect();
    sessions.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sessions
        .into_iter()
        .map(|(_, mut reads)| {
            reads.sort_by_key(|(a, at)| (*at, *a));
            reads
        })
        .collect())
}
