//! `/api/facilities`: the facilities coverage counts, as GeoJSON, edited like sites: each write
//! by an editor, compare-and-swap on the `If-Match` version, a version row with its author, and
//! coverage updated at once.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::routes::{bad_body, category};
use crate::auth::{FacilityEditor, Viewer};
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::http::body::JsonBody;
use crate::http::links::BaseUrl;
use crate::http::query::pairs;
use crate::http::{Expected, expected_version};
use crate::network::extract::FoundFacility;
use crate::network::store::{FacilityVersion, StoredFacility};
use crate::ogc::contract::{
    FacilityHistory, FeatureCollectionType, FeatureType, Geometry, History, Link,
};
use crate::ogc::items::{GEOJSON, feature_response, geojson};
use crate::spatial::read::{Accept, GeometryReader};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::version::{Audience, Change, Edit, VersionStamp, etag};

/// A facility's category and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityContent {
    /// Its category in the facility catalogue (`GET /api/coverage/categories`).
    pub category: String,
    /// Its name, if known.
    pub name: Option<String>,
}

/// A facility's properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityProperties {
    /// Category and name.
    #[serde(flatten)]
    pub content: FacilityContent,
    /// The import it came from (`api` when added through the API).
    pub source: String,
    /// 1 when imported or created, +1 for each edit through the API.
    pub version: i64,
    /// When it was last changed through the API.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who changed it last (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Option<String>>,
}

/// A facility as a GeoJSON Feature (a Point).
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// Its id.
    pub id: i64,
    /// Where it is.
    pub geometry: Geometry,
    /// Its properties.
    pub properties: FacilityProperties,
    /// self and version-history.
    pub links: Vec<Link>,
}

/// Every facility (of a category).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FacilityList {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// How many.
    pub number_returned: usize,
    /// The facilities.
    pub features: Vec<FacilityFeature>,
}

/// A version's properties: the content then, and the version's stamp.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityVersionProperties {
    /// Category and name then.
    #[serde(flatten)]
    pub content: FacilityContent,
    /// Version, change, time, author.
    #[serde(flatten)]
    pub stamp: VersionStamp,
}

/// One version of a facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityVersionFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The facility's id.
    pub id: i64,
    /// Where it was.
    pub geometry: Geometry,
    /// Its content and the version's stamp.
    pub properties: FacilityVersionProperties,
}

/// What a facility write sends: a Point with its category and (optionally) name.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityInput {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// A Point, [longitude, latitude].
    pub geometry: Geometry,
    /// Category and name.
    pub properties: FacilityContent,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_facilities,
        one_facility,
        facility_history,
        create_facility,
        replace_facility,
        delete_facility
    ),
    components(schemas(
        FacilityList,
        FacilityFeature,
        FacilityProperties,
        FacilityContent,
        FacilityInput,
        FacilityHistory,
        FacilityVersionFeature,
        FacilityVersionProperties
    ))
)]
pub(crate) struct FacilitiesApi;

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

fn facility_json(f: &StoredFacility, base: &BaseUrl, audience: Audience) -> FacilityFeature {
    let href = base.at(&format!("/api/facilities/{}", f.id));
    FacilityFeature {
        kind: FeatureType::Feature,
        id: f.id,
        geometry: Geometry(geometry_json(&geo::Geometry::Point(f.position))),
        properties: FacilityProperties {
            content: FacilityContent {
                category: f.category.clone(),
                name: f.name.clone(),
            },
            source: f.source.clone(),
            version: f.version,
            updated_at: f.updated_at,
            updated_by: (audience == Audience::Team).then(|| f.updated_by.clone()),
        },
        links: vec![
            Link::new(href.clone(), "self", GEOJSON, "This facility"),
            Link::new(
                format!("{href}/history"),
                "version-history",
                GEOJSON,
                "Versions",
            ),
        ],
    }
}

/// Every facility, or those of one category.
#[utoipa::path(get, path = "/api/facilities", tag = "Life circle",
    params(("category" = Option<String>, Query, description = "Only this catalogue category"),
        ("f" = Option<String>, Query, description = "json (GeoJSON, the default), csv, gpkg (GeoPackage) or shp (zipped Shapefile)"),
        ("crs" = Option<String>, Query, description = "The CRS of the coordinates: an EPSG URI or code, GCJ-02 or BD-09 (CRS84 by default)")),
    responses(
        (status = 200, description = "The facilities", body = FacilityList, content_type = "application/geo+json"),
        (status = 400, description = "An unknown category or parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_facilities(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let query = pairs(raw.as_deref(), &["category", "f", "crs"])?;
    let given = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let wanted = given("category");
    let format = given("f").map(crate::http::query::format).transpose()?;
    let crs = given("crs")
        .map(|c| crate::http::query::target(c, "crs"))
        .transpose()?
        .unwrap_or_default();
    if let Some(id) = wanted {
        category(&state, id, "?category")?;
    }
    let all = state.store.load_facilities().await?;
    let features: Vec<FacilityFeature> = all
        .iter()
        .filter(|f| wanted.is_none_or(|c| c == f.category))
        .map(|f| facility_json(f, &base, viewer.audience()))
        .collect();
    match format.unwrap_or_default() {
        Format::GeoJson => {
            let list = FacilityList {
                kind: FeatureCollectionType::FeatureCollection,
                number_returned: features.len(),
                features,
            };
            crate::ogc::items::in_crs(StatusCode::OK, &list, &crs)
        }
        format => {
            let values: Vec<serde_json::Value> = features
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            let name = format!(
                "facilities{}",
                wanted.map(|c| format!("_{c}")).unwrap_or_default()
            );
            // Writing a file is real work: on the read pool, not the server's own threads.
            crate::work::on_pool(&state.work.reads, &state, move |_| {
                crate::export::download(&name, &values, format, &crs)
            })
            .await
        }
    }
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

/// One facility. Facilities have no drafts: their version numbers are the same for everyone.
#[utoipa::path(get, path = "/api/facilities/{facilityId}", tag = "Life circle",
    params(("facilityId" = i64, Path, description = "The facility's id")),
    responses(
        (status = 200, description = "The facility; its ETag is its version", body = FacilityFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
    ))]
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
        &body,
        etag(facility.version),
        None,
    ))
}

fn version_json(v: &FacilityVersion, audience: Audience) -> FacilityVersionFeature {
    let mut stamp = VersionStamp::new(&v.stamp, v.change, None, audience, 0);
    stamp.version = v.stamp.version;
    FacilityVersionFeature {
        kind: FeatureType::Feature,
        id: v.facility_id,
        geometry: Geometry(geometry_json(&geo::Geometry::Point(v.position))),
        properties: FacilityVersionProperties {
            content: FacilityContent {
                category: v.category.clone(),
                name: v.name.clone(),
            },
            stamp,
        },
    }
}

/// Every version of a facility written through the API, oldest first.
#[utoipa::path(get, path = "/api/facilities/{facilityId}/history", tag = "Life circle",
    params(("facilityId" = i64, Path, description = "The facility's id")),
    responses(
        (status = 200, description = "Its versions", body = FacilityHistory, content_type = "application/geo+json"),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
    ))]
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
    let features = versions
        .iter()
        .map(|v| version_json(v, viewer.audience()))
        .collect();
    Ok(geojson(StatusCode::OK, &History::new(features)))
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
    let geo::Geometry::Point(point) =
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

fn edit(editor: &FacilityEditor) -> Edit {
    editor.1.edit_by(editor.0.author.clone())
}

/// Adds a facility, at version 1; coverage counts it at once.
#[utoipa::path(post, path = "/api/facilities", tag = "Life circle",
    request_body(content = FacilityInput, content_type = "application/geo+json"),
    responses(
        (status = 201, description = "Created; Location names it", body = FacilityFeature, content_type = "application/geo+json"),
        (status = 400, description = "Malformed JSON or GeoJSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or an unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a point, or an unknown category", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_facility(
    State(state): State<AppState>,
    editor: FacilityEditor,
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
    let mut response = feature_response(StatusCode::CREATED, &body, etag(stored.version), None);
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A conditional write on facility `id`: `If-Match` against the stored version, then
/// compare-and-swap in the store.
async fn rewrite(
    state: &AppState,
    editor: &FacilityEditor,
    id: i64,
    headers: &HeaderMap,
    change: Change,
    body: Option<&Value>,
) -> AppResult<Option<StoredFacility>> {
    let before = current(state, id).await?;
    let Expected {
        version: expected,
        unconditional,
    } = expected_version(headers, before.version, state.settings.require_if_match)?;
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
        let edit = Edit {
            unconditional,
            ..edit(editor)
        };
        let state = state.clone();
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

/// Replaces a facility, if it is still at the version `If-Match` names.
#[utoipa::path(put, path = "/api/facilities/{facilityId}", tag = "Life circle",
    params(("facilityId" = i64, Path, description = "The facility's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; without it the change applies to the current version (unless the server requires If-Match)")),
    request_body(content = FacilityInput, content_type = "application/geo+json"),
    responses(
        (status = 200, description = "The new version", body = FacilityFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone changed it since", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing, on a server that requires it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn replace_facility(
    State(state): State<AppState>,
    editor: FacilityEditor,
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
        &body,
        etag(stored.version),
        None,
    ))
}

/// Deletes a facility (its history stays), if it is still at the version `If-Match` names.
#[utoipa::path(delete, path = "/api/facilities/{facilityId}", tag = "Life circle",
    params(("facilityId" = i64, Path, description = "The facility's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; without it the change applies to the current version (unless the server requires If-Match)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone changed it since", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing, on a server that requires it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_facility(
    State(state): State<AppState>,
    editor: FacilityEditor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = facility_id(&id)?;
    rewrite(&state, &editor, id, &headers, Change::Delete, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
