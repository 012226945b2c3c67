//! Where sites live: the `sites` table (current rows, deleted ones kept as tombstones) and
//! `site_versions` (every version), one SQL text for both backends.

use super::model::{Site, SiteFields, SiteVersion};
use crate::spatial::wkb;
use crate::store::changes::Collection;
use crate::store::rows::{SiteRow, SiteVersionRow, decode, now};
use crate::store::{Columns, Store, StoreResult, Value, Versioned, vals};
use crate::version::{Change, Edit};

const COLUMNS: &str = "id, version, deleted, name, description, element_type, status, ST_AsBinary(geom) AS geom, \
     created_at, created_by, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    collection: Collection::Sites,
    table: "sites",
    history: "site_versions",
    key: "id",
    history_key: "site_id",
    columns: "name, description, element_type, status, geom",
    returning: COLUMNS,
    message: true,
    tombstones: true,
};

/// A site's content by column.
fn columns(fields: &SiteFields) -> Columns {
    vec![
        ("name", (&fields.name).into()),
        ("description", (&fields.description).into()),
        ("element_type", fields.element_type.as_str().into()),
        ("status", fields.status.as_str().into()),
        ("geom", Value::Geometry(Some(wkb::encode(&fields.geometry)))),
    ]
}

impl Store {
    /// Every live (not deleted) site, drafts included.
    pub async fn load_sites(&self) -> StoreResult<Vec<Site>> {
        let sql = format!("SELECT {COLUMNS} FROM sites WHERE deleted = FALSE ORDER BY id");
        decode(self.fetch_all(&sql, vec![]).await?, SiteRow::into_site)
    }

    /// One site as stored now, and whether it is deleted; `None` if it never existed.
    pub async fn find_site(&self, id: i64) -> StoreResult<Option<(Site, bool)>> {
        let sql = format!("SELECT {COLUMNS} FROM sites WHERE id = $1");
        let row: Option<SiteRow> = self.fetch_optional(&sql, vals![id]).await?;
        Ok(row.map(SiteRow::into_site_and_deleted).transpose()?)
    }

    /// Creates `sites` in one transaction (all or none), each at version 1.
    pub async fn create_sites(&self, sites: &[SiteFields], edit: &Edit) -> StoreResult<Vec<Site>> {
        let at = now();
        let mut tx = self.begin().await?;
        let mut rows: Vec<SiteRow> = Vec::with_capacity(sites.len());
        for fields in sites {
            let mut columns = columns(fields);
            columns.extend([
                ("created_at", at.into()),
                ("created_by", (&edit.author).into()),
            ]);
            rows.push(tx.insert_versioned(&VERSIONED, columns, edit, at).await?);
        }
        for row in &rows {
            tx.log_write(&VERSIONED, row, Change::Create, edit, at)
                .await?;
        }
        tx.commit().await?;
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
        let mut tx = self.begin().await?;
        let row: SiteRow = tx
            .update_versioned(
                &VERSIONED,
                id.into(),
                expected,
                change,
                columns(fields),
                edit,
                at,
            )
            .await?;
        tx.log_write(&VERSIONED, &row, change, edit, at).await?;
        tx.commit().await?;
        Ok(row.into_site()?)
    }

    /// Every site as it stood at `at`: for each site drawn by then, its last version at or
    /// before `at` (a tombstone, if it was deleted), and its first version (who drew it,
    /// when). Ordered by site id.
    pub async fn sites_as_of(
        &self,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<(SiteVersion, SiteVersion)>> {
        let sql = "SELECT site_id, version, change, name, description, element_type, status,
                          ST_AsBinary(geom) AS geom, author, at, message
                   FROM site_versions v
                   WHERE (v.version = 1 OR v.version = (SELECT MAX(m.version) FROM site_versions m
                                                        WHERE m.site_id = v.site_id AND m.at <= $1))
                     AND v.site_id IN (SELECT f.site_id FROM site_versions f
                                       WHERE f.version = 1 AND f.at <= $1)
                   ORDER BY site_id, version";
        let versions = decode(
            self.fetch_all(sql, vals![at]).await?,
            SiteVersionRow::into_version,
        )?;
        // Rows come as (first, last) per site, or just the first when it is also the last.
        let mut pairs: Vec<(SiteVersion, SiteVersion)> = Vec::new();
        for v in versions {
            match pairs.last_mut() {
                Some((first, last)) if first.site_id == v.site_id => *last = v,
                _ => pairs.push((v.clone(), v)),
            }
        }
        Ok(pairs)
    }

    /// Every version of a site, oldest first; empty if it never existed.
    pub async fn site_history(&self, id: i64) -> StoreResult<Vec<SiteVersion>> {
        let sql = "SELECT site_id, version, change, name, description, element_type, status,
                          ST_AsBinary(geom) AS geom, author, at, message
                   FROM site_versions WHERE site_id = $1 ORDER BY version";
        decode(
            self.fetch_all(sql, vals![id]).await?,
            SiteVersionRow::into_version,
        )
    }
}
