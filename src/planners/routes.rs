//! `GET /api/me` (who am I, my appointments) and `GET /api/audit` (the audit log, for admins
//! and the chief planner team).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{Appointment, User, china_day};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::store::audit::{AuditEntry, AuditFilter};

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The author id edits are recorded under.
    pub author: String,
    /// The account (none for a service token).
    pub user: Option<User>,
    /// The roles.
    pub roles: Vec<String>,
    /// The appointments held, in person or through a team, with whether each is in force today.
    pub appointments: Vec<Mandate>,
    /// For a browser session: the CSRF token its changes must carry (`X-CSRF-Token`).
    pub csrf_token: Option<String>,
}

/// An appointment as its holder sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mandate {
    /// The appointment.
    #[serde(flatten)]
    pub appointment: Appointment,
    /// Whether it is in force today (China Standard Time).
    pub in_force: bool,
}

/// The caller, their roles and appointments.
#[utoipa::path(get, path = "/api/me", tag = "People",
    responses(
        (status = 200, description = "Who you are", body = Me),
        (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
) -> AppResult<Json<Me>> {
    let principal = viewer.principal()?;
    let user = match principal.user {
        Some(id) => state.store.user(id).await?,
        None => None,
    };
    let today = china_day(Utc::now());
    Ok(Json(Me {
        author: principal.author.clone(),
        user,
        roles: principal.roles.iter().map(|r| r.as_str().into()).collect(),
        appointments: principal
            .mandates
            .iter()
            .map(|a| Mandate {
                in_force: a.in_force(today),
                appointment: a.clone(),
            })
            .collect(),
        csrf_token: match headers.get(axum::http::header::AUTHORIZATION) {
            None => crate::auth::session::session_token(&headers)
                .map(|t| crate::auth::session::csrf_of(&t)),
            Some(_) => None,
        },
    }))
}

/// Which audit entries to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// One collection (`sites`, `units`, `facilities`, `accounts`, `life_circle`).
    pub collection: Option<String>,
    /// One record of it (a site id, `user:3`, …).
    pub key: Option<String>,
    /// One actor (a login name).
    pub actor: Option<String>,
    /// Records in this planning unit.
    pub unit: Option<String>,
    /// From this time on (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// The entries.
    pub entries: Vec<AuditEntry>,
}

/// The audit log: who changed what, when, from where.
#[utoipa::path(get, path = "/api/audit", tag = "People", params(AuditQuery),
    responses(
        (status = 200, description = "Entries, newest first", body = AuditList),
        (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or the chief planner team", body = Problem, content_type = "application/problem+json"),
    ))]
async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<AuditList>> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::ReadAudit, Utc::now())?;
    let Query(q) = query.map_err(|e| AppError::bad_request("Bad query", "query", e.body_text()))?;
    let filter = AuditFilter {
        collection: q.collection,
        key: q.key,
        actor: q.actor,
        unit: q.unit,
        since: q.since,
        until: q.until,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(AuditList {
        entries: state.store.audit_entries(&filter).await?,
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(me, audit),
    components(schemas(
        Me,
        Mandate,
        User,
        Appointment,
        super::Holder,
        super::AgreementTerms,
        super::TeamKind,
        AuditList,
        AuditEntry
    ))
)]
struct PeopleApi;

/// The routes' OpenAPI.
pub fn openapi() -> utoipa::openapi::OpenApi {
    PeopleApi::openapi()
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/audit", get(audit))
}
