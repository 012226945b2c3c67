//! Which store failures pass by themselves: a full disk, a read-only file system, a lost or
//! saturated connection. They are answered 503 with `Retry-After` (the write changed nothing),
//! while everything else stays an internal error.

use sqlx::error::DatabaseError;

/// SQLite primary result codes that describe the machine, not the request
/// (<https://www.sqlite.org/rescode.html>): BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN,
/// PROTOCOL.
const SQLITE_TRANSIENT: &[(i64, &str)] = &[
    (5, "the database is locked by another writer"),
    (6, "the database is locked by another writer"),
    (7, "the server is out of memory"),
    (8, "the database file is read-only"),
    (10, "the disk could not be read or written"),
    (13, "the disk is full"),
    (14, "the database file cannot be opened"),
    (15, "the database is locked by another writer"),
];

/// PostgreSQL SQLSTATE classes and codes that pass (Appendix A of the PostgreSQL manual):
/// connection exceptions, insufficient resources, operator intervention, read-only transactions.
fn postgres_transient(code: &str) -> Option<&'static str> {
    match code {
        "25006" => Some("the database is read-only (a standby, or in recovery)"),
        c if c.starts_with("08") => Some("the connection to PostGIS was lost"),
        c if c.starts_with("53") => Some("PostGIS is out of disk, memory or connections"),
        c if c.starts_with("57P") => Some("PostGIS is shutting down or restarting"),
        _ => None,
    }
}

fn database(err: &dyn DatabaseError) -> Option<&'static str> {
    let code = err.code()?;
    if err
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        sqlite_transient(code.parse().ok()?)
    } else {
        postgres_transient(&code)
    }
}

/// SQLite reports its extended result code; the primary code is its low byte.
fn sqlite_transient(code: i64) -> Option<&'static str> {
    SQLITE_TRANSIENT
        .iter()
        .find(|(c, _)| *c == code & 0xff)
        .map(|(_, what)| *what)
}

/// The sentence for a 503 when `err` is a passing store fault, `None` otherwise.
pub fn transient(err: &anyhow::Error) -> Option<String> {
    let what = err.chain().find_map(|cause| {
        let sqlx = cause.downcast_ref::<sqlx::Error>()?;
        match sqlx {
            sqlx::Error::Database(db) => database(db.as_ref()),
            sqlx::Error::Io(_) => Some("the store could not be reached"),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                Some("every store connection is busy or the store is closing")
            }
            sqlx::Error::WorkerCrashed => Some("the store's worker stopped"),
            _ => None,
        }
    })?;
    Some(format!(
        "{what}; nothing was changed. Try again shortly; an operator should check the server's disk and store (see its log)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disk_full_code_is_transient_and_a_constraint_is_not() {
        assert_eq!(sqlite_transient(13), Some("the disk is full"));
        assert_eq!(
            sqlite_transient(778), // SQLITE_IOERR_WRITE
            Some("the disk could not be read or written")
        );
        assert_eq!(sqlite_transient(2067), None); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(
            postgres_transient("08006"),
            Some("the connection to PostGIS was lost")
        );
        assert_eq!(postgres_transient("23505"), None); // unique_violation
    }
}
