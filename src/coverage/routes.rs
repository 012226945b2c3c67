//! `/api/coverage`, `/api/isochrone` and `/api/facilities`: life-circle coverage by unit and
//! category, the homes left out, isochrones, what-if and siting, and facility edits that change
//! the coverage at once.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use geo::{Geometry, Point};
use serde_json::{Map, Value, json};

use super::analysis::{
    Analysis, Distances, HomeSet, MAX_SNAP_M, Summary, greedy, newly_covered, walking_point,
};
use super::catalogue::Category;
use super::isochrone::{DEFAULT_BAND_M, NoIsochrone, isochrone};
use super::snap::Snap;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::json_object;
use crate::http::links::BaseUrl;
use crate::http::query::{bad_query, pairs};
use crate::ogc::items::{GEOJSON, geojson};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::units::UnitCode;
use crate::work::on_pool;

/// The coverage routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/coverage", get(coverage))
        .route("/api/coverage/categories", get(categories))
        .route("/api/coverage/uncovered", get(uncovered))
        .route("/api/coverage/whatif", post(whatif))
        .route("/api/coverage/suggest", post(suggest))
        .route("/api/isochrone", get(isochrone_route))
}

/// Longest walk asked for, in metres (about an hour).
const MAX_WALK_M: f64 = 5_000.0;

pub(super) fn bad_body(pointer: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request("Invalid request body", pointer, detail)
}

fn no_network() -> AppError {
    AppError::NotReady(
        "no walking network is loaded: import one with `lantu import osm FILE.osm[.pbf]` and restart the server".into(),
    )
}

/// The value of query parameter `key`.
fn param<'q>(query: &'q [(String, String)], key: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn number(name: &str, text: &str, min: f64, max: f64) -> AppResult<f64> {
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

pub(super) fn category<'a>(
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
fn speed(state: &AppState, query: &[(String, String)]) -> AppResult<f64> {
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
) -> AppResult<(Option<Value>, Option<Vec<u32>>)> {
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
    let unit = json!({"code": code, "name_zh": fields.name_zh, "name_en": fields.name_en});
    Ok((Some(unit), Some(homes.within(boundary))))
}

fn summary_json(s: &Summary) -> Map<String, Value> {
    let share = |a: f64, b: f64| if b > 0.0 { json!(a / b) } else { Value::Null };
    json_object(json!({
        "homes_total": s.homes_total,
        "homes_covered": s.homes_covered,
        "population_total": s.population_total.round(),
        "population_covered": s.population_covered.round(),
        "share_homes": share(s.homes_covered as f64, s.homes_total as f64),
        "share_population": share(s.population_covered, s.population_total),
        "population_estimated": s.population_estimated.round(),
        "homes_off_network": s.homes_off_network,
    }))
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

fn category_json(c: &Category) -> Value {
    json!({
        "id": c.id,
        "name_zh": c.name_zh,
        "name_en": c.name_en,
        "life_circle_minutes": c.life_circle_minutes,
        "threshold_m": c.threshold_m,
        "source": c.source,
    })
}

async fn categories(State(state): State<AppState>) -> Response {
    let catalogue = &state.coverage.catalogue;
    axum::Json(json!({
        "about": catalogue.about,
        "walking_speed_m_per_min": {
            "default": catalogue.walking_speed_m_per_min.default,
            "elderly": catalogue.walking_speed_m_per_min.elderly,
            "note": catalogue.walking_speed_m_per_min.note,
        },
        "categories": catalogue.categories.iter().map(category_json).collect::<Vec<_>>(),
    }))
    .into_response()
}

struct Asked<'a> {
    analysis: Analysis,
    category: &'a Category,
    threshold_m: f64,
    unit: Option<Value>,
    homes: Option<Vec<u32>>,
    distances: std::sync::Arc<Distances>,
}

fn ask<'a>(state: &'a AppState, query: &[(String, String)]) -> AppResult<Asked<'a>> {
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
    let query = pairs(raw, &["threshold_m", "minutes", "speed", "profile"])?;
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

const COVERAGE_PARAMS: &[&str] = &[
    "category",
    "unit",
    "threshold_m",
    "minutes",
    "speed",
    "profile",
];

async fn coverage(
    State(state): State<AppState>,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(raw.as_deref(), COVERAGE_PARAMS)?;
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
        let mut body = json_object(json!({
            "category": category_json(asked.category),
            "threshold_m": t,
            "unit": asked.unit,
            "network": asked.analysis.network.source,
            "facilities": d.facilities,
        }));
        body.extend(summary_json(&summary));
        body.insert(
            "bands".into(),
            json!(
                bands
                    .iter()
                    .zip([Some(t), Some(1.5 * t), Some(2.0 * t), None])
                    .map(|((name, homes, population), max)| json!({
                        "band": name, "max_m": max, "homes": homes, "population": population.round(),
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        let mut uncovered_query = format!("category={}", asked.category.id);
        for (k, v) in &query {
            if k != "category" {
                uncovered_query.push_str(&format!("&{k}={v}"));
            }
        }
        body.insert(
            "links".into(),
            json!([
                {"rel": "self", "href": base.at(&format!("/api/coverage?{uncovered_query}")), "type": "application/json"},
                {"rel": "uncovered", "href": base.at(&format!("/api/coverage/uncovered?{uncovered_query}")), "type": GEOJSON, "title": "homes beyond the threshold"},
                {"rel": "tiles", "href": base.at(&format!("/tiles/coverage/{}/{{z}}/{{x}}/{{y}}.mvt", asked.category.id)), "type": "application/vnd.mapbox-vector-tile", "title": "homes by distance band"},
            ]),
        );
        Ok(axum::Json(Value::Object(body)).into_response())
    })
    .await
}

async fn uncovered(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(raw.as_deref(), COVERAGE_PARAMS)?;
        let asked = ask(&state, &query)?;
        let d = &asked.distances;
        let set = &asked.analysis.homes;
        let features: Vec<Value> = set
            .indices(asked.homes.as_deref())
            .filter(|&i| d.homes[i] > d.threshold_m && set.homes[i].snap.is_some())
            .map(|i| {
                let home = &set.homes[i];
                let distance = d.homes[i];
                json!({
                    "type": "Feature",
                    "id": home.id,
                    "geometry": geometry_json(&home.shape),
                    "properties": {
                        "name": home.name,
                        "population": home.population.round(),
                        "population_estimated": home.estimated,
                        "distance_m": distance.is_finite().then(|| distance.round()),
                        "band": band(distance, d.threshold_m),
                    },
                })
            })
            .collect();
        Ok(geojson(
            StatusCode::OK,
            json!({
                "type": "FeatureCollection",
                "category": asked.category.id,
                "threshold_m": asked.threshold_m,
                "unit": asked.unit,
                "numberReturned": features.len(),
                "features": features,
            }),
        ))
    })
    .await
}

async fn isochrone_route(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let query = pairs(
            raw.as_deref(),
            &["lon", "lat", "minutes", "speed", "profile", "band_m"],
        )?;
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
        Ok(geojson(
            StatusCode::OK,
            json!({
                "type": "Feature",
                "geometry": geometry_json(&Geometry::MultiPolygon(iso.area)),
                "properties": {
                    "lon": lon,
                    "lat": lat,
                    "minutes": minutes,
                    "speed_m_per_min": speed,
                    "distance_m": distance_m,
                    "band_m": band_m,
                    "area_m2": iso.area_m2.round(),
                    "population": iso.population.round(),
                    "population_estimated": iso.population_estimated.round(),
                    "homes": iso.homes,
                    "nodes_reached": iso.nodes,
                    "snap_m": (iso.snap_m * 10.0).round() / 10.0,
                    "network": analysis.network.source,
                },
            }),
        ))
    })
    .await
}

/// A candidate site as asked for, and where it joins the network.
struct Candidate {
    echo: Value,
    snap: Option<Snap>,
}

fn candidates(
    state: &AppState,
    viewer: &Viewer,
    analysis: &Analysis,
    list: Option<&Value>,
) -> AppResult<Vec<Candidate>> {
    let list = list.and_then(Value::as_array).ok_or_else(|| {
        bad_body(
            "/candidates",
            "candidates must be an array of {\"site\": id} or {\"lon\": …, \"lat\": …}",
        )
    })?;
    if list.is_empty() || list.len() > 1_000 {
        return Err(bad_body("/candidates", "give 1 to 1000 candidates"));
    }
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let at = format!("/candidates/{i}");
            let object = c.as_object().ok_or_else(|| bad_body(&at, "a candidate is an object"))?;
            if let Some(key) = object.keys().find(|k| !["site", "lon", "lat", "name"].contains(&k.as_str())) {
                return Err(bad_body(&format!("{at}/{key}"), format!("unknown member \"{key}\"; a candidate has site, or lon and lat (and a name)")));
            }
            let point = match (object.get("site"), object.get("lon"), object.get("lat")) {
                (Some(site), None, None) => {
                    let id = site.as_i64().ok_or_else(|| bad_body(&format!("{at}/site"), "site must be a site id (integer)"))?;
                    let catalog = state.catalog();
                    let entry = catalog
                        .site(id)
                        .filter(|e| viewer.visibility().sees_site(e))
                        .ok_or_else(|| AppError::unprocessable("Unknown site", format!("{at}/site"), format!("there is no site {id}")))?;
                    walking_point(&entry.site.fields.geometry).ok_or_else(|| {
                        AppError::unprocessable("Unknown site", format!("{at}/site"), format!("site {id} has an empty geometry"))
                    })?
                }
                (None, Some(lon), Some(lat)) => {
                    let (Some(lon), Some(lat)) = (lon.as_f64(), lat.as_f64()) else {
                        return Err(bad_body(&at, "lon and lat must be numbers (WGS84 degrees)"));
                    };
                    if lon.abs() > 180.0 || lat.abs() > 90.0 {
                        return Err(AppError::unprocessable("Coordinates out of range", at, format!("({lon}, {lat}) is not a WGS84 longitude, latitude")));
                    }
                    Point::new(lon, lat)
                }
                _ => return Err(bad_body(&at, "give either site, or lon and lat")),
            };
            Ok(Candidate {
                echo: c.clone(),
                snap: analysis
                    .network
                    .index
                    .snap(point)
                    .filter(|s| s.offset <= MAX_SNAP_M),
            })
        })
        .collect()
}

struct Plan<'a> {
    asked: Asked<'a>,
    candidates: Vec<Candidate>,
    gains: Vec<Vec<u32>>,
}

fn plan<'a>(
    state: &'a AppState,
    viewer: &Viewer,
    body: &Value,
    extra: &[&str],
) -> AppResult<Plan<'a>> {
    let object = body
        .as_object()
        .ok_or_else(|| bad_body("", "the body must be a JSON object"))?;
    let allowed: Vec<&str> = ["candidates"]
        .iter()
        .chain(COVERAGE_PARAMS)
        .chain(extra)
        .copied()
        .collect();
    if let Some(key) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad_body(
            &format!("/{key}"),
            format!(
                "unknown member \"{key}\"; the body takes {}",
                allowed
                    .iter()
                    .chain(extra)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    // The query-style members, as text, through the same checks as the GET endpoints.
    let mut query = Vec::new();
    for &key in COVERAGE_PARAMS {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => query.push((key.to_string(), s.clone())),
            Some(Value::Number(n)) => query.push((key.to_string(), n.to_string())),
            Some(_) => {
                return Err(bad_body(
                    &format!("/{key}"),
                    format!("{key} must be a string or a number"),
                ));
            }
        }
    }
    let asked = ask(state, &query).map_err(|e| match e {
        AppError::BadRequest { title, violation } => AppError::BadRequest {
            title,
            violation: crate::error::Violation::new(
                violation.pointer.replacen('?', "/", 1),
                violation.detail,
            ),
        },
        other => other,
    })?;
    let candidates = candidates(state, viewer, &asked.analysis, object.get("candidates"))?;
    let inside: Option<std::collections::HashSet<u32>> =
        asked.homes.as_ref().map(|l| l.iter().copied().collect());
    let gains = candidates
        .iter()
        .map(|c| match &c.snap {
            Some(snap) => newly_covered(
                &asked.analysis.network,
                &asked.analysis.homes,
                &asked.distances,
                snap,
            )
            .into_iter()
            .filter(|h| inside.as_ref().is_none_or(|s| s.contains(h)))
            .collect(),
            None => Vec::new(),
        })
        .collect();
    Ok(Plan {
        asked,
        candidates,
        gains,
    })
}

fn population(set: &HomeSet, homes: &[u32]) -> f64 {
    homes
        .iter()
        .map(|&h| set.homes[h as usize].population)
        .fold(0.0, |a, b| a + b) // an empty f64 `sum()` is -0.0
}

async fn whatif(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let plan = plan(&state, &viewer, &body, &[])?;
        let set = &plan.asked.analysis.homes;
        let baseline = plan
            .asked
            .distances
            .summary(set, plan.asked.homes.as_deref());
        let mut union: Vec<u32> = plan.gains.iter().flatten().copied().collect();
        union.sort_unstable();
        union.dedup();
        let added = population(set, &union);
        let per: Vec<Value> = plan
            .candidates
            .iter()
            .zip(&plan.gains)
            .map(|(c, g)| {
                json!({
                    "candidate": c.echo,
                    "snap_m": c.snap.map(|s| (f64::from(s.offset) * 10.0).round() / 10.0),
                "off_network": c.snap.is_none(),
                    "homes_added": g.len(),
                    "population_added": population(set, g).round(),
                })
            })
            .collect();
        let after = baseline.population_covered + added;
        Ok(axum::Json(json!({
            "category": plan.asked.category.id,
            "threshold_m": plan.asked.threshold_m,
            "unit": plan.asked.unit,
            "baseline": summary_json(&baseline),
            "candidates": per,
            "combined": {
                "homes_added": union.len(),
                "population_added": added.round(),
                "population_covered_after": after.round(),
                "share_population_after": (baseline.population_total > 0.0).then(|| after / baseline.population_total),
            },
        }))
        .into_response())
    })
    .await
}

async fn suggest(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        let k = match body.get("k") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|k| (1..=100).contains(k))
                .ok_or_else(|| bad_body("/k", "k must be a whole number from 1 to 100"))?
                as usize,
        };
        let plan = plan(&state, &viewer, &body, &["k"])?;
        let set = &plan.asked.analysis.homes;
        let baseline = plan
            .asked
            .distances
            .summary(set, plan.asked.homes.as_deref());
        let mut covered = baseline.population_covered;
        let picks: Vec<Value> = greedy(set, &plan.gains, k)
            .iter()
            .enumerate()
            .map(|(rank, p)| {
                covered += p.population_added;
                json!({
                    "rank": rank + 1,
                    "candidate": plan.candidates[p.candidate].echo,
                    "homes_added": p.homes_added,
                    "population_added": p.population_added.round(),
                    "population_covered_after": covered.round(),
                })
            })
            .collect();
        Ok(axum::Json(json!({
            "category": plan.asked.category.id,
            "threshold_m": plan.asked.threshold_m,
            "unit": plan.asked.unit,
            "k": k,
            "method": "greedy maximal coverage (each pick adds the most residents not yet covered; within 1 − 1/e of the best set)",
            "baseline": summary_json(&baseline),
            "picks": picks,
            "share_population_after": (baseline.population_total > 0.0).then(|| covered / baseline.population_total),
        }))
        .into_response())
    })
    .await
}
