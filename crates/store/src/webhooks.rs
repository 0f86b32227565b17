//! Webhooks and their deliveries over Diesel.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use newsdesk_domain::ports::Change;
use newsdesk_domain::ports::{Attempt, Delivery, DeliveryStatus, Due, EventKind, Webhook, WebhookRepo};
use newsdesk_domain::{Error, Result};

use crate::conn::MultiBackend;
use crate::per_backend;
use crate::repo::Store;
use crate::rows::{parse_json, to_json, to_naive, to_utc};
use crate::schema::{webhook_deliveries, webhooks};
use crate::writes::record;

fn webhook_of((id, url, events, created_at): (i64, String, String, NaiveDateTime)) -> Result<Webhook> {
    let names: Vec<String> = parse_json(&events)?;
    Ok(Webhook {
        id,
        url,
        events: names.iter().map(|e| EventKind::parse("events", e)).collect::<Result<_>>().map_err(Error::internal)?,
        created_at: to_utc(created_at),
    })
}

impl WebhookRepo for Store {
    fn create_webhook(&self, url: &str, events: &[EventKind], secret: &str, actor: &str) -> Result<Webhook> {
        let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        let at = newsdesk_domain::service::now();
        self.change(|c| {
            let id: i64 = per_backend!(&mut *c, |c| diesel::insert_into(webhooks::table)
                .values((
                    webhooks::url.eq(url),
                    webhooks::events.eq(to_json(&names)?),
                    webhooks::secret.eq(secret),
                    webhooks::created_at.eq(to_naive(at)),
                ))
                .returning(webhooks::id)
                .get_result(c))?;
            let change = Change { actor, action: "webhook.create", at, event: None };
            record(c, &change, None, url, serde_json::json!({ "webhook": id, "events": names }))?;
            Ok(Webhook { id, url: url.to_owned(), events: events.to_vec(), created_at: at })
        })
    }

    fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows = self.with(|c| {
            webhooks::table
                .order(webhooks::id)
                .select((webhooks::id, webhooks::url, webhooks::events, webhooks::created_at))
                .load(c)
        })?;
        rows.into_iter().map(webhook_of).collect()
    }

    fn delete_webhook(&self, id: i64, actor: &str) -> Result<bool> {
        self.change(|c| {
            let url: Option<String> = webhooks::table.find(id).select(webhooks::url).first(c).optional()?;
            let Some(url) = url else { return Ok(false) };
            diesel::delete(webhooks::table.find(id)).execute(c)?;
            let change = Change { actor, action: "webhook.delete", at: newsdesk_domain::service::now(), event: None };
            record(c, &change, None, &url, serde_json::json!({ "webhook": id }))?;
            Ok(true)
        })
    }

    fn deliveries(&self, webhook: i64, before: Option<i64>, fetch: i64) -> Result<Vec<Delivery>> {
        let rows: Vec<DeliveryRow> = self.with(|c| {
            let mut q = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(webhook))
                .order(webhook_deliveries::id.desc())
                .limit(fetch)
                .select((
                    webhook_deliveries::id,
                    webhook_deliveries::webhook_id,
                    webhook_deliveries::event_id,
                    webhook_deliveries::event,
                    webhook_deliveries::status,
                    webhook_deliveries::attempts,
                    webhook_deliveries::created_at,
                    webhook_deliveries::next_attempt_at,
                    webhook_deliveries::last_status,
                    webhook_deliveries::last_error,
                    webhook_deliveries::delivered_at,
                ))
                .into_boxed::<MultiBackend>();
            if let Some(b) = before {
                q = q.filter(webhook_deliveries::id.lt(b));
            }
            q.load(c)
        })?;
        rows.into_iter()
            .map(
                |(
                    id,
                    webhook_id,
                    event_id,
                    event,
                    status,
                    attempts,
                    created,
                    next,
                    last_status,
                    last_error,
                    delivered,
                )| {
                    let status = DeliveryStatus::parse(&status)?;
                    Ok(Delivery {
                        id,
                        webhook_id,
                        event_id,
                        event,
                        status,
                        attempts,
                        created_at: to_utc(created),
                        next_attempt_at: (status == DeliveryStatus::Pending).then(|| to_utc(next)),
                        last_status,
                        last_error,
                        delivered_at: delivered.map(to_utc),
                    })
                },
            )
            .collect()
    }

    fn claim_due(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<Due>> {
        let (now, lease) = (to_naive(now), to_naive(lease_until));
        let pending = DeliveryStatus::Pending.as_str();
        self.with(|c| {
            let due: Vec<i64> = webhook_deliveries::table
                .filter(webhook_deliveries::status.eq(pending))
                .filter(webhook_deliveries::next_attempt_at.le(now))
                .order(webhook_deliveries::id)
                .limit(limit)
                .select(webhook_deliveries::id)
                .load(c)?;
            if due.is_empty() {
                return Ok(Vec::new());
            }
            // The conditions are checked again on each row as it is updated, so a
            // row another node claimed since the select is skipped.
            let claimed: Vec<i64> = per_backend!(&mut *c, |c| diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq_any(&due))
                    .filter(webhook_deliveries::status.eq(pending))
                    .filter(webhook_deliveries::next_attempt_at.le(now))
            )
            .set(webhook_deliveries::next_attempt_at.eq(lease))
            .returning(webhook_deliveries::id)
            .get_results(c))?;
            if claimed.is_empty() {
                return Ok(Vec::new());
            }
            let rows: Vec<(i64, String, String, String, String, String, i32)> = webhook_deliveries::table
                .inner_join(webhooks::table)
                .filter(webhook_deliveries::id.eq_any(&claimed))
                .order(webhook_deliveries::id)
                .select((
                    webhook_deliveries::id,
                    webhooks::url,
                    webhooks::secret,
                    webhook_deliveries::event_id,
                    webhook_deliveries::event,
                    webhook_deliveries::payload,
                    webhook_deliveries::attempts,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|(id, url, secret, event_id, event, payload, attempts)| Due {
                    id,
                    url,
                    secret,
                    event_id,
                    event,
                    payload,
                    attempts,
                })
                .collect())
        })
    }

    fn record_attempt(&self, id: i64, attempt: &Attempt, at: DateTime<Utc>) -> Result<()> {
        let at = to_naive(at);
        self.with(|c| {
            diesel::update(webhook_deliveries::table.find(id))
                .set((
                    webhook_deliveries::status.eq(attempt.status.as_str()),
                    webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                    webhook_deliveries::last_status.eq(attempt.http_status),
                    webhook_deliveries::last_error.eq(&attempt.error),
                    webhook_deliveries::next_attempt_at.eq(attempt.next_attempt_at.map_or(at, to_naive)),
                    webhook_deliveries::delivered_at.eq((attempt.status == DeliveryStatus::Delivered).then_some(at)),
                ))
                .execute(c)
        })?;
        Ok(())
    }
}

type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
    NaiveDateTime,
    Option<i32>,
    Option<String>,
    Option<NaiveDateTime>,
);
