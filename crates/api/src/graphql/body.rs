//! `Article.body` resolved in one pass over the selection set.
//!
//! A body has hundreds of spans, each an object of four fields; the engine's
//! generic resolution costs a boxed future per field, which made the article
//! page in GraphQL several times dearer than in REST. The blocks are plain data,
//! so they are projected here directly: fields by name (with aliases),
//! `__typename`, inline fragments and named fragments with their type
//! conditions, and repeated fields merged, as the engine does. `@skip` and
//! `@include` are applied by the engine before execution; the schema has no
//! other directives. The type (`[Block!]!` with its union and members) is the
//! derived one, so the schema is unchanged; `tests` compares both resolutions.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use newsdesk_domain::body::{Block, LinkItem, Mark, Span};

use crate::views;

/// The body of an article, resolved as `[Block!]!`.
pub struct Body(pub Vec<Block>);

impl OutputType for Body {
    fn type_name() -> Cow<'static, str> {
        <Vec<views::Block> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<views::Block> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<views::Block> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let project = Projection { ctx };
        Ok(Value::List(self.0.iter().map(|b| project.object(&node_of(b), &ctx.item.node)).collect()))
    }
}

/// A block as the schema shows it: objects with their type name, lists, leaves.
enum Node<'a> {
    Object(&'static str, Vec<(&'static str, Node<'a>)>),
    List(Vec<Node<'a>>),
    Text(&'a str),
    Int(i64),
    Enum(&'static str),
    Null,
}

fn opt(s: &Option<String>) -> Node<'_> {
    s.as_deref().map_or(Node::Null, Node::Text)
}

fn slug(s: &Option<newsdesk_domain::Slug>) -> Node<'_> {
    s.as_ref().map_or(Node::Null, |a| Node::Text(a.as_str()))
}

fn node_of(b: &Block) -> Node<'_> {
    match b {
        Block::Paragraph { spans } => {
            Node::Object("ParagraphBlock", vec![("spans", Node::List(spans.iter().map(span).collect()))])
        }
        Block::Heading { level, text } => {
            Node::Object("HeadingBlock", vec![("level", Node::Int(i64::from(*level))), ("text", Node::Text(text))])
        }
        Block::LinkList { title, items } => Node::Object(
            "LinkListBlock",
            vec![("title", opt(title)), ("items", Node::List(items.iter().map(link_item).collect()))],
        ),
        Block::Quote { text, attribution } => {
            Node::Object("QuoteBlock", vec![("text", Node::Text(text)), ("attribution", opt(attribution))])
        }
        Block::Image { src, alt, caption } => Node::Object(
            "ImageBlock",
            vec![("src", Node::Text(src)), ("alt", Node::Text(alt)), ("caption", opt(caption))],
        ),
        Block::Embed { provider, url } => {
            Node::Object("EmbedBlock", vec![("provider", Node::Text(provider)), ("url", Node::Text(url))])
        }
    }
}

fn span(s: &Span) -> Node<'_> {
    let marks = s
        .marks
        .iter()
        .map(|m| {
            Node::Enum(match m {
                Mark::Bold => "BOLD",
                Mark::Italic => "ITALIC",
            })
        })
        .collect();
    Node::Object(
        "Span",
        vec![
            ("text", Node::Text(&s.text)),
            ("marks", Node::List(marks)),
            ("href", opt(&s.href)),
            ("article", slug(&s.article)),
        ],
    )
}

fn link_item(i: &LinkItem) -> Node<'_> {
    Node::Object("LinkItem", vec![("text", Node::Text(&i.text)), ("article", slug(&i.article)), ("url", opt(&i.url))])
}

/// The abstract type whose fragments apply to every block.
const UNION: &str = "Block";

struct Projection<'c, 'a> {
    ctx: &'c ContextSelectionSet<'a>,
}

impl Projection<'_, '_> {
    fn value(&self, node: &Node<'_>, set: &SelectionSet) -> Value {
        match node {
            Node::Object(..) => self.object(node, set),
            Node::List(items) => Value::List(items.iter().map(|n| self.value(n, set)).collect()),
            Node::Text(s) => Value::String((*s).to_owned()),
            Node::Int(n) => Value::Number((*n).into()),
            Node::Enum(e) => Value::Enum(Name::new(e)),
            Node::Null => Value::Null,
        }
    }

    /// An object with no field selected (a fragment for another type only)
    /// is `null`, as the engine answers it.
    fn object(&self, node: &Node<'_>, set: &SelectionSet) -> Value {
        let mut out = IndexMap::new();
        if let Node::Object(type_name, fields) = node {
            self.collect(type_name, fields, set, &mut out);
        }
        if out.is_empty() { Value::Null } else { Value::Object(out) }
    }

    fn collect(
        &self,
        type_name: &str,
        fields: &[(&'static str, Node<'_>)],
        set: &SelectionSet,
        out: &mut IndexMap<Name, Value>,
    ) {
        for selection in &set.items {
            let (condition, inner) = match &selection.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let value = match f.name.node.as_str() {
                        "__typename" => Value::String(type_name.to_owned()),
                        name => fields
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map_or(Value::Null, |(_, n)| self.value(n, &f.selection_set.node)),
                    };
                    insert(out, f.response_key().node.clone(), value);
                    continue;
                }
                Selection::InlineFragment(fragment) => {
                    (fragment.node.type_condition.as_ref().map(|c| &c.node.on.node), &fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.ctx.query_env.fragments.get(&spread.node.fragment_name.node) else {
                        continue;
                    };
                    (Some(&fragment.node.type_condition.node.on.node), &fragment.node.selection_set.node)
                }
            };
            if condition.is_none_or(|c| c.as_str() == type_name || c.as_str() == UNION) {
                self.collect(type_name, fields, inner, out);
            }
        }
    }
}

/// Insert a field's value; a field selected twice has its selections merged.
fn insert(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    match (target.get_mut(&name), value) {
        (Some(Value::Object(existing)), Value::Object(more)) => {
            for (k, v) in more {
                insert(existing, k, v);
            }
        }
        (Some(Value::List(existing)), Value::List(more)) => {
            for (e, m) in existing.iter_mut().zip(more) {
                if let (Value::Object(e), Value::Object(m)) = (e, m) {
                    for (k, v) in m {
                        insert(e, k, v);
                    }
                }
            }
        }
        (Some(_), _) => {}
        (None, value) => {
            target.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::*;

    fn blocks() -> Vec<Block> {
        vec![
            Block::Paragraph {
                spans: vec![
                    Span { text: "Rates ".into(), marks: vec![Mark::Bold, Mark::Italic], href: None, article: None },
                    Span {
                        text: "rose".into(),
                        marks: vec![],
                        href: Some("https://example.org".into()),
                        article: Some(newsdesk_domain::Slug::parse("other").expect("slug")),
                    },
                ],
            },
            Block::Heading { level: 2, text: "What next".into() },
            Block::LinkList {
                title: None,
                items: vec![LinkItem { text: "More".into(), article: None, url: Some("https://example.org/y".into()) }],
            },
            Block::Quote { text: "We act.".into(), attribution: Some("A banker".into()) },
            Block::Image { src: "https://img.example.org/a.jpg".into(), alt: "A chart".into(), caption: None },
            Block::Embed { provider: "video".into(), url: "https://video.example.org/1".into() },
        ]
    }

    struct Root;

    #[Object]
    impl Root {
        /// The engine's own resolution.
        async fn derived(&self) -> Vec<views::Block> {
            views::blocks(blocks())
        }
        async fn projected(&self) -> Body {
            Body(blocks())
        }
    }

    #[actix_web::test]
    async fn projection_answers_as_the_engine_does() {
        let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
        let selections = [
            "{ __typename ... on ParagraphBlock { spans { text marks href article __typename } } \
             ... on HeadingBlock { level text } ... on LinkListBlock { title items { text article url } } \
             ... on QuoteBlock { text attribution } ... on ImageBlock { src alt caption } ... on EmbedBlock { provider url } }",
            "{ ... on ParagraphBlock { first: spans { text } spans { marks } spans { t: text } } ...Rest }",
            "{ ... on Block { __typename } ... on ParagraphBlock { spans { ... on Span { href } } } }",
            "{ kind: __typename ... on QuoteBlock @include(if: $yes) { text } ... on ImageBlock @skip(if: $yes) { src } }",
        ];
        let fragment = "fragment Rest on Block { ... on HeadingBlock { text level } ... on EmbedBlock { url } }";
        for s in selections {
            let fragment = if s.contains("...Rest") { fragment } else { "" };
            let vars = if s.contains("$yes") { "($yes: Boolean = true)" } else { "" };
            let query = |field: &str| format!("query{vars} {{ body: {field} {s} }} {fragment}");
            let run = |q: String| {
                let schema = schema.clone();
                async move {
                    let r = schema.execute(q).await;
                    assert!(r.errors.is_empty(), "{:?}", r.errors);
                    r.data.into_json().expect("json")
                }
            };
            assert_eq!(run(query("projected")).await, run(query("derived")).await, "{s}");
        }
    }
}
