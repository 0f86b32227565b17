//! End-to-end tests: the real `newsdesk` binary over real HTTP, each test on its own
//! SQLite file and (with `TEST_DATABASE_URL`) its own PostgreSQL database.

// A failed expectation in a test is a panic by design.
#![allow(clippy::unwrap_used)]

mod support;

mod articles;
mod browser;
mod client;
mod contracts;
mod discovery;
mod editorial;
mod engagement;
mod feeds;
mod graphql;
mod hardening;
mod http;
mod ops;
mod outage;
mod plans;
mod sync;
mod taxonomy;
mod transfer;
