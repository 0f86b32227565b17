//! The search index of one API node: tantivy over the title, summary and body of
//! every published article, with its section, tags, authors and publication time
//! for filters. BM25 relevance with title matches weighted up, phrases in quotes,
//! the last word matched as a prefix (search as you type), one typo forgiven in
//! words of five letters or more, and highlighted passages.
//!
//! The index lives in a directory and persists between starts; the commit payload
//! records which database it mirrors and how far (the watermark), so a node
//! resumes where it stopped, and rebuilds from scratch when the index belongs to
//! another database or another version of this schema.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use newsdesk_domain::model::ArticleId;
use newsdesk_domain::search::{Clause, IndexHit, SearchDoc, SearchFilter, SearchIndex, SearchText, Watermark};
use newsdesk_domain::{Error, Result};
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TEXT, TantivyDocument,
    Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

/// Bumped whenever the schema or the tokenization changes: older indexes are rebuilt.
const SCHEMA_VERSION: u32 = 2;
/// Memory of the index writer.
const WRITER_HEAP: usize = 64 << 20;
/// Characters of a highlighted passage.
const PASSAGE_CHARS: usize = 160;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    body: Field,
    section: Field,
    tag: Field,
    author: Field,
    published: Field,
}

impl Fields {
    /// The searchable text fields and their weights.
    fn text(self) -> [(Field, f32); 3] {
        [(self.title, 3.0), (self.summary, 1.5), (self.body, 1.0)]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", TEXT | STORED),
        summary: b.add_text_field("summary", TEXT | STORED),
        body: b.add_text_field("body", TEXT | STORED),
        section: b.add_u64_field("section", INDEXED),
        tag: b.add_u64_field("tag", INDEXED),
        author: b.add_u64_field("author", INDEXED),
        published: b.add_date_field(
            "published",
            DateOptions::default().set_indexed().set_fast().set_precision(DateTimePrecision::Seconds),
        ),
    };
    (b.build(), fields)
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
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    origin: String,
    watermark: Mutex<Option<Watermark>>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("search index: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TantivyIndex {
    /// The index in `dir` (created, or rebuilt when it mirrors another database or
    /// schema), or in memory without a directory. Fails when another process
    /// holds the directory.
    pub fn open(dir: Option<&Path>, origin: &str) -> Result<Self> {
        let (schema, fields) = schema();
        let (index, watermark) = match dir {
            None => (Index::create_in_ram(schema), None),
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
                        (Index::create_in_dir(dir, schema).map_err(err)?, None)
                    }
                }
            }
        };
        // Another node on this machine may hold the directory: the caller decides.
        let writer =
            index.writer_with_num_threads(1, WRITER_HEAP).map_err(|e| Error::operator(format!("search index: {e}")))?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            origin: origin.to_owned(),
            watermark: Mutex::new(watermark),
        })
    }

    /// The index's terms for some text, tokenized as the text fields are.
    fn tokens(&self, text: &str) -> Vec<String> {
        let Ok(mut analyzer) = self.index.tokenizer_for_field(self.fields.body) else { return Vec::new() };
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// One word in any text field: exact (BM25, weighted by field); with one typo
    /// when it is long enough and appears nowhere as typed; and, when it is the
    /// last word typed, as the most frequent words it starts (each BM25-scored
    /// at half weight). Spelling the words out rather than matching a prefix
    /// automaton keeps the query a plain union of terms, which tantivy prunes
    /// (block-max WAND) instead of scoring every matching document.
    fn word(&self, searcher: &Searcher, token: &str, prefix: bool) -> Box<dyn Query> {
        let known = self
            .fields
            .text()
            .iter()
            .any(|(field, _)| searcher.doc_freq(&Term::from_field_text(*field, token)).is_ok_and(|n| n > 0));
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in self.fields.text() {
            let term = Term::from_field_text(field, token);
            let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), weight))));
            if !known && token.chars().count() >= 5 {
                let typo = FuzzyTermQuery::new(term, 1, true);
                any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(typo), 0.3 * weight))));
            }
            if prefix && token.chars().count() >= 2 {
                for (word, _) in words_starting(searcher, field, token) {
                    if word != token {
                        let longer = TermQuery::new(Term::from_field_text(field, &word), IndexRecordOption::WithFreqs);
                        any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(longer), 0.5 * weight))));
                    }
                }
            }
        }
        Box::new(BooleanQuery::new(any))
    }

    /// Consecutive words in any text field.
    fn phrase(&self, tokens: &[String]) -> Box<dyn Query> {
        let any = self
            .fields
            .text()
            .into_iter()
            .map(|(field, weight)| {
                let terms = tokens.iter().map(|t| Term::from_field_text(field, t)).collect();
                let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), weight));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(any))
    }

    /// Each clause of a query as the index's tokens, and whether it is a word
    /// typed halfway (the last word, unquoted, when the query does not end there).
    fn clauses(&self, text: &SearchText) -> Vec<(Vec<String>, bool)> {
        let last = text.clauses.len().saturating_sub(1);
        (text.clauses.iter().enumerate())
            .map(|(i, clause)| {
                let (raw, quoted) = match clause {
                    Clause::Word(w) => (w, false),
                    Clause::Phrase(p) => (p, true),
                };
                let tokens = self.tokens(raw);
                let prefix = !quoted && i == last && text.prefix_last && tokens.len() == 1;
                (tokens, prefix)
            })
            .collect()
    }

    fn text_query(&self, searcher: &Searcher, clauses: &[(Vec<String>, bool)]) -> Vec<(Occur, Box<dyn Query>)> {
        let mut must = Vec::new();
        for (tokens, prefix) in clauses {
            let q = match tokens.as_slice() {
                [] => continue,
                [one] => self.word(searcher, one, *prefix),
                many => self.phrase(many),
            };
            must.push((Occur::Must, q));
        }
        must
    }

    /// What a field's passages are highlighted on, as tantivy's snippets weigh
    /// words (rarer counts more): the query's words, and the indexed words that
    /// a word typed halfway stands for (see [`words_starting`]).
    /// `None` when nothing can be highlighted in the field.
    fn highlighter(
        &self,
        searcher: &Searcher,
        clauses: &[(Vec<String>, bool)],
        field: Field,
    ) -> Option<SnippetGenerator> {
        let mut words: BTreeMap<String, f32> = BTreeMap::new();
        for (tokens, prefix) in clauses {
            for t in tokens {
                let n = searcher.doc_freq(&Term::from_field_text(field, t)).unwrap_or(0);
                if n > 0 {
                    words.insert(t.clone(), 1.0 / (1.0 + n as f32));
                }
            }
            if *prefix && tokens[0].chars().count() >= 2 {
                for (word, n) in words_starting(searcher, field, &tokens[0]) {
                    words.entry(word).or_insert(1.0 / (1.0 + n as f32));
                }
            }
        }
        if words.is_empty() {
            return None;
        }
        let tokenizer = searcher.index().tokenizer_for_field(field).ok()?;
        Some(SnippetGenerator::new(words, tokenizer, field, PASSAGE_CHARS))
    }

    /// The latest publication time in the index (an upper bound: deleted
    /// documents count until their part of the index is merged); `None` when
    /// it cannot be read.
    fn latest_published(&self, searcher: &Searcher) -> Option<DateTime> {
        let field = self.fields.published;
        let name = searcher.schema().get_field_name(field);
        let mut latest = DateTime::MIN;
        for segment in searcher.segment_readers() {
            latest = latest.max(segment.fast_fields().date(name).ok()?.max_value());
        }
        Some(latest)
    }

    fn filter_query(&self, searcher: &Searcher, f: &SearchFilter) -> Vec<(Occur, Box<dyn Query>)> {
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
        if dated || self.latest_published(searcher).is_none_or(|latest| latest > date(f.now)) {
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

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_u64(self.fields.id, id.0 as u64)
    }

    fn document(&self, d: SearchDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id.0 as u64);
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

/// Characters of a text looked at first for a highlighted passage: tokenizing a
/// whole body for every hit was most of a search's work, and most matches come
/// early. The rest of the text is looked at only when this part has no match.
const FIRST_LOOK_CHARS: usize = 1_500;

/// The best passage of `text` with the matches in `<mark>…</mark>`, if any matches.
fn passage(g: &SnippetGenerator, text: &str) -> Option<String> {
    let head = match text.char_indices().nth(FIRST_LOOK_CHARS) {
        // Cut between words, so that no word is matched by its first letters.
        Some((end, _)) => text[..end].rfind(char::is_whitespace).map_or(text, |cut| &text[..cut]),
        None => text,
    };
    let mut s = g.snippet(head);
    if s.highlighted().is_empty() && head.len() < text.len() {
        s = g.snippet(text);
    }
    s.set_snippet_prefix_postfix("<mark>", "</mark>");
    (!s.highlighted().is_empty()).then(|| s.to_html())
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
        filter: &SearchFilter,
        offset: usize,
        limit: usize,
        highlighted: usize,
    ) -> Result<Vec<IndexHit>> {
        let searcher = self.reader.searcher();
        let words = self.clauses(text);
        let mut clauses = self.text_query(&searcher, &words);
        if clauses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        clauses.extend(self.filter_query(&searcher, filter));
        // One clause and no filter: its query alone, so that tantivy sees a
        // word's union of terms, which it can prune, not a conjunction of one.
        let query = match <[_; 1]>::try_from(clauses) {
            Ok([(_, alone)]) => alone,
            Err(clauses) => Box::new(BooleanQuery::new(clauses)),
        };
        let top = searcher
            .search(query.as_ref(), &TopDocs::with_limit(limit).and_offset(offset).order_by_score())
            .map_err(err)?;
        let text_fields = [self.fields.title, self.fields.summary, self.fields.body];
        let highlighters = text_fields.map(|field| self.highlighter(&searcher, &words, field));
        let mut hits = Vec::with_capacity(top.len());
        for (i, (score, address)) in top.into_iter().enumerate() {
            let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
            let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_u64()) else { continue };
            let highlights = if i < highlighted {
                (highlighters.iter().zip(text_fields))
                    .filter_map(|(g, field)| passage(g.as_ref()?, doc.get_first(field)?.as_str()?))
                    .collect()
            } else {
                Vec::new()
            };
            hits.push(IndexHit { article: ArticleId(id as i64), score, highlights });
        }
        Ok(hits)
    }

    fn apply(&self, upserts: Vec<SearchDoc>, removals: Vec<ArticleId>, watermark: Watermark) -> Result<()> {
        let mut writer = lock(&self.writer);
        for id in removals.iter().chain(upserts.iter().map(|d| &d.id)) {
            writer.delete_term(self.id_term(*id));
        }
        for d in upserts {
            writer.add_document(self.document(d)).map_err(err)?;
        }
        let payload = Payload { version: SCHEMA_VERSION, origin: self.origin.clone(), watermark: Some(watermark) };
        let mut commit = writer.prepare_commit().map_err(err)?;
        commit.set_payload(&serde_json::to_string(&payload).map_err(err)?);
        commit.commit().map_err(err)?;
        drop(writer);
        self.reader.reload().map_err(err)?;
        *lock(&self.watermark) = Some(watermark);
        Ok(())
    }

    fn watermark(&self) -> Option<Watermark> {
        *lock(&self.watermark)
    }

    fn articles(&self) -> Result<Vec<ArticleId>> {
        let searcher = self.reader.searcher();
        let name = searcher.schema().get_field_name(self.fields.id);
        let mut ids = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64(name).map_err(err)?;
            ids.extend(segment.doc_ids_alive().filter_map(|doc| column.first(doc)).map(|id| ArticleId(id as i64)));
        }
        Ok(ids)
    }

    fn compact(&self) -> Result<()> {
        let mut writer = lock(&self.writer);
        let segments = self.index.searchable_segment_ids().map_err(err)?;
        if segments.len() > 1 {
            writer.merge(&segments).wait().map_err(err)?;
            writer.garbage_collect_files().wait().map_err(err)?;
        }
        drop(writer);
        self.reader.reload().map_err(err)
    }
}
