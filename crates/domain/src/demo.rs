//! The demo dataset: a realistic, deterministic news site generated from a seed.
//!
//! Sixteen sections in two levels, about 300 tags whose use follows a Zipf law,
//! two dozen authors, articles of 300 to 1,200 words using every block type (link
//! lists point to other articles of the set), views and reactions that favour
//! recent and popular stories, and reading history from simulated readers who each
//! follow one or two stable topics.

use chrono::{DateTime, Duration, Utc};

use crate::body::Image;
use crate::model::DEFAULT_REACTION_KINDS;
use crate::model::{ReactionCount, Status};
use crate::record::{ArticleRecordIn, AuthorRecord, Record, SectionRecord, TagRecord, ViewRecord};
use crate::slug::Slug;

mod lexicon;
mod prose;
mod topics;

use lexicon::Lexicon;
use prose::{Pen, body, headline, sentence};
use topics::{FIRST, LAST, QUALIFIERS, TOPICS};

/// SplitMix64: small, fast, and stable across platforms and releases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index in `0..n` with probability proportional to `1 / (i + 1)^s`.
    pub fn zipf(&mut self, n: usize, s: f64) -> usize {
        let total: f64 = (1..=n).map(|k| (k as f64).powf(-s)).sum();
        let mut x = self.unit() * total;
        for k in 1..=n {
            x -= (k as f64).powf(-s);
            if x <= 0.0 {
                return k - 1;
            }
        }
        n - 1
    }
}

fn slug(s: &str) -> Slug {
    Slug::from_text(s)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// What the demo is made of, before it is turned into records.
struct Plan {
    tags: Vec<(Slug, String, usize)>, // slug, name, topic index
    tags_by_topic: Vec<Vec<usize>>,
    authors: Vec<Slug>,
}

fn plan(rng: &mut Rng) -> Plan {
    let mut tags = Vec::new();
    let mut tags_by_topic = vec![Vec::new(); TOPICS.len()];
    for (ti, t) in TOPICS.iter().enumerate() {
        let mut names: Vec<String> = t.nouns.iter().map(|n| capitalize(n)).collect();
        for q in QUALIFIERS {
            for n in t.nouns.iter().take(2) {
                names.push(format!("{q} {n}"));
            }
        }
        names.push(format!("{} explained", t.name));
        names.truncate(27);
        for name in names {
            tags_by_topic[ti].push(tags.len());
            tags.push((slug(&name), name, ti));
        }
    }
    let mut authors = Vec::new();
    for i in 0..24 {
        let name = format!("{} {}", FIRST[i], LAST[(i * 7 + rng.below(3)) % LAST.len()]);
        authors.push(slug(&name));
    }
    Plan { tags, tags_by_topic, authors }
}

/// What the demo's readers choose to read: recommendations are judged on
/// histories of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Readers {
    /// Each follows one or two topics and reads mostly their newest articles.
    #[default]
    Topical,
    /// Everyone reads what is popular and recent, whatever its topic: each
    /// article has a Pareto-distributed appeal, fading with age.
    Popular,
    /// Each read is either of the two, at even odds.
    Mixed,
}

impl Readers {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "topical" => Some(Self::Topical),
            "popular" => Some(Self::Popular),
            "mixed" => Some(Self::Mixed),
            _ => None,
        }
    }
}

/// Generate the dataset, calling `emit` for each record in import order.
/// `now` anchors every date: articles are spread over the 180 days before it.
pub fn generate(articles: usize, seed: u64, now: DateTime<Utc>, readers: Readers, mut emit: impl FnMut(Record)) {
    let mut rng = Rng::new(seed);
    let plan = plan(&mut rng);
    let lexicon = Lexicon::new(seed, TOPICS.len(), FIRST, LAST);

    let mut roots_done: Vec<&str> = Vec::new();
    for t in TOPICS {
        if !roots_done.contains(&t.root.0) {
            roots_done.push(t.root.0);
            emit(Record::Section(SectionRecord { slug: slug(t.root.0), name: t.root.1.into(), parent: None }));
        }
    }
    for t in TOPICS {
        emit(Record::Section(SectionRecord { slug: slug(t.slug), name: t.name.into(), parent: Some(slug(t.root.0)) }));
    }
    for (s, name, _) in &plan.tags {
        emit(Record::Tag(TagRecord { slug: s.clone(), name: name.clone() }));
    }
    for (i, a) in plan.authors.iter().enumerate() {
        let name = a.as_str().split('-').map(capitalize).collect::<Vec<_>>().join(" ");
        let beat = TOPICS[i % TOPICS.len()].name;
        emit(Record::Author(AuthorRecord {
            slug: a.clone(),
            name,
            bio: Some(format!("Covers {beat} for the newsroom.")),
        }));
    }

    // Articles in publication order, so link lists can point back to earlier ones.
    let span_secs = 180 * 24 * 3600;
    let mut offsets: Vec<i64> = (0..articles).map(|_| rng.below(span_secs) as i64).collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    let mut published: Vec<(Slug, String, usize, DateTime<Utc>, f64)> = Vec::with_capacity(articles);
    let mut recent_by_topic: Vec<Vec<(Slug, String)>> = vec![Vec::new(); TOPICS.len()];
    for (i, offset) in offsets.into_iter().enumerate() {
        let ti = rng.zipf(TOPICS.len(), 0.6);
        let t = &TOPICS[ti];
        let noun = *rng.pick(t.nouns);
        let title = headline(&mut rng, t);
        let slug_i = slug(&format!("{title} {i}"));
        let mut words = 0;
        let pen = Pen { t, ti, lexicon: &lexicon };
        let summary = sentence(&mut rng, &pen, &mut words);
        let target = 300 + rng.below(900);
        let links = &recent_by_topic[ti];
        let window = &links[links.len().saturating_sub(20)..];
        let body = body(&mut rng, &pen, target, window);
        let topic_tags = &plan.tags_by_topic[ti];
        let mut tag_idx: Vec<usize> = Vec::new();
        for _ in 0..2 + rng.below(4) {
            let k = topic_tags[rng.zipf(topic_tags.len(), 1.1)];
            if !tag_idx.contains(&k) {
                tag_idx.push(k);
            }
        }
        if rng.chance(0.15) {
            let other = &plan.tags_by_topic[rng.below(TOPICS.len())];
            let k = other[rng.zipf(other.len(), 1.1)];
            if !tag_idx.contains(&k) {
                tag_idx.push(k);
            }
        }
        let author_a = (ti + TOPICS.len() * rng.below(3)) % plan.authors.len();
        let mut authors = vec![plan.authors[author_a].clone()];
        if rng.chance(0.2) {
            let b = rng.below(plan.authors.len());
            if b != author_a {
                authors.push(plan.authors[b].clone());
            }
        }
        let (status, published_at) = match rng.below(100) {
            0..=1 => (Status::Draft, None),
            2 => (Status::Scheduled, Some(now + Duration::hours(1 + rng.below(72) as i64))),
            3 => (Status::Archived, Some(now - Duration::seconds(offset))),
            _ => (Status::Published, Some(now - Duration::seconds(offset))),
        };
        let age_days = offset as f64 / 86_400.0;
        let popularity = (1.0 / (1.0 + rng.unit() * 40.0)) * (1.0 + 4.0 / (1.0 + age_days));
        let visible = status == Status::Published;
        let views = if visible { (popularity * 20_000.0) as i64 + rng.below(50) as i64 } else { 0 };
        let reactions = if visible {
            DEFAULT_REACTION_KINDS
                .iter()
                .enumerate()
                .map(|(k, kind)| ReactionCount {
                    kind: (*kind).into(),
                    count: views / (20 * (k as i64 + 1)) + rng.below(3) as i64,
                })
                .filter(|r| r.count > 0)
                .collect()
        } else {
            Vec::new()
        };
        let hero_image = Some(Image {
            src: format!("https://images.example.org/{}/hero-{i}.jpg", t.slug),
            alt: capitalize(noun),
            caption: None,
        });
        emit(Record::Article(Box::new(ArticleRecordIn {
            slug: slug_i.clone(),
            title: title.clone(),
            summary,
            section: slug(t.slug),
            tags: tag_idx.iter().map(|&k| plan.tags[k].0.clone()).collect(),
            authors,
            body,
            hero_image,
            status,
            published_at,
            views,
            reactions,
        })));
        if visible && let Some(at) = published_at {
            recent_by_topic[ti].push((slug_i.clone(), title.clone()));
            published.push((slug_i, title, ti, at, popularity));
        }
    }

    // Readers (see [`Readers`]). More reading happens in the last days than a
    // month ago, as on a news site.
    let sessions = (articles * 2).max(100);
    let newest_first = ZipfTable::new(200, 0.8);
    let recent_first = ZipfTable::new(2_000, 0.7);
    // Appeal: Pareto (α = 1.2), so that a few stories draw most of the reading.
    let appeal: Vec<f64> = published.iter().map(|_| (1.0 - rng.unit()).max(1e-9).powf(-1.0 / 1.2)).collect();
    let mut by_topic: Vec<Vec<usize>> = vec![Vec::new(); TOPICS.len()];
    for (i, p) in published.iter().enumerate() {
        by_topic[p.2].push(i);
    }
    if published.is_empty() {
        return;
    }
    for s in 0..sessions {
        let session_id = format!("demo-reader-{s:06}");
        let main = rng.zipf(TOPICS.len(), 0.6);
        let second = rng.below(TOPICS.len());
        let reads = 3 + rng.below(10);
        let back = 30.0 * 86_400.0 * rng.unit().powi(2);
        let mut at = now - Duration::seconds(back as i64 + 60);
        let mut seen: Vec<usize> = Vec::new();
        for _ in 0..reads {
            let popular = match readers {
                Readers::Topical => false,
                Readers::Popular => true,
                Readers::Mixed => rng.chance(0.5),
            };
            let idx = if popular {
                // The most appealing of a few recent articles, fading with age.
                let upto = published.partition_point(|p| p.3 <= at);
                if upto == 0 {
                    continue;
                }
                let weight = |i: usize| {
                    let age_days = (at - published[i].3).num_seconds() as f64 / 86_400.0;
                    appeal[i] * (-age_days / 3.0).exp2()
                };
                let draws: Vec<usize> = (0..6).map(|_| upto - 1 - recent_first.sample(&mut rng, upto)).collect();
                draws.into_iter().max_by(|a, b| weight(*a).total_cmp(&weight(*b))).unwrap_or(upto - 1)
            } else {
                let pool = match rng.below(10) {
                    0..=6 => &by_topic[main],
                    7..=8 => &by_topic[second],
                    _ => &by_topic[rng.below(TOPICS.len())],
                };
                // Readers follow the news: mostly the topic's newest articles as
                // of the moment they read (pools are in publication order).
                let upto = pool.partition_point(|&i| published[i].3 <= at);
                if upto == 0 {
                    continue;
                }
                pool[upto - 1 - newest_first.sample(&mut rng, upto)]
            };
            if seen.contains(&idx) {
                continue;
            }
            seen.push(idx);
            emit(Record::View(ViewRecord { article: published[idx].0.clone(), session_id: session_id.clone(), at }));
            at += Duration::seconds(60 + rng.below(3_600) as i64);
            if at > now {
                break;
            }
        }
    }
}

/// Zipf-distributed ranks over `0..n`, sampled by binary search in a table built
/// once (the readers' loop draws millions for a large dataset).
struct ZipfTable {
    cumulative: Vec<f64>,
}

impl ZipfTable {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                total += (k as f64).powf(-s);
                total
            })
            .collect();
        Self { cumulative }
    }

    /// A rank below `limit` (and below the table's size).
    fn sample(&self, rng: &mut Rng, limit: usize) -> usize {
        let limit = limit.min(self.cumulative.len()).max(1);
        let total = self.cumulative[limit - 1];
        let x = rng.unit() * total;
        self.cumulative.partition_point(|&c| c < x).min(limit - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let mut a = Vec::new();
        generate(60, 7, now, Readers::Mixed, |r| a.push(r));
        let mut b = Vec::new();
        generate(60, 7, now, Readers::Mixed, |r| b.push(r));
        assert_eq!(a, b);
        for r in &a {
            r.validate().expect("valid record");
        }
        let articles = a.iter().filter(|r| matches!(r, Record::Article(_))).count();
        assert_eq!(articles, 60);
        assert!(a.iter().any(|r| matches!(r, Record::View(_))));
        let tags = a.iter().filter(|r| matches!(r, Record::Tag(_))).count();
        assert!((280..=320).contains(&tags), "{tags} tags");
    }
}
