//! `/api/projects`: community renewal projects through "one blueprint, three meetings". The
//! public reads published projects; the sub-district's planners (and the chief planner team)
//! create them from sites and needs, record meetings, publications, funding and surveys, and
//! move them through their checked stages; every refused shortcut is a 409 naming the step.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use super::api::{
    FundingInput, MeetingInput, NewProject, Project, ProjectList, ProjectPatch, PublicationInput,
    StageInput, SurveyInput,
};
use super::store::Written;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::links::BaseUrl;
use crate::http::query::{bad_query, pairs};
use crate::http::request::RequestInfo;
use crate::ogc::contract::{FeatureType, Geometry};
use crate::policy::may_edit_project;
use crate::state::AppState;
use crate::units::{UnitCode, UnitLevel};
use crate::version::Audience;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/projects", get(list).post(create))
        .route("/api/projects/reserve", get(super::reserve::reserve))
        .route("/api/projects/{projectId}", get(one).patch(patch))
        .route("/api/projects/{projectId}/stage", post(stage))
        .route("/api/projects/{projectId}/meetings", post(meeting))
        .route("/api/projects/{projectId}/publications", post(publication))
        .route("/api/projects/{projectId}/funding", post(funding))
        .route("/api/projects/{projectId}/surveys", post(survey))
        .route(
            "/api/projects/{projectId}/photos",
            post(super::media::add_photo),
        )
        .route("/api/projects/photos/{photoId}", get(super::media::photo))
        .route(
            "/api/projects/{projectId}/meetings/{meetingId}/attachments",
            post(super::media::add_attachment),
        )
        .route(
            "/api/projects/attachments/{attachmentId}",
            get(super::media::attachment),
        )
        .route(
            "/api/projects/{projectId}/publications/{publicationId}/comments",
            get(super::media::comments).post(super::media::comment),
        )
}

/// A project as a GeoJSON Feature: its sites' geometries, and its record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// Its id.
    pub id: i64,
    /// Its sites, as a GeometryCollection (null when none is visible).
    pub geometry: Option<Geometry>,
    /// The project.
    pub properties: Project,
}

fn project_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("no project with id \"{id}\"")))
}

/// Whether `viewer` may see `project`: published ones everyone, the rest their sub-district's
/// planners and everything-viewers.
fn sees(viewer: &Viewer, project: &Project) -> bool {
    viewer
        .visibility()
        .sees_project(project.published, &project.subdistrict)
}

pub(super) async fn visible(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Project> {
    state
        .store
        .find_project(id)
        .await?
        .filter(|p| sees(viewer, p))
        .ok_or_else(|| AppError::NotFound(format!("no project with id {id}")))
}

fn feature(state: &AppState, viewer: &Viewer, mut project: Project) -> ProjectFeature {
    let visibility = viewer.visibility();
    let geometries: Vec<geo::Geometry> = {
        let catalog = state.catalog();
        project
            .sites
            .iter()
            .filter_map(|id| catalog.site(*id))
            .filter(|e| visibility.sees_site(e))
            .map(|e| e.site.fields.geometry.clone())
            .collect()
    };
    if visibility.audience() == Audience::Public {
        for step in &mut project.stages {
            step.by = None;
        }
    }
    ProjectFeature {
        kind: FeatureType::Feature,
        id: project.id,
        geometry: (!geometries.is_empty()).then(|| {
            Geometry(crate::spatial::write::geometry_json(
                &geo::Geometry::GeometryCollection(geo::GeometryCollection(geometries)),
            ))
        }),
        properties: project,
    }
}

pub(super) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    response
}

/// Projects the caller may see, newest first.
#[utoipa::path(get, operation_id = "projects_list", path = "/api/projects", tag = "Projects",
    params(
        ("subdistrict" = Option<String>, Query, description = "Only this sub-district's"),
        ("stage" = Option<String>, Query, description = "Only at this stage"),
        ("year" = Option<i32>, Query, description = "Only scheduled in this annual plan"),
        ("f" = Option<String>, Query, description = "json (the list, the default), geojson, csv, gpkg (GeoPackage) or shp (zipped Shapefile): each project with its sites' geometry"),
        ("crs" = Option<String>, Query, description = "The CRS of a map file's coordinates: an EPSG URI or code, GCJ-02 or BD-09 (CRS84 by default)"),
    ),
    responses(
        (status = 200, description = "The projects", body = ProjectList),
        (status = 400, description = "An unknown parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let query = pairs(
        raw.as_deref(),
        &["subdistrict", "stage", "year", "f", "crs"],
    )?;
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let stage = value("stage")
        .map(|s| {
            super::Stage::parse(s)
                .ok_or_else(|| bad_query("stage", format!("\"{s}\" is not a stage")))
        })
        .transpose()?;
    let year = value("year")
        .map(|y| {
            y.parse::<i32>()
                .map_err(|_| bad_query("year", "a year such as 2026"))
        })
        .transpose()?;
    let mut projects = Vec::new();
    for summary in state.store.projects().await? {
        if viewer
            .visibility()
            .sees_project(summary.published, &summary.subdistrict)
            && value("subdistrict").is_none_or(|s| s == summary.subdistrict)
            && stage.is_none_or(|s| s == summary.stage)
            && year.is_none_or(|y| summary.plan_year == Some(y))
        {
            projects.push(summary);
        }
    }
    let format = match value("f") {
        None | Some("json") => return Ok(axum::Json(ProjectList { projects }).into_response()),
        Some(f) => crate::http::query::format(f)?,
    };
    let crs = value("crs")
        .map(|c| crate::http::query::target(c, "crs"))
        .transpose()?
        .unwrap_or_default();
    // Each project as a feature: its summary, and the sites the caller may see as its geometry.
    let mut features = Vec::new();
    for summary in &projects {
        let geometry = match state.store.find_project(summary.id).await? {
            Some(project) => serde_json::to_value(feature(&state, &viewer, project).geometry)
                .unwrap_or(serde_json::Value::Null),
            None => serde_json::Value::Null,
        };
        features.push(serde_json::json!({
            "type": "Feature",
            "id": summary.id,
            "geometry": geometry,
            "properties": serde_json::to_value(summary).unwrap_or_default(),
        }));
    }
    if format == crate::export::Format::GeoJson {
        let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
        return crate::ogc::items::in_crs(StatusCode::OK, &collection, &crs);
    }
    // Writing a file is real work: on the read pool, not the server's own threads.
    crate::work::on_pool(&state.work.reads, &state, move |_| {
        crate::export::download("projects", &features, format, &crs)
    })
    .await
}

/// One project, with its sites' geometry, stages, meetings, publications, funding and surveys.
#[utoipa::path(get, operation_id = "projects_one", path = "/api/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such project, or one not yet published", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let project = visible(&state, &viewer, project_id(&id)?).await?;
    Ok(json(StatusCode::OK, &feature(&state, &viewer, project)))
}

/// The sub-district every one of `sites` lies in, or a 422 naming the site that does not.
fn subdistrict_of(state: &AppState, sites: &[i64]) -> AppResult<UnitCode> {
    let catalog = state.catalog();
    let mut found: Option<UnitCode> = None;
    for (i, id) in sites.iter().enumerate() {
        let pointer = format!("/sites/{i}");
        let entry = catalog.site(*id).ok_or_else(|| {
            AppError::unprocessable(
                "Unknown site",
                pointer.as_str(),
                format!("there is no site {id}"),
            )
        })?;
        let sub = entry
            .units
            .iter()
            .find(|u| u.level() == UnitLevel::Subdistrict)
            .cloned()
            .ok_or_else(|| {
                AppError::unprocessable(
                    "Site outside the sub-districts",
                    pointer.as_str(),
                    format!("site {id} lies in no sub-district"),
                )
            })?;
        match &found {
            Some(f) if *f != sub => {
                return Err(AppError::unprocessable(
                    "Sites in two sub-districts",
                    pointer,
                    format!(
                        "site {id} lies in {sub}, the others in {f}: a project belongs to one sub-district's blueprint"
                    ),
                ));
            }
            _ => found = Some(sub),
        }
    }
    found.ok_or_else(|| {
        AppError::unprocessable("No site", "/sites", "a project needs at least one site")
    })
}

fn clean(text: &str, pointer: &str, max: usize) -> AppResult<String> {
    crate::text::clean(text.trim(), pointer, crate::text::Lines::Many, max)
}

/// Creates a project from sites (one sub-district's) and the needs it answers.
#[utoipa::path(post, operation_id = "projects_create", path = "/api/projects", tag = "Projects",
    request_body(content = NewProject, content_type = "application/json"),
    responses(
        (status = 201, description = "Created at the proposal stage; its needs are answered", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 403, description = "Not a planner of that sub-district", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown sites or needs, sites in two sub-districts, a need that cannot be answered", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    base: BaseUrl,
    body: JsonBody,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let mut new: NewProject = body.parse()?;
    new.name = crate::text::name(&new.name, "/name", 200)?;
    new.description = new
        .description
        .as_deref()
        .map(|d| clean(d, "/description", 4_000))
        .transpose()?;
    if crate::sites::ElementType::parse(&new.element_type).is_none() {
        return Err(AppError::unprocessable(
            "Unknown element type",
            "/element_type",
            format!("\"{}\" is not an element type", new.element_type),
        ));
    }
    let subdistrict = subdistrict_of(&state, &new.sites)?;
    may_edit_project(principal, &subdistrict, chrono::Utc::now())?;
    let edit = crate::version::Edit {
        units: vec![subdistrict.as_str().to_string()],
        ..info.edit_by(principal.author.clone())
    };
    let written = state
        .store
        .create_project(&new, subdistrict.as_str(), &edit)
        .await?;
    let id = written.project.id;
    let body = applied(&state, &viewer, written);
    let mut response = json(StatusCode::CREATED, &body);
    if let Ok(v) = HeaderValue::from_str(&base.at(&format!("/api/projects/{id}"))) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The needs a write told, applied here; the project as a Feature.
pub(super) fn applied(state: &AppState, viewer: &Viewer, written: Written) -> ProjectFeature {
    for need in written.needs {
        state.need_written(need);
    }
    state.project_written(&written.project);
    feature(state, viewer, written.project)
}

/// The project `id` and the right to change it.
pub(super) async fn editable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Project> {
    let principal = viewer.principal()?;
    let project = state
        .store
        .find_project(project_id(id)?)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no project with id {id}")))?;
    let sub = UnitCode::parse(&project.subdistrict)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored sub-district: {e}")))?;
    may_edit_project(principal, &sub, chrono::Utc::now())?;
    Ok(project)
}

pub(super) fn edit_of(
    viewer: &Viewer,
    info: &RequestInfo,
    project: &Project,
) -> AppResult<crate::version::Edit> {
    Ok(crate::version::Edit {
        units: vec![project.subdistrict.clone()],
        ..info.edit_by(viewer.principal()?.author.clone())
    })
}

/// Changes a project's own fields: name, description, published, result, operation rules,
/// reserve and plan years, teams.
#[utoipa::path(patch, operation_id = "projects_patch", path = "/api/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = ProjectPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The project", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 403, description = "Not a planner of its sub-district", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reserve that is not 3 years at most, or bad text", body = Problem, content_type = "application/problem+json"),
    ))]
async fn patch(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let project = editable(&state, &viewer, &id).await?;
    let mut change: ProjectPatch = body.parse()?;
    change.result = change
        .result
        .as_deref()
        .map(|t| clean(t, "/result", 4_000))
        .transpose()?;
    change.operation_rules = change
        .operation_rules
        .as_deref()
        .map(|t| clean(t, "/operation_rules", 4_000))
        .transpose()?;
    let from = change.reserve_from.or(project.reserve_from);
    let to = change.reserve_to.or(project.reserve_to);
    if let (Some(from), Some(to)) = (from, to)
        && !(0..=2).contains(&(to - from))
    {
        return Err(AppError::unprocessable(
            "Reserve period",
            "/reserve_to",
            "the project reserve (3年项目储备库) spans one to three years",
        ));
    }
    let edit = edit_of(&viewer, &info, &project)?;
    let after = state
        .store
        .patch_project(project.id, &change, &edit)
        .await?;
    state.project_written(&after);
    Ok(json(StatusCode::OK, &feature(&state, &viewer, after)))
}

/// Moves a project to its next stage, or withdraws it; refused (409) without the meeting,
/// funding or published result the stage needs.
#[utoipa::path(post, operation_id = "projects_stage", path = "/api/projects/{projectId}/stage", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = StageInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Moved; its needs' followers are told", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 409, description = "A stage skipped, or a step missing: the problem names it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn stage(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let project = editable(&state, &viewer, &id).await?;
    let input: StageInput = body.parse()?;
    let note = input
        .note
        .as_deref()
        .map(|n| clean(n, "/note", 1_000))
        .transpose()?;
    let today = crate::planners::china_day(chrono::Utc::now());
    let edit = edit_of(&viewer, &info, &project)?;
    let written = state
        .store
        .move_project(project.id, input.stage, note.as_deref(), today, &edit)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(step) => AppError::Conflict(step),
            other => other.into(),
        })?;
    Ok(json(StatusCode::OK, &applied(&state, &viewer, written)))
}

/// Records a meeting: hearing, coordination, review, or another of the guidance's.
#[utoipa::path(post, operation_id = "projects_meeting", path = "/api/projects/{projectId}/meetings", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = MeetingInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 422, description = "Votes or attendance that do not add up", body = Problem, content_type = "application/problem+json"),
    ))]
async fn meeting(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    const GROUPS: &[&str] = &[
        "residents",
        "representatives",
        "owners",
        "owners_committee",
        "property_manager",
        "committee",
        "planners",
        "designers",
        "subdistrict",
        "partners",
        "other",
    ];
    let project = editable(&state, &viewer, &id).await?;
    let mut m: MeetingInput = body.parse()?;
    m.place = crate::text::name(&m.place, "/place", 200)?;
    m.motion = m
        .motion
        .as_deref()
        .map(|t| clean(t, "/motion", 2_000))
        .transpose()?;
    m.minutes = m
        .minutes
        .as_deref()
        .map(|t| clean(t, "/minutes", 20_000))
        .transpose()?;
    if let Some((group, _)) = m
        .attendance
        .iter()
        .find(|(g, _)| !GROUPS.contains(&g.as_str()))
    {
        return Err(AppError::unprocessable(
            "Unknown attendance group",
            format!("/attendance/{group}"),
            format!("attendance is counted by group: {}", GROUPS.join(", ")),
        ));
    }
    if let Some((group, n)) = m.attendance.iter().find(|(_, n)| **n < 0) {
        return Err(AppError::unprocessable(
            "Negative attendance",
            format!("/attendance/{group}"),
            format!("{n} people cannot attend"),
        ));
    }
    let votes = [m.votes_for, m.votes_against, m.votes_abstain];
    if votes.iter().any(|v| v.is_some_and(|n| n < 0)) {
        return Err(AppError::unprocessable(
            "Negative votes",
            "/votes_for",
            "votes are counted from 0",
        ));
    }
    if votes.iter().any(Option::is_some) && m.motion.is_none() {
        return Err(AppError::unprocessable(
            "Votes without a motion",
            "/motion",
            "say what was voted on",
        ));
    }
    let present: i64 = m.attendance.values().sum();
    let cast: i64 = votes.iter().flatten().sum();
    if cast > present && present > 0 {
        return Err(AppError::unprocessable(
            "More votes than people",
            "/votes_for",
            format!("{cast} votes were cast by {present} people present"),
        ));
    }
    let edit = edit_of(&viewer, &info, &project)?;
    let written = state.store.add_meeting(project.id, &m, &edit).await?;
    Ok(json(
        StatusCode::CREATED,
        &applied(&state, &viewer, written),
    ))
}

/// Records a publication (公示) with its period and comment window.
#[utoipa::path(post, operation_id = "projects_publication", path = "/api/projects/{projectId}/publications", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = PublicationInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 422, description = "A period that ends before it starts", body = Problem, content_type = "application/problem+json"),
    ))]
async fn publication(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let project = editable(&state, &viewer, &id).await?;
    let mut p: PublicationInput = body.parse()?;
    p.subject = crate::text::name(&p.subject, "/subject", 200)?;
    p.text = clean(&p.text, "/text", 20_000)?;
    if p.ends_on < p.starts_on {
        return Err(AppError::unprocessable(
            "Period",
            "/ends_on",
            "a publication ends on or after its first day",
        ));
    }
    if p.comments_until.is_some_and(|c| c < p.starts_on) {
        return Err(AppError::unprocessable(
            "Comment window",
            "/comments_until",
            "comments are taken from the first day on",
        ));
    }
    let edit = edit_of(&viewer, &info, &project)?;
    let written = state.store.add_publication(project.id, &p, &edit).await?;
    Ok(json(
        StatusCode::CREATED,
        &applied(&state, &viewer, written),
    ))
}

/// Records funding from one source, planned and spent.
#[utoipa::path(post, operation_id = "projects_funding", path = "/api/projects/{projectId}/funding", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = FundingInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 422, description = "A negative or non-finite amount", body = Problem, content_type = "application/problem+json"),
    ))]
async fn funding(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let project = editable(&state, &viewer, &id).await?;
    let mut f: FundingInput = body.parse()?;
    for (name, v) in [("planned", f.planned), ("spent", f.spent)] {
        if !v.is_finite() || v < 0.0 {
            return Err(AppError::unprocessable(
                "Amount",
                format!("/{name}"),
                "amounts are yuan, 0 or more",
            ));
        }
    }
    f.note = f
        .note
        .as_deref()
        .map(|t| clean(t, "/note", 1_000))
        .transpose()?;
    let edit = edit_of(&viewer, &info, &project)?;
    let written = state.store.add_funding(project.id, &f, &edit).await?;
    Ok(json(
        StatusCode::CREATED,
        &applied(&state, &viewer, written),
    ))
}

/// Records a residents' satisfaction survey and the review meeting's verdict.
#[utoipa::path(post, operation_id = "projects_survey", path = "/api/projects/{projectId}/surveys", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id")),
    request_body(content = SurveyInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 422, description = "More satisfied than respondents, or a score outside 0–100", body = Problem, content_type = "application/problem+json"),
    ))]
async fn survey(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let project = editable(&state, &viewer, &id).await?;
    let mut s: SurveyInput = body.parse()?;
    if s.respondents < 1 {
        return Err(AppError::unprocessable(
            "Respondents",
            "/respondents",
            "a survey has at least one respondent",
        ));
    }
    if !(0..=s.respondents).contains(&s.satisfied) {
        return Err(AppError::unprocessable(
            "Satisfied",
            "/satisfied",
            format!("between 0 and the {} respondents", s.respondents),
        ));
    }
    if !(0.0..=100.0).contains(&s.mean_score) {
        return Err(AppError::unprocessable(
            "Score",
            "/mean_score",
            "the mean score is 0–100",
        ));
    }
    s.verdict = s
        .verdict
        .as_deref()
        .map(|t| clean(t, "/verdict", 4_000))
        .transpose()?;
    let edit = edit_of(&viewer, &info, &project)?;
    let written = state.store.add_survey(project.id, &s, &edit).await?;
    Ok(json(
        StatusCode::CREATED,
        &applied(&state, &viewer, written),
    ))
}
