//! The index schema: its fields, how texts are tokenized (word pairs for
//! phrases), and the settings of its document store.

use tantivy::IndexSettings;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TEXT, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{BoxTokenStream, TextAnalyzer, Token, TokenStream, Tokenizer};

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    /// Stored, and indexed alone for its weight.
    pub(crate) title: Field,
    /// Stored only (searched through `text`).
    pub(crate) summary: Field,
    /// Stored only (searched through `text`).
    pub(crate) body: Field,
    /// Title, summary and body, indexed with positions, not stored.
    pub(crate) text: Field,
    /// Each two consecutive words of the title, summary and body as one term:
    /// a phrase is found without reading every candidate's word positions.
    pub(crate) pairs: Field,
    pub(crate) section: Field,
    pub(crate) tag: Field,
    pub(crate) author: Field,
    pub(crate) published: Field,
}

impl Fields {
    /// The stored text fields, in the order their highlights are listed.
    pub(crate) fn stored(self) -> [Field; 3] {
        [self.title, self.summary, self.body]
    }
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let frequencies = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_index_option(IndexRecordOption::WithFreqs));
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", frequencies.clone().set_stored()),
        summary: b.add_text_field("summary", STORED),
        body: b.add_text_field("body", STORED),
        text: b.add_text_field("text", TEXT),
        pairs: b.add_text_field(
            "pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(PAIRS).set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
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

/// Stored texts are compressed in blocks of this many bytes: a hit shown reads
/// and decompresses its whole block, so a block holds about one article (the
/// default, 16 KiB, made a page of results decompress four times as much).
pub(crate) const STORE_BLOCK: usize = 4 << 10;

pub(crate) fn settings() -> IndexSettings {
    IndexSettings { docstore_blocksize: STORE_BLOCK, ..IndexSettings::default() }
}

/// Two consecutive words as one term of the `pairs` field.
pub(crate) fn pair(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

/// The tokenizer of the `pairs` field: each two consecutive words of the text,
/// as the `text` field's tokenizer finds them, as one token (see [`pair`]).
#[derive(Clone)]
pub(crate) struct Pairs(pub(crate) TextAnalyzer);

/// The name the `pairs` tokenizer is registered under.
pub(crate) const PAIRS: &str = "pairs";

pub(crate) struct PairStream<'a> {
    words: BoxTokenStream<'a>,
    /// The word before, if any.
    previous: Option<Token>,
    token: Token,
}

impl Tokenizer for Pairs {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        PairStream { words: self.0.token_stream(text), previous: None, token: Token::default() }
    }
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let Some(previous) = self.previous.replace(word.clone()) else { continue };
            self.token.text.clear();
            self.token.text.push_str(&previous.text);
            self.token.text.push(' ');
            self.token.text.push_str(&word.text);
            self.token.offset_from = previous.offset_from;
            self.token.offset_to = word.offset_to;
            self.token.position = previous.position;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}
