//! `/api/service-records` and `/api/evaluations`: planners log their service against their
//! appointments; evaluators (the bureau and the chief planner team) evaluate an appointment
//! over a year or its term on a sheet the records pre-fill, score what is theirs to judge,
//! submit and confirm. A planner reads their own records and sheets, evaluators the district's,
//! the public none.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::loaded::sheet_of;
use super::service::{AppointmentQuery, edit};
use super::sheet::Sheet;
use super::store::Evaluation;
use super::template::Template;
use crate::auth::{Principal, Viewer};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::planners::Appointment;
use crate::policy::{self, Action};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/evaluations/templates", get(templates))
        .route(
            "/api/service-records",
            get(super::service::records).post(super::service::log_service),
        )
        .route(
            "/api/service-records/{recordId}",
            delete(super::service::withdraw_record),
        )
        .route(
            "/api/service-records/{recordId}/files",
            post(super::service::add_record_file),
        )
        .route("/api/evaluations", get(list).post(create))
        .route("/api/evaluations/table", get(super::report::table))
        .route("/api/evaluations/table.csv", get(super::report::table_csv))
        .route("/api/evaluations/files/{fileId}", get(super::service::file))
        .route("/api/evaluations/{evaluationId}", get(one))
        .route(
            "/api/evaluations/{evaluationId}/scores/{item}",
            put(super::scoring::score),
        )
        .route(
            "/api/evaluations/{evaluationId}/summary",
            post(super::scoring::add_summary),
        )
        .route(
            "/api/evaluations/{evaluationId}/submit",
            post(super::scoring::submit),
        )
        .route(
            "/api/evaluations/{evaluationId}/confirm",
            post(super::scoring::confirm),
        )
}

/// The evaluation templates.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    /// In the catalogue's order.
    pub templates: Vec<Template>,
}

/// The evaluation sheets lantu holds (public: they are the rules, not anyone's score).
#[utoipa::path(get, operation_id = "evaluations_templates", path = "/api/evaluations/templates", tag = "Evaluation",
    responses((status = 200, description = "The templates", body = TemplateList)))]
pub(super) async fn templates(State(state): State<AppState>) -> Json<TemplateList> {
    Json(TemplateList {
        templates: state.evaluation_templates.templates.clone(),
    })
}

pub(super) fn id_of(text: &str, what: &str) -> AppResult<i64> {
    text.parse()
        .map_err(|_| AppError::NotFound(format!("no {what} with id \"{text}\"")))
}

pub(super) async fn appointment(state: &AppState, id: i64) -> AppResult<Appointment> {
    state
        .store
        .appointments()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no appointment {id}")))
}

/// The last day appointment `a` is in force.
pub(super) fn last_day(a: &Appointment) -> NaiveDate {
    match a.terminated_on {
        Some(t) => a.ends_on.min(t.pred_opt().unwrap_or(t)),
        None => a.ends_on,
    }
}

/// An evaluation to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluation {
    /// The appointment.
    pub appointment: i64,
    /// The template (`binjiang`, `putuo`).
    pub template: String,
    /// A year of the term; none for the whole term.
    pub year: Option<i32>,
}

pub(super) fn evaluator(viewer: &Viewer) -> AppResult<&Principal> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::Evaluate, Utc::now())?;
    Ok(principal)
}

/// Starts an evaluation of an appointment over a year of its term, or the whole term.
#[utoipa::path(post, operation_id = "evaluations_create", path = "/api/evaluations", tag = "Evaluation",
    request_body(content = NewEvaluation, content_type = "application/json"),
    responses(
        (status = 201, description = "Its sheet, pre-filled", body = Sheet),
        (status = 403, description = "Not an evaluator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "That evaluation exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown appointment or template, or a year outside the term", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    body: JsonBody,
) -> AppResult<Response> {
    let principal = evaluator(&viewer)?;
    let input: NewEvaluation = body.parse()?;
    if state.evaluation_templates.get(&input.template).is_none() {
        let known: Vec<&str> = state
            .evaluation_templates
            .templates
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        return Err(AppError::unprocessable(
            "Unknown template",
            "/template",
            format!(
                "no template {:?}; one of {}",
                input.template,
                known.join(", ")
            ),
        ));
    }
    let a = appointment(&state, input.appointment).await.map_err(|_| {
        AppError::unprocessable(
            "Unknown appointment",
            "/appointment",
            format!("no appointment {}", input.appointment),
        )
    })?;
    let (mut from, mut to) = (a.starts_on, last_day(&a));
    if let Some(y) = input.year {
        let (first, last) = (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        );
        let (Some(first), Some(last)) = (first, last) else {
            return Err(AppError::unprocessable(
                "Invalid year",
                "/year",
                format!("{y}"),
            ));
        };
        from = from.max(first);
        to = to.min(last);
        if from > to {
            return Err(AppError::unprocessable(
                "Outside the term",
                "/year",
                format!(
                    "appointment {} runs from {} to {}: {y} is not in it",
                    a.id,
                    a.starts_on,
                    last_day(&a)
                ),
            ));
        }
    }
    let e = state
        .store
        .create_evaluation(
            (a.id, &input.template),
            (from, to, input.year),
            &edit(principal, &info, &a),
        )
        .await?;
    let sheet = sheet_of(&state, &e).await?;
    Ok((StatusCode::CREATED, Json(sheet)).into_response())
}

/// An evaluation in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationSummary {
    /// Its id.
    pub id: i64,
    /// The appointment.
    pub appointment: i64,
    /// The template.
    pub template: String,
    /// The first day counted.
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
    /// The year, or none for the term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Its status.
    #[schema(value_type = String)]
    pub status: String,
    /// Once confirmed, the total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Once confirmed, the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

/// Evaluations.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationList {
    /// Oldest first.
    pub evaluations: Vec<EvaluationSummary>,
}

/// The evaluations the caller may read: their own appointments', or (evaluators) every one.
#[utoipa::path(get, operation_id = "evaluations_list", path = "/api/evaluations", tag = "Evaluation",
    params(("appointment" = Option<i64>, Query, description = "Only this appointment's")),
    responses(
        (status = 200, description = "The evaluations", body = EvaluationList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AppointmentQuery>,
) -> AppResult<Json<EvaluationList>> {
    let principal = viewer.principal()?;
    let evaluator = policy::may(principal, Action::Evaluate, Utc::now()).is_ok();
    let evaluations = state
        .store
        .evaluations()
        .await?
        .into_iter()
        .filter(|e| evaluator || policy::holds_appointment(principal, e.appointment))
        .filter(|e| q.appointment.is_none_or(|a| a == e.appointment))
        .map(|e| EvaluationSummary {
            id: e.id,
            appointment: e.appointment,
            template: e.template,
            from: e.from,
            to: e.to,
            year: e.year,
            status: e.status.as_str().into(),
            total: e.outcome.as_ref().map(|o| o.0),
            result: e.outcome.map(|o| o.1),
        })
        .collect();
    Ok(Json(EvaluationList { evaluations }))
}

/// Evaluation `id`, if the caller may read it (404 otherwise: another planner's is not theirs
/// to know of).
pub(super) async fn readable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Evaluation> {
    let principal = viewer.principal()?;
    let missing = || AppError::NotFound(format!("no evaluation {id}"));
    let e = state
        .store
        .evaluation(id_of(id, "evaluation")?)
        .await?
        .ok_or_else(missing)?;
    policy::may_read_evaluation(principal, e.appointment, Utc::now()).map_err(|_| missing())?;
    Ok(e)
}

/// An evaluation's sheet: every item, its points and how they follow, the evaluator's scores
/// and reasons, the evidence, the total and the result.
#[utoipa::path(get, operation_id = "evaluations_one", path = "/api/evaluations/{evaluationId}", tag = "Evaluation",
    params(("evaluationId" = i64, Path, description = "The evaluation's id")),
    responses(
        (status = 200, description = "The sheet", body = Sheet),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such evaluation the caller may read", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Json<Sheet>> {
    let e = readable(&state, &viewer, &id).await?;
    Ok(Json(sheet_of(&state, &e).await?))
}
