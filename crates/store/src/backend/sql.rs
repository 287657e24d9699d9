//! One query value that runs on either backend: the SQL text (numbered `$N` parameters mean the
//! same on both) and its arguments, bound when it runs on the pool ([`Db`]) or in a write
//! transaction ([`Tx`]). Rows come back as any type that decodes from both backends' rows
//! (tuples, or a `#[derive(sqlx::FromRow)]` struct).

use super::{Db, Tx};
use crate::{Result, StoreError};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{
    Arguments, AssertSqlSafe, Database, Encode, FromRow, PgConnection, PgPool, SqlSafeStr, SqlStr, SqliteConnection, SqlitePool, Type,
};

/// A value bound to a parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    I64(i64),
    I32(i32),
    I16(i16),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    OptI64(Option<i64>),
    OptI32(Option<i32>),
    OptText(Option<String>),
    OptBytes(Option<Vec<u8>>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::I64(v)
    }
}
impl From<i32> for Arg {
    fn from(v: i32) -> Arg {
        Arg::I32(v)
    }
}
impl From<i16> for Arg {
    fn from(v: i16) -> Arg {
        Arg::I16(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_string())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Arg {
        Arg::Bytes(v)
    }
}
impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Arg {
        Arg::Bytes(v.to_vec())
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::OptI64(v)
    }
}
impl From<Option<i32>> for Arg {
    fn from(v: Option<i32>) -> Arg {
        Arg::OptI32(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::OptText(v)
    }
}
impl From<Option<Vec<u8>>> for Arg {
    fn from(v: Option<Vec<u8>>) -> Arg {
        Arg::OptBytes(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::OptText(v.map(str::to_string))
    }
}

/// A type a row of either backend decodes into.
pub(crate) trait FromBoth: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}
impl<T> FromBoth for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}

/// Where a query runs: a pool (each query takes a connection) or an open transaction.
pub(crate) enum On<'c> {
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c Db> for On<'c> {
    fn from(db: &'c Db) -> On<'c> {
        match db {
            Db::Sqlite(p) => On::SqlitePool(p),
            Db::Postgres(p) => On::PgPool(p),
        }
    }
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> On<'c> {
        match tx {
            Tx::Sqlite(t) => On::Sqlite(t),
            Tx::Postgres(t) => On::Postgres(t),
        }
    }
}

/// A query and its arguments.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it runs"]
pub(crate) struct Sql {
    text: SqlStr,
    args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(text: &'static str) -> Sql {
        Sql { text: text.into_sql_str(), args: Vec::new() }
    }

    /// A statement put together at run time. Only for text the store makes itself (column
    /// lists, placeholders, numbers it produced): input always goes in as an argument.
    pub(crate) fn built(text: String) -> Sql {
        Sql { text: AssertSqlSafe(text).into_sql_str(), args: Vec::new() }
    }

    /// Bind the next parameter (`$1`, `$2`, ... in order).
    pub(crate) fn bind(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self
    }

    /// Run a statement; the number of rows it changed.
    pub(crate) async fn execute<'c>(self, on: impl Into<On<'c>>) -> Result<u64> {
        let Sql { text, args } = self;
        let done = match on.into() {
            On::SqlitePool(p) => sqlx::query_with(text, sqlite_args(args)?).execute(p).await?.rows_affected(),
            On::Sqlite(c) => sqlx::query_with(text, sqlite_args(args)?).execute(c).await?.rows_affected(),
            On::PgPool(p) => sqlx::query_with(text, pg_args(args)?).execute(p).await?.rows_affected(),
            On::Postgres(c) => sqlx::query_with(text, pg_args(args)?).execute(c).await?.rows_affected(),
        };
        Ok(done)
    }

    /// Every row.
    pub(crate) async fn fetch_all<'c, T: FromBoth>(self, on: impl Into<On<'c>>) -> Result<Vec<T>> {
        let Sql { text, args } = self;
        Ok(match on.into() {
            On::SqlitePool(p) => sqlx::query_as_with(text, sqlite_args(args)?).fetch_all(p).await?,
            On::Sqlite(c) => sqlx::query_as_with(text, sqlite_args(args)?).fetch_all(c).await?,
            On::PgPool(p) => sqlx::query_as_with(text, pg_args(args)?).fetch_all(p).await?,
            On::Postgres(c) => sqlx::query_as_with(text, pg_args(args)?).fetch_all(c).await?,
        })
    }

    /// The first row, if any.
    pub(crate) async fn fetch_optional<'c, T: FromBoth>(self, on: impl Into<On<'c>>) -> Result<Option<T>> {
        let Sql { text, args } = self;
        Ok(match on.into() {
            On::SqlitePool(p) => sqlx::query_as_with(text, sqlite_args(args)?).fetch_optional(p).await?,
            On::Sqlite(c) => sqlx::query_as_with(text, sqlite_args(args)?).fetch_optional(c).await?,
            On::PgPool(p) => sqlx::query_as_with(text, pg_args(args)?).fetch_optional(p).await?,
            On::Postgres(c) => sqlx::query_as_with(text, pg_args(args)?).fetch_optional(c).await?,
        })
    }

    /// The first row; none is an error (`RowNotFound`).
    pub(crate) async fn fetch_one<'c, T: FromBoth>(self, on: impl Into<On<'c>>) -> Result<T> {
        self.fetch_optional(on).await?.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// The first column of the first row.
    pub(crate) async fn scalar<'c, T>(self, on: impl Into<On<'c>>) -> Result<T>
    where
        (T,): FromBoth,
    {
        Ok(self.fetch_one::<(T,)>(on).await?.0)
    }

    /// The first column of the first row, if there is a row.
    pub(crate) async fn scalar_optional<'c, T>(self, on: impl Into<On<'c>>) -> Result<Option<T>>
    where
        (T,): FromBoth,
    {
        Ok(self.fetch_optional::<(T,)>(on).await?.map(|r| r.0))
    }

    /// The first column of every row.
    pub(crate) async fn scalars<'c, T>(self, on: impl Into<On<'c>>) -> Result<Vec<T>>
    where
        (T,): FromBoth,
    {
        Ok(self.fetch_all::<(T,)>(on).await?.into_iter().map(|r| r.0).collect())
    }
}

fn encode(e: sqlx::error::BoxDynError) -> StoreError {
    StoreError::Db(sqlx::Error::Encode(e))
}

/// The arguments of a statement for one backend. Options encode when their value type does.
fn bind_all<DB: Database>(args: Vec<Arg>) -> Result<<DB as Database>::Arguments>
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> i32: Encode<'t, DB> + Type<DB>,
    for<'t> i16: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Vec<u8>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB>,
    for<'t> Option<i32>: Encode<'t, DB>,
    for<'t> Option<String>: Encode<'t, DB>,
    for<'t> Option<Vec<u8>>: Encode<'t, DB>,
{
    let mut a = <DB as Database>::Arguments::default();
    for v in args {
        match v {
            Arg::I64(x) => a.add(x),
            Arg::I32(x) => a.add(x),
            Arg::I16(x) => a.add(x),
            Arg::Bool(x) => a.add(x),
            Arg::Text(x) => a.add(x),
            Arg::Bytes(x) => a.add(x),
            Arg::OptI64(x) => a.add(x),
            Arg::OptI32(x) => a.add(x),
            Arg::OptText(x) => a.add(x),
            Arg::OptBytes(x) => a.add(x),
        }
        .map_err(encode)?;
    }
    Ok(a)
}

fn sqlite_args(args: Vec<Arg>) -> Result<SqliteArguments> {
    bind_all::<sqlx::Sqlite>(args)
}

fn pg_args(args: Vec<Arg>) -> Result<PgArguments> {
    bind_all::<sqlx::Postgres>(args)
}

/// `$first, ..., $first+n-1`: the placeholders of an `IN (...)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('$');
        s.push_str(&(first + i).to_string());
    }
    s
}
