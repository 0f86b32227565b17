//! Pages people open in a browser work with no network beyond the server.
//!
//! The browser part runs Chromium headless when it is installed (`.ci/run`
//! installs it and sets `TEST_REQUIRE_BROWSER`, which makes its absence a
//! failure); the HTTP part always runs.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Backend, TestApp};

/// Every `src="…"` and `href="…"` of a page.
fn references(html: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attr| html.match_indices(attr).map(move |(i, _)| &html[i + attr.len()..]))
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    assert!(
        found.is_some() || std::env::var_os("TEST_REQUIRE_BROWSER").is_none(),
        "TEST_REQUIRE_BROWSER is set but no Chromium is installed"
    );
    found
}

/// The DOM of `url` after its scripts ran, in a headless Chromium that can
/// resolve no host but the test server's.
fn rendered(browser: &str, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("newsdesk-test-chromium-{}", std::process::id()));
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read while it runs: a large DOM would fill the pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut dom);
        dom
    });
    let started = Instant::now();
    while child.try_wait().expect("chromium").is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish rendering {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let dom = reader.join().expect("reader");
    let _ = std::fs::remove_dir_all(&profile);
    dom
}

#[test]
fn the_graphql_ide_loads_from_the_server_alone() {
    let app = TestApp::spawn(Backend::Sqlite).expect("sqlite");
    let page = app.get_with("/graphql", &[("accept", "text/html")]);
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").expect("a content security policy");
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    let assets = references(&page.text);
    assert!(assets.len() >= 4, "{}", page.text);
    for asset in &assets {
        assert!(asset.starts_with('/') && !asset.starts_with("//"), "{asset} is not on this server");
        let r = app.get(asset);
        assert_eq!(r.status, 200, "{asset}");
        assert!(r.header("cache-control").unwrap_or("").contains("immutable"), "{asset}");
        for cdn in ["//unpkg.com", "//cdn.jsdelivr.net", "//cdnjs.cloudflare.com", "//esm.sh"] {
            assert!(!r.text.contains(cdn), "{asset} loads from {cdn}");
        }
    }
    app.get("/graphiql/3.9.0/nothing.js").assert_problem(404, None);

    let Some(browser) = chromium() else {
        eprintln!("the_graphql_ide_loads_from_the_server_alone: no Chromium, browser part not run");
        return;
    };
    let dom = rendered(browser, &app.url("/graphql"));
    assert!(dom.contains("graphiql-container"), "GraphiQL did not render:\n{dom}");
    assert!(!dom.contains("Loading the GraphQL IDE"), "GraphiQL did not start:\n{dom}");
    // The schema arrived from this server: the query editor knows the root type.
    assert!(dom.contains("graphiql-session"), "no editor session:\n{dom}");
}
