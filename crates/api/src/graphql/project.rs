//! Plain data resolved in one pass over the selection set.
//!
//! The engine's generic resolution costs a boxed future, a context and a name
//! dispatch per field, which made a page of cards in GraphQL far dearer than the
//! same page in REST. Objects that are plain data (an article card's scalars, its
//! tags, authors, image, reactions and section path; the blocks of a body) are
//! projected here directly and written as JSON (see [`super::raw`]): fields by
//! name (with aliases), `__typename`, inline fragments and named fragments with
//! their type conditions (including interfaces and unions the type belongs to),
//! and the sub-selections of a field selected twice merged, as the engine merges
//! their values. `@skip` and `@include` are applied by the engine before
//! execution; the schema has no other directives. A field that is not plain data
//! (it takes arguments, needs a loader, or selects such a field below it) is
//! refused (`false`), and its caller lets the engine resolve it: the schema's
//! types stay the derived ones.

use std::borrow::Cow;
use std::collections::HashMap;

use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, Positioned, Value};
use smallvec::SmallVec;

/// An object whose fields are written as JSON (see [`super::raw`]).
pub(super) trait Written {
    /// The object's GraphQL type name (`__typename`, fragment conditions): the
    /// derived type's, so the two cannot drift apart.
    fn type_name(&self) -> Cow<'static, str>;

    /// Write the value of field `name`, selected with the sub-selections
    /// `sets` (one per time the field is selected; none for a leaf); `false`
    /// when the field (or one selected below it) is not plain data, with part
    /// of it maybe written (the caller truncates).
    fn write(&self, p: &Projection<'_>, name: &str, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool;
}

/// A response name of an object, and what is selected under it.
pub(super) struct Planned<'s> {
    pub key: &'s str,
    pub name: &'s str,
    /// Every field selected under the name (almost always one: kept inline,
    /// as a card plans a dozen names for each of the articles of a page).
    pub fields: SmallVec<[&'s Positioned<Field>; 1]>,
    /// Their sub-selections (none for a leaf).
    pub sets: SmallVec<[&'s SelectionSet; 1]>,
}

/// What projecting a document's selections needs: its fragments, the schema's
/// types (fragments on interfaces and unions), and whether written JSON may be
/// carried as text (see [`super::raw`]).
pub(super) struct Projection<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    registry: &'a Registry,
    raw: bool,
}

impl<'a> Projection<'a> {
    pub fn new(
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        registry: &'a Registry,
        raw: bool,
    ) -> Self {
        Self { fragments, registry, raw }
    }

    /// The projection of a request the engine executes.
    pub fn of(ctx: &ContextSelectionSet<'a>) -> Self {
        let raw = ctx.data_opt::<super::raw::Allowed>().is_some_and(|a| a.0);
        Self::new(&ctx.query_env.fragments, &ctx.schema_env.registry, raw)
    }

    /// Whether written JSON may be carried as text in this request.
    pub fn raw_allowed(&self) -> bool {
        self.raw
    }

    /// The fields `sets` select on an object of `type_name`: each response name
    /// once, in document order, with every field selected under that name and
    /// their sub-selections merged (as the engine merges their values).
    pub fn plan<'s>(&self, type_name: &str, sets: &[&'s SelectionSet]) -> Vec<Planned<'s>>
    where
        'a: 's,
    {
        let mut plan = Vec::with_capacity(sets.first().map_or(0, |s| s.items.len()));
        for set in sets {
            self.expand(type_name, set, &mut plan);
        }
        plan
    }

    /// Write the object with the fields `sets` select as JSON. An object with
    /// no field selected is `null`, as the engine answers it.
    pub fn write_object(&self, obj: &dyn Written, sets: &[&SelectionSet], out: &mut Vec<u8>) -> bool {
        let type_name = obj.type_name();
        let plan = self.plan(&type_name, sets);
        self.write_planned(obj, &type_name, &plan, out)
    }

    fn write_planned(&self, obj: &dyn Written, type_name: &str, plan: &[Planned<'_>], out: &mut Vec<u8>) -> bool {
        if plan.is_empty() {
            out.extend_from_slice(b"null");
            return true;
        }
        out.push(b'{');
        for (i, field) in plan.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, field.key);
            out.push(b':');
            if !self.write_field(obj, type_name, field, out) {
                return false;
            }
        }
        out.push(b'}');
        true
    }

    /// Write the value of one planned field of `obj` (`__typename` included);
    /// `false` as [`Written::write`].
    pub fn write_field(&self, obj: &dyn Written, type_name: &str, field: &Planned<'_>, out: &mut Vec<u8>) -> bool {
        match field.name {
            "__typename" => {
                write_str(out, type_name);
                true
            }
            name => obj.write(self, name, &field.sets, out),
        }
    }

    /// Write a list of objects, each with the fields `sets` select; planned
    /// once per type of object.
    pub fn write_list<'o, T: Written + 'o>(
        &self,
        items: impl IntoIterator<Item = T>,
        sets: &[&SelectionSet],
        out: &mut Vec<u8>,
    ) -> bool {
        let mut plans: Vec<(Cow<'static, str>, Vec<Planned<'_>>)> = Vec::new();
        out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let type_name = item.type_name();
            let at = match plans.iter().position(|(t, _)| *t == type_name) {
                Some(at) => at,
                None => {
                    let plan = self.plan(&type_name, sets);
                    plans.push((type_name, plan));
                    plans.len() - 1
                }
            };
            let (type_name, plan) = &plans[at];
            if !self.write_planned(&item, type_name, plan, out) {
                return false;
            }
        }
        out.push(b']');
        true
    }

    /// Add the fields `set` selects on an object of `type_name` to `plan`, with
    /// the fragments that apply to it expanded, in document order.
    fn expand<'s>(&self, type_name: &str, set: &'s SelectionSet, plan: &mut Vec<Planned<'s>>)
    where
        'a: 's,
    {
        for selection in &set.items {
            let (condition, inner) = match &selection.node {
                Selection::Field(f) => {
                    let key = f.node.response_key().node.as_str();
                    let at = match plan.iter().position(|p| p.key == key) {
                        Some(at) => at,
                        None => {
                            let name = f.node.name.node.as_str();
                            plan.push(Planned { key, name, fields: SmallVec::new(), sets: SmallVec::new() });
                            plan.len() - 1
                        }
                    };
                    let planned = &mut plan[at];
                    planned.fields.push(f);
                    let sub = &f.node.selection_set.node;
                    if !sub.items.is_empty() {
                        planned.sets.push(sub);
                    }
                    continue;
                }
                Selection::InlineFragment(fragment) => {
                    (fragment.node.type_condition.as_ref().map(|c| &c.node.on.node), &fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) else { continue };
                    (Some(&fragment.node.type_condition.node.on.node), &fragment.node.selection_set.node)
                }
            };
            if condition.is_none_or(|c| self.applies(c.as_str(), type_name)) {
                self.expand(type_name, inner, plan);
            }
        }
    }

    /// Whether a fragment on `condition` (the type itself, an interface it
    /// implements or a union it belongs to) applies to an object of `type_name`.
    fn applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name || self.registry.types.get(condition).is_some_and(|t| t.is_possible_type(type_name))
    }
}

/// Merge the value of a field selected again into its value so far.
pub(super) fn merge(existing: &mut Value, more: Value) {
    match (existing, more) {
        (Value::Object(existing), Value::Object(more)) => {
            for (k, v) in more {
                match existing.entry(k) {
                    Entry::Vacant(slot) => {
                        slot.insert(v);
                    }
                    Entry::Occupied(slot) => merge(slot.into_mut(), v),
                }
            }
        }
        (Value::List(existing), Value::List(more)) => {
            for (e, m) in existing.iter_mut().zip(more) {
                merge(e, m);
            }
        }
        _ => {}
    }
}

/// Write a JSON string.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing to memory cannot fail.
    let _ = serde_json::to_writer(out, s);
}

/// Write a JSON integer.
pub(super) fn write_int(out: &mut Vec<u8>, n: i64) {
    // Writing to memory cannot fail.
    let _ = serde_json::to_writer(out, &n);
}

/// Write a JSON string, or `null`.
pub(super) fn write_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}
