//! Where planning units live: `units` (current) and `unit_versions` (every version), one SQL
//! text for both backends.

use super::model::{Unit, UnitCode, UnitFields, UnitVersion};
use crate::spatial::wkb;
use crate::store::changes::{Collection, Logged, log_change};
use crate::store::rows::{UnitRow, UnitVersionRow, now};
use crate::store::{Store, StoreResult, Versioned, fetch, in_tx};
use crate::version::{Change, Edit};

const COLUMNS: &str = "code, level, parent_code, name_zh, name_en, population, \
     ST_AsBinary(geom) AS geom, version, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    table: "units",
    history: "unit_versions",
    key: "code",
    history_key: "code",
    columns: "level, parent_code, name_zh, name_en, population, geom",
    message: true,
};

/// What saving a batch of units did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaveReport {
    /// Units that did not exist before.
    pub created: usize,
    /// Units whose content changed (a new version each).
    pub updated: usize,
    /// Units already stored exactly so (no new version).
    pub unchanged: usize,
    /// The created and updated units as stored now.
    pub written: Vec<Unit>,
}

impl Store {
    /// Every current unit.
    pub async fn load_units(&self) -> StoreResult<Vec<Unit>> {
        let sql = format!("SELECT {COLUMNS} FROM units ORDER BY code");
        fetch!(self, all, UnitRow::into_unit, &sql)
    }

    /// One unit.
    pub async fn find_unit(&self, code: &UnitCode) -> StoreResult<Option<Unit>> {
        let sql = format!("SELECT {COLUMNS} FROM units WHERE code = $1");
        fetch!(self, optional, UnitRow::into_unit, &sql, code.as_str())
    }

    /// Creates or updates `units` by code in one transaction: all are written, or none.
    /// Units whose content is unchanged get no new version.
    pub async fn save_units(&self, units: &[UnitFields], edit: &Edit) -> StoreResult<SaveReport> {
        let at = now();
        let (mut report, rows) = in_tx!(self, |tx, d| {
            let mut report = SaveReport::default();
            let mut rows = Vec::new();
            for fields in units {
                let existing: Option<UnitRow> = sqlx::query_as(&d.sql(&format!(
                    "SELECT {COLUMNS} FROM units WHERE code = $1 FOR UPDATE"
                )))
                .bind(fields.code.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let existing = existing.map(UnitRow::into_unit).transpose()?;
                if existing.as_ref().is_some_and(|u| &u.fields == fields) {
                    report.unchanged += 1;
                    continue;
                }
                let change = if existing.is_some() {
                    report.updated += 1;
                    Change::Replace
                } else {
                    report.created += 1;
                    Change::Create
                };
                let row: UnitRow = sqlx::query_as(&d.sql(&format!(
                    "INSERT INTO units (code, level, parent_code, name_zh, name_en, population, geom,
                                        version, updated_at, updated_by)
                     VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromWKB($7, 4326), 1, $8, $9)
                     ON CONFLICT (code) DO UPDATE SET level = excluded.level,
                        parent_code = excluded.parent_code, name_zh = excluded.name_zh,
                        name_en = excluded.name_en, population = excluded.population,
                        geom = excluded.geom, version = units.version + 1,
                        updated_at = excluded.updated_at, updated_by = excluded.updated_by
                     RETURNING {COLUMNS}"
                )))
                .bind(fields.code.as_str())
                .bind(fields.level.as_str())
                .bind(fields.parent.as_ref().map(UnitCode::as_str))
                .bind(&fields.name_zh)
                .bind(&fields.name_en)
                .bind(fields.population)
                .bind(fields.geometry.as_ref().map(|m| wkb::encode(&m.clone().into())))
                .bind(at)
                .bind(&edit.author)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(&VERSIONED.copy_sql())
                    .bind(change.as_str())
                    .bind(fields.code.as_str())
                    .bind(&edit.message)
                    .execute(&mut *tx)
                    .await?;
                rows.push((change, row));
            }
            for (change, row) in &rows {
                let (code, version) = row.key();
                let note = Logged::write(Collection::Units, code, version, *change);
                log_change!(tx, d, note, at, &edit.author);
            }
            (report, rows)
        });
        for (_, row) in rows {
            report.written.push(row.into_unit()?);
        }
        Ok(report)
    }

    /// Every version of one unit, oldest first.
    pub async fn unit_history(&self, code: &UnitCode) -> StoreResult<Vec<UnitVersion>> {
        let sql = "SELECT code, version, change, level, parent_code, name_zh, name_en, population,
                          ST_AsBinary(geom) AS geom, author, at, message
                   FROM unit_versions WHERE code = $1 ORDER BY version";
        fetch!(self, all, UnitVersionRow::into_version, sql, code.as_str())
    }
}
