//! PostGIS, the system of record for deployments: typed `geometry(…, 4326)` columns with GIST
//! indexes, compare-and-swap writes in one transaction each, safe for several server replicas.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::rows::{
    FacilityRow, FacilityVersionRow, GeomParams, HomeRow, SiteRow, SiteVersionRow, TokenInfoRow,
    UnitRow, UnitVersionRow, now, principal, write_miss,
};
use super::{Store, redact_password};
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

const SITE_COLUMNS: &str = "id, version, name, description, element_type, status, ST_AsBinary(geom) AS geom, \
     created_at, created_by, updated_at, updated_by";
const FACILITY_COLUMNS: &str =
    "id, source, category, name, ST_AsBinary(geom) AS geom, version, updated_at, updated_by";
const UNIT_COLUMNS: &str = "code, level, parent_code, name_zh, name_en, population, ST_AsBinary(geom) AS geom, \
     version, updated_at, updated_by";

/// The PostGIS store.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the database (PostGIS must be installable there).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let shown = redact_password(url);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(15))
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {shown}: is the server running and the URL right?"))?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate {shown}: is PostGIS installed (Debian: postgresql-15-postgis-3)?"))?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgis"
    }

    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

async fn copy_site_version(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    change: Change,
    message: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO site_versions (site_id, version, change, name, description, element_type, status, geom, author, at, message)
         SELECT id, version, $1, name, description, element_type, status, geom, updated_by, updated_at, $2 FROM sites WHERE id = $3",
    )
    .bind(change.as_str())
    .bind(message)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl SiteStore for PgStore {
    async fn load_sites(&self) -> anyhow::Result<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(&format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE NOT deleted ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SiteRow::into_site).collect()
    }

    async fn create_sites(&self, sites: &[SiteFields], edit: &Edit) -> anyhow::Result<Vec<Site>> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        let mut created = Vec::with_capacity(sites.len());
        for fields in sites {
            let g = GeomParams::of(&fields.geometry);
            let row: SiteRow = sqlx::query_as(&format!(
                "INSERT INTO sites (version, name, description, element_type, status, geom, created_at, created_by, updated_at, updated_by)
                 VALUES (1, $1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, $7, $6, $7) RETURNING {SITE_COLUMNS}"
            ))
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.element_type.as_str())
            .bind(fields.status.as_str())
            .bind(&g.wkb)
            .bind(at)
            .bind(&edit.author)
            .fetch_one(&mut *tx)
            .await?;
            let site = row.into_site()?;
            copy_site_version(&mut tx, site.id, Change::Create, edit.message.as_deref()).await?;
            created.push(site);
        }
        tx.commit().await?;
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
        let mut tx = self.pool.begin().await.map_err(anyhow::Error::from)?;
        let g = GeomParams::of(&fields.geometry);
        let row: Option<SiteRow> = sqlx::query_as(&format!(
            "UPDATE sites SET version = version + 1, deleted = $1, name = $2, description = $3, element_type = $4,
                    status = $5, geom = ST_GeomFromWKB($6, 4326), updated_at = $7, updated_by = $8
             WHERE id = $9 AND version = $10 AND NOT deleted RETURNING {SITE_COLUMNS}"
        ))
        .bind(change == Change::Delete)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.element_type.as_str())
        .bind(fields.status.as_str())
        .bind(&g.wkb)
        .bind(now())
        .bind(&edit.author)
        .bind(id)
        .bind(expected)
        .fetch_optional(&mut *tx)
        .await
        .map_err(anyhow::Error::from)?;
        let Some(row) = row else {
            let current: Option<(i64, bool)> =
                sqlx::query_as("SELECT version, deleted FROM sites WHERE id = $1")
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
        Ok(row.into_site()?)
    }

    async fn site_history(&self, id: i64) -> anyhow::Result<Vec<SiteVersion>> {
        let rows: Vec<SiteVersionRow> = sqlx::query_as(
            "SELECT site_id, version, change, name, description, element_type, status, ST_AsBinary(geom) AS geom,
                    author, at, message
             FROM site_versions WHERE site_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SiteVersionRow::into_version).collect()
    }
}

#[async_trait]
impl UnitStore for PgStore {
    async fn load_units(&self) -> anyhow::Result<Vec<Unit>> {
        let rows: Vec<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY code"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    async fn save_units(&self, units: &[UnitFields], edit: &Edit) -> anyhow::Result<SaveReport> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        let mut report = SaveReport::default();
        for fields in units {
            let existing: Option<UnitRow> = sqlx::query_as(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE code = $1 FOR UPDATE"
            ))
            .bind(fields.code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let existing = existing.map(UnitRow::into_unit).transpose()?;
            if existing.as_ref().is_some_and(|u| &u.fields == fields) {
                report.unchanged += 1;
                continue;
            }
            let wkb = fields
                .geometry
                .as_ref()
                .map(|m| GeomParams::of(&m.clone().into()).wkb);
            let change = if existing.is_some() {
                Change::Replace
            } else {
                Change::Create
            };
            let row: UnitRow = sqlx::query_as(&format!(
                "INSERT INTO units (code, level, parent_code, name_zh, name_en, population, geom, version, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, ST_Multi(ST_GeomFromWKB($7, 4326)), 1, $8, $9)
                 ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent_code = excluded.parent_code,
                    name_zh = excluded.name_zh, name_en = excluded.name_en, population = excluded.population,
                    geom = excluded.geom, version = units.version + 1, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                 RETURNING {UNIT_COLUMNS}"
            ))
            .bind(fields.code.as_str())
            .bind(fields.level.as_str())
            .bind(fields.parent.as_ref().map(UnitCode::as_str))
            .bind(&fields.name_zh)
            .bind(&fields.name_en)
            .bind(fields.population)
            .bind(wkb)
            .bind(at)
            .bind(&edit.author)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO unit_versions (code, version, change, level, parent_code, name_zh, name_en, population, geom, author, at, message)
                 SELECT code, version, $1, level, parent_code, name_zh, name_en, population, geom, updated_by, updated_at, $2
                 FROM units WHERE code = $3",
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
        Ok(report)
    }

    async fn unit_history(&self, code: &UnitCode) -> anyhow::Result<Vec<UnitVersion>> {
        let rows: Vec<UnitVersionRow> = sqlx::query_as(
            "SELECT code, version, change, level, parent_code, name_zh, name_en, population, ST_AsBinary(geom) AS geom,
                    author, at, message
             FROM unit_versions WHERE code = $1 ORDER BY version",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(UnitVersionRow::into_version).collect()
    }
}

#[async_trait]
impl TokenStore for PgStore {
    async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO tokens (name, role, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
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
            "SELECT name, role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        principal(row)
    }

    async fn revoke_tokens(&self, name: &str) -> anyhow::Result<u64> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
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
impl NetworkStore for PgStore {
    async fn replace_import(&self, import: &OsmImport) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        let g = &import.graph;
        for table in ["facilities", "homes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE source = $1"))
                .bind(&import.source)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO networks (source, imported_at, node_count, edge_count, length_km, graph) VALUES ($1, $2, $3, $4, $5, $6)
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
            "SELECT (SELECT count(*) FROM facilities WHERE source = $1), (SELECT count(*) FROM homes WHERE source = $1)",
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
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM facilities WHERE source = $1")
            .bind(source)
            .execute(&mut *tx)
            .await?;
        insert_facilities(&mut tx, source, now(), facilities).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replace_homes(
        &self,
        source: &str,
        homes: &[FoundHome],
        rule: &str,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM homes WHERE source = $1")
            .bind(source)
            .execute(&mut *tx)
            .await?;
        insert_homes(&mut tx, source, now(), homes, rule).await?;
        tx.commit().await?;
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
            "SELECT id, name, population, population_estimated, ST_AsBinary(geom) AS geom FROM homes ORDER BY id",
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
        let mut tx = self.pool.begin().await.map_err(anyhow::Error::from)?;
        let at = now();
        let row: FacilityRow = sqlx::query_as(&format!(
            "INSERT INTO facilities (source, category, name, osm, geom, imported_at, version, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, 1, $7, $8)
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
        row.into_facility()
    }

    async fn find_facility(&self, id: i64) -> anyhow::Result<Option<StoredFacility>> {
        let row: Option<FacilityRow> = sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = $1"
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
        let mut tx = self.pool.begin().await.map_err(anyhow::Error::from)?;
        let row: Option<FacilityRow> = sqlx::query_as(&format!(
            "UPDATE facilities SET category = $1, name = $2, geom = ST_GeomFromWKB($3, 4326), version = version + 1,
                    updated_at = $4, updated_by = $5
             WHERE id = $6 AND version = $7 RETURNING {FACILITY_COLUMNS}"
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
                sqlx::query_scalar("SELECT version FROM facilities WHERE id = $1")
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
            sqlx::query("DELETE FROM facilities WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(anyhow::Error::from)?;
            None
        } else {
            Some(row.into_facility()?)
        };
        tx.commit().await.map_err(anyhow::Error::from)?;
        Ok(kept)
    }

    async fn facility_history(&self, id: i64) -> anyhow::Result<Vec<FacilityVersion>> {
        let rows: Vec<FacilityVersionRow> = sqlx::query_as(
            "SELECT facility_id, version, change, category, name, ST_AsBinary(geom) AS geom, author, at
             FROM facility_versions WHERE facility_id = $1 ORDER BY version",
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
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    change: Change,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO facility_versions (facility_id, version, change, category, name, geom, author, at)
         SELECT id, version, $1, category, name, geom, updated_by, updated_at FROM facilities WHERE id = $2",
    )
    .bind(change.as_str())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_facilities(
    tx: &mut Transaction<'_, Postgres>,
    source: &str,
    at: chrono::DateTime<chrono::Utc>,
    facilities: &[FoundFacility],
) -> anyhow::Result<()> {
    for f in facilities {
        sqlx::query(
            "INSERT INTO facilities (source, category, name, osm, geom, imported_at)
             VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6)",
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
    tx: &mut Transaction<'_, Postgres>,
    source: &str,
    at: chrono::DateTime<chrono::Utc>,
    homes: &[FoundHome],
    rule: &str,
) -> anyhow::Result<()> {
    for h in homes {
        sqlx::query(
            "INSERT INTO homes (source, name, osm, population, population_estimated, estimate_rule, geom, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromWKB($7, 4326), $8)",
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
