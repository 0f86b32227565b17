//! API keys and what they allow.
//!
//! A token reads `nd_<key id>_<secret>`. The key id is public and finds the key;
//! only a SHA-256 hash of the secret is stored, and it is compared in constant
//! time. Authenticated keys are remembered for a few seconds, so a request costs
//! no database round trip; a revoked key stops working within that time.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorKind, Result, Validator};
use crate::ports::{ApiKey, KeyRepo, Scope};
use crate::record::check_name;
use crate::service::now;

/// The key a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's name: what the audit log records.
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Background work of the server itself (the scheduler), as the audit log names it.
    pub fn system(name: &str) -> Self {
        Self { name: name.to_owned(), scopes: vec![Scope::Admin] }
    }

    /// Whether the key has `scope`, directly or through a broader one.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s >= scope)
    }
}

/// The caller of a request, if it sent a valid key: `Ok` with the key when it
/// allows `scope`; 401 without a key, 403 with a key that lacks the scope.
pub fn require(caller: Option<&Principal>, scope: Scope) -> Result<&Principal> {
    match caller {
        None => Err(Error::new(
            ErrorKind::Unauthenticated,
            format!("this needs an API key with the `{}` scope: send `Authorization: Bearer <token>`", scope.as_str()),
        )),
        Some(p) if p.allows(scope) => Ok(p),
        Some(p) => {
            Err(Error::new(ErrorKind::Forbidden, format!("the key `{}` lacks the `{}` scope", p.name, scope.as_str())))
        }
    }
}

/// How long an authenticated key is trusted without asking the database again.
const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
const TOKEN_PREFIX: &str = "nd_";

pub struct KeyService {
    repo: Arc<dyn KeyRepo>,
    /// Token hash → the key it authenticates.
    verified: Cache<[u8; 32], Principal>,
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

impl KeyService {
    pub fn new(repo: Arc<dyn KeyRepo>) -> Self {
        Self { repo, verified: Cache::builder().max_capacity(10_000).time_to_live(KEY_CACHE_TTL).build() }
    }

    /// Create a key; the token is returned here and never again.
    pub fn create(&self, name: &str, scopes: &[String]) -> Result<(ApiKey, String)> {
        let mut v = Validator::default();
        check_name(&mut v, "name", name, 100);
        if scopes.is_empty() {
            v.push("scope", "give at least one scope");
        }
        let mut parsed: Vec<Scope> = scopes.iter().filter_map(|s| v.check(Scope::parse(s))).collect();
        v.finish()?;
        parsed.sort();
        parsed.dedup();
        let key_id = hex(&random_bytes::<6>()?);
        let secret = hex(&random_bytes::<24>()?);
        let key = ApiKey {
            name: name.trim().to_owned(),
            key_id: key_id.clone(),
            scopes: parsed,
            created_at: now(),
            revoked_at: None,
        };
        self.repo.insert_key(&key, &hex(&sha256(secret.as_bytes())))?;
        Ok((key, format!("{TOKEN_PREFIX}{key_id}_{secret}")))
    }

    pub fn list(&self) -> Result<Vec<ApiKey>> {
        self.repo.keys()
    }

    pub fn revoke(&self, name: &str) -> Result<()> {
        if self.repo.revoke_key(name, now())? {
            self.verified.invalidate_all();
            Ok(())
        } else {
            Err(Error::not_found(format!("active key `{name}`")))
        }
    }

    /// The key a bearer token belongs to, without the database when it was
    /// verified in the last few seconds.
    pub fn cached(&self, token: &str) -> Option<Principal> {
        self.verified.get(&sha256(token.as_bytes()))
    }

    /// The key a bearer token belongs to; 401 for anything else.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        let unknown =
            || Error::new(ErrorKind::Unauthenticated, "the API key is not valid (unknown, revoked or mistyped)");
        let token_hash = sha256(token.as_bytes());
        if let Some(p) = self.verified.get(&token_hash) {
            return Ok(p);
        }
        let (key_id, secret) = token.strip_prefix(TOKEN_PREFIX).and_then(|t| t.split_once('_')).ok_or_else(unknown)?;
        if key_id.len() != 12 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let (key, stored) = self.repo.active_key(key_id)?.ok_or_else(unknown)?;
        let given = hex(&sha256(secret.as_bytes()));
        if !bool::from(given.as_bytes().ct_eq(stored.as_bytes())) {
            return Err(unknown());
        }
        let principal = Principal { name: key.name, scopes: key.scopes };
        self.verified.insert(token_hash, principal.clone());
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broader_scopes_include_narrower_ones() {
        let writer = Principal { name: "w".into(), scopes: vec![Scope::ContentWrite] };
        assert!(writer.allows(Scope::ContentRead) && writer.allows(Scope::ContentPreview));
        assert!(!writer.allows(Scope::Admin));
        assert_eq!(require(None, Scope::ContentRead).unwrap_err().kind, ErrorKind::Unauthenticated);
        assert_eq!(require(Some(&writer), Scope::Admin).unwrap_err().kind, ErrorKind::Forbidden);
        assert!(require(Some(&writer), Scope::ContentWrite).is_ok());
        assert!(Scope::parse("content:delete").is_err());
    }
}
