//! Where evaluations live: `evaluations` and `evaluation_scores`. Every write is audited
//! (collection `evaluations`); a score's reason is in its audit entry. A confirmed evaluation
//! refuses every change, in the same transaction that would make it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::rows::{decode, now};
use crate::store::{Store, StoreError, StoreResult, vals};
use crate::version::Edit;

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

pub(super) fn json(value: &impl serde::Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

impl Store {
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
pub(super) async fn unfrozen(tx: &mut crate::store::Conn<'_>, id: i64) -> StoreResult<()> {
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
