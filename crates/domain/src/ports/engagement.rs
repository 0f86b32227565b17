//! Counting reads and reactions: the batches a flush writes, the time buckets
//! rankings sum, and the journal that keeps accepted beacons across a crash.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::error::Result;
use crate::model::{ArticleId, ReactionCount, SectionId};

/// Counted engagement: the counting rules, the time buckets and their sums.
pub trait EngagementRepo: Send + Sync {
    /// Apply the counting rules to a batch of accepted beacons and write what
    /// counts (reading history, lifetime totals, buckets) in one transaction.
    fn record_engagement(&self, batch: &Batch, now: DateTime<Utc>) -> Result<Counted>;
    /// The kinds the session has given the article, and the article's stored
    /// reaction counts.
    fn reaction_state(&self, article: ArticleId, session_id: &str) -> Result<(Vec<String>, Vec<ReactionCount>)>;
    /// For each of `bounds`, the activity of every article visible at `now` with
    /// views or reactions in the window.
    fn activity(&self, bounds: &[Bounds], now: DateTime<Utc>) -> Result<Vec<Vec<Activity>>>;
    /// The content version and the engagement version: activity read with the
    /// same bounds and versions is the same (both move on every write, by
    /// any node, that could change it).
    fn ranking_versions(&self) -> Result<(i64, i64)>;
    /// Drop counting state that can no longer matter at `now`.
    fn prune_engagement(&self, now: DateTime<Utc>) -> Result<()>;
}

/// An accepted beacon, as a journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Beacon {
    View(PendingView),
    Reaction(PendingReaction),
}

/// Where accepted beacons are recorded before they are acknowledged, so that a
/// process killed before it writes them to the database loses none: the next
/// start replays them. The store crate keeps it in files on the node's disk.
pub trait BeaconJournal: Send + Sync {
    /// Record one accepted beacon. An error means it cannot be kept: the beacon
    /// is refused rather than acknowledged.
    fn append(&self, beacon: &Beacon) -> Result<()>;
    /// Close the part recorded so far (a flush is about to write it); its mark,
    /// or `None` when it could not be closed (then nothing is forgotten).
    fn seal(&self) -> Option<u64>;
    /// Every part sealed up to `mark` is in the database: forget it.
    fn written(&self, mark: u64);
    /// Beacons recorded by processes that stopped before writing them; they are
    /// forgotten at the next [`Self::written`].
    fn recover(&self) -> Result<Vec<Beacon>>;
}

/// The width of an engagement bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Span {
    Minute,
    Hour,
    Day,
}

impl Span {
    pub const ALL: [Span; 3] = [Span::Minute, Span::Hour, Span::Day];

    pub fn seconds(self) -> i32 {
        match self {
            Span::Minute => 60,
            Span::Hour => 3_600,
            Span::Day => 86_400,
        }
    }

    pub fn width(self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.seconds()))
    }

    /// The start of the bucket holding `t`.
    pub fn start_of(self, t: DateTime<Utc>) -> DateTime<Utc> {
        t.duration_trunc(self.width()).unwrap_or(t)
    }

    /// How long buckets of this width are kept (`None`: for ever). Minute buckets
    /// serve only the one-hour window and its baseline.
    pub fn retention(self) -> Option<TimeDelta> {
        match self {
            Span::Minute => Some(TimeDelta::hours(26)),
            Span::Hour | Span::Day => None,
        }
    }

    /// The buckets an event at `at` is added to, as seen at `now`.
    pub fn buckets_of(at: DateTime<Utc>, now: DateTime<Utc>) -> impl Iterator<Item = (Span, DateTime<Utc>)> {
        Span::ALL
            .into_iter()
            .filter(move |s| s.retention().is_none_or(|keep| at > now - keep))
            .map(move |s| (s, s.start_of(at)))
    }
}

/// One accepted view, not yet written.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingView {
    pub article: ArticleId,
    pub session_id: String,
    pub at: DateTime<Utc>,
}

/// One accepted reaction, not yet written.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingReaction {
    pub article: ArticleId,
    pub kind: String,
    pub session_id: String,
    pub at: DateTime<Utc>,
}

/// What one flush writes, in one transaction. Views are distinct per (article,
/// session); reactions per (article, kind, session).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub views: Vec<PendingView>,
    pub reactions: Vec<PendingReaction>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.views.is_empty() && self.reactions.is_empty()
    }

    pub fn len(&self) -> usize {
        self.views.len() + self.reactions.len()
    }
}

/// What a flush counted, after the rules were applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub views: u64,
    pub reactions: u64,
}

impl Counted {
    pub fn any(self) -> bool {
        self.views > 0 || self.reactions > 0
    }
}

/// Which buckets a window query reads: the window's four quarters start at
/// `edges` (oldest first) in buckets of `span`; the baseline is the buckets of
/// `baseline_span` in `[baseline.0, baseline.1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub span: Span,
    pub edges: [DateTime<Utc>; 4],
    pub baseline_span: Span,
    pub baseline: (DateTime<Utc>, DateTime<Utc>),
}

/// One article's activity around a window, as the store sums it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub article: ArticleId,
    pub section: SectionId,
    /// Views in each quarter of the window, oldest first.
    pub quarters: [i64; 4],
    pub reactions: i64,
    /// Views in the baseline before the window.
    pub baseline: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_land_in_buckets_of_every_width_within_retention() {
        let now: DateTime<Utc> = "2026-03-10T12:34:56Z".parse().unwrap();
        let at: DateTime<Utc> = "2026-03-10T11:05:30Z".parse().unwrap();
        let b: Vec<_> = Span::buckets_of(at, now).collect();
        assert_eq!(
            b,
            vec![
                (Span::Minute, "2026-03-10T11:05:00Z".parse().unwrap()),
                (Span::Hour, "2026-03-10T11:00:00Z".parse().unwrap()),
                (Span::Day, "2026-03-10T00:00:00Z".parse().unwrap()),
            ]
        );
        let old = now - TimeDelta::days(3);
        assert_eq!(Span::buckets_of(old, now).map(|(s, _)| s).collect::<Vec<_>>(), vec![Span::Hour, Span::Day]);
    }
}
