//! Webhooks, their deliveries, and the transport that sends them.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// What happened, as subscribers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ArticleCreated,
    ArticleUpdated,
    ArticlePublished,
    ArticleUnpublished,
    ArticleScheduled,
    ArticleArchived,
    ArticleDeleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<EventKind>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

/// One event for one webhook: the delivery log an admin reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A delivery claimed for sending, with what sending needs.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event: String,
    pub payload: String,
    pub attempts: i32,
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    /// When to try again (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

pub trait WebhookRepo: Send + Sync {
    fn create_webhook(&self, url: &str, events: &[EventKind], secret: &str, actor: &str) -> Result<Webhook>;
    fn webhooks(&self) -> Result<Vec<Webhook>>;
    fn delete_webhook(&self, id: i64, actor: &str) -> Result<bool>;
    /// A webhook's deliveries, newest first, before the delivery `before`.
    fn deliveries(&self, webhook: i64, before: Option<i64>, fetch: i64) -> Result<Vec<Delivery>>;
    /// Claim up to `limit` pending deliveries due at `now` until `lease_until`.
    fn claim_due(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<Due>>;
    fn record_attempt(&self, id: i64, attempt: &Attempt, at: DateTime<Utc>) -> Result<()>;
}

/// Sends one signed POST; the HTTP status, or why there was none (for the
/// operator's log: the delivery log says only "not delivered", so that it
/// cannot be used to tell open ports from closed ones).
pub trait Transport: Send + Sync {
    fn post(&self, url: &str, headers: &[(&str, String)], body: &[u8]) -> std::result::Result<u16, String>;
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::ArticleCreated,
        EventKind::ArticleUpdated,
        EventKind::ArticlePublished,
        EventKind::ArticleUnpublished,
        EventKind::ArticleScheduled,
        EventKind::ArticleArchived,
        EventKind::ArticleDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ArticleCreated => "article.created",
            EventKind::ArticleUpdated => "article.updated",
            EventKind::ArticlePublished => "article.published",
            EventKind::ArticleUnpublished => "article.unpublished",
            EventKind::ArticleScheduled => "article.scheduled",
            EventKind::ArticleArchived => "article.archived",
            EventKind::ArticleDeleted => "article.deleted",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = Self::ALL.iter().map(|e| e.as_str()).collect();
            Error::field(field, format!("`{s}` is not an event ({})", all.join(", ")))
        })
    }
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| Error::internal(format!("unknown delivery status {s}")))
    }
}
