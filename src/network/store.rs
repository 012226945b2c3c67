//! Where the life-circle data lives: walking networks, facilities and homes, each stored under
//! a source (an import's name); a re-import replaces its source in one transaction. Facilities
//! written through the API are versioned like sites. One SQL text for both backends.

use super::codec;
use super::extract::{FoundFacility, FoundHome};
pub use super::model::{
    API_SOURCE, FacilityVersion, OsmImport, StoredFacility, StoredHome, StoredNetwork,
};
use crate::spatial::wkb;
use crate::store::changes::{Collection, Logged, log_change};
use crate::store::rows::{FacilityRow, FacilityVersionRow, HomeRow, now};
use crate::store::{Store, StoreError, StoreResult, Versioned, fetch, in_tx, on_pool};
use crate::version::{Change, Edit};

const FACILITY_COLUMNS: &str =
    "id, source, category, name, ST_AsBinary(geom) AS geom, version, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    table: "facilities",
    history: "facility_versions",
    key: "id",
    history_key: "facility_id",
    columns: "category, name, geom",
    message: false,
};

/// Inserts `$facilities` of `$source` in transaction `$tx`.
macro_rules! insert_facilities {
    ($tx:ident, $d:ident, $source:expr, $at:expr, $facilities:expr) => {
        for f in $facilities {
            sqlx::query(&$d.sql(
                "INSERT INTO facilities (source, category, name, osm, geom, imported_at)
                 VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6)",
            ))
            .bind($source)
            .bind(&f.category)
            .bind(&f.name)
            .bind(&f.osm)
            .bind(wkb::encode(&f.position.into()))
            .bind($at)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Inserts `$homes` of `$source` in transaction `$tx`, `$rule` naming how estimates were made.
macro_rules! insert_homes {
    ($tx:ident, $d:ident, $source:expr, $at:expr, $homes:expr, $rule:expr) => {
        for h in $homes {
            sqlx::query(&$d.sql(
                "INSERT INTO homes (source, name, osm, population, population_estimated, estimate_rule, geom, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromWKB($7, 4326), $8)",
            ))
            .bind($source)
            .bind(&h.name)
            .bind(&h.osm)
            .bind(h.population)
            .bind(h.estimated)
            .bind(h.estimated.then_some($rule))
            .bind(wkb::encode(&h.shape))
            .bind($at)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Deletes what `$source` imported into `$table`.
macro_rules! delete_source {
    ($tx:ident, $table:literal, $source:expr) => {
        sqlx::query(concat!("DELETE FROM ", $table, " WHERE source = $1"))
            .bind($source)
            .execute(&mut *$tx)
            .await?;
    };
}

/// The import author in the change log.
const IMPORT_AUTHOR: &str = "cli:import";

impl Store {
    /// Replaces what was imported from `import.source` with `import`, in one transaction.
    pub async fn replace_import(&self, import: &OsmImport) -> StoreResult<()> {
        let at = now();
        let g = &import.graph;
        let source = &import.source;
        in_tx!(self, |tx, d| {
            delete_source!(tx, "facilities", source);
            delete_source!(tx, "homes", source);
            sqlx::query(
                "INSERT INTO networks (source, imported_at, node_count, edge_count, length_km, graph)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (source) DO UPDATE SET imported_at = excluded.imported_at,
                    node_count = excluded.node_count, edge_count = excluded.edge_count,
                    length_km = excluded.length_km, graph = excluded.graph",
            )
            .bind(source)
            .bind(at)
            .bind(g.node_count() as i64)
            .bind(g.edge_count() as i64)
            .bind(g.lengths.iter().map(|l| f64::from(*l)).sum::<f64>() / 2000.0)
            .bind(codec::encode(g))
            .execute(&mut *tx)
            .await?;
            insert_facilities!(tx, d, source, at, &import.facilities);
            insert_homes!(tx, d, source, at, &import.homes, &import.estimate_rule);
            let note = Logged::import(Collection::LifeCircle, source);
            log_change!(tx, d, note, at, IMPORT_AUTHOR);
        });
        Ok(())
    }

    /// Every stored network.
    pub async fn load_networks(&self) -> StoreResult<Vec<StoredNetwork>> {
        let rows: Vec<(String, Vec<u8>)> = on_pool!(self, |pool, _d| {
            sqlx::query_as("SELECT source, graph FROM networks ORDER BY source")
                .fetch_all(pool)
                .await?
        });
        let read = |(source, bytes): (String, Vec<u8>)| -> anyhow::Result<StoredNetwork> {
            Ok(StoredNetwork {
                graph: codec::decode(&bytes)?,
                source,
            })
        };
        crate::store::rows::decode(rows, read)
    }

    /// Facilities and homes stored for a source: (facilities, homes).
    pub async fn count_imported(&self, source: &str) -> StoreResult<(i64, i64)> {
        Ok(on_pool!(self, |pool, _d| {
            sqlx::query_as(
                "SELECT (SELECT count(*) FROM facilities WHERE source = $1),
                        (SELECT count(*) FROM homes WHERE source = $1)",
            )
            .bind(source)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Replaces the facilities of `source` (a GeoJSON import), in one transaction.
    pub async fn replace_facilities(
        &self,
        source: &str,
        facilities: &[FoundFacility],
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, |tx, d| {
            delete_source!(tx, "facilities", source);
            insert_facilities!(tx, d, source, at, facilities);
            let note = Logged::import(Collection::Facilities, source);
            log_change!(tx, d, note, at, IMPORT_AUTHOR);
        });
        Ok(())
    }

    /// Replaces the homes of `source`, in one transaction; `rule` says how estimates were made.
    pub async fn replace_homes(
        &self,
        source: &str,
        homes: &[FoundHome],
        rule: &str,
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, |tx, d| {
            delete_source!(tx, "homes", source);
            insert_homes!(tx, d, source, at, homes, rule);
            let note = Logged::import(Collection::LifeCircle, source);
            log_change!(tx, d, note, at, IMPORT_AUTHOR);
        });
        Ok(())
    }

    /// Every facility.
    pub async fn load_facilities(&self) -> StoreResult<Vec<StoredFacility>> {
        let sql = format!("SELECT {FACILITY_COLUMNS} FROM facilities ORDER BY id");
        fetch!(self, all, FacilityRow::into_facility, &sql)
    }

    /// Every home.
    pub async fn load_homes(&self) -> StoreResult<Vec<StoredHome>> {
        let sql = "SELECT id, name, population, population_estimated, ST_AsBinary(geom) AS geom
                   FROM homes ORDER BY id";
        fetch!(self, all, HomeRow::into_home, sql)
    }

    /// Adds one facility (source [`API_SOURCE`]) at version 1 with its first version row.
    pub async fn insert_facility(
        &self,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> StoreResult<StoredFacility> {
        let at = now();
        let row: FacilityRow = in_tx!(self, |tx, d| {
            let row: FacilityRow = sqlx::query_as(&d.sql(&format!(
                "INSERT INTO facilities (source, category, name, osm, geom, imported_at, version, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, 1, $6, $7)
                 RETURNING {FACILITY_COLUMNS}"
            )))
            .bind(API_SOURCE)
            .bind(&facility.category)
            .bind(&facility.name)
            .bind(&facility.osm)
            .bind(wkb::encode(&facility.position.into()))
            .bind(at)
            .bind(&edit.author)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(&VERSIONED.copy_sql())
                .bind(Change::Create.as_str())
                .bind(row.id())
                .execute(&mut *tx)
                .await?;
            let note = Logged::write(Collection::Facilities, row.id(), 1, Change::Create);
            log_change!(tx, d, note, at, &edit.author);
            row
        });
        Ok(row.into_facility()?)
    }

    /// One facility.
    pub async fn find_facility(&self, id: i64) -> StoreResult<Option<StoredFacility>> {
        let sql = format!("SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = $1");
        fetch!(self, optional, FacilityRow::into_facility, &sql, id)
    }

    /// Replaces (`Change::Replace`) or deletes (`Change::Delete`) facility `id` if it is still at
    /// `expected`, appending a version row in the same transaction; the facility after the
    /// write (`None` once deleted).
    pub async fn write_facility(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> StoreResult<Option<StoredFacility>> {
        let at = now();
        let row: FacilityRow =
            in_tx!(self, |tx, d| {
                let row: Option<FacilityRow> = sqlx::query_as(&d.sql(&format!(
                "UPDATE facilities SET category = $1, name = $2, geom = ST_GeomFromWKB($3, 4326),
                        version = version + 1, updated_at = $4, updated_by = $5
                 WHERE id = $6 AND version = $7 RETURNING {FACILITY_COLUMNS}"
            )))
                .bind(&facility.category)
                .bind(&facility.name)
                .bind(wkb::encode(&facility.position.into()))
                .bind(at)
                .bind(&edit.author)
                .bind(id)
                .bind(expected)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    let current: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM facilities WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(current.map_or(StoreError::NotFound, |current| {
                        StoreError::Stale { current }
                    }));
                };
                sqlx::query(&VERSIONED.copy_sql())
                    .bind(change.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if change == Change::Delete {
                    sqlx::query("DELETE FROM facilities WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let note = Logged::write(Collection::Facilities, id, expected + 1, change);
                log_change!(tx, d, note, at, &edit.author);
                row
            });
        Ok(if change == Change::Delete {
            None
        } else {
            Some(row.into_facility()?)
        })
    }

    /// Every version written through the API, oldest first.
    pub async fn facility_history(&self, id: i64) -> StoreResult<Vec<FacilityVersion>> {
        let sql = "SELECT facility_id, version, change, category, name, ST_AsBinary(geom) AS geom,
                          author, at
                   FROM facility_versions WHERE facility_id = $1 ORDER BY version";
        fetch!(self, all, FacilityVersionRow::into_version, sql, id)
    }
}
