//! The `Viewer` extractor: who is asking, from the `Authorization: Bearer` header.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{Principal, hash_token};
use crate::error::AppError;
use crate::state::AppState;
use crate::visibility::Visibility;

/// The caller: anonymous (the public) or a token holder.
///
/// A request with an `Authorization` header that does not name a valid token is refused with 401
/// rather than served as public, so a mistyped token is noticed at once.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Principal>);

impl Viewer {
    /// What this caller may see: the public, published records; any token holder, everything
    /// (until appointments narrow a planner's drafts to an area).
    pub fn visibility(&self) -> Visibility {
        match self.0 {
            None => Visibility::Public,
            Some(_) => Visibility::Everything,
        }
    }

    /// Whom answers are shaped for.
    pub fn audience(&self) -> crate::version::Audience {
        self.visibility().audience()
    }

    /// The caller, who must be allowed to edit sites.
    pub fn site_editor(&self) -> Result<&Principal, AppError> {
        let principal = self.0.as_ref().ok_or_else(|| {
            AppError::Unauthorized(
                "editing needs a token: send Authorization: Bearer <token> (create one with `lantu token create --role planner --name NAME`)".into(),
            )
        })?;
        if !principal.role.can_edit_sites() {
            return Err(AppError::Forbidden(format!(
                "role {} may read but not edit sites; ask an admin for a planner token",
                principal.role.as_str()
            )));
        }
        Ok(principal)
    }
}

/// A caller who may edit: resolved from the headers alone, so a request without the right
/// credentials is refused before its body is read, parsed or validated (an anonymous
/// 3 MB polygon costs nothing but its rejection).
#[derive(Debug, Clone)]
pub struct Editor(pub Principal);

impl FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        Ok(Self(viewer.site_editor()?.clone()))
    }
}

impl Editor {
    /// The same caller as a viewer (editors see drafts).
    pub fn viewer(&self) -> Viewer {
        Viewer(Some(self.0.clone()))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Self(None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
            })?;
        let hash = hash_token(token);
        let Some(principal) = state.store.find_token(&hash).await? else {
            state.limits.token_refused(&hash);
            return Err(AppError::Unauthorized(
                "this token is unknown, expired or revoked; ask an admin for a new one".into(),
            ));
        };
        state.limits.token_seen(&hash);
        Ok(Self(Some(principal)))
    }
}
