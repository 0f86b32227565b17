//! SQL written as text whose statement is still prepared once per connection.
//!
//! Diesel's `sql()` fragments make a statement uncacheable: it cannot know that
//! the text never changes, so SQLite prepares the statement anew on every call
//! and PostgreSQL prepares an unnamed statement first, a round trip more. These
//! fragments are `'static` text (with at most one bound id), and the statement
//! cache keys the query by its SQL.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::expression::is_aggregate::Never;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, SqlType};

/// A fixed SQL expression of type `ST`, for the select list or a condition.
#[derive(Debug)]
pub struct Fixed<ST> {
    sql: &'static str,
    ty: PhantomData<ST>,
}

impl<ST> Clone for Fixed<ST> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<ST> Copy for Fixed<ST> {}

/// `sql` as an expression of type `ST`.
pub const fn fixed<ST>(sql: &'static str) -> Fixed<ST> {
    Fixed { sql, ty: PhantomData }
}

impl<ST: SqlType + TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST, QS> AppearsOnTable<QS> for Fixed<ST> where Self: Expression {}

impl<ST, QS> SelectableExpression<QS> for Fixed<ST> where Self: AppearsOnTable<QS> {}

impl<ST, G> ValidGrouping<G> for Fixed<ST> {
    type IsAggregate = Never;
}

/// Not a static id: the statement cache keys it by its SQL text.
impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, DB: Backend> QueryFragment<DB> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

/// `before ? after` with an id bound at `?`: a condition on one row of another table.
#[derive(Debug, Clone, Copy)]
pub struct FixedWithId {
    before: &'static str,
    id: i64,
    after: &'static str,
}

/// The condition `before <id> after`, the id bound as a parameter.
pub const fn fixed_with_id(before: &'static str, id: i64, after: &'static str) -> FixedWithId {
    FixedWithId { before, id, after }
}

impl Expression for FixedWithId {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for FixedWithId {}

impl<G> ValidGrouping<G> for FixedWithId {
    type IsAggregate = Never;
}

impl QueryId for FixedWithId {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: Backend + HasSqlType<BigInt>> QueryFragment<DB> for FixedWithId
where
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.before);
        out.push_bind_param::<BigInt, i64>(&self.id)?;
        out.push_sql(self.after);
        Ok(())
    }
}
