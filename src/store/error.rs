//! What a store operation can fail with, typed so that the HTTP layer answers each rightly:
//! a missing record 404, a stale version 412, a duplicate 409, a broken rule 422, a passing
//! fault (disk full, connection lost) 503, anything else 500.

use sqlx::error::{DatabaseError, ErrorKind};

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record (or it was deleted).
    #[error("no such record")]
    NotFound,
    /// The record moved on since the version the caller named.
    #[error("the record is at version {current}")]
    Stale {
        /// The version stored now.
        current: i64,
    },
    /// A record with the same key exists already (a unique constraint).
    #[error("{0}")]
    Conflict(String),
    /// The data breaks one of the store's rules (a check or a reference).
    #[error("{0}")]
    Invalid(String),
    /// The database failed (see [`crate::store::fault`] for which failures pass).
    #[error("the store failed")]
    Database(#[source] sqlx::Error),
    /// Stored data could not be read back (a bug or a hand-edited database).
    #[error(transparent)]
    Corrupt(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let sqlx::Error::Database(db) = &err else {
            return Self::Database(err);
        };
        let what = describe(db.as_ref());
        match db.kind() {
            ErrorKind::UniqueViolation => Self::Conflict(what),
            ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => Self::Invalid(what),
            _ => Self::Database(err),
        }
    }
}

/// The database's own words, with the constraint when it names one.
fn describe(db: &dyn DatabaseError) -> String {
    match db.constraint() {
        Some(constraint) => format!("{} (constraint {constraint})", db.message()),
        None => db.message().to_string(),
    }
}

impl StoreError {
    /// The error as `anyhow`, keeping the sqlx error in the chain (for [`crate::store::fault`]).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::Database(e) => anyhow::Error::from(e),
            Self::Corrupt(e) => e,
            other => anyhow::Error::from(other),
        }
    }
}
