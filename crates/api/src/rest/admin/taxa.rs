//! Sections, tags and authors: `/v1/admin/{sections,tags,authors}`.

use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, delete, post, put, web};
use newsdesk_domain::editorial::TaxonInput;
use newsdesk_domain::ports::TaxonKind;
use newsdesk_domain::{Error, Slug};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Reply;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::json_body;
use crate::rest::params::SlugParam;
use crate::rest::problems::WriteErrors;
use crate::state::AppState;

/// A section, tag or author. Values are checked by the editorial service.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxonWrite {
    /// Required.
    slug: Option<SlugParam>,
    /// Required.
    name: Option<String>,
    /// Sections only: the parent section's slug, or null for a root section.
    parent: Option<String>,
    /// Authors only.
    bio: Option<String>,
}

impl From<TaxonWrite> for TaxonInput {
    fn from(TaxonWrite { slug, name, parent, bio }: TaxonWrite) -> Self {
        TaxonInput { slug: slug.map(|s| s.0), name, parent, bio }
    }
}

fn collection(name: &str) -> Result<TaxonKind, ApiError> {
    TaxonKind::from_collection(name).ok_or_else(|| ApiError(Error::not_found(format!("collection `{name}`"))))
}

/// Create a section, tag or author.
#[utoipa::path(
    operation_id = "adminCreateTaxon",
    tag = "admin",
    params(("collection" = String, Path, description = "`sections`, `tags` or `authors`")),
    request_body = TaxonWrite,
    responses((status = 201, description = "Created"), WriteErrors),
    security(("bearer" = []))
)]
#[post("/{collection}")]
pub async fn create_taxon(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    kind: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    let kind = collection(&kind)?;
    let input = TaxonInput::from(json_body::<TaxonWrite>(&req, &body, true)?);
    let (_, taxon) =
        state.edit(move |e| e.save_taxon(caller.principal(), kind, None, input)).await.map_err(ApiError)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/{}s/{}", kind.as_str(), taxon.slug())))
        .finish())
}

/// Replace a section, tag or author (a new slug renames it).
#[utoipa::path(
    operation_id = "adminReplaceTaxon",
    tag = "admin",
    params(("collection" = String, Path, description = "`sections`, `tags` or `authors`"), ("slug" = String, Path)),
    request_body = TaxonWrite,
    responses((status = 204, description = "Saved"), WriteErrors),
    security(("bearer" = []))
)]
#[put("/{collection}/{slug}")]
pub async fn put_taxon(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Reply {
    let (kind, slug) = path.into_inner();
    let kind = collection(&kind)?;
    let slug =
        Slug::parse(slug.as_str()).map_err(|_| ApiError(Error::not_found(format!("{} `{slug}`", kind.as_str()))))?;
    let input = TaxonInput::from(json_body::<TaxonWrite>(&req, &body, true)?);
    state.edit(move |e| e.save_taxon(caller.principal(), kind, Some(&slug), input)).await.map_err(ApiError)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a section, tag or author; 409 while articles (or sub-sections) use it.
#[utoipa::path(
    operation_id = "adminDeleteTaxon",
    tag = "admin",
    params(("collection" = String, Path, description = "`sections`, `tags` or `authors`"), ("slug" = String, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/{collection}/{slug}")]
pub async fn delete_taxon(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> Reply {
    let (kind, slug) = path.into_inner();
    let kind = collection(&kind)?;
    let slug =
        Slug::parse(slug.as_str()).map_err(|_| ApiError(Error::not_found(format!("{} `{slug}`", kind.as_str()))))?;
    state.edit(move |e| e.delete_taxon(caller.principal(), kind, &slug)).await.map_err(ApiError)?;
    Ok(HttpResponse::NoContent().finish())
}
