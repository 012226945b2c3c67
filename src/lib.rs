//! lantu 蓝图: a GIS server for community planners (社区规划师), the planning units they work
//! in and the micro-renewal sites they draw. See the README for the whole picture.

pub mod auth;
pub mod catalog;
pub mod config;
pub mod coverage;
pub mod demo;
pub mod error;
pub mod http;
pub mod import;
pub mod network;
pub mod ogc;
pub mod server;
pub mod sites;
pub mod spatial;
pub mod state;
pub mod store;
pub mod tiles;
pub mod units;
pub mod version;
pub mod web;

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
pub use crate::state::{AppState, Settings};

/// The whole HTTP application. Tests drive it without a socket; `server` binds it.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(web::router(&state))
        .merge(tiles::routes::router())
        .merge(ogc::router())
        .merge(units::routes::router())
        .merge(sites::routes::router())
        .merge(coverage::routes::router())
        .merge(coverage::tiles::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::Internal(anyhow::anyhow!(
                "a handler panicked"
            )))
        }))
        .layer(TraceLayer::new_for_http())
}

async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let (units, sites) = state.catalog().counts();
    Json(json!({"status": "ok", "backend": state.store.backend(), "units": units, "sites": sites}))
}

async fn not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("nothing at {}; the API starts at /api", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
