//! `/api/collections/units/items`: planning units as GeoJSON, read-only over HTTP (units come
//! from `lantu import units`, where each change is versioned).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Router, http::Method};
use utoipa::OpenApi;

use super::api::{
    UnitContent, UnitFeature, UnitProperties, UnitVersionFeature, UnitVersionProperties,
};
use super::model::{UnitCode, UnitLevel, UnitVersion};
use crate::auth::Viewer;
use crate::catalog::{UnitEntry, UnitFilter};
use crate::error::{AppError, AppResult};
use crate::http::links::BaseUrl;
use crate::http::query::parse_items_query;
use crate::ogc::CollectionSpec;
use crate::ogc::contract::{FeatureType, Geometry, History, Link, UnitHistory, UnitPage};
use crate::ogc::items::{GEOJSON, geojson, page};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::version::{Audience, VersionStamp, etag};
use crate::work::on_pool;

/// The units collection, as the registry lists it.
pub const COLLECTION: CollectionSpec = CollectionSpec {
    id: "units",
    title: "Planning units 规划单元",
    description: "District 区, sub-districts and towns 街道/镇, neighbourhood committees 居委会, by statistics division code",
    routes: router,
    openapi: UnitsApi::openapi,
    queryables: &super::query::QUERYABLES,
    extent: |state, _| state.catalog().unit_extents(),
};

#[derive(OpenApi)]
#[openapi(
    paths(list, one, history),
    components(schemas(
        UnitPage,
        UnitFeature,
        UnitProperties,
        UnitContent,
        UnitHistory,
        UnitVersionFeature,
        UnitVersionProperties,
        UnitLevel
    ))
)]
struct UnitsApi;

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

fn feature(entry: &UnitEntry, base: &BaseUrl, audience: Audience) -> UnitFeature {
    let f = &entry.unit.fields;
    let href = base.at(&format!("/api/collections/units/items/{}", f.code));
    UnitFeature {
        kind: FeatureType::Feature,
        id: f.code.as_str().into(),
        geometry: f
            .geometry
            .as_ref()
            .map(|g| Geometry(geometry_json(&g.clone().into()))),
        properties: UnitProperties {
            content: UnitContent::of(f),
            area_m2: entry.area_m2.map(f64::round),
            version: entry.unit.stamp.version,
            updated_at: entry.unit.stamp.at,
            updated_by: (audience == Audience::Team).then(|| entry.unit.stamp.by.clone()),
        },
        links: vec![
            Link::new(href.clone(), "self", GEOJSON, &f.name_zh),
            Link::new(
                format!("{href}/history"),
                "version-history",
                GEOJSON,
                "Versions",
            ),
        ],
    }
}

/// Planning units, filtered and paged.
#[utoipa::path(get, operation_id = "units_list", path = "/api/collections/units/items", tag = "Planning units",
    params(
        ("bbox" = Option<String>, Query, description = "west,south,east,north in CRS84: units whose boundary intersects it"),
        ("bbox-crs" = Option<String>, Query, description = "The CRS bbox is given in (Part 2), e.g. http://www.opengis.net/def/crs/EPSG/0/4549, in that CRS's axis order"),
        ("crs" = Option<String>, Query, description = "The CRS of the answer's coordinates (Part 2): a URI the collection lists, any EPSG code PROJ knows, GCJ-02 or BD-09; GeoJSON follows its axis order, files are easting first"),
        ("f" = Option<String>, Query, description = "json (GeoJSON, the default), csv (UTF-8 with BOM, geometry as WKT), gpkg (GeoPackage) or shp (zipped Shapefile, UTF-8 .cpg)"),
        ("limit" = Option<usize>, Query, description = "Items per page, 1–10000 (default 100)"),
        ("offset" = Option<usize>, Query, description = "Items to skip"),
        ("level" = Option<UnitLevel>, Query, description = "Only this level"),
        ("parent" = Option<String>, Query, description = "Only the direct children of this unit"),
        ("unit" = Option<String>, Query, description = "Only this unit and the units below it"),
    ),
    responses(
        (status = 200, description = "A page of units", body = UnitPage, content_type = "application/geo+json"),
        (status = 400, description = "An unknown or malformed parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        let query = parse_items_query(
            raw.as_deref(),
            &["level", "parent", "unit"],
            &super::query::QUERYABLES,
        )?;
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
            filter: query.filter.clone(),
            sort: query.sort.clone(),
        };
        let (matched, entries) = state
            .catalog()
            .query_units(&filter, query.offset, query.limit);
        let features: Vec<UnitFeature> = entries
            .iter()
            .map(|e| feature(e, &base, viewer.audience()))
            .collect();
        crate::ogc::items::items_response(&query, &page(&base, "units", &query, features, matched))
    })
    .await
}

/// One planning unit.
#[utoipa::path(get, operation_id = "units_one", path = "/api/collections/units/items/{featureId}", tag = "Planning units",
    params(("featureId" = String, Path, description = "The unit's code")),
    responses(
        (status = 200, description = "The unit; its ETag is its version", body = UnitFeature, content_type = "application/geo+json",
            headers(("ETag" = String, description = "\"v<version>\""))),
        (status = 404, description = "No unit with that code", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        let crs = crate::ogc::items::one_crs(raw.as_deref())?;
        let code = parse_code(&code)?;
        let entry = state
            .catalog()
            .unit(&code)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("no planning unit with code {code}")))?;
        // Units have no drafts: their version numbers have no gaps to hide.
        crate::ogc::items::one_response(
            &feature(&entry, &base, viewer.audience()),
            etag(entry.unit.stamp.version),
            &crs,
        )
    })
    .await
}

fn version_feature(v: &UnitVersion, audience: Audience) -> UnitVersionFeature {
    let f = &v.fields;
    // Units have no drafts: every version is shown, with its own number.
    let mut stamp = VersionStamp::new(&v.stamp, v.change, v.message.as_deref(), audience, 0);
    stamp.version = v.stamp.version;
    UnitVersionFeature {
        kind: FeatureType::Feature,
        id: f.code.as_str().into(),
        geometry: f
            .geometry
            .as_ref()
            .map(|g| Geometry(geometry_json(&g.clone().into()))),
        properties: UnitVersionProperties {
            content: UnitContent::of(f),
            stamp,
        },
    }
}

/// Every version of a unit, oldest first.
#[utoipa::path(get, operation_id = "units_history", path = "/api/collections/units/items/{featureId}/history", tag = "Planning units",
    params(("featureId" = String, Path, description = "The unit's code")),
    responses(
        (status = 200, description = "Its versions", body = UnitHistory, content_type = "application/geo+json"),
        (status = 404, description = "No unit with that code", body = Problem, content_type = "application/problem+json"),
    ))]
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
    let features = versions
        .iter()
        .map(|v| version_feature(v, viewer.audience()))
        .collect();
    Ok(geojson(StatusCode::OK, &History::new(features)))
}
