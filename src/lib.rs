//! lantu 蓝图: a GIS server for community planners (社区规划师), the planning units they work
//! in and the micro-renewal sites they draw. See the README for the whole picture.

pub mod apply;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod coverage;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod evaluation;
pub mod export;
pub mod http;
pub mod import;
pub mod needs;
pub mod network;
pub mod ogc;
pub mod planners;
pub mod policy;
pub mod projects;
pub mod server;
pub mod sites;
pub mod spatial;
pub mod state;
pub mod store;
pub mod text;
pub mod tiles;
pub mod units;
pub mod version;
pub mod visibility;
pub mod web;
pub mod work;

use crate::ogc::contract::Health;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
pub use crate::state::{AppState, Settings};

/// The whole HTTP application. Tests drive it without a socket; `server` binds it.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(web::router(&state))
        .merge(tiles::routes::router())
        .merge(ogc::router())
        .merge(coverage::routes::router())
        .merge(coverage::facilities::router())
        .merge(coverage::tiles::router())
        .merge(planners::routes::router())
        .merge(projects::routes::router())
        .merge(dashboard::router())
        .merge(evaluation::routes::router())
        .merge(auth::session::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.limits.clone(),
            http::rate::limit,
        ))
        .layer(axum::middleware::from_fn(http::headers::discipline))
        .layer(axum::middleware::from_fn(http::request::identify))
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::Internal(anyhow::anyhow!(
                "a handler panicked"
            )))
        }))
        // 5xx answers are logged where they arise (internal errors once, store faults as
        // warnings); the trace layer would log every refused flood request as an error again.
        .layer(
            TraceLayer::new_for_http().on_failure(
                tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
            ),
        )
}

/// Liveness: the process answers. Nothing more, so nobody can watch counts (drafts) change.
#[utoipa::path(get, path = "/healthz", tag = "Operations",
    responses((status = 200, description = "The process answers", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        backend: None,
    })
}

/// Readiness: the store answers too; 503 with `Retry-After` while it does not.
#[utoipa::path(get, path = "/readyz", tag = "Operations",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 503, description = "The store does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ready".into(),
        backend: Some(state.store.backend().into()),
    }))
}

async fn not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("nothing at {}; the API starts at /api", uri.path()))
}

/// A method the route does not serve: 405, except `OPTIONS`, answered 204 (RFC 9110 §9.3.7).
/// axum adds the route's `Allow` header to either answer.
async fn method_not_allowed(method: Method, uri: Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if method == Method::OPTIONS {
        return axum::http::StatusCode::NO_CONTENT.into_response();
    }
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path())).into_response()
}
