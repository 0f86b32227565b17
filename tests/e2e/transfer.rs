//! `newsdesk import` and `newsdesk export`.

use serde_json::json;

use crate::on_both_backends;
use crate::support::fixtures::Site;
use crate::support::{Backend, TestApp, TestDb, cli, slugs, without_ids};

fn export(db: &TestDb) -> Vec<u8> {
    let (ok, out, err) = cli(db, &["export"], None);
    assert!(ok, "export failed: {err}");
    out
}

fn import(db: &TestDb, data: &[u8]) {
    let (ok, _, err) = cli(db, &["import", "-"], Some(data));
    assert!(ok, "import failed: {err}");
}

on_both_backends! {
    fn export_import_round_trips_byte_for_byte(backend: Backend) {
        let (ok, demo, err) = cli(&TestDb::new(Backend::Sqlite).unwrap(), &["demo", "--articles", "400", "--seed", "9"], None);
        assert!(ok, "{err}");
        let a = TestDb::new(backend).expect("backend");
        import(&a, &demo);
        let first = export(&a);
        assert!(first.len() > 100_000);
        // Import is idempotent: a second import changes nothing that is exported.
        import(&a, &demo);
        assert_eq!(export(&a), first);
        let b = TestDb::new(backend).expect("backend");
        import(&b, &first);
        let second = export(&b);
        assert!(first == second, "export -> import -> export differs");
        let text = String::from_utf8(first).unwrap();
        for kind in ["section", "tag", "author", "article", "view"] {
            assert!(text.contains(&format!("{{\"kind\":\"{kind}\"")), "no {kind} records exported");
        }
    }

    fn upserts_by_slug(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        import(&db, Site::standard().ndjson().as_bytes());
        let changed = Site::empty().push(json!({"kind": "tag", "slug": "rates", "name": "Interest rates"})).article(
            "rates-rise", "world", &["energy"], &["ben-okafor"], Some("2026-01-01T08:00:00Z"), 7, "published",
        );
        import(&db, changed.ndjson().as_bytes());
        let app = TestApp::serve(db, &[]);
        let a = app.json("/v1/articles/rates-rise");
        assert_eq!(a["section"]["slug"], "world");
        assert_eq!(without_ids(&a["tags"]), json!([{"slug": "energy", "name": "Energy"}]));
        assert_eq!(a["views"], 7);
        assert_eq!(a["version"], 2);
        assert_eq!(app.json("/v1/tags/rates")["name"], "Interest rates");
        assert_eq!(slugs(&app.json("/v1/articles?limit=100")).len(), 7);
    }

    fn a_bad_line_names_its_number_and_writes_nothing_of_its_batch(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let mut input = Site::standard().ndjson();
        input.push_str("{\"kind\":\"article\",\"slug\":\"bad\",\"title\":\"\",\"section\":\"news\",\"body\":[{\"type\":\"video\"}]}\n");
        let bad_line = input.lines().count();
        let (ok, _, err) = cli(&db, &["import", "-"], Some(input.as_bytes()));
        assert!(!ok);
        assert!(err.contains(&format!("line {bad_line}")), "{err}");
        // An unknown reference is named too.
        let (ok, _, err) = cli(&db, &["import", "-"], Some(b"{\"kind\":\"section\",\"slug\":\"a\",\"name\":\"A\",\"parent\":\"missing\"}\n"));
        assert!(!ok);
        assert!(err.contains("line 1") && err.contains("missing"), "{err}");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(b"not json\n"));
        assert!(!ok && err.contains("line 1"), "{err}");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(b"{\"kind\":\"article\",\"slug\":\"x\",\"title\":\"T\",\"section\":\"news\",\"body\":[{\"type\":\"image\",\"src\":\"javascript:alert(1)\",\"alt\":\"\"}]}\n"));
        assert!(!ok && err.contains("body[0].src"), "{err}");
        // The whole (single) batch was rolled back: nothing was written.
        let app = TestApp::serve(db, &[]);
        assert_eq!(app.json("/v1/sections")["data"], json!([]));
        assert_eq!(app.json("/v1/articles")["data"], json!([]));
    }
}
