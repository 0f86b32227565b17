//! Newsdesk's HTTP adapters: REST (documented by OpenAPI) and GraphQL over
//! actix-web. Both are thin layers over the domain services.

pub mod app;
pub mod auth;
pub mod body;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod limits;
pub mod openapi;
pub mod responses;
pub mod rest;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod workers;

pub use app::build;
pub use state::{ApiConfig, AppState, Changed};
