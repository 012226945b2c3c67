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

use super::evidence::Records;
use super::records::{ServiceInput, ServiceRecord, ServiceRecordList};
use super::sheet::{Evaluated, Inputs, Sheet, build, renewal_name};
use super::store::{Evaluation, NewRecord, Owner, Status};
use super::template::Template;
use crate::auth::{Principal, Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::planners::{Appointment, Holder, china_day};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::units::UnitCode;
use crate::version::Edit;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/evaluations/templates", get(templates))
        .route("/api/service-records", get(records).post(log_service))
        .route("/api/service-records/{recordId}", delete(withdraw_record))
        .route(
            "/api/service-records/{recordId}/files",
            post(add_record_file),
        )
        .route("/api/evaluations", get(list).post(create))
        .route("/api/evaluations/table", get(super::report::table))
        .route("/api/evaluations/table.csv", get(super::report::table_csv))
        .route("/api/evaluations/files/{fileId}", get(file))
        .route("/api/evaluations/{evaluationId}", get(one))
        .route("/api/evaluations/{evaluationId}/scores/{item}", put(score))
        .route("/api/evaluations/{evaluationId}/summary", post(add_summary))
        .route("/api/evaluations/{evaluationId}/submit", post(submit))
        .route("/api/evaluations/{evaluationId}/confirm", post(confirm))
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

fn id_of(text: &str, what: &str) -> AppResult<i64> {
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
fn last_day(a: &Appointment) -> NaiveDate {
    match a.terminated_on {
        Some(t) => a.ends_on.min(t.pred_opt().unwrap_or(t)),
        None => a.ends_on,
    }
}

fn within(unit: &str, area: &UnitCode) -> bool {
    unit.starts_with(area.as_str())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppointmentQuery {
    appointment: Option<i64>,
}

/// Service records the caller may read: their own appointments', or (evaluators) every one.
#[utoipa::path(get, operation_id = "service_records", path = "/api/service-records", tag = "Evaluation",
    params(("appointment" = Option<i64>, Query, description = "Only this appointment's")),
    responses(
        (status = 200, description = "The records, newest first", body = ServiceRecordList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an appointment the caller may read", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn records(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AppointmentQuery>,
) -> AppResult<Json<ServiceRecordList>> {
    let principal = viewer.principal()?;
    let now = Utc::now();
    if let Some(a) = q.appointment {
        policy::may_read_evaluation(principal, a, now)?;
    }
    let evaluator = policy::may(principal, Action::Evaluate, now).is_ok();
    let records: Vec<ServiceRecord> = state
        .store
        .service_records(q.appointment)
        .await?
        .into_iter()
        .filter(|r| evaluator || policy::holds_appointment(principal, r.appointment))
        .collect();
    let hours = records.iter().fold(0.0, |s, r| s + r.hours);
    Ok(Json(ServiceRecordList { records, hours }))
}

/// Checks a service record against its appointment: the day within its term and not ahead,
/// hours, text, the place and units inside the appointment's units, the project known.
async fn checked(state: &AppState, a: &Appointment, input: ServiceInput) -> AppResult<NewRecord> {
    let today = china_day(Utc::now());
    let last = last_day(a);
    if input.held_on < a.starts_on || input.held_on > last {
        return Err(AppError::unprocessable(
            "Outside the term",
            "/held_on",
            format!(
                "{} lies outside appointment {}'s term ({} to {last})",
                input.held_on, a.id, a.starts_on
            ),
        ));
    }
    if input.held_on > today {
        return Err(AppError::unprocessable(
            "A day ahead",
            "/held_on",
            format!(
                "{} is after today ({today}): log service once it is done",
                input.held_on
            ),
        ));
    }
    if !(input.hours.is_finite() && input.hours > 0.0 && input.hours <= 24.0) {
        return Err(AppError::unprocessable(
            "Invalid hours",
            "/hours",
            format!(
                "{} hours: a day's service is more than 0 and at most 24 hours",
                input.hours
            ),
        ));
    }
    let title = crate::text::name(&input.title, "/title", 200)?;
    let notes = input
        .notes
        .as_deref()
        .map(|n| crate::text::clean(n.trim(), "/notes", crate::text::Lines::Many, 4000))
        .transpose()?
        .filter(|n| !n.is_empty());
    if input.present.len() > 50 {
        return Err(AppError::unprocessable(
            "Too many names",
            "/present",
            "at most 50 people present are named: give the rest as attendance",
        ));
    }
    let present = input
        .present
        .iter()
        .enumerate()
        .map(|(i, p)| crate::text::name(p, &format!("/present/{i}"), 100))
        .collect::<AppResult<Vec<_>>>()?;
    if input
        .attendance
        .is_some_and(|n| !(0..=100_000).contains(&n))
    {
        return Err(AppError::unprocessable(
            "Invalid attendance",
            "/attendance",
            "attendance is a count from 0 to 100000",
        ));
    }
    if let Some(p) = input.project
        && state.store.find_project(p).await?.is_none()
    {
        return Err(AppError::unprocessable(
            "Unknown project",
            "/project",
            format!("no project {p}"),
        ));
    }
    let mut units = units_of(state, a, &input)?;
    if input.place.is_none() && units.is_empty() {
        units = a.units.iter().map(|u| u.as_str().to_owned()).collect();
    }
    Ok(NewRecord {
        appointment: a.id,
        kind: input.kind,
        held_on: input.held_on,
        hours: input.hours,
        title,
        notes,
        place: input.place,
        units,
        present,
        attendance: input.attendance,
        project: input.project,
    })
}

/// The units a record names, each inside the appointment's; its place checked to lie inside
/// them too.
fn units_of(state: &AppState, a: &Appointment, input: &ServiceInput) -> AppResult<Vec<String>> {
    let catalog = state.catalog();
    let mut units = Vec::new();
    for (i, u) in input.units.iter().enumerate() {
        let pointer = format!("/units/{i}");
        let code = UnitCode::parse(u)
            .map_err(|e| AppError::unprocessable("Invalid unit", pointer.clone(), e))?;
        if catalog.unit(&code).is_none() {
            return Err(AppError::unprocessable(
                "Unknown unit",
                pointer,
                format!("no planning unit {code}"),
            ));
        }
        if !a.units.iter().any(|area| within(code.as_str(), area)) {
            return Err(AppError::unprocessable(
                "Outside the appointment",
                pointer,
                format!("{code} lies outside appointment {}'s units", a.id),
            ));
        }
        units.push(code.as_str().to_owned());
    }
    if let Some([lon, lat]) = input.place {
        if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
            return Err(AppError::unprocessable(
                "Invalid place",
                "/place",
                format!("[{lon}, {lat}] is no WGS 84 longitude and latitude"),
            ));
        }
        let point = geo::Geometry::Point(geo::Point::new(lon, lat));
        let inside = crate::catalog::units_in(&catalog.units_near(&point), &point);
        if !inside
            .iter()
            .any(|u| a.units.iter().any(|area| within(u.as_str(), area)))
        {
            return Err(AppError::unprocessable(
                "Outside the appointment",
                "/place",
                format!(
                    "[{lon}, {lat}] lies outside appointment {}'s units ({})",
                    a.id,
                    a.units
                        .iter()
                        .map(UnitCode::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(units)
}

/// Whether `principal` may log service under `a`: its holder (in person or through its team),
/// or an admin.
fn may_log(principal: &Principal, a: &Appointment) -> AppResult<()> {
    if policy::holds_appointment(principal, a.id) || principal.roles.contains(&Role::Admin) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "{} does not hold appointment {}: service is logged by the planner who did it",
        principal.author, a.id
    )))
}

fn edit(principal: &Principal, info: &RequestInfo, a: &Appointment) -> Edit {
    Edit {
        units: a.units.iter().map(|u| u.as_str().to_owned()).collect(),
        ..info.edit_by(principal.author.clone())
    }
}

/// Logs a service record under one of the caller's appointments.
#[utoipa::path(post, operation_id = "service_records_create", path = "/api/service-records", tag = "Evaluation",
    request_body(content = ServiceInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Logged", body = ServiceRecord),
        (status = 403, description = "Not the appointment's holder", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day outside the term or ahead, bad hours, a place outside the appointment's units", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn log_service(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    body: JsonBody,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let input: ServiceInput = body.parse()?;
    let a = appointment(&state, input.appointment).await.map_err(|_| {
        AppError::unprocessable(
            "Unknown appointment",
            "/appointment",
            format!("no appointment {}", input.appointment),
        )
    })?;
    may_log(principal, &a)?;
    let new = checked(&state, &a, input).await?;
    let record = state
        .store
        .add_service_record(&new, &edit(principal, &info, &a))
        .await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameQuery {
    name: String,
}

/// Adds a file to a service record (a sign-in sheet, slides, a photo): a PDF, JPEG or PNG of
/// at most 2 MiB, images' metadata stripped.
#[utoipa::path(post, operation_id = "service_records_add_file", path = "/api/service-records/{recordId}/files", tag = "Evaluation",
    params(("recordId" = i64, Path, description = "The record's id"), ("name" = String, Query, description = "The file's name")),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses(
        (status = 201, description = "Stored", body = RecordFile),
        (status = 404, description = "No such record the caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_record_file(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    Query(query): Query<NameQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let missing = || AppError::NotFound(format!("no service record {id}"));
    let record = state
        .store
        .service_record(id_of(&id, "service record")?)
        .await?
        .ok_or_else(missing)?;
    policy::may_read_evaluation(principal, record.appointment, Utc::now())
        .map_err(|_| missing())?;
    let a = appointment(&state, record.appointment).await?;
    may_log(principal, &a)?;
    let name = crate::text::name(&query.name, "?name", 200)?;
    let (bytes, media_type) =
        crate::projects::media::read_document(&state, request, "a service record's file").await?;
    let file = state
        .store
        .add_evaluation_file(
            Owner::Record(record.id),
            &name,
            (media_type, bytes),
            &edit(principal, &info, &a),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(file)).into_response())
}

/// Withdraws a service record logged by mistake, with its files (its holder, or an admin);
/// refused once a confirmed evaluation counts it.
#[utoipa::path(delete, operation_id = "service_records_withdraw", path = "/api/service-records/{recordId}", tag = "Evaluation",
    params(("recordId" = i64, Path, description = "The record's id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Not the appointment's holder", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record the caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A confirmed evaluation counts it", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn withdraw_record(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let missing = || AppError::NotFound(format!("no service record {id}"));
    let record = state
        .store
        .service_record(id_of(&id, "service record")?)
        .await?
        .ok_or_else(missing)?;
    policy::may_read_evaluation(principal, record.appointment, Utc::now())
        .map_err(|_| missing())?;
    let a = appointment(&state, record.appointment).await?;
    may_log(principal, &a)?;
    state
        .store
        .withdraw_service_record(record.id, &edit(principal, &info, &a))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A file of a service record or an evaluation, for whoever may read those.
#[utoipa::path(get, operation_id = "evaluations_file", path = "/api/evaluations/files/{fileId}", tag = "Evaluation",
    params(("fileId" = i64, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file", content_type = "application/pdf"),
        (status = 404, description = "No such file the caller may read", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let missing = || AppError::NotFound(format!("no file {id}"));
    let file = state
        .store
        .evaluation_file(id_of(&id, "file")?)
        .await?
        .ok_or_else(missing)?;
    let appointment = match (file.record_id, file.evaluation_id) {
        (Some(r), _) => state.store.service_record(r).await?.map(|r| r.appointment),
        (_, Some(e)) => state.store.evaluation(e).await?.map(|e| e.appointment),
        _ => None,
    }
    .ok_or_else(missing)?;
    policy::may_read_evaluation(principal, appointment, Utc::now()).map_err(|_| missing())?;
    Ok(crate::projects::media::download(
        file.bytes,
        &file.media_type,
        &file.name,
    ))
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

fn evaluator(viewer: &Viewer) -> AppResult<&Principal> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::Evaluate, Utc::now())?;
    Ok(principal)
}

/// What a sheet is filled from, read once for as many sheets as a request fills.
pub(super) struct Loaded {
    service: Vec<ServiceRecord>,
    projects: Vec<crate::projects::api::Project>,
    needs: Vec<std::sync::Arc<crate::needs::Need>>,
    appointments: Vec<Appointment>,
    teams: Vec<crate::planners::Team>,
    users: Vec<crate::planners::User>,
    scores: Vec<super::store::Score>,
    summaries: std::collections::BTreeMap<i64, super::records::RecordFile>,
}

impl Loaded {
    /// Reads the service records of `appointment` (of every one, with none), and every
    /// project, need, appointment, team, user, score and summary.
    pub(super) async fn read(state: &AppState, appointment: Option<i64>) -> AppResult<Self> {
        let service = state.store.service_records(appointment).await?;
        let projects = state.store.all_projects().await?;
        let appointments = state.store.appointments().await?;
        let teams = state.store.teams().await?;
        let users = state.store.users().await?;
        let scores = state.store.scores().await?;
        let summaries = state.store.evaluation_summaries().await?;
        let needs = state.needs().all();
        Ok(Self {
            service,
            projects,
            needs,
            appointments,
            teams,
            users,
            scores,
            summaries,
        })
    }

    /// The appointments.
    pub(super) fn appointments(&self) -> &[Appointment] {
        &self.appointments
    }

    /// The hours logged under appointment `id`.
    pub(super) fn hours(&self, id: i64) -> f64 {
        self.service
            .iter()
            .filter(|r| r.appointment == id)
            .fold(0.0, |s, r| s + r.hours)
    }

    /// Names appointment `a`: its holder, its units.
    pub(super) fn evaluated(&self, state: &AppState, a: &Appointment) -> Evaluated {
        let holder = match a.holder {
            Holder::Team(t) => self
                .teams
                .iter()
                .find(|x| x.id == t)
                .map_or_else(|| format!("team {t}"), |x| x.name_zh.clone()),
            Holder::User(u) => self
                .users
                .iter()
                .find(|x| x.id == u)
                .map_or_else(|| format!("user {u}"), |x| x.display_zh.clone()),
        };
        let catalog = state.catalog();
        let units = a
            .units
            .iter()
            .map(|u| match catalog.unit(u) {
                Some(e) => format!("{} {u}", e.unit.fields.name_zh),
                None => u.to_string(),
            })
            .collect();
        Evaluated {
            appointment: a.id,
            kind: a.kind.as_str().into(),
            holder,
            units,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            appointed_by: a.appointed_by.clone(),
            onsite_hours: a.terms.onsite_hours,
        }
    }
}

/// The sheet of evaluation `e`: frozen once confirmed, else filled afresh.
pub(super) async fn sheet_of(state: &AppState, e: &Evaluation) -> AppResult<Sheet> {
    if let Some(frozen) = frozen(e) {
        return frozen;
    }
    fill(state, e, &Loaded::read(state, Some(e.appointment)).await?)
}

fn frozen(e: &Evaluation) -> Option<AppResult<Sheet>> {
    e.frozen.as_ref().map(|text| {
        serde_json::from_str(text).map_err(|err| {
            AppError::Internal(anyhow::anyhow!("evaluation {}'s frozen sheet: {err}", e.id))
        })
    })
}

/// [`sheet_of`], from what is loaded already.
pub(super) fn fill(state: &AppState, e: &Evaluation, loaded: &Loaded) -> AppResult<Sheet> {
    if let Some(frozen) = frozen(e) {
        return frozen;
    }
    let template = state.evaluation_templates.get(&e.template).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "evaluation {} names template {}, which the catalogue lacks",
            e.id,
            e.template
        ))
    })?;
    let a = loaded
        .appointments
        .iter()
        .find(|a| a.id == e.appointment)
        .ok_or_else(|| AppError::NotFound(format!("no appointment {}", e.appointment)))?;
    let scores: Vec<super::store::Score> = loaded
        .scores
        .iter()
        .filter(|s| s.evaluation_id == e.id)
        .cloned()
        .collect();
    let summary = loaded.summaries.get(&e.id).cloned();
    Ok(build(Inputs {
        evaluation: e,
        template,
        evaluated: loaded.evaluated(state, a),
        appointment: a,
        records: Records {
            service: &loaded.service,
            projects: &loaded.projects,
            needs: &loaded.needs,
            summary: summary.as_ref().map(|s| (s.id, s.name.clone())),
        },
        scores: &scores,
        summary,
        today: china_day(Utc::now()),
    }))
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
async fn readable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Evaluation> {
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
