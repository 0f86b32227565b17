//! Newsdesk persistence: one Diesel code path over SQLite and PostgreSQL.
//!
//! `conn` holds the connection enum, the pool and the migrations; `repo` (content
//! reads and the list query), `editorial`, `keys`, `webhooks`, `engagement`,
//! `discovery` and `transfer` implement the domain's storage ports on [`Store`],
//! and `writes` what every content write shares; `journal` keeps accepted
//! beacons on the node's disk until they are written. Backend-specific SQL is
//! written through the [`per_backend!`] macro and the id-list condition of `ids`,
//! and nowhere else; `fixed` holds SQL text that both backends read alike.

pub mod conn;
mod discovery;
mod editorial;
mod engagement;
mod explain;
mod fixed;
mod ids;
pub mod journal;
mod keys;
mod repo;
mod rows;
mod schema;
mod sync;
mod transfer;
mod webhooks;
mod writes;

pub use conn::{DatabaseUrl, Pool};
pub use repo::Store;
