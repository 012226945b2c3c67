//! OGC API Features under `/api`: landing page, conformance, collections and the OpenAPI
//! document (Part 1: Core, GeoJSON, OpenAPI 3.0; Part 4: Create, Replace, Update, Delete).
//! The items routes live with their concepts (`units::routes`, `sites::routes`).

pub mod items;

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::error::{AppError, AppResult};
use crate::http::links::{BaseUrl, link};
use crate::state::AppState;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The conformance classes lantu implements.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

/// The collections: id, title, description.
const COLLECTIONS: &[(&str, &str, &str)] = &[
    (
        "units",
        "Planning units 规划单元",
        "District 区, sub-districts and towns 街道/镇, neighbourhood committees 居委会, by statistics division code",
    ),
    (
        "sites",
        "Sites 点位",
        "Micro-renewal project sites drawn by community planners 社区规划师; drafts are visible only with a token. A feature has at most 200,000 positions and 10,000 parts (refused with 413 beyond); positions are [longitude, latitude] only",
    ),
];

/// The `/api` routes that are not a collection's items.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api", get(landing))
        .route("/api/", get(landing))
        .route("/api/conformance", get(conformance))
        .route("/api/collections", get(collections))
        .route("/api/collections/{collection}", get(collection))
        .route("/api/openapi.json", get(openapi))
}

async fn landing(base: BaseUrl) -> Json<Value> {
    Json(json!({
        "title": "lantu 蓝图 — community blueprint server",
        "description": "Planning units, sites and life-circle coverage for community planners (社区规划师), as OGC API Features.",
        "links": [
            link(base.at("/api"), "self", "application/json", "This document"),
            link(base.at("/api/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            link(base.at("/api/conformance"), "conformance", "application/json", "Conformance classes"),
            link(base.at("/api/collections"), "data", "application/json", "Collections"),
        ]
    }))
}

async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMANCE }))
}

fn collection_json(
    state: &AppState,
    base: &BaseUrl,
    id: &str,
    title: &str,
    description: &str,
) -> Value {
    let extent = state
        .catalog()
        .extent()
        .map(|r| vec![r.min().x, r.min().y, r.max().x, r.max().y]);
    let items = base.at(&format!("/api/collections/{id}/items"));
    json!({
        "id": id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": { "spatial": { "bbox": [extent.unwrap_or_else(|| vec![-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 } },
        "links": [
            link(base.at(&format!("/api/collections/{id}")), "self", "application/json", title),
            link(items, "items", "application/geo+json", "Items as GeoJSON"),
        ]
    })
}

async fn collections(State(state): State<AppState>, base: BaseUrl) -> Json<Value> {
    let list: Vec<Value> = COLLECTIONS
        .iter()
        .map(|(id, title, description)| collection_json(&state, &base, id, title, description))
        .collect();
    Json(json!({
        "collections": list,
        "links": [link(base.at("/api/collections"), "self", "application/json", "Collections")],
    }))
}

async fn collection(
    State(state): State<AppState>,
    base: BaseUrl,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let (id, title, description) = COLLECTIONS
        .iter()
        .find(|(cid, _, _)| *cid == id)
        .ok_or_else(|| unknown_collection(&id))?;
    Ok(Json(collection_json(&state, &base, id, title, description)))
}

/// The 404 for a collection that does not exist.
pub fn unknown_collection(id: &str) -> AppError {
    AppError::NotFound(format!(
        "no collection \"{id}\"; the collections are units and sites"
    ))
}

async fn openapi(base: BaseUrl) -> impl IntoResponse {
    let mut document: Value =
        serde_json::from_str(include_str!("openapi.json")).unwrap_or(Value::Null);
    document["servers"] = json!([{ "url": base.0 }]);
    (
        [(CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.0")],
        Json(document),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_valid_json_with_every_path() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("openapi.json")).unwrap();
        for path in [
            "/api",
            "/api/collections/sites/items",
            "/api/collections/sites/items/{featureId}/history",
        ] {
            assert!(document["paths"].get(path).is_some(), "{path} missing");
        }
    }
}
