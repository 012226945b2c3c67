//! The store: one type, two backends, every method body and query written once.
//!
//! - SQLite, the embedded default: one file, `DIR/lantu.db`, nothing to install.
//! - PostGIS: the system of record for deployments and several replicas.
//!
//! Each concept keeps its SQL next to its model (`sites/store.rs`, `units/store.rs`,
//! `network/store.rs`, `auth/store.rs`) as `impl Store` blocks. Statements run on a [`Conn`]
//! (a pooled connection, or a transaction from [`Store::begin`]) with their [`Value`]s; the
//! few places where the dialects differ are spelled in PostGIS and rewritten for SQLite by
//! [`Dialect::sql`]. Every write appends to the change log ([`changes`]) in its own
//! transaction, and a versioned table's rows and history are written by [`Versioned`].
//!
//! Reads are served from memory (see [`crate::catalog`]); the store is read in full at start-up,
//! then one record at a time as changes arrive.

pub mod audit;
pub mod changes;
mod conn;
mod error;
pub mod fault;
mod open;
pub(crate) mod rows;

use std::borrow::Cow;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use tokio::sync::Mutex;

pub use conn::{Columns, Conn, FromRows, Record, Value, Versioned};
pub(crate) use conn::{WriteScope, vals};
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

impl SqliteDb {
    /// Waits for the writer's turn and takes a connection for one transaction.
    async fn write(&self) -> sqlx::Result<WriteScope<'_>> {
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

impl Store {
    /// A pooled connection for a few reads.
    pub async fn read(&self) -> StoreResult<Conn<'_>> {
        Ok(match &self.db {
            Db::Sqlite(db) => Conn::sqlite_read(db.pool.acquire().await?),
            Db::Postgres(pool) => Conn::postgres_read(pool.acquire().await?),
        })
    }

    /// A transaction: nothing in it is stored until [`Conn::commit`]; dropped, it rolls back.
    pub async fn begin(&self) -> StoreResult<Conn<'_>> {
        Ok(match &self.db {
            Db::Sqlite(db) => Conn::sqlite_write(db.write().await?).await?,
            Db::Postgres(pool) => Conn::postgres_write(pool.begin().await?),
        })
    }

    /// Every row of one query.
    pub async fn fetch_all<R: FromRows>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Vec<R>> {
        self.read().await?.fetch_all(sql, values).await
    }

    /// The row of one query, if any.
    pub async fn fetch_optional<R: FromRows>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Option<R>> {
        self.read().await?.fetch_optional(sql, values).await
    }

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
        self.read().await?.execute("SELECT 1", vec![]).await?;
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
}
