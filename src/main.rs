//! The `newsdesk` command: configuration, wiring and the CLI. No business logic.

mod cli;
mod serve;
mod webhooks;

use std::io::{BufReader, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use newsdesk_domain::auth::KeyService;
use newsdesk_domain::discovery::{self, content, recommend};
use newsdesk_domain::transfer;
use newsdesk_store::{Pool, Store};

use crate::cli::{Cli, Command, EvalKind, KeysAction, LogFormat, SchemaKind};

/// mimalloc instead of the C library's allocator: a request is mostly small
/// allocations (rows, strings, JSON), and glibc's spent a quarter of a list
/// request's CPU in `malloc`/`free` and their consolidation (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

fn open_store(url: &str, pool_size: u32) -> Result<Store> {
    let pool = Pool::open(url, pool_size).with_context(|| format!("opening {}", redact(url)))?;
    Ok(Store::new(pool))
}

/// A database URL fit for logs: the password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

fn run(cli: Cli) -> Result<()> {
    let db = cli.database_url;
    match cli.command {
        Command::Serve(args) => serve::serve(&db, *args),
        Command::Migrate => {
            open_store(&db, 1)?;
            eprintln!("migrations applied to {}", redact(&db));
            Ok(())
        }
        Command::Import { file } => {
            let store = open_store(&db, 2)?;
            let started = std::time::Instant::now();
            let report = |n: usize| {
                if n.is_multiple_of(5_000) || n < 5_000 {
                    eprintln!("imported {n} records");
                }
            };
            let written = if file == "-" {
                transfer::import(&store, std::io::stdin().lock(), report)
            } else {
                let f = std::fs::File::open(&file).with_context(|| format!("opening {file}"))?;
                transfer::import(&store, BufReader::with_capacity(1 << 20, f), report)
            }?;
            eprintln!("imported {written} records in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Export { file } => {
            let store = open_store(&db, 2)?;
            let mut out: Box<dyn Write> = match file.as_deref() {
                None | Some("-") => Box::new(BufWriter::new(std::io::stdout().lock())),
                Some(path) => {
                    Box::new(BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {path}"))?))
                }
            };
            let n = transfer::export(&store, &mut out)?;
            out.flush()?;
            eprintln!("exported {n} records");
            Ok(())
        }
        Command::Demo { articles, seed, now, readers } => {
            let now = now.unwrap_or_else(cli::today);
            let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let mut failed = None;
            newsdesk_domain::demo::generate(articles, seed, now, readers, |r| {
                if failed.is_none()
                    && let Err(e) = serde_json::to_writer(&mut out, &r)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                {
                    failed = Some(e);
                }
            });
            if let Some(e) = failed {
                return Err(e.into());
            }
            out.flush()?;
            Ok(())
        }
        Command::Keys { action } => {
            let keys = KeyService::new(std::sync::Arc::new(open_store(&db, 1)?));
            let mut out = std::io::stdout().lock();
            match action {
                KeysAction::Create { name, scopes } => {
                    let (key, token) = keys.create(&name, &scopes)?;
                    writeln!(out, "{token}")?;
                    let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
                    eprintln!("created key `{}` with {}; the token is not shown again", key.name, scopes.join(", "));
                }
                KeysAction::List => {
                    for k in keys.list()? {
                        let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
                        let state = k.revoked_at.map_or("active".to_owned(), |t| format!("revoked {}", t.to_rfc3339()));
                        writeln!(out, "{}\t{}\t{}\t{}", k.name, scopes.join(","), k.created_at.to_rfc3339(), state)?;
                    }
                }
                KeysAction::Revoke { name } => {
                    keys.revoke(&name)?;
                    eprintln!("revoked key `{name}` (nodes stop accepting it within 5 s)");
                }
            }
            Ok(())
        }
        Command::Eval { what } => {
            let store = open_store(&db, 2)?;
            let started = std::time::Instant::now();
            let model = discovery::build_content_model(&store)?;
            eprintln!("content model: {} articles in {:.1} s", model.len(), started.elapsed().as_secs_f64());
            let mut out = std::io::stdout().lock();
            match what {
                EvalKind::Recommendations { sessions } => {
                    let all = discovery::load_sessions(&store)?;
                    let (tuning, rows) = recommend::evaluate_recommendations(&model, &all, sessions);
                    let b = tuning.blend;
                    let chosen = match tuning.sessions {
                        0 => "default blend (too little history to tune)".to_owned(),
                        n => format!("blend tuned on {n} other sessions"),
                    };
                    writeln!(
                        out,
                        "{} sessions evaluated (of {})\n\n{chosen}: co-reading {:.2}, content {:.2}, \
                         popularity {:.2}, freshness {:.2}, {}; popularity half-life {} h\n",
                        rows.first().map_or(0, |r| r.sessions),
                        all.len(),
                        b.coread,
                        b.content,
                        b.popularity,
                        b.freshness,
                        if b.diverse { "at most two per main tag" } else { "no tag limit" },
                        tuning.half_life_hours,
                    )?;
                    writeln!(out, "| strategy | hit rate@10 | NDCG@10 |\n|---|---|---|")?;
                    for r in rows {
                        writeln!(out, "| {} | {:.3} | {:.3} |", r.strategy.name(), r.hit_rate, r.ndcg)?;
                    }
                }
                EvalKind::Related { articles } => {
                    let (n, section, tag) = content::evaluate_related(&model, articles, 5);
                    writeln!(out, "{n} source articles, 5 related each")?;
                    writeln!(out, "share in the source's section (its main topic): {section:.3}")?;
                    writeln!(out, "share sharing at least one tag: {tag:.3}")?;
                }
            }
            eprintln!("evaluated in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Schema { kind } => {
            let text = match kind {
                SchemaKind::Graphql => newsdesk_api::graphql::sdl(),
                SchemaKind::Openapi => newsdesk_api::openapi::document_json().to_owned(),
            };
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}
