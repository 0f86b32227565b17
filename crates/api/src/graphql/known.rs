//! Documents validated once are not validated in full again.
//!
//! The engine's full validation (two dozen rules walking the whole document)
//! cost about a quarter of a small query's time, for the same few documents
//! clients send again and again. Every rule but one depends on the document
//! alone: once a document passed them all, it passes them again. The exception
//! checks the request's variable values against the arguments they are passed
//! to. So a document the engine validated in full once is executed by a second
//! schema, identical but for the engine's fast validation (fragment cycles, and
//! the complexity and depth limits, which depend on the variables, still
//! checked on every request), when every variable's value is one the engine
//! accepts for the type the document declares for it, checked here for the
//! built-in scalars and lists of them. Any other variable (an enum, an input
//! object, a custom scalar, a value of another type) is validated in full as
//! before, so what a client sees for an invalid request does not change. Which
//! documents were validated is remembered with the parsed document
//! ([`super::guard::Checked`]).

use std::sync::Arc;

use async_graphql::parser::types::{BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Type};
use async_graphql::registry::Registry;
use async_graphql::{Name, OutputType, ValidationMode, Value, Variables};

use super::guard::Checked;
use super::{NewsdeskSchema, Query};

/// The schema that validates in full, its twin for validated documents, and
/// the schema's types for documents answered without the engine (see
/// [`super::direct`]).
#[derive(Clone)]
pub struct Schemas {
    pub full: NewsdeskSchema,
    pub known: NewsdeskSchema,
    pub registry: Arc<Registry>,
}

impl Schemas {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        Query::create_type_info(&mut registry);
        Self {
            full: super::schema(),
            known: super::builder().validation_mode(ValidationMode::Fast).finish(),
            registry: Arc::new(registry),
        }
    }

    /// The operation of `checked` to answer without the engine, when it may be:
    /// a document validated before, of a shape [`super::direct`] answers, with
    /// variables the engine would accept.
    pub fn direct<'d>(
        &self,
        checked: &'d Checked,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Option<&'d OperationDefinition> {
        if !(checked.direct() && checked.validated() && accepted(&checked.doc, operation, variables)) {
            return None;
        }
        selected(&checked.doc, operation)
    }

    /// The schema to execute `checked` with these variables.
    pub fn for_request(
        &self,
        checked: Option<&Checked>,
        operation: Option<&str>,
        variables: &Variables,
    ) -> &NewsdeskSchema {
        match checked {
            Some(c) if c.validated() && accepted(&c.doc, operation, variables) => &self.known,
            _ => &self.full,
        }
    }
}

impl Default for Schemas {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether every variable of the operation the request selects has a value the
/// engine accepts for the variable's declared type, as far as that is known
/// here; `false` when in doubt.
fn accepted(doc: &ExecutableDocument, operation: Option<&str>, variables: &Variables) -> bool {
    let Some(op) = selected(doc, operation) else { return false };
    op.variable_definitions.iter().all(|def| {
        let def = &def.node;
        let ty = &def.var_type.node;
        match variables.get(&def.name.node) {
            // The default (validated with the document), or null where allowed.
            None => def.default_value.is_some() || ty.nullable,
            // An explicit null is refused where the variable's default made a
            // nullable variable fit a non-null argument.
            Some(Value::Null) => ty.nullable && def.default_value.is_none(),
            Some(v) => fits(ty, v),
        }
    })
}

/// The operation a request selects by its name (or the only one).
pub(super) fn selected<'d>(doc: &'d ExecutableDocument, operation: Option<&str>) -> Option<&'d OperationDefinition> {
    match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(&Name::new(name)).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// A non-null value of a built-in scalar type, or a list of such values.
fn fits(ty: &Type, v: &Value) -> bool {
    match (&ty.base, v) {
        (_, Value::Null) => ty.nullable,
        (BaseType::List(item), Value::List(items)) => items.iter().all(|i| fits(item, i)),
        (BaseType::List(_), _) => false,
        (BaseType::Named(name), v) => match (name.as_str(), v) {
            ("String" | "ID", Value::String(_)) | ("Boolean", Value::Boolean(_)) => true,
            ("Int", Value::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
            ("Float", Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn vars(json: serde_json::Value) -> Variables {
        Variables::from_json(json)
    }

    #[test]
    fn only_values_of_the_declared_built_in_types_are_accepted() {
        let doc = parse_query(
            "query Q($s: String!, $n: Int, $f: Float = 1.5, $ids: [ID!], $b: Boolean, $opt: Int = 3, $sort: ArticleSortInput) \
             { articles(first: $n) { totalCount } }",
        )
        .expect("parses");
        let base = serde_json::json!({ "s": "x" });
        let with = |k: &str, v: serde_json::Value| {
            let mut m = base.clone();
            m[k] = v;
            vars(m)
        };
        assert!(accepted(&doc, None, &vars(base.clone())));
        assert!(accepted(&doc, Some("Q"), &vars(base.clone())));
        assert!(accepted(&doc, None, &with("n", serde_json::json!(20))));
        assert!(accepted(&doc, None, &with("n", serde_json::Value::Null)));
        assert!(accepted(&doc, None, &with("f", serde_json::json!(2))));
        assert!(accepted(&doc, None, &with("ids", serde_json::json!(["article_1", "article_2"]))));
        assert!(accepted(&doc, None, &with("b", serde_json::json!(true))));

        assert!(!accepted(&doc, None, &vars(serde_json::json!({}))), "a required variable missing");
        assert!(!accepted(&doc, None, &with("s", serde_json::Value::Null)));
        assert!(!accepted(&doc, None, &with("s", serde_json::json!(1))));
        assert!(!accepted(&doc, None, &with("n", serde_json::json!("20"))));
        assert!(!accepted(&doc, None, &with("n", serde_json::json!(1.5))));
        assert!(!accepted(&doc, None, &with("n", serde_json::json!(3_000_000_000_i64))));
        assert!(!accepted(&doc, None, &with("ids", serde_json::json!("article_1"))), "a single value for a list");
        assert!(!accepted(&doc, None, &with("ids", serde_json::json!([null]))));
        assert!(!accepted(&doc, None, &with("b", serde_json::json!("true"))));
        assert!(!accepted(&doc, None, &with("opt", serde_json::Value::Null)), "null over a default");
        assert!(!accepted(&doc, None, &with("sort", serde_json::json!("PUBLISHED_AT_DESC"))), "an enum");
        assert!(!accepted(&doc, Some("Other"), &vars(base.clone())), "no such operation");

        let two = parse_query("query A { sections { slug } } query B { tags { slug } }").expect("parses");
        assert!(accepted(&two, Some("B"), &vars(serde_json::json!({}))));
        assert!(!accepted(&two, None, &vars(serde_json::json!({}))), "which operation is not known");
    }
}
