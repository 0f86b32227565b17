//! Engagement: view and reaction beacons, the rules that decide what counts, and
//! the in-memory buffer that turns a high rate of beacons into one batched write
//! about once a second.
//!
//! Counting rules (they live in the store's flush, so they hold across restarts
//! and across API nodes sharing one PostgreSQL database):
//! - a view counts once per session and article every [`VIEW_REPEAT`];
//! - a reaction counts once per session, article and kind;
//! - beacons from known crawlers are accepted and not counted ([`is_crawler`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Article, ArticleId, ReactionCount};
use crate::ports::{Batch, Counted, PendingReaction, PendingView};
use crate::ports::{Beacon, BeaconJournal, EngagementRepo};
use crate::record::check_session_id;
use crate::service::{ContentService, now};

/// A session's views of one article count once in this interval.
pub const VIEW_REPEAT: TimeDelta = TimeDelta::minutes(30);

/// User-Agent fragments of crawlers, link previewers and monitoring robots, matched
/// case-insensitively. The default clients of native apps (okhttp and Dalvik on
/// Android, CFNetwork on Apple systems, Dart, Ktor, Alamofire…) are readers
/// and are deliberately absent. Generic words (`bot`, `spider`…) are matched only where
/// they end a product name, so that phone models such as "Cubot" still count.
const CRAWLER_MARKERS: &[&str] = &[
    "googlebot",
    "google-inspectiontool",
    "adsbot-google",
    "mediapartners-google",
    "bingbot",
    "bingpreview",
    "slurp",
    "duckduckbot",
    "baiduspider",
    "yandex",
    "sogou",
    "exabot",
    "facebookexternalhit",
    "facebot",
    "meta-externalagent",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "applebot",
    "petalbot",
    "semrushbot",
    "ahrefsbot",
    "mj12bot",
    "dotbot",
    "bytespider",
    "gptbot",
    "chatgpt-user",
    "oai-searchbot",
    "claudebot",
    "perplexitybot",
    "ccbot",
    "amazonbot",
    "ia_archiver",
    "archive.org_bot",
    "uptimerobot",
    "pingdom",
    "headlesschrome",
    "lighthouse",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "wget",
    "libwww-perl",
    "scrapy",
];

/// Whether a User-Agent is a known crawler or robot, whose beacons do not count.
pub fn is_crawler(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    if CRAWLER_MARKERS.iter().any(|m| ua.contains(m)) {
        return true;
    }
    // "…bot/1.0", "…crawler;", "…spider)", "(compatible; SomethingBot"
    ["bot", "crawler", "spider"].iter().any(|word| {
        ua.match_indices(word).any(|(i, _)| {
            let after = ua[i + word.len()..].chars().next();
            matches!(after, None | Some('/' | ';' | ')' | ' ' | '-' | '_')) && !ua[..i].ends_with("cu")
        })
    })
}

#[derive(Debug, Clone)]
pub struct EngagementConfig {
    /// The reaction kinds clients may send.
    pub reaction_kinds: Vec<String>,
    /// Accepted beacons held in memory before the server answers 503.
    pub max_pending: usize,
}

type ViewKey = (ArticleId, String);
type ReactionKey = (ArticleId, String, String);

/// Accepted beacons not yet written. `in_flight` is the batch a flush is writing;
/// `epoch` is odd while it does, so that readers combining database counts with
/// pending ones can tell a consistent moment from a torn one.
#[derive(Debug, Default)]
struct Buffer {
    views: HashMap<ViewKey, DateTime<Utc>>,
    reactions: HashMap<ReactionKey, DateTime<Utc>>,
    in_flight: Arc<Batch>,
    epoch: u64,
}

impl Buffer {
    fn len(&self) -> usize {
        self.views.len() + self.reactions.len() + self.in_flight.len()
    }

    fn has_reaction(&self, key: &ReactionKey) -> bool {
        self.reactions.contains_key(key)
            || self.in_flight.reactions.iter().any(|r| r.article == key.0 && r.kind == key.1 && r.session_id == key.2)
    }

    fn take(&mut self) -> Batch {
        let mut views: Vec<PendingView> = std::mem::take(&mut self.views)
            .into_iter()
            .map(|((article, session_id), at)| PendingView { article, session_id, at })
            .collect();
        let mut reactions: Vec<PendingReaction> = std::mem::take(&mut self.reactions)
            .into_iter()
            .map(|((article, kind, session_id), at)| PendingReaction { article, kind, session_id, at })
            .collect();
        // One order for every writer: concurrent flushes on several nodes lock rows
        // in the same sequence and cannot deadlock.
        views.sort_by(|a, b| (a.article, &a.session_id).cmp(&(b.article, &b.session_id)));
        reactions.sort_by(|a, b| (a.article, &a.kind, &a.session_id).cmp(&(b.article, &b.kind, &b.session_id)));
        Batch { views, reactions }
    }

    /// Put a batch that could not be written back, keeping anything newer.
    fn restore(&mut self, batch: &Batch) {
        for v in &batch.views {
            self.views.entry((v.article, v.session_id.clone())).or_insert(v.at);
        }
        for r in &batch.reactions {
            self.reactions.entry((r.article, r.kind.clone(), r.session_id.clone())).or_insert(r.at);
        }
    }

    /// Reactions of one article accepted here and not yet written.
    /// The kinds of the session's reactions to the article not yet written.
    fn pending_kinds<'a>(&'a self, article: ArticleId, session_id: &'a str) -> impl Iterator<Item = &'a str> {
        let buffered = self.reactions.keys().filter(move |k| k.0 == article && k.2 == session_id).map(|k| k.1.as_str());
        let in_flight = self
            .in_flight
            .reactions
            .iter()
            .filter(move |r| r.article == article && r.session_id == session_id)
            .map(|r| r.kind.as_str());
        buffered.chain(in_flight)
    }

    fn pending_reactions(&self, article: ArticleId) -> HashMap<&str, i64> {
        let mut counts: HashMap<&str, i64> = HashMap::new();
        let buffered = self.reactions.keys().filter(|k| k.0 == article).map(|k| k.1.as_str());
        let in_flight = self.in_flight.reactions.iter().filter(|r| r.article == article).map(|r| r.kind.as_str());
        for kind in buffered.chain(in_flight) {
            *counts.entry(kind).or_default() += 1;
        }
        counts
    }
}

/// What a reaction answers.
#[derive(Debug, Clone)]
pub struct Reacted {
    /// The article (without its body) with its reaction counts, this reaction
    /// included.
    pub article: Arc<Article>,
    /// The kinds the reacting session has given the article, in the configured
    /// order.
    pub session_kinds: Vec<String>,
}

/// Who sent a beacon, as far as counting is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Client {
    pub crawler: bool,
}

impl Client {
    pub fn from_user_agent(user_agent: Option<&str>) -> Self {
        Self { crawler: user_agent.is_some_and(is_crawler) }
    }
}

/// Beacons in, counts out. REST and GraphQL both call this.
pub struct EngagementService {
    repo: Arc<dyn EngagementRepo>,
    content: Arc<ContentService>,
    config: EngagementConfig,
    buffer: Mutex<Buffer>,
    /// One flush at a time.
    flushing: Mutex<()>,
    /// Where beacons are recorded before they are acknowledged (none: in memory
    /// only, lost if the process is killed).
    journal: Option<Arc<dyn BeaconJournal>>,
}

impl EngagementService {
    pub fn new(
        repo: Arc<dyn EngagementRepo>,
        content: Arc<ContentService>,
        config: EngagementConfig,
        journal: Option<Arc<dyn BeaconJournal>>,
    ) -> Self {
        Self { repo, content, config, buffer: Mutex::default(), flushing: Mutex::new(()), journal }
    }

    /// Take back the beacons a killed process accepted and did not write; they
    /// are written with the next flush. The number taken back.
    pub fn recover(&self) -> Result<usize> {
        let Some(journal) = &self.journal else { return Ok(0) };
        let beacons = journal.recover()?;
        let mut buffer = self.buffer();
        for b in &beacons {
            match b {
                Beacon::View(v) => {
                    buffer.views.entry((v.article, v.session_id.clone())).or_insert(v.at);
                }
                Beacon::Reaction(r) => {
                    buffer.reactions.entry((r.article, r.kind.clone(), r.session_id.clone())).or_insert(r.at);
                }
            }
        }
        Ok(beacons.len())
    }

    /// Record a beacon in the journal before it is acknowledged.
    fn journal(&self, beacon: impl FnOnce() -> Beacon) -> Result<()> {
        match &self.journal {
            Some(j) => j.append(&beacon()),
            None => Ok(()),
        }
    }

    /// Beacons accepted and not yet written.
    pub fn pending(&self) -> usize {
        self.buffer().len()
    }

    fn buffer(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The reaction kinds clients may send, in the order they are shown.
    pub fn reaction_kinds(&self) -> &[String] {
        &self.config.reaction_kinds
    }

    fn check_kind(&self, kind: &str) -> Result<()> {
        if self.config.reaction_kinds.iter().any(|k| k == kind) {
            Ok(())
        } else {
            Err(Error::field("kind", format!("must be one of: {}", self.config.reaction_kinds.join(", "))))
        }
    }

    fn check_room(&self, buffer: &Buffer) -> Result<()> {
        if buffer.len() >= self.config.max_pending {
            return Err(Error::new(
                ErrorKind::Unavailable,
                "too many beacons are waiting to be written; retry in a second",
            ));
        }
        Ok(())
    }

    /// Accept a view beacon. It is counted at the next flush, if the rules allow.
    pub fn record_view(&self, slug: &str, session_id: &str, client: Client) -> Result<()> {
        check_session_id("sessionId", session_id)?;
        let article = self.content.article_id(slug)?;
        if client.crawler {
            return Ok(());
        }
        let mut buffer = self.buffer();
        let key = (article, session_id.to_owned());
        if !buffer.views.contains_key(&key) {
            self.check_room(&buffer)?;
            let at = now();
            self.journal(|| Beacon::View(PendingView { article, session_id: key.1.clone(), at }))?;
            buffer.views.insert(key, at);
        }
        Ok(())
    }

    /// Accept a reaction beacon and answer the article with its reaction counts
    /// including it (and every other reaction this node has accepted and not yet
    /// written), and the kinds the session has given it.
    pub fn react(&self, slug: &str, kind: &str, session_id: &str, client: Client) -> Result<Reacted> {
        let mut problems = Vec::new();
        if let Err(e) = self.check_kind(kind) {
            problems.extend(e.fields);
        }
        if let Err(e) = check_session_id("sessionId", session_id) {
            problems.extend(e.fields);
        }
        if !problems.is_empty() {
            return Err(Error::fields(problems));
        }
        let full = self.content.article(slug)?;
        let article = full.record.id;
        let key = (article, kind.to_owned(), session_id.to_owned());
        // Read the database, then the buffer; if a flush moved beacons from one to
        // the other in between, read again.
        for _ in 0..100 {
            let epoch = self.buffer().epoch;
            if epoch % 2 == 1 {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
            let (mut given, stored) = self.repo.reaction_state(article, session_id)?;
            let mut buffer = self.buffer();
            if buffer.epoch != epoch {
                continue;
            }
            if !given.iter().any(|k| k == kind) && !client.crawler && !buffer.has_reaction(&key) {
                self.check_room(&buffer)?;
                let at = now();
                self.journal(|| {
                    let (article, kind, session_id) = key.clone();
                    Beacon::Reaction(PendingReaction { article, kind, session_id, at })
                })?;
                buffer.reactions.insert(key.clone(), at);
            }
            let counts = merge_counts(stored, buffer.pending_reactions(article));
            given.extend(buffer.pending_kinds(article, session_id).map(str::to_owned));
            drop(buffer);
            let kinds = &self.config.reaction_kinds;
            given.sort_by_key(|k| (kinds.iter().position(|c| c == k).unwrap_or(kinds.len()), k.clone()));
            given.dedup();
            let Article { record, section_path, tags, authors, .. } = &*full;
            let mut record = record.clone();
            record.reactions = ReactionCount::every_kind(kinds, counts);
            let (section_path, tags, authors) = (section_path.clone(), tags.clone(), authors.clone());
            let article = Article { record, body: None, section_path, tags, authors };
            return Ok(Reacted { article: Arc::new(article), session_kinds: given });
        }
        Err(Error::new(ErrorKind::Unavailable, "reaction counts are being written; retry in a second"))
    }

    /// Write what was accepted since the last flush, in one transaction. On failure
    /// the beacons stay buffered for the next attempt: nothing accepted is dropped.
    /// The journal forgets them once they are written.
    pub fn flush(&self) -> Result<Counted> {
        let _one_at_a_time = self.flushing.lock().unwrap_or_else(|p| p.into_inner());
        let (batch, mark) = {
            let mut buffer = self.buffer();
            let batch = Arc::new(buffer.take());
            if batch.is_empty() {
                return Ok(Counted::default());
            }
            buffer.in_flight = batch.clone();
            buffer.epoch += 1;
            // Sealed with the buffer held: the sealed part holds exactly this
            // batch and what earlier failed flushes put back.
            (batch, self.journal.as_ref().and_then(|j| j.seal()))
        };
        let outcome = self.repo.record_engagement(&batch, now());
        let mut buffer = self.buffer();
        buffer.in_flight = Arc::default();
        buffer.epoch += 1;
        match &outcome {
            Ok(_) => {
                if let (Some(j), Some(mark)) = (&self.journal, mark) {
                    j.written(mark);
                }
            }
            Err(_) => buffer.restore(&batch),
        }
        outcome
    }

    /// Forget counting state that no longer matters (expired repeat windows,
    /// minute buckets past their retention).
    pub fn prune(&self) -> Result<()> {
        self.repo.prune_engagement(now())
    }
}

/// Stored counts plus pending ones, ordered by kind as articles list them.
fn merge_counts(stored: Vec<ReactionCount>, pending: HashMap<&str, i64>) -> Vec<ReactionCount> {
    let mut counts: Vec<ReactionCount> = stored;
    for (kind, n) in pending {
        match counts.iter_mut().find(|c| c.kind == kind) {
            Some(c) => c.count += n,
            None => counts.push(ReactionCount { kind: kind.to_owned(), count: n }),
        }
    }
    counts.sort_by(|a, b| a.kind.cmp(&b.kind));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawlers_are_recognised_and_browsers_are_not() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; SomeNewCrawler; +https://example.com)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
        ] {
            assert!(is_crawler(ua), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari/604.1",
            "Mozilla/5.0 (Linux; Android 12; Cubot KingKong 7) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "curl/8.5.0",
            // Native apps' default HTTP clients.
            "okhttp/4.12.0",
            "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)",
            "NewsApp/3.2 CFNetwork/1494.0.7 Darwin/23.4.0",
            "Dart/3.3 (dart:io)",
            "Ktor client",
            "NewsApp/3.2 (com.example.news; build:7; iOS 17.4.0) Alamofire/5.9.0",
            "Mozilla/5.0 (Linux; Android 14; wv) AppleWebKit/537.36 Version/4.0 Chrome/124.0 Mobile Safari/537.36",
        ] {
            assert!(!is_crawler(ua), "{ua}");
        }
    }

    #[test]
    fn pending_counts_add_to_stored_ones() {
        let stored =
            vec![ReactionCount { kind: "sad".into(), count: 2 }, ReactionCount { kind: "old".into(), count: 1 }];
        let pending = HashMap::from([("like", 1), ("sad", 1)]);
        let merged = merge_counts(stored, pending);
        let got: Vec<(&str, i64)> = merged.iter().map(|c| (c.kind.as_str(), c.count)).collect();
        assert_eq!(got, vec![("like", 1), ("old", 1), ("sad", 3)]);
    }
}
