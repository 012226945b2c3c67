//! `/api/collections/units/items`: planning units as GeoJSON, read-only over HTTP (units come
//! from `lantu import units`, where each change is versioned).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Router, http::Method};
use serde_json::{Map, Value, json};

use super::model::{UnitCode, UnitFields, UnitLevel, UnitVersion};
use crate::auth::Viewer;
use crate::catalog::{UnitEntry, UnitFilter};
use crate::error::{AppError, AppResult};
use crate::http::json_object;
use crate::http::links::{BaseUrl, link};
use crate::http::query::{pairs, parse_items_query};
use crate::ogc::items::{GEOJSON, feature_response, geojson, page};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::version::{Audience, etag, history_members};
use crate::work::on_pool;

/// The unit routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/collections/units/items",
            get(list).fallback(read_only),
        )
        .route(
            "/api/collections/units/items/{code}",
            get(one).fallback(read_only),
        )
        .route("/api/collections/units/items/{code}/history", get(history))
}

async fn read_only(method: Method) -> AppError {
    AppError::MethodNotAllowed(format!(
        "{method} is not allowed on planning units: they are read-only over HTTP; change them with `lantu import units FILE…`"
    ))
}

fn parse_code(code: &str) -> AppResult<UnitCode> {
    UnitCode::parse(code)
        .map_err(|_| AppError::NotFound(format!("no planning unit with code \"{code}\"")))
}

fn filter_code(name: &str, value: Option<&str>) -> AppResult<Option<UnitCode>> {
    value
        .map(|v| {
            UnitCode::parse(v).map_err(|d| {
                AppError::bad_request("Invalid query parameter", format!("?{name}"), d)
            })
        })
        .transpose()
}

/// What a unit and each of its versions show.
fn unit_properties(f: &UnitFields) -> Map<String, Value> {
    json_object(json!({
        "code": f.code.as_str(),
        "name_zh": f.name_zh,
        "name_en": f.name_en,
        "level": f.level.as_str(),
        "parent": f.parent.as_ref().map(UnitCode::as_str),
        "population": f.population,
    }))
}

fn feature(entry: &UnitEntry, base: &BaseUrl, audience: Audience) -> Value {
    let f = &entry.unit.fields;
    let href = base.at(&format!("/api/collections/units/items/{}", f.code));
    let mut properties = unit_properties(f);
    properties.extend(json_object(json!({
        "area_m2": entry.area_m2.map(f64::round),
        "version": entry.unit.stamp.version,
        "updated_at": entry.unit.stamp.at,
    })));
    if audience == Audience::Team {
        properties.insert("updated_by".into(), entry.unit.stamp.by.clone().into());
    }
    json!({
        "type": "Feature",
        "id": f.code.as_str(),
        "geometry": f.geometry.as_ref().map(|g| geometry_json(&g.clone().into())),
        "properties": properties,
        "links": [
            link(href.clone(), "self", GEOJSON, &f.name_zh),
            link(format!("{href}/history"), "version-history", GEOJSON, "Versions"),
        ]
    })
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        let query = parse_items_query(raw.as_deref(), &["level", "parent", "unit"])?;
        let level = query
            .filter("level")
            .map(|l| {
                UnitLevel::parse(l).ok_or_else(|| {
                    AppError::bad_request(
                        "Invalid query parameter",
                        "?level",
                        format!("\"{l}\" is not a level; use district, subdistrict or committee"),
                    )
                })
            })
            .transpose()?;
        let filter = UnitFilter {
            bbox: query.bbox,
            level,
            parent: filter_code("parent", query.filter("parent"))?,
            within: filter_code("unit", query.filter("unit"))?,
        };
        let (matched, entries) = state
            .catalog()
            .query_units(&filter, query.offset, query.limit);
        let features = entries
            .iter()
            .map(|e| feature(e, &base, viewer.audience()))
            .collect();
        Ok(geojson(
            StatusCode::OK,
            page(&base, "units", &query, features, matched),
        ))
    })
    .await
}

async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        pairs(raw.as_deref(), &["f"])?;
        let code = parse_code(&code)?;
        let entry = state
            .catalog()
            .unit(&code)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("no planning unit with code {code}")))?;
        // Units have no drafts: their version numbers have no gaps to hide.
        Ok(feature_response(
            StatusCode::OK,
            feature(&entry, &base, viewer.audience()),
            etag(entry.unit.stamp.version),
            None,
        ))
    })
    .await
}

fn version_feature(v: &UnitVersion, audience: Audience) -> Value {
    let f = &v.fields;
    let mut properties = unit_properties(f);
    let mut members = history_members(&v.stamp, v.change, v.message.as_deref(), audience, 0);
    members.insert("version".into(), v.stamp.version.into());
    properties.extend(members);
    json!({
        "type": "Feature",
        "id": f.code.as_str(),
        "geometry": f.geometry.as_ref().map(|g| geometry_json(&g.clone().into())),
        "properties": properties,
    })
}

async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let code = parse_code(&code)?;
    let versions = state.store.unit_history(&code).await?;
    if versions.is_empty() {
        return Err(AppError::NotFound(format!(
            "no planning unit with code {code}"
        )));
    }
    let features: Vec<Value> = versions
        .iter()
        .map(|v| version_feature(v, viewer.audience()))
        .collect();
    Ok(geojson(
        StatusCode::OK,
        json!({"type": "FeatureCollection", "features": features}),
    ))
}
