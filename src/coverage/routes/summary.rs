//! `/api/coverage`, `/api/coverage/uncovered`, `/api/coverage/categories`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{
    COVERAGE_PARAMS, CategoryInfo, CoverageQuery, CoverageSummary, ThresholdQuery, UnitRef, ask,
    band,
};
use crate::error::AppResult;
use crate::http::links::BaseUrl;
use crate::http::query::pairs;
use crate::ogc::contract::{FeatureCollectionType, FeatureType, Geometry, Link};
use crate::ogc::items::{GEOJSON, geojson};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::work::on_pool;

#[derive(OpenApi)]
#[openapi(
    paths(coverage, uncovered, categories),
    components(schemas(
        Coverage,
        Band,
        Uncovered,
        UncoveredHome,
        UncoveredProperties,
        Categories,
        Speeds
    ))
)]
pub(super) struct SummaryApi;

/// Homes and residents in one distance band.
#[derive(Debug, Serialize, ToSchema)]
pub struct Band {
    /// covered (within the threshold), near (≤ 1.5×), far (≤ 2×), beyond.
    pub band: &'static str,
    /// The band's upper bound in metres (none for beyond).
    pub max_m: Option<f64>,
    /// Homes in it.
    pub homes: usize,
    /// Residents in it.
    pub population: f64,
}

/// How well a category covers the homes (of a unit).
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    /// The category.
    pub category: CategoryInfo,
    /// The walking distance counted as covered, in metres.
    pub threshold_m: f64,
    /// The unit the answer is limited to, if any.
    pub unit: Option<UnitRef>,
    /// The walking network's import source.
    pub network: String,
    /// Facilities of the category.
    pub facilities: usize,
    /// Homes and residents covered.
    #[serde(flatten)]
    pub summary: CoverageSummary,
    /// The homes by distance band.
    pub bands: Vec<Band>,
    /// self, uncovered (the homes left out), tiles (the homes by band).
    pub links: Vec<Link>,
}

/// Coverage of a category: how many homes and residents reach it within the threshold.
#[utoipa::path(get, path = "/api/coverage", tag = "Life circle",
    params(CoverageQuery, ThresholdQuery),
    responses(
        (status = 200, description = "The coverage", body = Coverage),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn coverage(
    State(state): State<AppState>,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(raw.as_deref(), &COVERAGE_PARAMS)?;
        let asked = ask(&state, &query)?;
        let d = &asked.distances;
        let set = &asked.analysis.homes;
        let summary = d.summary(set, asked.homes.as_deref());
        let mut bands: Vec<(&str, usize, f64)> = ["covered", "near", "far", "beyond"]
            .iter()
            .map(|b| (*b, 0, 0.0))
            .collect();
        for i in set.indices(asked.homes.as_deref()) {
            if set.homes[i].snap.is_none() {
                continue; // off the network, counted apart
            }
            let b = band(d.homes[i], d.threshold_m);
            if let Some(slot) = bands.iter_mut().find(|(name, _, _)| *name == b) {
                slot.1 += 1;
                slot.2 += set.homes[i].population;
            }
        }
        let t = asked.threshold_m;
        let bands = bands
            .iter()
            .zip([Some(t), Some(1.5 * t), Some(2.0 * t), None])
            .map(|((name, homes, population), max_m)| Band {
                band: name,
                max_m,
                homes: *homes,
                population: population.round(),
            })
            .collect();
        let mut uncovered_query = format!("category={}", asked.category.id);
        for (k, v) in &query {
            if k != "category" {
                uncovered_query.push_str(&format!("&{k}={v}"));
            }
        }
        let link = |path: String, rel: &str, media_type: &str, title: &str| {
            Link::new(base.at(&path), rel, media_type, title)
        };
        let tiles = format!(
            "/tiles/coverage/{}/{{z}}/{{x}}/{{y}}.mvt",
            asked.category.id
        );
        Ok(axum::Json(Coverage {
            category: CategoryInfo::of(asked.category),
            threshold_m: t,
            unit: asked.unit.clone(),
            network: asked.analysis.network.source.clone(),
            facilities: d.facilities,
            summary: CoverageSummary::of(&summary),
            bands,
            links: vec![
                link(
                    format!("/api/coverage?{uncovered_query}"),
                    "self",
                    "application/json",
                    "This answer",
                ),
                link(
                    format!("/api/coverage/uncovered?{uncovered_query}"),
                    "uncovered",
                    GEOJSON,
                    "homes beyond the threshold",
                ),
                link(
                    tiles,
                    "tiles",
                    "application/vnd.mapbox-vector-tile",
                    "homes by distance band",
                ),
            ],
        })
        .into_response())
    })
    .await
}

/// A home beyond the threshold.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredProperties {
    /// Its name, if known.
    pub name: Option<String>,
    /// Its residents.
    pub population: f64,
    /// Whether that is an estimate.
    pub population_estimated: bool,
    /// Its walking distance to the nearest facility of the category (null: none within reach).
    pub distance_m: Option<f32>,
    /// near, far or beyond.
    pub band: &'static str,
}

/// A home beyond the threshold, as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredHome {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The home's id.
    pub id: i64,
    /// Its outline or point.
    pub geometry: Geometry,
    /// What it misses by.
    pub properties: UncoveredProperties,
}

/// The homes beyond the threshold.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uncovered {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// The category's id.
    pub category: String,
    /// The threshold in metres.
    #[serde(rename = "threshold_m")]
    pub threshold_m: f64,
    /// The unit, if any.
    pub unit: Option<UnitRef>,
    /// How many.
    pub number_returned: usize,
    /// The homes.
    pub features: Vec<UncoveredHome>,
}

/// The homes (of a unit) beyond the threshold, with how far they walk.
#[utoipa::path(get, path = "/api/coverage/uncovered", tag = "Life circle",
    params(CoverageQuery, ThresholdQuery),
    responses(
        (status = 200, description = "The homes left out", body = Uncovered, content_type = "application/geo+json"),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn uncovered(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(raw.as_deref(), &COVERAGE_PARAMS)?;
        let asked = ask(&state, &query)?;
        let d = &asked.distances;
        let set = &asked.analysis.homes;
        let features: Vec<UncoveredHome> = set
            .indices(asked.homes.as_deref())
            .filter(|&i| d.homes[i] > d.threshold_m && set.homes[i].snap.is_some())
            .map(|i| {
                let home = &set.homes[i];
                let distance = d.homes[i];
                UncoveredHome {
                    kind: FeatureType::Feature,
                    id: home.id,
                    geometry: Geometry(geometry_json(&home.shape)),
                    properties: UncoveredProperties {
                        name: home.name.clone(),
                        population: home.population.round(),
                        population_estimated: home.estimated,
                        distance_m: distance.is_finite().then(|| distance.round()),
                        band: band(distance, d.threshold_m),
                    },
                }
            })
            .collect();
        let body = Uncovered {
            kind: FeatureCollectionType::FeatureCollection,
            category: asked.category.id.clone(),
            threshold_m: asked.threshold_m,
            unit: asked.unit.clone(),
            number_returned: features.len(),
            features,
        };
        Ok(geojson(StatusCode::OK, &body))
    })
    .await
}

/// Walking speeds, metres per minute.
#[derive(Debug, Serialize, ToSchema)]
pub struct Speeds {
    /// An adult's.
    pub default: f64,
    /// An older resident's.
    pub elderly: f64,
    /// Where they come from.
    pub note: String,
}

/// The facility catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Categories {
    /// What the catalogue is and where it comes from.
    pub about: String,
    /// The speeds minutes are turned into metres at.
    pub walking_speed_m_per_min: Speeds,
    /// Every category.
    pub categories: Vec<CategoryInfo>,
}

/// The facility catalogue: categories, their thresholds and sources, walking speeds.
#[utoipa::path(get, path = "/api/coverage/categories", tag = "Life circle",
    responses((status = 200, description = "The catalogue", body = Categories)))]
pub(super) async fn categories(State(state): State<AppState>) -> Response {
    let catalogue = &state.coverage.catalogue;
    let speeds = &catalogue.walking_speed_m_per_min;
    axum::Json(Categories {
        about: catalogue.about.clone(),
        walking_speed_m_per_min: Speeds {
            default: speeds.default,
            elderly: speeds.elderly,
            note: speeds.note.clone(),
        },
        categories: catalogue.categories.iter().map(CategoryInfo::of).collect(),
    })
    .into_response()
}
