//! The `Article` type: an article's plain fields are projected in one pass (see
//! [`super::project`]); the others (its body, related articles, article counts,
//! a section's children) are resolved by the derived [`ArticleFields`]. The type
//! in the schema is the derived one.

use std::borrow::Cow;
use std::pin::Pin;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, enum_value};
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ScalarType, ServerResult, Value};
use newsdesk_domain::model;

use super::project::{Plain, Projection, insert, opt_text, text};
use super::scalars::DateTime;
use super::types::{self, Article, ArticleFields, ArticleStatus};
use crate::views;

impl OutputType for Article {
    fn type_name() -> Cow<'static, str> {
        ArticleFields::type_name()
    }

    fn qualified_type_name() -> String {
        ArticleFields::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        ArticleFields::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let p = Projection { ctx };
        let card = Card(&self.0.0);
        let type_name = card.type_name();
        let fields = p.fields(&type_name, &ctx.item.node);
        let mut out = IndexMap::with_capacity(fields.len());
        for field in fields {
            let f = &field.node;
            let projected = match f.name.node.as_str() {
                "__typename" => Some(text(&type_name)),
                name => card.field(&p, name, &f.selection_set.node),
            };
            let value = match projected {
                Some(v) => v,
                // As the engine resolves a field: an error is recorded and the
                // field left out. Boxed: the field may hold articles again.
                None => match resolve_field(&self.0, &ctx.with_field(field)).await {
                    Ok(v) => v.unwrap_or_default(),
                    Err(e) => {
                        ctx.add_error(e);
                        continue;
                    }
                },
            };
            insert(&mut out, f.response_key().node.clone(), value);
        }
        Ok(if out.is_empty() { Value::Null } else { Value::Object(out) })
    }
}

fn resolve_field<'a>(
    fields: &'a ArticleFields,
    ctx: &'a async_graphql::Context<'a>,
) -> Pin<Box<dyn Future<Output = ServerResult<Option<Value>>> + Send + 'a>> {
    Box::pin(fields.resolve_field(ctx))
}

struct Card<'a>(&'a model::Article);

impl Plain for Card<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <ArticleFields as OutputType>::type_name()
    }

    fn field(&self, p: &Projection<'_, '_>, name: &str, set: &SelectionSet) -> Option<Value> {
        let a = self.0;
        let r = &a.record;
        Some(match name {
            "id" => Value::String(r.id.global()),
            "slug" => text(r.slug.as_str()),
            "title" => text(&r.title),
            "summary" => text(&r.summary),
            "status" => enum_value(ArticleStatus::from(r.status)),
            "publishedAt" => r.published_at.map_or(Value::Null, |t| DateTime(t).to_value()),
            "updatedAt" => DateTime(r.updated_at).to_value(),
            "readingTimeMinutes" => Value::from(r.reading_time_minutes),
            "views" => Value::from(r.views),
            "version" => Value::from(r.version),
            "heroImage" => match &r.hero_image {
                Some(image) => p.object(&Image(image), set)?,
                None => Value::Null,
            },
            "reactions" => p.list(r.reactions.iter().map(Reaction), set)?,
            "tags" => p.list(a.tags.iter().map(Tag), set)?,
            "authors" => p.list(a.authors.iter().map(Author), set)?,
            "body" if a.body.is_some() => super::body::blocks(p, a.body.as_deref().unwrap_or_default(), set),
            "section" if !a.section_path.is_empty() => p.object(&Section(&a.section_path), set)?,
            _ => return None,
        })
    }
}

/// A section, as the last of its path from the root.
struct Section<'a>(&'a [model::Section]);

impl Plain for Section<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Section as OutputType>::type_name()
    }

    fn field(&self, p: &Projection<'_, '_>, name: &str, set: &SelectionSet) -> Option<Value> {
        let (section, ancestors) = self.0.split_last()?;
        Some(match name {
            "id" => Value::String(section.id.global()),
            "slug" => text(section.slug.as_str()),
            "name" => text(&section.name),
            "path" => p.list((1..=self.0.len()).map(|n| Section(&self.0[..n])), set)?,
            "parent" if ancestors.is_empty() => Value::Null,
            "parent" => p.object(&Section(ancestors), set)?,
            _ => return None,
        })
    }
}

struct Tag<'a>(&'a model::Tag);

impl Plain for Tag<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Tag as OutputType>::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        Some(match name {
            "id" => Value::String(self.0.id.global()),
            "slug" => text(self.0.slug.as_str()),
            "name" => text(&self.0.name),
            _ => return None,
        })
    }
}

struct Author<'a>(&'a model::Author);

impl Plain for Author<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Author as OutputType>::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        Some(match name {
            "id" => Value::String(self.0.id.global()),
            "slug" => text(self.0.slug.as_str()),
            "name" => text(&self.0.name),
            "bio" => opt_text(self.0.bio.as_deref()),
            _ => return None,
        })
    }
}

struct Image<'a>(&'a newsdesk_domain::body::Image);

impl Plain for Image<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <views::ImageView as OutputType>::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        Some(match name {
            "src" => text(&self.0.src),
            "alt" => text(&self.0.alt),
            "caption" => opt_text(self.0.caption.as_deref()),
            _ => return None,
        })
    }
}

struct Reaction<'a>(&'a model::ReactionCount);

impl Plain for Reaction<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <views::ReactionCount as OutputType>::type_name()
    }

    fn field(&self, _: &Projection<'_, '_>, name: &str, _: &SelectionSet) -> Option<Value> {
        Some(match name {
            "kind" => text(&self.0.kind),
            "count" => Value::from(self.0.count),
            _ => return None,
        })
    }
}
