//! Who is calling: the bearer token of a request, checked once by middleware and
//! handed to handlers and resolvers as a [`Caller`]. Scope checks happen in the
//! services, so REST and GraphQL enforce the same rules.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use newsdesk_domain::auth::{Principal, require};
use newsdesk_domain::engagement::Client;
use newsdesk_domain::ports::Scope;
use newsdesk_domain::{Error, ErrorKind};

use crate::error::ApiError;
use crate::limits::{ClientAddr, Limits};
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

/// The reader a server-side frontend relays a beacon for: its user agent and
/// address stand in for the frontend's own. Believed only from a caller with a
/// key, so that a browser cannot choose the address it is rate-limited under.
pub const READER_USER_AGENT: &str = "X-Reader-User-Agent";
pub const READER_ADDRESS: &str = "X-Reader-Address";

/// Who a relayed request was made for (see [`READER_USER_AGENT`]).
#[derive(Debug, Clone, Default)]
struct Relayed {
    user_agent: Option<String>,
    addr: Option<ClientAddr>,
}

impl Relayed {
    /// The reader named by a request's `X-Reader-*` headers, if any; an error
    /// for a malformed one or for a caller without a key.
    fn of(req: &ServiceRequest, has_key: bool) -> Result<Option<Self>, Error> {
        let header = |name: &str| req.headers().get(name).map(|v| v.to_str().map(str::trim));
        let (user_agent, addr) = (header(READER_USER_AGENT), header(READER_ADDRESS));
        if user_agent.is_none() && addr.is_none() {
            return Ok(None);
        }
        if !has_key {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "`X-Reader-User-Agent` and `X-Reader-Address` are taken only from a caller with an API key",
            ));
        }
        let user_agent = ascii(READER_USER_AGENT, user_agent)?.map(str::to_owned);
        let addr = match ascii(READER_ADDRESS, addr)? {
            None => None,
            Some(a) => Some(ClientAddr(
                a.parse().map_err(|_| Error::field(READER_ADDRESS, "must be an IPv4 or IPv6 address"))?,
            )),
        };
        Ok(Some(Self { user_agent, addr }))
    }
}

fn ascii<'a>(name: &str, v: Option<Result<&'a str, header::ToStrError>>) -> Result<Option<&'a str>, Error> {
    v.transpose().map_err(|_| Error::field(name, "must be visible ASCII"))
}

/// Who a beacon is counted for: the reader a keyed frontend relays, or the
/// caller itself (its `User-Agent` and address).
pub fn beacon_sender(req: &HttpRequest) -> (Client, Option<ClientAddr>) {
    let extensions = req.extensions();
    let own_agent = || req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let own_addr = extensions.get::<ClientAddr>().copied();
    match extensions.get::<Relayed>() {
        Some(r) => (Client::from_user_agent(r.user_agent.as_deref().or_else(own_agent)), r.addr.or(own_addr)),
        None => (Client::from_user_agent(own_agent()), own_addr),
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

/// Health, readiness and metrics: always open, never rate limited.
const OPERATIONS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The answer to a token that failed: 401 (or 403), or 429 once the address
/// is past its failures.
fn refused(limits: &Limits, client: ClientAddr, e: Error) -> HttpResponse {
    let limited = if e.kind == ErrorKind::Unauthenticated { limits.auth_failed(client) } else { Ok(()) };
    limited.map_or_else(|exceeded| exceeded.response(), |()| ApiError(e).response())
}

/// The scope a request needs before anything else about it is looked at, or
/// `None` when it is open. Decided on the path the router matches (percent-
/// encoded spellings decoded as it decodes them), and closed by default: when
/// reads need a key, only operations, the docs, the contracts and the GraphiQL
/// page stay open; admin routes always need a key. The services check the
/// precise scope of each operation again.
fn required_scope(method: &Method, path: &str, query: &str, require_read_key: bool) -> Option<Scope> {
    const CONTRACTS: [&str; 3] = ["/openapi.json", "/schema.graphql", "/docs"];
    if OPERATIONS.contains(&path)
        || CONTRACTS.contains(&path)
        || path.starts_with("/docs/")
        || crate::graphiql::is_asset(path)
    {
        return None;
    }
    if let Some(rest) = path.strip_prefix("/v1/admin").filter(|r| r.is_empty() || r.starts_with('/')) {
        return Some(if rest.starts_with("/webhooks") || rest.starts_with("/audit") {
            Scope::Admin
        } else if method == Method::GET || method == Method::HEAD {
            Scope::ContentPreview
        } else {
            Scope::ContentWrite
        });
    }
    // GraphiQL itself (no query) is a static page.
    let graphiql = path == "/graphql" && method == Method::GET && query.is_empty();
    (require_read_key && !graphiql).then_some(Scope::ContentRead)
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
    let limits = &state.limits;
    let client = limits.client(&req);
    req.extensions_mut().insert(client);
    if !OPERATIONS.contains(&req.match_info().as_str())
        && let Err(e) = limits.request(client)
    {
        return Ok(req.into_response(e.response()));
    }
    let caller = match bearer(&req) {
        Err(e) => return Ok(req.into_response(refused(limits, client, e))),
        Ok(None) => None,
        Ok(Some(token)) => match state.keys.cached(&token) {
            Some(p) => Some(p),
            None => {
                // Past its failures, an address learns nothing of a token.
                if let Err(e) = limits.may_authenticate(client) {
                    return Ok(req.into_response(e.response()));
                }
                let keys = state.keys.clone();
                match blocking(move || keys.authenticate(&token)).await {
                    Ok(p) => Some(p),
                    Err(e) => return Ok(req.into_response(refused(limits, client, e))),
                }
            }
        },
    };
    if let Some(p) = &caller
        && let Err(e) = limits.key(&p.name)
    {
        return Ok(req.into_response(e.response()));
    }
    // Preflight requests carry no credentials; CORS answers them.
    let needed = if req.method() == Method::OPTIONS {
        None
    } else {
        required_scope(req.method(), req.match_info().as_str(), req.query_string(), state.config.require_read_key)
    };
    if let Some(scope) = needed
        && let Err(e) = require(caller.as_ref(), scope)
    {
        return Ok(req.into_response(ApiError(e).response()));
    }
    match Relayed::of(&req, caller.is_some()) {
        Ok(None) => {}
        Ok(Some(relayed)) => {
            req.extensions_mut().insert(relayed);
        }
        Err(e) => return Ok(req.into_response(ApiError(e).response())),
    }
    req.extensions_mut().insert(Caller(caller));
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_is_closed_unless_listed() {
        let get = Method::GET;
        for open in [
            "/healthz",
            "/readyz",
            "/metrics",
            "/openapi.json",
            "/schema.graphql",
            "/docs",
            "/docs/index.html",
            "/graphiql/3.9.0/graphiql.min.js",
        ] {
            assert_eq!(required_scope(&get, open, "", true), None, "{open}");
        }
        assert_eq!(required_scope(&get, "/graphql", "", true), None);
        assert_eq!(required_scope(&get, "/graphql", "query=%7Bsections%7Bslug%7D%7D", true), Some(Scope::ContentRead));
        for closed in ["/v1/articles", "/V1/articles", "//v1/articles", "/nowhere", "/healthz/", "/docsx"] {
            assert_eq!(required_scope(&get, closed, "", true), Some(Scope::ContentRead), "{closed}");
            assert_eq!(required_scope(&get, closed, "", false), None, "{closed}");
        }
        assert_eq!(required_scope(&Method::POST, "/v1/admin/articles", "", false), Some(Scope::ContentWrite));
        assert_eq!(required_scope(&get, "/v1/admin/articles", "", false), Some(Scope::ContentPreview));
        assert_eq!(required_scope(&get, "/v1/admin/audit", "", false), Some(Scope::Admin));
        assert_eq!(required_scope(&Method::DELETE, "/v1/admin/webhooks/3", "", false), Some(Scope::Admin));
        assert_eq!(required_scope(&get, "/v1/administer", "", false), None);
    }
}
