//! Recommendations from a reader's history: candidates come from three signals,
//! and a blend ranks them.
//!
//! - **co-reading**: articles read by the same sessions as the history's
//!   ([`CoReadModel`]);
//! - **content**: articles like the history's (the content model's neighbours);
//! - **popularity**: the most read articles, each read counting
//!   `2^(-age / half-life)` ([`Popularity`]), so that yesterday's story fades.
//!
//! Each signal is scaled to the best candidate's, then `score = Σ weight ·
//! signal + weight · freshness`, optionally with at most two picks per main tag.
//! Which weights (and half-life) serve readers best depends on how a site is
//! read, so they are not fixed: [`tune`] hides the last read of a slice of the
//! sessions, and keeps the blend that finds most of them, every time the models
//! are rebuilt. Each signal alone is one of the blends tried, so the chosen one
//! is never worse than the best signal on that slice.

use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::content::{ContentModel, freshness, sort_scored, top};
use crate::model::{ArticleId, TagId};

/// Reads of a session that feed its recommendations, most recent first.
pub const HISTORY: usize = 20;
/// Reads whose related articles feed recommendations (co-reading uses all of
/// [`HISTORY`]).
const CONTENT_HISTORY: usize = 8;
/// Neighbours kept per article in the co-reading model.
const NEIGHBOURS: usize = 30;
/// Popular articles offered as candidates.
const POPULAR: usize = 100;
/// Half-lives of a read's weight in popularity that tuning tries, in hours.
const HALF_LIVES: [u32; 5] = [2, 6, 24, 72, 336];
/// Sessions whose last read tuning hides, at most.
pub const TUNING_SESSIONS: usize = 800;
/// Hidden reads needed to choose a blend; with fewer, the default stays.
const MIN_TUNING_CASES: usize = 20;

const HOUR_MICROS: i64 = 3_600_000_000;

/// A session's reads with their times.
pub type Reads = Vec<(ArticleId, DateTime<Utc>)>;

/// "Readers of X also read Y": per article, its most co-read articles.
#[derive(Debug, Default)]
pub struct CoReadModel {
    neighbours: HashMap<ArticleId, Vec<(ArticleId, f32)>>,
}

impl CoReadModel {
    /// From sessions' reads (each a list of distinct articles). The weight of a
    /// pair is its count over the geometric mean of the two articles' reads.
    pub fn build(sessions: impl IntoIterator<Item = Vec<ArticleId>>) -> Self {
        // Dense u32 numbers for articles, and each pair once as one u64: the
        // pairs of a large history fit in a few hundred bytes per session.
        let mut numbers: HashMap<ArticleId, u32> = HashMap::default();
        let mut ids: Vec<ArticleId> = Vec::new();
        let mut reads_of: Vec<u32> = Vec::new();
        let mut pairs: Vec<u64> = Vec::new();
        for reads in sessions {
            let mut session: Vec<u32> = reads
                .into_iter()
                .map(|a| {
                    *numbers.entry(a).or_insert_with(|| {
                        ids.push(a);
                        reads_of.push(0);
                        (ids.len() - 1) as u32
                    })
                })
                .collect();
            session.sort_unstable();
            session.dedup();
            session.truncate(50);
            for (i, a) in session.iter().enumerate() {
                reads_of[*a as usize] += 1;
                pairs.extend(session[i + 1..].iter().map(|b| (u64::from(*a) << 32) | u64::from(*b)));
            }
        }
        pairs.sort_unstable();
        let mut neighbours: HashMap<ArticleId, Vec<(ArticleId, f32)>> = HashMap::default();
        for run in pairs.chunk_by(|x, y| x == y) {
            let (a, b) = ((run[0] >> 32) as usize, (run[0] & 0xffff_ffff) as usize);
            let weight = run.len() as f32 / (reads_of[a] as f32 * reads_of[b] as f32).sqrt();
            neighbours.entry(ids[a]).or_default().push((ids[b], weight));
            neighbours.entry(ids[b]).or_default().push((ids[a], weight));
        }
        drop(pairs);
        for list in neighbours.values_mut() {
            sort_scored(list);
            list.truncate(NEIGHBOURS);
            list.shrink_to_fit();
        }
        Self { neighbours }
    }

    pub fn neighbours(&self, id: ArticleId) -> &[(ArticleId, f32)] {
        self.neighbours.get(&id).map_or(&[], Vec::as_slice)
    }
}

/// Reads per article as of one instant, each weighing `2^(-age / half-life)`.
/// Sums are kept relative to a fixed instant (see [`ReadLog`]); scores are
/// scaled so that the most read article has 1.
#[derive(Debug, Default)]
pub struct Popularity {
    sums: HashMap<ArticleId, f64>,
    best: f64,
    /// The [`POPULAR`] best, best first.
    top: Vec<(ArticleId, f32)>,
}

impl Popularity {
    fn score(&self, id: ArticleId) -> f32 {
        self.sums.get(&id).map_or(0.0, |s| (s / self.best) as f32)
    }

    /// Take the best and the top list again after reads were added.
    fn rank(&mut self) {
        self.best = self.sums.values().copied().fold(f64::MIN_POSITIVE, f64::max);
        let mut popular: Vec<(ArticleId, f32)> =
            self.sums.iter().map(|(a, s)| (*a, (s / self.best) as f32)).filter(|(_, s)| *s > 1e-6).collect();
        top(&mut popular, POPULAR);
        self.top = popular;
    }
}

/// Reads in time order, for popularity as of any instant: the weight of a read
/// at `t` seen from `now` is `2^((t - now) / h)`, so the order of articles at
/// `now` is the order of their sums of `2^((t - t0) / h)` over reads up to
/// `now`, for any fixed `t0`: one pass in time order serves every instant.
pub struct ReadLog {
    /// (microseconds, article), oldest first.
    reads: Vec<(i64, ArticleId)>,
}

impl ReadLog {
    pub fn new<'a>(sessions: impl IntoIterator<Item = &'a [(ArticleId, DateTime<Utc>)]>) -> Self {
        let mut reads: Vec<(i64, ArticleId)> =
            sessions.into_iter().flatten().map(|(a, t)| (t.timestamp_micros(), *a)).collect();
        reads.sort_unstable();
        Self { reads }
    }

    /// Popularity as of the end of the log (serving).
    pub fn popularity(&self, half_life_hours: u32) -> Popularity {
        let mut sweep = Sweep::new(self, half_life_hours);
        sweep.advance(i64::MAX);
        sweep.popularity.rank();
        sweep.popularity
    }
}

/// A pass through a [`ReadLog`] in time order.
struct Sweep<'a> {
    log: &'a ReadLog,
    next: usize,
    half_life: f64,
    t0: i64,
    popularity: Popularity,
}

impl<'a> Sweep<'a> {
    fn new(log: &'a ReadLog, half_life_hours: u32) -> Self {
        let t0 = log.reads.last().map_or(0, |r| r.0);
        let half_life = f64::from(half_life_hours) * HOUR_MICROS as f64;
        Self { log, next: 0, half_life, t0, popularity: Popularity::default() }
    }

    /// Count the reads up to `at` (inclusive).
    fn advance(&mut self, at: i64) {
        while let Some(&(t, a)) = self.log.reads.get(self.next).filter(|r| r.0 <= at) {
            *self.popularity.sums.entry(a).or_default() += ((t - self.t0) as f64 / self.half_life).exp2();
            self.next += 1;
        }
    }
}

/// How a recommendation weighs its signals. Signals weighted 0 offer no
/// candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blend {
    pub coread: f32,
    pub content: f32,
    pub popularity: f32,
    pub freshness: f32,
    /// At most two picks per main tag.
    pub diverse: bool,
}

impl Blend {
    /// Before any history has been seen.
    pub const DEFAULT: Blend = Blend { coread: 0.55, content: 0.35, popularity: 0.0, freshness: 0.10, diverse: true };
    pub const POPULARITY: Blend = Blend { coread: 0.0, content: 0.0, popularity: 1.0, freshness: 0.0, diverse: false };
    pub const CONTENT: Blend = Blend { coread: 0.0, content: 1.0, popularity: 0.0, freshness: 0.0, diverse: true };
    pub const COREAD: Blend = Blend { coread: 1.0, content: 0.0, popularity: 0.0, freshness: 0.0, diverse: true };

    /// Every blend tuning tries: weights in fifths summing to one, with and
    /// without diversity (the single signals among them).
    fn grid() -> Vec<Blend> {
        let mut out = Vec::new();
        for co in 0..=5_u8 {
            for ct in 0..=5 - co {
                for pop in 0..=5 - co - ct {
                    let fresh = 5 - co - ct - pop;
                    if fresh == 5 {
                        continue;
                    }
                    for diverse in [true, false] {
                        let w = |n: u8| f32::from(n) / 5.0;
                        out.push(Blend {
                            coread: w(co),
                            content: w(ct),
                            popularity: w(pop),
                            freshness: w(fresh),
                            diverse,
                        });
                    }
                }
            }
        }
        out
    }
}

/// The blend chosen for a reading history, and how it did on the held-out reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    pub blend: Blend,
    pub half_life_hours: u32,
    /// Sessions whose hidden read it was chosen on (0: not tuned, the default).
    pub sessions: usize,
    pub hit_rate: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self { blend: Blend::DEFAULT, half_life_hours: 24, sessions: 0, hit_rate: 0.0 }
    }
}

/// The signals a recommendation draws on.
pub struct Signals<'a> {
    pub content: &'a ContentModel,
    pub coread: &'a CoReadModel,
    pub popularity: &'a Popularity,
}

/// A recommended article and the read that brought it (`None`: popularity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    pub article: ArticleId,
    pub score: f32,
    pub because: Option<ArticleId>,
}

const FROM_COREAD: u8 = 1;
const FROM_CONTENT: u8 = 2;
const FROM_POPULAR: u8 = 4;

/// A candidate's evidence: co-reading and content scores summed over the
/// history, its popularity and freshness, which signals offered it, and the
/// read that contributed most.
#[derive(Debug, Clone)]
struct Candidate {
    id: ArticleId,
    coread: f32,
    content: f32,
    popularity: f32,
    freshness: f32,
    from: u8,
    main_tag: Option<TagId>,
    because: Option<(ArticleId, f32)>,
}

fn sources(b: &Blend) -> u8 {
    let on = |w: f32, bit: u8| if w > 0.0 { bit } else { 0 };
    on(b.coread, FROM_COREAD) | on(b.content, FROM_CONTENT) | on(b.popularity, FROM_POPULAR)
}

/// Every candidate the signals in `from` offer for a history (most recent
/// first), excluding `seen` and articles not published at `now`.
fn candidates(
    s: &Signals<'_>,
    history: &[ArticleId],
    seen: &HashSet<ArticleId>,
    now: DateTime<Utc>,
    from: u8,
) -> Vec<Candidate> {
    let at = now.timestamp_micros();
    let mut found: HashMap<ArticleId, Candidate> =
        HashMap::with_capacity_and_hasher(HISTORY * 2 * NEIGHBOURS + POPULAR, Default::default());
    let mut add = |id: ArticleId, co: f32, ct: f32, bit: u8, because: Option<ArticleId>| {
        let e = found.entry(id).or_insert_with(|| Candidate {
            id,
            coread: 0.0,
            content: 0.0,
            popularity: 0.0,
            freshness: 0.0,
            from: 0,
            main_tag: None,
            because: None,
        });
        e.coread += co;
        e.content += ct;
        e.from |= bit;
        if let Some(h) = because
            && e.because.is_none_or(|(_, best)| co + ct > best)
        {
            e.because = Some((h, co + ct));
        }
    };
    for (rank, h) in history.iter().take(HISTORY).enumerate() {
        let w = 0.85_f32.powi(rank as i32);
        if from & FROM_COREAD != 0 {
            for (n, score) in s.coread.neighbours(*h) {
                add(*n, w * score, 0.0, FROM_COREAD, Some(*h));
            }
        }
        if from & FROM_CONTENT != 0 && rank < CONTENT_HISTORY {
            for (n, score) in s.content.neighbours(*h, now).iter() {
                add(*n, 0.0, w * score, FROM_CONTENT, Some(*h));
            }
        }
    }
    if from & FROM_POPULAR != 0 {
        for (n, _) in &s.popularity.top {
            add(*n, 0.0, 0.0, FROM_POPULAR, None);
        }
    }
    found
        .into_values()
        .filter(|c| !seen.contains(&c.id))
        .filter_map(|mut c| {
            let published = s.content.published(c.id).filter(|p| *p <= at)?;
            c.freshness = freshness(published, at);
            c.popularity = s.popularity.score(c.id);
            c.main_tag = s.content.doc(c.id).and_then(|d| d.tags.first().copied());
            Some(c)
        })
        .collect()
}

/// The best `limit` candidates under a blend (those offered by its signals).
fn rank(candidates: &[Candidate], blend: &Blend, limit: usize) -> Vec<Pick> {
    let from = sources(blend);
    let offered = || candidates.iter().filter(move |c| c.from & from != 0);
    let max = |f: fn(&Candidate) -> f32| offered().map(f).fold(0.0_f32, f32::max).max(f32::EPSILON);
    let (co, ct, pop) = (max(|c| c.coread), max(|c| c.content), max(|c| c.popularity));
    let mut ranked: Vec<(ArticleId, f32)> = offered()
        .map(|c| {
            let score = blend.coread * c.coread / co
                + blend.content * c.content / ct
                + blend.popularity * c.popularity / pop
                + blend.freshness * c.freshness;
            (c.id, score)
        })
        .collect();
    // Diversity can skip many: sort them all; else the best `limit` suffice.
    if blend.diverse {
        sort_scored(&mut ranked);
    } else {
        top(&mut ranked, limit);
    }
    let by_id: HashMap<ArticleId, &Candidate> = offered().map(|c| (c.id, c)).collect();
    let mut per_tag: HashMap<TagId, usize> = HashMap::default();
    let mut picks = Vec::with_capacity(limit);
    for (id, score) in ranked {
        if picks.len() == limit {
            break;
        }
        let c = by_id[&id];
        if let (true, Some(tag)) = (blend.diverse, c.main_tag) {
            let n = per_tag.entry(tag).or_default();
            if *n >= 2 {
                continue;
            }
            *n += 1;
        }
        picks.push(Pick { article: id, score, because: c.because.map(|(h, _)| h) });
    }
    picks
}

/// Recommend from a reading history (most recent first), excluding `seen`.
pub fn recommend(
    s: &Signals<'_>,
    history: &[ArticleId],
    seen: &HashSet<ArticleId>,
    now: DateTime<Utc>,
    limit: usize,
    blend: &Blend,
) -> Vec<Pick> {
    rank(&candidates(s, history, seen, now, sources(blend)), blend, limit)
}

/// One session whose last read is hidden: what the recommendations must find.
struct Case {
    history: Vec<ArticleId>,
    target: ArticleId,
    at: DateTime<Utc>,
}

/// The sessions of `held` with at least three distinct reads, as cases; and the
/// history without their hidden reads (what the models may learn from).
fn cases(sessions: &[Reads], held: &HashSet<usize>) -> (Vec<Case>, Vec<Reads>) {
    let mut out = Vec::new();
    let mut training = Vec::with_capacity(sessions.len());
    for (i, reads) in sessions.iter().enumerate() {
        if !held.contains(&i) || reads.is_empty() {
            training.push(reads.clone());
            continue;
        }
        let (target, at) = reads[reads.len() - 1];
        let mut history: Vec<ArticleId> = Vec::new();
        for (a, _) in reads[..reads.len() - 1].iter().rev() {
            if !history.contains(a) {
                history.push(*a);
            }
        }
        if !history.contains(&target) {
            out.push(Case { history, target, at });
        }
        training.push(reads[..reads.len() - 1].to_vec());
    }
    out.sort_by_key(|c| c.at);
    (out, training)
}

/// What a reading history teaches: co-reading, and reads in time order for
/// popularity.
pub fn learn(sessions: &[Reads]) -> (CoReadModel, ReadLog) {
    let coread = CoReadModel::build(sessions.iter().map(|r| r.iter().map(|(a, _)| *a).collect()));
    (coread, ReadLog::new(sessions.iter().map(Vec::as_slice)))
}

/// Sessions with at least three distinct reads, at most `n` of them evenly
/// spread, skipping those in `skip`.
pub fn pick_sessions(sessions: &[Reads], n: usize, skip: &HashSet<usize>) -> HashSet<usize> {
    let eligible: Vec<usize> = (0..sessions.len())
        .filter(|i| !skip.contains(i))
        .filter(|i| sessions[*i].iter().map(|(a, _)| a).collect::<HashSet<_>>().len() >= 3)
        .collect();
    let step = eligible.len().div_ceil(n.max(1)).max(1);
    eligible.into_iter().step_by(step).take(n).collect()
}

/// Hit rate@10 and NDCG@10 of each blend over the cases, with popularity of
/// the given half-life as of each hidden read (recomputed at most hourly).
fn score_blends(
    content: &ContentModel,
    coread: &CoReadModel,
    log: &ReadLog,
    cases: &[Case],
    half_life_hours: u32,
    blends: &[Blend],
) -> Vec<(f64, f64)> {
    let mut totals = vec![(0.0_f64, 0.0_f64); blends.len()];
    let mut sweep = Sweep::new(log, half_life_hours);
    let mut hour = i64::MIN;
    let from = blends.iter().fold(0, |m, b| m | sources(b));
    for case in cases {
        let at = case.at.timestamp_micros();
        if at / HOUR_MICROS != hour {
            hour = at / HOUR_MICROS;
            // Reads strictly before the hidden one.
            sweep.advance(at - 1);
            sweep.popularity.rank();
        }
        let signals = Signals { content, coread, popularity: &sweep.popularity };
        let seen: HashSet<ArticleId> = case.history.iter().copied().collect();
        let found = candidates(&signals, &case.history, &seen, case.at, from);
        for (blend, (hits, gain)) in blends.iter().zip(&mut totals) {
            if let Some(rank) = rank(&found, blend, 10).iter().position(|p| p.article == case.target) {
                *hits += 1.0;
                *gain += 1.0 / ((rank + 2) as f64).log2();
            }
        }
    }
    let n = cases.len().max(1) as f64;
    totals.into_iter().map(|(h, g)| (h / n, g / n)).collect()
}

/// Choose the blend for a reading history: hide the last read of `held`
/// sessions, learn co-reading and popularity from the rest, and keep the
/// half-life that serves popularity best, then the blend that finds most hidden
/// reads (ties: the better ranking, then the first of [`Blend::grid`]).
pub fn tune(content: &ContentModel, sessions: &[Reads], held: &HashSet<usize>) -> Tuning {
    let (cases, training) = cases(sessions, held);
    if cases.len() < MIN_TUNING_CASES {
        return Tuning::default();
    }
    let (coread, log) = learn(&training);
    let best_of = |scores: &[(f64, f64)]| {
        let mut best = 0;
        for (i, s) in scores.iter().enumerate() {
            if s.0 > scores[best].0 || (s.0 == scores[best].0 && s.1 > scores[best].1) {
                best = i;
            }
        }
        best
    };
    let by_half_life: Vec<(f64, f64)> =
        HALF_LIVES.iter().map(|h| score_blends(content, &coread, &log, &cases, *h, &[Blend::POPULARITY])[0]).collect();
    let half_life_hours = HALF_LIVES[best_of(&by_half_life)];
    let grid = Blend::grid();
    let scores = score_blends(content, &coread, &log, &cases, half_life_hours, &grid);
    let best = best_of(&scores);
    Tuning { blend: grid[best], half_life_hours, sessions: cases.len(), hit_rate: scores[best].0 }
}

/// Which signals a recommendation uses, in the offline evaluation: the shipped
/// (tuned) blend, or one signal alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Popularity,
    ContentOnly,
    CoReadOnly,
    Blend,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [Strategy::Popularity, Strategy::ContentOnly, Strategy::CoReadOnly, Strategy::Blend];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Popularity => "popularity (recent reads)",
            Strategy::ContentOnly => "content only",
            Strategy::CoReadOnly => "co-reading only",
            Strategy::Blend => "blend (shipped, tuned)",
        }
    }
}

/// One line of the offline evaluation of recommendations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalRow {
    pub strategy: Strategy,
    pub sessions: usize,
    /// Share of held-out reads found in the top 10.
    pub hit_rate: f64,
    /// Normalised discounted cumulative gain at 10 (one relevant item).
    pub ndcg: f64,
}

/// The offline evaluation: hide the last read of at most `max_sessions`
/// sessions (evenly spread; when there are enough to tune on, at most half of
/// those with three distinct reads), tune the blend as the service does on other
/// sessions, learn from the history without the hidden reads, and score where
/// each hidden read lands among 10 recommendations made as of that read.
pub fn evaluate_recommendations(
    content: &ContentModel,
    sessions: &[Reads],
    max_sessions: usize,
) -> (Tuning, Vec<EvalRow>) {
    // When there are enough to choose a blend on, at most half the usable
    // sessions are evaluated: the blend is chosen on the others.
    let usable = pick_sessions(sessions, usize::MAX, &HashSet::default()).len();
    let evaluated = if usable >= 2 * MIN_TUNING_CASES { max_sessions.min(usable / 2) } else { max_sessions };
    let held = pick_sessions(sessions, evaluated, &HashSet::default());
    let (cases, training) = cases(sessions, &held);
    // Tuned on other sessions, without the evaluated ones' hidden reads.
    let tuning = tune(content, &training, &pick_sessions(&training, TUNING_SESSIONS, &held));
    let (coread, log) = learn(&training);
    let blends: Vec<Blend> = Strategy::ALL
        .iter()
        .map(|s| match s {
            Strategy::Popularity => Blend::POPULARITY,
            Strategy::ContentOnly => Blend::CONTENT,
            Strategy::CoReadOnly => Blend::COREAD,
            Strategy::Blend => tuning.blend,
        })
        .collect();
    let scores = score_blends(content, &coread, &log, &cases, tuning.half_life_hours, &blends);
    let rows = Strategy::ALL
        .iter()
        .zip(scores)
        .map(|(strategy, (hit_rate, ndcg))| EvalRow { strategy: *strategy, sessions: cases.len(), hit_rate, ndcg })
        .collect();
    (tuning, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_reading_pairs_articles_read_by_the_same_sessions() {
        let (a, b, c) = (ArticleId(1), ArticleId(2), ArticleId(3));
        let m = CoReadModel::build(vec![vec![a, b], vec![a, b], vec![a, c]]);
        assert_eq!(m.neighbours(a)[0].0, b);
        assert_eq!(m.neighbours(c), &[(a, 1.0 / 3.0_f32.sqrt())]);
    }

    #[test]
    fn popularity_weighs_recent_reads_more() {
        let t = |h: i64| DateTime::from_timestamp(h * 3_600, 0).expect("time");
        let (old, new) = (ArticleId(1), ArticleId(2));
        // Three reads of `old` two days before one read of `new`.
        let sessions = [vec![(old, t(0)), (old, t(1)), (old, t(2))], vec![(new, t(50))]];
        let log = ReadLog::new(sessions.iter().map(Vec::as_slice));
        assert_eq!(log.popularity(6).top[0].0, new, "a 6-hour half-life forgets two days");
        assert_eq!(log.popularity(336).top[0].0, old, "a two-week half-life does not");
    }

    /// 60 articles over 60 hours in three topics; each session reads three of
    /// its topic, then (half of them) what was most read that hour.
    fn history() -> (ContentModel, Vec<Reads>) {
        use crate::discovery::content::DocSource;
        use crate::model::SectionId;
        let t = |h: i64| DateTime::from_timestamp(1_700_000_000 + h * 3_600, 0).expect("time");
        let topics = ["rates inflation bank", "match league goal", "film festival screen"];
        let content = ContentModel::build((0..60).map(|i| DocSource {
            id: ArticleId(i),
            title: format!("story {i}"),
            slug: None,
            section: SectionId(i % 3),
            tags: vec![TagId(i % 3)],
            published_at: t(i),
            text: format!("{} story{i}", topics[(i % 3) as usize]),
        }));
        let mut rng = crate::demo::Rng::new(5);
        let sessions = (0..600)
            .map(|s| {
                let start = 10 + rng.below(48) as i64;
                let topic = rng.below(3) as i64;
                let mut reads: Reads = (0..3)
                    .map(|k| (ArticleId((start - 3 * k) / 3 * 3 + topic), t(start) + chrono::Duration::minutes(k)))
                    .collect();
                if s % 2 == 0 {
                    reads.push((ArticleId(start + 1), t(start) + chrono::Duration::minutes(30)));
                }
                reads
            })
            .collect();
        (content, sessions)
    }

    #[test]
    fn the_chosen_blend_finds_as_many_hidden_reads_as_the_best_signal_alone() {
        let (content, sessions) = history();
        let held = pick_sessions(&sessions, TUNING_SESSIONS, &HashSet::default());
        let tuning = tune(&content, &sessions, &held);
        assert!(tuning.sessions >= 20, "{tuning:?}");
        let (cases, training) = cases(&sessions, &held);
        let (coread, log) = learn(&training);
        let corners = [Blend::POPULARITY, Blend::CONTENT, Blend::COREAD];
        let alone = score_blends(&content, &coread, &log, &cases, tuning.half_life_hours, &corners);
        for (corner, (hit_rate, _)) in corners.iter().zip(alone) {
            assert!(tuning.hit_rate >= hit_rate, "{tuning:?} finds fewer than {corner:?} ({hit_rate})");
        }
    }

    #[test]
    fn the_grid_holds_each_signal_alone() {
        let grid = Blend::grid();
        for corner in [Blend::POPULARITY, Blend::CONTENT, Blend::COREAD] {
            assert!(grid.contains(&corner), "{corner:?}");
        }
        assert!(grid.iter().all(|b| (b.coread + b.content + b.popularity + b.freshness - 1.0).abs() < 1e-6));
    }
}
