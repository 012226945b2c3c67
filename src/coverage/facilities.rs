//! `/api/facilities`: the facilities coverage counts, as GeoJSON, edited like sites: each write
//! by an editor, compare-and-swap on the `If-Match` version, a version row with its author, and
//! coverage updated at once.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use geo::Geometry;
use serde_json::{Value, json};

use super::routes::{bad_body, category};
use crate::auth::{Editor, Viewer};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::expected_version;
use crate::http::links::BaseUrl;
use crate::http::query::pairs;
use crate::network::extract::FoundFacility;
use crate::network::store::{FacilityVersion, StoredFacility};
use crate::ogc::items::{feature_response, geojson};
use crate::spatial::read::{Accept, GeometryReader};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::version::{Audience, Change, Edit, etag, history_members};

/// The facility routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/facilities",
            get(list_facilities).post(create_facility),
        )
        .route(
            "/api/facilities/{id}",
            get(one_facility)
                .put(replace_facility)
                .delete(delete_facility),
        )
        .route("/api/facilities/{id}/history", get(facility_history))
}

fn facility_json(f: &StoredFacility, base: &BaseUrl, audience: Audience) -> Value {
    let href = base.at(&format!("/api/facilities/{}", f.id));
    let mut properties = json!({
        "category": f.category, "name": f.name, "source": f.source,
        "version": f.version, "updated_at": f.updated_at,
    });
    if audience == Audience::Team {
        properties["updated_by"] = json!(f.updated_by);
    }
    json!({
        "type": "Feature",
        "id": f.id,
        "geometry": geometry_json(&Geometry::Point(f.position)),
        "properties": properties,
        "links": [
            {"rel": "self", "href": href},
            {"rel": "version-history", "href": format!("{href}/history")},
        ],
    })
}

async fn list_facilities(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let query = pairs(raw.as_deref(), &["category"])?;
    let wanted = query.first().map(|(_, v)| v.as_str());
    if let Some(id) = wanted {
        category(&state, id, "?category")?;
    }
    let all = state.store.load_facilities().await?;
    let features: Vec<Value> = all
        .iter()
        .filter(|f| wanted.is_none_or(|c| c == f.category))
        .map(|f| facility_json(f, &base, viewer.audience()))
        .collect();
    Ok(geojson(
        StatusCode::OK,
        json!({"type": "FeatureCollection", "numberReturned": features.len(), "features": features}),
    ))
}

fn facility_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("no facility with id \"{id}\"")))
}

async fn current(state: &AppState, id: i64) -> AppResult<StoredFacility> {
    state
        .store
        .find_facility(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no facility with id {id}")))
}

/// Facilities have no drafts: their version numbers are the same for everyone.
async fn one_facility(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let facility = current(&state, facility_id(&id)?).await?;
    let body = facility_json(&facility, &base, viewer.audience());
    Ok(feature_response(
        StatusCode::OK,
        body,
        etag(facility.version),
        None,
    ))
}

fn version_json(v: &FacilityVersion, audience: Audience) -> Value {
    let mut properties = json!({"category": v.category, "name": v.name});
    if let Value::Object(map) = &mut properties {
        map.extend(history_members(&v.stamp, v.change, None, audience, 0));
        map.insert("version".into(), v.stamp.version.into());
    }
    json!({"type": "Feature", "id": v.facility_id,
           "geometry": geometry_json(&Geometry::Point(v.position)), "properties": properties})
}

async fn facility_history(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = facility_id(&id)?;
    let versions = state.store.facility_history(id).await?;
    if versions.is_empty() && state.store.find_facility(id).await?.is_none() {
        return Err(AppError::NotFound(format!("no facility with id {id}")));
    }
    let features: Vec<Value> = versions
        .iter()
        .map(|v| version_json(v, viewer.audience()))
        .collect();
    Ok(geojson(
        StatusCode::OK,
        json!({"type": "FeatureCollection", "features": features}),
    ))
}

/// Reads a facility Feature: a Point with properties category and (optionally) name.
fn parse_facility(state: &AppState, body: &Value) -> AppResult<FoundFacility> {
    let object = body
        .as_object()
        .ok_or_else(|| bad_body("", "the body must be a GeoJSON Feature"))?;
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(bad_body("/type", "\"type\" must be \"Feature\""));
    }
    if let Some(key) = object
        .keys()
        .find(|k| !["type", "id", "geometry", "properties", "links"].contains(&k.as_str()))
    {
        return Err(bad_body(
            &format!("/{key}"),
            format!("unknown member \"{key}\""),
        ));
    }
    let geometry = object
        .get("geometry")
        .ok_or_else(|| bad_body("/geometry", "a facility needs a Point geometry"))?;
    let Geometry::Point(point) =
        GeometryReader::lon_lat().read(geometry, "/geometry", Accept::Point)?
    else {
        return Err(AppError::unprocessable(
            "Wrong geometry type",
            "/geometry/type",
            "a facility is a Point (its entrance)",
        ));
    };
    let properties = object
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| bad_body("/properties", "a facility needs properties with a category"))?;
    // What a client read back (version, updated_*) may be sent again; it is ignored.
    const KNOWN: &[&str] = &[
        "category",
        "name",
        "source",
        "version",
        "updated_at",
        "updated_by",
    ];
    if let Some(key) = properties.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad_body(
            &format!("/properties/{key}"),
            format!("unknown property \"{key}\"; a facility has category and name"),
        ));
    }
    let id = properties
        .get("category")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            bad_body(
                "/properties/category",
                "category is required, a catalogue id such as kindergarten",
            )
        })?;
    let category = category(state, id, "/properties/category")?;
    let name = match properties.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(crate::text::name(s, "/properties/name", 200)?),
        Some(_) => return Err(bad_body("/properties/name", "name must be a string")),
    };
    Ok(FoundFacility {
        category: category.id.clone(),
        name,
        position: point,
        osm: None,
    })
}

/// The result of a spawned write.
fn joined<T>(result: Result<AppResult<T>, tokio::task::JoinError>) -> AppResult<T> {
    result.map_err(|e| AppError::Internal(anyhow::anyhow!("the write task: {e}")))?
}

fn edit(editor: &Editor) -> Edit {
    Edit::by(editor.0.name.clone())
}

async fn create_facility(
    State(state): State<AppState>,
    editor: Editor,
    base: BaseUrl,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    let facility = parse_facility(&state, &body)?;
    // The write and its effect on coverage in a task of their own: once committed, coverage
    // learns it even if the client has gone away.
    let task = {
        let (state, edit) = (state.clone(), edit(&editor));
        tokio::spawn(async move {
            let stored = state.store.insert_facility(&facility, &edit).await?;
            state
                .coverage
                .facility_changed(stored.id, stored.version, Some(stored.clone()), None);
            Ok::<_, AppError>(stored)
        })
    };
    let stored = joined(task.await)?;
    let location = base.at(&format!("/api/facilities/{}", stored.id));
    let body = facility_json(&stored, &base, Audience::Team);
    let mut response = feature_response(StatusCode::CREATED, body, etag(stored.version), None);
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A conditional write on facility `id`: `If-Match` against the stored version, then
/// compare-and-swap in the store.
async fn rewrite(
    state: &AppState,
    editor: &Editor,
    id: i64,
    headers: &HeaderMap,
    change: Change,
    body: Option<&Value>,
) -> AppResult<Option<StoredFacility>> {
    let before = current(state, id).await?;
    let expected = expected_version(headers, before.version)?;
    let facility = match body {
        Some(body) => parse_facility(state, body)?,
        None => FoundFacility {
            category: before.category.clone(),
            name: before.name.clone(),
            position: before.position,
            osm: None,
        },
    };
    let task = {
        let (state, edit) = (state.clone(), edit(editor));
        tokio::spawn(async move {
            let written = state
                .store
                .write_facility(id, expected, change, &facility, &edit)
                .await
                .map_err(|e| {
                    AppError::from_store(e, &format!("facility with id {id}"), expected)
                })?;
            state.coverage.facility_changed(
                id,
                expected + 1,
                written.clone(),
                Some(&before.category),
            );
            Ok::<_, AppError>(written)
        })
    };
    joined(task.await)
}

async fn replace_facility(
    State(state): State<AppState>,
    editor: Editor,
    base: BaseUrl,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    let id = facility_id(&id)?;
    let written = rewrite(&state, &editor, id, &headers, Change::Replace, Some(&body)).await?;
    let stored = written.ok_or_else(|| AppError::NotFound(format!("no facility with id {id}")))?;
    let body = facility_json(&stored, &base, Audience::Team);
    Ok(feature_response(
        StatusCode::OK,
        body,
        etag(stored.version),
        None,
    ))
}

async fn delete_facility(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = facility_id(&id)?;
    rewrite(&state, &editor, id, &headers, Change::Delete, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
