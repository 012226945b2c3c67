//! One error type for the whole server, rendered as RFC 9457 `application/problem+json`.
//!
//! A 4xx says exactly what was wrong and where (a JSON pointer into the request body, a query
//! parameter, a feature index); a 5xx says nothing internal and is logged once.

use crate::ogc::contract::{Problem, ProblemDetail};
use crate::store::StoreError;
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
    /// A record with the same key exists already.
    #[error("{0}")]
    Conflict(String),
    /// A feature with more vertices or parts than a feature may have, refused before the
    /// expensive checks run.
    #[error("{}", .violation.detail)]
    TooComplex {
        /// Where and which limit.
        violation: Violation,
    },
    /// The client did not send its request in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// The caller sent more requests than its rate allows.
    #[error("{detail}")]
    TooManyRequests {
        /// Which limit, and when to come back.
        detail: String,
        /// Seconds until a request will be accepted again.
        retry_after: u64,
    },
    /// The server cannot answer now (the store is full, read-only or unreachable, or the
    /// expensive-work queue is full); nothing was changed, and the same request may succeed later.
    #[error("{detail}")]
    Unavailable {
        /// What is wrong and what to do.
        detail: String,
        /// Seconds after which trying again makes sense.
        retry_after: u64,
    },
    /// Anything we did not foresee: logged, never shown.
    #[error("internal error: {0}")]
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    /// Store faults that pass (disk full, read-only, connection lost) become 503 with
    /// `Retry-After`; everything else is an internal error.
    fn from(err: anyhow::Error) -> Self {
        match crate::store::fault::transient(&err) {
            Some(detail) => {
                tracing::warn!(error = %format!("{err:#}"), "store unavailable");
                Self::Unavailable {
                    detail,
                    retry_after: 5,
                }
            }
            None => Self::Internal(err),
        }
    }
}

impl From<crate::spatial::read::GeometryError> for AppError {
    fn from(e: crate::spatial::read::GeometryError) -> Self {
        use crate::spatial::read::Fault;
        match e.fault {
            Fault::Malformed => Self::bad_request("Invalid GeoJSON", e.pointer, e.detail),
            Fault::Invalid => Self::unprocessable("Invalid geometry", e.pointer, e.detail),
            Fault::TooComplex => Self::too_complex(e.pointer, e.detail),
        }
    }
}

impl From<StoreError> for AppError {
    /// A store error answered for a record the request named; where the record's kind is
    /// known, [`AppError::from_store`] words a missing or stale one better.
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("no such record".into()),
            StoreError::Stale { current } => Self::PreconditionFailed {
                current,
                given: "an older version".into(),
            },
            StoreError::Conflict(detail) => Self::Conflict(format!(
                "{detail}; choose another key, or edit the record that has it"
            )),
            StoreError::Invalid(detail) => Self::unprocessable("Rejected by the store", "", detail),
            other => other.into_anyhow().into(),
        }
    }
}

impl AppError {
    /// A store error on record `what` (e.g. "site 12") written at version `expected`.
    pub fn from_store(err: StoreError, what: &str, expected: i64) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound(format!("no {what}")),
            StoreError::Stale { current } => Self::PreconditionFailed {
                current,
                given: crate::version::etag(expected),
            },
            other => other.into(),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        anyhow::Error::from(err).into()
    }
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

    /// A 413 for a feature past a vertex or part limit, naming the limit.
    pub fn too_complex(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::TooComplex {
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
            Self::NotReady(_) | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooComplex { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
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
            Self::Conflict(_) => ("conflict", "Already exists"),
            Self::TooComplex { .. } => ("too-complex", "Feature too complex"),
            Self::RequestTimeout(_) => ("request-timeout", "Request too slow"),
            Self::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable { .. } => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The RFC 9457 problem document for this error.
    pub fn problem(&self) -> serde_json::Value {
        serde_json::to_value(self.problem_body()).unwrap_or_default()
    }

    fn problem_body(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let mut problem = Problem {
            kind: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status().as_u16(),
            detail: String::new(),
            pointer: None,
            errors: None,
            current_version: None,
        };
        problem.detail = match self {
            Self::Internal(_) => {
                "the server failed to answer; the error is logged. Try again, and report it if it persists".to_string()
            }
            Self::BadRequest { violation, .. }
            | Self::Unprocessable { violation, .. }
            | Self::TooComplex { violation } => {
                problem.pointer = Some(violation.pointer.clone());
                problem.errors = Some(vec![ProblemDetail {
                    pointer: violation.pointer.clone(),
                    detail: violation.detail.clone(),
                }]);
                violation.detail.clone()
            }
            Self::PreconditionFailed { current, .. } => {
                problem.current_version = Some(*current);
                format!("{self}. Fetch the feature again, re-apply your change and send its new ETag")
            }
            other => other.to_string(),
        };
        problem
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let status = self.status();
        let mut response = (status, axum::Json(self.problem_body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Self::TooManyRequests { retry_after, .. } | Self::Unavailable { retry_after, .. } =
            &self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

/// Handlers' result type.
pub type AppResult<T> = Result<T, AppError>;
