//! Headers every answer carries: what caches may keep, and what a browser may do with a page.
//!
//! - `Vary: Authorization, Cookie` on every answer, and `Cache-Control: private, no-cache` on every
//!   answer to a request with credentials: a proxy must never hand a planner's view (drafts)
//!   to the public, nor the public's to a planner (RFC 9111 §4.1, §5.2.2.7). The public's
//!   answers are `no-cache` unless the route says better (tiles, the page's assets).
//! - On pages: a Content-Security-Policy the map page satisfies (scripts, styles, fonts and
//!   tiles only from lantu itself; maplibre's workers from `blob:`; no framing), plus
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy` on everything.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, REFERRER_POLICY,
    VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// The pages' policy (CSP Level 3). maplibre-gl needs `blob:` for its workers and images.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; \
    connect-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The middleware.
pub async fn discipline(request: Request, next: Next) -> Response {
    let credentialed =
        request.headers().contains_key(AUTHORIZATION) || request.headers().contains_key(COOKIE);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // One Vary header: compression may already have set `accept-encoding`.
    let vary = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
        Some(existing) if !existing.is_empty() => format!("{existing}, Authorization, Cookie"),
        _ => "Authorization, Cookie".to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&vary) {
        headers.insert(VARY, value);
    }
    if credentialed {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    } else if !headers.contains_key(CACHE_CONTROL) {
        // The public's answers change with every publication, and some clients' caches
        // ignore Vary (QGIS's served the public's empty first page to a planner signing in):
        // revalidate every time.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    let is_page = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_page {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
        );
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
