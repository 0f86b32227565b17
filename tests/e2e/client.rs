//! A typed client generated from the committed contracts (`tests/client`:
//! openapi-typescript and graphql-codegen) compiles with `tsc --strict` and runs
//! against a server, and the OpenAPI document passes Redocly's recommended
//! rules: a contract change that breaks typed clients or linters fails here.
//!
//! Needs `npm ci --prefix tests/client` (`.ci/run` does it and sets
//! `TEST_REQUIRE_CLIENT`, which makes its absence a failure).

use std::path::Path;
use std::process::Command;

use crate::support::fixtures::Site;
use crate::support::{Backend, TestApp};

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{program} {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

#[test]
fn a_client_generated_from_the_contracts_compiles_strictly_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    if !dir.join("node_modules").exists() {
        assert!(
            std::env::var_os("TEST_REQUIRE_CLIENT").is_none(),
            "TEST_REQUIRE_CLIENT is set but tests/client has no node_modules (npm ci --prefix tests/client)"
        );
        eprintln!("a_client_generated_from_the_contracts_compiles_strictly_and_runs: no node_modules, not run");
        return;
    }
    // The document passes Redocly's recommended rules; a client generated from
    // it and from the schema compiles strictly.
    run(&dir, "npm", &["run", "--silent", "lint"]);
    run(&dir, "npm", &["run", "--silent", "check"]);
    let app = TestApp::with_data(Backend::Sqlite, &Site::standard().ndjson()).expect("sqlite");
    let out = run(&dir, "node", &["dist/main.js", &app.url(""), "summit-opens", "rates"]);
    let seen: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(seen["sessionReactions"].as_array().map(Vec::len), Some(2), "{seen}");
    assert!(seen["breadcrumb"].as_str().is_some_and(|b| b.contains("section_")), "{seen}");
}
