//! `/api/isochrone`: where a walk of so many minutes reaches, and who lives there.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use geo::Point;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{MAX_WALK_M, no_network, number, param, speed};
use crate::coverage::isochrone::{DEFAULT_BAND_M, NoIsochrone, isochrone};
use crate::error::{AppError, AppResult};
use crate::http::query::{bad_query, pairs};
use crate::ogc::contract::{FeatureType, Geometry};
use crate::ogc::items::geojson;
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::work::on_pool;

#[derive(OpenApi)]
#[openapi(
    paths(isochrone_route),
    components(schemas(IsochroneFeature, IsochroneProperties))
)]
pub(super) struct IsochroneApi;

/// Where an isochrone starts and how far it walks: documented from this type and accepted by
/// name from it (the handler reads the values, strictly).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // it names and documents the parameters; the handler reads the values
pub struct IsochroneQuery {
    /// Start longitude (WGS84).
    lon: f64,
    /// Start latitude (WGS84).
    lat: f64,
    /// Walking time, above 0 and at most 60 (default 15).
    minutes: Option<f64>,
    /// Metres per minute.
    speed: Option<f64>,
    /// default or elderly.
    profile: Option<String>,
    /// How far either side of a reached street counts, above 0 and at most 500 m.
    band_m: Option<f64>,
}

static ISOCHRONE_PARAMS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(super::names::<IsochroneQuery>);

/// What an isochrone reaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct IsochroneProperties {
    /// The start's longitude.
    pub lon: f64,
    /// The start's latitude.
    pub lat: f64,
    /// The walk's minutes.
    pub minutes: f64,
    /// The speed, metres per minute.
    pub speed_m_per_min: f64,
    /// The walk's length in metres.
    pub distance_m: f64,
    /// How far either side of a reached street counts, in metres.
    pub band_m: f64,
    /// The area reached, m².
    pub area_m2: f64,
    /// Residents of the homes reached.
    pub population: f64,
    /// Of which estimated.
    pub population_estimated: f64,
    /// Homes reached.
    pub homes: usize,
    /// Network nodes reached.
    pub nodes_reached: usize,
    /// How far the start is from the nearest street, metres.
    pub snap_m: f64,
    /// The walking network's import source.
    pub network: String,
}

/// An isochrone as a GeoJSON Feature (a MultiPolygon).
#[derive(Debug, Serialize, ToSchema)]
pub struct IsochroneFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The area reached.
    pub geometry: Geometry,
    /// What it holds.
    pub properties: IsochroneProperties,
}

/// The area a walk of `minutes` from a point reaches along the streets, and its residents.
#[utoipa::path(get, path = "/api/isochrone", tag = "Life circle",
    params(IsochroneQuery),
    responses(
        (status = 200, description = "The isochrone", body = IsochroneFeature, content_type = "application/geo+json"),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The point is too far from the streets", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn isochrone_route(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(raw.as_deref(), &ISOCHRONE_PARAMS)?;
        let get = |k: &str| param(&query, k);
        let coordinate = |name: &str, limit: f64| -> AppResult<f64> {
            let text = get(name)
                .ok_or_else(|| bad_query(name, format!("{name} is required (WGS84 degrees)")))?;
            let v: f64 = text
                .parse()
                .map_err(|_| bad_query(name, format!("\"{text}\" is not a number")))?;
            if !(v.is_finite() && v.abs() <= limit) {
                return Err(bad_query(
                    name,
                    format!("{name} must be within ±{limit}°; got {text}"),
                ));
            }
            Ok(v)
        };
        let lon = coordinate("lon", 180.0)?;
        let lat = coordinate("lat", 90.0)?;
        let minutes = match get("minutes") {
            Some(m) => number("minutes", m, 0.0, 60.0)?,
            None => 15.0,
        };
        let speed = speed(&state, &query)?;
        let band_m = match get("band_m") {
            Some(b) => number("band_m", b, 0.0, 500.0)?,
            None => DEFAULT_BAND_M,
        };
        let distance_m = minutes * speed;
        if distance_m > MAX_WALK_M {
            return Err(bad_query(
                "minutes",
                format!(
                    "{minutes} minutes at {speed} m/min is {distance_m:.0} m; the longest walk asked for is {MAX_WALK_M} m"
                ),
            ));
        }
        let analysis = state.coverage.analysis().ok_or_else(no_network)?;
        let iso = isochrone(
            &analysis.network,
            &analysis.homes,
            Point::new(lon, lat),
            distance_m,
            band_m,
        )
        .map_err(|e| match e {
            NoIsochrone::NoNetwork => no_network(),
            NoIsochrone::TooFar { snap_m } => AppError::unprocessable(
                "Point off the network",
                "?lon",
                format!(
                    "the nearest street is {snap_m:.0} m away, further than a {minutes}-minute walk ({distance_m:.0} m); pick a point nearer the streets of network \"{}\"",
                    analysis.network.source
                ),
            ),
        })?;
        let feature = IsochroneFeature {
            kind: FeatureType::Feature,
            geometry: Geometry(geometry_json(&geo::Geometry::MultiPolygon(iso.area))),
            properties: IsochroneProperties {
                lon,
                lat,
                minutes,
                speed_m_per_min: speed,
                distance_m,
                band_m,
                area_m2: iso.area_m2.round(),
                population: iso.population.round(),
                population_estimated: iso.population_estimated.round(),
                homes: iso.homes,
                nodes_reached: iso.nodes,
                snap_m: (iso.snap_m * 10.0).round() / 10.0,
                network: analysis.network.source.clone(),
            },
        };
        Ok(geojson(StatusCode::OK, &feature))
    })
    .await
}
