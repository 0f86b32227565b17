//! Typed article body blocks and their validation.
//!
//! The JSON shape (tagged by `type`) is the wire format of REST, of the import file
//! and of the database column alike.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Validator};
use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    Paragraph {
        spans: Vec<Span>,
    },
    Heading {
        level: u8,
        text: String,
    },
    LinkList {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        items: Vec<LinkItem>,
    },
    Quote {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribution: Option<String>,
    },
    Image {
        src: String,
        alt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    Embed {
        provider: String,
        url: String,
    },
}

/// A run of paragraph text with its inline marks; `href` or `article` make it a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Span {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    /// An external link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// A link to another article, by slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Slug>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Bold,
    Italic,
}

/// One entry of a `link_list`: either another article (by slug) or an external URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkItem {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Slug>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An image reference, used by image blocks and an article's hero image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    pub src: String,
    pub alt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

pub const MAX_BLOCKS: usize = 500;
const MAX_TEXT: usize = 20_000;

/// Only these URL forms may appear in content: web links, mail links and
/// site-relative paths. Everything else (`javascript:`, `data:`, `vbscript:`,
/// `file:` …) is rejected, whatever its case or leading whitespace.
pub fn check_url(url: &str) -> Result<()> {
    let trimmed: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let lower = trimmed.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://")) && trimmed.len() > 8
        || lower.starts_with("mailto:")
        || (lower.starts_with('/') && !lower.starts_with("//"));
    if !ok || url.len() > 2048 || trimmed.len() != url.len() {
        return Err(Error::field("", "must be an http(s) or mailto URL, or a site-relative path"));
    }
    Ok(())
}

fn check_text(v: &mut Validator, field: &str, text: &str, required: bool) {
    if required && text.trim().is_empty() {
        v.push(field, "must not be empty");
    } else {
        v.text(field, text, MAX_TEXT);
    }
}

fn check_url_field(v: &mut Validator, field: &str, url: &str) {
    v.check(check_url(url).map_err(|e| e.nested(field)));
}

impl Image {
    pub fn validate_into(&self, v: &mut Validator, field: &str) {
        check_url_field(v, &format!("{field}.src"), &self.src);
        check_text(v, &format!("{field}.alt"), &self.alt, false);
        if let Some(caption) = &self.caption {
            check_text(v, &format!("{field}.caption"), caption, false);
        }
    }
}

impl Block {
    fn validate_into(&self, v: &mut Validator, f: &str) {
        match self {
            Block::Paragraph { spans } => {
                if spans.is_empty() {
                    v.push(format!("{f}.spans"), "must not be empty");
                }
                for (i, s) in spans.iter().enumerate() {
                    let sf = format!("{f}.spans[{i}]");
                    check_text(v, &format!("{sf}.text"), &s.text, true);
                    if let Some(href) = &s.href {
                        check_url_field(v, &format!("{sf}.href"), href);
                    }
                    if s.href.is_some() && s.article.is_some() {
                        v.push(sf, "a span links to either `href` or `article`, not both");
                    }
                }
            }
            Block::Heading { level, text } => {
                if !(2..=4).contains(level) {
                    v.push(format!("{f}.level"), "must be 2, 3 or 4");
                }
                check_text(v, &format!("{f}.text"), text, true);
            }
            Block::LinkList { items, title } => {
                if let Some(title) = title {
                    check_text(v, &format!("{f}.title"), title, false);
                }
                if items.is_empty() {
                    v.push(format!("{f}.items"), "must not be empty");
                }
                for (i, item) in items.iter().enumerate() {
                    let itf = format!("{f}.items[{i}]");
                    check_text(v, &format!("{itf}.text"), &item.text, true);
                    match (&item.article, &item.url) {
                        (Some(_), None) => {}
                        (None, Some(url)) => check_url_field(v, &format!("{itf}.url"), url),
                        _ => v.push(itf, "needs exactly one of `article` (a slug) or `url`"),
                    }
                }
            }
            Block::Quote { text, attribution } => {
                check_text(v, &format!("{f}.text"), text, true);
                if let Some(a) = attribution {
                    check_text(v, &format!("{f}.attribution"), a, false);
                }
            }
            Block::Image { src, alt, caption } => {
                check_url_field(v, &format!("{f}.src"), src);
                check_text(v, &format!("{f}.alt"), alt, false);
                if let Some(c) = caption {
                    check_text(v, &format!("{f}.caption"), c, false);
                }
            }
            Block::Embed { provider, url } => {
                check_text(v, &format!("{f}.provider"), provider, true);
                check_url_field(v, &format!("{f}.url"), url);
            }
        }
    }

    /// Plain text of the block, for reading time and (later) search.
    pub fn plain_text(&self, out: &mut String) {
        let mut push = |s: &str| {
            out.push_str(s);
            out.push(' ');
        };
        match self {
            Block::Paragraph { spans } => spans.iter().for_each(|s| push(&s.text)),
            Block::Heading { text, .. } | Block::Quote { text, .. } => push(text),
            Block::LinkList { title, items } => {
                title.iter().for_each(|t| push(t));
                items.iter().for_each(|i| push(&i.text));
            }
            Block::Image { caption, .. } => caption.iter().for_each(|c| push(c)),
            Block::Embed { .. } => {}
        }
    }
}

/// Validate a whole body, naming each bad field as `body[i]…`.
pub fn validate_body(body: &[Block], v: &mut Validator) {
    if body.len() > MAX_BLOCKS {
        v.push("body", format!("at most {MAX_BLOCKS} blocks"));
    }
    for (i, b) in body.iter().enumerate() {
        b.validate_into(v, &format!("body[{i}]"));
    }
}

/// Parse a body from JSON, naming the block at fault when a block is malformed or of
/// an unknown type.
pub fn parse_body(value: serde_json::Value) -> Result<Vec<Block>> {
    let serde_json::Value::Array(items) = value else {
        return Err(Error::field("body", "must be an array of blocks"));
    };
    let mut v = Validator::default();
    let mut blocks = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<Block>(item) {
            Ok(b) => blocks.push(b),
            Err(e) => v.push(format!("body[{i}]"), e.to_string()),
        }
    }
    v.finish()?;
    Ok(blocks)
}

/// Reading time at 230 words a minute, at least one minute.
pub fn reading_time_minutes(body: &[Block]) -> i32 {
    let mut text = String::new();
    body.iter().for_each(|b| b.plain_text(&mut text));
    let words = text.split_whitespace().count();
    i32::try_from(words.div_ceil(230).max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_urls_are_rejected() {
        for bad in
            ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil.com", "vbscript:x", "https://"]
        {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        for ok in ["https://example.com/x", "http://a.b", "/sections/invest", "mailto:x@y.z"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn unknown_block_type_names_its_index() {
        let e = parse_body(serde_json::json!([{"type":"heading","level":2,"text":"x"},{"type":"video"}])).unwrap_err();
        assert_eq!(e.fields[0].field, "body[1]");
    }

    #[test]
    fn nested_errors_name_the_field() {
        let body = parse_body(serde_json::json!([
            {"type":"link_list","items":[{"text":"a","url":"javascript:x"}]},
            {"type":"heading","level":7,"text":"t"}
        ]))
        .unwrap();
        let mut v = Validator::default();
        validate_body(&body, &mut v);
        let e = v.finish().unwrap_err();
        let names: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["body[0].items[0].url", "body[1].level"]);
    }
}
