//! Request bodies: JSON only, size-limited, parsed before anything is touched.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde_json::Value;

use crate::error::AppError;
use crate::state::AppState;

/// Media types a feature body may have.
const JSON_TYPES: &[&str] = &[
    "application/geo+json",
    "application/json",
    "application/merge-patch+json",
];

/// A JSON body no larger than the configured limit.
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = AppError;

    async fn from_request(
        request: Request<Body>,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let limit = state.settings.body_limit;
        let media_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        match media_type.as_deref() {
            Some(t) if JSON_TYPES.contains(&t) => {}
            other => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "send the feature as application/geo+json (got {})",
                    other.unwrap_or("no Content-Type")
                )));
            }
        }
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(AppError::PayloadTooLarge { limit });
        }
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| AppError::PayloadTooLarge { limit })?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::MalformedJson(format!("{e} (line {}, column {})", e.line(), e.column()))
        })?;
        Ok(Self(value))
    }
}
