//! Where sites live: the `sites` table (current rows, deleted ones kept as tombstones) and
//! `site_versions` (every version), one SQL text for both backends.

use super::model::{Site, SiteFields, SiteVersion};
use crate::spatial::wkb;
use crate::store::changes::{Collection, Logged, log_change};
use crate::store::rows::{SiteRow, SiteVersionRow, decode, now};
use crate::store::{Store, StoreError, StoreResult, Versioned, fetch, in_tx};
use crate::version::{Change, Edit};

const COLUMNS: &str = "id, version, deleted, name, description, element_type, status, ST_AsBinary(geom) AS geom, \
     created_at, created_by, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    table: "sites",
    history: "site_versions",
    key: "id",
    history_key: "site_id",
    columns: "name, description, element_type, status, geom",
    message: true,
};

impl Store {
    /// Every live (not deleted) site, drafts included.
    pub async fn load_sites(&self) -> StoreResult<Vec<Site>> {
        let sql = format!("SELECT {COLUMNS} FROM sites WHERE deleted = FALSE ORDER BY id");
        fetch!(self, all, SiteRow::into_site, &sql)
    }

    /// One site as stored now, and whether it is deleted; `None` if it never existed.
    pub async fn find_site(&self, id: i64) -> StoreResult<Option<(Site, bool)>> {
        let sql = format!("SELECT {COLUMNS} FROM sites WHERE id = $1");
        fetch!(self, optional, SiteRow::into_site_and_deleted, &sql, id)
    }

    /// Creates `sites` in one transaction (all or none), each at version 1.
    pub async fn create_sites(&self, sites: &[SiteFields], edit: &Edit) -> StoreResult<Vec<Site>> {
        let at = now();
        let rows: Vec<SiteRow> = in_tx!(self, |tx, d| {
            let mut rows = Vec::with_capacity(sites.len());
            for fields in sites {
                let row: SiteRow = sqlx::query_as(&d.sql(&format!(
                    "INSERT INTO sites (version, name, description, element_type, status, geom,
                                        created_at, created_by, updated_at, updated_by)
                     VALUES (1, $1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, $7, $6, $7)
                     RETURNING {COLUMNS}"
                )))
                .bind(&fields.name)
                .bind(&fields.description)
                .bind(fields.element_type.as_str())
                .bind(fields.status.as_str())
                .bind(wkb::encode(&fields.geometry))
                .bind(at)
                .bind(&edit.author)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(&VERSIONED.copy_sql())
                    .bind(Change::Create.as_str())
                    .bind(row.id())
                    .bind(&edit.message)
                    .execute(&mut *tx)
                    .await?;
                rows.push(row);
            }
            for row in &rows {
                let note = Logged::write(Collection::Sites, row.id(), 1, Change::Create);
                log_change!(tx, d, note, at, &edit.author);
            }
            rows
        });
        decode(rows, SiteRow::into_site)
    }

    /// Writes a new version of site `id` if it is still at `expected`: compare-and-swap.
    /// `change` is `Replace`, `Update` or `Delete` (a tombstone that keeps `fields`).
    pub async fn write_site(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        fields: &SiteFields,
        edit: &Edit,
    ) -> StoreResult<Site> {
        let at = now();
        let row: SiteRow = in_tx!(self, |tx, d| {
            let row: Option<SiteRow> = sqlx::query_as(&d.sql(&format!(
                "UPDATE sites SET version = version + 1, deleted = $1, name = $2, description = $3,
                        element_type = $4, status = $5, geom = ST_GeomFromWKB($6, 4326),
                        updated_at = $7, updated_by = $8
                 WHERE id = $9 AND version = $10 AND deleted = FALSE RETURNING {COLUMNS}"
            )))
            .bind(change == Change::Delete)
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.element_type.as_str())
            .bind(fields.status.as_str())
            .bind(wkb::encode(&fields.geometry))
            .bind(at)
            .bind(&edit.author)
            .bind(id)
            .bind(expected)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                let current: Option<(i64, bool)> =
                    sqlx::query_as("SELECT version, deleted FROM sites WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(match current {
                    Some((current, false)) => StoreError::Stale { current },
                    _ => StoreError::NotFound,
                });
            };
            sqlx::query(&VERSIONED.copy_sql())
                .bind(change.as_str())
                .bind(id)
                .bind(&edit.message)
                .execute(&mut *tx)
                .await?;
            let note = Logged::write(Collection::Sites, id, expected + 1, change);
            log_change!(tx, d, note, at, &edit.author);
            row
        });
        Ok(row.into_site()?)
    }

    /// Every version of a site, oldest first; empty if it never existed.
    pub async fn site_history(&self, id: i64) -> StoreResult<Vec<SiteVersion>> {
        let sql = "SELECT site_id, version, change, name, description, element_type, status,
                          ST_AsBinary(geom) AS geom, author, at, message
                   FROM site_versions WHERE site_id = $1 ORDER BY version";
        fetch!(self, all, SiteVersionRow::into_version, sql, id)
    }
}
