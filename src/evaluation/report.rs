//! The district table (考评汇总): every appointment with the hours logged under it, its latest
//! evaluation, that evaluation's score and result, and what the result means for renewal; for
//! evaluators, as JSON and as CSV.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::loaded::{Loaded, fill};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::policy::{self, Action};
use crate::state::AppState;

/// One appointment's line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TableRow {
    /// The appointment.
    pub appointment: i64,
    /// As what.
    pub kind: String,
    /// Its holder.
    pub holder: String,
    /// Its units.
    pub units: Vec<String>,
    /// The term's first day.
    pub starts_on: NaiveDate,
    /// The term's last day.
    pub ends_on: NaiveDate,
    /// Hours logged over the term so far.
    pub hours: f64,
    /// Its latest evaluation (by the last day counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<i64>,
    /// The template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The evaluation's year, or none for the term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Its status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Its score (so far, until confirmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Its result's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Its result in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_zh: Option<String>,
    /// Its result in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_en: Option<String>,
    /// What a confirmed result means for renewal: eligible, allowed, refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewal: Option<String>,
}

/// The district table.
#[derive(Debug, Serialize, ToSchema)]
pub struct Table {
    /// One line per appointment, oldest first.
    pub rows: Vec<TableRow>,
}

async fn rows(state: &AppState, viewer: &Viewer) -> AppResult<Vec<TableRow>> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::Evaluate, chrono::Utc::now())?;
    let loaded = Loaded::read(state, None).await?;
    let evaluations = state.store.evaluations().await?;
    let mut out = Vec::new();
    for a in loaded.appointments() {
        let named = loaded.evaluated(state, a);
        let latest = evaluations
            .iter()
            .filter(|e| e.appointment == a.id)
            .max_by_key(|e| (e.to, e.id));
        let mut row = TableRow {
            appointment: a.id,
            kind: named.kind,
            holder: named.holder,
            units: named.units,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            hours: (loaded.hours(a.id) * 10.0).round() / 10.0,
            evaluation: None,
            template: None,
            year: None,
            status: None,
            score: None,
            result: None,
            result_zh: None,
            result_en: None,
            renewal: None,
        };
        if let Some(e) = latest {
            let sheet = fill(state, e, &loaded)?;
            row.evaluation = Some(e.id);
            row.template = Some(e.template.clone());
            row.year = e.year;
            row.status = Some(e.status.as_str().into());
            row.score = Some(sheet.total);
            row.result_zh = Some(sheet.result.name_zh.clone());
            row.result_en = Some(sheet.result.name_en.clone());
            row.renewal = e.outcome.as_ref().map(|o| o.2.clone());
            row.result = Some(sheet.result.id);
        }
        out.push(row);
    }
    Ok(out)
}

/// Every appointment's hours, latest evaluation, score and result (evaluators).
#[utoipa::path(get, operation_id = "evaluations_table", path = "/api/evaluations/table", tag = "Evaluation",
    responses(
        (status = 200, description = "The table", body = Table),
        (status = 403, description = "Not an evaluator", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn table(State(state): State<AppState>, viewer: Viewer) -> AppResult<Json<Table>> {
    Ok(Json(Table {
        rows: rows(&state, &viewer).await?,
    }))
}

/// The district table as CSV.
#[utoipa::path(get, operation_id = "evaluations_table_csv", path = "/api/evaluations/table.csv", tag = "Evaluation",
    responses(
        (status = 200, description = "The table", content_type = "text/csv"),
        (status = 403, description = "Not an evaluator", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn table_csv(
    State(state): State<AppState>,
    viewer: Viewer,
) -> AppResult<Response> {
    let rows = rows(&state, &viewer).await?;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.appointment.to_string(),
                r.kind.clone(),
                r.holder.clone(),
                r.units.join(" "),
                r.starts_on.to_string(),
                r.ends_on.to_string(),
                r.hours.to_string(),
                r.evaluation.map(|e| e.to_string()).unwrap_or_default(),
                text(&r.template),
                r.year.map(|y| y.to_string()).unwrap_or_default(),
                text(&r.status),
                r.score.map(|s| s.to_string()).unwrap_or_default(),
                text(&r.result),
                text(&r.result_zh),
                text(&r.renewal),
            ]
        })
        .collect();
    Ok(crate::http::csv::download(
        "evaluations.csv",
        &[
            "appointment",
            "kind",
            "holder",
            "units",
            "starts_on",
            "ends_on",
            "hours",
            "evaluation",
            "template",
            "year",
            "status",
            "score",
            "result",
            "result_zh",
            "renewal",
        ],
        &lines,
    ))
}
