//! Sites through time, over HTTP: a collection as it stood at a past moment (`as_of`, system
//! time: what the store held then, not Part 1's `datetime`), and what changed between two
//! moments (or two versions of one site) as GeoJSON, each feature marked inserted, updated or
//! deleted with its before and after, as each caller may see them: for the public, what
//! changed on the published blueprint (a 公示's "what changed since the last publication").

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::api::SiteContent;
use super::model::{Site, SiteVersion};
use super::query::Shape;
use super::routes::SiteView;
use crate::auth::Viewer;
use crate::catalog::{Catalog, SiteEntry};
use crate::error::{AppError, AppResult};
use crate::http::query::pairs;
use crate::ogc::contract::{FeatureCollectionType, FeatureType, Geometry};
use crate::ogc::filter::moment;
use crate::ogc::items::geojson;
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::version::{Audience, Change};
use crate::visibility::Visibility;
use crate::work::on_pool;

/// What happened to a feature between two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// There after, not before.
    Inserted,
    /// There both times, changed.
    Updated,
    /// There before, not after (deleted, or no longer visible: a site taken back to draft).
    Deleted,
}

/// A site at one end of a difference.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteState {
    /// Its geometry then.
    pub geometry: Geometry,
    /// Its content then.
    #[serde(flatten)]
    pub content: SiteContent,
    /// The version it was at (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Who made that version (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When that version was made.
    pub at: DateTime<Utc>,
}

/// A changed site's properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeProperties {
    /// inserted, updated or deleted.
    pub change: Difference,
    /// Its name after (before, if deleted).
    pub name: String,
    /// It before (none if inserted).
    pub before: Option<SiteState>,
    /// It after (none if deleted).
    pub after: Option<SiteState>,
}

/// A changed site: its geometry after (before, if deleted).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The site's id.
    pub id: i64,
    /// Where it is after (was, if deleted).
    pub geometry: Geometry,
    /// What happened, before and after.
    pub properties: ChangeProperties,
}

/// What changed between two states.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// The earlier state: a moment, or a version.
    pub from: String,
    /// The later state.
    pub to: String,
    /// How many sites changed.
    pub number_matched: usize,
    /// One feature per changed site, by id.
    pub features: Vec<ChangeFeature>,
}

/// A site as it stood after version `last`, drawn at `first`.
fn site_of(first: &SiteVersion, last: &SiteVersion) -> Site {
    Site {
        id: last.site_id,
        fields: last.fields.clone(),
        created: first.stamp.clone(),
        stamp: last.stamp.clone(),
    }
}

/// The sites of `view` a caller seeing `visibility` saw at the moment `versions` (from
/// [`crate::store::Store::sites_as_of`]) describe, derived against today's units.
pub fn seen_then(
    catalog: &Catalog,
    view: &SiteView,
    visibility: &Visibility,
    versions: &[(SiteVersion, SiteVersion)],
) -> Vec<Arc<SiteEntry>> {
    versions
        .iter()
        .filter(|(_, last)| last.change != Change::Delete)
        .filter(|(_, last)| {
            view.shape
                .is_none_or(|s| Shape::of(&last.fields.geometry) == Some(s))
        })
        .map(|(first, last)| Arc::new(catalog.derive_site(site_of(first, last))))
        .filter(|e| visibility.sees_site(e))
        .collect()
}

fn state(entry: &SiteEntry, audience: Audience) -> SiteState {
    let team = audience == Audience::Team;
    SiteState {
        geometry: Geometry(geometry_json(&entry.site.fields.geometry)),
        content: SiteContent::of(&entry.site.fields),
        version: team.then_some(entry.site.stamp.version),
        author: team.then(|| entry.site.stamp.by.clone()),
        at: entry.site.stamp.at,
    }
}

/// A site before and after, where it was there.
type BeforeAfter = (Option<Arc<SiteEntry>>, Option<Arc<SiteEntry>>);

/// The differences between two sets of sites, by id.
fn differences(
    before: Vec<Arc<SiteEntry>>,
    after: Vec<Arc<SiteEntry>>,
    audience: Audience,
) -> Vec<ChangeFeature> {
    let mut pairs: BTreeMap<i64, BeforeAfter> = BTreeMap::new();
    for e in before {
        let id = e.site.id;
        pairs.entry(id).or_default().0 = Some(e);
    }
    for e in after {
        let id = e.site.id;
        pairs.entry(id).or_default().1 = Some(e);
    }
    pairs
        .into_iter()
        .filter_map(|(id, pair)| {
            let change = match &pair {
                (None, Some(_)) => Difference::Inserted,
                (Some(_), None) => Difference::Deleted,
                (Some(a), Some(b)) if a.site.fields != b.site.fields => Difference::Updated,
                _ => return None,
            };
            let (before, after) = pair;
            let shown = after.as_ref().or(before.as_ref())?;
            Some(ChangeFeature {
                kind: FeatureType::Feature,
                id,
                geometry: Geometry(geometry_json(&shown.site.fields.geometry)),
                properties: ChangeProperties {
                    change,
                    name: shown.site.fields.name.clone(),
                    before: before.as_deref().map(|e| state(e, audience)),
                    after: after.as_deref().map(|e| state(e, audience)),
                },
            })
        })
        .collect()
}

fn answer(from: String, to: String, features: Vec<ChangeFeature>) -> Response {
    geojson(
        StatusCode::OK,
        &Changes {
            kind: FeatureCollectionType::FeatureCollection,
            from,
            to,
            number_matched: features.len(),
            features,
        },
    )
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `from` and `to` (default now) as moments, in order.
fn moments(raw: Option<&str>) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let given = pairs(raw, &["from", "to", "f"])?;
    let get = |name: &str| {
        given
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let from = moment(
        get("from").ok_or_else(|| {
            AppError::bad_request(
                "Missing query parameter",
                "?from",
                "give from (a moment: 2026-11-30T08:00:00+08:00 or 2026-11-30) and, optionally, to (default now)",
            )
        })?,
        "from",
    )?;
    let to = get("to")
        .map(|t| moment(t, "to"))
        .transpose()?
        .unwrap_or_else(Utc::now);
    if from > to {
        return Err(AppError::bad_request(
            "Invalid query parameter",
            "?from",
            "from is after to",
        ));
    }
    Ok((from, to))
}

/// What changed in a sites collection between two moments, as the caller may see it.
#[utoipa::path(get, operation_id = "sites_changes", path = "/api/collections/sites/changes", tag = "Sites",
    params(
        ("from" = String, Query, description = "The earlier moment (RFC 3339, or a date: its first moment UTC)"),
        ("to" = Option<String>, Query, description = "The later moment (default now)"),
    ),
    responses(
        (status = 200, description = "One feature per changed site, marked inserted, updated or deleted, with its before and after", body = Changes, content_type = "application/geo+json"),
        (status = 400, description = "A missing or malformed moment", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn collection_changes(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let (from, to) = moments(raw.as_deref())?;
    let (then, now) = (
        state.store.sites_as_of(from).await?,
        state.store.sites_as_of(to).await?,
    );
    compare(&state, view, viewer, [then, now], (stamp(from), stamp(to))).await
}

/// The answer to a `/changes` request: the sites `viewer` sees at each end, compared, on the
/// read pool (deriving past sites' units is real work).
async fn compare(
    state: &AppState,
    view: &'static SiteView,
    viewer: Viewer,
    [then, now]: [Vec<(SiteVersion, SiteVersion)>; 2],
    (from, to): (String, String),
) -> AppResult<Response> {
    on_pool(&state.work.reads, state, move |state| {
        let visibility = viewer.visibility();
        let catalog = state.catalog();
        let before = seen_then(&catalog, view, &visibility, &then);
        let after = seen_then(&catalog, view, &visibility, &now);
        let features = differences(before, after, viewer.audience());
        Ok(answer(from, to, features))
    })
    .await
}

/// What changed in one site between two versions (`from=2&to=5`, the team's numbers) or two
/// moments.
#[utoipa::path(get, operation_id = "sites_item_changes", path = "/api/collections/sites/items/{featureId}/changes", tag = "Sites",
    params(
        ("featureId" = i64, Path, description = "The site's id"),
        ("from" = String, Query, description = "The earlier version number, or moment"),
        ("to" = Option<String>, Query, description = "The later version number, or moment (default now)"),
    ),
    responses(
        (status = 200, description = "The site, marked inserted, updated or deleted with its before and after; no feature if it did not change", body = Changes, content_type = "application/geo+json"),
        (status = 404, description = "No such site, or no such version", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn item_changes(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no site with id \"{id}\"")))?;
    let given = pairs(raw.as_deref(), &["from", "to", "f"])?;
    let get = |name: &str| {
        given
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let history = state.store.site_history(id).await?;
    let numbers = (
        get("from").and_then(|v| v.parse::<i64>().ok()),
        get("to").map(|v| v.parse::<i64>().ok()),
    );
    // Each end: the site's versions up to that version (or moment), as `sites_as_of` gives.
    let (ends, labels) = match numbers {
        (Some(from), to)
            if to.is_none_or(|t| t.is_some()) && viewer.audience() == Audience::Team =>
        {
            let to = to.flatten().unwrap_or(history.len() as i64);
            let at = |n: i64| {
                history
                    .iter()
                    .find(|v| v.stamp.version == n)
                    .cloned()
                    .ok_or_else(|| AppError::NotFound(format!("site {id} has no version {n}")))
            };
            let first = at(1)?;
            (
                [vec![(first.clone(), at(from)?)], vec![(first, at(to)?)]],
                (format!("v{from}"), format!("v{to}")),
            )
        }
        _ => {
            let (from, to) = moments(raw.as_deref())?;
            let upto = |t: DateTime<Utc>| -> Vec<(SiteVersion, SiteVersion)> {
                let first = history.first();
                let last = history.iter().rfind(|v| v.stamp.at <= t);
                first
                    .zip(last)
                    .map(|(f, l)| (f.clone(), l.clone()))
                    .into_iter()
                    .collect()
            };
            ([upto(from), upto(to)], (stamp(from), stamp(to)))
        }
    };
    if history.is_empty() {
        return Err(AppError::NotFound(format!("no site with id {id}")));
    }
    compare(&state, view, viewer, ends, labels).await
}
