//! The ports: everything the services need from outside the domain, as traits
//! and the data types they speak in. The store crate implements the storage
//! ports over Diesel, the search crate the index, the binary the webhook
//! transport; services depend on these traits only, never the reverse.

mod content;
mod discovery;
mod editorial;
mod engagement;
mod keys;
mod sync;
mod webhooks;

pub use content::{ContentRepo, SITEMAP_URLS, SitemapEntry, TransferRepo};
pub use discovery::{DiscoveryRepo, IndexHit, Read, SearchDoc, SearchIndex, Watermark};
pub use editorial::{ArticleState, AuditEntry, Change, EditorialRepo, Revision, Taxon, TaxonKind};
pub use engagement::{
    Activity, Batch, Beacon, BeaconJournal, Bounds, Counted, EngagementRepo, PendingReaction, PendingView, Span,
};
pub use keys::{ApiKey, KeyRepo, Scope};
pub use sync::{ChangedArticle, DeletedArticle, SyncClock, SyncKey, SyncRepo, SyncScope};
pub use webhooks::{Attempt, Delivery, DeliveryStatus, Due, EventKind, Transport, Webhook, WebhookRepo};
