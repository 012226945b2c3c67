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

/// The middleware: gives every request an id and echoes it.
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
    let mut response = next.run(request).await;
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
