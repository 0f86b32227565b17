//! The `Article` type: an article's plain fields are projected in one pass and
//! written as JSON (see [`super::project`], [`super::raw`]); the others (its
//! body when not read with it, related articles, article counts, a section's
//! children) are resolved by the derived [`ArticleFields`] and their values
//! written in place. The type in the schema is the derived one.

use std::borrow::Cow;
use std::pin::Pin;

use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, enum_value};
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ScalarType, ServerResult, Value};
use newsdesk_domain::model;

use super::project::{Projection, Written, merge, write_int, write_opt_str, write_str};
use super::raw;
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
        let p = Projection::of(ctx);
        let card = Card(&self.0.0);
        let type_name = card.type_name();
        let plan = p.plan(&type_name, &[&ctx.item.node]);
        let mut out = Vec::with_capacity(1024);
        out.push(b'{');
        let mut any = false;
        for field in &plan {
            let start = out.len();
            if any {
                out.push(b',');
            }
            write_str(&mut out, field.key);
            out.push(b':');
            let value_at = out.len();
            if !p.write_field(&card, &type_name, field, &mut out) {
                out.truncate(value_at);
                // As the engine resolves a field: each time it is selected, values
                // merged; an error is recorded and the field left out. Boxed: the
                // field may hold articles again.
                let mut value: Option<Value> = None;
                let mut failed = false;
                for f in &field.fields {
                    match resolve_field(&self.0, &ctx.with_field(f)).await {
                        Ok(v) => match &mut value {
                            None => value = Some(v.unwrap_or_default()),
                            Some(so_far) => merge(so_far, v.unwrap_or_default()),
                        },
                        Err(e) => {
                            ctx.add_error(e);
                            failed = true;
                        }
                    }
                }
                if failed || raw::write_value(&mut out, &value.unwrap_or_default()).is_err() {
                    out.truncate(start);
                    continue;
                }
            }
            any = true;
        }
        if !any {
            return Ok(Value::Null);
        }
        out.push(b'}');
        Ok(raw::part(out, p.raw_allowed()))
    }
}

fn resolve_field<'a>(
    fields: &'a ArticleFields,
    ctx: &'a async_graphql::Context<'a>,
) -> Pin<Box<dyn Future<Output = ServerResult<Option<Value>>> + Send + 'a>> {
    Box::pin(fields.resolve_field(ctx))
}

/// Write an article with the fields `sets` select as JSON, as the engine
/// answers it through [`Article`]'s `resolve`; `false` when a field is not
/// plain data.
pub(super) fn write(p: &Projection<'_>, article: &model::Article, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
    p.write_object(&Card(article), sets, out)
}

struct Card<'a>(&'a model::Article);

impl Written for Card<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <ArticleFields as OutputType>::type_name()
    }

    fn write(&self, p: &Projection<'_>, name: &str, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        let a = self.0;
        let r = &a.record;
        let leaf = |out: &mut Vec<u8>, v: Value| raw::write_value(out, &v).is_ok();
        match name {
            "id" => write_str(out, &r.id.global()),
            "slug" => write_str(out, r.slug.as_str()),
            "title" => write_str(out, &r.title),
            "summary" => write_str(out, &r.summary),
            "status" => return leaf(out, enum_value(ArticleStatus::from(r.status))),
            "publishedAt" => return leaf(out, r.published_at.map_or(Value::Null, |t| DateTime(t).to_value())),
            "updatedAt" => return leaf(out, DateTime(r.updated_at).to_value()),
            "readingTimeMinutes" => write_int(out, i64::from(r.reading_time_minutes)),
            "views" => write_int(out, r.views),
            "version" => write_int(out, r.version),
            "heroImage" => match &r.hero_image {
                Some(image) => return p.write_object(&Image(image), sets, out),
                None => out.extend_from_slice(b"null"),
            },
            "reactions" => return p.write_list(r.reactions.iter().map(Reaction), sets, out),
            "tags" => return p.write_list(a.tags.iter().map(Tag), sets, out),
            "authors" => return p.write_list(a.authors.iter().map(Author), sets, out),
            "body" if a.body.is_some() => {
                return p.write_list(
                    a.body.as_deref().unwrap_or_default().iter().map(super::body::BlockNode),
                    sets,
                    out,
                );
            }
            "section" if !a.section_path.is_empty() => return p.write_object(&Section(&a.section_path), sets, out),
            _ => return false,
        }
        true
    }
}

/// A section, as the last of its path from the root.
struct Section<'a>(&'a [model::Section]);

impl Written for Section<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Section as OutputType>::type_name()
    }

    fn write(&self, p: &Projection<'_>, name: &str, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        let Some((section, ancestors)) = self.0.split_last() else { return false };
        match name {
            "id" => write_str(out, &section.id.global()),
            "slug" => write_str(out, section.slug.as_str()),
            "name" => write_str(out, &section.name),
            "path" => return p.write_list((1..=self.0.len()).map(|n| Section(&self.0[..n])), sets, out),
            "parent" if ancestors.is_empty() => out.extend_from_slice(b"null"),
            "parent" => return p.write_object(&Section(ancestors), sets, out),
            _ => return false,
        }
        true
    }
}

struct Tag<'a>(&'a model::Tag);

impl Written for Tag<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Tag as OutputType>::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        match name {
            "id" => write_str(out, &self.0.id.global()),
            "slug" => write_str(out, self.0.slug.as_str()),
            "name" => write_str(out, &self.0.name),
            _ => return false,
        }
        true
    }
}

struct Author<'a>(&'a model::Author);

impl Written for Author<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <types::Author as OutputType>::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        match name {
            "id" => write_str(out, &self.0.id.global()),
            "slug" => write_str(out, self.0.slug.as_str()),
            "name" => write_str(out, &self.0.name),
            "bio" => write_opt_str(out, self.0.bio.as_deref()),
            _ => return false,
        }
        true
    }
}

struct Image<'a>(&'a newsdesk_domain::body::Image);

impl Written for Image<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <views::ImageView as OutputType>::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        match name {
            "src" => write_str(out, &self.0.src),
            "alt" => write_str(out, &self.0.alt),
            "caption" => write_opt_str(out, self.0.caption.as_deref()),
            _ => return false,
        }
        true
    }
}

struct Reaction<'a>(&'a model::ReactionCount);

impl Written for Reaction<'_> {
    fn type_name(&self) -> Cow<'static, str> {
        <views::ReactionCount as OutputType>::type_name()
    }

    fn write(&self, _: &Projection<'_>, name: &str, _: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        match name {
            "kind" => write_str(out, &self.0.kind),
            "count" => write_int(out, self.0.count),
            _ => return false,
        }
        true
    }
}
