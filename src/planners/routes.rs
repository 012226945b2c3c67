//! `GET /api/me` (who am I, my appointments) and `GET /api/audit` (the audit log, for admins
//! and the chief planner team).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{
    AgreementTerms, Appointment, Contact, Holder, MemberRole, NewAppointment, NewUser, Team,
    TeamKind, User, china_day, password,
};
use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::store::audit::{AuditEntry, AuditFilter};
use crate::units::UnitCode;
use crate::version::Edit;

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

/// The audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// The entries.
    pub entries: Vec<AuditEntry>,
}

/// The audit log: who changed what, when, from where.
#[utoipa::path(get, path = "/api/audit", tag = "People", params(AuditFilter),
    responses(
        (status = 200, description = "Entries, newest first", body = AuditList),
        (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or the chief planner team", body = Problem, content_type = "application/problem+json"),
    ))]
async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AuditFilter>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<AuditList>> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::ReadAudit, Utc::now())?;
    let Query(filter) =
        query.map_err(|e| AppError::bad_request("Bad query", "query", e.body_text()))?;
    Ok(Json(AuditList {
        entries: state.store.audit_entries(&filter).await?,
    }))
}

/// The caller, who must be an admin, and the edit they make.
fn admin_edit(viewer: &Viewer, request: RequestInfo) -> AppResult<Edit> {
    let principal = viewer.principal()?;
    policy::may(principal, Action::ManageAccounts, Utc::now())?;
    Ok(request.edit_by(principal.author.clone()))
}

/// An account to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// The login name.
    pub login: String,
    /// Display name in Chinese.
    pub display_zh: String,
    /// Display name in English.
    pub display_en: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// admin, planner, analyst.
    pub roles: Vec<String>,
    /// E-mail (private: never on a public route).
    pub email: Option<String>,
    /// Phone (private).
    pub phone: Option<String>,
    /// A password; without one a one-time password is generated and answered once.
    pub password: Option<String>,
}

/// A created account.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    /// The account.
    pub user: User,
    /// The generated one-time password, shown only in this answer.
    pub one_time_password: Option<String>,
}

/// Accounts (admins).
#[utoipa::path(get, path = "/api/users", tag = "People",
    responses((status = 200, description = "Every account, without contact details", body = [User]),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
async fn users(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
) -> AppResult<Json<Vec<User>>> {
    admin_edit(&viewer, request)?;
    Ok(Json(state.store.users().await?))
}

/// Creates an account (admins).
#[utoipa::path(post, path = "/api/users", tag = "People",
    request_body(content = UserInput, content_type = "application/json"),
    responses((status = 201, description = "Created", body = CreatedUser),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The login name is taken", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A bad login name, role or a weak password", body = Problem, content_type = "application/problem+json")))]
async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    body: JsonBody,
) -> AppResult<(StatusCode, Json<CreatedUser>)> {
    let edit = admin_edit(&viewer, request)?;
    let input: UserInput = body.parse()?;
    if !super::valid_login(&input.login) {
        return Err(AppError::unprocessable(
            "Bad login name",
            "/login",
            "a login name is 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    let mut roles = Vec::new();
    for (i, r) in input.roles.iter().enumerate() {
        roles.push(Role::parse(r).ok_or_else(|| {
            AppError::unprocessable(
                "Unknown role",
                format!("/roles/{i}"),
                "a role is admin, planner or analyst",
            )
        })?);
    }
    let generated = input.password.is_none();
    let secret = match input.password {
        Some(p) => p,
        None => password::generate()?,
    };
    if let Some(weak) = password::weakness(&secret) {
        return Err(AppError::unprocessable("Weak password", "/password", weak));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret).map(|h| (h, secret)))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing: {e}")))??;
    let new = NewUser {
        login: input.login.clone(),
        display_zh: input.display_zh,
        display_en: input.display_en,
        organisation: input.organisation,
        roles,
        contact: Contact {
            email: input.email,
            phone: input.phone,
        },
    };
    let user = state
        .store
        .create_user(&new, Some(&hash.0), &edit)
        .await
        .map_err(|e| AppError::from_store(e, &format!("user {}", input.login), 0))?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user,
            one_time_password: generated.then_some(hash.1),
        }),
    ))
}

async fn user_id(state: &AppState, login: &str) -> AppResult<i64> {
    let (user, _) = state
        .store
        .user_by_login(login)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user {login}")))?;
    Ok(user.id)
}

/// Disables an account (admins): its sign-ins and tokens are refused from now on.
#[utoipa::path(post, path = "/api/users/{login}/disable", tag = "People",
    params(("login" = String, Path, description = "The login name")),
    responses((status = 204, description = "Disabled"),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json")))]
async fn disable_user(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    Path(login): Path<String>,
) -> AppResult<StatusCode> {
    let edit = admin_edit(&viewer, request)?;
    let id = user_id(&state, &login).await?;
    state.store.disable_user(id, &edit).await?;
    state.access.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

/// A team to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Its kind.
    pub kind: TeamKind,
    /// Its name in Chinese (unique).
    pub name_zh: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// The organisation leading it.
    pub organisation: Option<String>,
}

/// A member to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The user's login name.
    pub login: String,
    /// leader or member.
    pub role: MemberRole,
    /// The organisation the member works for.
    pub organisation: Option<String>,
}

/// Teams (admins).
#[utoipa::path(get, path = "/api/teams", tag = "People",
    responses((status = 200, description = "Every team", body = [Team]),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
async fn teams(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
) -> AppResult<Json<Vec<Team>>> {
    admin_edit(&viewer, request)?;
    Ok(Json(state.store.teams().await?))
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/api/teams", tag = "People",
    request_body(content = TeamInput, content_type = "application/json"),
    responses((status = 201, description = "Created", body = Team),
              (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json")))]
async fn create_team(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    body: JsonBody,
) -> AppResult<(StatusCode, Json<Team>)> {
    let edit = admin_edit(&viewer, request)?;
    let t: TeamInput = body.parse()?;
    let team = state
        .store
        .create_team(
            t.kind,
            (&t.name_zh, t.name_en.as_deref()),
            t.organisation.as_deref(),
            &edit,
        )
        .await
        .map_err(|e| AppError::from_store(e, &format!("team {}", t.name_zh), 0))?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// Adds a member to a team (admins).
#[utoipa::path(post, path = "/api/teams/{teamId}/members", tag = "People",
    params(("teamId" = i64, Path, description = "The team's id")),
    request_body(content = MemberInput, content_type = "application/json"),
    responses((status = 204, description = "Added"),
              (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "A member already", body = Problem, content_type = "application/problem+json")))]
async fn add_member(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    Path(team): Path<i64>,
    body: JsonBody,
) -> AppResult<StatusCode> {
    let edit = admin_edit(&viewer, request)?;
    let m: MemberInput = body.parse()?;
    let user = user_id(&state, &m.login).await?;
    state
        .store
        .add_member(team, user, m.role, m.organisation.as_deref(), &edit)
        .await
        .map_err(|e| AppError::from_store(e, &format!("team {team}"), 0))?;
    state.access.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

/// An appointment to record: of a team (`team`) or a person (`user`, with `kind`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentInput {
    /// A team's id.
    pub team: Option<i64>,
    /// Or a user's login name.
    pub user: Option<String>,
    /// As what, for a person (a team is appointed as its kind).
    pub kind: Option<TeamKind>,
    /// The planning unit codes.
    pub units: Vec<String>,
    /// First day in force (China Standard Time).
    pub starts_on: chrono::NaiveDate,
    /// Last day in force, inclusive.
    pub ends_on: chrono::NaiveDate,
    /// The agreement's terms.
    #[serde(default)]
    pub terms: AgreementTerms,
    /// The appointing body.
    pub appointed_by: String,
    /// When the holder's contract was signed (回避制度).
    pub contract_signed_on: Option<chrono::NaiveDate>,
    /// The appointment this one renews.
    pub renews: Option<i64>,
}

/// A termination.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Termination {
    /// The first day it is no longer in force.
    pub on: chrono::NaiveDate,
    /// Why.
    pub reason: String,
}

/// Appointments (admins).
#[utoipa::path(get, path = "/api/appointments", tag = "People",
    responses((status = 200, description = "Every appointment, oldest first", body = [Appointment]),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
async fn appointments(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
) -> AppResult<Json<Vec<Appointment>>> {
    admin_edit(&viewer, request)?;
    Ok(Json(state.store.appointments().await?))
}

/// Records an appointment or a renewal (admins).
#[utoipa::path(post, path = "/api/appointments", tag = "People",
    request_body(content = AppointmentInput, content_type = "application/json"),
    responses((status = 201, description = "Recorded", body = Appointment),
              (status = 409, description = "A conflict of interest (回避制度)", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "An unknown unit, holder or an inverted term", body = Problem, content_type = "application/problem+json")))]
async fn create_appointment(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    body: JsonBody,
) -> AppResult<(StatusCode, Json<Appointment>)> {
    let edit = admin_edit(&viewer, request)?;
    let a: AppointmentInput = body.parse()?;
    let (holder, kind) = match (a.team, &a.user) {
        (Some(id), None) => {
            let team = state.store.teams().await?.into_iter().find(|t| t.id == id);
            let team = team.ok_or_else(|| {
                AppError::unprocessable("Unknown team", "/team", format!("no team {id}"))
            })?;
            (Holder::Team(id), team.kind)
        }
        (None, Some(login)) => (
            Holder::User(user_id(&state, login).await?),
            a.kind.unwrap_or(TeamKind::Subdistrict),
        ),
        _ => {
            return Err(AppError::unprocessable(
                "No single holder",
                "/team",
                "name either a team or a user",
            ));
        }
    };
    let mut units = Vec::new();
    for (i, code) in a.units.iter().enumerate() {
        units.push(
            UnitCode::parse(code)
                .map_err(|e| AppError::unprocessable("Bad unit code", format!("/units/{i}"), e))?,
        );
    }
    let new = NewAppointment {
        kind,
        holder,
        units,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        terms: a.terms,
        appointed_by: a.appointed_by,
        contract_signed_on: a.contract_signed_on,
        renews: a.renews,
    };
    let done = super::service::appoint(&state.store, &new, &edit).await?;
    state.access.forget_all();
    Ok((StatusCode::CREATED, Json(done)))
}

/// Terminates an appointment (admins): from `on`, it is no longer in force.
#[utoipa::path(post, path = "/api/appointments/{appointmentId}/terminate", tag = "People",
    params(("appointmentId" = i64, Path, description = "The appointment's id")),
    request_body(content = Termination, content_type = "application/json"),
    responses((status = 200, description = "Terminated", body = Appointment),
              (status = 404, description = "No such appointment", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Terminated already", body = Problem, content_type = "application/problem+json")))]
async fn terminate(
    State(state): State<AppState>,
    viewer: Viewer,
    request: RequestInfo,
    Path(id): Path<i64>,
    body: JsonBody,
) -> AppResult<Json<Appointment>> {
    let edit = admin_edit(&viewer, request)?;
    let t: Termination = body.parse()?;
    let done = state
        .store
        .terminate(id, t.on, &t.reason, &edit)
        .await
        .map_err(|e| AppError::from_store(e, &format!("appointment {id}"), 0))?;
    state.access.forget_all();
    Ok(Json(done))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        me,
        audit,
        users,
        create_user,
        disable_user,
        teams,
        create_team,
        add_member,
        appointments,
        create_appointment,
        terminate
    ),
    components(schemas(
        Me,
        Mandate,
        User,
        Appointment,
        super::Holder,
        super::AgreementTerms,
        super::TeamKind,
        AuditList,
        AuditEntry,
        UserInput,
        CreatedUser,
        Team,
        TeamInput,
        MemberInput,
        super::MemberRole,
        AppointmentInput,
        Termination
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
        .route("/api/users", get(users).post(create_user))
        .route("/api/users/{login}/disable", post(disable_user))
        .route("/api/teams", get(teams).post(create_team))
        .route("/api/teams/{team}/members", post(add_member))
        .route(
            "/api/appointments",
            get(appointments).post(create_appointment),
        )
        .route("/api/appointments/{id}/terminate", post(terminate))
}
