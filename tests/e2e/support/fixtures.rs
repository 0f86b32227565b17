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
