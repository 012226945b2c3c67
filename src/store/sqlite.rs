//! The embedded store: one SQLite file, WAL journal, `synchronous=FULL` so that a write the API
//! acknowledged survives a crash or a SIGTERM. Writes are serialised in-process (SQLite has one
//! writer anyway), which also keeps compare-and-swap simple.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use super::Store;
use super::rows::{
    FacilityRow, FacilityVersionRow, GeomParams, HomeRow, SiteRow, SiteVersionRow, TokenInfoRow,
    UnitRow, UnitVersionRow, now, principal, write_miss,
};
use crate::auth::{Principal, Role, TokenInfo, TokenStore};
use crate::network::codec;
use crate::network::extract::{FoundFacility, FoundHome};
use crate::network::store::{
    API_SOURCE, FacilityVersion, NetworkStore, OsmImport, StoredFacility, StoredHome, StoredNetwork,
};
use crate::sites::{Site, SiteFields, SiteStore, SiteVersion, WriteError};
use crate::spatial::wkb;
use crate::units::{SaveReport, Unit, UnitCode, UnitFields, UnitStore, UnitVersion};
use crate::version::{Change, Edit};

const SITE_COLUMNS: &str = "id, version, name, description, element_type, status, geom, created_at, created_by, updated_at, updated_by";
const FACILITY_COLUMNS: &str =
    "id, source, category, name, geom AS geom, version, updated_at, updated_by";
const UNIT_COLUMNS: &str =
    "code, level, parent_code, name_zh, name_en, population, geom, version, updated_at, updated_by";

/// The embedded SQLite store.
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Mutex<()>,
}

/// The one writer's connection for one transaction. Unless the transaction committed (`done`),
/// the connection is closed rather than returned to the pool: after a failed COMMIT (a full
/// disk) SQLite may still hold the transaction open, or have rolled it back behind sqlx's
/// back, and a connection reused in that state turns later "transactions" into savepoints of
/// one that is finally rolled back: writes acknowledged, then lost.
struct WriteScope<'a> {
    conn: PoolConnection<Sqlite>,
    done: bool,
    _writer: MutexGuard<'a, ()>,
}

impl Drop for WriteScope<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.close_on_drop();
        }
    }
}

impl SqliteStore {
    /// Waits for the writer's turn and takes a connection for one transaction.
    async fn write(&self) -> anyhow::Result<WriteScope<'_>> {
        let writer = self.writer.lock().await;
        Ok(WriteScope {
            conn: self.pool.acquire().await?,
            done: false,
            _writer: writer,
        })
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/lantu.db` and migrates it.
    pub async fn open(dir: &Path) -> anyhow::Result<Self> {
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
        Ok(Self {
            pool,
            writer: Mutex::new(()),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        // Fold the WAL into the database file. Failing (a full disk) loses nothing: every
        // committed transaction is already synced in the WAL and is replayed at the next open.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "the final WAL checkpoint failed; the WAL is replayed at the next start");
        }
        self.pool.close().await;
    }
}

async fn copy_site_version(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    change: Change,
    message: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO site_versions (site_id, version, change, name, description, element_type, status, geom, author, at, message)
         SELECT id, version, ?, name, description, element_type, status, geom, updated_by, updated_at, ? FROM sites WHERE id = ?",
    )
    .bind(change.as_str())
    .bind(message)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl SiteStore for SqliteStore {
    async fn load_sites(&self) -> anyhow::Result<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(&format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE deleted = 0 ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SiteRow::into_site).collect()
    }

    async fn create_sites(&self, sites: &[SiteFields], edit: &Edit) -> anyhow::Result<Vec<Site>> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await?;
        let at = now();
        let mut created = Vec::with_capacity(sites.len());
        for fields in sites {
            let g = GeomParams::of(&fields.geometry);
            let row: SiteRow = sqlx::query_as(&format!(
                "INSERT INTO sites (version, name, description, element_type, status, geom, min_x, min_y, max_x, max_y,
                                    created_at, created_by, updated_at, updated_by)
                 VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {SITE_COLUMNS}"
            ))
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.element_type.as_str())
            .bind(fields.status.as_str())
            .bind(&g.wkb)
            .bind(g.min_x)
            .bind(g.min_y)
            .bind(g.max_x)
            .bind(g.max_y)
            .bind(at)
            .bind(&edit.author)
            .bind(at)
            .bind(&edit.author)
            .fetch_one(&mut *tx)
            .await?;
            let site = row.into_site()?;
            copy_site_version(&mut tx, site.id, Change::Create, edit.message.as_deref()).await?;
            created.push(site);
        }
        tx.commit().await?;
        w.done = true;
        Ok(created)
    }

    async fn write_site(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        fields: &SiteFields,
        edit: &Edit,
    ) -> Result<Site, WriteError> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await.map_err(anyhow::Error::from)?;
        let g = GeomParams::of(&fields.geometry);
        let row: Option<SiteRow> = sqlx::query_as(&format!(
            "UPDATE sites SET version = version + 1, deleted = ?, name = ?, description = ?, element_type = ?, status = ?,
                    geom = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ?, updated_at = ?, updated_by = ?
             WHERE id = ? AND version = ? AND deleted = 0 RETURNING {SITE_COLUMNS}"
        ))
        .bind(change == Change::Delete)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.element_type.as_str())
        .bind(fields.status.as_str())
        .bind(&g.wkb)
        .bind(g.min_x)
        .bind(g.min_y)
        .bind(g.max_x)
        .bind(g.max_y)
        .bind(now())
        .bind(&edit.author)
        .bind(id)
        .bind(expected)
        .fetch_optional(&mut *tx)
        .await
        .map_err(anyhow::Error::from)?;
        let Some(row) = row else {
            let current: Option<(i64, bool)> =
                sqlx::query_as("SELECT version, deleted FROM sites WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(anyhow::Error::from)?;
            return Err(write_miss(current));
        };
        copy_site_version(&mut tx, id, change, edit.message.as_deref())
            .await
            .map_err(anyhow::Error::from)?;
        tx.commit().await.map_err(anyhow::Error::from)?;
        w.done = true;
        Ok(row.into_site()?)
    }

    async fn site_history(&self, id: i64) -> anyhow::Result<Vec<SiteVersion>> {
        let rows: Vec<SiteVersionRow> = sqlx::query_as(
            "SELECT site_id, version, change, name, description, element_type, status, geom, author, at, message
             FROM site_versions WHERE site_id = ? ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SiteVersionRow::into_version).collect()
    }
}

#[async_trait]
impl UnitStore for SqliteStore {
    async fn load_units(&self) -> anyhow::Result<Vec<Unit>> {
        let rows: Vec<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY code"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    async fn save_units(&self, units: &[UnitFields], edit: &Edit) -> anyhow::Result<SaveReport> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await?;
        let at = now();
        let mut report = SaveReport::default();
        for fields in units {
            let existing: Option<UnitRow> =
                sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE code = ?"))
                    .bind(fields.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let existing = existing.map(UnitRow::into_unit).transpose()?;
            if existing.as_ref().is_some_and(|u| &u.fields == fields) {
                report.unchanged += 1;
                continue;
            }
            let g = fields
                .geometry
                .as_ref()
                .map(|m| GeomParams::of(&m.clone().into()));
            let change = if existing.is_some() {
                Change::Replace
            } else {
                Change::Create
            };
            let row: UnitRow = sqlx::query_as(&format!(
                "INSERT INTO units (code, level, parent_code, name_zh, name_en, population, geom, min_x, min_y, max_x, max_y,
                                    version, updated_at, updated_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                 ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent_code = excluded.parent_code,
                    name_zh = excluded.name_zh, name_en = excluded.name_en, population = excluded.population,
                    geom = excluded.geom, min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x,
                    max_y = excluded.max_y, version = units.version + 1, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                 RETURNING {UNIT_COLUMNS}"
            ))
            .bind(fields.code.as_str())
            .bind(fields.level.as_str())
            .bind(fields.parent.as_ref().map(UnitCode::as_str))
            .bind(&fields.name_zh)
            .bind(&fields.name_en)
            .bind(fields.population)
            .bind(g.as_ref().map(|g| &g.wkb))
            .bind(g.as_ref().map(|g| g.min_x))
            .bind(g.as_ref().map(|g| g.min_y))
            .bind(g.as_ref().map(|g| g.max_x))
            .bind(g.as_ref().map(|g| g.max_y))
            .bind(at)
            .bind(&edit.author)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO unit_versions (code, version, change, level, parent_code, name_zh, name_en, population, geom, author, at, message)
                 SELECT code, version, ?, level, parent_code, name_zh, name_en, population, geom, updated_by, updated_at, ?
                 FROM units WHERE code = ?",
            )
            .bind(change.as_str())
            .bind(&edit.message)
            .bind(fields.code.as_str())
            .execute(&mut *tx)
            .await?;
            match change {
                Change::Create => report.created += 1,
                _ => report.updated += 1,
            }
            report.written.push(row.into_unit()?);
        }
        tx.commit().await?;
        w.done = true;
        Ok(report)
    }

    async fn unit_history(&self, code: &UnitCode) -> anyhow::Result<Vec<UnitVersion>> {
        let rows: Vec<UnitVersionRow> = sqlx::query_as(
            "SELECT code, version, change, level, parent_code, name_zh, name_en, population, geom, author, at, message
             FROM unit_versions WHERE code = ? ORDER BY version",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(UnitVersionRow::into_version).collect()
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> anyhow::Result<()> {
        let _writer = self.writer.lock().await;
        sqlx::query(
            "INSERT INTO tokens (name, role, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(token_hash)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn find_token(&self, token_hash: &str) -> anyhow::Result<Option<Principal>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT name, role FROM tokens WHERE token_hash = ? AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        principal(row)
    }

    async fn revoke_tokens(&self, name: &str) -> anyhow::Result<u64> {
        let _writer = self.writer.lock().await;
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
                .bind(now())
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    async fn list_tokens(&self) -> anyhow::Result<Vec<TokenInfo>> {
        let rows: Vec<TokenInfoRow> = sqlx::query_as(
            "SELECT name, role, created_at, expires_at, revoked_at FROM tokens ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TokenInfoRow::into_info).collect()
    }
}

#[async_trait]
impl NetworkStore for SqliteStore {
    async fn replace_import(&self, import: &OsmImport) -> anyhow::Result<()> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await?;
        let at = now();
        let g = &import.graph;
        for table in ["facilities", "homes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE source = ?"))
                .bind(&import.source)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO networks (source, imported_at, node_count, edge_count, length_km, graph) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (source) DO UPDATE SET imported_at = excluded.imported_at, node_count = excluded.node_count,
                edge_count = excluded.edge_count, length_km = excluded.length_km, graph = excluded.graph",
        )
        .bind(&import.source)
        .bind(at)
        .bind(g.node_count() as i64)
        .bind(g.edge_count() as i64)
        .bind(g.lengths.iter().map(|l| f64::from(*l)).sum::<f64>() / 2000.0)
        .bind(codec::encode(g))
        .execute(&mut *tx)
        .await?;
        insert_facilities(&mut tx, &import.source, at, &import.facilities).await?;
        insert_homes(
            &mut tx,
            &import.source,
            at,
            &import.homes,
            &import.estimate_rule,
        )
        .await?;
        tx.commit().await?;
        w.done = true;
        Ok(())
    }

    async fn load_networks(&self) -> anyhow::Result<Vec<StoredNetwork>> {
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT source, graph FROM networks ORDER BY source")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(source, bytes)| {
                Ok(StoredNetwork {
                    graph: codec::decode(&bytes)?,
                    source,
                })
            })
            .collect()
    }

    async fn count_imported(&self, source: &str) -> anyhow::Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT (SELECT count(*) FROM facilities WHERE source = ?1), (SELECT count(*) FROM homes WHERE source = ?1)",
        )
        .bind(source)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn replace_facilities(
        &self,
        source: &str,
        facilities: &[FoundFacility],
    ) -> anyhow::Result<()> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await?;
        sqlx::query("DELETE FROM facilities WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await?;
        insert_facilities(&mut tx, source, now(), facilities).await?;
        tx.commit().await?;
        w.done = true;
        Ok(())
    }

    async fn replace_homes(
        &self,
        source: &str,
        homes: &[FoundHome],
        rule: &str,
    ) -> anyhow::Result<()> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await?;
        sqlx::query("DELETE FROM homes WHERE source = ?")
            .bind(source)
            .execute(&mut *tx)
            .await?;
        insert_homes(&mut tx, source, now(), homes, rule).await?;
        tx.commit().await?;
        w.done = true;
        Ok(())
    }

    async fn load_facilities(&self) -> anyhow::Result<Vec<StoredFacility>> {
        let rows: Vec<FacilityRow> = sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS} FROM facilities ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(FacilityRow::into_facility).collect()
    }

    async fn load_homes(&self) -> anyhow::Result<Vec<StoredHome>> {
        let rows: Vec<HomeRow> = sqlx::query_as(
            "SELECT id, name, population, population_estimated, geom AS geom FROM homes ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(HomeRow::into_home).collect()
    }

    async fn insert_facility(
        &self,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> anyhow::Result<StoredFacility> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await.map_err(anyhow::Error::from)?;
        let at = now();
        let row: FacilityRow = sqlx::query_as(&format!(
            "INSERT INTO facilities (source, category, name, osm, geom, imported_at, version, updated_at, updated_by)
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
             RETURNING {FACILITY_COLUMNS}"
        ))
        .bind(API_SOURCE)
        .bind(&facility.category)
        .bind(&facility.name)
        .bind(&facility.osm)
        .bind(wkb::encode(&facility.position.into()))
        .bind(at)
        .bind(at)
        .bind(&edit.author)
        .fetch_one(&mut *tx)
        .await?;
        copy_facility_version(&mut tx, row.id(), Change::Create).await?;
        tx.commit().await.map_err(anyhow::Error::from)?;
        w.done = true;
        row.into_facility()
    }

    async fn find_facility(&self, id: i64) -> anyhow::Result<Option<StoredFacility>> {
        let row: Option<FacilityRow> = sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(FacilityRow::into_facility).transpose()
    }

    async fn write_facility(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> Result<Option<StoredFacility>, WriteError> {
        let mut w = self.write().await?;
        let mut tx = w.conn.begin().await.map_err(anyhow::Error::from)?;
        let row: Option<FacilityRow> = sqlx::query_as(&format!(
            "UPDATE facilities SET category = ?, name = ?, geom = ?, version = version + 1,
                    updated_at = ?, updated_by = ?
             WHERE id = ? AND version = ? RETURNING {FACILITY_COLUMNS}"
        ))
        .bind(&facility.category)
        .bind(&facility.name)
        .bind(wkb::encode(&facility.position.into()))
        .bind(now())
        .bind(&edit.author)
        .bind(id)
        .bind(expected)
        .fetch_optional(&mut *tx)
        .await
        .map_err(anyhow::Error::from)?;
        let Some(row) = row else {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM facilities WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(anyhow::Error::from)?;
            return Err(write_miss(current.map(|v| (v, false))));
        };
        copy_facility_version(&mut tx, id, change)
            .await
            .map_err(anyhow::Error::from)?;
        let kept = if change == Change::Delete {
            sqlx::query("DELETE FROM facilities WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(anyhow::Error::from)?;
            None
        } else {
            Some(row.into_facility()?)
        };
        tx.commit().await.map_err(anyhow::Error::from)?;
        w.done = true;
        Ok(kept)
    }

    async fn facility_history(&self, id: i64) -> anyhow::Result<Vec<FacilityVersion>> {
        let rows: Vec<FacilityVersionRow> = sqlx::query_as(
            "SELECT facility_id, version, change, category, name, geom AS geom, author, at
             FROM facility_versions WHERE facility_id = ? ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(FacilityVersionRow::into_version)
            .collect()
    }
}

/// Appends the facility's current row as a version (in the writing transaction).
async fn copy_facility_version(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    change: Change,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO facility_versions (facility_id, version, change, category, name, geom, author, at)
         SELECT id, version, ?, category, name, geom, updated_by, updated_at FROM facilities WHERE id = ?",
    )
    .bind(change.as_str())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_facilities(
    tx: &mut Transaction<'_, Sqlite>,
    source: &str,
    at: chrono::DateTime<chrono::Utc>,
    facilities: &[FoundFacility],
) -> anyhow::Result<()> {
    for f in facilities {
        sqlx::query(
            "INSERT INTO facilities (source, category, name, osm, geom, imported_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(source)
        .bind(&f.category)
        .bind(&f.name)
        .bind(&f.osm)
        .bind(wkb::encode(&f.position.into()))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_homes(
    tx: &mut Transaction<'_, Sqlite>,
    source: &str,
    at: chrono::DateTime<chrono::Utc>,
    homes: &[FoundHome],
    rule: &str,
) -> anyhow::Result<()> {
    for h in homes {
        sqlx::query(
            "INSERT INTO homes (source, name, osm, population, population_estimated, estimate_rule, geom, imported_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(source)
        .bind(&h.name)
        .bind(&h.osm)
        .bind(h.population)
        .bind(h.estimated)
        .bind(h.estimated.then_some(rule))
        .bind(wkb::encode(&h.shape))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
