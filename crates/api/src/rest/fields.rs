//! Sparse responses: `fields=slug,title,section.name,heroImage` keeps only those
//! fields of each article a read returns, for small screens and side boxes.
//!
//! The names a route accepts are read from the schema of the article shape it
//! answers ([`ArticleCardView`] or [`ArticleView`]), so they cannot drift from
//! the document: every property, dotted for nested ones (`section.path.name`;
//! through lists, `tags.slug`). A name keeps its whole value; a dotted one keeps
//! that part of its parent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use newsdesk_domain::Error;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{json, json_page};
use crate::error::ApiError;
use crate::views::{ArticleCardView, ArticleView};

/// The `fields` query parameter of reads that return articles.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParam {
    /// Only these fields of each article, comma-separated, dotted for nested
    /// ones (`section.name`, `tags.slug`); any other name is a 400 naming it. The
    /// answer then holds a subset of each article's documented fields.
    #[param(example = "slug,title,section.name,heroImage")]
    fields: Option<String>,
}

crate::extract::query_params!(FieldsParam);

/// Which article shape a route answers.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Lists, rankings, related articles, recommendations, search.
    Card,
    /// The article route, with its body.
    Article,
}

impl Shape {
    fn known(self) -> &'static BTreeSet<String> {
        static CARD: OnceLock<BTreeSet<String>> = OnceLock::new();
        static ARTICLE: OnceLock<BTreeSet<String>> = OnceLock::new();
        match self {
            Shape::Card => CARD.get_or_init(paths_of::<ArticleCardView<'static>>),
            Shape::Article => ARTICLE.get_or_init(paths_of::<ArticleView<'static>>),
        }
    }
}

impl FieldsParam {
    /// The fields asked for, checked against `shape`; `None` for every field.
    pub fn parse(&self, shape: Shape) -> Result<Option<Fields>, Error> {
        self.fields.as_deref().map(|text| Fields::parse(text, shape.known())).transpose()
    }
}

/// Requested fields as a tree: an empty subtree keeps the whole value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(BTreeMap<String, Fields>);

impl Fields {
    fn parse(text: &str, known: &BTreeSet<String>) -> Result<Self, Error> {
        // Each name once, in the order given: a repeated list costs no more
        // than the distinct names in it.
        let mut seen = BTreeSet::new();
        let names: Vec<&str> = text.split(',').map(str::trim).filter(|n| seen.insert(*n)).collect();
        let unknown: Vec<&str> = names
            .iter()
            .filter(|n| !known.contains(**n))
            .map(|n| if n.is_empty() { "(an empty name)" } else { *n })
            .collect();
        if !unknown.is_empty() {
            let top: Vec<&str> = known.iter().filter(|k| !k.contains('.')).map(String::as_str).collect();
            return Err(Error::field(
                "fields",
                format!("unknown: {} (known: {}, and their parts, dotted)", unknown.join(", "), top.join(", ")),
            ));
        }
        let mut tree = Fields::default();
        // A whole field asked for wins over parts of it (`section,section.name`).
        let within = |name: &str| names.iter().any(|n| name.strip_prefix(n).is_some_and(|r| r.starts_with('.')));
        for name in names.iter().filter(|n| !within(n)) {
            let mut node = &mut tree;
            for part in name.split('.') {
                node = node.0.entry(part.to_owned()).or_default();
            }
        }
        Ok(tree)
    }

    /// Keep only the requested fields of `value` (an article, or a list of them).
    fn keep(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|k, _| self.0.contains_key(k));
                for (k, v) in map.iter_mut() {
                    if let Some(sub) = self.0.get(k).filter(|s| !s.0.is_empty()) {
                        sub.keep(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.keep(v)),
            _ => {}
        }
    }
}

/// Where the articles of a response are.
#[derive(Debug, Clone, Copy)]
pub enum At {
    /// The response is the article.
    Root,
    /// `data[]` are articles.
    Data,
    /// `data[].article` are articles.
    DataArticle,
}

/// The media type of an answer given `fields=`: JSON whose articles hold only
/// the requested fields (the document describes it with `Sparse…` schemas, in
/// which no property is required).
pub const SPARSE_JSON: &str = "application/vnd.newsdesk.sparse+json";

/// A response whose articles keep only the requested fields.
pub struct Sparse<'a, T> {
    pub value: &'a T,
    pub fields: Option<&'a Fields>,
    pub at: At,
}

impl<T: Serialize> Sparse<'_, T> {
    /// The JSON answer, typed [`SPARSE_JSON`] when fields were chosen.
    pub fn json(&self) -> Result<HttpResponse, ApiError> {
        json(self).map(|res| self.typed(res))
    }

    /// A page of a list (see [`json_page`]), typed likewise.
    pub fn json_page(&self, req: &HttpRequest, next_cursor: Option<&str>) -> Result<HttpResponse, ApiError> {
        json_page(req, self, next_cursor).map(|res| self.typed(res))
    }

    fn typed(&self, mut res: HttpResponse) -> HttpResponse {
        if self.fields.is_some() {
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SPARSE_JSON));
        }
        res
    }
}

impl<T: Serialize> Serialize for Sparse<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(fields) = self.fields else { return self.value.serialize(serializer) };
        let mut value = serde_json::to_value(self.value).map_err(serde::ser::Error::custom)?;
        match self.at {
            At::Root => fields.keep(&mut value),
            At::Data => value.get_mut("data").into_iter().for_each(|d| fields.keep(d)),
            At::DataArticle => {
                let items = value.get_mut("data").and_then(Value::as_array_mut).into_iter().flatten();
                items.filter_map(|item| item.get_mut("article")).for_each(|a| fields.keep(a));
            }
        }
        value.serialize(serializer)
    }
}

/// Every property path of `T`'s JSON, from its schema and the schemas it uses.
fn paths_of<T: ToSchema>() -> BTreeSet<String> {
    let mut used = Vec::new();
    T::schemas(&mut used);
    let components: HashMap<String, Value> =
        used.into_iter().filter_map(|(name, s)| Some((name, serde_json::to_value(s).ok()?))).collect();
    let mut out = BTreeSet::new();
    if let Ok(root) = serde_json::to_value(T::schema()) {
        collect(&root, "", &components, &mut out, 0);
    }
    out
}

fn collect(schema: &Value, prefix: &str, components: &HashMap<String, Value>, out: &mut BTreeSet<String>, depth: u8) {
    // Deep enough for `section.path.name`; section trees recurse.
    if depth > 4 {
        return;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or_default();
        if let Some(s) = components.get(name) {
            collect(s, prefix, components, out, depth);
        }
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for s in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            collect(s, prefix, components, out, depth);
        }
    }
    if let Some(items) = schema.get("items") {
        collect(items, prefix, components, out, depth);
    }
    for (name, s) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        collect(s, &path, components, out, depth + 1);
        out.insert(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_schema_of_each_shape() {
        let card = Shape::Card.known();
        for name in
            ["slug", "title", "section.name", "section.path.slug", "tags.slug", "heroImage.src", "reactions.count"]
        {
            assert!(card.contains(name), "{name} in {card:?}");
        }
        assert!(!card.contains("body"));
        assert!(Shape::Article.known().contains("body"));
    }

    #[test]
    fn only_the_requested_fields_are_kept() {
        let fields = Fields::parse("slug, section.name,tags.slug,heroImage", Shape::Card.known()).expect("known");
        let mut article = serde_json::json!({
            "slug": "a", "title": "A", "section": {"slug": "s", "name": "S", "path": []},
            "tags": [{"id": "tag_1", "slug": "t", "name": "T"}], "heroImage": null,
        });
        fields.keep(&mut article);
        assert_eq!(
            article,
            serde_json::json!({"slug": "a", "section": {"name": "S"}, "tags": [{"slug": "t"}], "heroImage": null})
        );
        // A whole field wins over parts of it, whatever the order.
        let both = Fields::parse("section.name,section", Shape::Card.known()).expect("known");
        assert_eq!(both, Fields::parse("section", Shape::Card.known()).expect("known"));
    }

    #[test]
    fn repeated_names_cost_nothing_more() {
        let many = ["slug", "section.name"].repeat(10_000).join(",");
        let fields = Fields::parse(&many, Shape::Card.known()).expect("known");
        assert_eq!(fields, Fields::parse("slug,section.name", Shape::Card.known()).expect("known"));
    }

    #[test]
    fn unknown_names_are_named() {
        let e = Fields::parse("slug,body,sectoin.name,", Shape::Card.known()).expect_err("unknown");
        let message = &e.fields[0].message;
        assert!(message.contains("body, sectoin.name, (an empty name)"), "{message}");
    }
}
