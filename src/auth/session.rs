//! Browser sessions: `POST /api/session` signs in with a login name and password and sets an
//! HttpOnly, SameSite=Strict cookie (`Secure` behind https) holding a session token (12 hours,
//! stored hashed like every token); `DELETE /api/session` signs out; `POST /api/me/password`
//! changes the password. A request that only the cookie authorises must also carry the
//! session's CSRF token in `X-CSRF-Token` to change anything: a page on another site can
//! make the browser send the cookie, never read the token.

use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::extract::{Viewer, sign_in};
use super::{generate_token, hash_token};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::request::RequestInfo;
use crate::planners::password;
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE_NAME: &str = "lantu_session";
/// The header a cookie-authorised write must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The session token in the request's cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|v| v.starts_with("lantu_"))
}

/// The CSRF token of a session: derived from its secret, so nothing more is stored.
pub fn csrf_of(session: &str) -> String {
    hash_token(&format!("lantu-csrf\0{session}"))
}

/// Whether a cookie-authorised request may go on: reads always; writes with the session's
/// CSRF token.
pub fn csrf_allows(parts: &Parts, session: &str) -> bool {
    let safe = matches!(parts.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    safe || parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given == csrf_of(session))
}

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The login name.
    pub login: String,
    /// The password.
    pub password: String,
}

/// A signed-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Who signed in (their login name).
    pub author: String,
    /// Send this as `X-CSRF-Token` with every change made through the session's cookie.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current: String,
    /// The new one (at least 10 characters).
    pub new: String,
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("an ASCII cookie")
}

/// A cookie the page may read, holding no secret: it tells the page a session may exist, so
/// the public's page never asks `/api/me` for nothing.
pub const MARKER_NAME: &str = "lantu_signed_in";

fn marker(max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{MARKER_NAME}=1; Path=/; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("an ASCII cookie")
}

/// Whether the client reached us over https (directly configured, or through a proxy).
fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state
        .settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|p| p.as_bytes() == b"https")
}

/// Signs in: sets the session cookie.
#[utoipa::path(post, path = "/api/session", tag = "People",
    request_body(content = SignIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Signed in; the cookie is set", body = Session),
        (status = 400, description = "Not a sign-in", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong login name or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
async fn open_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: RequestInfo,
    body: JsonBody,
) -> AppResult<Response> {
    let SignIn { login, password } = body.parse()?;
    let address = request.address.as_deref().and_then(|a| a.parse().ok());
    let principal = sign_in(&state, &login, &password, address).await?;
    let user = principal
        .user
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a signed-in user has no id")))?;
    let (token, hash) = generate_token()?;
    let expires_at = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    let role = principal
        .roles
        .first()
        .copied()
        .unwrap_or(super::Role::Planner);
    let edit = request.edit_by(principal.author.clone());
    state
        .store
        .create_session(user, &login, role, &hash, expires_at, &edit)
        .await?;
    let secure = over_https(&state, &headers);
    let mut response = (
        StatusCode::CREATED,
        Json(Session {
            author: principal.author,
            csrf_token: csrf_of(&token),
            expires_at,
        }),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, cookie(&token, SESSION_HOURS * 3600, secure));
    headers.append(SET_COOKIE, marker(SESSION_HOURS * 3600, secure));
    Ok(response)
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/session", tag = "People",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No session", body = Problem, content_type = "application/problem+json"),
    ))]
async fn close_session(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    request: RequestInfo,
) -> AppResult<Response> {
    let principal = viewer.principal()?;
    let token = session_token(&headers)
        .ok_or_else(|| AppError::Unauthorized("no session cookie to end".into()))?;
    let edit = request.edit_by(principal.author.clone());
    state.store.end_session(&hash_token(&token), &edit).await?;
    state.access.forget_all();
    let mut response = StatusCode::NO_CONTENT.into_response();
    let secure = over_https(&state, &headers);
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, cookie("", 0, secure));
    headers.append(SET_COOKIE, marker(0, secure));
    Ok(response)
}

/// Changes the caller's password (the current one is checked first, throttled like sign-ins)
/// and signs out the account's other sessions.
#[utoipa::path(post, path = "/api/me/password", tag = "People",
    request_body(content = PasswordChange, content_type = "application/json"),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too weak", body = Problem, content_type = "application/problem+json"),
    ))]
async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    request: RequestInfo,
    body: JsonBody,
) -> AppResult<StatusCode> {
    let principal = viewer.principal()?;
    let user = principal
        .user
        .ok_or_else(|| AppError::Forbidden("a service token has no password to change".into()))?;
    let PasswordChange { current, new } = body.parse()?;
    let address = request.address.as_deref().and_then(|a| a.parse().ok());
    sign_in(&state, &principal.author, &current, address).await?;
    if let Some(weak) = password::weakness(&new) {
        return Err(AppError::unprocessable("Weak password", "/new", weak));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing: {e}")))??;
    let edit = request.edit_by(principal.author.clone());
    state.store.set_password(user, &hash, &edit).await?;
    // Whoever else held a session of this account (with the old password) is signed out; the
    // session making the change stays.
    let keep = session_token(&headers).map(|t| hash_token(&t));
    state
        .store
        .end_other_sessions(&principal.author, keep.as_deref(), &edit)
        .await?;
    state.access.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(open_session, close_session, change_password),
    components(schemas(SignIn, Session, PasswordChange))
)]
struct SessionApi;

/// The routes' OpenAPI.
pub fn openapi() -> utoipa::openapi::OpenApi {
    SessionApi::openapi()
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/session",
            post(open_session).merge(delete(close_session)),
        )
        .route("/api/me/password", post(change_password))
}
