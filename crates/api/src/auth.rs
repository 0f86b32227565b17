//! Who is calling: the bearer token of a request, checked once by middleware and
//! handed to handlers and resolvers as a [`Caller`]. Scope checks happen in the
//! services, so REST and GraphQL enforce the same rules.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use newsdesk_domain::auth::{Principal, Scope, require};
use newsdesk_domain::{Error, ErrorKind};

use crate::error::ApiError;
use crate::state::{AppState, blocking};

/// The key a request was made with, if any.
#[derive(Debug, Clone, Default)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }

    /// Whether this caller sees drafts and scheduled articles.
    pub fn previews(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.allows(Scope::ContentPreview))
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req.extensions().get::<Caller>().cloned().unwrap_or_default()))
    }
}

/// The token of `Authorization: Bearer <token>`; an error for any other form.
fn bearer(req: &ServiceRequest) -> Result<Option<String>, Error> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().unwrap_or("");
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(Error::new(ErrorKind::Unauthenticated, "send the key as `Authorization: Bearer <token>`")),
    }
}

/// Routes open to everyone whatever the configuration: operations and docs.
fn is_public_read(req: &ServiceRequest) -> bool {
    let path = req.path();
    let api = path.starts_with("/v1/") && !path.starts_with("/v1/admin/");
    // GraphiQL itself (no query) is a static page.
    let graphql =
        path == "/graphql" && !(req.method() == actix_web::http::Method::GET && req.query_string().is_empty());
    api || graphql
}

/// Resolve the caller of every request. A token that is sent must be valid; a
/// read needs `content:read` when the server is configured so.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let caller = match bearer(&req) {
        Err(e) => return Ok(req.into_response(ApiError(e).response())),
        Ok(None) => None,
        Ok(Some(token)) => match state.keys.cached(&token) {
            Some(p) => Some(p),
            None => {
                let keys = state.keys.clone();
                match blocking(move || keys.authenticate(&token)).await {
                    Ok(p) => Some(p),
                    Err(e) => return Ok(req.into_response(ApiError(e).response())),
                }
            }
        },
    };
    if state.config.require_read_key
        && is_public_read(&req)
        && let Err(e) = require(caller.as_ref(), Scope::ContentRead)
    {
        return Ok(req.into_response(ApiError(e).response()));
    }
    req.extensions_mut().insert(Caller(caller));
    Ok(next.call(req).await?.map_into_boxed_body())
}
