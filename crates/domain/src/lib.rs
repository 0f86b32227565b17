//! Newsdesk's domain: the content model, its validation rules, the services that
//! REST and GraphQL share, and the ports (see [`ports`]) that storage, the search
//! index and the webhook transport implement.
//! No HTTP, no SQL.

pub mod auth;
pub mod body;
pub mod cache;
pub mod demo;
pub mod discovery;
pub mod editorial;
pub mod engagement;
pub mod error;
pub mod feed;
pub mod model;
pub mod ports;
pub mod query;
pub mod ranking;
pub mod record;
pub mod search;
pub mod service;
pub mod slug;
pub mod sync;
pub mod targets;
pub mod transfer;
pub mod webhook;

pub use body::Block;
pub use error::{Error, ErrorKind, FieldError, Result, Validator};
pub use slug::Slug;
