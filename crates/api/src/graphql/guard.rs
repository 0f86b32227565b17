//! Bounds on the work a GraphQL document can ask for, checked before the engine
//! validates or executes it. The engine's own rules walk fragment spreads again
//! at every use, so a short document whose fragments each spread the next twice
//! costs time and memory exponential in its length; here each fragment is
//! measured once and its measure reused, so the check is linear in the document.
//!
//! Checked, in order: the document's size, its tokens and bracket nesting (before
//! parsing), then, with fragments expanded, the number of fields, aliases and
//! directives and the depth of fields. Introspection (`__schema`, `__type`) is
//! exempt from the depth limit only: the standard introspection query of
//! GraphiQL, Apollo, Postman and graphql-codegen nests type references deeper
//! than any page needs, and costs little.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};

use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::parser::{Positioned, parse_query};
use async_graphql::{Name, ServerError};
use moka::sync::Cache;

/// Bytes in a document.
pub const MAX_BYTES: usize = 32 << 10;
/// Tokens in a document (names, punctuation, values).
pub const MAX_TOKENS: usize = 5_000;
/// Brackets (`{`, `(`, `[`) open at once.
pub const MAX_NESTING: usize = 40;
/// Fields after fragments are expanded.
pub const MAX_FIELDS: u64 = 1_500;
/// Aliased fields after fragments are expanded.
pub const MAX_ALIASES: u64 = 100;
/// Directives after fragments are expanded.
pub const MAX_DIRECTIVES: u64 = 50;
/// Depth of fields (introspection aside).
pub const MAX_DEPTH: u32 = 12;

/// A document refused, naming the limit it broke.
#[derive(Debug)]
pub struct TooCostly {
    pub limit: &'static str,
    pub max: u64,
    pub message: String,
}

impl TooCostly {
    fn new(limit: &'static str, max: u64, message: String) -> Self {
        Self { limit, max, message }
    }

    /// The GraphQL error: `extensions.code` BAD_USER_INPUT, and the limit.
    pub fn into_error(self) -> ServerError {
        let mut e = ServerError::new(self.message, None);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "BAD_USER_INPUT");
        ext.set("limit", self.limit);
        ext.set("max", self.max);
        e.extensions = Some(ext);
        e
    }
}

/// A document that passed the check.
#[derive(Debug)]
pub struct Checked {
    pub doc: ExecutableDocument,
    /// Whether parts of its answers may be carried as JSON text (see
    /// [`super::raw`]).
    pub raw: bool,
    /// Whether the engine validated it in full once (see [`super::known`]).
    validated: AtomicBool,
    /// Whether it may be answered without the engine (see [`super::direct`]):
    /// its shape allows it, and no answer found otherwise so far.
    direct: AtomicBool,
}

impl Checked {
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    pub fn set_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }

    pub fn direct(&self) -> bool {
        self.direct.load(Ordering::Relaxed)
    }

    pub fn refuse_direct(&self) {
        self.direct.store(false, Ordering::Relaxed);
    }
}

/// Documents that passed the check, by their text: clients send the same few
/// documents again and again, and parsing one costs as much as resolving a
/// small query. Bounded by the documents' size (a parsed document takes a few
/// times its text).
static CHECKED: LazyLock<Cache<String, Arc<Checked>>> = LazyLock::new(|| {
    Cache::builder()
        .weigher(|text: &String, _| u32::try_from(text.len().saturating_mul(8)).unwrap_or(u32::MAX))
        .max_capacity(32 << 20)
        .build()
});

/// Check `query`; the parsed document when it parses (`None` when it does not:
/// the engine then reports the syntax error as usual).
pub fn check(query: &str) -> Result<Option<Arc<Checked>>, TooCostly> {
    if let Some(checked) = CHECKED.get(query) {
        return Ok(Some(checked));
    }
    let Some(doc) = check_text(query)? else { return Ok(None) };
    let raw = super::raw::allowed(&doc);
    let direct = raw && super::direct::shaped(&doc);
    let checked = Arc::new(Checked { doc, raw, validated: AtomicBool::new(false), direct: AtomicBool::new(direct) });
    CHECKED.insert(query.to_owned(), checked.clone());
    Ok(Some(checked))
}

fn check_text(query: &str) -> Result<Option<ExecutableDocument>, TooCostly> {
    if query.len() > MAX_BYTES {
        return Err(TooCostly::new(
            "bytes",
            MAX_BYTES as u64,
            format!("the document is {} bytes; at most {MAX_BYTES} are accepted", query.len()),
        ));
    }
    scan(query)?;
    let Ok(doc) = parse_query(query) else { return Ok(None) };
    measure(&doc)?;
    Ok(Some(doc))
}

/// Count tokens and bracket nesting without parsing.
fn scan(query: &str) -> Result<(), TooCostly> {
    let b = query.as_bytes();
    let (mut i, mut tokens, mut open, mut deepest) = (0, 0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                tokens += 1;
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                tokens += 1;
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'(' | b'[' => {
                tokens += 1;
                open += 1;
                deepest = deepest.max(open);
                i += 1;
            }
            b'}' | b')' | b']' => {
                tokens += 1;
                open = open.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                tokens += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'+' | b'-')) {
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
        if tokens > MAX_TOKENS {
            return Err(TooCostly::new(
                "tokens",
                MAX_TOKENS as u64,
                format!("the document has more than {MAX_TOKENS} tokens"),
            ));
        }
    }
    if deepest > MAX_NESTING {
        return Err(TooCostly::new(
            "nesting",
            MAX_NESTING as u64,
            format!("the document nests brackets {deepest} deep; at most {MAX_NESTING} are accepted"),
        ));
    }
    Ok(())
}

/// What a selection set asks for, fragments expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    fields: u64,
    aliases: u64,
    directives: u64,
    depth: u32,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.depth = self.depth.max(other.depth);
    }
}

struct Measure<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Each fragment's cost, once known; `None` while it is being measured
    /// (meeting it again then is a cycle).
    known: HashMap<&'a str, Option<Cost>>,
}

impl<'a> Measure<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<Cost, TooCostly> {
        let mut cost = Cost::default();
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let mut inner = self.set(&field.selection_set.node)?;
                    inner.fields = inner.fields.saturating_add(1);
                    inner.aliases = inner.aliases.saturating_add(u64::from(field.alias.is_some()));
                    inner.directives = inner.directives.saturating_add(field.directives.len() as u64);
                    let introspection = matches!(field.name.node.as_str(), "__schema" | "__type");
                    inner.depth = if introspection { 0 } else { inner.depth + 1 };
                    inner
                }
                Selection::InlineFragment(f) => {
                    let mut inner = self.set(&f.node.selection_set.node)?;
                    inner.directives = inner.directives.saturating_add(f.node.directives.len() as u64);
                    inner
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(spread.node.fragment_name.node.as_str())?;
                    inner.directives = inner.directives.saturating_add(spread.node.directives.len() as u64);
                    inner
                }
            };
            cost.add(part);
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Cost, TooCostly> {
        match self.known.get(name) {
            Some(Some(cost)) => return Ok(*cost),
            Some(None) => {
                return Err(TooCostly::new("fragments", 0, format!("fragment `{name}` spreads itself")));
            }
            None => {}
        }
        // An unknown fragment is the engine's to report.
        let Some((key, def)) = self.fragments.get_key_value(name) else { return Ok(Cost::default()) };
        self.known.insert(key.as_str(), None);
        let mut cost = self.set(&def.node.selection_set.node)?;
        cost.directives = cost.directives.saturating_add(def.node.directives.len() as u64);
        self.known.insert(key.as_str(), Some(cost));
        Ok(cost)
    }
}

fn measure(doc: &ExecutableDocument) -> Result<(), TooCostly> {
    let mut m = Measure { fragments: &doc.fragments, known: HashMap::new() };
    let mut total = Cost::default();
    for (_, op) in doc.operations.iter() {
        let mut cost = m.set(&op.node.selection_set.node)?;
        cost.directives = cost.directives.saturating_add(op.node.directives.len() as u64);
        total.add(cost);
        total.depth = total.depth.max(cost.depth);
    }
    let limits = [
        ("fields", total.fields, MAX_FIELDS),
        ("aliases", total.aliases, MAX_ALIASES),
        ("directives", total.directives, MAX_DIRECTIVES),
        ("depth", u64::from(total.depth), u64::from(MAX_DEPTH)),
    ];
    for (limit, value, max) in limits {
        if value > max {
            let value = if value == u64::MAX { "too many".to_owned() } else { value.to_string() };
            let message = if limit == "depth" {
                format!("the document nests fields {value} deep; at most {max} levels are accepted")
            } else {
                format!("the document asks for {value} {limit} (fragments expanded); at most {max} are accepted")
            };
            return Err(TooCostly::new(limit, max, message));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTROSPECTION: &str = include_str!("../../../../tests/e2e/fixtures/introspection.graphql");

    #[test]
    fn the_standard_introspection_query_passes() {
        assert!(check(INTROSPECTION).expect("accepted").is_some());
    }

    #[test]
    fn fragments_that_spread_the_next_twice_are_refused_at_once() {
        let mut doc = String::from("query { ...F0 }\n");
        for i in 0..40 {
            doc.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
        }
        doc.push_str("fragment F40 on Query { sections { slug } }\n");
        let started = std::time::Instant::now();
        let e = check(&doc).expect_err("refused");
        assert_eq!(e.limit, "fields");
        assert!(started.elapsed() < std::time::Duration::from_millis(50), "{:?}", started.elapsed());
    }

    #[test]
    fn each_limit_is_enforced() {
        let deep = format!("{{ {} }}", "a { ".repeat(13) + "b" + &" }".repeat(13));
        assert_eq!(check(&deep).expect_err("deep").limit, "depth");
        let aliases: String = (0..101).map(|i| format!("a{i}: sections {{ slug }} ")).collect();
        assert_eq!(check(&format!("{{ {aliases} }}")).expect_err("aliases").limit, "aliases");
        let directives: String = (0..51).map(|i| format!("s{i}: sections @skip(if: false) {{ slug }} ")).collect();
        assert_eq!(check(&format!("{{ {directives} }}")).expect_err("directives").limit, "directives");
        assert_eq!(check(&"{".repeat(50)).expect_err("nesting").limit, "nesting");
        assert_eq!(check(&"a ".repeat(6_000)).expect_err("tokens").limit, "tokens");
        assert_eq!(check(&" ".repeat(MAX_BYTES + 1)).expect_err("bytes").limit, "bytes");
        let cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(check(cycle).expect_err("cycle").limit, "fragments");
    }

    #[test]
    fn a_checked_document_is_parsed_once_and_a_refused_one_stays_refused() {
        let q = "query Checked { sections { slug name } }";
        let first = check(q).expect("accepted").expect("parsed");
        assert!(CHECKED.contains_key(q));
        assert!(Arc::ptr_eq(&check(q).expect("accepted").expect("parsed"), &first));
        let deep = format!("{{ {} }}", "a { ".repeat(13) + "b" + &" }".repeat(13));
        for _ in 0..2 {
            assert_eq!(check(&deep).expect_err("deep").limit, "depth");
        }
        assert!(!CHECKED.contains_key(&deep));
    }

    #[test]
    fn strings_and_comments_do_not_count_as_brackets() {
        let q = format!("# {}\n{{ search(query: \"{}\") {{ edges {{ cursor }} }} }}", "{".repeat(100), "[".repeat(100));
        assert!(check(&q).is_ok());
        assert!(check("{ a(b: \"\"\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"\"\") }").is_ok());
        assert!(check("not a document {").expect("no limit broken").is_none());
    }
}
