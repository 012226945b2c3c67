//! `/api/coverage/whatif` and `/api/coverage/suggest`: what candidate sites would add, and
//! which of them to pick.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use geo::Point;
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::{Asked, COVERAGE_PARAMS, CoverageSummary, UnitRef, ask, bad_body};
use crate::auth::Viewer;
use crate::coverage::analysis::{
    Analysis, HomeSet, MAX_SNAP_M, greedy, newly_covered, walking_point,
};
use crate::coverage::snap::Snap;
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::state::AppState;
use crate::work::on_pool;

#[derive(OpenApi)]
#[openapi(
    paths(whatif, suggest),
    components(schemas(
        PlanRequest,
        CandidateInput,
        WhatIf,
        CandidateGain,
        Combined,
        Suggestion,
        SuggestedPick
    ))
)]
pub(super) struct PlansApi;

/// A candidate site: an existing site, or a point (with a name).
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateInput {
    /// A site id.
    pub site: Option<i64>,
    /// Or a longitude…
    pub lon: Option<f64>,
    /// … and a latitude (WGS84).
    pub lat: Option<f64>,
    /// A name to tell it by.
    pub name: Option<String>,
}

/// A what-if or siting question: a category, a threshold, a unit, candidates (and, for
/// suggest, how many to pick).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanRequest {
    /// A catalogue category.
    pub category: String,
    /// Only the homes of this unit.
    pub unit: Option<String>,
    /// Walking distance in metres (default: the category's).
    pub threshold_m: Option<f64>,
    /// Or a walking time.
    pub minutes: Option<f64>,
    /// Metres per minute, for minutes.
    pub speed: Option<f64>,
    /// default or elderly, for minutes.
    pub profile: Option<String>,
    /// 1 to 1000 candidates.
    pub candidates: Vec<CandidateInput>,
    /// suggest only: how many to pick, 1–100 (default 1).
    pub k: Option<u32>,
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
        .chain(COVERAGE_PARAMS.iter())
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
    for &key in COVERAGE_PARAMS.iter() {
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

/// What one candidate adds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateGain {
    /// The candidate as asked.
    #[schema(value_type = CandidateInput)]
    pub candidate: Value,
    /// How far it is from the nearest street, metres.
    pub snap_m: Option<f64>,
    /// Whether it is too far from any street to count.
    pub off_network: bool,
    /// Homes it would newly cover.
    pub homes_added: usize,
    /// Their residents.
    pub population_added: f64,
}

/// What all candidates add together.
#[derive(Debug, Serialize, ToSchema)]
pub struct Combined {
    /// Homes newly covered by any.
    pub homes_added: usize,
    /// Their residents.
    pub population_added: f64,
    /// Residents covered after.
    pub population_covered_after: f64,
    /// Share of residents covered after.
    pub share_population_after: Option<f64>,
}

/// What the candidates would add to coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIf {
    /// The category's id.
    pub category: String,
    /// The threshold in metres.
    pub threshold_m: f64,
    /// The unit, if any.
    pub unit: Option<UnitRef>,
    /// Coverage today.
    pub baseline: CoverageSummary,
    /// Each candidate's gain.
    pub candidates: Vec<CandidateGain>,
    /// All together.
    pub combined: Combined,
}

/// What candidate sites would add to a category's coverage, each and together.
#[utoipa::path(post, path = "/api/coverage/whatif", tag = "Life circle",
    request_body(content = PlanRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The gains", body = WhatIf),
        (status = 400, description = "A malformed question", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown site or coordinates out of range", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn whatif(
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
        let per: Vec<CandidateGain> = plan
            .candidates
            .iter()
            .zip(&plan.gains)
            .map(|(c, g)| CandidateGain {
                candidate: c.echo.clone(),
                snap_m: c.snap.map(|s| (f64::from(s.offset) * 10.0).round() / 10.0),
                off_network: c.snap.is_none(),
                homes_added: g.len(),
                population_added: population(set, g).round(),
            })
            .collect();
        let after = baseline.population_covered + added;
        Ok(axum::Json(WhatIf {
            category: plan.asked.category.id.clone(),
            threshold_m: plan.asked.threshold_m,
            unit: plan.asked.unit.clone(),
            baseline: CoverageSummary::of(&baseline),
            candidates: per,
            combined: Combined {
                homes_added: union.len(),
                population_added: added.round(),
                population_covered_after: after.round(),
                share_population_after: (baseline.population_total > 0.0)
                    .then(|| after / baseline.population_total),
            },
        })
        .into_response())
    })
    .await
}

/// One pick of the siting.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedPick {
    /// 1 for the first pick.
    pub rank: usize,
    /// The candidate as asked.
    #[schema(value_type = CandidateInput)]
    pub candidate: Value,
    /// Homes it adds beyond the earlier picks.
    pub homes_added: usize,
    /// Their residents.
    pub population_added: f64,
    /// Residents covered with it and the earlier picks.
    pub population_covered_after: f64,
}

/// Which k candidates to build, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    /// The category's id.
    pub category: String,
    /// The threshold in metres.
    pub threshold_m: f64,
    /// The unit, if any.
    pub unit: Option<UnitRef>,
    /// How many were asked for.
    pub k: usize,
    /// How the picks were made.
    pub method: &'static str,
    /// Coverage today.
    pub baseline: CoverageSummary,
    /// The picks, best first.
    pub picks: Vec<SuggestedPick>,
    /// Share of residents covered after every pick.
    pub share_population_after: Option<f64>,
}

/// Picks the k candidates that together cover the most residents not yet covered.
#[utoipa::path(post, path = "/api/coverage/suggest", tag = "Life circle",
    request_body(content = PlanRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The picks", body = Suggestion),
        (status = 400, description = "A malformed question", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown site or coordinates out of range", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn suggest(
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
        let picks: Vec<SuggestedPick> = greedy(set, &plan.gains, k)
            .iter()
            .enumerate()
            .map(|(rank, p)| {
                covered += p.population_added;
                SuggestedPick {
                    rank: rank + 1,
                    candidate: plan.candidates[p.candidate].echo.clone(),
                    homes_added: p.homes_added,
                    population_added: p.population_added.round(),
                    population_covered_after: covered.round(),
                }
            })
            .collect();
        Ok(axum::Json(Suggestion {
            category: plan.asked.category.id.clone(),
            threshold_m: plan.asked.threshold_m,
            unit: plan.asked.unit.clone(),
            k,
            method: "greedy maximal coverage (each pick adds the most residents not yet covered; within 1 − 1/e of the best set)",
            baseline: CoverageSummary::of(&baseline),
            picks,
            share_population_after: (baseline.population_total > 0.0)
                .then(|| covered / baseline.population_total),
        })
        .into_response())
    })
    .await
}
