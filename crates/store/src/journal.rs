//! The beacon journal on the node's disk: every accepted beacon is appended to a
//! file before it is acknowledged (a `write` to the operating system, which keeps
//! it when the process is killed; not an `fsync`, so a power cut may lose the
//! last moments). A flush seals the current file and opens the next; once the
//! flush is in the database, sealed files are deleted. A process that starts
//! replays the files that no living process holds.
//!
//! Files are named `beacons-<pid>-<nanos>-<n>.log`, one line a beacon:
//! `v <article> <micros> <session>` or `r <article> <micros> <kind> <session>`.
//! Each file stays locked (an advisory lock) while its process may still write
//! it, so that nodes on one machine sharing the directory never replay each
//! other's beacons.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use newsdesk_domain::model::ArticleId;
use newsdesk_domain::ports::{Beacon, BeaconJournal};
use newsdesk_domain::ports::{PendingReaction, PendingView};
use newsdesk_domain::{Error, ErrorKind, Result};

pub struct FileJournal {
    dir: PathBuf,
    /// This process's part of the file names.
    tag: String,
    state: Mutex<State>,
}

struct State {
    current: File,
    next: u64,
    /// Files sealed and not yet in the database, with their marks; kept open
    /// (and locked) until deleted.
    sealed: Vec<(u64, PathBuf, File)>,
    current_path: PathBuf,
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "beacon journal: {what}");
    Error::new(ErrorKind::Unavailable, "beacons cannot be recorded right now; retry shortly")
}

impl FileJournal {
    /// A journal in `dir` (created if needed).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::operator(format!("beacon journal {}: {e}", dir.display())))?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let tag = format!("beacons-{}-{nanos}", std::process::id());
        let path = dir.join(format!("{tag}-0.log"));
        let current = create(&path).map_err(|e| Error::operator(format!("beacon journal {}: {e}", path.display())))?;
        let state = Mutex::new(State { current, next: 1, sealed: Vec::new(), current_path: path });
        Ok(Self { dir: dir.to_owned(), tag, state })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A process that stops with everything written leaves no file behind.
impl Drop for FileJournal {
    fn drop(&mut self) {
        let st = self.state();
        if st.sealed.is_empty() && st.current.metadata().is_ok_and(|m| m.len() == 0) {
            let _ = std::fs::remove_file(&st.current_path);
        }
    }
}

/// A new file of this process, locked.
fn create(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new().create_new(true).append(true).open(path)?;
    file.try_lock().map_err(std::io::Error::other)?;
    Ok(file)
}

fn encode(b: &Beacon) -> String {
    match b {
        Beacon::View(v) => format!("v {} {} {}\n", v.article.0, v.at.timestamp_micros(), v.session_id),
        Beacon::Reaction(r) => {
            format!("r {} {} {} {}\n", r.article.0, r.at.timestamp_micros(), r.kind, r.session_id)
        }
    }
}

/// A line back; `None` for a line cut short by a kill, or not ours.
fn decode(line: &str) -> Option<Beacon> {
    let mut parts = line.split(' ');
    let kind = parts.next()?;
    let article = ArticleId(parts.next()?.parse().ok()?);
    let at: DateTime<Utc> = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
    let beacon = match kind {
        "v" => Beacon::View(PendingView { article, session_id: parts.next()?.to_owned(), at }),
        "r" => {
            let kind = parts.next()?.to_owned();
            Beacon::Reaction(PendingReaction { article, kind, session_id: parts.next()?.to_owned(), at })
        }
        _ => return None,
    };
    parts.next().is_none().then_some(beacon)
}

impl BeaconJournal for FileJournal {
    fn append(&self, beacon: &Beacon) -> Result<()> {
        let line = encode(beacon);
        self.state().current.write_all(line.as_bytes()).map_err(|e| io_err("appending", e))
    }

    fn seal(&self) -> Option<u64> {
        let mut st = self.state();
        let mark = st.next;
        let path = self.dir.join(format!("{}-{mark}.log", self.tag));
        match create(&path) {
            Ok(file) => {
                st.next += 1;
                let old = std::mem::replace(&mut st.current, file);
                let old_path = std::mem::replace(&mut st.current_path, path);
                st.sealed.push((mark, old_path, old));
                Some(mark)
            }
            Err(e) => {
                io_err("opening the next file", e);
                None
            }
        }
    }

    fn written(&self, mark: u64) {
        let mut st = self.state();
        let (done, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.sealed).into_iter().partition(|(m, ..)| *m <= mark);
        st.sealed = kept;
        drop(st);
        for (_, path, file) in done {
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(error = %e, path = %path.display(), "beacon journal: cannot delete a written file");
            }
            drop(file);
        }
    }

    fn recover(&self) -> Result<Vec<Beacon>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io_err("reading the directory", e))?;
        let mut beacons = Vec::new();
        let mut st = self.state();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("beacons-") || !name.ends_with(".log") || name.starts_with(&self.tag) {
                continue;
            }
            let Ok(file) = OpenOptions::new().read(true).append(true).open(&path) else { continue };
            // Held by a living process: its own to write.
            if file.try_lock().is_err() {
                continue;
            }
            let before = beacons.len();
            for line in BufReader::new(&file).lines() {
                match line {
                    Ok(line) => beacons.extend(decode(&line)),
                    Err(_) => break,
                }
            }
            if beacons.len() == before {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            tracing::info!(file = %name, beacons = beacons.len() - before, "replaying beacons a stopped process accepted");
            // Forgotten at the first successful flush.
            st.sealed.push((0, path, file));
        }
        Ok(beacons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: i64) -> Beacon {
        Beacon::View(PendingView {
            article: ArticleId(n),
            session_id: format!("reader-{n:08}"),
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456 + n).unwrap_or_default(),
        })
    }

    #[test]
    fn lines_round_trip_and_a_cut_line_is_skipped() {
        let r = Beacon::Reaction(PendingReaction {
            article: ArticleId(7),
            kind: "very-good".into(),
            session_id: "s-12345678".into(),
            at: DateTime::from_timestamp_micros(1_700_000_000_000_001).unwrap_or_default(),
        });
        for b in [view(3), r] {
            let line = encode(&b);
            assert_eq!(decode(line.trim_end()), Some(b));
            assert!(decode(&line[..line.len() / 2]).is_none());
        }
    }

    #[test]
    fn what_a_stopped_process_left_is_replayed_once_and_written_files_go() {
        let dir = std::env::temp_dir().join(format!("newsdesk-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = FileJournal::open(&dir).expect("open");
        for n in 0..3 {
            first.append(&view(n)).expect("append");
        }
        let mark = first.seal().expect("seal");
        first.append(&view(3)).expect("append");
        first.written(mark);
        // A second journal in the same directory while the first lives: nothing.
        let second = FileJournal::open(&dir).expect("open");
        assert!(second.recover().expect("recover").is_empty());
        // The first process dies: its unwritten beacon is replayed, once.
        drop(first);
        let third = FileJournal::open(&dir).expect("open");
        let replayed = third.recover().expect("recover");
        assert_eq!(replayed, vec![view(3)]);
        assert!(second.recover().expect("recover").is_empty(), "held by the third");
        third.written(third.seal().expect("seal"));
        drop((second, third));
        let fourth = FileJournal::open(&dir).expect("open");
        assert!(fourth.recover().expect("recover").is_empty());
        drop(fourth);
        let left = std::fs::read_dir(&dir).expect("dir").count();
        assert_eq!(left, 0, "journals that wrote everything leave no file");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
