//! What can be done to a need besides submitting it: support it, flag it, moderate it, add a
//! photo, follow it (by its receipt code, or by e-mail), read its feed; the moderation queue and
//! the catalogue.

use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::api::{
    DecisionInput, FlagInput, Flagged, FollowInput, NeedCategories, NeedFeature, Queue,
    StatusLabel, SupportInput, Supported,
};
use super::model::{Decision, NeedStatus};
use super::photo::MAX_PHOTOS;
use super::routes::{Extras, detailed, feature, moderates, need_id, visible};
use crate::auth::Viewer;
use crate::auth::hash_token;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::links::BaseUrl;
use crate::http::query::pairs;
use crate::http::request::RequestInfo;
use crate::ogc::items::geojson;
use crate::policy::{Action, may, may_moderate, moderated_units};
use crate::state::AppState;
use crate::work::on_pool;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/collections/needs/items/{featureId}/support",
            post(support),
        )
        .route("/api/collections/needs/items/{featureId}/flags", post(flag))
        .route(
            "/api/collections/needs/items/{featureId}/decision",
            post(decide),
        )
        .route(
            "/api/collections/needs/items/{featureId}/photos",
            post(add_photo),
        )
        .route("/api/collections/needs/items/{featureId}/feed", get(feed))
        .route("/api/needs/photos/{photoId}", get(photo))
        .route("/api/needs/track/{receipt}", get(track))
        .route("/api/needs/track/{receipt}/followers", post(follow))
        .route("/api/needs/categories", get(categories))
        .route("/api/needs/queue", get(queue))
}

fn anonymous_edit(viewer: &Viewer, info: &RequestInfo) -> crate::version::Edit {
    let author = viewer
        .0
        .as_ref()
        .map_or_else(|| "resident".to_string(), |p| p.author.clone());
    info.edit_by(author)
}

/// An id a device or person gives, as stored: hashed, so the store holds no phone numbers.
fn identity(kind: &str, given: &str, pointer: &str) -> AppResult<String> {
    let given = given.trim();
    if given.is_empty() || given.chars().count() > 200 {
        return Err(AppError::bad_request(
            "Invalid request",
            pointer,
            "give the id your device keeps (1–200 characters)",
        ));
    }
    Ok(hash_token(&format!("{kind}:{given}")))
}

/// Supports a need (+1), once per device or contact.
#[utoipa::path(post, operation_id = "needs_support", path = "/api/collections/needs/items/{featureId}/support", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id")),
    request_body(content = SupportInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Counted, or counted before", body = Supported),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need was merged or declined: support the need it lives on in", body = Problem, content_type = "application/problem+json"),
    ))]
async fn support(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let id = need_id(&id)?;
    let input: SupportInput = body.parse()?;
    let need = visible(&state, &viewer, id)?;
    if let Some(into) = need.merged_into {
        return Err(AppError::Conflict(format!(
            "need {id} was merged into need {into}: support that one"
        )));
    }
    if !need.is_public() {
        return Err(AppError::Conflict(format!(
            "need {id} is {} and cannot be supported",
            if need.hidden {
                "hidden"
            } else {
                need.status.as_str()
            }
        )));
    }
    let supporter = identity("device", &input.supporter, "/supporter")?;
    let edit = anonymous_edit(&viewer, &info);
    let written = state.store.support_need(id, &supporter, &edit).await?;
    let supports = written.need.supports;
    if written.changed {
        state.need_written(written.need);
    }
    Ok(axum::Json(Supported {
        supports,
        counted: written.changed,
    })
    .into_response())
}

/// Flags a need (spam, abuse, personal data): counted once per address (or device, without
/// one); the third hides it until a moderator decides.
#[utoipa::path(post, operation_id = "needs_flag", path = "/api/collections/needs/items/{featureId}/flags", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id")),
    request_body(content = FlagInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded, or recorded before", body = Flagged),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
    ))]
async fn flag(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let id = need_id(&id)?;
    let input: FlagInput = body.parse()?;
    visible(&state, &viewer, id)?;
    // One flag per address: otherwise one person with three device ids hides anything.
    let reporter = match &info.address {
        Some(address) => identity("address", address, "/reporter")?,
        None => identity("device", &input.reporter, "/reporter")?,
    };
    let edit = anonymous_edit(&viewer, &info);
    let written = state
        .store
        .flag_need(id, &reporter, input.reason, &edit)
        .await?;
    let counted = written.changed;
    if counted {
        state.need_written(written.need);
    }
    Ok(axum::Json(Flagged { counted }).into_response())
}

fn decision(input: DecisionInput) -> AppResult<Decision> {
    let reason = |what: &str| {
        input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| crate::text::clean(r, "/reason", crate::text::Lines::Many, 1_000))
            .transpose()?
            .ok_or_else(|| {
                AppError::unprocessable(
                    "Missing reason",
                    "/reason",
                    format!("to {what} a need, say why (the resident reads it)"),
                )
            })
    };
    Ok(match input.action.as_str() {
        "accept" => Decision::Accept,
        "decline" => Decision::Decline(reason("decline")?),
        "hide" => Decision::Hide(reason("hide")?),
        "restore" => Decision::Restore,
        "merge" => Decision::Merge(input.into.ok_or_else(|| {
            AppError::unprocessable(
                "Missing need",
                "/into",
                "to merge, name the need it joins (into)",
            )
        })?),
        other => {
            return Err(AppError::unprocessable(
                "Unknown action",
                "/action",
                format!(
                    "\"{other}\" is not an action; use accept, decline, merge, hide or restore"
                ),
            ));
        }
    })
}

/// A moderator's decision: accept, decline (with a reason), merge into another need, hide or
/// restore. Only the planners appointed to the need's units (and the chief planner team) may.
#[utoipa::path(post, operation_id = "needs_decide", path = "/api/collections/needs/items/{featureId}/decision", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id")),
    request_body(content = DecisionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The need after the decision", body = NeedFeature, content_type = "application/geo+json"),
        (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator of the need's units", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need's status does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reason or a need to merge into is missing or wrong", body = Problem, content_type = "application/problem+json"),
    ))]
async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    base: BaseUrl,
    Path(id): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let id = need_id(&id)?;
    let need = state
        .needs()
        .get(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no need with id {id}")))?;
    let now = chrono::Utc::now();
    may_moderate(principal, &need.units, now)?;
    let decision = decision(body.parse()?)?;
    decision.next(need.status).map_err(AppError::Conflict)?;
    let edit = crate::version::Edit {
        units: need.units.iter().map(|u| u.as_str().to_string()).collect(),
        ..info.edit_by(principal.author.clone())
    };
    let written = state.store.decide_need(id, &decision, &edit).await?;
    state.need_written(written.clone());
    let body = detailed(&state, &viewer, &written, &base).await?;
    Ok(geojson(StatusCode::OK, &body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhotoQuery {
    receipt: Option<String>,
}

/// Adds a photo to a need (JPEG or PNG, at most 2 MiB, at most 3 per need), by its submitter
/// (the receipt code) or a moderator. Its metadata (EXIF, with the place it was taken) is
/// stripped before it is stored.
#[utoipa::path(post, operation_id = "needs_add_photo", path = "/api/collections/needs/items/{featureId}/photos", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id"),
        ("receipt" = Option<String>, Query, description = "The need's receipt code")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, description = "Stored; Location is the photo"),
        (status = 403, description = "Neither the receipt code nor a moderator's credentials", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need has its 3 photos", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG or PNG", body = Problem, content_type = "application/problem+json"),
    ))]
async fn add_photo(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    base: BaseUrl,
    Path(id): Path<String>,
    Query(query): Query<PhotoQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let id = need_id(&id)?;
    let need = state
        .needs()
        .get(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no need with id {id}")))?;
    let by_receipt = match query.receipt.as_deref().and_then(super::receipt::normalise) {
        Some(code) => state.store.need_by_receipt(&code).await? == Some(id),
        None => false,
    };
    if !by_receipt && !moderates(&viewer, &need) {
        return Err(AppError::Forbidden(
            "a photo is added by the need's submitter (?receipt=CODE) or one of its moderators"
                .into(),
        ));
    }
    if need.photos.len() >= MAX_PHOTOS {
        return Err(AppError::Conflict(format!(
            "need {id} has {MAX_PHOTOS} photos, the most a need may have"
        )));
    }
    let (clean, kind) = super::photo::read(&state, &headers, body).await?;
    let edit = anonymous_edit(&viewer, &info);
    let (written, photo) = state.store.add_need_photo(id, kind, clean, &edit).await?;
    state.need_written(written);
    let location = base.at(&format!("/api/needs/photos/{photo}"));
    let mut response = (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"href": location})),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A need's photo (metadata stripped), if the caller may see the need.
#[utoipa::path(get, operation_id = "needs_photo", path = "/api/needs/photos/{photoId}", tag = "Needs",
    params(("photoId" = i64, Path, description = "The photo's id")),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 404, description = "No such photo, or of a need the caller may not see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let missing = || AppError::NotFound(format!("no photo with id {id}"));
    let photo_id: i64 = id.parse().map_err(|_| missing())?;
    let photo = state
        .store
        .need_photo(photo_id)
        .await?
        .ok_or_else(missing)?;
    visible(&state, &viewer, photo.need_id).map_err(|_| missing())?;
    let mut response = photo.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&photo.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    Ok(response)
}

/// The need a receipt code names, as its submitter follows it: its public trail, and its
/// status even when it was declined or hidden.
#[utoipa::path(get, operation_id = "needs_track", path = "/api/needs/track/{receipt}", tag = "Needs",
    params(("receipt" = String, Path, description = "The receipt code")),
    responses(
        (status = 200, description = "The need and what became of it", body = NeedFeature, content_type = "application/geo+json"),
        (status = 404, description = "No need has this code", body = Problem, content_type = "application/problem+json"),
    ))]
async fn track(
    State(state): State<AppState>,
    base: BaseUrl,
    Path(receipt): Path<String>,
) -> AppResult<Response> {
    let id = receipt_need(&state, &receipt).await?;
    let need = state
        .needs()
        .get(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound("no need has this receipt code".into()))?;
    // The submitter's view: the public trail, never the contact, whatever credentials came.
    let body = detailed(&state, &Viewer(None), &need, &base).await?;
    let mut response = geojson(StatusCode::OK, &body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn receipt_need(state: &AppState, receipt: &str) -> AppResult<i64> {
    let code = super::receipt::normalise(receipt).ok_or_else(|| {
        AppError::NotFound(format!(
            "\"{receipt}\" is not a receipt code: codes look like K7QWM-3XP9T"
        ))
    })?;
    state.store.need_by_receipt(&code).await?.ok_or_else(|| {
        AppError::NotFound("no need has this receipt code; check it on your receipt".into())
    })
}

/// Follows a need by e-mail: told at each step when the server has an SMTP server configured.
#[utoipa::path(post, operation_id = "needs_follow", path = "/api/needs/track/{receipt}/followers", tag = "Needs",
    params(("receipt" = String, Path, description = "The receipt code")),
    request_body(content = FollowInput, content_type = "application/json"),
    responses(
        (status = 204, description = "Following"),
        (status = 404, description = "No need has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an e-mail address", body = Problem, content_type = "application/problem+json"),
    ))]
async fn follow(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    body: JsonBody,
) -> AppResult<Response> {
    let input: FollowInput = body.parse()?;
    let email = crate::text::name(&input.email, "/email", 200)?;
    let plausible = email.split_once('@').is_some_and(|(u, d)| {
        !u.is_empty() && d.contains('.') && !email.contains(char::is_whitespace)
    });
    if !plausible {
        return Err(AppError::unprocessable(
            "Invalid e-mail address",
            "/email",
            "give an address such as name@example.cn",
        ));
    }
    let id = receipt_need(&state, &receipt).await?;
    state.store.follow_need(id, &email).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A need's public trail as an Atom feed.
#[utoipa::path(get, operation_id = "needs_feed", path = "/api/collections/needs/items/{featureId}/feed", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id")),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml"),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
    ))]
async fn feed(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = need_id(&id)?;
    let need = visible(&state, &viewer, id)?;
    let trail = state.store.need_trail(id, true).await?;
    let href = base.at(&format!("/api/collections/needs/items/{id}"));
    let xml = super::feed::atom(&need, &trail, &href, &format!("{href}/feed"));
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}

/// The needs catalogue and the status codes, in zh and en.
#[utoipa::path(get, operation_id = "needs_categories", path = "/api/needs/categories", tag = "Needs",
    responses((status = 200, description = "Categories and statuses", body = NeedCategories)))]
async fn categories(State(state): State<AppState>) -> axum::Json<NeedCategories> {
    axum::Json(NeedCategories {
        categories: state.need_catalogue.categories.clone(),
        statuses: NeedStatus::ALL
            .into_iter()
            .map(|s| StatusLabel {
                id: s,
                name_zh: s.label().0.into(),
                name_en: s.label().1.into(),
            })
            .collect(),
    })
}

/// The moderation queue (审核队列): the needs in the caller's units, newest first, with their
/// contacts, hidden and flagged ones included, and grouped by life-circle gap.
#[utoipa::path(get, operation_id = "needs_queue", path = "/api/needs/queue", tag = "Needs",
    params(
        ("status" = Option<String>, Query, description = "Only this status (default: received and accepted)"),
        ("unit" = Option<String>, Query, description = "Only needs in this unit"),
        ("limit" = Option<usize>, Query, description = "At most this many (default 200, at most 1000)"),
    ),
    responses(
        (status = 200, description = "The queue", body = Queue),
        (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
    ))]
async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let now = chrono::Utc::now();
    may(principal, Action::ModerateNeeds, now)?;
    let query = pairs(raw.as_deref(), &["status", "unit", "limit"])?;
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let status = value("status")
        .map(|s| {
            NeedStatus::parse(s).ok_or_else(|| {
                crate::http::query::bad_query("status", format!("\"{s}\" is not a status; use received, accepted, merged, declined or answered"))
            })
        })
        .transpose()?;
    let unit = value("unit")
        .map(|u| {
            crate::units::UnitCode::parse(u).map_err(|d| crate::http::query::bad_query("unit", d))
        })
        .transpose()?;
    let limit = match value("limit") {
        None => 200,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| crate::http::query::bad_query("limit", "a number from 1 to 1000"))?,
    };
    let areas = moderated_units(principal, now);
    let mut needs: Vec<_> = state
        .needs()
        .all()
        .into_iter()
        .filter(|n| {
            areas.as_ref().is_none_or(|a| {
                n.units
                    .iter()
                    .any(|u| a.iter().any(|area| u.as_str().starts_with(area.as_str())))
            })
        })
        .filter(|n| unit.as_ref().is_none_or(|u| n.units.contains(u)))
        .filter(|n| match status {
            Some(s) => n.status == s,
            None => matches!(n.status, NeedStatus::Received | NeedStatus::Accepted),
        })
        .collect();
    needs.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at).then(b.id.cmp(&a.id)));
    needs.truncate(limit);
    let mut contacts = Vec::with_capacity(needs.len());
    for n in &needs {
        contacts.push(state.store.need_contact(n.id).await?);
    }
    let body = on_pool(&state.work.analysis, &state, move |state| {
        let walks: Vec<(i64, Vec<super::api::Nearest>)> = needs
            .iter()
            .map(|n| (n.id, super::gaps::nearest(&state, n)))
            .collect();
        let gaps = super::gaps::gaps(&walks);
        let features: Vec<NeedFeature> = needs
            .iter()
            .zip(contacts)
            .zip(walks)
            .map(|((n, contact), (_, nearest))| {
                let extras = Extras {
                    nearest: Some(nearest),
                    trail: None,
                    moderator: Some(contact),
                    project_visible: super::routes::project_visible(&state, &viewer, n),
                };
                feature(&state, n, &base, extras)
            })
            .collect();
        Ok(Queue {
            needs: features,
            gaps,
        })
    })
    .await?;
    let mut response = axum::Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
