//! Automatic persisted queries (Apollo's `persistedQuery` extension): a client
//! sends the SHA-256 of its document first, and the document itself only when
//! this node answers `PersistedQueryNotFound`. GET URLs stay short enough for
//! CDNs, and a document is sent once per node rather than with every request.
//! Documents are kept per node, bounded by their size; a node that has not seen
//! one (or forgot it) asks for it again, which the protocol expects.

use std::sync::LazyLock;

use async_graphql::ServerError;
use moka::sync::Cache;
use newsdesk_domain::auth::hex;
use sha2::{Digest, Sha256};

/// Documents by the hex SHA-256 of their text.
static KNOWN: LazyLock<Cache<String, String>> = LazyLock::new(|| {
    Cache::builder()
        .weigher(|hash: &String, text: &String| u32::try_from(hash.len() + text.len()).unwrap_or(u32::MAX))
        .max_capacity(16 << 20)
        .build()
});

/// The document of a request, and the hash to remember it by once it has been
/// checked (`None` when nothing is to be remembered).
pub struct Document {
    pub text: String,
    pub hash: Option<String>,
}

/// Why a request names no document it can be answered with.
pub enum Refusal {
    /// Neither a document nor a persisted query.
    Missing,
    /// A GraphQL error to answer with.
    Error(ServerError),
}

fn error(message: &str, code: &str) -> Refusal {
    let mut e = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    Refusal::Error(e)
}

/// The document `query` is, or the one `extensions.persistedQuery` names.
pub fn resolve(query: Option<String>, extensions: Option<&serde_json::Value>) -> Result<Document, Refusal> {
    let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return query.map(|text| Document { text, hash: None }).ok_or(Refusal::Missing);
    };
    let version = persisted.get("version").and_then(serde_json::Value::as_i64);
    let hash = persisted.get("sha256Hash").and_then(serde_json::Value::as_str).map(str::to_ascii_lowercase);
    let (Some(1), Some(hash)) = (version, hash) else {
        return Err(error(
            "PersistedQueryNotSupported: send `version: 1` and `sha256Hash`",
            "PERSISTED_QUERY_NOT_SUPPORTED",
        ));
    };
    match query {
        Some(text) if hex(&Sha256::digest(text.as_bytes())) == hash => Ok(Document { text, hash: Some(hash) }),
        Some(_) => Err(error("provided sha does not match query", "BAD_USER_INPUT")),
        None => KNOWN
            .get(&hash)
            .map(|text| Document { text, hash: None })
            .ok_or_else(|| error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")),
    }
}

/// Keep a checked document for the requests that will name it by its hash.
pub fn remember(document: &Document) {
    if let Some(hash) = &document.hash {
        KNOWN.insert(hash.clone(), document.text.clone());
    }
}
