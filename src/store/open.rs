//! Where the data lives and how a store is opened: the embedded SQLite file or PostGIS, each
//! migrated at start-up.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::Mutex;

use super::{Db, SqliteDb, Store};

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
pub async fn open(storage: &Storage) -> anyhow::Result<std::sync::Arc<Store>> {
    static OPENED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("lantu-{}-{n}", std::process::id());
    let db = match storage {
        Storage::Sqlite { dir } => Db::Sqlite(open_sqlite(dir).await?),
        Storage::Postgres { url } => Db::Postgres(open_postgres(url, &name).await?),
    };
    Ok(std::sync::Arc::new(Store { db, name }))
}

/// One SQLite file, WAL journal, `synchronous=FULL` so that a write the API acknowledged
/// survives a crash or a SIGTERM. Writes are serialised in-process (SQLite has one writer
/// anyway), which also keeps compare-and-swap and the change log's order simple.
async fn open_sqlite(dir: &Path) -> anyhow::Result<SqliteDb> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the data folder {}; choose another with --data-dir",
            dir.display()
        )
    })?;
    let path = dir.join("lantu.db");
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    sqlx::migrate!("migrations/sqlite")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate {}", path.display()))?;
    Ok(SqliteDb {
        pool,
        writer: Mutex::new(()),
    })
}

/// PostGIS: typed `geometry(…, 4326)` columns with GIST indexes, compare-and-swap writes in
/// one transaction each, safe for several server replicas.
async fn open_postgres(url: &str, name: &str) -> anyhow::Result<PgPool> {
    let shown = redact_password(url);
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .with_context(|| format!("{shown} is not a PostgreSQL URL"))?
        .application_name(name)
        .log_statements(tracing::log::LevelFilter::Trace);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {shown}: is the server running and the URL right?"
            )
        })?;
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .with_context(|| {
            format!(
                "cannot migrate {shown}: is PostGIS installed (Debian: postgresql-15-postgis-3)?"
            )
        })?;
    Ok(pool)
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
