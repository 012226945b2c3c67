//! The project reserve ranked by what each project brings within reach (3年项目储备库): for a
//! facility category, the residents not covered today whom a facility at the project's sites
//! would bring within the life circle's walk — the what-if of the coverage engine, per project.

use std::collections::HashSet;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::Stage;
use crate::auth::Viewer;
use crate::coverage::analysis::{newly_covered, walking_point};
use crate::error::{AppError, AppResult};
use crate::http::query::{bad_query, pairs};
use crate::state::AppState;
use crate::units::UnitCode;
use crate::work::on_pool;

/// One project of the reserve and what it would add.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReserveEntry {
    /// The project.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its stage.
    pub stage: Stage,
    /// Its sub-district.
    pub subdistrict: String,
    /// First reserve year.
    pub reserve_from: Option<i32>,
    /// Last reserve year.
    pub reserve_to: Option<i32>,
    /// Its annual plan year.
    pub plan_year: Option<i32>,
    /// Homes not covered today that a facility at its sites would cover.
    pub homes_added: usize,
    /// Their residents.
    pub people_added: f64,
}

/// The reserve, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reserve {
    /// The facility category asked about.
    pub category: String,
    /// Its walking threshold, metres.
    pub threshold_m: f64,
    /// The projects not yet built, most residents brought within reach first.
    pub projects: Vec<ReserveEntry>,
}

/// The reserve ranked by life-circle gain.
#[utoipa::path(get, operation_id = "projects_reserve", path = "/api/projects/reserve", tag = "Projects",
    params(
        ("category" = String, Query, description = "The facility category the projects would add"),
        ("subdistrict" = Option<String>, Query, description = "Only this sub-district's reserve"),
    ),
    responses(
        (status = 200, description = "The reserve, best first", body = Reserve),
        (status = 400, description = "An unknown category or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network imported yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reserve(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let query = pairs(raw.as_deref(), &["category", "subdistrict"])?;
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let category = value("category").ok_or_else(|| {
        bad_query(
            "category",
            "name the facility category the projects would add (GET /api/coverage/categories)",
        )
    })?;
    let subdistrict = value("subdistrict")
        .map(|s| UnitCode::parse(&s).map_err(|d| bad_query("subdistrict", d)))
        .transpose()?;
    let visibility = viewer.visibility();
    let mut projects = Vec::new();
    for summary in state.store.all_projects().await? {
        let built = matches!(
            summary.stage,
            Stage::Completed | Stage::Reviewed | Stage::InOperation | Stage::Withdrawn
        );
        let reserved = summary.reserve_from.is_some() || summary.plan_year.is_some();
        if !built
            && reserved
            && visibility.sees_project(summary.published, &summary.subdistrict)
            && subdistrict
                .as_ref()
                .is_none_or(|s| summary.subdistrict == s.as_str())
        {
            projects.push(summary);
        }
    }
    let body = on_pool(&state.work.analysis, &state, move |state| {
        let (analysis, distances) = crate::coverage::routes::category_and_threshold(
            &state, &category, None,
        )
        .map_err(|e| match e {
            AppError::BadRequest { violation, .. } => bad_query("category", violation.detail),
            other => other,
        })?;
        let mut entries: Vec<ReserveEntry> = projects
            .into_iter()
            .map(|p| {
                let points: Vec<geo::Point> = {
                    let catalog = state.catalog();
                    p.sites
                        .iter()
                        .filter_map(|id| catalog.site(*id))
                        .filter(|e| visibility.sees_site(e))
                        .filter_map(|e| walking_point(&e.site.fields.geometry))
                        .collect()
                };
                let mut homes: HashSet<u32> = HashSet::new();
                for point in points {
                    if let Some(snap) = analysis.network.index.snap(point) {
                        homes.extend(newly_covered(
                            &analysis.network,
                            &analysis.homes,
                            &distances,
                            &snap,
                        ));
                    }
                }
                let people_added = homes
                    .iter()
                    .map(|&h| analysis.homes.homes[h as usize].population)
                    .fold(0.0, |a, b| a + b);
                ReserveEntry {
                    id: p.id,
                    name: p.name,
                    stage: p.stage,
                    subdistrict: p.subdistrict,
                    reserve_from: p.reserve_from,
                    reserve_to: p.reserve_to,
                    plan_year: p.plan_year,
                    homes_added: homes.len(),
                    people_added,
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            b.people_added
                .total_cmp(&a.people_added)
                .then(a.id.cmp(&b.id))
        });
        Ok(Reserve {
            category,
            threshold_m: f64::from(distances.threshold_m),
            projects: entries,
        })
    })
    .await?;
    Ok(axum::Json(body).into_response())
}
