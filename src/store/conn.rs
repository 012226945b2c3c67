//! Statements written once for both backends: a [`Conn`] (a pooled connection, or a
//! transaction) runs SQL spelled for PostGIS with its placeholders' [`Value`]s, rewriting it
//! for SQLite ([`Dialect::sql`]); [`Versioned`] writes any versioned table from its columns.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Postgres, Sqlite};
use tokio::sync::MutexGuard;

use super::changes::{Collection, Logged};
use super::{Dialect, StoreError, StoreResult};
use crate::version::{Change, Edit};

/// A value for one placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, or NULL.
    Text(Option<String>),
    /// An integer, or NULL.
    Int(Option<i64>),
    /// A float, or NULL.
    Real(Option<f64>),
    /// A boolean.
    Bool(bool),
    /// A time, or NULL.
    Time(Option<DateTime<Utc>>),
    /// A calendar day, or NULL.
    Date(Option<NaiveDate>),
    /// Bytes.
    Bytes(Vec<u8>),
    /// WKB geometry, or NULL: [`Versioned`]'s statements place it as `ST_GeomFromWKB($n, 4326)`.
    Geometry(Option<Vec<u8>>),
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Value { fn from($v: $t) -> Self { $e } })*
    };
}

value_from! {
    &str => |v| Self::Text(Some(v.to_owned())),
    &String => |v| Self::Text(Some(v.clone())),
    &Option<String> => |v| Self::Text(v.clone()),
    Option<String> => |v| Self::Text(v),
    String => |v| Self::Text(Some(v)),
    Option<&str> => |v| Self::Text(v.map(str::to_owned)),
    i64 => |v| Self::Int(Some(v)),
    Option<i64> => |v| Self::Int(v),
    f64 => |v| Self::Real(Some(v)),
    bool => |v| Self::Bool(v),
    DateTime<Utc> => |v| Self::Time(Some(v)),
    Option<DateTime<Utc>> => |v| Self::Time(v),
    NaiveDate => |v| Self::Date(Some(v)),
    Option<NaiveDate> => |v| Self::Date(v),
    Option<f64> => |v| Self::Real(v),
    Vec<u8> => |v| Self::Bytes(v),
}

impl Value {
    /// The key as the change log spells it.
    pub fn key_text(&self) -> String {
        match self {
            Self::Text(Some(s)) => s.clone(),
            Self::Int(Some(i)) => i.to_string(),
            other => format!("{other:?}"),
        }
    }
}

/// `[Value::from(a), Value::from(b), …]`: a statement's placeholder values in order.
macro_rules! vals {
    ($($v:expr),* $(,)?) => { vec![$($crate::store::Value::from($v)),*] };
}
pub(crate) use vals;

/// Binds every value to `$query`, for whichever backend `$query` is.
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
                Value::Time(v) => query.bind(v),
                Value::Date(v) => query.bind(v),
                Value::Bytes(v) => query.bind(v),
                Value::Geometry(v) => query.bind(v),
            };
        }
        query
    }};
}

/// A row type both backends can decode.
pub trait FromRows:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromRows for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A connection for a few statements: pooled for reads, or one transaction that commits
/// only through [`Conn::commit`].
pub struct Conn<'a>(Kind<'a>);

enum Kind<'a> {
    SqliteRead(PoolConnection<Sqlite>),
    SqliteWrite(WriteScope<'a>),
    PostgresRead(PoolConnection<Postgres>),
    PostgresWrite(sqlx::Transaction<'static, Postgres>),
}

/// SQLite's one writer, in a transaction. Unless it committed (`done`), the connection is
/// closed rather than returned to the pool, which rolls the transaction back; after a failed
/// COMMIT (a full disk) SQLite may still hold the transaction open, or have rolled it back
/// behind sqlx's back, and a connection reused in that state turns later transactions into
/// savepoints of one that is finally rolled back: writes acknowledged, then lost.
pub(crate) struct WriteScope<'a> {
    pub(crate) conn: PoolConnection<Sqlite>,
    pub(crate) done: bool,
    pub(crate) _writer: MutexGuard<'a, ()>,
}

impl Drop for WriteScope<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.close_on_drop();
        }
    }
}

/// Runs `$body` with `$c` the connection under `$conn`, whichever backend it is.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match &mut $conn.0 {
            Kind::SqliteRead(c) => {
                let $c = &mut **c;
                $body
            }
            Kind::SqliteWrite(s) => {
                let $c = &mut *s.conn;
                $body
            }
            Kind::PostgresRead(c) => {
                let $c = &mut **c;
                $body
            }
            Kind::PostgresWrite(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl<'a> Conn<'a> {
    pub(crate) fn sqlite_read(conn: PoolConnection<Sqlite>) -> Self {
        Self(Kind::SqliteRead(conn))
    }

    /// Takes the writer and begins `IMMEDIATE`: the file's write lock is held from the start,
    /// so a transaction never fails half-way on another process's lock.
    pub(crate) async fn sqlite_write(mut scope: WriteScope<'a>) -> StoreResult<Self> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *scope.conn)
            .await?;
        Ok(Self(Kind::SqliteWrite(scope)))
    }

    pub(crate) fn postgres_read(conn: PoolConnection<Postgres>) -> Self {
        Self(Kind::PostgresRead(conn))
    }

    pub(crate) fn postgres_write(tx: sqlx::Transaction<'static, Postgres>) -> Self {
        Self(Kind::PostgresWrite(tx))
    }

    /// The backend's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.0 {
            Kind::SqliteRead(_) | Kind::SqliteWrite(_) => Dialect::Sqlite,
            Kind::PostgresRead(_) | Kind::PostgresWrite(_) => Dialect::Postgres,
        }
    }

    /// Commits a transaction (a pooled read has nothing to commit).
    pub async fn commit(self) -> StoreResult<()> {
        match self.0 {
            Kind::SqliteWrite(mut scope) => {
                sqlx::query("COMMIT").execute(&mut *scope.conn).await?;
                scope.done = true;
            }
            Kind::PostgresWrite(tx) => tx.commit().await?,
            Kind::SqliteRead(_) | Kind::PostgresRead(_) => {}
        }
        Ok(())
    }

    /// Runs `sql`; how many rows it changed.
    pub async fn execute(&mut self, sql: &str, values: Vec<Value>) -> StoreResult<u64> {
        let sql = self.dialect().sql(sql);
        Ok(on_conn!(self, |c| bind_values!(sqlx::query(&sql), values)
            .execute(c)
            .await?
            .rows_affected()))
    }

    /// Every row `sql` returns.
    pub async fn fetch_all<R: FromRows>(
        &mut self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Vec<R>> {
        let sql = self.dialect().sql(sql);
        Ok(on_conn!(self, |c| bind_values!(
            sqlx::query_as(&sql),
            values
        )
        .fetch_all(c)
        .await?))
    }

    /// The row `sql` returns, if any (it returns at most one).
    pub async fn fetch_optional<R: FromRows>(
        &mut self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Option<R>> {
        Ok(self.fetch_all(sql, values).await?.into_iter().next())
    }

    /// The one row `sql` returns.
    pub async fn fetch_one<R: FromRows>(
        &mut self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<R> {
        self.fetch_optional(sql, values)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Appends `note`, made at `at` by `author`, to the change log. On PostGIS it first takes
    /// the log's advisory lock (see [`super::changes`]): call it last in a transaction.
    pub async fn log(&mut self, note: Logged, at: DateTime<Utc>, author: &str) -> StoreResult<()> {
        if self.dialect() == Dialect::Postgres {
            self.execute(super::changes::ORDER_POSTGRES, vec![]).await?;
        }
        let values = vals![
            note.collection.as_str(),
            &note.key,
            note.version,
            note.operation.as_str(),
            at,
            author
        ];
        self.execute(super::changes::APPEND, values).await?;
        Ok(())
    }
}

/// A row of a versioned table: its key and version, for its history and the change log.
pub trait Record: FromRows {
    /// The key, as bound.
    fn key(&self) -> Value;
    /// The version it is at.
    fn version(&self) -> i64;
    /// Its content as the audit log keeps it.
    fn to_json(&self) -> serde_json::Value;
}

/// Placeholder values by column.
pub type Columns = Vec<(&'static str, Value)>;

/// A table whose every write appends the written row to its history table in the same
/// transaction (the current row is copied, so the history cannot disagree with it) and one
/// entry to the change log.
pub struct Versioned {
    /// The change log's name for it.
    pub collection: Collection,
    /// The current rows.
    pub table: &'static str,
    /// The history.
    pub history: &'static str,
    /// The key column in `table`.
    pub key: &'static str,
    /// The same key's column in `history`.
    pub history_key: &'static str,
    /// The content columns both tables share.
    pub columns: &'static str,
    /// What a write returns (`RETURNING …`).
    pub returning: &'static str,
    /// Whether the history keeps the edit's message.
    pub message: bool,
    /// Whether a delete keeps the row as a tombstone (`deleted = TRUE`) rather than removing it.
    pub tombstones: bool,
}

/// `$n` for value `v`, geometry read from WKB.
fn placeholder(n: usize, v: &Value) -> String {
    match v {
        Value::Geometry(_) => format!("ST_GeomFromWKB(${n}, 4326)"),
        _ => format!("${n}"),
    }
}

impl Versioned {
    /// The statement appending row `$2`'s current content as a version, its change `$1`
    /// (and message `$3`).
    pub fn copy_sql(&self) -> String {
        let (table, history, key) = (self.table, self.history, self.key);
        let (history_key, columns) = (self.history_key, self.columns);
        let (message_column, message_value) = if self.message {
            (", message", ", $3")
        } else {
            ("", "")
        };
        format!(
            "INSERT INTO {history} ({history_key}, version, change, {columns}, author, at{message_column})
             SELECT {key}, version, $1, {columns}, updated_by, updated_at{message_value} FROM {table} WHERE {key} = $2"
        )
    }

    /// The `INSERT` of `columns` at version 1.
    fn insert_sql(&self, columns: &Columns) -> String {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let places: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, v))| placeholder(i + 1, v))
            .collect();
        format!(
            "INSERT INTO {} ({}, version) VALUES ({}, 1) RETURNING {}",
            self.table,
            names.join(", "),
            places.join(", "),
            self.returning
        )
    }

    /// The compare-and-swap `UPDATE` of `columns`, the key and the expected version bound last.
    fn update_sql(&self, columns: &Columns) -> String {
        let sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (c, v))| format!("{c} = {}", placeholder(i + 1, v)))
            .collect();
        let n = columns.len();
        format!(
            "UPDATE {} SET {}, version = version + 1 WHERE {} = ${} AND version = ${}{} RETURNING {}",
            self.table,
            sets.join(", "),
            self.key,
            n + 1,
            n + 2,
            self.live(),
            self.returning
        )
    }

    fn live(&self) -> &'static str {
        if self.tombstones {
            " AND deleted = FALSE"
        } else {
            ""
        }
    }
}

/// `columns` with the edit's stamp.
fn stamped(mut columns: Columns, edit: &Edit, at: DateTime<Utc>) -> Columns {
    columns.push(("updated_at", at.into()));
    columns.push(("updated_by", (&edit.author).into()));
    columns
}

impl Conn<'_> {
    /// Inserts a record at version 1 with its first version; log it with [`Conn::log_write`].
    pub async fn insert_versioned<R: Record>(
        &mut self,
        spec: &Versioned,
        columns: Columns,
        edit: &Edit,
        at: DateTime<Utc>,
    ) -> StoreResult<R> {
        let columns = stamped(columns, edit, at);
        let sql = spec.insert_sql(&columns);
        let row: R = self
            .fetch_one(&sql, columns.into_iter().map(|(_, v)| v).collect())
            .await?;
        self.copy_version(spec, Change::Create, row.key(), edit)
            .await?;
        let key = row.key().key_text();
        let record = (spec.collection.as_str(), key.as_str());
        self.audit(edit, "create", record, None, Some(row.to_json()), at)
            .await?;
        Ok(row)
    }

    /// Writes `columns` to record `key` if it is still at version `expected`
    /// (compare-and-swap), with a version row; `change` says how (a `Delete` keeps a tombstone,
    /// or removes the row after its last version is kept). Log it with [`Conn::log_write`].
    #[allow(clippy::too_many_arguments)]
    pub async fn update_versioned<R: Record>(
        &mut self,
        spec: &Versioned,
        key: Value,
        expected: i64,
        change: Change,
        mut columns: Columns,
        edit: &Edit,
        at: DateTime<Utc>,
    ) -> StoreResult<R> {
        if spec.tombstones {
            columns.push(("deleted", (change == Change::Delete).into()));
        }
        let columns = stamped(columns, edit, at);
        let sql = spec.update_sql(&columns);
        let current = format!(
            "SELECT {} FROM {} WHERE {} = $1 AND version = $2{} FOR UPDATE",
            spec.returning,
            spec.table,
            spec.key,
            spec.live()
        );
        let before: Option<R> = self
            .fetch_optional(&current, vec![key.clone(), expected.into()])
            .await?;
        let mut values: Vec<Value> = columns.into_iter().map(|(_, v)| v).collect();
        values.extend([key.clone(), expected.into()]);
        let Some(row) = self.fetch_optional::<R>(&sql, values).await? else {
            let sql = format!(
                "SELECT version FROM {} WHERE {} = $1{}",
                spec.table,
                spec.key,
                spec.live()
            );
            let current: Option<(i64,)> = self.fetch_optional(&sql, vec![key]).await?;
            return Err(
                current.map_or(StoreError::NotFound, |(current,)| StoreError::Stale {
                    current,
                }),
            );
        };
        self.copy_version(spec, change, row.key(), edit).await?;
        let removed = change == Change::Delete && !spec.tombstones;
        let key_text = row.key().key_text();
        let record = (spec.collection.as_str(), key_text.as_str());
        let after = (!removed).then(|| row.to_json());
        let before = before.map(|b| b.to_json());
        self.audit(edit, change.as_str(), record, before, after, at)
            .await?;
        if removed {
            let sql = format!("DELETE FROM {} WHERE {} = $1", spec.table, spec.key);
            self.execute(&sql, vec![row.key()]).await?;
        }
        Ok(row)
    }

    async fn copy_version(
        &mut self,
        spec: &Versioned,
        change: Change,
        key: Value,
        edit: &Edit,
    ) -> StoreResult<()> {
        let mut values = vals![change.as_str()];
        values.push(key);
        if spec.message {
            values.push((&edit.message).into());
        }
        self.execute(&spec.copy_sql(), values).await?;
        Ok(())
    }

    /// Logs `row`'s write (`change`) to `spec`'s collection.
    pub async fn log_write(
        &mut self,
        spec: &Versioned,
        row: &impl Record,
        change: Change,
        edit: &Edit,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let note = Logged::write(spec.collection, row.key().key_text(), row.version(), change);
        self.log(note, at, &edit.author).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Versioned = Versioned {
        collection: Collection::Sites,
        table: "sites",
        history: "site_versions",
        key: "id",
        history_key: "site_id",
        columns: "name, geom",
        returning: "id, version",
        message: true,
        tombstones: true,
    };

    #[test]
    fn a_versioned_write_places_geometry_from_wkb_and_checks_the_version_of_a_live_row() {
        let columns: Columns = vec![("name", "a".into()), ("geom", Value::Geometry(None))];
        assert_eq!(
            SPEC.insert_sql(&columns),
            "INSERT INTO sites (name, geom, version) VALUES ($1, ST_GeomFromWKB($2, 4326), 1) \
             RETURNING id, version"
        );
        assert_eq!(
            SPEC.update_sql(&columns),
            "UPDATE sites SET name = $1, geom = ST_GeomFromWKB($2, 4326), version = version + 1 \
             WHERE id = $3 AND version = $4 AND deleted = FALSE RETURNING id, version"
        );
    }

    #[test]
    fn a_version_copies_the_current_row_with_its_change_and_message() {
        let sql = SPEC.copy_sql();
        assert!(
            sql.contains("INSERT INTO site_versions (site_id, version, change, name, geom, author, at, message)"),
            "{sql}"
        );
        assert!(
            sql.contains("SELECT id, version, $1, name, geom, updated_by, updated_at, $3 FROM sites WHERE id = $2"),
            "{sql}"
        );
    }
}
