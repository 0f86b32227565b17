//! `column IN (ids)` as one statement text whatever the number of ids, so that
//! the statement is prepared once per connection and then reused. Diesel's
//! `eq_any` writes one placeholder per id on SQLite, and such statements are
//! prepared anew on every call; the hot lookups (the articles of a list, and
//! their tags, authors and reactions) pay that on every request.
//!
//! SQLite: `column IN (SELECT value FROM json_each(?))` with the ids as a JSON
//! array. PostgreSQL: `column = ANY(?)` with the ids as an array.

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

/// `column` is one of `ids`; build it with [`in_ids`].
#[derive(Debug, Clone)]
pub struct InIds<C> {
    column: C,
    ids: Vec<i64>,
    json: String,
}

/// `column` is one of `ids`, as a statement that is prepared once.
pub fn in_ids<C>(column: C, ids: &[i64]) -> InIds<C> {
    let json = format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    InIds { column, ids: ids.to_vec(), json }
}

impl<C: Expression<SqlType = BigInt>> Expression for InIds<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS> + Expression<SqlType = BigInt>, QS> AppearsOnTable<QS> for InIds<C> {}

impl<C: ValidGrouping<G>, G> ValidGrouping<G> for InIds<C> {
    type IsAggregate = C::IsAggregate;
}

/// Not a static id: the statement cache keys it by its SQL text, which does not
/// change with the number of ids.
impl<C> QueryId for InIds<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}
