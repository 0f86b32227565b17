//! Rankings: most-read, trending and most-reacted, per window, site-wide or per
//! section or tag.
//!
//! A background task calls [`RankingService::refresh`] every few seconds: one
//! query per window sums the engagement buckets of every article with activity,
//! and the result replaces an in-memory snapshot. Requests filter and cut that
//! snapshot; they never wait for a computation over the dataset.
//!
//! Trending: a story ranks high when it is read a lot *now* and more than it
//! usually is. With `W` the window, its views are split into four quarters of
//! `W`; quarter `a` (0 = the newest) weighs `2^-(a + 1/2)`, a half-life of `W/4`
//! taken at each quarter's middle. `v` is the decayed reading rate (views per
//! hour) and `b` the article's usual rate over the [`BASELINE_WINDOWS`] windows
//! before this one:
//!
//! ```text
//! v = Σ w_a · views_a / (Σ w_a · W/4)        b = views_before / (3 · W)
//! trending = v · v / (v + b + 1)
//! ```
//!
//! `v / (v + b + 1)` is near 1 for a story that was not read before and ½ for one
//! read as much as usual, so a rising story beats an equally busy steady one,
//! while volume still matters; the `+ 1` keeps a handful of views from looking
//! like a surge.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{Error, Result, Validator};
use crate::model::{Article, ArticleId, SectionId, TagId};
use crate::ports::EngagementRepo;
use crate::ports::Span;
use crate::ports::{Activity, Bounds};
use crate::query::{ArticleFilter, Limit};
use crate::service::{ContentService, now};
use crate::slug::Slug;

/// How many windows before the ranked one make an article's usual reading rate.
pub const BASELINE_WINDOWS: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RankingKind {
    MostRead,
    Trending,
    MostReacted,
}

impl RankingKind {
    pub const ALL: [RankingKind; 3] = [RankingKind::MostRead, RankingKind::Trending, RankingKind::MostReacted];

    pub fn as_str(self) -> &'static str {
        match self {
            RankingKind::MostRead => "most-read",
            RankingKind::Trending => "trending",
            RankingKind::MostReacted => "most-reacted",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::field(field, "must be one of: most-read, trending, most-reacted"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    Hour,
    Day,
    Week,
    Month,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Hour, Window::Day, Window::Week, Window::Month];
    pub const DEFAULT: Window = Window::Day;

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Week => "7d",
            Window::Month => "30d",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| Error::field(field, "must be one of: 1h, 24h, 7d, 30d"))
    }

    pub fn length(self) -> TimeDelta {
        match self {
            Window::Hour => TimeDelta::hours(1),
            Window::Day => TimeDelta::days(1),
            Window::Week => TimeDelta::days(7),
            Window::Month => TimeDelta::days(30),
        }
    }

    /// The bucket width a window is summed from: its boundaries are exact to it.
    pub fn span(self) -> Span {
        match self {
            Window::Hour => Span::Minute,
            Window::Day | Window::Week => Span::Hour,
            Window::Month => Span::Day,
        }
    }

    /// The buckets that make this window at `now`. The baseline is read from
    /// the next coarser buckets: an estimate of the usual rate needs no precision,
    /// and it spans three windows.
    pub fn bounds(self, now: DateTime<Utc>) -> Bounds {
        let span = self.span();
        let len = self.length();
        let start = span.start_of(now - len);
        let quarter = |k: i32| span.start_of(now - len + len * k / 4);
        let baseline_span = match span {
            Span::Minute => Span::Hour,
            Span::Hour | Span::Day => Span::Day,
        };
        Bounds {
            span,
            edges: [start, quarter(1), quarter(2), quarter(3)],
            baseline_span,
            baseline: (baseline_span.start_of(start - len * BASELINE_WINDOWS), baseline_span.start_of(start)),
        }
    }
}

impl Activity {
    pub fn views(&self) -> i64 {
        self.quarters.iter().sum()
    }

    /// The trending score (see the module documentation).
    pub fn trending(&self, window: Window) -> f64 {
        let quarter_hours = window.length().as_seconds_f64() / 3_600.0 / 4.0;
        let (mut weighted, mut weights) = (0.0, 0.0);
        for (age, views) in self.quarters.iter().rev().enumerate() {
            let w = (-(age as f64) - 0.5).exp2();
            weighted += w * *views as f64;
            weights += w;
        }
        let v = weighted / (weights * quarter_hours);
        let b = self.baseline as f64 / (f64::from(BASELINE_WINDOWS) * quarter_hours * 4.0);
        v * v / (v + b + 1.0)
    }

    fn score(&self, kind: RankingKind, window: Window) -> f64 {
        match kind {
            RankingKind::MostRead => self.views() as f64,
            RankingKind::MostReacted => self.reactions as f64,
            RankingKind::Trending => self.trending(window),
        }
    }
}

/// The articles with activity in one window, ordered for each kind.
#[derive(Debug, Default)]
struct WindowScores {
    activity: Vec<Activity>,
    /// For each kind (in [`RankingKind::ALL`] order): (index into `activity`, score),
    /// best first, only positive scores.
    order: [Vec<(usize, f64)>; 3],
}

impl WindowScores {
    fn new(window: Window, activity: Vec<Activity>) -> Self {
        let order = RankingKind::ALL.map(|kind| {
            let mut scored: Vec<(usize, f64)> = activity
                .iter()
                .enumerate()
                .map(|(i, a)| (i, round(a.score(kind, window))))
                .filter(|(_, s)| *s > 0.0)
                .collect();
            // Ties go to the newer article: deterministic for the same data.
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(activity[b.0].article.cmp(&activity[a.0].article)));
            scored
        });
        Self { activity, order }
    }
}

/// Scores to three decimals: stable in JSON, and no false precision.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[derive(Debug, Default)]
struct Snapshot {
    /// When the rankings were last known to be current: computed then, or
    /// found to have the same inputs.
    generated_at: Option<DateTime<Utc>>,
    /// What they were computed from: the windows' bounds, the content and
    /// engagement versions.
    inputs: Option<([Bounds; 4], (i64, i64))>,
    /// How long computing this snapshot took.
    took: std::time::Duration,
    windows: Arc<HashMap<Window, WindowScores>>,
    tags: Arc<HashMap<ArticleId, Vec<TagId>>>,
}

/// What a ranking request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RankingQuery {
    pub kind: RankingKind,
    pub window: Window,
    pub section: Option<Slug>,
    pub tag: Option<Slug>,
    pub limit: usize,
}

impl RankingQuery {
    pub const MAX_LIMIT: u32 = 50;
    pub const DEFAULT_LIMIT: Limit = Limit::new_const(10);

    /// Validate a request, naming every bad argument. `limit` is already parsed
    /// by the caller (from a query string or a GraphQL integer).
    pub fn parse(
        kind: &str,
        window: Option<&str>,
        section: Option<String>,
        tag: Option<String>,
        limit: Option<Result<Limit>>,
    ) -> Result<Self> {
        let mut v = Validator::default();
        let kind = v.check(RankingKind::parse("kind", kind));
        let window = window.map_or(Some(Window::DEFAULT), |w| v.check(Window::parse("window", w)));
        let section = section.and_then(|s| v.check(Slug::parse_field("section", s)));
        let tag = tag.and_then(|s| v.check(Slug::parse_field("tag", s)));
        let limit = limit.map_or(Some(Self::DEFAULT_LIMIT), |l| v.check(l));
        v.finish()?;
        match (kind, window, limit) {
            (Some(kind), Some(window), Some(limit)) => Ok(Self { kind, window, section, tag, limit: limit.as_usize() }),
            _ => Err(Error::internal("validation passed with a missing value")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RankingEntry {
    pub rank: u32,
    pub score: f64,
    pub article: Arc<Article>,
}

#[derive(Debug, Clone)]
pub struct Ranking {
    pub kind: RankingKind,
    pub window: Window,
    pub generated_at: DateTime<Utc>,
    pub entries: Vec<RankingEntry>,
}

pub struct RankingService {
    repo: Arc<dyn EngagementRepo>,
    content: Arc<ContentService>,
    snapshot: RwLock<Arc<Snapshot>>,
}

impl RankingService {
    pub fn new(repo: Arc<dyn EngagementRepo>, content: Arc<ContentService>) -> Self {
        Self { repo, content, snapshot: RwLock::new(Arc::default()) }
    }

    /// Recompute every window from the buckets and swap the result in; when
    /// nothing they are computed from has moved (no engagement or content
    /// written by any node, the same buckets in every window: at least once a
    /// minute, as the hour's window moves by minutes), keep them and only
    /// record that they are current.
    pub fn refresh(&self) -> Result<()> {
        let started = std::time::Instant::now();
        let now = now();
        let bounds = Window::ALL.map(|w| w.bounds(now));
        // Read before the activity: a write in between is seen next time.
        let inputs = Some((bounds, self.repo.ranking_versions()?));
        let current = self.snapshot.read().map(|s| s.clone()).map_err(Error::internal)?;
        if current.inputs == inputs {
            let confirmed = Snapshot {
                generated_at: Some(now),
                inputs,
                took: current.took,
                windows: current.windows.clone(),
                tags: current.tags.clone(),
            };
            if let Ok(mut s) = self.snapshot.write() {
                *s = Arc::new(confirmed);
            }
            return Ok(());
        }
        let mut windows = HashMap::new();
        let mut active = HashSet::new();
        for (window, activity) in Window::ALL.into_iter().zip(self.repo.activity(&bounds, now)?) {
            active.extend(activity.iter().map(|a| a.article));
            windows.insert(window, WindowScores::new(window, activity));
        }
        let ids: Vec<ArticleId> = active.into_iter().collect();
        let mut tags = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            for (id, t) in self.content.tags_of(chunk)? {
                tags.insert(id, t.into_iter().map(|t| t.id).collect());
            }
        }
        let snapshot = Snapshot {
            generated_at: Some(now),
            inputs,
            took: started.elapsed(),
            windows: Arc::new(windows),
            tags: Arc::new(tags),
        };
        if let Ok(mut s) = self.snapshot.write() {
            *s = Arc::new(snapshot);
        }
        Ok(())
    }

    /// When the current snapshot was computed (`None` before the first refresh),
    /// and how long that took.
    pub fn generated(&self) -> Option<(DateTime<Utc>, std::time::Duration)> {
        self.snapshot.read().ok().and_then(|s| s.generated_at.map(|at| (at, s.took)))
    }

    pub fn ranking(&self, q: &RankingQuery) -> Result<Ranking> {
        let snapshot = self.snapshot.read().map(|s| s.clone()).map_err(Error::internal)?;
        let generated_at = snapshot.generated_at.unwrap_or_else(now);
        let empty = |entries| Ranking { kind: q.kind, window: q.window, generated_at, entries };
        let filter =
            ArticleFilter { section: q.section.clone(), tags: q.tag.iter().cloned().collect(), ..Default::default() };
        let Some(ids) = self.content.resolve(&filter, generated_at)? else { return Ok(empty(Vec::new())) };
        let sections: Option<HashSet<SectionId>> = ids.sections.map(|s| s.into_iter().collect());
        let tag = ids.tags.first().copied();
        let Some(scores) = snapshot.windows.get(&q.window) else {
            return Ok(empty(Vec::new()));
        };
        let kind_index = RankingKind::ALL.iter().position(|k| *k == q.kind).unwrap_or_default();
        let matches = |a: &Activity| {
            sections.as_ref().is_none_or(|s| s.contains(&a.section))
                && tag.is_none_or(|t| snapshot.tags.get(&a.article).is_some_and(|ts| ts.contains(&t)))
        };
        // A few extra in case an article was unpublished since the snapshot.
        let picked: Vec<(ArticleId, f64)> = scores.order[kind_index]
            .iter()
            .map(|&(i, score)| (&scores.activity[i], score))
            .filter(|(a, _)| matches(a))
            .take(q.limit + 5)
            .map(|(a, score)| (a.article, score))
            .collect();
        let ids: Vec<ArticleId> = picked.iter().map(|(id, _)| *id).collect();
        let mut articles: HashMap<ArticleId, Arc<Article>> =
            self.content.articles_by_ids(&ids)?.into_iter().map(|a| (a.record.id, a)).collect();
        let entries = picked
            .into_iter()
            .filter_map(|(id, score)| articles.remove(&id).map(|article| (score, article)))
            .take(q.limit)
            .zip(1..)
            .map(|((score, article), rank)| RankingEntry { rank, score, article })
            .collect();
        Ok(empty(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(quarters: [i64; 4], baseline: i64) -> Activity {
        Activity { article: ArticleId(1), section: SectionId(1), quarters, reactions: 0, baseline }
    }

    #[test]
    fn rising_beats_steady_at_equal_volume_and_fresh_beats_stale() {
        let w = Window::Day;
        let rising = activity([0, 0, 10, 90], 0);
        let steady = activity([25, 25, 25, 25], 300);
        let stale = activity([90, 10, 0, 0], 0);
        assert!(rising.trending(w) > steady.trending(w));
        assert!(rising.trending(w) > stale.trending(w));
        assert!(steady.trending(w) > 0.0);
        assert_eq!(activity([0; 4], 50).trending(w), 0.0);
    }

    #[test]
    fn window_bounds_are_exact_to_their_bucket() {
        let now: DateTime<Utc> = "2026-03-10T12:34:56Z".parse().unwrap();
        let b = Window::Hour.bounds(now);
        assert_eq!(b.edges[0], "2026-03-10T11:34:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(b.edges[3], "2026-03-10T12:19:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(b.baseline_span, Span::Hour);
        assert_eq!(b.baseline.0, "2026-03-10T08:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(b.baseline.1, "2026-03-10T11:00:00Z".parse::<DateTime<Utc>>().unwrap());
        let b = Window::Week.bounds(now);
        assert_eq!(b.span, Span::Hour);
        assert_eq!(b.edges[0], "2026-03-03T12:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(Window::parse("window", "2h").is_err());
        assert!(RankingKind::parse("kind", "popular").is_err());
    }
}
