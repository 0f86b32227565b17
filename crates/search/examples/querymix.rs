//! The search index alone, on the query mix of `bench/discovery-random.lua`
//! (one or two words, a word typed halfway, a word and a word typed halfway, a
//! phrase, a typo): time per query of each kind, 16 results with 15
//! highlighted as the API asks for a page of 15. Used by
//! `bench/search-instructions.sh`, which counts instructions instead.
//!
//! ```text
//! cargo run --release --example querymix -p newsdesk-search -- bench/.data/demo-100000.db.search
//! ```
//!
//! Environment: `ROUNDS` (default 40), `KIND` (one kind only), `HL` (hits
//! highlighted, default 15). The index must not be open in a running server.

use std::path::Path;
use std::time::Instant;

use newsdesk_domain::query::{ResolvedFilter, SearchText};

use newsdesk_domain::ports::SearchIndex;
use newsdesk_search::TantivyIndex;

const KINDS: &[(&str, &[&str])] = &[
    ("word", &["inflation", "election", "budget", "stocks", "climate", "vaccine", "novel", "growth"]),
    (
        "two",
        &["inflation budget", "election reform", "climate energy", "stocks bonds", "housing markets", "summit treaty"],
    ),
    ("prefix", &["infl", "elec", "clim", "pens", "bud", "rec"]),
    ("word+prefix", &["budget infl", "energy cli", "housing mar", "election ref"]),
    ("phrase", &["\"central bank\"", "\"interest rates\"", "\"party leaders\"", "\"consumer spending\""]),
    ("typo", &["inflaiton", "electoin", "budegt", "cliamte"]),
];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: querymix INDEX_DIRECTORY")?;
    // Open the index as the server that built it would (the same origin).
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/meta.json"))?)?;
    let payload: serde_json::Value = serde_json::from_str(meta["payload"].as_str().ok_or("no payload in meta.json")?)?;
    let origin = payload["origin"].as_str().ok_or("no origin in the payload")?;
    let index = TantivyIndex::open(Some(Path::new(&dir)), origin)?;
    let (rounds, highlighted, only) = (env("ROUNDS", 40), env("HL", 15), std::env::var("KIND").ok());
    let filter = ResolvedFilter::any(chrono::Utc::now());
    for (kind, queries) in KINDS.iter().filter(|(k, _)| only.as_deref().is_none_or(|o| o == *k)) {
        let parsed = queries.iter().map(|q| SearchText::parse("q", q)).collect::<Result<Vec<_>, _>>()?;
        // One round unmeasured: the index's pages are read from disk once.
        let mut hits = 0;
        for t in &parsed {
            hits += index.search(t, &filter, 0, 16, highlighted)?.0.len();
        }
        let started = Instant::now();
        for _ in 0..rounds {
            for t in &parsed {
                std::hint::black_box(index.search(t, &filter, 0, 16, highlighted)?);
            }
        }
        let us = started.elapsed().as_secs_f64() * 1e6 / (rounds * parsed.len()).max(1) as f64;
        println!("{kind:12} {us:8.0} us/query  {} queries  {hits} hits", parsed.len());
    }
    Ok(())
}
