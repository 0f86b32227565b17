//! Per-request DataLoaders: each batches the lookups of one relation across all the
//! articles (or tags, authors…) of a response into one repository call.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use newsdesk_domain::body::Block;
use newsdesk_domain::model::{ArticleId, AuthorId, SectionId, TagId};
use newsdesk_domain::service::ContentService;
use newsdesk_domain::{Error, Result};

use crate::state::AppState;

type BatchFn<K, V> = fn(&ContentService, &[K]) -> Result<HashMap<K, V>>;

/// Loads values of type `V` for keys `K` through one batched service call.
pub struct BatchLoader<K, V> {
    state: AppState,
    load: BatchFn<K, V>,
}

impl<K, V> Loader<K> for BatchLoader<K, V>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    type Value = V;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[K]) -> std::result::Result<HashMap<K, V>, Arc<Error>> {
        let keys = keys.to_vec();
        let load = self.load;
        self.state.content(move |c| load(c, &keys)).await.map_err(Arc::new)
    }
}

/// A loader that remembers what it loaded for the rest of the request, so that a
/// prefetch of a whole page serves every node's lookup.
pub type Load<K, V> = DataLoader<BatchLoader<K, V>, HashMapCache>;

fn loader<K, V>(state: &AppState, load: BatchFn<K, V>) -> Load<K, V>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    DataLoader::with_cache(BatchLoader { state: state.clone(), load }, actix_web::rt::spawn, HashMapCache::default())
}

/// Attach every loader to a request.
pub fn attach(req: async_graphql::Request, state: &AppState) -> async_graphql::Request {
    req.data(loader::<ArticleId, Vec<Block>>(state, |c, ids| c.bodies_of(ids)))
        .data(loader::<TagId, i64>(state, |c, ids| c.tag_counts(ids)))
        .data(loader::<AuthorId, i64>(state, |c, ids| c.author_counts(ids)))
        .data(loader::<SectionId, i64>(state, |c, _| c.section_counts()))
        .data(state.clone())
}
