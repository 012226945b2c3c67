//! Where a request came from, for the audit log: the client's address and the request's id
//! (`x-request-id`: the client's own when it sends a sane one, else one made here, and echoed
//! on the response either way so a client can quote it).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// The middleware: gives every request an id and echoes it, and writes the access log (target
/// `lantu::access`, at debug level: `LANTU_LOG=lantu=info,lantu::access=debug` turns it on).
pub async fn identify(mut request: Request, next: Next) -> Response {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let given = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string);
    let id = given.unwrap_or_else(|| {
        format!(
            "lantu-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    });
    let value = HeaderValue::from_str(&id).expect("an ASCII id");
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let (method, uri) = (request.method().clone(), request.uri().clone());
    // How the caller proved who they are (never the credentials themselves).
    let credentials = match request.headers().get(axum::http::header::AUTHORIZATION) {
        Some(v) if v.as_bytes().starts_with(b"Basic ") => "basic",
        Some(v) if v.as_bytes().starts_with(b"Bearer ") => "bearer",
        Some(_) => "other",
        None if request.headers().contains_key(axum::http::header::COOKIE) => "cookie",
        None => "none",
    };
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    tracing::debug!(
        target: "lantu::access",
        %method,
        %uri,
        status = response.status().as_u16(),
        credentials,
        ms = started.elapsed().as_secs_f64() * 1e3,
        id,
        "request"
    );
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

/// The request's query, the client's address and the request id.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The raw query string.
    pub query: Option<String>,
    /// The client's address, when it came over a socket.
    pub address: Option<String>,
    /// The request's id.
    pub id: Option<String>,
    /// Its `If-Match`, for a conditional write.
    pub if_match: Option<axum::http::HeaderValue>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            query: parts.uri.query().map(str::to_string),
            address: crate::auth::extract::address(parts).map(|a| a.to_string()),
            id: parts
                .headers
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            if_match: parts.headers.get(axum::http::header::IF_MATCH).cloned(),
        })
    }
}

impl RequestInfo {
    /// An edit by `author` from where this request came (for the audit log).
    pub fn edit_by(&self, author: impl Into<String>) -> crate::version::Edit {
        crate::version::Edit {
            address: self.address.clone(),
            request_id: self.id.clone(),
            ..crate::version::Edit::by(author)
        }
    }
}
