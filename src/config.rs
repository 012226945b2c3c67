//! Where the data lives, from flags or the environment (`LANTU_DATA_DIR`, `LANTU_DATABASE_URL`).

use std::path::PathBuf;

use crate::store::Storage;

/// The default data folder for the embedded store.
pub const DEFAULT_DATA_DIR: &str = "data";

/// Chooses the store: PostGIS when a database URL is given, otherwise the embedded SQLite file.
pub fn storage(data_dir: Option<PathBuf>, database_url: Option<String>) -> anyhow::Result<Storage> {
    match (data_dir, database_url) {
        (Some(_), Some(_)) => anyhow::bail!(
            "give either --data-dir (embedded SQLite) or --database-url (PostGIS), not both; check LANTU_DATA_DIR and LANTU_DATABASE_URL"
        ),
        (_, Some(url)) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
            anyhow::bail!(
                "--database-url must be a postgres:// URL, e.g. postgres://lantu@localhost/lantu"
            )
        }
        (_, Some(url)) => Ok(Storage::Postgres { url }),
        (dir, None) => Ok(Storage::Sqlite {
            dir: dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
        }),
    }
}
