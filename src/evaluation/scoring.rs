//! The evaluator's part: scoring items (a reason to change a computed one), the annual summary,
//! submitting and confirming (then frozen), and what a confirmed result means for renewal.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::loaded::sheet_of;
use super::record_store::Owner;
use super::routes::{appointment, evaluator, readable};
use super::service::{NameQuery, edit};
use super::sheet::{Sheet, renewal_name};
use super::store::Status;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::state::AppState;

/// An evaluator's score of one item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// The points, from 0 to the item's maximum in steps of 0.5; null gives a computed item
    /// back to its records.
    pub points: Option<f64>,
    /// Why: required to change what the records computed.
    pub reason: Option<String>,
}

/// Scores an item: a manual item's points, or an adjustment of a computed one with its reason.
/// The points before and after and the reason go to the audit log.
#[utoipa::path(put, operation_id = "evaluations_score", path = "/api/evaluations/{evaluationId}/scores/{item}", tag = "Evaluation",
    params(("evaluationId" = i64, Path, description = "The evaluation's id"), ("item" = String, Path, description = "The item's id, e.g. 3.1")),
    request_body(content = ScoreInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The sheet", body = Sheet),
        (status = 403, description = "Not an evaluator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The evaluation is confirmed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Points outside the item's range, or a computed item changed without a reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn score(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path((id, item)): Path<(String, String)>,
    body: JsonBody,
) -> AppResult<Json<Sheet>> {
    let principal = evaluator(&viewer)?;
    let e = readable(&state, &viewer, &id).await?;
    if e.status == Status::Confirmed {
        return Err(AppError::Conflict(format!(
            "evaluation {} is confirmed: it is frozen and can no longer be changed",
            e.id
        )));
    }
    let input: ScoreInput = body.parse()?;
    let sheet = sheet_of(&state, &e).await?;
    let Some(current) = sheet
        .groups
        .iter()
        .flat_map(|g| &g.items)
        .find(|i| i.id == item)
    else {
        return Err(AppError::NotFound(format!(
            "the {} sheet has no item {item}",
            sheet.template
        )));
    };
    if let Some(p) = input.points
        && !(p.is_finite() && (0.0..=current.max).contains(&p) && (p * 2.0).fract() == 0.0)
    {
        return Err(AppError::unprocessable(
            "Points out of range",
            "/points",
            format!(
                "item {item} scores 0 to {} in steps of 0.5 (got {p})",
                current.max
            ),
        ));
    }
    let reason = input
        .reason
        .as_deref()
        .map(|r| crate::text::clean(r.trim(), "/reason", crate::text::Lines::Many, 2000))
        .transpose()?
        .filter(|r| !r.is_empty());
    let overrides = current.rule.is_some() && input.points != current.computed;
    if overrides && reason.is_none() {
        return Err(AppError::unprocessable(
            "Missing reason",
            "/reason",
            format!(
                "item {item} is computed from the records ({}): say why it scores otherwise",
                current.basis.as_deref().unwrap_or("")
            ),
        ));
    }
    if current.manual.is_some() && input.points.is_none() && current.adjusted.is_none() {
        return Err(AppError::unprocessable(
            "Missing points",
            "/points",
            format!("item {item} is scored by the evaluator: give its points"),
        ));
    }
    let a = appointment(&state, e.appointment).await?;
    state
        .store
        .set_score(
            (e.id, &item),
            input.points,
            reason.as_deref(),
            current.computed,
            &edit(principal, &info, &a),
        )
        .await?;
    Ok(Json(sheet_of(&state, &e).await?))
}

/// Attaches the annual summary (年度工作总结): the planner whose evaluation it is, or an
/// evaluator; a PDF, JPEG or PNG of at most 2 MiB. The latest one counts.
#[utoipa::path(post, operation_id = "evaluations_add_summary", path = "/api/evaluations/{evaluationId}/summary", tag = "Evaluation",
    params(("evaluationId" = i64, Path, description = "The evaluation's id"), ("name" = String, Query, description = "The file's name")),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses(
        (status = 201, description = "Stored", body = RecordFile),
        (status = 404, description = "No such evaluation the caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The evaluation is confirmed", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_summary(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    Query(query): Query<NameQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let e = readable(&state, &viewer, &id).await?;
    let principal = viewer.principal()?;
    let name = crate::text::name(&query.name, "?name", 200)?;
    let (bytes, media_type) =
        crate::projects::media::read_document(&state, request, "an annual summary").await?;
    let a = appointment(&state, e.appointment).await?;
    let file = state
        .store
        .add_evaluation_file(
            Owner::Evaluation(e.id),
            &name,
            (media_type, bytes),
            &edit(principal, &info, &a),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(file)).into_response())
}

/// Submits an evaluation for confirmation: every item must have points (409 naming those
/// that do not).
#[utoipa::path(post, operation_id = "evaluations_submit", path = "/api/evaluations/{evaluationId}/submit", tag = "Evaluation",
    params(("evaluationId" = i64, Path, description = "The evaluation's id")),
    responses(
        (status = 200, description = "The sheet, submitted", body = Sheet),
        (status = 409, description = "Items unscored, or not a draft", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
) -> AppResult<Json<Sheet>> {
    let principal = evaluator(&viewer)?;
    let e = readable(&state, &viewer, &id).await?;
    let sheet = sheet_of(&state, &e).await?;
    if !sheet.complete {
        return Err(AppError::Conflict(format!(
            "evaluation {} has items without points: {}; score them first",
            e.id,
            sheet.missing.join(", ")
        )));
    }
    let a = appointment(&state, e.appointment).await?;
    let moved = state
        .store
        .move_evaluation(
            e.id,
            (Status::Draft, Status::Submitted),
            None,
            &edit(principal, &info, &a),
        )
        .await?;
    Ok(Json(sheet_of(&state, &moved).await?))
}

/// Confirms a submitted evaluation: its sheet is frozen as it stands, and its result decides
/// whether the appointment may be renewed.
#[utoipa::path(post, operation_id = "evaluations_confirm", path = "/api/evaluations/{evaluationId}/confirm", tag = "Evaluation",
    params(("evaluationId" = i64, Path, description = "The evaluation's id")),
    responses(
        (status = 200, description = "The sheet, confirmed and frozen", body = Sheet),
        (status = 409, description = "Not submitted, or confirmed already", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
) -> AppResult<Json<Sheet>> {
    let principal = evaluator(&viewer)?;
    let e = readable(&state, &viewer, &id).await?;
    if e.status != Status::Submitted {
        return Err(AppError::Conflict(format!(
            "evaluation {} is {}: only a submitted evaluation is confirmed",
            e.id,
            e.status.as_str()
        )));
    }
    let sheet = sheet_of(&state, &e)
        .await?
        .confirmed(&principal.author, Utc::now());
    let frozen = serde_json::to_string(&sheet)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("freezing the sheet: {err}")))?;
    let a = appointment(&state, e.appointment).await?;
    state
        .store
        .move_evaluation(
            e.id,
            (Status::Submitted, Status::Confirmed),
            Some((
                &frozen,
                sheet.total,
                &sheet.result.id,
                renewal_name(sheet.renewal()),
            )),
            &edit(principal, &info, &a),
        )
        .await?;
    Ok(Json(sheet))
}

/// Why renewing appointment `previous` is refused, if it is: its latest confirmed evaluation's
/// result refuses renewal (不合格). Names the evaluation.
pub async fn renewal_refusal(
    store: &crate::store::Store,
    previous: i64,
) -> Result<Option<String>, AppError> {
    let Some(e) = store.last_confirmed(previous).await? else {
        return Ok(None);
    };
    let Some((total, result, renewal)) = &e.outcome else {
        return Ok(None);
    };
    if renewal != "refused" {
        return Ok(None);
    }
    let period = match e.year {
        Some(y) => format!("{y}"),
        None => format!("the term {} to {}", e.from, e.to),
    };
    Ok(Some(format!(
        "appointment {previous} may not be renewed: evaluation {} ({} sheet, {period}) scored {total}, {result}, and the rules refuse a failed planner a new term",
        e.id, e.template
    )))
}
