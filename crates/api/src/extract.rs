//! Strict request extraction: unknown or repeated query parameters are a 400 naming
//! the parameter, so a typo never silently widens a query.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest};
use newsdesk_domain::Error;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::error::ApiError;

/// A set of query parameters, declared with [`query_params!`]. Implementors take
/// values as strings (or types that keep the string, such as
/// [`crate::rest::params::SlugParam`]), so that the domain parses them and names
/// the parameter at fault.
pub trait QueryParams: DeserializeOwned {
    /// The parameters the set accepts.
    fn accepted() -> &'static Accepted;
}

/// The parameters a set accepts: exactly those it documents, so that the
/// OpenAPI document and the server cannot disagree. A parameter documented as an
/// array may be repeated; any other may not.
#[derive(Debug, Default)]
pub struct Accepted {
    names: Vec<String>,
    repeatable: Vec<String>,
}

impl Accepted {
    /// The parameters `T` documents.
    pub fn of<T: IntoParams>() -> Self {
        Self::default().and::<T>()
    }

    /// With the parameters `T` documents too (a set flattened into another).
    pub fn and<T: IntoParams>(mut self) -> Self {
        for p in T::into_params(|| None) {
            if matches!(p.schema, Some(RefOr::T(Schema::Array(_)))) {
                self.repeatable.push(p.name.clone());
            }
            self.names.push(p.name);
        }
        self
    }

    fn check(&self, name: &str) -> Result<(), Error> {
        if self.names.iter().any(|n| n == name) {
            return Ok(());
        }
        let expected = match self.names.as_slice() {
            [] => "this route takes none".to_owned(),
            names => {
                format!("expected one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
            }
        };
        Err(Error::field(name, format!("is not a known parameter ({expected})")))
    }
}

/// Declare a struct a set of query parameters: those it documents with
/// `IntoParams`, and those of the sets it flattens (`ListParams: FilterParams`).
macro_rules! query_params {
    ($t:ty $(: $($flattened:ty),+)?) => {
        impl $crate::extract::QueryParams for $t {
            fn accepted() -> &'static $crate::extract::Accepted {
                static ACCEPTED: std::sync::OnceLock<$crate::extract::Accepted> = std::sync::OnceLock::new();
                ACCEPTED.get_or_init(|| $crate::extract::Accepted::of::<$t>()$($(.and::<$flattened>())+)?)
            }
        }
    };
}
pub(crate) use query_params;

/// Query parameters deserialized into `T`.
pub struct StrictQuery<T>(pub T);

impl<T: QueryParams> FromRequest for StrictQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(StrictQuery).map_err(ApiError))
    }
}

pub fn parse_query<T: QueryParams>(qs: &str) -> Result<T, Error> {
    let accepted = T::accepted();
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in form_urlencoded::parse(qs.as_bytes()) {
        accepted.check(&k)?;
        if seen.iter().any(|s| *s == k) && !accepted.repeatable.iter().any(|r| *r == k) {
            return Err(Error::field(k, "may be given only once"));
        }
        // `?section=` is more likely a template bug than a wish for no filter.
        if v.is_empty() {
            return Err(Error::field(k, "must not be empty; leave the parameter out instead"));
        }
        seen.push(k.into_owned());
    }
    serde_html_form::from_str::<T>(qs).map_err(|e| serde_error(&e.to_string(), "query", "parameter"))
}

/// A serde complaint as a bad field: serde names it between backticks
/// ("unknown field `limt`, expected …", "missing field `kind`").
fn serde_error(msg: &str, whole: &str, what: &str) -> Error {
    let field = msg.split('`').nth(1).filter(|_| msg.contains("field")).unwrap_or(whole).to_owned();
    let message = if msg.starts_with("unknown field") {
        format!("is not a known {what} ({})", msg.split(", ").skip(1).collect::<Vec<_>>().join(", "))
    } else {
        msg.to_owned()
    };
    Error::field(field, message)
}

/// A JSON request body. Any other media type is a 415; JSON that does not fit
/// `T` is a 400 naming the field. An empty body is `T::default()` unless `required`.
pub fn json_body<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
    required: bool,
) -> Result<T, actix_web::Error> {
    if body.is_empty() && !required {
        return Ok(T::default());
    }
    let media = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = media.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        let res = ApiError::http(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
        return Err(InternalError::from_response("unsupported media type", res).into());
    }
    serde_json::from_slice(body).map_err(|e| ApiError(serde_error(&e.to_string(), "body", "field")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, utoipa::IntoParams, Debug)]
    struct Q {
        limit: Option<String>,
        #[serde(default)]
        tag: Vec<String>,
    }

    query_params!(Q);

    #[test]
    fn names_unknown_and_repeated_parameters() {
        let e = parse_query::<Q>("limt=5").unwrap_err();
        assert_eq!(e.fields[0].field, "limt");
        let e = parse_query::<Q>("limit=5&limit=6").unwrap_err();
        assert_eq!(e.fields[0].field, "limit");
        let e = parse_query::<Q>("limit=").unwrap_err();
        assert_eq!(e.fields[0].field, "limit");
        let q = parse_query::<Q>("tag=a&tag=b").unwrap();
        assert_eq!(q.tag, ["a", "b"]);
        assert_eq!(q.limit, None);
    }
}
