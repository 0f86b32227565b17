//! GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): POST with JSON,
//! GET with query parameters (queries only), GraphiQL for browsers, and both
//! `application/json` and `application/graphql-response+json` responses.

mod admin;
mod body;
mod card;
mod content;
pub mod direct;
mod discovery;
mod engagement;
mod filter;
pub mod guard;
mod known;
pub use known::Schemas;
mod loaders;
mod order;
mod persisted;
mod project;
mod raw;
mod resolve;
mod scalars;
mod sync;
mod types;

use actix_web::http::{Method, StatusCode};
use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{EmptySubscription, MergedObject, Schema};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, beacon_sender};
use crate::error::{ApiError, Problem};
use crate::extract::{parse_query, query_params};
use crate::limits::ClientAddr;
use crate::responses::{Stored, is_private};
use crate::state::AppState;
use engagement::BeaconSender;

/// The query root: content, engagement and discovery.
#[derive(MergedObject, Default)]
pub struct Query(content::ContentQuery, engagement::EngagementQuery, discovery::DiscoveryQuery, sync::SyncQuery);

/// The mutation root: reactions and editing.
#[derive(MergedObject, Default)]
pub struct Mutation(engagement::EngagementMutation, admin::AdminMutation);

pub type NewsdeskSchema = Schema<Query, Mutation, EmptySubscription>;

pub const MAX_COMPLEXITY: usize = 20_000;

/// Build the schema once; per-request data (loaders, state) is attached per request.
/// Depth and the size of a document are bounded by [`guard`] before the engine
/// sees it (its own depth limit would refuse the standard introspection query).
pub fn schema() -> NewsdeskSchema {
    builder().finish()
}

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription).limit_complexity(MAX_COMPLEXITY)
}

/// The SDL as committed in `schema.graphql`.
pub fn sdl() -> String {
    let mut s = schema().sdl();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A GraphQL request as JSON (POST body).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphQLBody {
    /// The GraphQL document. It may be left out when `extensions.persistedQuery`
    /// (`{"version": 1, "sha256Hash": …}`) names one: a node that does not know
    /// the hash answers `PersistedQueryNotFound`, and the client sends both.
    query: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    extensions: Option<serde_json::Value>,
}

/// A GraphQL request as query parameters (GET; queries only).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct GraphQLParams {
    /// The GraphQL document (or leave it out and name it with the
    /// `persistedQuery` extension). Without either, browsers get GraphiQL.
    query: Option<String>,
    /// Variables as a JSON object.
    variables: Option<String>,
    operation_name: Option<String>,
    /// Extensions as a JSON object.
    extensions: Option<String>,
}

query_params!(GraphQLParams);

/// Which media type the client asked for.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

fn is_mutation(doc: Option<&ExecutableDocument>, operation: Option<&str>) -> bool {
    let Some(doc) = doc else { return false };
    doc.operations.iter().any(|(name, op)| {
        let selected = match (operation, name) {
            (Some(want), Some(name)) => want == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && op.node.ty != OperationType::Query
    })
}

/// A request refused before execution, with a GraphQL error: 400 with
/// `application/graphql-response+json`, or `status` with `application/json`.
fn refused(content_type: &'static str, status: StatusCode, e: async_graphql::ServerError) -> HttpResponse {
    let status = if content_type == GRAPHQL_RESPONSE { StatusCode::BAD_REQUEST } else { status };
    let response = async_graphql::Response::from_errors(vec![e]);
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_vec(&response).unwrap_or_default())
}

async fn execute(
    req: &HttpRequest,
    schemas: &Schemas,
    state: &AppState,
    body: GraphQLBody,
    method: Method,
) -> HttpResponse {
    let graphql_response = wants_graphql_response(req);
    let content_type = if graphql_response { GRAPHQL_RESPONSE } else { "application/json" };
    let document = match persisted::resolve(body.query, body.extensions.as_ref()) {
        Ok(d) => d,
        Err(persisted::Refusal::Missing) => {
            return ApiError::http(StatusCode::BAD_REQUEST, "not a GraphQL request: `query` is required");
        }
        Err(persisted::Refusal::Error(e)) => return refused(content_type, StatusCode::OK, e),
    };
    // Successful query responses are public reads like any other: reused for the
    // read-cache period, keyed by everything that determines them.
    let key = format!(
        "graphql\n{method}\n{content_type}\n{}\n{}\n{}\n{}",
        body.operation_name.as_deref().unwrap_or(""),
        body.variables.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        body.extensions.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        document.text
    );
    // A preview key sees drafts: its answers are its own.
    let caller = req.extensions().get::<Caller>().cloned().unwrap_or_default();
    let personal = caller.previews();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    // Over GET a public query is an HTTP read like any other: validators and 304.
    let get = method == Method::GET;
    let if_none_match = if_none_match.filter(|_| get);
    if !personal && let Some(stored) = state.responses.get(&key) {
        return stored.respond(if_none_match);
    }
    // Checked after the stored responses, which come from checked documents.
    let checked = match guard::check(&document.text) {
        Ok(checked) => checked,
        Err(e) => return refused(content_type, StatusCode::BAD_REQUEST, e.into_error()),
    };
    persisted::remember(&document);
    let mutation = is_mutation(checked.as_ref().map(|c| &c.doc), body.operation_name.as_deref());
    if mutation && method == Method::GET {
        let mut res = ApiError::http(StatusCode::METHOD_NOT_ALLOWED, "mutations must be sent with POST");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    let cacheable = !personal && !mutation;
    let variables = match body.variables {
        None | Some(serde_json::Value::Null) => async_graphql::Variables::default(),
        Some(v @ serde_json::Value::Object(_)) => async_graphql::Variables::from_json(v),
        Some(_) => return ApiError::http(StatusCode::BAD_REQUEST, "`variables` must be a JSON object"),
    };
    let extensions = match body.extensions {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(ext)) => ext,
        Some(_) => return ApiError::http(StatusCode::BAD_REQUEST, "`extensions` must be a JSON object"),
    };
    let operation = body.operation_name;
    let direct = match checked.as_deref().and_then(|c| Some(c).zip(schemas.direct(c, operation.as_deref(), &variables)))
    {
        Some((c, op)) => match direct::answer(state, &schemas.registry, &c.doc, op, &variables, personal).await {
            Ok(bytes) => Some(bytes),
            Err(direct::Refused::Now) => None,
            Err(direct::Refused::Always) => {
                c.refuse_direct();
                None
            }
        },
        None => None,
    };
    let answer = match direct {
        Some(bytes) => {
            Answer { status: StatusCode::OK, bytes: Bytes::from(bytes), errors: false, marked: None, retry: None }
        }
        None => {
            let mut request = async_graphql::Request::new(document.text).variables(variables);
            if let Some(checked) = &checked {
                request.set_parsed_query(checked.doc.clone());
                request = request.data(raw::Allowed(checked.raw));
            }
            if let Some(name) = operation {
                request = request.operation_name(name);
            }
            for (k, v) in extensions {
                if let Ok(v) = async_graphql::Value::from_json(v) {
                    request.extensions.insert(k, v);
                }
            }
            request = request.data(caller);
            // Only mutations send beacons: queries skip the robot check.
            if mutation {
                request = request.data(BeaconSender(beacon_sender(req)));
            }
            if let Some(addr) = req.extensions().get::<ClientAddr>().copied() {
                request = request.data(addr);
            }
            match engine(schemas, checked.as_deref(), request, state, graphql_response).await {
                Ok(answer) => answer,
                Err(e) => return ApiError(newsdesk_domain::Error::internal(e)).response(),
            }
        }
    };
    let Answer { status, bytes, errors, marked, retry } = answer;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let succeeded = status == StatusCode::OK && !errors;
    // A successful query over GET is a read like REST's (public for the cache
    // period, or the caller's own when a resolver said so: a reader's
    // recommendations). Everything else (POST, errors, mutations, previews)
    // is `no-store`.
    if get && succeeded && cacheable {
        if let Some(cc) = marked.as_deref().and_then(|cc| HeaderValue::from_str(cc).ok()) {
            headers.insert(header::CACHE_CONTROL, cc);
        }
        let stored = Arc::new(Stored::read(headers, bytes, state.config.cache_max_age));
        if stored.is_private() {
            state.responses.remove(&key);
        } else {
            state.responses.put(key, stored.clone());
        }
        return stored.respond(if_none_match);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Part of the answer is missing for now (the database unavailable, a rate
    // limit): say when to retry, as REST does.
    if let Some(seconds) = retry
        && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
    {
        headers.insert(header::RETRY_AFTER, v);
    }
    let private = is_private(marked.as_deref());
    if !succeeded || !cacheable || private {
        state.responses.remove(&key);
        let mut res = HttpResponse::with_body(status, bytes).map_into_boxed_body();
        *res.headers_mut() = headers;
        return res;
    }
    let stored = Arc::new(Stored::new(headers, bytes));
    state.responses.put(key, stored.clone());
    stored.respond(None)
}

/// A response to send: its status and body, whether it carries errors, the
/// `Cache-Control` a resolver asked for, and when to retry.
struct Answer {
    status: StatusCode,
    bytes: Bytes,
    errors: bool,
    marked: Option<String>,
    retry: Option<u64>,
}

/// Execute `request` with the engine (the schema that validates it in full
/// unless `checked` was validated before), its fields in the order selected.
async fn engine(
    schemas: &Schemas,
    checked: Option<&guard::Checked>,
    request: async_graphql::Request,
    state: &AppState,
    graphql_response: bool,
) -> serde_json::Result<Answer> {
    let schema = schemas.for_request(checked, request.operation_name.as_deref(), &request.variables);
    let validated_in_full = std::ptr::eq(schema, &schemas.full);
    let operation = request.operation_name.clone();
    let mut response = schema.execute(loaders::attach(request, state)).await;
    if let Some(c) = checked
        && let Some(op) = known::selected(&c.doc, operation.as_deref())
    {
        order::as_selected(&mut response.data, &[&op.selection_set.node], &c.doc.fragments);
    }
    // Validation errors have no path: without one, the document passed.
    if validated_in_full
        && let Some(checked) = checked
        && response.errors.iter().all(|e| !e.path.is_empty())
    {
        checked.set_validated();
    }
    // A resolver marked the answer as one reader's own (recommendations for a session).
    let marked = response.http_headers.get("cache-control").and_then(|v| v.to_str().ok()).map(str::to_owned);
    // Errors raised before execution (syntax, validation, limits) have no path.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Errors from resolvers carry a code already (see `error::to_graphql`); the rest
    // come from the engine rejecting the request (syntax, validation, argument
    // coercion, limits): the client's input.
    for e in &mut response.errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    let status = if request_error && graphql_response { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let retry = |e: &async_graphql::ServerError| {
        let ext = e.extensions.as_ref()?;
        match ext.get("code")? {
            async_graphql::Value::String(c) if c == "UNAVAILABLE" => Some(1),
            async_graphql::Value::String(c) if c == "RATE_LIMITED" => match ext.get("retryAfter") {
                Some(async_graphql::Value::Number(n)) => n.as_u64(),
                _ => Some(1),
            },
            _ => None,
        }
    };
    let retry = response.errors.iter().filter_map(retry).max();
    let bytes = Bytes::from(raw::response(&response)?);
    Ok(Answer { status, bytes, errors: !response.errors.is_empty(), marked, retry })
}

/// Execute a GraphQL query or mutation sent as JSON.
#[utoipa::path(
    operation_id = "graphqlPost",
    tag = "graphql",
    request_body(content = GraphQLBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The GraphQL response (`data`, `errors`)", content((Object = "application/json"), (Object = "application/graphql-response+json"))),
        (status = 400, description = "Not a GraphQL request (bad JSON: a problem), a document over a size limit (a GraphQL response whose error names the limit in `extensions.limit`), or (with `application/graphql-response+json`) a document that does not parse or validate", content((Problem = "application/problem+json"), (Object = "application/json"), (Object = "application/graphql-response+json"))),
        (status = 415, description = "The body is not `application/json`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/graphql")]
pub async fn graphql_post(
    req: HttpRequest,
    body: web::Bytes,
    schemas: web::Data<Schemas>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "application/json" && media != "application/graphql-response+json" {
        return ApiError::http(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send GraphQL requests as application/json");
    }
    let body: GraphQLBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return ApiError::http(StatusCode::BAD_REQUEST, format!("not a GraphQL request: {e}")),
    };
    execute(&req, &schemas, &state, body, Method::POST).await
}

/// A JSON-encoded query parameter (`variables`, `extensions`).
fn json_param(name: &str, v: Option<String>) -> Result<Option<serde_json::Value>, newsdesk_domain::Error> {
    v.map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|_| newsdesk_domain::Error::field(name, "must be a JSON object"))
}

/// Execute a GraphQL query given as query parameters; GraphiQL for browsers.
///
/// Public queries are HTTP reads: cacheable for the cache period, with a strong
/// `ETag` and 304 for a matching `If-None-Match`.
#[utoipa::path(
    operation_id = "graphqlGet",
    tag = "graphql",
    params(GraphQLParams),
    responses(
        (status = 200, description = "The GraphQL response, or the GraphiQL page for `Accept: text/html` without `query`. A query answered without errors carries `Cache-Control` and a strong `ETag`, as REST reads do", content((Object = "application/json"), (Object = "application/graphql-response+json"), (String = "text/html"))),
        (status = 304, description = "The ETag in `If-None-Match` still matches"),
        (status = 400, description = "Not a GraphQL request (a problem), or a document over a size limit (a GraphQL response whose error names the limit in `extensions.limit`)", content((Problem = "application/problem+json"), (Object = "application/json"), (Object = "application/graphql-response+json"))),
        (status = 405, description = "Mutations must be sent with POST", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/graphql")]
pub async fn graphql_get(req: HttpRequest, schemas: web::Data<Schemas>, state: web::Data<AppState>) -> HttpResponse {
    let params: GraphQLParams = match parse_query(req.query_string()) {
        Ok(p) => p,
        Err(e) => return ApiError(e).response(),
    };
    if params.query.is_none() && params.extensions.is_none() {
        let html =
            req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
        if html {
            return crate::graphiql::page();
        }
        return ApiError::http(StatusCode::BAD_REQUEST, "the `query` parameter is required");
    };
    let (variables, extensions) =
        match (json_param("variables", params.variables), json_param("extensions", params.extensions)) {
            (Ok(v), Ok(e)) => (v, e),
            (Err(e), _) | (_, Err(e)) => return ApiError(e).response(),
        };
    let body = GraphQLBody { query: params.query, variables, operation_name: params.operation_name, extensions };
    execute(&req, &schemas, &state, body, Method::GET).await
}
