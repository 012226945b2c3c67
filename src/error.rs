//! One error type for the whole server, rendered as RFC 9457 `application/problem+json`.
//!
//! A 4xx says exactly what was wrong and where (a JSON pointer into the request body, a query
//! parameter, a feature index); a 5xx says nothing internal and is logged once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Where in the request a problem sits and what is wrong there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// A JSON pointer (RFC 6901) into the body, or `?name` for a query parameter.
    pub pointer: String,
    /// What is wrong at that place, in words a person can act on.
    pub detail: String,
}

impl Violation {
    /// A violation at `pointer`.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body is not JSON at all.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The body or a parameter breaks the rules (RFC 7946, the collection's schema, OGC query rules).
    #[error("{title}: {}", .violation.detail)]
    BadRequest {
        /// Short, stable summary of the kind of problem.
        title: &'static str,
        /// Where and what.
        violation: Violation,
    },
    /// Well-formed input whose content cannot be accepted (invalid geometry, unknown element type).
    #[error("{title}: {}", .violation.detail)]
    Unprocessable {
        /// Short, stable summary of the kind of problem.
        title: &'static str,
        /// Where and what.
        violation: Violation,
    },
    /// The body is larger than the configured limit.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body's media type is not one we read.
    #[error("unsupported media type {0}")]
    UnsupportedMediaType(String),
    /// No credentials, or credentials we do not recognise.
    #[error("{0}")]
    Unauthorized(String),
    /// Recognised credentials that may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing at this address (or nothing the caller may see).
    #[error("{0}")]
    NotFound(String),
    /// The method is not allowed on this resource.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A write without `If-Match`.
    #[error("{0}")]
    PreconditionRequired(String),
    /// `If-Match` names a version that is no longer current.
    #[error("the feature is at version {current}; your If-Match names {given}")]
    PreconditionFailed {
        /// The version stored now.
        current: i64,
        /// What the client sent.
        given: String,
    },
    /// The request is fine but the server lacks what answering it needs (e.g. no walking
    /// network imported yet); the message says what to do.
    #[error("{0}")]
    NotReady(String),
    /// Anything we did not foresee: logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 400 naming the place and the rule broken.
    pub fn bad_request(
        title: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::BadRequest {
            title,
            violation: Violation::new(pointer, detail),
        }
    }

    /// A 422 naming the place and the rule broken.
    pub fn unprocessable(
        title: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::Unprocessable {
            title,
            violation: Violation::new(pointer, detail),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::NotReady(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::MalformedJson(_) => ("malformed-json", "Malformed JSON"),
            Self::BadRequest { title, .. } => ("bad-request", title),
            Self::Unprocessable { title, .. } => ("invalid-content", title),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::PreconditionRequired(_) => ("precondition-required", "If-Match required"),
            Self::PreconditionFailed { .. } => ("stale-version", "Stale version"),
            Self::NotReady(_) => ("not-ready", "Data needed for this answer is missing"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The RFC 9457 problem document for this error.
    pub fn problem(&self) -> serde_json::Value {
        let (slug, title) = self.slug_and_title();
        let status = self.status().as_u16();
        let mut body = serde_json::json!({
            "type": format!("/problems/{slug}"),
            "title": title,
            "status": status,
        });
        let detail = match self {
            Self::Internal(_) => {
                "the server failed to answer; the error is logged. Try again, and report it if it persists".to_string()
            }
            Self::BadRequest { violation, .. } | Self::Unprocessable { violation, .. } => {
                body["pointer"] = violation.pointer.clone().into();
                body["errors"] = serde_json::json!([violation]);
                violation.detail.clone()
            }
            Self::PreconditionFailed { current, .. } => {
                body["current_version"] = (*current).into();
                format!("{self}. Fetch the feature again, re-apply your change and send its new ETag")
            }
            other => other.to_string(),
        };
        body["detail"] = detail.into();
        body
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let status = self.status();
        let mut response = (status, axum::Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// Handlers' result type.
pub type AppResult<T> = Result<T, AppError>;
