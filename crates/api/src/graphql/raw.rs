//! Parts of a GraphQL response written straight to JSON.
//!
//! An article's body is hundreds of small objects: built as the engine's
//! `Value` tree (an `IndexMap` per object, a `String` per text), serialized and
//! dropped, it cost a GraphQL article page about a quarter of its time. It is
//! written to JSON directly instead (see [`super::body`]), and the engine
//! carries the text as a [`Value::Binary`], which no type of this schema
//! produces otherwise (it has no upload scalar); [`response`] writes it as is.
//!
//! The engine merges the values of a field selected twice under one name
//! (`article(slug: $a) { title } article(slug: $a) { body { … } }`), which it
//! cannot do with text. So parts are written this way only in documents where
//! no two fields with sub-selections share a response name in one selection
//! set ([`allowed`]); in other documents the written JSON is read back into a
//! `Value` tree, and the engine merges as usual.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, Value};

/// Whether written parts may be carried as text in a request (request data).
#[derive(Clone, Copy)]
pub struct Allowed(pub bool);

/// A part of the response written as JSON: as text where allowed, else as a
/// `Value` read back from it.
pub fn part(json: Vec<u8>, allowed: bool) -> Value {
    if allowed {
        return Value::Binary(json.into());
    }
    serde_json::from_slice(&json).ok().and_then(|v| Value::from_json(v).ok()).unwrap_or(Value::Null)
}

/// The response as JSON, with the parts written as JSON in place.
pub fn response(r: &Response) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"data\":");
    write_value(&mut out, &r.data)?;
    if !r.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut out, &r.extensions)?;
    }
    if !r.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &r.errors)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Write a value as JSON, its parts written as JSON in place.
pub fn write_value(out: &mut Vec<u8>, v: &Value) -> serde_json::Result<()> {
    match v {
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(fields) => {
            out.push(b'{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k.as_str())?;
                out.push(b':');
                write_value(out, v)?;
            }
            out.push(b'}');
        }
        leaf => serde_json::to_writer(out, leaf)?,
    }
    Ok(())
}

/// Whether no selection set of `doc` (its fragments expanded, whatever their
/// type condition) has two fields with sub-selections under one response name.
pub fn allowed(doc: &ExecutableDocument) -> bool {
    let ops = doc.operations.iter().map(|(_, op)| &op.node.selection_set.node);
    let fragments = doc.fragments.values().map(|f| &f.node.selection_set.node);
    ops.chain(fragments).all(|set| distinct(doc, set))
}

fn distinct(doc: &ExecutableDocument, set: &SelectionSet) -> bool {
    let mut named = Vec::new();
    flatten(doc, set, &mut named, 0) && {
        named.sort_unstable();
        named.windows(2).all(|w| w[0] != w[1])
    }
}

/// Collect the response names of `set`'s fields with sub-selections, checking
/// each sub-selection in turn. Fragments spread within fragments are bounded
/// in depth (the guard has refused cycles and excess before).
fn flatten<'d>(doc: &'d ExecutableDocument, set: &'d SelectionSet, named: &mut Vec<&'d str>, depth: u32) -> bool {
    if depth > 64 {
        return false;
    }
    set.items.iter().all(|s| match &s.node {
        Selection::Field(f) => {
            let sub = &f.node.selection_set.node;
            sub.items.is_empty() || {
                named.push(f.node.response_key().node.as_str());
                distinct(doc, sub)
            }
        }
        Selection::InlineFragment(i) => flatten(doc, &i.node.selection_set.node, named, depth + 1),
        Selection::FragmentSpread(s) => match doc.fragments.get(&s.node.fragment_name.node) {
            Some(f) => flatten(doc, &f.node.selection_set.node, named, depth + 1),
            None => false,
        },
    })
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn only_documents_without_repeated_objects_carry_text() {
        let yes = [
            "{ article(slug: \"a\") { slug slug title body { __typename ... on HeadingBlock { text } ... on QuoteBlock { text } } } }",
            "query { a: article(slug: \"a\") { slug } b: article(slug: \"b\") { slug } }",
            "{ articles { nodes { ...Card } } } fragment Card on Article { slug tags { slug } }",
        ];
        let no = [
            "{ article(slug: \"a\") { slug } article(slug: \"a\") { title } }",
            "{ article(slug: \"a\") { body { __typename } body { ... on HeadingBlock { text } } } }",
            "{ article(slug: \"a\") { ...A ...B } } fragment A on Article { tags { slug } } fragment B on Article { tags { name } }",
            "{ articles { nodes { slug } ... on ArticleConnection { nodes { title } } } }",
        ];
        for q in yes {
            assert!(allowed(&parse_query(q).expect("parses")), "{q}");
        }
        for q in no {
            assert!(!allowed(&parse_query(q).expect("parses")), "{q}");
        }
    }

    #[test]
    fn a_response_is_written_as_serde_writes_it_with_parts_in_place() {
        let data = Value::from_json(serde_json::json!({
            "a": [1, 2.5, "x\"y", true, null, {"b": "é\n"}],
            "c": {}
        }))
        .expect("value");
        let mut r = Response::new(data.clone());
        r.errors.push(async_graphql::ServerError::new("bad", None));
        assert_eq!(response(&r).expect("json"), serde_json::to_vec(&r).expect("serde"));
        let Value::Object(mut fields) = data else { unreachable!() };
        fields.insert(async_graphql::Name::new("raw"), part(b"[{\"k\":1}]".to_vec(), true));
        fields.insert(async_graphql::Name::new("read"), part(b"[{\"k\":1}]".to_vec(), false));
        let json: serde_json::Value =
            serde_json::from_slice(&response(&Response::new(Value::Object(fields))).expect("json")).expect("valid");
        assert_eq!(json["data"]["raw"], json["data"]["read"]);
        assert_eq!(json["data"]["raw"][0]["k"], 1);
    }
}
