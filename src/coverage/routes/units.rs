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
use crate::http::query::{bad_query, pairs};
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
    allowed.push("level");
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

/// One category's coverage in every unit of a level (sub-districts unless `level=`).
#[utoipa::path(get, path = "/api/coverage/units", tag = "Life circle",
    params(("category" = String, Query, description = "A catalogue category"),
        ("level" = Option<String>, Query, description = "subdistrict (default), committee or district")),
    responses(
        (status = 200, description = "The table", body = UnitsCoverage),
        (status = 400, description = "A missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn units(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.analysis, &state, move |state| {
        Ok(axum::Json(table(&state, raw.as_deref())?).into_response())
    })
    .await
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
        let t = table(&state, raw.as_deref())?;
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
        Ok(crate::http::csv::download(
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
        ))
    })
    .await
}
