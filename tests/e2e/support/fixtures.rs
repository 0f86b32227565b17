//! Constructed datasets with known answers, written as import files.

use serde_json::{Value, json};

/// A small site whose every list has a known order.
pub struct Site {
    records: Vec<Value>,
}

/// Published, visible articles of [`Site::standard`], newest first.
pub const VISIBLE_NEWEST_FIRST: [&str; 7] =
    ["same-time-b", "same-time-a", "chip-boom", "summit-opens", "vote-count", "oil-jumps", "rates-rise"];

pub fn body_with_every_block(link_to: &str) -> Value {
    json!([
        {"type": "paragraph", "spans": [
            {"text": "Rates rose "},
            {"text": "sharply", "marks": ["bold"]},
            {"text": " as expected; see ", "marks": ["italic"]},
            {"text": "the earlier story", "article": link_to},
            {"text": " and ", "href": "https://example.org/x"}
        ]},
        {"type": "heading", "level": 2, "text": "What it means"},
        {"type": "link_list", "title": "Read more", "items": [
            {"text": "Earlier", "article": link_to},
            {"text": "Elsewhere", "url": "https://example.org/y"}
        ]},
        {"type": "quote", "text": "We will act.", "attribution": "A banker"},
        {"type": "image", "src": "https://img.example.org/a.jpg", "alt": "A chart", "caption": "The chart"},
        {"type": "embed", "provider": "video", "url": "https://video.example.org/1"}
    ])
}

impl Site {
    pub fn empty() -> Self {
        Self { records: Vec::new() }
    }

    /// Sections news > {world, politics} and business > {invest}; five tags; two
    /// authors; seven visible articles and four that must never be listed.
    pub fn standard() -> Self {
        let mut s = Self::empty();
        for (slug, name, parent) in [
            ("news", "News", None),
            ("world", "World", Some("news")),
            ("politics", "Politics", Some("news")),
            ("business", "Business", None),
            ("invest", "Invest", Some("business")),
        ] {
            s.records.push(json!({"kind": "section", "slug": slug, "name": name, "parent": parent}));
        }
        for (slug, name) in
            [("rates", "Rates"), ("energy", "Energy"), ("elections", "Elections"), ("ai", "AI"), ("unused", "Unused")]
        {
            s.records.push(json!({"kind": "tag", "slug": slug, "name": name}));
        }
        s.records.push(json!({"kind": "author", "slug": "ana-lee", "name": "Ana Lee", "bio": "Economics"}));
        s.records.push(json!({"kind": "author", "slug": "ben-okafor", "name": "Ben Okafor"}));
        s.article("rates-rise", "invest", &["rates"], &["ana-lee"], Some("2026-01-01T08:00:00Z"), 100, "published")
            .article(
                "oil-jumps",
                "business",
                &["energy", "rates"],
                &["ben-okafor"],
                Some("2026-01-02T08:00:00Z"),
                500,
                "published",
            )
            .article(
                "vote-count",
                "politics",
                &["elections"],
                &["ana-lee"],
                Some("2026-01-03T08:00:00Z"),
                50,
                "published",
            )
            .article(
                "summit-opens",
                "world",
                &["elections", "energy"],
                &["ben-okafor", "ana-lee"],
                Some("2026-01-04T08:00:00Z"),
                300,
                "published",
            )
            .article(
                "chip-boom",
                "business",
                &["ai", "rates"],
                &["ana-lee"],
                Some("2026-01-05T08:00:00Z"),
                300,
                "published",
            )
            .article("same-time-a", "news", &[], &["ben-okafor"], Some("2026-01-06T00:00:00Z"), 10, "published")
            .article("same-time-b", "news", &[], &["ben-okafor"], Some("2026-01-06T00:00:00Z"), 10, "published")
            .article("draft-piece", "news", &["rates"], &["ana-lee"], None, 0, "draft")
            .article("scheduled-piece", "news", &["rates"], &["ana-lee"], Some("2099-01-01T00:00:00Z"), 0, "scheduled")
            .article("future-published", "news", &["rates"], &["ana-lee"], Some("2099-01-01T00:00:00Z"), 0, "published")
            .article("archived-piece", "news", &["rates"], &["ana-lee"], Some("2025-12-01T00:00:00Z"), 0, "archived")
    }

    #[allow(clippy::too_many_arguments)]
    pub fn article(
        mut self,
        slug: &str,
        section: &str,
        tags: &[&str],
        authors: &[&str],
        published_at: Option<&str>,
        views: i64,
        status: &str,
    ) -> Self {
        self.records.push(json!({
            "kind": "article",
            "slug": slug,
            "title": format!("Title of {slug}"),
            "summary": format!("Summary of {slug}"),
            "section": section,
            "tags": tags,
            "authors": authors,
            "body": body_with_every_block("rates-rise"),
            "heroImage": {"src": "https://img.example.org/hero.jpg", "alt": "Hero"},
            "status": status,
            "publishedAt": published_at,
            "views": views,
            "reactions": [{"kind": "like", "count": views / 10}, {"kind": "very-good", "count": 3}]
        }));
        self
    }

    pub fn push(mut self, record: Value) -> Self {
        self.records.push(record);
        self
    }

    pub fn ndjson(&self) -> String {
        self.records.iter().map(|r| format!("{r}\n")).collect()
    }
}

/// Discovery fixtures: stories with known words and reading histories.
impl Site {
    /// Sections news > world and business; a handful of stories with known words.
    pub fn newsroom() -> Site {
        let mut s = Self::empty();
        for (slug, parent) in [("news", None), ("world", Some("news")), ("business", None)] {
            s = s.push(json!({"kind": "section", "slug": slug, "name": slug, "parent": parent}));
        }
        for tag in ["economy", "climate", "energy"] {
            s = s.push(json!({"kind": "tag", "slug": tag, "name": tag}));
        }
        s = s.push(json!({"kind": "author", "slug": "ana-lee", "name": "Ana Lee"}));
        s = s.push(json!({"kind": "author", "slug": "ben-okafor", "name": "Ben Okafor"}));
        for record in [
            story(
                "inflation-cools",
                "business",
                &["economy"],
                "Inflation cools in spring",
                "Prices rose less than expected and the central bank held its rate.",
                "2026-03-01T08:00:00Z",
            ),
            story(
                "markets-wobble",
                "business",
                &["economy"],
                "Markets wobble",
                "Traders weighed talk of inflation against strong jobs data.",
                "2026-03-02T08:00:00Z",
            ),
            story(
                "bank-of-the-river",
                "world",
                &["climate"],
                "A bank of the river floods",
                "The river bank gave way; the central square was closed.",
                "2026-03-03T08:00:00Z",
            ),
            story(
                "summit-energy",
                "world",
                &["energy", "climate"],
                "Summit on energy",
                "Leaders met to discuss energy prices and the climate.",
                "2026-03-04T08:00:00Z",
            ),
            story(
                "wind-power",
                "news",
                &["energy"],
                "Wind power grows",
                "Wind farms produced record power as prices fell.",
                "2026-03-05T08:00:00Z",
            ),
        ] {
            s = s.push(record);
        }
        let mut draft = story(
            "secret-inflation",
            "business",
            &["economy"],
            "Inflation draft",
            "inflation inflation",
            "2026-03-06T08:00:00Z",
        );
        draft["status"] = json!("draft");
        let mut future =
            story("future-inflation", "business", &["economy"], "Inflation later", "inflation", "2099-01-01T00:00:00Z");
        future["status"] = json!("published");
        s.push(draft).push(future)
    }

    /// The newsroom with reading history: readers of `inflation-cools` also read
    /// `markets-wobble`; others read the energy stories; all in the last hour.
    pub fn newsroom_with_readers() -> Site {
        let at = |minutes: i64| {
            (chrono::Utc::now() - chrono::TimeDelta::minutes(minutes))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        let mut s = Self::newsroom();
        let mut read = |session: String, slug: &str, minutes: i64| {
            s = std::mem::replace(&mut s, Self::empty())
                .push(json!({"kind": "view", "article": slug, "sessionId": session, "at": at(minutes)}));
        };
        for i in 0..5 {
            read(format!("econ-reader-{i}"), "inflation-cools", 50);
            read(format!("econ-reader-{i}"), "markets-wobble", 40);
        }
        for i in 0..3 {
            read(format!("energy-reader-{i}"), "summit-energy", 30);
            read(format!("energy-reader-{i}"), "wind-power", 20);
        }
        read("the-reader-1".to_owned(), "inflation-cools", 10);
        s
    }

    /// Two topics, each its own section and vocabulary: ten sport stories (match
    /// reports) and ten economy stories, spread over several tags each; fans who
    /// read the sport stories, investors who read the economy ones, and one fan,
    /// `the-fan-1`, who read five sport stories.
    pub fn two_topics() -> Site {
        let mut s = Self::empty();
        for section in ["sport", "business"] {
            s = s.push(json!({"kind": "section", "slug": section, "name": section}));
        }
        let sport_tags = ["football", "tennis", "cycling", "rugby", "golf"];
        let economy_tags = ["economy", "markets", "jobs"];
        for tag in sport_tags.iter().chain(&economy_tags) {
            s = s.push(json!({"kind": "tag", "slug": tag, "name": tag}));
        }
        s = s.push(json!({"kind": "author", "slug": "ana-lee", "name": "Ana Lee"}));
        let day = |i: usize| format!("2026-03-{:02}T08:00:00Z", i + 1);
        let topics = [
            (
                "match-report",
                "Match report",
                "sport",
                &sport_tags[..4],
                "the striker scores at the stadium",
                "The striker scored twice; the goalkeeper saved a penalty and the fans at the stadium sang as the league leaders won.",
            ),
            (
                "economy-brief",
                "Economy brief",
                "business",
                &economy_tags[..],
                "inflation and interest rates",
                "Inflation eased; the central bank kept interest rates steady and bond yields fell as investors weighed the budget.",
            ),
        ];
        for i in 0..10 {
            for (slug, name, section, tags, title, text) in topics {
                let tag = [tags[i % tags.len()]];
                s = s.push(story(
                    &format!("{slug}-{i}"),
                    section,
                    &tag,
                    &format!("{name} {i}: {title}"),
                    text,
                    &day(i),
                ));
            }
        }
        let at = |minutes: i64| {
            (chrono::Utc::now() - chrono::TimeDelta::minutes(minutes))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        let mut read = |session: String, slug: String, minutes: i64| {
            s = std::mem::replace(&mut s, Self::empty())
                .push(json!({"kind": "view", "article": slug, "sessionId": session, "at": at(minutes)}));
        };
        for reader in 0..6 {
            for i in 0..10 {
                read(format!("fan-reader-{reader:02}"), format!("match-report-{}", (i + reader) % 10), 50 - i as i64);
                read(
                    format!("investor-reader-{reader:02}"),
                    format!("economy-brief-{}", (i + reader) % 10),
                    50 - i as i64,
                );
            }
        }
        for i in 0..5 {
            read("the-fan-1".to_owned(), format!("match-report-{i}"), 20 - i);
        }
        s
    }
}

/// An article whose body is one paragraph of `text`.
pub fn story(slug: &str, section: &str, tags: &[&str], title: &str, text: &str, published: &str) -> Value {
    json!({
        "kind": "article", "slug": slug, "title": title, "summary": format!("About {title}"),
        "section": section, "tags": tags, "authors": ["ana-lee"],
        "body": [{"type": "paragraph", "spans": [{"text": text}]}],
        "status": "published", "publishedAt": published
    })
}
