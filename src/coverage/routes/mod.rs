//! `/api/coverage` and `/api/isochrone`: life-circle coverage by unit and category, the homes
//! left out, isochrones, what-if and siting. One file per endpoint group; what they share (the
//! query's category, threshold and unit, the answers' common parts) is here.

mod isochrone;
mod plans;
mod summary;
mod units;

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::analysis::{Analysis, Distances, HomeSet, Summary};
use super::catalogue::Category;
use crate::error::{AppError, AppResult};
use crate::http::query::{bad_query, pairs};
use crate::state::AppState;
use crate::units::UnitCode;

/// The coverage routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/coverage", get(summary::coverage))
        .route("/api/coverage/categories", get(summary::categories))
        .route("/api/coverage/uncovered", get(summary::uncovered))
        .route("/api/coverage/units", get(units::units))
        .route("/api/coverage/units.csv", get(units::units_csv))
        .route("/api/coverage/whatif", post(plans::whatif))
        .route("/api/coverage/suggest", post(plans::suggest))
        .route("/api/isochrone", get(isochrone::isochrone_route))
}

/// The life circle's paths and schemas (facilities' included).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = CoverageApi::openapi();
    doc.merge(summary::SummaryApi::openapi());
    doc.merge(isochrone::IsochroneApi::openapi());
    doc.merge(plans::PlansApi::openapi());
    doc.merge(units::UnitsApi::openapi());
    doc.merge(super::facilities::FacilitiesApi::openapi());
    doc
}

#[derive(OpenApi)]
#[openapi(components(schemas(UnitRef, CoverageSummary, CategoryInfo)))]
struct CoverageApi;

/// The unit an answer is limited to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    /// Its code.
    pub code: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Its English name.
    pub name_en: Option<String>,
}

/// How many homes and residents reach the category within the threshold.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageSummary {
    /// Homes counted (those on the network).
    pub homes_total: usize,
    /// Homes within the threshold.
    pub homes_covered: usize,
    /// Residents counted.
    pub population_total: f64,
    /// Residents within the threshold.
    pub population_covered: f64,
    /// homes_covered / homes_total (null without homes).
    pub share_homes: Option<f64>,
    /// population_covered / population_total (null without residents).
    pub share_population: Option<f64>,
    /// Residents whose number is an estimate.
    pub population_estimated: f64,
    /// Homes further than 500 m from any street, counted apart.
    pub homes_off_network: usize,
}

impl CoverageSummary {
    /// The summary, residents rounded.
    pub fn of(s: &Summary) -> Self {
        let share = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        Self {
            homes_total: s.homes_total,
            homes_covered: s.homes_covered,
            population_total: s.population_total.round(),
            population_covered: s.population_covered.round(),
            share_homes: share(s.homes_covered as f64, s.homes_total as f64),
            share_population: share(s.population_covered, s.population_total),
            population_estimated: s.population_estimated.round(),
            homes_off_network: s.homes_off_network,
        }
    }
}

/// A facility category of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryInfo {
    /// Its id (`?category=`).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The life circle it belongs to (5, 10 or 15 minutes), if any.
    pub life_circle_minutes: Option<u32>,
    /// The walking distance it should be within, in metres.
    pub threshold_m: f64,
    /// Where the threshold comes from (a standard, a plan).
    pub source: String,
}

impl CategoryInfo {
    /// A category as answered.
    pub fn of(c: &Category) -> Self {
        Self {
            id: c.id.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            life_circle_minutes: c.life_circle_minutes,
            threshold_m: c.threshold_m,
            source: c.source.clone(),
        }
    }
}

/// Longest walk asked for, in metres (about an hour).
pub(super) const MAX_WALK_M: f64 = 5_000.0;

pub(crate) fn bad_body(pointer: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request("Invalid request body", pointer, detail)
}

pub(super) fn no_network() -> AppError {
    AppError::NotReady(
        "no walking network is loaded: import one with `lantu import osm FILE.osm[.pbf]` (a running server loads it within a second)".into(),
    )
}

/// The value of query parameter `key`.
pub(super) fn param<'q>(query: &'q [(String, String)], key: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(super) fn number(name: &str, text: &str, min: f64, max: f64) -> AppResult<f64> {
    let value: f64 = text
        .parse()
        .map_err(|_| bad_query(name, format!("\"{text}\" is not a number")))?;
    if !(value.is_finite() && value > min && value <= max) {
        return Err(bad_query(
            name,
            format!("{name} must be above {min} and at most {max}; got {text}"),
        ));
    }
    Ok(value)
}

pub(crate) fn category<'a>(
    state: &'a AppState,
    id: &str,
    pointer: &str,
) -> AppResult<&'a Category> {
    state.coverage.catalogue.category(id).ok_or_else(|| {
        let known: Vec<&str> = state
            .coverage
            .catalogue
            .categories
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        AppError::bad_request(
            "Unknown category",
            pointer,
            format!(
                "no facility category \"{id}\"; the catalogue has {} (GET /api/coverage/categories)",
                known.join(", ")
            ),
        )
    })
}

/// The walking speed in metres per minute from `speed` or `profile`.
pub(super) fn speed(state: &AppState, query: &[(String, String)]) -> AppResult<f64> {
    let get = |k: &str| param(query, k);
    let speeds = &state.coverage.catalogue.walking_speed_m_per_min;
    match (get("speed"), get("profile")) {
        (Some(_), Some(_)) => Err(bad_query(
            "profile",
            "give speed (metres per minute) or profile, not both",
        )),
        (Some(s), None) => number("speed", s, 0.0, 300.0),
        (None, Some("default")) | (None, None) => Ok(speeds.default),
        (None, Some("elderly")) => Ok(speeds.elderly),
        (None, Some(other)) => Err(bad_query(
            "profile",
            format!("profile is default or elderly, not \"{other}\""),
        )),
    }
}

/// The threshold: `threshold_m`, or `minutes` at the speed, or the catalogue's.
fn threshold(state: &AppState, query: &[(String, String)], category: &Category) -> AppResult<f64> {
    let get = |k: &str| param(query, k);
    match (get("threshold_m"), get("minutes")) {
        (Some(_), Some(_)) => Err(bad_query(
            "minutes",
            "give threshold_m or minutes, not both",
        )),
        (Some(m), None) => number("threshold_m", m, 0.0, MAX_WALK_M),
        (None, Some(min)) => {
            let walk = number("minutes", min, 0.0, 60.0)? * speed(state, query)?;
            Ok(walk.min(MAX_WALK_M))
        }
        (None, None) => {
            if let Some(k) = ["speed", "profile"].into_iter().find(|k| get(k).is_some()) {
                return Err(bad_query(
                    k,
                    format!(
                        "{k} turns minutes into metres; give minutes too (or threshold_m alone)"
                    ),
                ));
            }
            Ok(category.threshold_m)
        }
    }
}

/// The homes of a unit (all when `None`), or why not.
fn unit_homes(
    state: &AppState,
    homes: &HomeSet,
    code: Option<&str>,
    pointer: &str,
) -> AppResult<(Option<UnitRef>, Option<Vec<u32>>)> {
    let Some(code) = code else {
        return Ok((None, None));
    };
    let parsed = UnitCode::parse(code)
        .map_err(|e| AppError::bad_request("Invalid unit code", pointer, e))?;
    let catalog = state.catalog();
    let entry = catalog
        .unit(&parsed)
        .ok_or_else(|| AppError::NotFound(format!("no planning unit with code {code}")))?;
    let fields = &entry.unit.fields;
    let boundary = fields.geometry.as_ref().ok_or_else(|| {
        AppError::unprocessable(
            "Unit without a boundary",
            pointer,
            format!(
                "unit {code} ({}) has no boundary stored, so its homes cannot be found; import its boundary, or ask for the unit it belongs to{}",
                fields.name_zh,
                parsed
                    .parent()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default()
            ),
        )
    })?;
    let unit = UnitRef {
        code: code.into(),
        name_zh: fields.name_zh.clone(),
        name_en: fields.name_en.clone(),
    };
    Ok((Some(unit), Some(homes.within(boundary))))
}

/// How far a home misses: within the threshold, up to 1.5×, up to 2×, or further.
pub fn band(distance: f32, threshold: f32) -> &'static str {
    if distance <= threshold {
        "covered"
    } else if distance <= 1.5 * threshold {
        "near"
    } else if distance <= 2.0 * threshold {
        "far"
    } else {
        "beyond"
    }
}

pub(super) struct Asked<'a> {
    pub analysis: Analysis,
    pub category: &'a Category,
    pub threshold_m: f64,
    pub unit: Option<UnitRef>,
    pub homes: Option<Vec<u32>>,
    pub distances: std::sync::Arc<Distances>,
}

pub(super) fn ask<'a>(state: &'a AppState, query: &[(String, String)]) -> AppResult<Asked<'a>> {
    let get = |k: &str| param(query, k);
    let id = get("category").ok_or_else(|| {
        bad_query(
            "category",
            "say which facility category, e.g. ?category=kindergarten (GET /api/coverage/categories lists them)",
        )
    })?;
    let category = category(state, id, "?category")?;
    let (analysis, threshold_m, distances) = distances_for(state, category, query)?;
    let (unit, homes) = unit_homes(state, &analysis.homes, get("unit"), "?unit")?;
    Ok(Asked {
        analysis,
        category,
        threshold_m,
        unit,
        homes,
        distances,
    })
}

/// The loaded analysis, the threshold the query asks for, and the category's distances at it.
fn distances_for(
    state: &AppState,
    category: &Category,
    query: &[(String, String)],
) -> AppResult<(Analysis, f64, std::sync::Arc<Distances>)> {
    distances_at(state, category, threshold(state, query, category)?)
}

/// The loaded analysis and the category's distances at `threshold_m`.
fn distances_at(
    state: &AppState,
    category: &Category,
    threshold_m: f64,
) -> AppResult<(Analysis, f64, std::sync::Arc<Distances>)> {
    let analysis = state.coverage.analysis().ok_or_else(no_network)?;
    let distances = state
        .coverage
        .distances(&analysis, &category.id, threshold_m as f32);
    Ok((analysis, threshold_m, distances))
}

/// For a coverage tile: the category named in the path, the threshold from the query, and the
/// distances.
pub fn category_and_threshold(
    state: &AppState,
    id: &str,
    raw: Option<&str>,
) -> AppResult<(Analysis, std::sync::Arc<Distances>)> {
    let query = pairs(raw, &THRESHOLD_PARAMS)?;
    let category = category(state, id, "/tiles/coverage/{category}")?;
    // Tiles draw bands, for which 10 m is fine: rounding keeps the tables a tile URL can ask
    // for to 500 per category, so a crawler cannot make one for every centimetre.
    let threshold_m = (threshold(state, &query, category)? / 10.0)
        .round()
        .max(1.0)
        * 10.0;
    let (analysis, _, distances) = distances_at(state, category, threshold_m)?;
    Ok((analysis, distances))
}

/// The walking distance a question asks about (query parameters, or members of a what-if
/// body): documented from this type, and accepted by name from it, so the OpenAPI document and
/// the parsers cannot disagree. The values are read by `threshold` and `speed`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // it names and documents the parameters; the parsers read the values
pub struct ThresholdQuery {
    /// Walking distance in metres, above 0 and at most 5000 (default: the category's).
    threshold_m: Option<f64>,
    /// Or a walking time in minutes, turned into metres at the speed.
    minutes: Option<f64>,
    /// Metres per minute, for minutes.
    speed: Option<f64>,
    /// default or elderly: the catalogue's speed, for minutes.
    profile: Option<String>,
}

/// What a coverage question asks about, besides the distance ([`ThresholdQuery`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // it names and documents the parameters; `ask` reads the values
pub struct CoverageQuery {
    /// A catalogue category (GET /api/coverage/categories).
    category: String,
    /// Only the homes of this unit.
    unit: Option<String>,
}

/// The names of the parameters `P` documents.
pub(super) fn names<P: utoipa::IntoParams>() -> Vec<&'static str> {
    P::into_params(|| None)
        .into_iter()
        .map(|p| &*p.name.leak())
        .collect()
}

/// What a tile's query may hold: [`ThresholdQuery`].
pub(super) static THRESHOLD_PARAMS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(names::<ThresholdQuery>);

/// What a coverage question may hold: [`CoverageQuery`] and [`ThresholdQuery`].
pub(super) static COVERAGE_PARAMS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| {
        let mut all = names::<CoverageQuery>();
        all.extend(names::<ThresholdQuery>());
        all
    });
