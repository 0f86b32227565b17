//! `Article.body` resolved in one pass over the selection set.
//!
//! A body has hundreds of spans, each an object of four fields: the blocks are
//! plain data, so they are projected (see [`super::project`]) and written as
//! JSON (see [`super::raw`]). The type (`[Block!]!` with its union and members)
//! is the derived one, so the schema is unchanged; `tests` compares both
//! resolutions.

use std::borrow::Cow;

use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use newsdesk_domain::body::{Block, LinkItem, Mark, Span};

use super::project::{Projection, Written, write_int, write_opt_str, write_str};
use super::raw;
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
        Ok(blocks(&Projection::of(ctx), &self.0, &ctx.item.node))
    }
}

/// Blocks with the fields `set` selects on each, written as JSON (see
/// [`super::raw`]).
pub(super) fn blocks(p: &Projection<'_>, blocks: &[Block], set: &SelectionSet) -> Value {
    let mut out = Vec::with_capacity(blocks.len() * 160);
    p.write_list(blocks.iter().map(BlockNode), &[set], &mut out);
    raw::part(out, p.raw_allowed())
}

pub(super) struct BlockNode<'a>(pub(super) &'a Block);

impl Written for BlockNode<'_> {
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

    fn write(&self, p: &Projection<'_>, name: &str, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        match (self.0, name) {
            (Block::Paragraph { spans }, "spans") => return p.write_list(spans.iter().map(SpanNode), sets, out),
            (Block::Heading { level, .. }, "level") => write_int(out, i64::from(*level)),
            (Block::Heading { text: t, .. } | Block::Quote { text: t, .. }, "text") => write_str(out, t),
            (Block::LinkList { title, .. }, "title") => write_opt_str(out, title.as_deref()),
            (Block::LinkList { items, .. }, "items") => return p.write_list(items.iter().map(LinkItemNode), sets, out),
            (Block::Quote { attribution, .. }, "attribution") => write_opt_str(out, attribution.as_deref()),
            (Block::Image { src, .. }, "src") => write_str(out, src),
            (Block::Image { alt, .. }, "alt") => write_str(out, alt),
            (Block::Image { caption, .. }, "caption") => write_opt_str(out, caption.as_deref()),
            (Block::Embed { provider, .. }, "provider") => write_str(out, provider),
            (Block::Embed { url, .. }, "url") => write_str(out, url),
            // Not a field of this type: validation refused the document before.
            _ => out.extend_from_slice(b"null"),
        }
        true
    }
}

struct SpanNode<'a>(&'a Span);

impl Written for SpanNode<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        views::Span::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        let s = self.0;
        match name {
            "text" => write_str(out, &s.text),
            "marks" => {
                out.push(b'[');
                for (i, m) in s.marks.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, mark(*m));
                }
                out.push(b']');
            }
            "href" => write_opt_str(out, s.href.as_deref()),
            "article" => write_opt_str(out, s.article.as_ref().map(|a| a.as_str())),
            _ => out.extend_from_slice(b"null"),
        }
        true
    }
}

fn mark(m: Mark) -> &'static str {
    match m {
        Mark::Bold => "BOLD",
        Mark::Italic => "ITALIC",
    }
}

struct LinkItemNode<'a>(&'a LinkItem);

impl Written for LinkItemNode<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        views::LinkItem::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        let i = self.0;
        match name {
            "text" => write_str(out, &i.text),
            "article" => write_opt_str(out, i.article.as_ref().map(|a| a.as_str())),
            "url" => write_opt_str(out, i.url.as_deref()),
            _ => out.extend_from_slice(b"null"),
        }
        true
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
            // As JSON, carried as text or read back into values.
            let run = |q: String, text: bool| {
                let schema = schema.clone();
                async move {
                    let r = schema.execute(async_graphql::Request::new(q).data(raw::Allowed(text))).await;
                    assert!(r.errors.is_empty(), "{:?}", r.errors);
                    let json: serde_json::Value =
                        serde_json::from_slice(&raw::response(&r).expect("json")).expect("valid");
                    json["data"].clone()
                }
            };
            let derived = run(query("derived"), false).await;
            assert_eq!(run(query("projected"), true).await, derived, "{s}");
            assert_eq!(run(query("projected"), false).await, derived, "{s}");
        }
    }
}
