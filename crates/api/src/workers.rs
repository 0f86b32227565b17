//! How the node's background workers fare: each reports every round, and
//! `/metrics` and `/readyz` read the reports. A worker that fails is retried by
//! its runner (see the binary's `serve`), never allowed to stop the process.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

/// The reports of every worker, by name.
#[derive(Debug, Default)]
pub struct WorkerHealth {
    workers: Mutex<BTreeMap<&'static str, WorkerState>>,
}

/// One worker's record.
#[derive(Debug, Clone, Default)]
pub struct WorkerState {
    /// Rounds that failed since the start.
    pub errors: u64,
    /// Failed rounds in a row (0 when the last one succeeded).
    pub failing: u32,
    /// When the current run of failures began.
    pub failing_since: Option<Instant>,
    /// What the last failure said (for operators; never shown to clients).
    pub last_error: Option<String>,
}

impl WorkerHealth {
    fn update(&self, name: &'static str, f: impl FnOnce(&mut WorkerState)) {
        let mut workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        f(workers.entry(name).or_default());
    }

    /// Register a worker, so that its metrics show before its first report.
    pub fn register(&self, name: &'static str) {
        self.update(name, |_| {});
    }

    /// A round succeeded.
    pub fn succeeded(&self, name: &'static str) {
        self.update(name, |w| {
            if w.failing > 0 {
                tracing::info!(worker = name, failed_rounds = w.failing, "background worker recovered");
            }
            w.failing = 0;
            w.failing_since = None;
        });
    }

    /// A round failed; the number of failures in a row.
    pub fn failed(&self, name: &'static str, error: &str) -> u32 {
        let mut failing = 0;
        self.update(name, |w| {
            w.errors += 1;
            w.failing += 1;
            w.failing_since.get_or_insert_with(Instant::now);
            w.last_error = Some(error.to_owned());
            failing = w.failing;
        });
        failing
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, WorkerState> {
        self.workers.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The Prometheus lines of every worker.
    pub fn metrics(&self) -> String {
        let workers = self.snapshot();
        let mut out = String::from(
            "# HELP newsdesk_worker_errors_total Background worker rounds that failed (and were retried).\n\
             # TYPE newsdesk_worker_errors_total counter\n",
        );
        for (name, w) in &workers {
            let _ = writeln!(out, "newsdesk_worker_errors_total{{worker=\"{name}\"}} {}", w.errors);
        }
        out.push_str(
            "# HELP newsdesk_worker_failing Failed rounds in a row of a background worker (0 when healthy).\n\
             # TYPE newsdesk_worker_failing gauge\n",
        );
        for (name, w) in &workers {
            let _ = writeln!(out, "newsdesk_worker_failing{{worker=\"{name}\"}} {}", w.failing);
        }
        out
    }

    /// One line per failing worker, for `/readyz`.
    pub fn failing(&self) -> Vec<String> {
        self.snapshot()
            .into_iter()
            .filter(|(_, w)| w.failing > 0)
            .map(|(name, w)| {
                let since = w.failing_since.map_or(0, |t| t.elapsed().as_secs());
                format!("{name}: failing for {since} s ({} rounds)", w.failing)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_and_a_success_ends_the_run() {
        let h = WorkerHealth::default();
        h.register("flush");
        assert!(h.metrics().contains("newsdesk_worker_errors_total{worker=\"flush\"} 0\n"));
        assert_eq!(h.failed("flush", "db down"), 1);
        assert_eq!(h.failed("flush", "db down"), 2);
        assert_eq!(h.failing().len(), 1);
        h.succeeded("flush");
        assert!(h.failing().is_empty());
        let m = h.metrics();
        assert!(m.contains("newsdesk_worker_errors_total{worker=\"flush\"} 2\n"), "{m}");
        assert!(m.contains("newsdesk_worker_failing{worker=\"flush\"} 0\n"), "{m}");
    }
}
