//! Where planning units live: `units` (current) and `unit_versions` (every version), one SQL
//! text for both backends.

use super::model::{Unit, UnitCode, UnitFields, UnitVersion};
use crate::spatial::wkb;
use crate::store::changes::Collection;
use crate::store::rows::{UnitRow, UnitVersionRow, decode, now};
use crate::store::{Columns, Store, StoreResult, Value, Versioned, vals};
use crate::version::{Change, Edit};

const COLUMNS: &str = "code, level, parent_code, name_zh, name_en, population, \
     ST_AsBinary(geom) AS geom, version, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    collection: Collection::Units,
    table: "units",
    history: "unit_versions",
    key: "code",
    history_key: "code",
    columns: "level, parent_code, name_zh, name_en, population, geom",
    returning: COLUMNS,
    message: true,
    tombstones: false,
};

/// A unit's content by column.
fn columns(fields: &UnitFields) -> Columns {
    let geometry = fields.geometry.as_ref();
    vec![
        ("code", fields.code.as_str().into()),
        ("level", fields.level.as_str().into()),
        (
            "parent_code",
            fields.parent.as_ref().map(UnitCode::as_str).into(),
        ),
        ("name_zh", (&fields.name_zh).into()),
        ("name_en", (&fields.name_en).into()),
        ("population", fields.population.into()),
        (
            "geom",
            Value::Geometry(geometry.map(|m| wkb::encode(&m.clone().into()))),
        ),
    ]
}

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
        decode(self.fetch_all(&sql, vec![]).await?, UnitRow::into_unit)
    }

    /// One unit.
    pub async fn find_unit(&self, code: &UnitCode) -> StoreResult<Option<Unit>> {
        let sql = format!("SELECT {COLUMNS} FROM units WHERE code = $1");
        let row: Option<UnitRow> = self.fetch_optional(&sql, vals![code.as_str()]).await?;
        Ok(row.map(UnitRow::into_unit).transpose()?)
    }

    /// Creates or updates `units` by code in one transaction: all are written, or none.
    /// Units whose content is unchanged get no new version.
    pub async fn save_units(&self, units: &[UnitFields], edit: &Edit) -> StoreResult<SaveReport> {
        let at = now();
        let mut tx = self.begin().await?;
        let mut report = SaveReport::default();
        let mut rows: Vec<(Change, UnitRow)> = Vec::new();
        let locked = format!("SELECT {COLUMNS} FROM units WHERE code = $1 FOR UPDATE");
        for fields in units {
            let code = fields.code.as_str();
            let existing: Option<UnitRow> = tx.fetch_optional(&locked, vals![code]).await?;
            let existing = existing.map(UnitRow::into_unit).transpose()?;
            let (change, row) = match existing {
                Some(unit) if &unit.fields == fields => {
                    report.unchanged += 1;
                    continue;
                }
                Some(unit) => {
                    report.updated += 1;
                    let (version, change) = (unit.stamp.version, Change::Replace);
                    let columns = columns(fields);
                    let row = tx
                        .update_versioned(
                            &VERSIONED,
                            code.into(),
                            version,
                            change,
                            columns,
                            edit,
                            at,
                        )
                        .await?;
                    (change, row)
                }
                None => {
                    report.created += 1;
                    let row = tx
                        .insert_versioned(&VERSIONED, columns(fields), edit, at)
                        .await?;
                    (Change::Create, row)
                }
            };
            rows.push((change, row));
        }
        for (change, row) in &rows {
            tx.log_write(&VERSIONED, row, *change, edit, at).await?;
        }
        tx.commit().await?;
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
        let rows = self.fetch_all(sql, vals![code.as_str()]).await?;
        decode(rows, UnitVersionRow::into_version)
    }
}
