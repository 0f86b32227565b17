//! The content model: per published article its section, tags, publication
//! time and the 24 terms of its title, summary and body with the highest TF-IDF
//! weight, plus inverted lists (term → articles, tag → articles) to find
//! candidates fast. Related articles are scored on it, and recommendations use
//! it as one of their sources.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
// Keys here are article, tag and term numbers and words from the articles: a
// multiplicative hash is several times cheaper than SipHash, and recommendations
// hash every candidate a few times.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::model::{ArticleId, SectionId, TagId};
use crate::service::now;
use crate::slug::Slug;

/// Terms kept per article.
const TERMS_PER_ARTICLE: usize = 24;
/// Candidates read per term and per tag when looking for related articles.
const POSTINGS_PER_KEY: usize = 120;
/// Related articles kept per article.
pub(crate) const NEIGHBOURS: usize = 30;
/// Freshness: the weight of an article halves every this many days.
const FRESH_HALF_LIFE_DAYS: f64 = 7.0;

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "her", "was", "one", "our", "out", "has",
    "have", "had", "his", "how", "its", "may", "new", "now", "old", "see", "two", "way", "who", "did", "get", "let",
    "say", "she", "too", "use", "that", "with", "this", "from", "they", "will", "would", "there", "their", "what",
    "about", "which", "when", "were", "been", "more", "than", "then", "them", "into", "some", "could", "other", "over",
    "after", "also", "said", "says", "while", "where", "your", "just", "like", "most", "very", "such", "only", "last",
    "year", "week", "month", "time", "these", "those", "still", "since", "being", "many", "much",
];

/// Lowercase words of three letters or more, without stop words.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
}

/// What the content model knows of one article.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: ArticleId,
    /// For the reasons of recommendations ("because you read …").
    pub title: Arc<str>,
    pub section: SectionId,
    pub tags: Vec<TagId>,
    pub published_at: DateTime<Utc>,
    /// (term, weight), L2-normalised, heaviest first.
    terms: Vec<(u32, f32)>,
}

/// The text, tags and place of a published article, as the model is built from.
#[derive(Debug, Clone)]
pub struct DocSource {
    pub id: ArticleId,
    pub title: String,
    pub slug: Option<Slug>,
    pub section: SectionId,
    pub tags: Vec<TagId>,
    pub published_at: DateTime<Utc>,
    pub text: String,
}

/// Raw counts kept per article while building: enough to weigh its terms.
const COUNTED_TERMS: usize = 64;

/// Builds a [`ContentModel`] one article at a time, keeping only each article's
/// most frequent words, so that memory does not grow with the text. A service
/// keeps its builder between builds: a change re-reads only the changed
/// articles, and [`ContentModelBuilder::model`] weighs the words again.
#[derive(Default)]
pub struct ContentModelBuilder {
    vocabulary: HashMap<String, u32>,
    /// Articles each word appears in, counted when they were added: a replaced
    /// or removed article still counts (see `stale`).
    df: Vec<u32>,
    /// Each article with the raw counts of its most frequent words, and its slug.
    docs: BTreeMap<ArticleId, (Doc, Option<Slug>)>,
    /// Articles replaced or removed since the builder started.
    stale: usize,
    scratch: HashMap<u32, u32>,
}

impl ContentModelBuilder {
    /// Add an article, or replace it.
    pub fn add(&mut self, s: DocSource) {
        self.scratch.clear();
        for w in words(&s.text) {
            let next = self.vocabulary.len() as u32;
            let id = *self.vocabulary.entry(w).or_insert(next);
            if id as usize == self.df.len() {
                self.df.push(0);
            }
            *self.scratch.entry(id).or_default() += 1;
        }
        for t in self.scratch.keys() {
            self.df[*t as usize] += 1;
        }
        let mut counts: Vec<(u32, f32)> = self.scratch.iter().map(|(t, c)| (*t, *c as f32)).collect();
        counts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.truncate(COUNTED_TERMS);
        counts.shrink_to_fit();
        let doc = Doc {
            id: s.id,
            title: s.title.into(),
            section: s.section,
            tags: s.tags,
            published_at: s.published_at,
            terms: counts,
        };
        if self.docs.insert(s.id, (doc, s.slug)).is_some() {
            self.stale += 1;
        }
    }

    pub fn remove(&mut self, id: ArticleId) {
        if self.docs.remove(&id).is_some() {
            self.stale += 1;
        }
    }

    /// Keep only these articles (the others were deleted).
    pub fn retain(&mut self, ids: &HashSet<ArticleId>) {
        let before = self.docs.len();
        self.docs.retain(|id, _| ids.contains(id));
        self.stale += before - self.docs.len();
    }

    /// Whether replaced and removed articles (over a tenth of them) have skewed
    /// the word statistics enough that the builder should start again.
    pub fn is_stale(&self) -> bool {
        self.stale * 10 > self.docs.len()
    }

    /// The model of the articles added so far.
    pub fn model(&self) -> ContentModel {
        let n = self.docs.len().max(1) as f32;
        let mut docs: Vec<Doc> = self.docs.values().map(|(d, _)| d.clone()).collect();
        let mut tag_df: HashMap<TagId, u32> = HashMap::default();
        for d in &docs {
            for t in &d.tags {
                *tag_df.entry(*t).or_default() += 1;
            }
        }
        for d in &mut docs {
            // TF-IDF, heaviest first, L2-normalised.
            for (t, w) in &mut d.terms {
                *w = (1.0 + w.ln()) * (n / self.df[*t as usize] as f32).ln();
            }
            d.terms.retain(|(_, w)| *w > 0.0);
            d.terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            d.terms.truncate(TERMS_PER_ARTICLE);
            let norm = d.terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt().max(f32::EPSILON);
            d.terms.iter_mut().for_each(|(_, w)| *w /= norm);
            d.terms.shrink_to_fit();
        }
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); self.vocabulary.len()];
        let mut tags: HashMap<TagId, (Vec<u32>, f32)> = HashMap::default();
        for (i, d) in docs.iter().enumerate() {
            for (t, w) in &d.terms {
                postings[*t as usize].push((i as u32, *w));
            }
            for t in &d.tags {
                let rarity = (n / tag_df.get(t).copied().unwrap_or(1) as f32).ln().max(0.0) + 1.0;
                tags.entry(*t).or_insert_with(|| (Vec::new(), rarity)).0.push(i as u32);
            }
        }
        for p in &mut postings {
            p.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
            p.truncate(POSTINGS_PER_KEY);
            p.shrink_to_fit();
        }
        for (list, _) in tags.values_mut() {
            list.sort_by(|a, b| docs[*b as usize].published_at.cmp(&docs[*a as usize].published_at).then(b.cmp(a)));
            list.truncate(POSTINGS_PER_KEY);
        }
        let positions = Positions::new(docs.iter().map(|d| d.id));
        let published = docs.iter().map(|d| d.published_at.timestamp_micros()).collect();
        let by_slug = (self.docs.values().enumerate())
            .filter_map(|(i, (_, slug))| Some((slug.as_ref()?.as_str().to_owned(), i as u32)))
            .collect();
        ContentModel {
            docs,
            positions,
            published,
            by_slug,
            postings,
            tags,
            neighbours: moka::sync::Cache::builder().max_capacity(NEIGHBOUR_CACHE).time_to_live(NEIGHBOUR_TTL).build(),
        }
    }
}

impl Default for ContentModel {
    fn default() -> Self {
        ContentModelBuilder::default().model()
    }
}

/// Related lists kept per model (recommendations ask for the same articles' often).
const NEIGHBOUR_CACHE: u64 = 50_000;
/// How long a neighbour list is reused within one model.
const NEIGHBOUR_TTL: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Debug)]
pub struct ContentModel {
    docs: Vec<Doc>,
    positions: Positions,
    /// Each doc's publication time in microseconds, apart from the docs: ranking
    /// candidates reads it for hundreds of articles spread over the whole model,
    /// and 8 bytes an article stay in cache where a whole doc does not.
    published: Vec<i64>,
    by_slug: HashMap<String, u32>,
    /// Each article's most related articles, computed on first use.
    neighbours: moka::sync::Cache<ArticleId, Arc<Vec<(ArticleId, f32)>>>,
    /// term → (doc, weight), heaviest first, at most [`POSTINGS_PER_KEY`].
    postings: Vec<Vec<(u32, f32)>>,
    /// tag → docs, newest first, at most [`POSTINGS_PER_KEY`]; and the tag's rarity.
    tags: HashMap<TagId, (Vec<u32>, f32)>,
}

impl ContentModel {
    /// A model of these articles (see [`ContentModelBuilder`] to stream them).
    pub fn build(sources: impl IntoIterator<Item = DocSource>) -> Self {
        let mut b = ContentModelBuilder::default();
        sources.into_iter().for_each(|s| b.add(s));
        b.model()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn doc(&self, id: ArticleId) -> Option<&Doc> {
        self.positions.get(id).map(|i| &self.docs[i as usize])
    }

    /// When article `id` is published (microseconds), if it is in the model.
    pub(crate) fn published(&self, id: ArticleId) -> Option<i64> {
        self.positions.get(id).map(|i| self.published[i as usize])
    }

    /// Whether article `id` is in the model and published at `now` (microseconds).
    pub(crate) fn is_visible(&self, id: ArticleId, now: i64) -> bool {
        self.published(id).is_some_and(|p| p <= now)
    }

    /// The id of a published article by slug, without asking the database.
    pub fn id_of(&self, slug: &str) -> Option<ArticleId> {
        self.by_slug.get(slug).map(|i| self.docs[*i as usize].id)
    }

    /// The [`NEIGHBOURS`] most related articles of `id`, remembered per model
    /// for up to [`NEIGHBOUR_TTL`]. Freshness is taken when the list is computed:
    /// it decays over days, so minutes of drift do not reorder anything that
    /// matters, and a content change builds a new model (and empty cache) anyway.
    pub fn neighbours(&self, id: ArticleId, now: DateTime<Utc>) -> Arc<Vec<(ArticleId, f32)>> {
        self.neighbours.get_with(id, || Arc::new(self.related(id, now, NEIGHBOURS)))
    }

    /// Articles like `id`, best first, with their scores: never `id` itself, only
    /// articles published at `now`. The text cosine and the tag overlap are summed
    /// along the inverted lists, so the cost is bounded by their lengths, not by
    /// the number of articles.
    pub fn related(&self, id: ArticleId, now: DateTime<Utc>, limit: usize) -> Vec<(ArticleId, f32)> {
        let Some(source) = self.positions.get(id) else { return Vec::new() };
        SCRATCH.with_borrow_mut(|scratch| self.related_in(scratch, source, now, limit))
    }

    fn related_in(
        &self,
        scratch: &mut Scratch,
        source: u32,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Vec<(ArticleId, f32)> {
        let a = &self.docs[source as usize];
        let now = now.timestamp_micros();
        scratch.start(self.docs.len());
        for (t, w) in &a.terms {
            for (d, v) in &self.postings[*t as usize] {
                scratch.add(*d).0 += w * v;
            }
        }
        let rarity = |t: &TagId| self.tags.get(t).map_or(1.0, |(_, r)| *r);
        let total: f32 = a.tags.iter().map(rarity).sum::<f32>().max(f32::EPSILON);
        for t in &a.tags {
            if let Some((list, r)) = self.tags.get(t) {
                for d in list {
                    scratch.add(*d).1 += r / total;
                }
            }
        }
        let mut scored: Vec<(ArticleId, f32)> = (scratch.touched.iter())
            .filter(|c| **c != source && self.published[**c as usize] <= now)
            .map(|c| {
                let (b, (text, tags)) = (&self.docs[*c as usize], scratch.sums[*c as usize]);
                let score = 0.45 * text
                    + 0.35 * tags
                    + 0.10 * f32::from(a.section == b.section)
                    + 0.10 * freshness(self.published[*c as usize], now);
                (b.id, score)
            })
            .collect();
        top(&mut scored, limit);
        scored
    }
}

/// Per-thread sums of a related-articles computation: one slot per article of
/// the model (12 bytes each, about 1.2 MB at 100,000 articles, per thread that
/// computes related lists), rather than a hash map rebuilt on every call (the
/// map was most of the computation).
#[derive(Default)]
struct Scratch {
    /// (text cosine, tag overlap) per article; valid where `stamps` holds `call`.
    sums: Vec<(f32, f32)>,
    stamps: Vec<u32>,
    call: u32,
    /// The articles summed in this call.
    touched: Vec<u32>,
}

impl Scratch {
    /// Start a computation over a model of `n` articles.
    fn start(&mut self, n: usize) {
        if self.sums.len() < n {
            self.sums.resize(n, (0.0, 0.0));
            self.stamps.resize(n, 0);
        }
        self.call = self.call.wrapping_add(1);
        if self.call == 0 {
            // Stamps wrapped around: none may look current.
            self.stamps.fill(0);
            self.call = 1;
        }
        self.touched.clear();
    }

    /// The sums of article `d`, zero the first time in this call.
    fn add(&mut self, d: u32) -> &mut (f32, f32) {
        let i = d as usize;
        if self.stamps[i] != self.call {
            self.stamps[i] = self.call;
            self.sums[i] = (0.0, 0.0);
            self.touched.push(d);
        }
        &mut self.sums[i]
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// `2^(-age / half-life)`: 1 for an article published now.
pub(crate) fn freshness(published: i64, now: i64) -> f32 {
    let days = (now - published).max(0) as f64 / 86_400_000_000.0;
    (-days / FRESH_HALF_LIFE_DAYS).exp2() as f32
}

/// Article id → position in a model's docs. Ids are handed out in sequence, so a
/// table indexed by id is small (4 bytes an id) and a lookup is one load; ids
/// spread far apart (a table over eight times the articles) use a map instead.
#[derive(Debug)]
enum Positions {
    Table(Vec<u32>),
    Map(HashMap<ArticleId, u32>),
}

impl Positions {
    const ABSENT: u32 = u32::MAX;

    fn new(ids: impl ExactSizeIterator<Item = ArticleId> + Clone) -> Self {
        let n = ids.len();
        let max = ids.clone().map(|id| id.0).max().unwrap_or(0);
        match usize::try_from(max) {
            Ok(max) if ids.clone().all(|id| id.0 >= 0) && max < 8 * n + 1024 => {
                let mut table = vec![Self::ABSENT; max + 1];
                for (i, id) in ids.enumerate() {
                    table[id.0 as usize] = i as u32;
                }
                Positions::Table(table)
            }
            _ => Positions::Map(ids.enumerate().map(|(i, id)| (id, i as u32)).collect()),
        }
    }

    fn get(&self, id: ArticleId) -> Option<u32> {
        match self {
            Positions::Table(t) => {
                usize::try_from(id.0).ok().and_then(|i| t.get(i)).copied().filter(|p| *p != Self::ABSENT)
            }
            Positions::Map(m) => m.get(&id).copied(),
        }
    }
}

/// Best first; ties to the newer article (higher id): deterministic.
fn by_score(a: &(ArticleId, f32), b: &(ArticleId, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(b.0.cmp(&a.0))
}

pub(crate) fn sort_scored(v: &mut [(ArticleId, f32)]) {
    v.sort_by(by_score);
}

/// Keep the best `k`, sorted, in a vector no larger than they need (lists are
/// kept in caches: the capacity of thousands of candidates must not be).
pub(crate) fn top(v: &mut Vec<(ArticleId, f32)>, k: usize) {
    if k < v.len() {
        v.select_nth_unstable_by(k, by_score);
        v.truncate(k);
    }
    sort_scored(v);
    v.shrink_to_fit();
}

/// How often related articles share the source's section (its main topic) and
/// at least one tag, over at most `max_articles` articles evenly spread.
pub fn evaluate_related(content: &ContentModel, max_articles: usize, limit: usize) -> (usize, f64, f64) {
    let step = content.len().div_ceil(max_articles.max(1)).max(1);
    let now = now();
    let (mut pairs, mut same_section, mut shared_tag, mut sources) = (0_usize, 0_usize, 0_usize, 0_usize);
    for a in content.docs.iter().step_by(step).filter(|a| a.published_at <= now) {
        sources += 1;
        for (id, _) in content.related(a.id, now, limit) {
            let Some(b) = content.doc(id) else { continue };
            pairs += 1;
            same_section += usize::from(a.section == b.section);
            shared_tag += usize::from(a.tags.iter().any(|t| b.tags.contains(t)));
        }
    }
    let p = pairs.max(1) as f64;
    (sources, same_section as f64 / p, shared_tag as f64 / p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(id: i64, section: i64, tags: &[i64], text: &str) -> DocSource {
        DocSource {
            id: ArticleId(id),
            title: format!("Article {id}"),
            slug: None,
            section: SectionId(section),
            tags: tags.iter().map(|t| TagId(*t)).collect(),
            published_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn positions_use_a_table_for_ids_in_sequence_and_a_map_for_scattered_ones() {
        let dense = Positions::new([ArticleId(3), ArticleId(1), ArticleId(7)].into_iter());
        assert!(matches!(dense, Positions::Table(_)));
        let scattered = Positions::new([ArticleId(3), ArticleId(1), ArticleId(7_000_000_000)].into_iter());
        assert!(matches!(scattered, Positions::Map(_)));
        for p in [dense, scattered] {
            assert_eq!(p.get(ArticleId(3)), Some(0));
            assert_eq!(p.get(ArticleId(1)), Some(1));
            assert_eq!(p.get(ArticleId(2)), None);
            assert_eq!(p.get(ArticleId(-1)), None);
            assert_eq!(p.get(ArticleId(i64::MAX)), None);
        }
        assert_eq!(Positions::new([ArticleId(7)].into_iter()).get(ArticleId(7)), Some(0));
    }

    #[test]
    fn related_prefers_shared_rare_tags_and_words_and_never_the_article_itself() {
        let m = ContentModel::build(vec![
            src(1, 1, &[10, 11], "central bank raises interest rates inflation"),
            src(2, 1, &[10, 11], "central bank interest rates decision inflation"),
            src(3, 2, &[12], "football league final match goals"),
            src(4, 1, &[10], "bank holiday weekend traffic"),
        ]);
        let now = "2026-02-01T00:00:00Z".parse().unwrap();
        let r: Vec<i64> = m.related(ArticleId(1), now, 10).into_iter().map(|(id, _)| id.0).collect();
        assert_eq!(r.first(), Some(&2));
        assert!(!r.contains(&1));
        assert_eq!(m.related(ArticleId(1), now, 10), m.related(ArticleId(1), now, 10));
    }

    #[test]
    fn a_kept_builder_follows_added_replaced_and_removed_articles() {
        let sources = vec![
            src(1, 1, &[10, 11], "central bank raises interest rates inflation"),
            src(2, 1, &[10, 11], "central bank interest rates decision inflation"),
            src(3, 2, &[12], "football league final match goals"),
            src(4, 1, &[10], "bank holiday weekend traffic"),
        ];
        let now = "2026-02-01T00:00:00Z".parse().unwrap();
        let mut b = ContentModelBuilder::default();
        sources.iter().cloned().for_each(|s| b.add(s));
        // Built in steps or at once: the same model.
        let related = |m: &ContentModel| m.related(ArticleId(1), now, 10);
        assert_eq!(related(&b.model()), related(&ContentModel::build(sources)));
        assert!(!b.is_stale());
        // Article 2 is rewritten about football; article 4 is gone.
        b.add(src(2, 2, &[12], "football league cup final"));
        b.remove(ArticleId(4));
        let m = b.model();
        assert_eq!(m.len(), 3);
        assert!(m.doc(ArticleId(4)).is_none());
        assert_eq!(m.related(ArticleId(3), now, 1)[0].0, ArticleId(2));
        assert!(related(&m).iter().all(|(id, _)| *id != ArticleId(4)));
        // Two of three articles changed: time to start again.
        assert!(b.is_stale());
    }
}
