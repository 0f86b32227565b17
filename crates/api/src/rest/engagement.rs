//! Beacons (views and reactions) and rankings.

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use newsdesk_domain::Error;
use newsdesk_domain::engagement::Client;
use newsdesk_domain::query::Limit;
use newsdesk_domain::ranking::RankingQuery;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::fields::{At, FieldsParam, Shape, Sparse};
use super::json;
use super::params::{NoParams, RankingKindParam, SlugParam, WindowParam};
use super::problems::{BeaconErrors, ReadErrors};
use crate::auth::{READER_ADDRESS, READER_USER_AGENT, beacon_sender};
use crate::error::ApiError;
use crate::extract::{StrictQuery, query_params};
use crate::responses::weak_etag;
use crate::state::{AppState, blocking};
use crate::views::{RankingView, ReactionCounts, ReactionKindList, reactions};

/// A view beacon.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ViewBeacon {
    /// The reader's session: 8 to 128 characters of `A-Z a-z 0-9 _ -`.
    #[schema(pattern = "^[A-Za-z0-9_-]{8,128}$")]
    session_id: String,
}

/// A reaction beacon.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReactionBeacon {
    /// One of the configured kinds (by default `like`, `very-good`, `sad`, `angry`, `surprised`).
    kind: String,
    /// The reader's session: 8 to 128 characters of `A-Z a-z 0-9 _ -`.
    #[schema(pattern = "^[A-Za-z0-9_-]{8,128}$")]
    session_id: String,
}

/// The reader a server-side frontend relays a beacon for, instead of itself.
/// Taken only from a caller with an API key (403 otherwise).
pub struct ReaderHeaders;

impl IntoParams for ReaderHeaders {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        [
            (READER_USER_AGENT, "The reader's `User-Agent`, which decides whether the beacon comes from a robot."),
            (READER_ADDRESS, "The reader's IP address, under which its beacons are rate-limited."),
        ]
        .into_iter()
        .map(|(name, description)| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(format!("Relayed by a server-side frontend with an API key: {description}")))
                .schema(Some(String::schema()))
                .build()
        })
        .collect()
    }
}

/// A beacon: its JSON body, sent as `application/json` or as `text/plain` (what
/// `navigator.sendBeacon` sends for a string), and who sent it.
pub struct Beacon<T> {
    body: T,
    client: Client,
}

impl<T: DeserializeOwned + 'static> FromRequest for Beacon<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let bytes = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            let body = parse(&req, &bytes)?;
            let (mut client, addr) = beacon_sender(&req);
            if let Some(state) = req.app_data::<web::Data<AppState>>() {
                client = state.limits.beacon(addr, req.match_info().get("slug").unwrap_or(""), client);
            }
            Ok(Beacon { body, client })
        })
    }
}

fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, actix_web::Error> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(media.as_str(), "application/json" | "text/plain" | "") {
        let res = ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send beacons as application/json or text/plain holding JSON",
        );
        return Err(InternalError::from_response("unsupported media type", res).into());
    }
    serde_json::from_slice(body).map_err(|e| {
        let field = match e.to_string() {
            m if m.contains("sessionId") => "sessionId",
            m if m.contains("`kind`") => "kind",
            _ => "body",
        };
        ApiError(Error::field(field, format!("invalid beacon: {e}"))).into()
    })
}

fn accepted() -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Accepted();
    res.insert_header(CacheControl(vec![CacheDirective::NoStore]));
    res
}

/// Count a view.
///
/// Answers 202 at once; the view is counted within about a second, once per
/// session and article every 30 minutes. Crawlers are answered 202 and not counted.
#[utoipa::path(
    operation_id = "recordView",
    tag = "engagement",
    params(("slug" = String, Path, description = "The article's slug"), ReaderHeaders),
    request_body(content((ViewBeacon = "application/json"), (ViewBeacon = "text/plain"))),
    responses((status = 202, description = "Accepted"), BeaconErrors)
)]
#[post("/articles/{slug}/views")]
pub async fn record_view(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    b: Beacon<ViewBeacon>,
) -> Result<HttpResponse, ApiError> {
    let svc = state.engagement.clone();
    blocking(move || svc.record_view(&slug, &b.body.session_id, b.client)).await?;
    Ok(accepted().finish())
}

/// React to an article.
///
/// A reaction counts once per session, article and kind. Answers 202 with the
/// article's reaction counts, this reaction included.
#[utoipa::path(
    operation_id = "react",
    tag = "engagement",
    params(("slug" = String, Path, description = "The article's slug"), ReaderHeaders),
    request_body(content((ReactionBeacon = "application/json"), (ReactionBeacon = "text/plain"))),
    responses((status = 202, description = "Accepted; the article's reaction counts", body = ReactionCounts), BeaconErrors)
)]
#[post("/articles/{slug}/reactions")]
pub async fn react(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    b: Beacon<ReactionBeacon>,
) -> Result<HttpResponse, ApiError> {
    let svc = state.engagement.clone();
    let reacted = blocking(move || svc.react(&slug, &b.body.kind, &b.body.session_id, b.client)).await?;
    let answer = ReactionCounts {
        reactions: reactions(reacted.article.record.reactions.clone()),
        session_reactions: reacted.session_kinds,
    };
    let body = serde_json::to_vec(&answer).map_err(Error::internal)?;
    Ok(accepted().content_type("application/json").body(body))
}

/// The reaction kinds this server counts (`--reaction-kinds`), in the order to
/// show them: what a reaction button bar lists.
#[utoipa::path(
    operation_id = "listReactionKinds",
    tag = "engagement",
    responses((status = 200, description = "The kinds, in order", body = ReactionKindList), ReadErrors)
)]
#[get("/reactions/kinds")]
pub async fn reaction_kinds(state: web::Data<AppState>, _q: StrictQuery<NoParams>) -> Result<HttpResponse, ApiError> {
    json(&ReactionKindList { data: state.engagement.reaction_kinds().to_vec() })
}

/// The ranking a request names.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RankingPath {
    /// Which ranking.
    #[param(inline)]
    kind: RankingKindParam,
}

/// Window, filters and size of a ranking.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// The period counted; `24h` by default.
    #[param(inline)]
    window: Option<WindowParam>,
    /// A section slug; articles of its sub-sections are included.
    section: Option<SlugParam>,
    /// A tag slug.
    tag: Option<SlugParam>,
    /// Entries, 1 to 50 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    fields: FieldsParam,
}

query_params!(RankingParams: FieldsParam);

/// A ranking of published articles.
///
/// `most-read` counts views in the window, `most-reacted` reactions, and
/// `trending` favours stories read more now than they usually are. Rankings are
/// recomputed in the background every few seconds; `generatedAt` says when.
#[utoipa::path(
    operation_id = "getRanking",
    tag = "engagement",
    params(RankingPath, RankingParams, FieldsParam),
    responses((status = 200, description = "The ranking", body = RankingView), ReadErrors)
)]
#[get("/rankings/{kind}")]
pub async fn ranking(
    state: web::Data<AppState>,
    path: web::Path<RankingPath>,
    q: StrictQuery<RankingParams>,
) -> Result<HttpResponse, ApiError> {
    let p = q.0;
    let fields = p.fields.parse(Shape::Card)?;
    let limit = p.limit.map(|l| Limit::parse("limit", &l, RankingQuery::MAX_LIMIT));
    let query = RankingQuery::parse(
        &path.kind.0,
        p.window.as_ref().map(|w| w.0.as_str()),
        p.section.map(|s| s.0),
        p.tag.map(|s| s.0),
        limit,
    )?;
    let svc = state.rankings.clone();
    let ranking = blocking(move || svc.ranking(&query)).await?;
    let view = RankingView::from(&ranking);
    // The validator follows the entries, not `generatedAt`: a client revalidating
    // a ranking that did not change gets a 304 however often it was recomputed.
    let entries = serde_json::to_vec(&view.data).map_err(|e| ApiError(Error::internal(e)))?;
    let mut res = Sparse { value: &view, fields: fields.as_ref(), at: At::DataArticle }.json()?;
    if let Ok(tag) = HeaderValue::from_str(&weak_etag(&entries)) {
        res.headers_mut().insert(header::ETAG, tag);
    }
    Ok(res)
}
