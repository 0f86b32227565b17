//! API keys over Diesel.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use newsdesk_domain::ports::{ApiKey, KeyRepo, Scope};
use newsdesk_domain::{Error, ErrorKind, Result};

use crate::repo::Store;
use crate::rows::{to_naive, to_utc};
use crate::schema::api_keys;

fn scopes_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

type KeyRow = (String, String, String, NaiveDateTime, Option<NaiveDateTime>);

fn key_of((name, key_id, scopes, created_at, revoked_at): KeyRow) -> Result<ApiKey> {
    Ok(ApiKey {
        name,
        key_id,
        scopes: scopes.split_whitespace().map(Scope::parse).collect::<Result<_>>().map_err(Error::internal)?,
        created_at: to_utc(created_at),
        revoked_at: revoked_at.map(to_utc),
    })
}

impl KeyRepo for Store {
    fn insert_key(&self, key: &ApiKey, secret_hash: &str) -> Result<()> {
        let r = self.with(|c| {
            diesel::insert_into(api_keys::table)
                .values((
                    api_keys::name.eq(&key.name),
                    api_keys::key_id.eq(&key.key_id),
                    api_keys::secret_hash.eq(secret_hash),
                    api_keys::scopes.eq(scopes_text(&key.scopes)),
                    api_keys::created_at.eq(to_naive(key.created_at)),
                ))
                .execute(c)
        });
        match r {
            Err(e) if e.kind == ErrorKind::Conflict => {
                Err(Error::conflict(format!("an active key is named `{}`; revoke it or pick another name", key.name)))
            }
            r => r.map(|_| ()),
        }
    }

    fn active_key(&self, key_id: &str) -> Result<Option<(ApiKey, String)>> {
        let row: Option<(KeyRow, String)> = self.with(|c| {
            api_keys::table
                .filter(api_keys::key_id.eq(key_id))
                .filter(api_keys::revoked_at.is_null())
                .select((KEY_COLUMNS, api_keys::secret_hash))
                .first(c)
                .optional()
        })?;
        row.map(|(k, hash)| Ok((key_of(k)?, hash))).transpose()
    }

    fn keys(&self) -> Result<Vec<ApiKey>> {
        let rows: Vec<KeyRow> =
            self.with(|c| api_keys::table.order(api_keys::id.desc()).select(KEY_COLUMNS).load(c))?;
        rows.into_iter().map(key_of).collect()
    }

    fn revoke_key(&self, name: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = self.with(|c| {
            diesel::update(api_keys::table.filter(api_keys::name.eq(name)).filter(api_keys::revoked_at.is_null()))
                .set(api_keys::revoked_at.eq(to_naive(at)))
                .execute(c)
        })?;
        Ok(n > 0)
    }
}

const KEY_COLUMNS: (api_keys::name, api_keys::key_id, api_keys::scopes, api_keys::created_at, api_keys::revoked_at) =
    (api_keys::name, api_keys::key_id, api_keys::scopes, api_keys::created_at, api_keys::revoked_at);
