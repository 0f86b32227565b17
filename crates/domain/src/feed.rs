//! What feeds and sitemaps list, with links to the public site's pages
//! (`--site-url`, `--article-url`). Rendering them (RSS, JSON Feed, sitemap
//! XML) is the API's.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::body::Image;
use crate::error::{Error, Result};
use crate::model::{Article, ArticleId};
use crate::ports::{ContentRepo, SITEMAP_URLS};
use crate::query::{ArticleFilter, ArticleSort, Limit, PageRequest};
use crate::service::{ContentService, now};
use crate::slug::Slug;

/// The public site whose pages feeds and sitemaps link to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub title: String,
    /// Its address, without a trailing slash: `https://www.example.com`.
    pub url: String,
    /// The language of its articles (BCP 47, as `en` or `pt-BR`).
    pub language: String,
    /// Where an article's page is: `{site}`, `{section}` (the section's slug),
    /// `{slug}` and `{id}` are replaced.
    pub article_url: String,
}

impl Site {
    pub const DEFAULT_ARTICLE_URL: &'static str = "{site}/{section}/{slug}";

    /// A site, checked: an absolute http(s) address, and a pattern that names
    /// the article.
    pub fn new(title: String, url: &str, language: String, article_url: String) -> Result<Self> {
        let url = url.trim_end_matches('/').to_owned();
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(Error::operator(format!("--site-url `{url}`: an absolute http(s) address is needed")));
        }
        if !article_url.contains("{slug}") && !article_url.contains("{id}") {
            return Err(Error::operator(format!(
                "--article-url `{article_url}`: name the article with {{slug}} or {{id}}"
            )));
        }
        if !article_url.starts_with("{site}")
            && !article_url.starts_with("http://")
            && !article_url.starts_with("https://")
        {
            return Err(Error::operator(format!(
                "--article-url `{article_url}`: start with {{site}} or an http(s) address"
            )));
        }
        let valid_language = !language.is_empty()
            && language.len() <= 35
            && language.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !valid_language {
            return Err(Error::operator(format!("--site-language `{language}`: a language tag, as `en` or `pt-BR`")));
        }
        Ok(Self { title, url, language, article_url })
    }

    /// `src` as an absolute address: as it is, or on the site when it is a
    /// path; `None` for anything else.
    pub fn absolute(&self, src: &str) -> Option<String> {
        if src.starts_with("https://") || src.starts_with("http://") {
            Some(src.to_owned())
        } else if src.starts_with('/') && !src.starts_with("//") {
            Some(format!("{}{src}", self.url))
        } else {
            None
        }
    }

    /// The public address of the article `slug` (id `id`) in the section `section`.
    pub fn article_link(&self, id: ArticleId, section: &str, slug: &str) -> String {
        self.article_url
            .replace("{site}", &self.url)
            .replace("{section}", section)
            .replace("{slug}", slug)
            .replace("{id}", &id.global().to_string())
    }
}

/// What a feed covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedScope {
    Site,
    /// A section, with its sub-sections.
    Section(Slug),
    Tag(Slug),
    Author(Slug),
}

/// The newest articles of a scope.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone)]
pub struct FeedItem {
    /// The article's global id (`article_42`): stable across renames.
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    pub authors: Vec<String>,
    /// The section's name, then the tags' names.
    pub categories: Vec<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub image: Option<Image>,
}

/// An article of a news sitemap.
#[derive(Debug, Clone)]
pub struct NewsEntry {
    pub url: String,
    pub title: String,
    pub published_at: DateTime<Utc>,
}

/// A page address and when it last changed.
#[derive(Debug, Clone)]
pub struct SitemapUrl {
    pub url: String,
    pub updated_at: DateTime<Utc>,
}

pub struct FeedService {
    content: Arc<ContentService>,
    repo: Arc<dyn ContentRepo>,
    site: Site,
}

/// Articles a feed lists.
pub const FEED_ITEMS: Limit = Limit::new_const(20);
/// How far back a news sitemap reaches, and how many articles it lists at most
/// (Google's rules for news sitemaps).
pub const NEWS_WINDOW: TimeDelta = TimeDelta::hours(48);
pub const NEWS_URLS: usize = 1_000;

impl FeedService {
    pub fn new(content: Arc<ContentService>, repo: Arc<dyn ContentRepo>, site: Site) -> Self {
        Self { content, repo, site }
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The newest published articles of `scope`; an unknown section, tag or
    /// author is not found.
    pub fn feed(&self, scope: &FeedScope) -> Result<Feed> {
        let site = &self.site.title;
        let (filter, title, description) = match scope {
            FeedScope::Site => (ArticleFilter::default(), site.clone(), format!("The latest articles of {site}")),
            FeedScope::Section(slug) => {
                // The name only: `ContentService::section` counts every section's articles.
                let tree = self.content.section_tree()?;
                let s = tree.by_slug(slug.as_str()).ok_or_else(|| Error::not_found(format!("section `{slug}`")))?;
                let filter = ArticleFilter { section: Some(slug.clone()), ..Default::default() };
                (filter, format!("{site}: {}", s.name), format!("The latest articles in {}", s.name))
            }
            FeedScope::Tag(slug) => {
                let t = self.content.tag(slug.as_str())?;
                let filter = ArticleFilter { tags: vec![slug.clone()], ..Default::default() };
                (filter, format!("{site}: {}", t.item.name), format!("The latest articles about {}", t.item.name))
            }
            FeedScope::Author(slug) => {
                let a = self.content.author(slug.as_str())?;
                let filter = ArticleFilter { author: Some(slug.clone()), ..Default::default() };
                (filter, format!("{site}: {}", a.item.name), format!("The latest articles by {}", a.item.name))
            }
        };
        let page = PageRequest::after(None, FEED_ITEMS);
        let articles = self.content.list_articles(&filter, ArticleSort::PublishedAtDesc, &page)?.items;
        Ok(Feed { title, description, items: articles.iter().map(|a| self.item(a)).collect() })
    }

    fn item(&self, a: &Article) -> FeedItem {
        let r = &a.record;
        let section = a.section_path.last();
        FeedItem {
            id: r.id.global().to_string(),
            url: self.link(a),
            title: r.title.clone(),
            summary: r.summary.clone(),
            authors: a.authors.iter().map(|au| au.name.clone()).collect(),
            categories: section
                .map(|s| s.name.clone())
                .into_iter()
                .chain(a.tags.iter().map(|t| t.name.clone()))
                .collect(),
            published_at: r.published_at.unwrap_or(r.updated_at),
            updated_at: r.updated_at,
            image: r.hero_image.clone().and_then(|mut i| {
                i.src = self.site.absolute(&i.src)?;
                Some(i)
            }),
        }
    }

    fn link(&self, a: &Article) -> String {
        let section = a.section_path.last().map_or("", |s| s.slug.as_str());
        self.site.article_link(a.record.id, section, a.record.slug.as_str())
    }

    /// Articles published in the last 48 hours, newest first (at most 1,000).
    pub fn news(&self) -> Result<Vec<NewsEntry>> {
        let filter = ArticleFilter { published_after: Some(now() - NEWS_WINDOW), ..Default::default() };
        let mut page = PageRequest::after(None, Limit::new_const(Limit::MAX));
        let mut out = Vec::new();
        loop {
            let found = self.content.list_articles(&filter, ArticleSort::PublishedAtDesc, &page)?;
            out.extend(found.items.iter().map(|a| NewsEntry {
                url: self.link(a),
                title: a.record.title.clone(),
                published_at: a.record.published_at.unwrap_or(a.record.updated_at),
            }));
            match found.next_cursor {
                Some(next) if out.len() < NEWS_URLS => page.cursor = Some(next),
                _ => break,
            }
        }
        out.truncate(NEWS_URLS);
        Ok(out)
    }

    /// The article sitemaps: their numbers (from 1) and last changes.
    pub fn sitemaps(&self) -> Result<Vec<(i64, DateTime<Utc>)>> {
        Ok(self.repo.sitemap_blocks(now())?.into_iter().map(|(n, at)| (n + 1, at)).collect())
    }

    /// The articles of sitemap `n` (from 1): at most [`SITEMAP_URLS`]; an empty
    /// or unknown one is not found.
    pub fn sitemap(&self, n: i64) -> Result<Vec<SitemapUrl>> {
        let missing = || Error::not_found(format!("sitemap {n}"));
        if !(1..=i64::MAX / SITEMAP_URLS).contains(&n) {
            return Err(missing());
        }
        let entries = self.repo.sitemap_block(n - 1, now())?;
        if entries.is_empty() {
            return Err(missing());
        }
        let tree = self.content.section_tree()?;
        Ok(entries
            .into_iter()
            .map(|e| {
                let section = tree.get(e.section_id).map_or("", |s| s.slug.as_str());
                SitemapUrl { url: self.site.article_link(e.id, section, e.slug.as_str()), updated_at: e.updated_at }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pattern: &str) -> Result<Site> {
        Site::new("Daily".into(), "https://news.example.com/", "en".into(), pattern.into())
    }

    #[test]
    fn article_links_follow_the_pattern() {
        let s = site(Site::DEFAULT_ARTICLE_URL).unwrap();
        assert_eq!(s.article_link(ArticleId(7), "world", "a-b"), "https://news.example.com/world/a-b");
        let s = site("https://m.example.com/a/{id}").unwrap();
        assert_eq!(s.article_link(ArticleId(7), "world", "a-b"), "https://m.example.com/a/article_7");
    }

    #[test]
    fn bad_sites_are_refused() {
        assert!(site("{site}/{section}").is_err(), "no article named");
        assert!(site("/{slug}").is_err(), "relative");
        assert!(Site::new("D".into(), "news.example.com", "en".into(), Site::DEFAULT_ARTICLE_URL.into()).is_err());
        assert!(Site::new("D".into(), "https://x.org", "e n".into(), Site::DEFAULT_ARTICLE_URL.into()).is_err());
    }
}
