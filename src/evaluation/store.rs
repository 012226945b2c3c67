//! Where service records and evaluations live: `service_records`, `evaluations`,
//! `evaluation_scores`, `evaluation_files`. Every write is audited (collections
//! `service_records` and `evaluations`); a score's reason is in its audit entry. A confirmed
//! evaluation refuses every change, in the same transaction that would make it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::records::{RecordFile, ServiceKind, ServiceRecord};
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

/// An evaluation's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being filled in.
    Draft,
    /// Submitted for confirmation.
    Submitted,
    /// Confirmed: frozen.
    Confirmed,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Confirmed => "confirmed",
        }
    }

    fn parse(s: &str) -> anyhow::Result<Self> {
        [Self::Draft, Self::Submitted, Self::Confirmed]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| anyhow::anyhow!("stored evaluation status {s:?} is unknown"))
    }
}

/// An evaluation as stored (its sheet is built from it: see [`super::sheet`]).
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Its id.
    pub id: i64,
    /// The appointment evaluated.
    pub appointment: i64,
    /// The template's id.
    pub template: String,
    /// The first day counted.
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
    /// The year evaluated, or none for the whole term.
    pub year: Option<i32>,
    /// Its status.
    pub status: Status,
    /// Who started it, and when.
    pub created: (String, DateTime<Utc>),
    /// Who submitted it, and when.
    pub submitted: Option<(String, DateTime<Utc>)>,
    /// Who confirmed it, and when.
    pub confirmed: Option<(String, DateTime<Utc>)>,
    /// Once confirmed: its total, result id and what that means for renewal.
    pub outcome: Option<(f64, String, String)>,
    /// Once confirmed: the sheet as it was, JSON.
    pub frozen: Option<String>,
}

const EVALUATION_COLUMNS: &str = "id, appointment_id, template, period_from, period_to, year, \
     status, created_at, created_by, submitted_at, submitted_by, confirmed_at, confirmed_by, \
     total, result, renewal, frozen";

#[derive(sqlx::FromRow)]
struct EvaluationRow {
    id: i64,
    appointment_id: i64,
    template: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    year: Option<i64>,
    status: String,
    created_at: DateTime<Utc>,
    created_by: String,
    submitted_at: Option<DateTime<Utc>>,
    submitted_by: Option<String>,
    confirmed_at: Option<DateTime<Utc>>,
    confirmed_by: Option<String>,
    total: Option<f64>,
    result: Option<String>,
    renewal: Option<String>,
    frozen: Option<String>,
}

impl EvaluationRow {
    fn into_evaluation(self) -> anyhow::Result<Evaluation> {
        let outcome = match (self.total, self.result, self.renewal) {
            (Some(t), Some(r), Some(n)) => Some((t, r, n)),
            _ => None,
        };
        Ok(Evaluation {
            id: self.id,
            appointment: self.appointment_id,
            template: self.template,
            from: self.period_from,
            to: self.period_to,
            year: self.year.and_then(|y| i32::try_from(y).ok()),
            status: Status::parse(&self.status)?,
            created: (self.created_by, self.created_at),
            submitted: self.submitted_by.zip(self.submitted_at),
            confirmed: self.confirmed_by.zip(self.confirmed_at),
            outcome,
            frozen: self.frozen,
        })
    }
}

/// An evaluator's score of one item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Score {
    /// The evaluation.
    pub evaluation_id: i64,
    /// The item.
    pub item: String,
    /// Its points.
    pub points: f64,
    /// Why (required when it overrides a computed item).
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
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

fn json(value: &impl serde::Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
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

    /// Starts an evaluation of `appointment` on `template` over `from`–`to` (409 if that one
    /// exists).
    pub async fn create_evaluation(
        &self,
        (appointment, template): (i64, &str),
        (from, to, year): (NaiveDate, NaiveDate, Option<i32>),
        edit: &Edit,
    ) -> StoreResult<Evaluation> {
        let at = now();
        let sql = format!(
            "INSERT INTO evaluations (appointment_id, template, period_from, period_to, year, status,
                 created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7) RETURNING {EVALUATION_COLUMNS}"
        );
        let values = vals![
            appointment,
            template,
            from,
            to,
            year.map(i64::from),
            at,
            &edit.author
        ];
        let mut tx = self.begin().await?;
        let row: EvaluationRow = tx.fetch_one(&sql, values).await.map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "appointment {appointment} has an evaluation on {template} for {from} to {to} already"
            )),
            other => other,
        })?;
        let evaluation = row.into_evaluation()?;
        let after = serde_json::json!({"appointment": appointment, "template": template,
            "from": from, "to": to, "year": year});
        let key = evaluation.id.to_string();
        tx.audit(edit, "create", ("evaluations", &key), None, Some(after), at)
            .await?;
        tx.commit().await?;
        Ok(evaluation)
    }

    /// Every evaluation, oldest first.
    pub async fn evaluations(&self) -> StoreResult<Vec<Evaluation>> {
        let sql = format!("SELECT {EVALUATION_COLUMNS} FROM evaluations ORDER BY id");
        decode(
            self.fetch_all(&sql, vec![]).await?,
            EvaluationRow::into_evaluation,
        )
    }

    /// One evaluation.
    pub async fn evaluation(&self, id: i64) -> StoreResult<Option<Evaluation>> {
        let sql = format!("SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE id = $1");
        let row: Option<EvaluationRow> = self.fetch_optional(&sql, vals![id]).await?;
        Ok(row.map(EvaluationRow::into_evaluation).transpose()?)
    }

    /// The evaluators' scores of every evaluation.
    pub async fn scores(&self) -> StoreResult<Vec<Score>> {
        let sql = "SELECT evaluation_id, item, points, reason, at, actor FROM evaluation_scores
                   ORDER BY evaluation_id, item";
        self.fetch_all(sql, vec![]).await
    }

    /// Sets (or, with no points, clears) the score of `item`; audited with the points before
    /// and after and the reason. 409 once the evaluation is confirmed.
    pub async fn set_score(
        &self,
        (id, item): (i64, &str),
        points: Option<f64>,
        reason: Option<&str>,
        computed: Option<f64>,
        edit: &Edit,
    ) -> StoreResult<()> {
        let at = now();
        let mut tx = self.begin().await?;
        unfrozen(&mut tx, id).await?;
        let before: Option<(f64, Option<String>)> = tx
            .fetch_optional(
                "SELECT points, reason FROM evaluation_scores WHERE evaluation_id = $1 AND item = $2",
                vals![id, item],
            )
            .await?;
        match points {
            Some(p) => {
                tx.execute(
                    "INSERT INTO evaluation_scores (evaluation_id, item, points, reason, at, actor)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (evaluation_id, item) DO UPDATE
                     SET points = excluded.points, reason = excluded.reason, at = excluded.at,
                         actor = excluded.actor",
                    vals![id, item, p, reason, at, &edit.author],
                )
                .await?;
            }
            None => {
                tx.execute(
                    "DELETE FROM evaluation_scores WHERE evaluation_id = $1 AND item = $2",
                    vals![id, item],
                )
                .await?;
            }
        }
        let before = serde_json::json!({"item": item, "computed": computed,
            "points": before.as_ref().map(|b| b.0), "reason": before.and_then(|b| b.1)});
        let after = serde_json::json!({"item": item, "computed": computed, "points": points,
            "reason": reason});
        let key = format!("{id}:{item}");
        tx.audit(
            edit,
            "score",
            ("evaluations", &key),
            Some(before),
            Some(after),
            at,
        )
        .await?;
        tx.commit().await
    }

    /// Moves evaluation `id` from `from` to `to` (submitted, or confirmed with the frozen sheet
    /// and its outcome: total, result, renewal). 409 if it is not at `from` (someone moved it
    /// on).
    pub async fn move_evaluation(
        &self,
        id: i64,
        (from, to): (Status, Status),
        frozen: Option<(&str, f64, &str, &str)>,
        edit: &Edit,
    ) -> StoreResult<Evaluation> {
        let at = now();
        let (set, values) = match (to, frozen) {
            (Status::Confirmed, Some((sheet, total, result, renewal))) => (
                "confirmed_at = $3, confirmed_by = $4, frozen = $5, total = $6, result = $7, renewal = $8",
                vals![
                    id,
                    from.as_str(),
                    at,
                    &edit.author,
                    sheet,
                    total,
                    result,
                    renewal
                ],
            ),
            (Status::Submitted, None) => (
                "submitted_at = $3, submitted_by = $4",
                vals![id, from.as_str(), at, &edit.author],
            ),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "evaluation {id}: a confirmation carries its frozen sheet, and only submitting and confirming move an evaluation"
                )));
            }
        };
        let sql = format!(
            "UPDATE evaluations SET status = '{}', {set} WHERE id = $1 AND status = $2
             RETURNING {EVALUATION_COLUMNS}",
            to.as_str()
        );
        let mut tx = self.begin().await?;
        let row: Option<EvaluationRow> = tx.fetch_optional(&sql, values).await?;
        let moved = row
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "evaluation {id} is not {} (it moved on meanwhile)",
                    from.as_str()
                ))
            })?
            .into_evaluation()?;
        let before = serde_json::json!({"status": from.as_str()});
        let mut after = serde_json::json!({"status": to.as_str()});
        if let Some((_, total, result, renewal)) = frozen {
            after = serde_json::json!({"status": to.as_str(), "total": total, "result": result,
                "renewal": renewal});
        }
        let key = id.to_string();
        tx.audit(
            edit,
            to.as_str(),
            ("evaluations", &key),
            Some(before),
            Some(after),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// The latest confirmed evaluation of `appointment` (by the last day it counts), if any.
    pub async fn last_confirmed(&self, appointment: i64) -> StoreResult<Option<Evaluation>> {
        let sql = format!(
            "SELECT {EVALUATION_COLUMNS} FROM evaluations
             WHERE appointment_id = $1 AND status = 'confirmed'
             ORDER BY period_to DESC, confirmed_at DESC LIMIT 1"
        );
        let row: Option<EvaluationRow> = self.fetch_optional(&sql, vals![appointment]).await?;
        Ok(row.map(EvaluationRow::into_evaluation).transpose()?)
    }
}

/// Refuses (409) a change of evaluation `id` once it is confirmed; 404 if there is none. Locks
/// the row, so a confirmation cannot slip between the check and the change.
async fn unfrozen(tx: &mut crate::store::Conn<'_>, id: i64) -> StoreResult<()> {
    let status: Option<(String,)> = tx
        .fetch_optional(
            "SELECT status FROM evaluations WHERE id = $1 FOR UPDATE",
            vals![id],
        )
        .await?;
    match status {
        None => Err(StoreError::NotFound),
        Some((s,)) if s == "confirmed" => Err(StoreError::Conflict(format!(
            "evaluation {id} is confirmed: it is frozen and can no longer be changed"
        ))),
        Some(_) => Ok(()),
    }
}
