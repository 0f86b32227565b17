//! The NDJSON interchange format of `newsdesk import` and `newsdesk export`:
//! one object a line, tagged by `kind`.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::body::{Block, Image, validate_body};
use crate::error::{Error, Result, Validator};
use crate::model::{ReactionCount, Status};
use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    Section(SectionRecord),
    Tag(TagRecord),
    Author(AuthorRecord),
    Article(Box<ArticleRecordIn>),
    View(ViewRecord),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SectionRecord {
    pub slug: Slug,
    pub name: String,
    /// The parent section's slug; parents come first in a file.
    #[serde(default)]
    pub parent: Option<Slug>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagRecord {
    pub slug: Slug,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorRecord {
    pub slug: Slug,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
}

/// An article as written: the admin create shape plus `status`, `views` and `reactions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleRecordIn {
    pub slug: Slug,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub section: Slug,
    #[serde(default)]
    pub tags: Vec<Slug>,
    #[serde(default)]
    pub authors: Vec<Slug>,
    pub body: Vec<Block>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hero_image: Option<Image>,
    #[serde(default = "default_status")]
    pub status: Status,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Lifetime view total.
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub reactions: Vec<ReactionCount>,
}

fn default_status() -> Status {
    Status::Draft
}

/// One read of an article by a reader session, at a time: reading history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViewRecord {
    pub article: Slug,
    pub session_id: String,
    pub at: DateTime<Utc>,
}

const MAX_TITLE: usize = 300;
const MAX_SUMMARY: usize = 2_000;
pub const MAX_NAME: usize = 200;

/// Check a display name: present, short, single line.
pub fn check_name(v: &mut Validator, field: &str, name: &str, max: usize) {
    if name.trim().is_empty() {
        v.push(field, "must not be empty");
    } else if name.chars().count() > max {
        v.push(field, format!("must be at most {max} characters"));
    } else if name.chars().any(char::is_control) {
        v.push(field, "must not contain control characters");
    }
}

/// A reader session id: 8 to 128 characters of `[A-Za-z0-9_-]`.
pub fn check_session_id(field: &str, s: &str) -> Result<()> {
    let ok = (8..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(Error::field(field, "must be 8 to 128 characters of A-Z, a-z, 0-9, _ and -")) }
}

impl Record {
    /// Parse and validate one line of an import file.
    pub fn parse_line(line: &str) -> Result<Record> {
        let mut record: Record = serde_json::from_str(line).map_err(|e| Error::field("", e.to_string()))?;
        record.normalize();
        record.validate()?;
        Ok(record)
    }

    /// Timestamps are kept to the microsecond on every backend.
    fn normalize(&mut self) {
        match self {
            Record::Article(a) => a.published_at = a.published_at.map(|t| t.trunc_subsecs(6)),
            Record::View(v) => v.at = v.at.trunc_subsecs(6),
            _ => {}
        }
    }

    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        match self {
            Record::Section(s) => check_name(&mut v, "name", &s.name, MAX_NAME),
            Record::Tag(t) => check_name(&mut v, "name", &t.name, MAX_NAME),
            Record::Author(a) => {
                check_name(&mut v, "name", &a.name, MAX_NAME);
                if let Some(bio) = &a.bio {
                    v.text("bio", bio, MAX_SUMMARY);
                }
            }
            Record::Article(a) => a.validate_into(&mut v),
            Record::View(view) => {
                v.check(check_session_id("sessionId", &view.session_id));
            }
        }
        v.finish()
    }
}

/// The rules every article meets, however it is written (import or admin API).
/// Fields that are not given (`None`) are not checked.
pub fn check_article(
    v: &mut Validator,
    title: Option<&str>,
    summary: Option<&str>,
    body: Option<&[Block]>,
    hero_image: Option<&Image>,
    tags: usize,
    authors: usize,
) {
    if let Some(title) = title {
        check_name(v, "title", title, MAX_TITLE);
    }
    if let Some(summary) = summary {
        v.text("summary", summary, MAX_SUMMARY);
    }
    if let Some(body) = body {
        validate_body(body, v);
    }
    if let Some(img) = hero_image {
        img.validate_into(v, "heroImage");
    }
    if tags > 50 {
        v.push("tags", "at most 50 tags");
    }
    if authors > 20 {
        v.push("authors", "at most 20 authors");
    }
}

impl ArticleRecordIn {
    pub fn validate_into(&self, v: &mut Validator) {
        let (tags, authors) = (self.tags.len(), self.authors.len());
        let (title, summary, body) =
            (Some(self.title.as_str()), Some(self.summary.as_str()), Some(self.body.as_slice()));
        check_article(v, title, summary, body, self.hero_image.as_ref(), tags, authors);
        if matches!(self.status, Status::Published | Status::Scheduled) && self.published_at.is_none() {
            v.push("publishedAt", "is required for published and scheduled articles");
        }
        if self.views < 0 {
            v.push("views", "must not be negative");
        }
        for (i, r) in self.reactions.iter().enumerate() {
            if Slug::parse(r.kind.as_str()).is_err() {
                v.push(format!("reactions[{i}].kind"), "must be a slug such as very-good");
            }
            if r.count < 0 {
                v.push(format!("reactions[{i}].count"), "must not be negative");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_bad_fields() {
        let ok = r#"{"kind":"article","slug":"a-b","title":"T","section":"news","body":[],"status":"published","publishedAt":"2026-01-01T00:00:00Z"}"#;
        assert!(matches!(Record::parse_line(ok), Ok(Record::Article(_))));
        let bad = r#"{"kind":"article","slug":"a-b","title":"","section":"news","body":[],"status":"published"}"#;
        let e = Record::parse_line(bad).unwrap_err();
        let names: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["title", "publishedAt"]);
        assert!(Record::parse_line(r#"{"kind":"video"}"#).is_err());
        assert!(
            Record::parse_line(r#"{"kind":"view","article":"a","sessionId":"short","at":"2026-01-01T00:00:00Z"}"#)
                .is_err()
        );
    }
}
