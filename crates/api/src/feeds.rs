//! Feeds and sitemaps as documents: RSS 2.0, JSON Feed 1.1, sitemaps
//! (sitemaps.org 0.9) and Google News sitemaps. What they list comes from
//! [`newsdesk_domain::feed`].

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use newsdesk_domain::feed::{Feed, NewsEntry, Site, SitemapUrl};
use serde::Serialize;
use utoipa::ToSchema;

/// Text for XML: the five special characters escaped, and characters XML 1.0
/// cannot hold at all (most control characters) left out.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The media type of an image, from its address's extension.
fn image_type(src: &str) -> &'static str {
    let path = src.split(['?', '#']).next().unwrap_or(src).to_ascii_lowercase();
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

pub const RSS: &str = "application/rss+xml; charset=utf-8";
pub const JSON_FEED: &str = "application/feed+json";
pub const XML: &str = "application/xml; charset=utf-8";

/// An RSS 2.0 document. Authors are `dc:creator` (RSS's own `author` must be
/// an e-mail address); the hero image is the enclosure, of unknown length (0,
/// as the RSS Best Practices Profile advises).
pub fn rss(site: &Site, feed: &Feed) -> String {
    let mut out = String::with_capacity(1_024 + feed.items.len() * 1_024);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push_str("\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
    let _ = write!(
        out,
        "<title>{}</title>\n<link>{}/</link>\n<description>{}</description>\n<language>{}</language>\n",
        xml(&feed.title),
        xml(&site.url),
        xml(&feed.description),
        xml(&site.language),
    );
    if let Some(newest) = feed.items.iter().map(|i| i.updated_at.max(i.published_at)).max() {
        let _ = writeln!(out, "<lastBuildDate>{}</lastBuildDate>", newest.to_rfc2822());
    }
    out.push_str("<generator>Newsdesk</generator>\n<docs>https://www.rssboard.org/rss-specification</docs>\n");
    for item in &feed.items {
        out.push_str("<item>\n");
        let _ = write!(
            out,
            "<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{}</guid>\n<description>{}</description>\n",
            xml(&item.title),
            xml(&item.url),
            xml(&item.id),
            xml(&item.summary),
        );
        for name in &item.authors {
            let _ = writeln!(out, "<dc:creator>{}</dc:creator>", xml(name));
        }
        for c in &item.categories {
            let _ = writeln!(out, "<category>{}</category>", xml(c));
        }
        let _ = writeln!(out, "<pubDate>{}</pubDate>", item.published_at.to_rfc2822());
        if let Some(image) = &item.image {
            let _ = writeln!(
                out,
                "<enclosure url=\"{}\" length=\"0\" type=\"{}\"/>",
                xml(&image.src),
                image_type(&image.src)
            );
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// A JSON Feed 1.1 document (<https://www.jsonfeed.org/version/1.1/>).
#[derive(Serialize, ToSchema)]
pub struct JsonFeed<'a> {
    /// `https://jsonfeed.org/version/1.1`.
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    description: &'a str,
    language: &'a str,
    items: Vec<JsonFeedItem<'a>>,
}

/// An article of a JSON feed.
#[derive(Serialize, ToSchema)]
pub struct JsonFeedItem<'a> {
    /// The article's global id.
    id: &'a str,
    /// Its page on the public site.
    url: &'a str,
    title: &'a str,
    /// The summary.
    content_text: &'a str,
    summary: &'a str,
    /// The hero image.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    authors: Vec<JsonFeedAuthor<'a>>,
    /// The section's name, then the tags'.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    tags: Vec<&'a str>,
}

#[derive(Serialize, ToSchema)]
pub struct JsonFeedAuthor<'a> {
    name: &'a str,
}

/// A JSON Feed 1.1 document.
pub fn json_feed(site: &Site, feed: &Feed) -> serde_json::Result<Vec<u8>> {
    let items = feed
        .items
        .iter()
        .map(|i| JsonFeedItem {
            id: &i.id,
            url: &i.url,
            title: &i.title,
            content_text: &i.summary,
            summary: &i.summary,
            image: i.image.as_ref().map(|im| im.src.as_str()),
            date_published: w3c(i.published_at),
            date_modified: w3c(i.updated_at),
            authors: i.authors.iter().map(|name| JsonFeedAuthor { name }).collect(),
            tags: i.categories.iter().map(String::as_str).collect(),
        })
        .collect();
    serde_json::to_vec(&JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: format!("{}/", site.url),
        description: &feed.description,
        language: &site.language,
        items,
    })
}

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The sitemap index: one sitemap per block of article ids, at
/// `{site}/sitemaps/articles-{n}.xml` (the site serves them from Newsdesk).
pub fn sitemap_index(site: &Site, sitemaps: &[(i64, DateTime<Utc>)]) -> String {
    let mut out = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"{SITEMAP_NS}\">\n");
    for (n, at) in sitemaps {
        let loc = format!("{}/sitemaps/articles-{n}.xml", site.url);
        let _ = writeln!(out, "<sitemap><loc>{}</loc><lastmod>{}</lastmod></sitemap>", xml(&loc), w3c(*at));
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// A sitemap of article pages.
pub fn sitemap(urls: &[SitemapUrl]) -> String {
    let mut out = String::with_capacity(128 + urls.len() * 128);
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\">");
    for u in urls {
        let _ = writeln!(out, "<url><loc>{}</loc><lastmod>{}</lastmod></url>", xml(&u.url), w3c(u.updated_at));
    }
    out.push_str("</urlset>\n");
    out
}

/// A Google News sitemap.
pub fn news_sitemap(site: &Site, entries: &[NewsEntry]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n"
    );
    let publication = format!(
        "<news:publication><news:name>{}</news:name><news:language>{}</news:language></news:publication>",
        xml(&site.title),
        xml(&site.language.to_ascii_lowercase()),
    );
    for e in entries {
        let _ = writeln!(
            out,
            "<url><loc>{}</loc><news:news>{publication}<news:publication_date>{}</news:publication_date>\
             <news:title>{}</news:title></news:news></url>",
            xml(&e.url),
            w3c(e.published_at),
            xml(&e.title),
        );
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_impossible_characters_dropped() {
        assert_eq!(xml("a<b & \"c\" 'd'>\u{1}\u{7}e\n"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;e\n");
    }

    #[test]
    fn image_types_come_from_extensions() {
        assert_eq!(image_type("https://x.org/a.PNG?w=2"), "image/png");
        assert_eq!(image_type("https://x.org/a.webp#f"), "image/webp");
        assert_eq!(image_type("https://x.org/photo"), "image/jpeg");
    }
}
