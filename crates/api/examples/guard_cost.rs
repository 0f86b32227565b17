//! What the GraphQL guard adds to a request: `guard::check` (scan, parse,
//! measure) against parsing alone, which the engine would do anyway and is
//! handed the guard's parse instead; and how long refusing a fragment bomb takes.
//!
//!   cargo run --release -p newsdesk-api --example guard_cost -- bench/graphql-page.graphql

use std::hint::black_box;
use std::time::Instant;

use newsdesk_api::graphql::guard;

fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: guard_cost QUERY_FILE")?;
    let query = std::fs::read_to_string(path)?;
    let n = 20_000;
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let check = per_call(n, || drop(black_box(guard::check(black_box(&query)))));
        let parse = per_call(n, || drop(black_box(async_graphql::parser::parse_query(black_box(&query)))));
        best = (best.0.min(check), best.1.min(parse));
    }
    let (check, parse) = best;
    println!("guard::check {check:.2} us, parse alone {parse:.2} us, added by the guard {:.2} us", check - parse);
    // A document whose 28 fragments each spread the next twice (2^28 fields).
    let mut bomb = String::from("{...F0}");
    for i in 0..28 {
        bomb.push_str(&format!("fragment F{i} on Query{{...F{} ...F{}}}", i + 1, i + 1));
    }
    bomb.push_str("fragment F28 on Query{sections{slug name}}");
    let refused = per_call(n / 10, || drop(black_box(guard::check(black_box(&bomb)))));
    println!("a {}-byte fragment bomb refused in {refused:.2} us", bomb.len());
    Ok(())
}
