//! API keys and their scopes.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// A stored key (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub name: String,
    pub key_id: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub trait KeyRepo: Send + Sync {
    /// Store a new key; a conflict when an active key has the same name.
    fn insert_key(&self, key: &ApiKey, secret_hash: &str) -> Result<()>;
    /// An active key by its public id, with the hash of its secret.
    fn active_key(&self, key_id: &str) -> Result<Option<(ApiKey, String)>>;
    /// Every key, active and revoked, newest first.
    fn keys(&self) -> Result<Vec<ApiKey>>;
    /// Revoke the active key named `name`; whether there was one.
    fn revoke_key(&self, name: &str, at: DateTime<Utc>) -> Result<bool>;
}

/// What a key may do. Each scope includes the ones before it in this list;
/// `admin` includes everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Public reads, when reads require a key.
    ContentRead,
    /// Also drafts and scheduled articles.
    ContentPreview,
    /// Create and change content.
    ContentWrite,
    /// Everything, including webhooks, the audit log and key management.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::ContentRead, Scope::ContentPreview, Scope::ContentWrite, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContentRead => "content:read",
            Scope::ContentPreview => "content:preview",
            Scope::ContentWrite => "content:write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|sc| sc.as_str() == s).ok_or_else(|| {
            Error::field("scope", format!("`{s}` is not a scope (content:read, content:preview, content:write, admin)"))
        })
    }
}
