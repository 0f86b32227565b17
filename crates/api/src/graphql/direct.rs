//! Article pages answered without the engine.
//!
//! A client sends the same article-page document with a new slug on every
//! page view. Once the engine has validated the document in full (see
//! [`super::known`]), the engine adds to each request only what no answer
//! needs: a copy of the parsed document, its validation visitors, and its
//! dispatch of the one root field, a fifth of such a request's time. A document
//! whose every root field is `article` (by slug or id, a literal or a variable),
//! with no directives anywhere, and whose selections are all plain data is
//! answered here instead: the article is found by the very function the field's
//! resolver calls ([`super::content::article`]) and written by the same
//! projection ([`super::card`]), so the bytes are the engine's. Whatever is not
//! exactly that (an error, a field the projection leaves to the engine, an
//! argument of another form) is left to the engine, which answers as always;
//! a document found not to fit is not tried again.

use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::{ID, Value, Variables};

use super::content;
use super::project::{Projection, write_str};
use crate::state::AppState;

/// Queries answered here (`/metrics`: `newsdesk_graphql_direct_answers_total`).
pub static ANSWERED: AtomicU64 = AtomicU64::new(0);

/// Whether the document may be answered without the engine: it has no
/// directives (the engine applies `@skip` and `@include`; the projection does
/// not). Which operation, and its root fields, are checked per request.
pub fn shaped(doc: &ExecutableDocument) -> bool {
    let ops = doc.operations.iter().map(|(_, op)| &op.node);
    ops.into_iter().all(|op| op.directives.is_empty() && undirected(&op.selection_set.node))
        && doc.fragments.values().all(|f| f.node.directives.is_empty() && undirected(&f.node.selection_set.node))
}

/// Whether an operation is a query of `article` fields only.
fn articles_only(op: &OperationDefinition) -> bool {
    op.ty == OperationType::Query
        && op.selection_set.node.items.iter().all(|s| match &s.node {
            Selection::Field(f) => f.node.name.node == "article",
            _ => false,
        })
}

fn undirected(set: &SelectionSet) -> bool {
    set.items.iter().all(|s| match &s.node {
        Selection::Field(f) => f.node.directives.is_empty() && undirected(&f.node.selection_set.node),
        Selection::InlineFragment(i) => i.node.directives.is_empty() && undirected(&i.node.selection_set.node),
        Selection::FragmentSpread(s) => s.node.directives.is_empty(),
    })
}

/// Why a request is left to the engine.
pub enum Refused {
    /// This request (an error, an argument of another form, another root).
    Now,
    /// Any request of this document (a field the projection leaves to the
    /// engine): not to be tried again.
    Always,
}

/// The response to `op` of the validated document `doc` (see [`shaped`]),
/// whose variables were found acceptable, when it reads articles only.
pub async fn answer(
    state: &AppState,
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
    preview: bool,
) -> Result<Vec<u8>, Refused> {
    if !articles_only(op) {
        return Err(Refused::Now);
    }
    let p = Projection::new(&doc.fragments, registry, true);
    let mut out = Vec::with_capacity(8192);
    out.extend_from_slice(b"{\"data\":{");
    for (i, selection) in op.selection_set.node.items.iter().enumerate() {
        let Selection::Field(field) = &selection.node else { return Err(Refused::Now) };
        let field = &field.node;
        let slug = argument(field, "slug", op, variables).map_err(|()| Refused::Now)?;
        let id = argument(field, "id", op, variables).map_err(|()| Refused::Now)?;
        // Errors (and their paths and locations) are the engine's to write.
        let found = content::article(state, preview, slug, id.map(ID)).await.map_err(|_| Refused::Now)?;
        if i > 0 {
            out.push(b',');
        }
        write_str(&mut out, field.response_key().node.as_str());
        out.push(b':');
        match found {
            Some(article) => {
                if !super::card::write(&p, &article, &[&field.selection_set.node], &mut out) {
                    return Err(Refused::Always);
                }
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"}}");
    ANSWERED.fetch_add(1, Ordering::Relaxed);
    Ok(out)
}

/// A string argument's value: a literal, or a variable's value (or its
/// default); `Err` for anything else.
fn argument(field: &Field, name: &str, op: &OperationDefinition, variables: &Variables) -> Result<Option<String>, ()> {
    let Some(value) = field.get_argument(name) else { return Ok(None) };
    let value = value.node.clone().into_const_with(|var| {
        let default = || {
            let def = op.variable_definitions.iter().find(|d| d.node.name.node == var)?;
            def.node.default_value.as_ref().map(|d| d.node.clone())
        };
        Ok::<_, ()>(variables.get(&var).cloned().or_else(default).unwrap_or(Value::Null))
    })?;
    match value {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        _ => Err(()),
    }
}
