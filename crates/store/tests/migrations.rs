//! Both backends' migrations: the same steps, and each reversible.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use newsdesk_store::conn::{PG_MIGRATIONS, SQLITE_MIGRATIONS};

fn names(backend: &str) -> Vec<String> {
    let dir = format!("{}/../../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

#[test]
fn sqlite_migrations_go_up_down_and_up_again() {
    let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
    conn.run_pending_migrations(SQLITE_MIGRATIONS).expect("up");
    conn.revert_all_migrations(SQLITE_MIGRATIONS).expect("down");
    conn.run_pending_migrations(SQLITE_MIGRATIONS).expect("up again");
}

#[test]
fn postgres_migrations_go_up_down_and_up_again() {
    let Some(url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL migrations not checked");
        return;
    };
    let mut admin = PgConnection::establish(&url).expect("postgres");
    let name = format!("newsdesk_migrations_{}", std::process::id());
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create");
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => url.clone(),
    };
    let result = std::panic::catch_unwind(|| {
        let mut conn = PgConnection::establish(&db_url).expect("new database");
        conn.run_pending_migrations(PG_MIGRATIONS).expect("up");
        conn.revert_all_migrations(PG_MIGRATIONS).expect("down");
        conn.run_pending_migrations(PG_MIGRATIONS).expect("up again");
    });
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).expect("drop");
    assert!(result.is_ok(), "PostgreSQL migrations failed");
}
