//! Response fields in the order they were selected.
//!
//! GraphQL orders an object's fields as the document selects them. The engine
//! resolves the fields of the query root and of its own connection types
//! concurrently and keeps them in the order they complete, so a field that
//! waits for the database (a `totalCount`, a second root field) could come
//! after the fields selected after it, and the order of an answer changed from
//! one request to the next; parts read back from JSON (see [`super::raw`])
//! came in alphabetical order. [`as_selected`] puts every object of an answer
//! back in document order: each response name where it is first selected,
//! fragments expanded in place. Parts written as JSON (see [`super::raw`]) are
//! written in that order already.

use std::collections::HashMap;

use async_graphql::parser::types::{FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Value};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Order `value`, the answer to the selections `sets`, as they select.
pub fn as_selected(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    match value {
        Value::Object(_) | Value::List(_) => {
            let mut keys = Vec::new();
            for set in sets {
                collect(set, fragments, &mut keys, 0);
            }
            apply(value, &keys, fragments);
        }
        // Scalars, and parts written as JSON in order already.
        _ => {}
    }
}

/// Order `value` (an object, or a list of them) by the response names `keys`.
fn apply(value: &mut Value, keys: &[(&str, Vec<&SelectionSet>)], fragments: &Fragments) {
    match value {
        Value::Object(fields) => {
            let position = |k: &str| keys.iter().position(|(key, _)| *key == k).unwrap_or(usize::MAX);
            let in_order = fields.keys().map(|k| position(k.as_str())).is_sorted();
            if !in_order {
                fields.sort_by_cached_key(|k, _| position(k.as_str()));
            }
            for (k, v) in fields.iter_mut() {
                if let Some((_, sub)) = keys.iter().find(|(key, _)| *key == k.as_str()) {
                    as_selected(v, sub, fragments);
                }
            }
        }
        Value::List(items) => items.iter_mut().for_each(|v| apply(v, keys, fragments)),
        _ => {}
    }
}

/// Append each response name of `set` not seen yet, and the sub-selections
/// of every field selected under it. Fragments are expanded whatever their
/// type condition: a name selected only on another type is not in the object.
fn collect<'d>(
    set: &'d SelectionSet,
    fragments: &'d Fragments,
    keys: &mut Vec<(&'d str, Vec<&'d SelectionSet>)>,
    depth: u32,
) {
    // The guard refused fragment cycles; this only bounds a bad document.
    if depth > 64 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.as_str();
                let sub = &f.node.selection_set.node;
                match keys.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, subs)) => subs.push(sub),
                    None => keys.push((key, vec![sub])),
                }
            }
            Selection::InlineFragment(i) => collect(&i.node.selection_set.node, fragments, keys, depth + 1),
            Selection::FragmentSpread(s) => {
                if let Some(f) = fragments.get(&s.node.fragment_name.node) {
                    collect(&f.node.selection_set.node, fragments, keys, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;

    use super::*;

    #[test]
    fn objects_are_put_in_document_order_at_every_level() {
        let doc = parse_query(
            "{ b: articles { totalCount ...E } a: tags { ... on TagConnection { totalCount } edges { node { slug } } } } \
             fragment E on ArticleConnection { edges { node { slug title } } pageInfo { hasNextPage } }",
        )
        .expect("parses");
        let DocumentOperations::Single(op) = &doc.operations else { panic!("one operation") };
        let mut value = Value::from_json(serde_json::json!({
            "a": {"edges": [{"node": {"slug": "x"}}], "totalCount": 1},
            "b": {"pageInfo": {"hasNextPage": false}, "edges": [{"node": {"title": "T", "slug": "s"}}], "totalCount": 2},
        }))
        .expect("a value");
        as_selected(&mut value, &[&op.node.selection_set.node], &doc.fragments);
        assert_eq!(
            serde_json::to_string(&value).expect("json"),
            r#"{"b":{"totalCount":2,"edges":[{"node":{"slug":"s","title":"T"}}],"pageInfo":{"hasNextPage":false}},"a":{"totalCount":1,"edges":[{"node":{"slug":"x"}}]}}"#
        );
    }
}
