//! `import` and `export`: moving whole sites in the NDJSON interchange format.

use std::fmt;
use std::io::{BufRead, Write};

use crate::error::{Error, Result};
use crate::model::SectionTree;
use crate::ports::TransferRepo;
use crate::record::{ArticleRecordIn, AuthorRecord, Record, SectionRecord, TagRecord};

/// Records written per transaction.
pub const BATCH: usize = 500;

/// An import failure, located at a line of the input (1-based).
#[derive(Debug)]
pub struct ImportError {
    pub line: usize,
    pub error: Error,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error.detail)?;
        for fe in &self.error.fields {
            if !self.error.detail.contains(&fe.message) {
                write!(f, "; `{}` {}", fe.field, fe.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Read NDJSON records and upsert them by slug, [`BATCH`] records per transaction.
/// Batches before a bad line stay written; nothing of the bad line's batch is.
/// `progress` is called after each batch with the number of records written so far.
pub fn import(
    repo: &dyn TransferRepo,
    input: impl BufRead,
    progress: impl FnMut(usize),
) -> std::result::Result<usize, ImportError> {
    let records = input.lines().enumerate().filter_map(|(n, line)| match line {
        Ok(l) if l.trim().is_empty() => None,
        Ok(l) => Some((n + 1, Record::parse_line(&l))),
        Err(e) => Some((n + 1, Err(Error::operator(format!("cannot read: {e}"))))),
    });
    import_records(repo, records, progress)
}

/// Upsert records given with their line numbers, as [`import`] does.
pub fn import_records(
    repo: &dyn TransferRepo,
    records: impl Iterator<Item = (usize, Result<Record>)>,
    mut progress: impl FnMut(usize),
) -> std::result::Result<usize, ImportError> {
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut lines: Vec<usize> = Vec::with_capacity(BATCH);
    let mut written = 0;
    let mut flush = |batch: &mut Vec<Record>, lines: &mut Vec<usize>| -> std::result::Result<(), ImportError> {
        if batch.is_empty() {
            return Ok(());
        }
        repo.import_batch(batch).map_err(|(i, error)| ImportError { line: lines[i.min(lines.len() - 1)], error })?;
        written += batch.len();
        progress(written);
        batch.clear();
        lines.clear();
        Ok(())
    };
    for (line, record) in records {
        batch.push(record.map_err(|error| ImportError { line, error })?);
        lines.push(line);
        if batch.len() == BATCH {
            flush(&mut batch, &mut lines)?;
        }
    }
    flush(&mut batch, &mut lines)?;
    // Everything is written: a planner left with stale statistics is slower,
    // not wrong.
    if let (true, Err(e)) = (written > 0, repo.refresh_statistics()) {
        tracing::warn!(error = %e.detail, "the database's statistics were not refreshed after the import");
    }
    Ok(written)
}

/// Write every record, deterministically: sections (parents first), tags, authors,
/// articles by slug, then reading history in the order it was recorded.
pub fn export(repo: &dyn TransferRepo, out: &mut dyn Write) -> Result<usize> {
    let mut count = 0;
    let mut emit = |r: Record, out: &mut dyn Write| -> Result<()> {
        serde_json::to_writer(&mut *out, &r).map_err(|e| Error::operator(format!("cannot write: {e}")))?;
        out.write_all(b"\n").map_err(|e| Error::operator(format!("cannot write: {e}")))?;
        count += 1;
        Ok(())
    };
    let tree = SectionTree::new(repo.sections()?);
    for s in tree.parents_first() {
        let parent = s.parent_id.and_then(|p| tree.get(p)).map(|p| p.slug.clone());
        emit(Record::Section(SectionRecord { slug: s.slug.clone(), name: s.name.clone(), parent }), out)?;
    }
    for t in repo.all_tags()? {
        emit(Record::Tag(TagRecord { slug: t.slug, name: t.name }), out)?;
    }
    for a in repo.all_authors()? {
        emit(Record::Author(AuthorRecord { slug: a.slug, name: a.name, bio: a.bio }), out)?;
    }
    let mut after: Option<String> = None;
    loop {
        let page = repo.articles_after(after.as_deref(), BATCH as i64)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.slug.as_str().to_owned());
        let ids: Vec<_> = page.iter().map(|(r, _)| r.id).collect();
        let mut tags = repo.tags_of(&ids)?;
        let mut authors = repo.authors_of(&ids)?;
        for (r, body) in page {
            let section = tree
                .get(r.section_id)
                .map(|s| s.slug.clone())
                .ok_or_else(|| Error::internal(format!("article {} has no section", r.id)))?;
            let record = ArticleRecordIn {
                slug: r.slug,
                title: r.title,
                summary: r.summary,
                section,
                tags: tags.remove(&r.id).unwrap_or_default().into_iter().map(|t| t.slug).collect(),
                authors: authors.remove(&r.id).unwrap_or_default().into_iter().map(|a| a.slug).collect(),
                body,
                hero_image: r.hero_image,
                status: r.status,
                published_at: r.published_at,
                views: r.views,
                reactions: r.reactions,
            };
            emit(Record::Article(Box::new(record)), out)?;
        }
    }
    let mut after = None;
    loop {
        let page = repo.reads_after(after, 5_000)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        for (_, v) in page {
            emit(Record::View(v), out)?;
        }
    }
    Ok(count)
}
