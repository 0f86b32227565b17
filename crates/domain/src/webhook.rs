//! Webhooks: events announced to subscribers' URLs.
//!
//! A change writes one delivery per subscribed webhook into the outbox, in the
//! change's own transaction; a worker on every node claims due deliveries (a
//! lease, so two nodes never send the same one at once), POSTs them signed with
//! HMAC-SHA256 and records the outcome. Failures are retried with exponential
//! backoff (capped at an hour between attempts) for about a day.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::auth::{Principal, hex, random_bytes, require};
use crate::error::{Error, Result, Validator};
use crate::model::Status;
use crate::ports::{Attempt, Delivery, DeliveryStatus, EventKind, Scope, Transport, Webhook, WebhookRepo};
use crate::query::{Limit, Page, paginate};
use crate::service::now;
use crate::targets::Targets;

/// One announcement, as delivered to every subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique per event; subscribers use it to drop duplicates.
    pub id: String,
    pub kind: EventKind,
    /// The JSON body sent (and signed).
    pub payload: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a, T: Serialize> {
    id: &'a str,
    event: &'static str,
    created_at: DateTime<Utc>,
    data: T,
}

/// What an article event says of the article.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleSummary<'a> {
    pub id: String,
    pub slug: &'a str,
    pub title: &'a str,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A new event about an article.
pub fn article_event(kind: EventKind, article: ArticleSummary<'_>, at: DateTime<Utc>) -> Result<Event> {
    let id = format!("evt_{}", hex(&random_bytes::<12>()?));
    #[derive(Serialize)]
    struct Data<'a> {
        article: ArticleSummary<'a>,
    }
    let payload = Payload { id: &id, event: kind.as_str(), created_at: at, data: Data { article } };
    let payload = serde_json::to_string(&payload).map_err(Error::internal)?;
    Ok(Event { id, kind, payload })
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under the webhook's secret.
pub fn signature(secret: &str, body: &[u8]) -> Result<String> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(Error::internal)?;
    mac.update(body);
    Ok(format!("sha256={}", hex(&mac.finalize().into_bytes())))
}

/// Attempts after which a delivery is given up (about a day with the default base).
pub const MAX_ATTEMPTS: i32 = 30;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a claimed delivery is reserved for the node that claimed it.
const LEASE: Duration = Duration::from_secs(60);

/// The wait after the `attempts`-th failed attempt: base · 2^(attempts-1), at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).clamp(0, 20);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

pub struct WebhookService {
    repo: Arc<dyn WebhookRepo>,
    retry_base: Duration,
    /// Where webhooks may point (the transport checks each delivery again).
    targets: Targets,
}

/// A new webhook with its signing secret, which is shown only here.
pub struct NewWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

impl WebhookService {
    pub fn new(repo: Arc<dyn WebhookRepo>, retry_base: Duration, targets: Targets) -> Self {
        Self { repo, retry_base, targets }
    }

    pub fn create(&self, who: Option<&Principal>, url: &str, events: &[String]) -> Result<NewWebhook> {
        let who = require(who, Scope::Admin)?;
        let mut v = Validator::default();
        v.check(self.targets.check_url(url));
        if events.is_empty() {
            v.push("events", "give at least one event");
        }
        let mut kinds: Vec<EventKind> = (events.iter().enumerate())
            .filter_map(|(i, e)| v.check(EventKind::parse(&format!("events[{i}]"), e)))
            .collect();
        v.finish()?;
        kinds.dedup();
        let secret = format!("whsec_{}", hex(&random_bytes::<24>()?));
        let webhook = self.repo.create_webhook(url, &kinds, &secret, &who.name)?;
        Ok(NewWebhook { webhook, secret })
    }

    pub fn list(&self, who: Option<&Principal>) -> Result<Vec<Webhook>> {
        require(who, Scope::Admin)?;
        self.repo.webhooks()
    }

    pub fn delete(&self, who: Option<&Principal>, id: i64) -> Result<()> {
        let who = require(who, Scope::Admin)?;
        if self.repo.delete_webhook(id, &who.name)? { Ok(()) } else { Err(Error::not_found(format!("webhook {id}"))) }
    }

    pub fn deliveries(
        &self,
        who: Option<&Principal>,
        webhook: i64,
        cursor: Option<&str>,
        limit: Limit,
    ) -> Result<Page<Delivery>> {
        require(who, Scope::Admin)?;
        if !self.repo.webhooks()?.iter().any(|w| w.id == webhook) {
            return Err(Error::not_found(format!("webhook {webhook}")));
        }
        let before = cursor.map(|c| crate::query::decode_cursor::<i64>("cursor", c)).transpose()?;
        let rows = self.repo.deliveries(webhook, before, i64::from(limit.get()) + 1)?;
        Ok(paginate(rows, limit, |d| crate::query::encode_cursor(&d.id)))
    }

    /// Send what is due, one attempt each; the number of deliveries attempted.
    pub fn deliver_due(&self, transport: &dyn Transport) -> Result<usize> {
        let at = now();
        let lease = at + TimeDelta::from_std(LEASE).unwrap_or(TimeDelta::zero());
        let due = self.repo.claim_due(at, lease, 20)?;
        for d in &due {
            let timestamp = now().timestamp().to_string();
            let headers = [
                ("content-type", "application/json".to_owned()),
                ("user-agent", "Newsdesk-Webhooks/1".to_owned()),
                ("x-newsdesk-event", d.event.clone()),
                ("x-newsdesk-delivery", d.event_id.clone()),
                ("x-newsdesk-timestamp", timestamp),
                ("x-newsdesk-signature", signature(&d.secret, d.payload.as_bytes())?),
            ];
            let outcome = transport.post(&d.url, &headers, d.payload.as_bytes());
            let attempts = d.attempts + 1;
            let (http_status, error) = match outcome {
                Ok(s) if (200..300).contains(&s) => (Some(i32::from(s)), None),
                Ok(s) => (Some(i32::from(s)), Some(format!("the receiver answered {s}"))),
                Err(e) => {
                    tracing::info!(delivery = d.id, error = %e, "webhook not delivered");
                    (None, Some("not delivered".to_owned()))
                }
            };
            let attempt = match error {
                None => Attempt { status: DeliveryStatus::Delivered, http_status, error: None, next_attempt_at: None },
                Some(e) if attempts >= MAX_ATTEMPTS => {
                    Attempt { status: DeliveryStatus::Failed, http_status, error: Some(e), next_attempt_at: None }
                }
                Some(e) => {
                    let wait = TimeDelta::from_std(backoff(self.retry_base, attempts)).unwrap_or(TimeDelta::zero());
                    tracing::info!(delivery = d.id, attempts, error = %e, "webhook delivery failed; will retry");
                    Attempt {
                        status: DeliveryStatus::Pending,
                        http_status,
                        error: Some(e),
                        next_attempt_at: Some(now() + wait),
                    }
                }
            };
            self.repo.record_attempt(d.id, &attempt, now())?;
        }
        Ok(due.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?").unwrap();
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 3), Duration::from_secs(20));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
        let total: Duration = (1..MAX_ATTEMPTS).map(|n| backoff(base, n)).sum();
        assert!(total > Duration::from_secs(3600), "retries span more than an hour");
    }
}
