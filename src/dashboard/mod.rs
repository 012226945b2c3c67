//! The dashboard (统计看板): for the district or one sub-district, projects and budgets by
//! stage, element type, plan year and funding source; needs by status, category and
//! life-circle gap; and how long residents wait for a first answer. As JSON for the page's
//! charts, and every table as CSV. Counted over what the caller may see: the public's figures
//! hold published projects and public needs only.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::query::{bad_query, pairs};
use crate::needs::NeedStatus;
use crate::projects::api::Project;
use crate::state::AppState;
use crate::units::UnitCode;
use crate::work::on_pool;

/// One row of a table: a key, how many, and (for projects) money.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    /// What is counted (a stage, a type, a year, a source, a status, a category, a facility).
    pub key: String,
    /// How many.
    pub count: usize,
    /// Yuan planned (projects and funding tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<f64>,
    /// Yuan spent (projects and funding tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent: Option<f64>,
}

/// The dashboard of one area.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    /// The unit counted (its code), or the whole server's area.
    pub unit: Option<String>,
    /// Projects.
    pub projects: usize,
    /// Funding planned over them, in yuan.
    pub planned: f64,
    /// Spent, in yuan.
    pub spent: f64,
    /// Needs.
    pub needs: usize,
    /// Median days from a need's submission to its first answer (accepted, merged, declined
    /// or answered by a project); null before any is answered.
    pub median_days_to_first_answer: Option<f64>,
    /// Every table, by name: projects_by_stage, projects_by_element_type, projects_by_year,
    /// funding_by_source, needs_by_status, needs_by_category, needs_by_gap.
    pub tables: BTreeMap<String, Vec<Row>>,
}

/// The tables' names, in the order the page shows them.
pub const TABLES: [&str; 7] = [
    "projects_by_stage",
    "projects_by_element_type",
    "projects_by_year",
    "funding_by_source",
    "needs_by_status",
    "needs_by_category",
    "needs_by_gap",
];

#[derive(OpenApi)]
#[openapi(paths(dashboard, table), components(schemas(Dashboard, Row)))]
pub(crate) struct DashboardApi;

/// The dashboard's OpenAPI paths.
pub fn openapi() -> utoipa::openapi::OpenApi {
    DashboardApi::openapi()
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/dashboard", get(dashboard))
        .route("/api/dashboard/{table}", get(table))
}

fn add(table: &mut BTreeMap<String, Row>, key: String, money: Option<(f64, f64)>) {
    let row = table.entry(key.clone()).or_insert(Row {
        key,
        count: 0,
        planned: money.map(|_| 0.0),
        spent: money.map(|_| 0.0),
    });
    row.count += 1;
    if let Some((p, s)) = money {
        row.planned = Some(row.planned.unwrap_or(0.0) + p);
        row.spent = Some(row.spent.unwrap_or(0.0) + s);
    }
}

/// The median of `values` (none when empty).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn in_area(code: &str, unit: Option<&UnitCode>) -> bool {
    unit.is_none_or(|u| code.starts_with(u.as_str()))
}

/// Counts everything `viewer` may see in `unit`.
async fn count(state: &AppState, viewer: &Viewer, unit: Option<UnitCode>) -> AppResult<Dashboard> {
    let visibility = viewer.visibility();
    let mut projects: Vec<Project> = Vec::new();
    for summary in state.store.all_projects().await? {
        if in_area(&summary.subdistrict, unit.as_ref())
            && visibility.sees_project(summary.published, &summary.subdistrict)
        {
            projects.push(summary);
        }
    }
    let needs: Vec<_> = state
        .needs()
        .visible(&visibility, None)
        .into_iter()
        .filter(|n| unit.as_ref().is_none_or(|u| n.units.contains(u)))
        .collect();
    let unit_code = unit.map(|u| u.as_str().to_string());
    on_pool(&state.work.analysis, state, move |state| {
        let mut tables: BTreeMap<String, BTreeMap<String, Row>> = TABLES
            .iter()
            .map(|t| (t.to_string(), BTreeMap::new()))
            .collect();
        let mut table = |name: &str| tables.get_mut(name).map(std::mem::take).unwrap_or_default();
        let (mut by_stage, mut by_type, mut by_year, mut by_source) = (
            table("projects_by_stage"),
            table("projects_by_element_type"),
            table("projects_by_year"),
            table("funding_by_source"),
        );
        for p in &projects {
            let money = Some((p.planned_total, p.spent_total));
            add(&mut by_stage, p.stage.as_str().into(), money);
            add(&mut by_type, p.element_type.clone(), money);
            let year = p
                .plan_year
                .map_or_else(|| "reserve".to_string(), |y| y.to_string());
            add(&mut by_year, year, money);
            for f in &p.funding {
                add(
                    &mut by_source,
                    f.source.as_str().into(),
                    Some((f.planned, f.spent)),
                );
            }
        }
        let (mut by_status, mut by_category, mut by_gap) = (
            table("needs_by_status"),
            table("needs_by_category"),
            table("needs_by_gap"),
        );
        for n in &needs {
            add(&mut by_status, n.status.as_str().into(), None);
            add(&mut by_category, n.category.clone(), None);
            if matches!(n.status, NeedStatus::Received | NeedStatus::Accepted) {
                for walk in crate::needs::gaps::nearest(&state, n)
                    .into_iter()
                    .filter(|w| !w.within)
                {
                    add(&mut by_gap, walk.facility, None);
                }
            }
        }
        let waits: Vec<f64> = needs
            .iter()
            .filter_map(|n| {
                n.answered_at
                    .map(|a| (a - n.submitted_at).num_seconds() as f64 / 86_400.0)
            })
            .collect();
        let ordered = |t: BTreeMap<String, Row>| -> Vec<Row> {
            let mut rows: Vec<Row> = t.into_values().collect();
            rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
            rows
        };
        let mut out = BTreeMap::new();
        for (name, t) in [
            ("projects_by_stage", by_stage),
            ("projects_by_element_type", by_type),
            ("projects_by_year", by_year),
            ("funding_by_source", by_source),
            ("needs_by_status", by_status),
            ("needs_by_category", by_category),
            ("needs_by_gap", by_gap),
        ] {
            out.insert(name.to_string(), ordered(t));
        }
        Ok(Dashboard {
            unit: unit_code,
            projects: projects.len(),
            planned: projects
                .iter()
                .map(|p| p.planned_total)
                .fold(0.0, |a, b| a + b),
            spent: projects
                .iter()
                .map(|p| p.spent_total)
                .fold(0.0, |a, b| a + b),
            needs: needs.len(),
            median_days_to_first_answer: median(waits),
            tables: out,
        })
    })
    .await
}

fn unit_of(raw: Option<&str>) -> AppResult<Option<UnitCode>> {
    let query = pairs(raw, &["unit"])?;
    query
        .iter()
        .find(|(k, _)| k == "unit")
        .map(|(_, v)| UnitCode::parse(v).map_err(|d| bad_query("unit", d)))
        .transpose()
}

/// The dashboard of the district, or of one unit.
#[utoipa::path(get, operation_id = "dashboard", path = "/api/dashboard", tag = "Dashboard",
    params(("unit" = Option<String>, Query, description = "A sub-district (or the district); all by default")),
    responses(
        (status = 200, description = "Counts, money and tables", body = Dashboard),
        (status = 400, description = "An unknown parameter or unit code", body = Problem, content_type = "application/problem+json"),
    ))]
async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let unit = unit_of(raw.as_deref())?;
    Ok(axum::Json(count(&state, &viewer, unit).await?).into_response())
}

/// Quotes a CSV field when it needs it (RFC 4180).
/// One table as CSV (RFC 4180, UTF-8 with a byte-order mark so that spreadsheet programs read
/// the Chinese right).
#[utoipa::path(get, operation_id = "dashboard_table", path = "/api/dashboard/{table}", tag = "Dashboard",
    params(("table" = String, Path, description = "A table's name with .csv, e.g. projects_by_stage.csv"),
        ("unit" = Option<String>, Query, description = "A sub-district (or the district)")),
    responses(
        (status = 200, description = "The table", content_type = "text/csv"),
        (status = 404, description = "No such table", body = Problem, content_type = "application/problem+json"),
    ))]
async fn table(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let known = || {
        format!(
            "the tables are {}",
            TABLES.map(|t| format!("{t}.csv")).join(", ")
        )
    };
    let table = name
        .strip_suffix(".csv")
        .filter(|t| TABLES.contains(t))
        .ok_or_else(|| AppError::NotFound(format!("no table {name}: {}", known())))?;
    let unit = unit_of(raw.as_deref())?;
    let board = count(&state, &viewer, unit).await?;
    let rows = board.tables.get(table).cloned().unwrap_or_default();
    let money = table.starts_with("projects") || table.starts_with("funding");
    let header: &[&str] = if money {
        &["key", "count", "planned", "spent"]
    } else {
        &["key", "count"]
    };
    let lines: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let mut line = vec![r.key, r.count.to_string()];
            if money {
                line.push(r.planned.unwrap_or(0.0).to_string());
                line.push(r.spent.unwrap_or(0.0).to_string());
            }
            line
        })
        .collect();
    Ok(crate::http::csv::download(
        &format!("{table}.csv"),
        header,
        &lines,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
