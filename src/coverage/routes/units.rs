//! `GET /api/coverage/units` (and `.csv`): one category's coverage in every unit of a level —
//! each sub-district (or neighbourhood committee) with its homes and residents within the
//! threshold — as JSON, or as the table a bureau opens in Excel.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{COVERAGE_PARAMS, CoverageSummary, UnitRef, ask};
use crate::catalog::UnitFilter;
use crate::error::AppResult;
use crate::export::Format;
use crate::http::query::{bad_query, pairs};
use crate::spatial::target::Target;
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::units::UnitLevel;
use crate::work::on_pool;

/// One unit's line.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCoverage {
    /// The unit.
    pub unit: UnitRef,
    /// Its coverage.
    pub summary: CoverageSummary,
    /// Its boundary, for the map files (`f=geojson|gpkg|shp`).
    #[serde(skip)]
    pub boundary: Option<geo::MultiPolygon>,
}

/// The table.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitsCoverage {
    /// The category.
    pub category: String,
    /// The threshold, metres.
    pub threshold_m: f64,
    /// The level tabled.
    pub level: String,
    /// One line per unit with a boundary, by code.
    pub units: Vec<UnitCoverage>,
}

#[derive(OpenApi)]
#[openapi(
    paths(units, units_csv),
    components(schemas(UnitsCoverage, UnitCoverage))
)]
pub(super) struct UnitsApi;

fn table(state: &AppState, raw: Option<&str>) -> AppResult<UnitsCoverage> {
    let mut allowed: Vec<&str> = COVERAGE_PARAMS
        .iter()
        .copied()
        .filter(|p| *p != "unit")
        .collect();
    allowed.extend(["level", "f", "crs"]);
    let query = pairs(raw, &allowed)?;
    let level = match query.iter().find(|(k, _)| k == "level") {
        None => UnitLevel::Subdistrict,
        Some((_, v)) => UnitLevel::parse(v)
            .ok_or_else(|| bad_query("level", "level is district, subdistrict or committee"))?,
    };
    let asked = ask(state, &query)?;
    let filter = UnitFilter {
        level: Some(level),
        ..UnitFilter::default()
    };
    let (_, entries) = state.catalog().query_units(&filter, 0, usize::MAX);
    let set = &asked.analysis.homes;
    let units = entries
        .iter()
        .filter_map(|e| {
            let f = &e.unit.fields;
            let boundary = f.geometry.as_ref()?;
            let homes = set.within(boundary);
            Some(UnitCoverage {
                unit: UnitRef {
                    code: f.code.to_string(),
                    name_zh: f.name_zh.clone(),
                    name_en: f.name_en.clone(),
                },
                summary: CoverageSummary::of(&asked.distances.summary(set, Some(&homes))),
                boundary: Some(boundary.clone()),
            })
        })
        .collect();
    Ok(UnitsCoverage {
        category: asked.category.id.clone(),
        threshold_m: asked.threshold_m,
        level: level.as_str().into(),
        units,
    })
}

/// One category's coverage in every unit of a level (sub-districts unless `level=`): the JSON
/// table, or (`f=`) the units with their boundaries as GeoJSON, GeoPackage or zipped
/// Shapefile for a choropleth, or the table as CSV.
#[utoipa::path(get, path = "/api/coverage/units", tag = "Life circle",
    params(("category" = String, Query, description = "A catalogue category"),
        ("level" = Option<String>, Query, description = "subdistrict (default), committee or district"),
        ("f" = Option<String>, Query, description = "json (the table, the default), geojson, csv, gpkg (GeoPackage) or shp (zipped Shapefile): the map files hold each unit's boundary"),
        ("crs" = Option<String>, Query, description = "The CRS of the boundaries in a map file: an EPSG URI or code, GCJ-02 or BD-09 (CRS84 by default)")),
    responses(
        (status = 200, description = "The table", body = UnitsCoverage),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn units(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let (format, crs) = output(raw.as_deref())?;
    on_pool(&state.work.analysis, &state, move |state| {
        let t = table(&state, raw.as_deref())?;
        match format {
            None => Ok(axum::Json(t).into_response()),
            Some(Format::Csv) => Ok(csv(&t)),
            Some(format) => {
                let features = features(&t);
                let name = format!("coverage_{}_{}", t.category, t.level);
                if format == Format::GeoJson {
                    let collection =
                        serde_json::json!({"type": "FeatureCollection", "features": features});
                    crate::ogc::items::in_crs(axum::http::StatusCode::OK, &collection, &crs)
                } else {
                    crate::export::download(&name, &features, format, &crs)
                }
            }
        }
    })
    .await
}

/// `f=` (none: the JSON table) and `crs=`.
fn output(raw: Option<&str>) -> AppResult<(Option<Format>, Target)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query("", format!("the query string cannot be read: {e}")))?;
    let mut format = None;
    let mut crs = Target::crs84();
    for (key, value) in pairs {
        match key.as_str() {
            "f" if value == "json" => format = None,
            "f" => format = Some(crate::http::query::format(&value)?),
            "crs" => crs = crate::http::query::target(&value, "crs")?,
            _ => {}
        }
    }
    Ok((format, crs))
}

/// Each unit as a GeoJSON feature: its boundary, its names and its coverage.
fn features(t: &UnitsCoverage) -> Vec<serde_json::Value> {
    t.units
        .iter()
        .map(|u| {
            let s = &u.summary;
            serde_json::json!({
                "type": "Feature",
                "id": u.unit.code,
                "geometry": u.boundary.as_ref().map(|b| geometry_json(&geo::Geometry::MultiPolygon(b.clone()))),
                "properties": {
                    "name_zh": u.unit.name_zh,
                    "name_en": u.unit.name_en,
                    "category": t.category,
                    "threshold_m": t.threshold_m,
                    "homes_total": s.homes_total,
                    "homes_covered": s.homes_covered,
                    "population_total": s.population_total,
                    "population_covered": s.population_covered,
                    "share_population": s.share_population,
                    "homes_off_network": s.homes_off_network,
                }
            })
        })
        .collect()
}

/// The same table as CSV (UTF-8 with a byte-order mark), one line per unit.
#[utoipa::path(get, path = "/api/coverage/units.csv", tag = "Life circle",
    params(("category" = String, Query, description = "A catalogue category"),
        ("level" = Option<String>, Query, description = "subdistrict (default), committee or district")),
    responses(
        (status = 200, description = "The table", content_type = "text/csv"),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn units_csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        Ok(csv(&table(&state, raw.as_deref())?))
    })
    .await
}

/// The table as CSV (UTF-8 with a byte-order mark), one line per unit.
fn csv(t: &UnitsCoverage) -> Response {
    let share = |s: Option<f64>| s.map(|x| format!("{x:.4}")).unwrap_or_default();
    let rows: Vec<Vec<String>> = t
        .units
        .iter()
        .map(|u| {
            let s = &u.summary;
            vec![
                u.unit.code.clone(),
                u.unit.name_zh.clone(),
                u.unit.name_en.clone().unwrap_or_default(),
                s.homes_total.to_string(),
                s.homes_covered.to_string(),
                s.population_total.to_string(),
                s.population_covered.to_string(),
                share(s.share_population),
                s.homes_off_network.to_string(),
            ]
        })
        .collect();
    crate::http::csv::download(
        &format!("coverage_{}_{}.csv", t.category, t.level),
        &[
            "code",
            "name_zh",
            "name_en",
            "homes_total",
            "homes_covered",
            "population_total",
            "population_covered",
            "share_population",
            "homes_off_network",
        ],
        &rows,
    )
}
