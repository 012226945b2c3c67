//! `/api/service-records`: a planner logs what they did under one of their appointments,
//! attaches files and withdraws a record logged by mistake; they read their own records,
//! evaluators every appointment's.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::record_store::{NewRecord, Owner};
use super::records::{ServiceInput, ServiceRecord, ServiceRecordList};
use super::routes::{appointment, id_of, last_day};
use crate::auth::{Principal, Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::planners::{Appointment, china_day};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::units::UnitCode;
use crate::version::Edit;

fn within(unit: &str, area: &UnitCode) -> bool {
    unit.starts_with(area.as_str())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppointmentQuery {
    pub(super) appointment: Option<i64>,
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

/// An edit by `principal` on appointment `a`'s records, found in the audit log under its units.
pub(super) fn edit(principal: &Principal, info: &RequestInfo, a: &Appointment) -> Edit {
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
    pub(super) name: String,
}

/// Service record `id` and its appointment, if `principal` may change it: 404 when they may not
/// read it, 403 when they read it but did not log under its appointment.
async fn writable(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> AppResult<(ServiceRecord, Appointment)> {
    let missing = || AppError::NotFound(format!("no service record {id}"));
    let record = state
        .store
        .service_record(id_of(id, "service record")?)
        .await?
        .ok_or_else(missing)?;
    policy::may_read_evaluation(principal, record.appointment, Utc::now())
        .map_err(|_| missing())?;
    let a = appointment(state, record.appointment).await?;
    may_log(principal, &a)?;
    Ok((record, a))
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
    let (record, a) = writable(&state, principal, &id).await?;
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
    let (record, a) = writable(&state, principal, &id).await?;
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
