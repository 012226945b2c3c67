//! The storage seam: one trait per concept, two backends that pass the same test suite.
//!
//! - [`sqlite::SqliteStore`], the embedded default: one file, `DIR/lantu.db`, nothing to install.
//! - [`postgres::PgStore`], PostGIS: the system of record for deployments and several replicas.
//!
//! Reads are served from memory (see [`crate::catalog`]); the stores are read in full at start-up
//! and written through on every edit.

pub mod fault;
pub mod postgres;
mod rows;
pub mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::auth::TokenStore;
use crate::network::store::NetworkStore;
use crate::sites::SiteStore;
use crate::units::UnitStore;

/// Everything the server keeps.
#[async_trait]
pub trait Store: UnitStore + SiteStore + TokenStore + NetworkStore {
    /// `sqlite` or `postgis`, for logs and `/healthz`.
    fn backend(&self) -> &'static str;
    /// Whether the store answers a trivial query now (readiness).
    async fn ping(&self) -> anyhow::Result<()>;
    /// Flushes and closes connections; called once at shutdown.
    async fn close(&self);
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Storage {
    /// The embedded SQLite file `DIR/lantu.db`.
    Sqlite {
        /// The data folder.
        dir: PathBuf,
    },
    /// A PostgreSQL database with PostGIS.
    Postgres {
        /// `postgres://user:password@host:port/db`.
        url: String,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { dir } => write!(f, "SQLite file {}", dir.join("lantu.db").display()),
            Self::Postgres { url } => write!(f, "PostGIS at {}", redact_password(url)),
        }
    }
}

/// The URL with any password replaced by `***`, for logs.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Opens the store and brings its schema up to date (migrations run at start-up).
pub async fn open(storage: &Storage) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match storage {
        Storage::Sqlite { dir } => Arc::new(sqlite::SqliteStore::open(dir).await?),
        Storage::Postgres { url } => Arc::new(postgres::PgStore::open(url).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_never_reaches_the_logs() {
        let shown = format!(
            "{:?}",
            Storage::Postgres {
                url: "postgres://lantu:s3cret@db:5432/lantu".into()
            }
        );
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("lantu:***@db:5432/lantu"), "{shown}");
    }
}
