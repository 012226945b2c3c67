//! A project's photos before and after, and the public's comments on its publications (公示)
//! within their comment window.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::api::CommentInput;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::needs::photo::MAX_PHOTO_BYTES;
use crate::state::AppState;

/// Photos a project may carry.
pub const MAX_PROJECT_PHOTOS: usize = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PhaseQuery {
    phase: String,
}

/// Adds a photo (JPEG or PNG, ≤ 2 MiB, metadata stripped) taken before or after the work.
#[utoipa::path(post, operation_id = "projects_add_photo", path = "/api/projects/{projectId}/photos", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id"),
        ("phase" = String, Query, description = "before or after")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, description = "Stored", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 409, description = "The project has its 12 photos", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG or PNG", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_photo(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    Query(query): Query<PhaseQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let project = super::routes::editable(&state, &viewer, &id).await?;
    if !["before", "after"].contains(&query.phase.as_str()) {
        return Err(AppError::bad_request(
            "Invalid query parameter",
            "?phase",
            "before or after",
        ));
    }
    if project.photos.len() >= MAX_PROJECT_PHOTOS {
        return Err(AppError::Conflict(format!(
            "project {} has {MAX_PROJECT_PHOTOS} photos, the most it may have",
            project.id
        )));
    }
    let (parts, body) = request.into_parts();
    let (clean, kind) = crate::needs::photo::read(&state, &parts.headers, body).await?;
    let edit = super::routes::edit_of(&viewer, &info, &project)?;
    let written = state
        .store
        .add_project_photo(project.id, &query.phase, (kind, clean), &edit)
        .await?;
    Ok(super::routes::json(
        StatusCode::CREATED,
        &super::routes::applied(&state, &viewer, written),
    ))
}

/// A project's photo, if the caller may see the project.
#[utoipa::path(get, operation_id = "projects_photo", path = "/api/projects/photos/{photoId}", tag = "Projects",
    params(("photoId" = i64, Path, description = "The photo's id")),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 404, description = "No such photo, or of a project not yet published", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let missing = || AppError::NotFound(format!("no photo with id {id}"));
    let photo_id: i64 = id.parse().map_err(|_| missing())?;
    let photo = state
        .store
        .project_photo(photo_id)
        .await?
        .ok_or_else(missing)?;
    super::routes::visible(&state, &viewer, photo.project_id)
        .await
        .map_err(|_| missing())?;
    let mut response = photo.bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&photo.media_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(response)
}

/// Comments on a publication, by anyone, within its comment window (throttled like needs).
#[utoipa::path(post, operation_id = "projects_comment", path = "/api/projects/{projectId}/publications/{publicationId}/comments", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id"), ("publicationId" = i64, Path, description = "The publication's id")),
    request_body(content = CommentInput, content_type = "application/json"),
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "No such publication of a published project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The comment window is not open", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, publication)): Path<(String, String)>,
    body: JsonBody,
) -> AppResult<Response> {
    let window = publication_of(&state, &viewer, &project, &publication).await?;
    let input: CommentInput = body.parse()?;
    let text = crate::text::clean(input.text.trim(), "/text", crate::text::Lines::Many, 2_000)?;
    if text.is_empty() {
        return Err(AppError::unprocessable(
            "Missing text",
            "/text",
            "say something",
        ));
    }
    let today = crate::planners::china_day(chrono::Utc::now());
    match window.comments_until {
        None => {
            return Err(AppError::Conflict(
                "this publication takes no comments".into(),
            ));
        }
        Some(until) if today < window.starts_on || today > until => {
            return Err(AppError::Conflict(format!(
                "comments are taken from {} to {until}; today is {today}",
                window.starts_on
            )));
        }
        Some(_) => {}
    }
    let id: i64 = publication.parse().unwrap_or_default();
    state.store.add_comment(id, &text).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn publication_of(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    publication: &str,
) -> AppResult<crate::projects::store::PublicationWindow> {
    let missing =
        || AppError::NotFound(format!("no publication {publication} of project {project}"));
    let project_id: i64 = project.parse().map_err(|_| missing())?;
    let id: i64 = publication.parse().map_err(|_| missing())?;
    let window = state
        .store
        .publication_window(id)
        .await?
        .filter(|w| w.project_id == project_id)
        .ok_or_else(missing)?;
    super::routes::visible(state, viewer, project_id)
        .await
        .map_err(|_| missing())?;
    Ok(window)
}

/// The comments on a publication, for the project's planners (comments are residents' words,
/// and may name people: the public sees how many there are).
#[utoipa::path(get, operation_id = "projects_comments", path = "/api/projects/{projectId}/publications/{publicationId}/comments", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id"), ("publicationId" = i64, Path, description = "The publication's id")),
    responses(
        (status = 200, description = "The comments, oldest first", body = Vec<Comment>),
        (status = 403, description = "Not a planner of the project", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn comments(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, publication)): Path<(String, String)>,
) -> AppResult<Response> {
    super::routes::editable(&state, &viewer, &project).await?;
    publication_of(&state, &viewer, &project, &publication).await?;
    let id: i64 = publication.parse().unwrap_or_default();
    Ok(axum::Json(state.store.comments(id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameQuery {
    name: String,
}

/// `text` percent-encoded for a `filename*` parameter (RFC 8187).
fn encoded_name(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Adds a file to a meeting: a PDF (signed minutes, a sign-in sheet) or an image (metadata
/// stripped), at most 2 MiB.
#[utoipa::path(post, operation_id = "projects_add_attachment", path = "/api/projects/{projectId}/meetings/{meetingId}/attachments", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project's id"), ("meetingId" = i64, Path, description = "The meeting's id"),
        ("name" = String, Query, description = "The file's name")),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses(
        (status = 201, description = "Stored", body = ProjectFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such meeting of the project", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path((id, meeting)): Path<(String, String)>,
    Query(query): Query<NameQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let project = super::routes::editable(&state, &viewer, &id).await?;
    let meeting_id: i64 = meeting.parse().unwrap_or(-1);
    if !project.meetings.iter().any(|m| m.id == meeting_id) {
        return Err(AppError::NotFound(format!(
            "project {} has no meeting {meeting}",
            project.id
        )));
    }
    let name = crate::text::name(&query.name, "?name", 200)?;
    let (clean, kind) = read_document(&state, request, "a meeting's file").await?;
    let edit = super::routes::edit_of(&viewer, &info, &project)?;
    let written = state
        .store
        .add_attachment((project.id, meeting_id), &name, (kind, clean), &edit)
        .await?;
    Ok(super::routes::json(
        StatusCode::CREATED,
        &super::routes::applied(&state, &viewer, written),
    ))
}

/// A meeting's file, if the caller may see the project.
#[utoipa::path(get, operation_id = "projects_attachment", path = "/api/projects/attachments/{attachmentId}", tag = "Projects",
    params(("attachmentId" = i64, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file", content_type = "application/pdf"),
        (status = 404, description = "No such file, or of a project not yet published", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let missing = || AppError::NotFound(format!("no file with id {id}"));
    let file_id: i64 = id.parse().map_err(|_| missing())?;
    let file = state.store.attachment(file_id).await?.ok_or_else(missing)?;
    super::routes::visible(&state, &viewer, file.project_id)
        .await
        .map_err(|_| missing())?;
    Ok(download(file.bytes, &file.media_type, &file.name))
}

/// Reads an uploaded document: a PDF as it is, or a JPEG or PNG with its metadata stripped, at
/// most 2 MiB; 415 naming `what` for anything else.
pub async fn read_document(
    state: &AppState,
    request: axum::extract::Request,
    what: &str,
) -> AppResult<(Vec<u8>, &'static str)> {
    let (parts, body) = request.into_parts();
    match crate::needs::photo::media_type(&parts.headers).as_str() {
        "application/pdf" => {
            let limit = MAX_PHOTO_BYTES.min(state.settings.body_limit.max(64 * 1024));
            let bytes = crate::http::body::raw_bytes(
                &parts.headers,
                body,
                limit,
                state.settings.body_timeout,
            )
            .await?;
            if !bytes.starts_with(b"%PDF-") {
                return Err(AppError::UnsupportedMediaType(
                    "the body is not a PDF".into(),
                ));
            }
            Ok((bytes.to_vec(), "application/pdf"))
        }
        "image/jpeg" | "image/png" => crate::needs::photo::read(state, &parts.headers, body).await,
        other => Err(AppError::UnsupportedMediaType(format!(
            "{what} is a PDF, JPEG or PNG (got {})",
            if other.is_empty() {
                "no Content-Type"
            } else {
                other
            }
        ))),
    }
}

/// A stored file as a download named `name`.
pub fn download(bytes: Vec<u8>, media_type: &str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        encoded_name(name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
