//! The plan a backend chooses for a query, for the tests that keep list queries
//! on their indexes.

use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};

/// `EXPLAIN` (and its prefix) before a query; `ST`: the rows it answers.
struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    rows: std::marker::PhantomData<ST>,
}

impl<Q, ST> QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST: 'static> Query for Explain<Q, ST> {
    type SqlType = ST;
}

impl<Q: QueryFragment<DB>, ST, DB: diesel::backend::Backend> QueryFragment<DB> for Explain<Q, ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, ST, C> RunQueryDsl<C> for Explain<Q, ST> {}

/// A connection that can show its plans, one line per plan node.
pub trait Explains: Connection {
    fn plan<Q: QueryFragment<Self::Backend>>(&mut self, query: Q) -> QueryResult<Vec<String>>;
}

impl Explains for SqliteConnection {
    fn plan<Q: QueryFragment<Sqlite>>(&mut self, query: Q) -> QueryResult<Vec<String>> {
        let explain = Explain::<_, (Integer, Integer, Integer, Text)> {
            prefix: "EXPLAIN QUERY PLAN ",
            query,
            rows: std::marker::PhantomData,
        };
        let rows: Vec<(i32, i32, i32, String)> = explain.load(self)?;
        Ok(rows.into_iter().map(|r| r.3).collect())
    }
}

impl Explains for PgConnection {
    fn plan<Q: QueryFragment<Pg>>(&mut self, query: Q) -> QueryResult<Vec<String>> {
        let explain = Explain::<_, Text> { prefix: "EXPLAIN ", query, rows: std::marker::PhantomData };
        explain.load(self)
    }
}
