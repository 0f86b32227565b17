use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A URL-safe identifier: 1 to 120 characters of lowercase ASCII letters, digits
/// and single hyphens, neither starting nor ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 120;
    /// What [`Slug::parse`] accepts, as a regular expression (with [`Slug::MAX_LEN`]).
    pub const PATTERN: &str = r"^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn parse(s: impl Into<String>) -> Result<Self> {
        let s = s.into();
        let valid = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if valid {
            Ok(Self(s))
        } else {
            Err(Error::field(
                "",
                format!(
                    "`{}` is not a valid slug (1-{} characters: a-z, 0-9 and single hyphens)",
                    s.chars().take(60).collect::<String>(),
                    Self::MAX_LEN
                ),
            ))
        }
    }

    /// Derive a slug from free text ("Rates rise, again!" -> `rates-rise-again`).
    /// Always valid: text without letters or digits gives `untitled`.
    pub fn from_text(text: &str) -> Self {
        let mut out = String::with_capacity(text.len().min(Self::MAX_LEN));
        for c in text.chars() {
            if out.len() >= Self::MAX_LEN {
                break;
            }
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let trimmed = out.trim_end_matches('-');
        Self(if trimmed.is_empty() { "untitled".to_owned() } else { trimmed.to_owned() })
    }

    /// Parse a slug given by the client as the field `field`.
    pub fn parse_field(field: &str, s: impl Into<String>) -> Result<Self> {
        Self::parse(s).map_err(|e| e.nested(field))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_text_is_always_valid() {
        for (text, want) in
            [("Rates rise, again!", "rates-rise-again"), ("  --  ", "untitled"), ("Ünïcode ok", "n-code-ok")]
        {
            let s = Slug::from_text(text);
            assert_eq!(s.as_str(), want);
            assert!(Slug::parse(s.as_str()).is_ok());
        }
        assert!(Slug::parse(Slug::from_text(&"ab ".repeat(100)).as_str()).is_ok());
    }

    #[test]
    fn accepts_and_rejects() {
        for ok in ["a", "invest", "rates-rise-2026", "x1-y2"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "Upper", "sp ace", "ü", &"a".repeat(121)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }
}
