//! `Article.body` resolved in one pass over the selection set.
//!
//! A body has hundreds of spans, each an object of four fields: the blocks are
//! plain data, so they are projected (see [`super::project`]). The type
//! (`[Block!]!` with its union and members) is the derived one, so the schema is
//! unchanged; `tests` compares both resolutions.

use std::borrow::Cow;

use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use newsdesk_domain::body::{Block, LinkItem, Mark, Span};

use super::project::{Plain, Projection, opt_text, text};
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
        Ok(blocks(&Projection { ctx }, &self.0, &ctx.item.node))
    }
}

/// Blocks with the fields `set` selects on each.
pub(super) fn blocks(p: &Projection<'_, '_>, blocks: &[Block], set: &SelectionSet) -> Value {
    // Every field of a block is plain data, so the projection is never refused.
    p.list(blocks.iter().map(BlockNode), set).unwrap_or(Value::Null)
}

struct BlockNode<'a>(&'a Block);

impl Plain for BlockNode<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        match self.0 {
            Block::Paragraph { .. } => views::ParagraphBlock::type_name(),
            Block::Heading { .. } => views::HeadingBlock::type_name(),
            Block::LinkList { .. } => views::LinkListBlock::type_name(),
            Block::Quote { .. } => views::QuoteBlock::type_name(),
            Block::Image { .. } => views::ImageBlock::type_name(),
            Block::Embed { .. } => views::EmbedBlock::type_name(),
        }
    }

    fn field(&self, p: &Projection<'_, '_>, name: &str, set: &SelectionSet) -> Option<Value> {
        Some(match (self.0, name) {
            (Block::Paragraph { spans }, "spans") => p.list(spans.iter().map(SpanNode), set)?,
            (Block::Heading { level, .. }, "level") => Value::from(i32::from(*level)),
            (Block::Heading { text: t, .. } | Block::Quote { text: t, .. }, "text") => text(t),
            (Block::LinkList { title, .. }, "title") => opt_text(title.as_deref()),
            (Block::LinkList { items, .. }, "items") => p.list(items.iter().map(LinkItemNode), set)?,
            (Block::Quote { attribution, .. }, "attribution") => opt_text(attribution.as_deref()),
            (Block::Image { src, .. }, "src") => text(src),
            (Block::Image { alt, .. }, "alt") => text(alt),
            (Block::Image { caption, .. }, "caption") => opt_text(caption.as_deref()),
            (Block::Embed { provider, .. }, "provider") => text(provider),
            (Block::Embed { url, .. }, "url") => text(url),
            _ => return None,
        })
    }
}

struct SpanNode<'a>(&'a Span);

impl Plain for SpanNode<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        views::Span::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        let s = self.0;
        Some(match name {
            "text" => text(&s.text),
            "marks" => Value::List(s.marks.iter().map(|m| Value::Enum(Name::new(mark(*m)))).collect()),
            "href" => opt_text(s.href.as_deref()),
            "article" => opt_text(s.article.as_ref().map(|a| a.as_str())),
            _ => return None,
        })
    }
}

fn mark(m: Mark) -> &'static str {
    match m {
        Mark::Bold => "BOLD",
        Mark::Italic => "ITALIC",
    }
}

struct LinkItemNode<'a>(&'a LinkItem);

impl Plain for LinkItemNode<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        views::LinkItem::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        let i = self.0;
        Some(match name {
            "text" => text(&i.text),
            "article" => opt_text(i.article.as_ref().map(|a| a.as_str())),
            "url" => opt_text(i.url.as_deref()),
            _ => return None,
        })
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
