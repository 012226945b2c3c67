//! The `Viewer` extractor: who is asking, from the `Authorization` header.
//!
//! - `Bearer <token>`: a user's token or a service token.
//! - `Basic base64(login:password)`: a user's password, or one of their tokens as the
//!   password (QGIS 3.22 offers only Basic to a feature server). Failed passwords are
//!   throttled ([`super::access::Throttle`]).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;

use super::{Principal, hash_token};
use crate::error::AppError;
use crate::planners::password;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::visibility::Visibility;

/// The caller: anonymous (the public) or someone with valid credentials.
///
/// A request with an `Authorization` header that names no valid credentials is refused with
/// 401 rather than served as public, so a mistyped token is noticed at once.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Principal>);

impl Viewer {
    /// What this caller may see now ([`policy::visibility`]).
    pub fn visibility(&self) -> Visibility {
        policy::visibility(self.0.as_ref(), chrono::Utc::now())
    }

    /// Whom answers are shaped for.
    pub fn audience(&self) -> crate::version::Audience {
        self.visibility().audience()
    }

    /// The caller, who must have credentials.
    pub fn principal(&self) -> Result<&Principal, AppError> {
        self.0.as_ref().ok_or_else(|| {
            AppError::Unauthorized(
                "editing needs credentials: HTTP Basic with your login name and password, or Authorization: Bearer <token> (`lantu token create --user NAME`)".into(),
            )
        })
    }

    /// The caller, who must be allowed to edit sites somewhere.
    pub fn site_editor(&self) -> Result<&Principal, AppError> {
        let principal = self.principal()?;
        policy::may(principal, Action::EditSites, chrono::Utc::now())?;
        Ok(principal)
    }
}

/// A caller who may edit sites somewhere: resolved from the headers alone, so a request
/// without the right credentials is refused before its body is read, parsed or validated (an
/// anonymous 3 MB polygon costs nothing but its rejection). Where, the route asks the policy
/// once the geometry is known.
#[derive(Debug, Clone)]
pub struct Editor(pub Principal);

/// A caller who may edit facilities, resolved from the headers alone like [`Editor`], with
/// where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct FacilityEditor(pub Principal, pub crate::http::request::RequestInfo);

async fn allowed(
    parts: &mut Parts,
    state: &AppState,
    action: Action,
) -> Result<Principal, AppError> {
    let viewer = Viewer::from_request_parts(parts, state).await?;
    let principal = viewer.principal()?.clone();
    policy::may(&principal, action, chrono::Utc::now())?;
    Ok(principal)
}

impl FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(Self(allowed(parts, state, Action::EditSites).await?))
    }
}

impl FromRequestParts<AppState> for FacilityEditor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let principal = allowed(parts, state, Action::EditFacilities).await?;
        let request = crate::http::request::RequestInfo::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        Ok(Self(principal, request))
    }
}

impl Editor {
    /// The same caller as a viewer.
    pub fn viewer(&self) -> Viewer {
        Viewer(Some(self.0.clone()))
    }
}

/// The client's address, when the request came over a socket.
pub fn address(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return from_cookie(parts, state).await;
        };
        let value = value.to_str().unwrap_or("").trim();
        let principal = if let Some(token) = value.strip_prefix("Bearer ") {
            bearer(state, token.trim()).await?
        } else if let Some(encoded) = value.strip_prefix("Basic ") {
            basic(state, encoded.trim(), address(parts)).await?
        } else {
            return Err(AppError::Unauthorized(
                "the Authorization header must be `Bearer <token>` or `Basic <base64 login:password>`".into(),
            ));
        };
        // The rate limiter knows these credentials as a live caller's from now on.
        state.limits.token_seen(&hash_token(
            value.strip_prefix("Bearer ").unwrap_or(value).trim(),
        ));
        Ok(Self(Some(principal)))
    }
}

/// The caller a session cookie names. A cookie that names no live session (expired, signed
/// out) is ignored: the public map keeps working for someone whose session ran out. A change
/// authorised by the cookie alone needs the session's CSRF token too.
async fn from_cookie(parts: &Parts, state: &AppState) -> Result<Viewer, AppError> {
    let Some(token) = super::session::session_token(&parts.headers) else {
        return Ok(Viewer(None));
    };
    let principal = match bearer(state, &token).await {
        Ok(p) => p,
        Err(AppError::Unauthorized(_)) => return Ok(Viewer(None)),
        Err(e) => return Err(e),
    };
    if !super::session::csrf_allows(parts, &token) {
        return Err(AppError::Forbidden(format!(
            "a change made through the session cookie must carry its CSRF token in {} (from POST /api/session or GET /api/me)",
            super::session::CSRF_HEADER
        )));
    }
    Ok(Viewer(Some(principal)))
}

/// The holder of `token`.
async fn bearer(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let hash = hash_token(token);
    if let Some(p) = state.access.cached(&hash) {
        return Ok(p);
    }
    let generation = state.access.generation();
    let Some(principal) = resolve_token(state, &hash).await? else {
        state.limits.token_refused(&hash);
        return Err(AppError::Unauthorized(
            "this token is unknown, expired or revoked, or its account is disabled; ask an admin for a new one".into(),
        ));
    };
    state.access.remember(hash, principal.clone(), generation);
    Ok(principal)
}

/// The live token with this hash, as its holder; `None` if unknown, expired, revoked, or its
/// user disabled.
async fn resolve_token(state: &AppState, hash: &str) -> Result<Option<Principal>, AppError> {
    let Some((name, role, user)) = state.store.find_token(hash).await? else {
        return Ok(None);
    };
    match user {
        None => Ok(Some(Principal::service(name, role))),
        Some(id) => user_principal(state, id).await,
    }
}

/// User `id` as a principal, unless disabled.
async fn user_principal(state: &AppState, id: i64) -> Result<Option<Principal>, AppError> {
    let Some(user) = state.store.user(id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let mandates = state.store.mandates(id).await?;
    Ok(Some(Principal {
        author: user.login,
        user: Some(id),
        roles: user.roles,
        mandates: Arc::from(mandates),
    }))
}

/// HTTP Basic: a user's login name and password, or one of their tokens as the password.
async fn basic(
    state: &AppState,
    encoded: &str,
    address: Option<IpAddr>,
) -> Result<Principal, AppError> {
    let bad =
        || AppError::Unauthorized("Basic credentials must be base64 of `login:password`".into());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (login, secret) = decoded.split_once(':').ok_or_else(bad)?;
    if secret.starts_with("lantu_") {
        let principal = bearer(state, secret).await?;
        if principal.user.is_some() && principal.author != login {
            return Err(AppError::Unauthorized(format!(
                "this token is not {login}'s; send your own login name with it"
            )));
        }
        return Ok(principal);
    }
    let key = hash_token(&format!("basic\0{login}\0{secret}"));
    if let Some(p) = state.access.cached(&key) {
        return Ok(p);
    }
    let generation = state.access.generation();
    let principal = sign_in(state, login, secret, address).await?;
    state.access.remember(key, principal.clone(), generation);
    Ok(principal)
}

/// Checks `login`'s `password` (throttled: 429 after too many failures) and resolves the
/// user; 401 for a wrong pair, an unknown login or a disabled account alike.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    secret: &str,
    address: Option<IpAddr>,
) -> Result<Principal, AppError> {
    if let Err(retry_after) = state.access.throttle.attempt(login, address) {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "too many failed sign-ins for {login}; wait {retry_after} s (Retry-After) and try again"
            ),
            retry_after,
        });
    }
    let found = state.store.user_by_login(login).await?;
    let verified = match &found {
        Some((user, Some(phc))) if !user.disabled => {
            let (secret, phc) = (secret.to_string(), phc.clone());
            tokio::task::spawn_blocking(move || password::verify(&secret, &phc))
                .await
                .unwrap_or(false)
        }
        _ => {
            // Spend the same time on an unknown login, so timing does not tell which exist.
            let secret = secret.to_string();
            tokio::task::spawn_blocking(move || password::verify(&secret, DUMMY_PHC))
                .await
                .ok();
            false
        }
    };
    let principal = match (verified, found) {
        (true, Some((user, _))) => user_principal(state, user.id).await?,
        _ => None,
    };
    // The attempt was counted as a failure before the password was checked; a success takes
    // it back.
    match principal {
        Some(p) => {
            state.access.throttle.succeeded(login, address);
            Ok(p)
        }
        None => Err(AppError::Unauthorized(
            "wrong login name or password (or the account is disabled)".into(),
        )),
    }
}

/// An argon2id hash of nothing anyone types, verified against for unknown logins.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
