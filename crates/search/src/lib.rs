//! The search index of one API node: tantivy over the title, summary and body of
//! every published article, with its section, tags, authors and publication time
//! for filters. BM25 relevance with title matches weighted up, phrases in quotes,
//! the last word matched as a prefix (search as you type), one typo forgiven in
//! words of five letters or more, and highlighted passages.
//!
//! An article's title, summary and body are indexed together as one text, so
//! that a query of several words is an intersection of a few posting lists
//! (which tantivy prunes to the best documents) rather than of one union per
//! word and field; the title is also indexed alone, for its weight.
//!
//! The index lives in a directory and persists between starts; the commit payload
//! records which database it mirrors and how far (the watermark), so a node
//! resumes where it stopped, and rebuilds from scratch when the index belongs to
//! another database or another version of this schema.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use newsdesk_domain::model::ArticleId;
use newsdesk_domain::ports::{IndexHit, SearchDoc, SearchIndex, Watermark};
use newsdesk_domain::query::{Clause, ResolvedFilter, SearchText};
use newsdesk_domain::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption, TantivyDocument, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

mod passages;
mod schema;

use passages::passage;
use schema::{Fields, PAIRS, Pairs, pair, schema, settings};

/// Bumped whenever the schema or the tokenization changes: older indexes are rebuilt.
const SCHEMA_VERSION: u32 = 3;
/// Memory of the index writer.
const WRITER_HEAP: usize = 64 << 20;
/// Weight of a word found in the title, added to its weight in the text.
const TITLE_WEIGHT: f32 = 2.0;
/// Weight of a word that a word typed halfway stands for, against the word itself.
const COMPLETION_WEIGHT: f32 = 0.5;
/// Weight of a word one typo away from the word typed.
const TYPO_WEIGHT: f32 = 0.3;
/// Letters a word needs for a typo in it to be forgiven.
const TYPO_MIN_CHARS: usize = 5;
/// Letters a word typed halfway needs to stand for the words it starts.
const PREFIX_MIN_CHARS: usize = 2;

/// One clause of a query, resolved against the index's dictionary.
enum Part {
    /// A word: the indexed words it stands for (itself when indexed, and the
    /// words it starts when typed halfway), each with its number of documents
    /// and its weight; and whether words one typo away stand for it too.
    Word { typed: String, words: Vec<(String, u32, f32)>, typo: bool },
    /// Consecutive words.
    Phrase(Vec<String>),
}

/// What a commit records besides the documents.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Payload {
    version: u32,
    /// Which database the index mirrors (a fingerprint chosen by the caller).
    origin: String,
    watermark: Option<Watermark>,
}

pub struct TantivyIndex {
    index: Index,
    reader: IndexReader,
    /// `None` after a failure closed it: opened again on next use.
    writer: Mutex<Option<IndexWriter<TantivyDocument>>>,
    fields: Fields,
    origin: String,
    watermark: Mutex<Option<Watermark>>,
    /// What searches read of the current reload of the index.
    generation: Mutex<Option<Arc<Generation>>>,
}

/// What every search reads of one reload of the index, read once per reload.
struct Generation {
    id: u64,
    /// Each segment's article ids, by document.
    articles: Vec<Column<u64>>,
    /// The latest publication time in the index (an upper bound: deleted
    /// documents count until their part of the index is merged); `None` when
    /// it cannot be read.
    latest: Option<DateTime>,
}

/// A failure of the index: the cause is logged; clients are told the search is
/// unavailable for now (503), never an internal error, and the search worker
/// retries whatever it was doing.
fn err(e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "search index");
    Error::new(ErrorKind::Unavailable, "the search index is unavailable; retry shortly")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

type Writer = IndexWriter<TantivyDocument>;

/// Run `f` with the index writer, opening it first if a failure closed it. A
/// failure closes it again: what it held uncommitted is dropped, and the next
/// call starts from the last commit.
fn with_writer<T>(
    slot: &mut Option<Writer>,
    index: &Index,
    f: impl FnOnce(&mut Writer) -> tantivy::Result<T>,
) -> Result<T> {
    let writer = match slot {
        Some(w) => w,
        None => slot.insert(index.writer_with_num_threads(1, WRITER_HEAP).map_err(err)?),
    };
    let out = f(writer);
    if out.is_err() {
        *slot = None;
    }
    out.map_err(err)
}

/// Documents whose `field` holds `word`.
fn doc_freq(searcher: &Searcher, field: Field, word: &str) -> u32 {
    searcher.doc_freq(&Term::from_field_text(field, word)).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// A word in a field, BM25-scored with a weight.
fn term(field: Field, word: &str, weight: f32) -> Box<dyn Query> {
    let q = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
    // Unweighted, a lone term stays a term to tantivy, which then prunes an
    // intersection of such terms.
    if weight == 1.0 { Box::new(q) } else { Box::new(BoostQuery::new(Box::new(q), weight)) }
}

/// Any of `queries`, scored by the sum of those that match.
fn any_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        1 => queries.remove(0),
        _ => Box::new(BooleanQuery::new(queries.into_iter().map(|q| (Occur::Should, q)).collect())),
    }
}

impl TantivyIndex {
    /// The index in `dir` (created, or rebuilt when it mirrors another database or
    /// schema), or in memory without a directory. Fails when another process
    /// holds the directory.
    pub fn open(dir: Option<&Path>, origin: &str) -> Result<Self> {
        let (schema, fields) = schema();
        let (index, watermark) = match dir {
            None => (Index::builder().schema(schema).settings(settings()).create_in_ram().map_err(err)?, None),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(err)?;
                let existing = Index::open_in_dir(dir).ok().and_then(|index| {
                    let payload = index.load_metas().ok()?.payload?;
                    let payload: Payload = serde_json::from_str(&payload).ok()?;
                    (payload.version == SCHEMA_VERSION && payload.origin == origin)
                        .then_some((index, payload.watermark))
                });
                match existing {
                    Some(found) => found,
                    None => {
                        // Not ours, or not readable: start again from the database.
                        std::fs::remove_dir_all(dir).map_err(err)?;
                        std::fs::create_dir_all(dir).map_err(err)?;
                        (Index::builder().schema(schema).settings(settings()).create_in_dir(dir).map_err(err)?, None)
                    }
                }
            }
        };
        let words = index.tokenizers().get("default").ok_or_else(|| err("no default tokenizer"))?;
        index.tokenizers().register(PAIRS, Pairs(words));
        // Another node on this machine may hold the directory: the caller decides.
        let writer =
            index.writer_with_num_threads(1, WRITER_HEAP).map_err(|e| Error::operator(format!("search index: {e}")))?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(Some(writer)),
            fields,
            origin: origin.to_owned(),
            watermark: Mutex::new(watermark),
            generation: Mutex::new(None),
        })
    }

    /// The index's words for some text.
    fn tokens(&self, text: &str) -> Vec<String> {
        let Ok(mut analyzer) = self.index.tokenizer_for_field(self.fields.text) else { return Vec::new() };
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Each clause of a query resolved against the index, or `None` when a word
    /// matches nothing (and so neither does the query). The last word, unquoted,
    /// is a word typed halfway unless the query ends after it: it stands for
    /// the most frequent words it starts (see [`words_starting`]). A word of
    /// five letters or more found nowhere as typed stands for the words one
    /// typo away. Spelling completions out rather than matching a prefix
    /// automaton keeps a word a plain union of terms, which tantivy prunes
    /// (block-max WAND) instead of scoring every matching document.
    fn parts(&self, searcher: &Searcher, text: &SearchText) -> Option<Vec<Part>> {
        let field = self.fields.text;
        let last = text.clauses.len().saturating_sub(1);
        let mut parts = Vec::with_capacity(text.clauses.len());
        for (i, clause) in text.clauses.iter().enumerate() {
            let (raw, quoted) = match clause {
                Clause::Word(w) => (w, false),
                Clause::Phrase(p) => (p, true),
            };
            let mut tokens = self.tokens(raw);
            if tokens.len() > 1 {
                parts.push(Part::Phrase(tokens));
                continue;
            }
            let Some(typed) = tokens.pop() else { continue };
            let found = doc_freq(searcher, field, &typed);
            let mut words = Vec::new();
            if found > 0 {
                words.push((typed.clone(), found, 1.0));
            }
            let letters = typed.chars().count();
            if !quoted && i == last && text.prefix_last && letters >= PREFIX_MIN_CHARS {
                let longer = words_starting(searcher, field, &typed).into_iter().filter(|(w, _)| *w != typed);
                words.extend(longer.map(|(w, n)| (w, n, COMPLETION_WEIGHT)));
            }
            let typo = found == 0 && letters >= TYPO_MIN_CHARS;
            if words.is_empty() && !typo {
                return None;
            }
            parts.push(Part::Word { typed, words, typo });
        }
        Some(parts)
    }

    /// The ways a part of the query matches the text; any of them will do.
    fn alternatives(&self, part: &Part) -> Vec<Box<dyn Query>> {
        let field = self.fields.text;
        match part {
            // Its pairs of words, each one term; and beyond two words, the
            // words in order (checked only where every pair is found).
            Part::Phrase(tokens) => {
                let mut all: Vec<Box<dyn Query>> =
                    tokens.windows(2).map(|w| term(self.fields.pairs, &pair(&w[0], &w[1]), 1.0)).collect();
                if tokens.len() > 2 {
                    all.push(Box::new(PhraseQuery::new(
                        tokens.iter().map(|t| Term::from_field_text(field, t)).collect(),
                    )));
                    let all = all.into_iter().map(|q| (Occur::Must, q)).collect();
                    return vec![Box::new(BooleanQuery::new(all))];
                }
                all
            }
            Part::Word { typed, words, typo } => {
                let mut any: Vec<Box<dyn Query>> = words.iter().map(|(w, _, weight)| term(field, w, *weight)).collect();
                if *typo {
                    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, typed), 1, true);
                    any.push(Box::new(BoostQuery::new(Box::new(fuzzy), TYPO_WEIGHT)));
                }
                any
            }
        }
    }

    /// What a part of the query earns by being in the title: each of its
    /// words found in some title, weighted up.
    fn title_weights(&self, searcher: &Searcher, part: &Part) -> Vec<Box<dyn Query>> {
        let title = self.fields.title;
        let Part::Word { words, .. } = part else { return Vec::new() };
        (words.iter())
            .filter(|(w, _, _)| doc_freq(searcher, title, w) > 0)
            .map(|(w, _, weight)| term(title, w, weight * TITLE_WEIGHT))
            .collect()
    }

    /// The words passages are highlighted on, each with its weight (rarer
    /// counts more): the indexed words of the query.
    fn highlighted_words(&self, searcher: &Searcher, parts: &[Part]) -> Vec<(String, f32)> {
        let mut weights: BTreeMap<String, f32> = BTreeMap::new();
        let mut add = |word: &str, n: u32| {
            if n > 0 && !weights.contains_key(word) {
                weights.insert(word.to_owned(), 1.0 / (1.0 + n as f32));
            }
        };
        for part in parts {
            match part {
                Part::Word { words, .. } => words.iter().for_each(|(w, n, _)| add(w, *n)),
                Part::Phrase(tokens) => tokens.iter().for_each(|t| add(t, doc_freq(searcher, self.fields.text, t))),
            }
        }
        weights.into_iter().collect()
    }

    /// What searches read of the searcher's reload of the index.
    fn generation(&self, searcher: &Searcher) -> Result<Arc<Generation>> {
        let id = searcher.generation().generation_id();
        let mut cached = lock(&self.generation);
        if let Some(g) = cached.as_ref()
            && g.id == id
        {
            return Ok(g.clone());
        }
        let schema = searcher.schema();
        let (articles, published) =
            (schema.get_field_name(self.fields.id), schema.get_field_name(self.fields.published));
        let segments = searcher.segment_readers();
        let g = Arc::new(Generation {
            id,
            articles: segments
                .iter()
                .map(|s| s.fast_fields().u64(articles))
                .collect::<tantivy::Result<_>>()
                .map_err(err)?,
            latest: (segments.iter())
                .map(|s| Some(s.fast_fields().date(published).ok()?.max_value()))
                .try_fold(DateTime::MIN, |latest, max| Some(latest.max(max?))),
        });
        *cached = Some(g.clone());
        Ok(g)
    }

    fn filter_query(&self, generation: &Generation, f: &ResolvedFilter) -> Vec<(Occur, Box<dyn Query>)> {
        let term = |t: chrono::DateTime<chrono::Utc>| Term::from_field_date(self.fields.published, date(t));
        let lower = f.published_after.map_or(Bound::Unbounded, |t| Bound::Included(term(t)));
        let upper = match f.published_before {
            Some(t) if t <= f.now => Bound::Excluded(term(t)),
            _ => Bound::Included(term(f.now)),
        };
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        // Articles published later than now are never found. When the index
        // holds none and no dates are asked for, the range would match every
        // document: it is left out rather than intersected with every search.
        let dated = f.published_after.is_some() || f.published_before.is_some();
        if dated || generation.latest.is_none_or(|latest| latest > date(f.now)) {
            filters.push(Box::new(RangeQuery::new(lower, upper)));
        }
        if let Some(sections) = &f.sections {
            let terms = sections.iter().map(|s| Term::from_field_u64(self.fields.section, s.0 as u64));
            filters.push(Box::new(TermSetQuery::new(terms)));
        }
        for t in &f.tags {
            let term = Term::from_field_u64(self.fields.tag, t.0 as u64);
            filters.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
        }
        if let Some(a) = f.author {
            let term = Term::from_field_u64(self.fields.author, a.0 as u64);
            filters.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
        }
        // Filters decide what matches, not how well.
        filters.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect()
    }

    /// The query for the parts and filters: every part must match the text,
    /// and its words found in a title add to the score.
    fn query(&self, searcher: &Searcher, parts: &[Part], filters: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
        if let ([part], true) = (parts, filters.is_empty()) {
            // One part and no filter: its words in the text or the title, as
            // one union of terms that tantivy prunes. A title's words are in
            // the text too, so this matches what the text alone would.
            let mut any = self.alternatives(part);
            any.extend(self.title_weights(searcher, part));
            return any_of(any);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            parts.iter().map(|p| (Occur::Must, any_of(self.alternatives(p)))).collect();
        clauses.extend(parts.iter().flat_map(|p| self.title_weights(searcher, p)).map(|q| (Occur::Should, q)));
        clauses.extend(filters);
        Box::new(BooleanQuery::new(clauses))
    }

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_u64(self.fields.id, id.0 as u64)
    }

    fn document(&self, d: SearchDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id.0 as u64);
        // Separate values: a phrase does not run from one into the next.
        for value in [&d.title, &d.summary, &d.body] {
            doc.add_text(f.text, value);
            doc.add_text(f.pairs, value);
        }
        doc.add_text(f.title, d.title);
        doc.add_text(f.summary, d.summary);
        doc.add_text(f.body, d.body);
        doc.add_u64(f.section, d.section.0 as u64);
        d.tags.iter().for_each(|t| doc.add_u64(f.tag, t.0 as u64));
        d.authors.iter().for_each(|a| doc.add_u64(f.author, a.0 as u64));
        doc.add_date(f.published, date(d.published_at));
        doc
    }
}

/// Indexed words, at most, that a word typed halfway stands for (search
/// engines cap such expansions alike).
const PREFIX_WORDS: usize = 20;
/// Words of a field's dictionary looked at, at most, for a word typed halfway:
/// two letters start thousands.
const PREFIX_SCAN: usize = 2_000;

/// The words of a field's index that a word typed halfway stands for: the
/// [`PREFIX_WORDS`] that start with `prefix` in the most documents (among the
/// first [`PREFIX_SCAN`] in alphabetical order), the most frequent first, each
/// with its number of documents.
fn words_starting(searcher: &Searcher, field: Field, prefix: &str) -> Vec<(String, u32)> {
    let mut words: BTreeMap<String, u32> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let Ok(index) = segment.inverted_index(field) else { continue };
        let Ok(mut stream) = index.terms().range().ge(prefix).into_stream() else { continue };
        for _ in 0..PREFIX_SCAN {
            if !stream.advance() {
                break;
            }
            let Ok(word) = std::str::from_utf8(stream.key()) else { break };
            if !word.starts_with(prefix) {
                break;
            }
            *words.entry(word.to_owned()).or_default() += stream.value().doc_freq;
        }
    }
    let mut words: Vec<(String, u32)> = words.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.truncate(PREFIX_WORDS);
    words
}

/// A tantivy date, which counts nanoseconds in an `i64`: instants outside the
/// years 1700 to 2200 are clamped to them (the order of dates is kept).
fn date(t: chrono::DateTime<chrono::Utc>) -> DateTime {
    const EARLIEST: i64 = -8_520_336_000; // 1700-01-01T00:00:00Z
    const LATEST: i64 = 7_258_118_400; // 2200-01-01T00:00:00Z
    DateTime::from_timestamp_secs(t.timestamp().clamp(EARLIEST, LATEST))
}

impl SearchIndex for TantivyIndex {
    fn search(
        &self,
        text: &SearchText,
        filter: &ResolvedFilter,
        offset: usize,
        limit: usize,
        highlighted: usize,
    ) -> Result<(Vec<IndexHit>, usize)> {
        let searcher = self.reader.searcher();
        let Some(parts) = self.parts(&searcher, text) else { return Ok((Vec::new(), 0)) };
        if parts.is_empty() || limit == 0 {
            return Ok((Vec::new(), 0));
        }
        let generation = self.generation(&searcher)?;
        let filters = self.filter_query(&generation, filter);
        let query = self.query(&searcher, &parts, filters);
        let (top, total) = searcher
            .search(query.as_ref(), &(TopDocs::with_limit(limit).and_offset(offset).order_by_score(), Count))
            .map_err(err)?;
        let words = self.highlighted_words(&searcher, &parts);
        let mut hits = Vec::with_capacity(top.len());
        for (i, (score, address)) in top.into_iter().enumerate() {
            let column = generation.articles.get(address.segment_ord as usize);
            let Some(article) = column.and_then(|c| c.first(address.doc_id)) else { continue };
            // Only the page shown is highlighted, and only it loads its text.
            let highlights = if i < highlighted && !words.is_empty() {
                let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
                (self.fields.stored().into_iter())
                    .filter_map(|field| passage(doc.get_first(field)?.as_str()?, &words))
                    .collect()
            } else {
                Vec::new()
            };
            hits.push(IndexHit { article: ArticleId(article as i64), score, highlights });
        }
        Ok((hits, total))
    }

    fn apply(&self, upserts: Vec<SearchDoc>, removals: Vec<ArticleId>, watermark: Watermark) -> Result<()> {
        let payload = Payload { version: SCHEMA_VERSION, origin: self.origin.clone(), watermark: Some(watermark) };
        let payload = serde_json::to_string(&payload).map_err(err)?;
        let mut slot = lock(&self.writer);
        with_writer(&mut slot, &self.index, |writer| {
            for id in removals.iter().chain(upserts.iter().map(|d| &d.id)) {
                writer.delete_term(self.id_term(*id));
            }
            for d in upserts {
                writer.add_document(self.document(d))?;
            }
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()
        })?;
        drop(slot);
        self.reader.reload().map_err(err)?;
        *lock(&self.watermark) = Some(watermark);
        Ok(())
    }

    fn watermark(&self) -> Option<Watermark> {
        *lock(&self.watermark)
    }

    fn articles(&self) -> Result<Vec<ArticleId>> {
        let searcher = self.reader.searcher();
        let generation = self.generation(&searcher)?;
        let mut ids = Vec::new();
        for (segment, column) in searcher.segment_readers().iter().zip(&generation.articles) {
            ids.extend(segment.doc_ids_alive().filter_map(|doc| column.first(doc)).map(|id| ArticleId(id as i64)));
        }
        Ok(ids)
    }

    /// Merge the index into one segment. The merge policy merges segments on
    /// threads of its own, and merging a segment it is merging too fails at the
    /// end ("segments that were merged could not be found"): wait for its merges
    /// to end (which closes the writer), and merge with the policy paused.
    fn compact(&self) -> Result<()> {
        let mut slot = lock(&self.writer);
        if let Some(writer) = slot.take() {
            writer.wait_merging_threads().map_err(err)?;
        }
        let segments = self.index.searchable_segment_ids().map_err(err)?;
        with_writer(&mut slot, &self.index, |writer| {
            if segments.len() > 1 {
                writer.set_merge_policy(Box::new(NoMergePolicy));
                writer.merge(&segments).wait()?;
                writer.garbage_collect_files().wait()?;
                writer.set_merge_policy(Box::<LogMergePolicy>::default());
            }
            Ok(())
        })?;
        drop(slot);
        self.reader.reload().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::Tokenizer;

    use crate::passages::{LEAD, PASSAGE_CHARS};

    fn words(list: &[(&str, f32)]) -> Vec<(String, f32)> {
        list.iter().map(|(w, weight)| (w.to_string(), *weight)).collect()
    }

    #[test]
    fn a_passage_marks_whole_words_whatever_their_case_and_escapes_the_rest() {
        let text = "Rates & <b>inflation</b>: INFLATION cools, inflationary fears stay";
        let p = passage(text, &words(&[("inflation", 1.0)])).unwrap();
        assert_eq!(
            p,
            "Rates &amp; &lt;b&gt;<mark>inflation</mark>&lt;/b&gt;: <mark>INFLATION</mark> cools, inflationary fears stay"
        );
        assert_eq!(passage(text, &words(&[("flat", 1.0)])), None);
    }

    #[test]
    fn the_passage_is_where_the_matches_weigh_most() {
        let filler = "and so on ".repeat(30);
        let text = format!("A bank opened. {filler}The central bank said the central bank would wait. {filler}");
        let p = passage(&text, &words(&[("central", 0.5), ("bank", 0.2)])).unwrap();
        let best =
            "The <mark>central</mark> <mark>bank</mark> said the <mark>central</mark> <mark>bank</mark> would wait.";
        let lead = p.find(best).expect(&p);
        assert!(lead > 0 && lead <= LEAD, "some context before the first match: {p}");
        assert!(p.len() <= PASSAGE_CHARS + 4 * "<mark></mark>".len(), "{p}");
        assert!(!p.contains("opened"), "{p}");
    }

    #[test]
    fn a_passage_keeps_to_the_original_text_when_lower_case_is_longer() {
        // 'Ⱥ' is two bytes, its lower case three: places must map back.
        let text = "Ⱥ note: the Inflation report, inflation again";
        let p = passage(text, &words(&[("inflation", 1.0)])).unwrap();
        assert_eq!(p, "Ⱥ note: the <mark>Inflation</mark> report, <mark>inflation</mark> again");
    }

    /// The shape that made the explicit merge race the merge policy: thousands
    /// of articles of hundreds of words from a vocabulary of thousands, indexed
    /// in batches (the policy merges between them), then compacted; several
    /// rounds, each on an index that grew by another such build.
    #[test]
    fn a_large_build_compacts_while_the_merge_policy_runs() {
        use newsdesk_domain::model::SectionId;
        let dir = std::env::temp_dir().join(format!("newsdesk-search-compact-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let index = TantivyIndex::open(Some(&dir), "test").expect("open");
        let vocabulary: Vec<String> = (0..4_000).map(|i| format!("w{i:x}q")).collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut id = 0;
        for round in 0..3 {
            for _ in 0..10 {
                let docs: Vec<SearchDoc> = (0..1_000)
                    .map(|_| {
                        id += 1;
                        let body = (0..150)
                            .map(|_| vocabulary[(next() % vocabulary.len() as u64) as usize].as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        SearchDoc {
                            id: ArticleId(id),
                            title: format!("title {id}"),
                            summary: String::new(),
                            body,
                            section: SectionId(1),
                            tags: Vec::new(),
                            authors: Vec::new(),
                            published_at: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0).expect("time"),
                        }
                    })
                    .collect();
                let watermark = Watermark { updated_at: chrono::Utc::now(), id: ArticleId(id) };
                index.apply(docs, Vec::new(), watermark).expect("apply");
            }
            index.compact().unwrap_or_else(|e| panic!("compaction of round {round}: {e}"));
            assert_eq!(index.articles().expect("articles").len(), id as usize);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pairs_are_consecutive_words_as_the_text_is_tokenized() {
        let index = Index::create_in_ram(schema().0);
        let mut pairs = Pairs(index.tokenizers().get("default").unwrap());
        let mut stream = pairs.token_stream("The Central-Bank, rates");
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        assert_eq!(out, vec!["the central", "central bank", "bank rates"]);
        assert_eq!(out[1], pair("central", "bank"));
    }
}
