//! Where service records and their files live: `service_records`, `evaluation_files` (a
//! record's files, and the evaluations' annual summaries). Every write is audited (collection
//! `service_records`, or `evaluations` for a summary).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::records::{RecordFile, ServiceKind, ServiceRecord};
use super::store::{json, unfrozen};
use crate::store::rows::{decode, now};
use crate::store::{Store, StoreError, StoreResult, vals};
use crate::version::Edit;

/// A service record, checked, to store.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// The appointment.
    pub appointment: i64,
    /// The kind.
    pub kind: ServiceKind,
    /// The day.
    pub held_on: NaiveDate,
    /// Hours.
    pub hours: f64,
    /// The title.
    pub title: String,
    /// Notes.
    pub notes: Option<String>,
    /// The place.
    pub place: Option<[f64; 2]>,
    /// The units.
    pub units: Vec<String>,
    /// The people present.
    pub present: Vec<String>,
    /// How many took part.
    pub attendance: Option<i64>,
    /// The project.
    pub project: Option<i64>,
}

const RECORD_COLUMNS: &str = "id, appointment_id, kind, held_on, hours, title, notes, lon, lat, \
     units, present, attendance, project_id, created_at, created_by";

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    appointment_id: i64,
    kind: String,
    held_on: NaiveDate,
    hours: f64,
    title: String,
    notes: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    units: String,
    present: String,
    attendance: Option<i64>,
    project_id: Option<i64>,
    created_at: DateTime<Utc>,
    created_by: String,
}

impl RecordRow {
    fn into_record(self) -> anyhow::Result<ServiceRecord> {
        let kind = ServiceKind::parse(&self.kind)
            .ok_or_else(|| anyhow::anyhow!("stored service kind {:?} is unknown", self.kind))?;
        let (zh, en) = kind.label();
        Ok(ServiceRecord {
            id: self.id,
            appointment: self.appointment_id,
            kind,
            kind_zh: zh.into(),
            kind_en: en.into(),
            held_on: self.held_on,
            hours: self.hours,
            title: self.title,
            notes: self.notes,
            place: self.lon.zip(self.lat).map(|(x, y)| [x, y]),
            units: self.units.split_whitespace().map(str::to_owned).collect(),
            present: serde_json::from_str(&self.present)?,
            attendance: self.attendance,
            project: self.project_id,
            files: Vec::new(),
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// A stored file (a record's, or an evaluation's annual summary).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredFile {
    /// The record it belongs to.
    pub record_id: Option<i64>,
    /// The evaluation it belongs to.
    pub evaluation_id: Option<i64>,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: i64,
    record_id: Option<i64>,
    name: String,
    media_type: String,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    evaluation_id: i64,
    name: String,
    media_type: String,
}

/// What a file belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    /// A service record.
    Record(i64),
    /// An evaluation (its annual summary).
    Evaluation(i64),
}

impl Store {
    /// Stores a service record.
    pub async fn add_service_record(
        &self,
        r: &NewRecord,
        edit: &Edit,
    ) -> StoreResult<ServiceRecord> {
        let at = now();
        let sql = format!(
            "INSERT INTO service_records (appointment_id, kind, held_on, hours, title, notes, lon, lat,
                 units, present, attendance, project_id, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             RETURNING {RECORD_COLUMNS}"
        );
        let values = vals![
            r.appointment,
            r.kind.as_str(),
            r.held_on,
            r.hours,
            &r.title,
            &r.notes,
            r.place.map(|p| p[0]),
            r.place.map(|p| p[1]),
            r.units.join(" "),
            serde_json::to_string(&r.present).unwrap_or_else(|_| "[]".into()),
            r.attendance,
            r.project,
            at,
            &edit.author
        ];
        let mut tx = self.begin().await?;
        let row: RecordRow = tx.fetch_one(&sql, values).await?;
        let record = row.into_record()?;
        let key = format!("{}", record.id);
        tx.audit(
            edit,
            "create",
            ("service_records", &key),
            None,
            json(&record),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Service records with their files: one appointment's, or every one; newest day first.
    pub async fn service_records(
        &self,
        appointment: Option<i64>,
    ) -> StoreResult<Vec<ServiceRecord>> {
        let (filter, values) = match appointment {
            Some(a) => ("WHERE appointment_id = $1", vals![a]),
            None => ("", vec![]),
        };
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM service_records {filter} ORDER BY held_on DESC, id DESC"
        );
        let mut records = decode(
            self.fetch_all(&sql, values.clone()).await?,
            RecordRow::into_record,
        )?;
        let files_sql = format!(
            "SELECT id, record_id, name, media_type FROM evaluation_files
             WHERE record_id IN (SELECT id FROM service_records {filter}) ORDER BY id"
        );
        let files: Vec<FileRow> = self.fetch_all(&files_sql, values).await?;
        for f in files {
            if let Some(r) = records.iter_mut().find(|r| Some(r.id) == f.record_id) {
                r.files.push(RecordFile {
                    id: f.id,
                    name: f.name,
                    media_type: f.media_type,
                });
            }
        }
        Ok(records)
    }

    /// One service record (without its files).
    pub async fn service_record(&self, id: i64) -> StoreResult<Option<ServiceRecord>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1");
        let row: Option<RecordRow> = self.fetch_optional(&sql, vals![id]).await?;
        Ok(row.map(RecordRow::into_record).transpose()?)
    }

    /// Withdraws service record `id` (logged by mistake) with its files; audited with what it
    /// was. 409 if a confirmed evaluation of its appointment counts its day: a frozen sheet's
    /// evidence stays.
    pub async fn withdraw_service_record(&self, id: i64, edit: &Edit) -> StoreResult<()> {
        let at = now();
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1 FOR UPDATE");
        let row: Option<RecordRow> = tx.fetch_optional(&sql, vals![id]).await?;
        let record = row.ok_or(StoreError::NotFound)?.into_record()?;
        let frozen: Option<(i64,)> = tx
            .fetch_optional(
                "SELECT id FROM evaluations WHERE appointment_id = $1 AND status = 'confirmed'
                 AND period_from <= $2 AND $2 <= period_to LIMIT 1",
                vals![record.appointment, record.held_on],
            )
            .await?;
        if let Some((evaluation,)) = frozen {
            return Err(StoreError::Conflict(format!(
                "service record {id} counts on confirmed evaluation {evaluation}: it stays as evidence"
            )));
        }
        tx.execute(
            "DELETE FROM evaluation_files WHERE record_id = $1",
            vals![id],
        )
        .await?;
        tx.execute("DELETE FROM service_records WHERE id = $1", vals![id])
            .await?;
        let key = id.to_string();
        tx.audit(
            edit,
            "delete",
            ("service_records", &key),
            json(&record),
            None,
            at,
        )
        .await?;
        tx.commit().await
    }

    /// Stores a file of a record or an evaluation; for an evaluation, refused once confirmed.
    pub async fn add_evaluation_file(
        &self,
        owner: Owner,
        name: &str,
        (media_type, bytes): (&str, Vec<u8>),
        edit: &Edit,
    ) -> StoreResult<RecordFile> {
        let at = now();
        let (record, evaluation, collection, key) = match owner {
            Owner::Record(r) => (Some(r), None, "service_records", r.to_string()),
            Owner::Evaluation(e) => (None, Some(e), "evaluations", e.to_string()),
        };
        let mut tx = self.begin().await?;
        if let Some(e) = evaluation {
            unfrozen(&mut tx, e).await?;
        }
        let row: (i64,) = tx
            .fetch_one(
                "INSERT INTO evaluation_files (record_id, evaluation_id, name, media_type, bytes, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                vals![record, evaluation, name, media_type, bytes, at, &edit.author],
            )
            .await?;
        let file = RecordFile {
            id: row.0,
            name: name.into(),
            media_type: media_type.into(),
        };
        let after = serde_json::json!({"file": file.id, "name": name, "media_type": media_type});
        tx.audit(edit, "attach", (collection, &key), None, Some(after), at)
            .await?;
        tx.commit().await?;
        Ok(file)
    }

    /// One file.
    pub async fn evaluation_file(&self, id: i64) -> StoreResult<Option<StoredFile>> {
        let sql = "SELECT record_id, evaluation_id, name, media_type, bytes FROM evaluation_files WHERE id = $1";
        self.fetch_optional(sql, vals![id]).await
    }

    /// Every evaluation's annual summary (its latest file), by evaluation.
    pub async fn evaluation_summaries(&self) -> StoreResult<BTreeMap<i64, RecordFile>> {
        let sql = "SELECT id, evaluation_id, name, media_type FROM evaluation_files
                   WHERE evaluation_id IS NOT NULL ORDER BY id";
        let rows: Vec<SummaryRow> = self.fetch_all(sql, vec![]).await?;
        Ok(rows
            .into_iter()
            .map(|f| {
                let file = RecordFile {
                    id: f.id,
                    name: f.name,
                    media_type: f.media_type,
                };
                (f.evaluation_id, file)
            })
            .collect())
    }
}
