//! Strict request extraction: unknown or repeated query parameters are a 400 naming
//! the parameter, so a typo never silently widens a query.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use newsdesk_domain::Error;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters deserialized into `T`, which should `deny_unknown_fields` and
/// take values as strings so that the domain parses (and names) them.
pub struct StrictQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for StrictQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(StrictQuery).map_err(ApiError))
    }
}

pub fn parse_query<T: DeserializeOwned>(qs: &str) -> Result<T, Error> {
    serde_html_form::from_str::<T>(qs).map_err(|e| {
        let msg = e.to_string();
        // serde names the parameter between backticks: "unknown field `limt`, expected …".
        let field = msg.split('`').nth(1).unwrap_or("query").to_owned();
        let message = if msg.starts_with("unknown field") {
            format!("is not a known parameter ({})", msg.split(", ").skip(1).collect::<Vec<_>>().join(", "))
        } else if msg.starts_with("duplicate field") {
            "may be given only once".to_owned()
        } else {
            msg.clone()
        };
        Error::field(field, message)
    })
}

/// Split a comma list parameter and parse each item.
pub fn opt<T>(v: Option<&str>, f: impl FnOnce(&str) -> Result<T, Error>) -> Result<Option<T>, Error> {
    v.map(f).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<String>,
        #[serde(default)]
        tag: Vec<String>,
    }

    #[test]
    fn names_unknown_and_repeated_parameters() {
        let e = parse_query::<Q>("limt=5").unwrap_err();
        assert_eq!(e.fields[0].field, "limt");
        let e = parse_query::<Q>("limit=5&limit=6").unwrap_err();
        assert_eq!(e.fields[0].field, "limit");
        let q = parse_query::<Q>("tag=a&tag=b").unwrap();
        assert_eq!(q.tag, ["a", "b"]);
    }
}
