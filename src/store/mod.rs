//! The store: one type, two backends, every method body and query written once.
//!
//! - SQLite, the embedded default: one file, `DIR/lantu.db`, nothing to install.
//! - PostGIS: the system of record for deployments and several replicas.
//!
//! Each concept keeps its SQL next to its model (`sites/store.rs`, `units/store.rs`,
//! `network/store.rs`, `auth/store.rs`) as `impl Store` blocks. A method's body runs inside
//! [`in_tx!`] or [`on_pool!`], which compile it once per backend; the few places where the
//! dialects differ are spelled in PostGIS and rewritten for SQLite by [`Dialect::sql`]. Every
//! write appends to the change log ([`changes`]) in its own transaction, and a versioned
//! table's history rows are written by [`Versioned`].
//!
//! Reads are served from memory (see [`crate::catalog`]); the store is read in full at start-up,
//! then one record at a time as changes arrive.

pub mod changes;
mod error;
pub mod fault;
mod open;
pub(crate) mod rows;

use std::borrow::Cow;

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use tokio::sync::{Mutex, MutexGuard};

pub use error::StoreError;
pub use open::{Storage, open, redact_password};

/// A store result.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server keeps: the system of record.
pub struct Store {
    pub(crate) db: Db,
    name: String,
}

/// The backend under a [`Store`].
pub(crate) enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// SQLite with its one writer.
pub(crate) struct SqliteDb {
    pub(crate) pool: SqlitePool,
    writer: Mutex<()>,
}

/// The one writer's connection for one transaction. Unless the transaction committed (`done`),
/// the connection is closed rather than returned to the pool: after a failed COMMIT (a full
/// disk) SQLite may still hold the transaction open, or have rolled it back behind sqlx's
/// back, and a connection reused in that state turns later "transactions" into savepoints of
/// one that is finally rolled back: writes acknowledged, then lost.
pub(crate) struct WriteScope<'a> {
    pub(crate) conn: PoolConnection<Sqlite>,
    pub(crate) done: bool,
    _writer: MutexGuard<'a, ()>,
}

impl Drop for WriteScope<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.close_on_drop();
        }
    }
}

impl SqliteDb {
    /// Waits for the writer's turn and takes a connection for one transaction.
    pub(crate) async fn write(&self) -> sqlx::Result<WriteScope<'_>> {
        let writer = self.writer.lock().await;
        Ok(WriteScope {
            conn: self.pool.acquire().await?,
            done: false,
            _writer: writer,
        })
    }
}

/// Where the SQL of the two backends differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: geometry is WKB in a BLOB, one writer, no row locks.
    Sqlite,
    /// PostGIS: typed geometry, row locks, an advisory lock orders the change log.
    Postgres,
}

impl Dialect {
    /// `text`, written for PostGIS, for this backend. For SQLite, `ST_GeomFromWKB(x, 4326)` and
    /// `ST_AsBinary(x)` become `x` (geometry is stored as WKB) and `FOR UPDATE` goes (one writer
    /// holds the whole file). Everything else (`$n` placeholders, `RETURNING`, `ON CONFLICT`,
    /// `TRUE`/`FALSE`) both accept as written.
    pub fn sql(self, text: &str) -> Cow<'_, str> {
        if self == Self::Postgres {
            return Cow::Borrowed(text);
        }
        let mut out = unwrap_calls(text, "ST_AsBinary(", "");
        out = unwrap_calls(&out, "ST_GeomFromWKB(", ", 4326");
        Cow::Owned(out.replace(" FOR UPDATE", ""))
    }
}

/// `text` with every `call…)` replaced by its argument less `suffix` (arguments hold no
/// parentheses: they are placeholders or column names).
fn unwrap_calls(text: &str, call: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(call) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + call.len()..];
        let end = inner.find(')').unwrap_or(inner.len());
        out.push_str(inner[..end].strip_suffix(suffix).unwrap_or(&inner[..end]));
        rest = inner.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Runs `$body` in one transaction, bound to `$tx`, with the backend's [`Dialect`] as `$d`.
/// The body is written once and compiled for each backend; `?` in it rolls back. Commits when
/// the body completes.
#[macro_export]
#[doc(hidden)]
macro_rules! in_tx {
    ($store:expr, |$tx:ident, $d:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite(db) => {
                let mut scope = db.write().await?;
                let mut $tx = sqlx::Connection::begin(&mut *scope.conn).await?;
                let $d = $crate::store::Dialect::Sqlite;
                let out = $body;
                $tx.commit().await?;
                scope.done = true;
                out
            }
            $crate::store::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let $d = $crate::store::Dialect::Postgres;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Runs `$body` with the backend's pool as `$pool` (an executor for single statements) and its
/// [`Dialect`] as `$d`; written once, compiled for each backend.
#[macro_export]
#[doc(hidden)]
macro_rules! on_pool {
    ($store:expr, |$pool:ident, $d:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite(db) => {
                let $pool = &db.pool;
                let $d = $crate::store::Dialect::Sqlite;
                $body
            }
            $crate::store::Db::Postgres(pg) => {
                let $pool = pg;
                let $d = $crate::store::Dialect::Postgres;
                $body
            }
        }
    };
}

/// One query on the pool, its rows converted: `fetch!(self, all, Row::into, SQL, binds…)` for
/// every row, `fetch!(self, optional, …)` for at most one. The SQL is written for PostGIS and
/// passed through [`Dialect::sql`].
#[macro_export]
#[doc(hidden)]
macro_rules! fetch {
    ($store:expr, all, $into:path, $sql:expr $(, $bind:expr)*) => {{
        let rows = $crate::store::on_pool!($store, |pool, d| {
            sqlx::query_as(&d.sql($sql))$(.bind($bind))*.fetch_all(pool).await?
        });
        $crate::store::rows::decode(rows, $into)
    }};
    ($store:expr, optional, $into:path, $sql:expr $(, $bind:expr)*) => {{
        let row = $crate::store::on_pool!($store, |pool, d| {
            sqlx::query_as(&d.sql($sql))$(.bind($bind))*.fetch_optional(pool).await?
        });
        Ok(row.map($into).transpose()?)
    }};
}

pub(crate) use {fetch, in_tx, on_pool};

/// A table whose every write also appends the written row to its history table, in the same
/// transaction: the current row is copied, so the history can never disagree with it.
pub struct Versioned {
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
    /// Whether the history keeps the edit's message (bound as `$3`).
    pub message: bool,
}

impl Versioned {
    /// The statement appending row `$2`'s current content as a version, its change `$1`.
    pub fn copy_sql(&self) -> String {
        let Self {
            table,
            history,
            key,
            history_key,
            columns,
            message,
        } = self;
        let (message_column, message_value) = if *message {
            (", message", ", $3")
        } else {
            ("", "")
        };
        format!(
            "INSERT INTO {history} ({history_key}, version, change, {columns}, author, at{message_column})
             SELECT {key}, version, $1, {columns}, updated_by, updated_at{message_value} FROM {table} WHERE {key} = $2"
        )
    }
}

impl Store {
    /// `sqlite` or `postgis`, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgis",
        }
    }

    /// This store's connections' name (`lantu-PID-N`; PostgreSQL's `application_name`), to
    /// tell an operator (or a test) which connections are whose.
    pub fn connection_name(&self) -> &str {
        &self.name
    }

    /// The PostGIS pool, for the change follower's listener.
    pub(crate) fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.db {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite(_) => None,
        }
    }

    /// Whether the store answers a trivial query now (readiness).
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, |pool, _d| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Flushes and closes connections; called once at shutdown.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(db) => {
                // Fold the WAL into the database file. Failing (a full disk) loses nothing:
                // every committed transaction is synced in the WAL and replayed at the next open.
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&db.pool)
                    .await
                {
                    tracing::warn!(error = %e, "the final WAL checkpoint failed; the WAL is replayed at the next start");
                }
                db.pool.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_dialect_stores_wkb_as_it_comes_and_takes_no_row_locks() {
        let pg = "SELECT id, ST_AsBinary(geom) AS geom FROM sites WHERE id = $1 FOR UPDATE; \
                  UPDATE sites SET geom = ST_GeomFromWKB($2, 4326) WHERE id = $1";
        assert_eq!(Dialect::Postgres.sql(pg), pg);
        assert_eq!(
            Dialect::Sqlite.sql(pg),
            "SELECT id, geom AS geom FROM sites WHERE id = $1; \
             UPDATE sites SET geom = $2 WHERE id = $1"
        );
    }

    #[test]
    fn a_versioned_table_copies_its_current_row_with_the_change_and_message() {
        let sql = Versioned {
            table: "sites",
            history: "site_versions",
            key: "id",
            history_key: "site_id",
            columns: "name, geom",
            message: true,
        }
        .copy_sql();
        assert!(sql.contains("INSERT INTO site_versions (site_id, version, change, name, geom, author, at, message)"), "{sql}");
        assert!(sql.contains("SELECT id, version, $1, name, geom, updated_by, updated_at, $3 FROM sites WHERE id = $2"), "{sql}");
    }
}
