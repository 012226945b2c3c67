//! Needs meet the life circle: how far each need is from the nearest facility of the kinds it
//! concerns (along the streets), and needs grouped by gap — "these 14 needs sit more than
//! 300 m from any elderly day care".

use std::collections::BTreeMap;

use super::api::{Gap, Nearest};
use super::model::Need;
use crate::coverage::nearest::{from_point, nearest_m};
use crate::state::AppState;

/// How far the search for a facility goes: three times its threshold, 1–3 km.
fn search_m(threshold_m: f64) -> f64 {
    (threshold_m * 3.0).clamp(1_000.0, 3_000.0)
}

/// The walk from `need` to the nearest facility of each category its kind concerns; empty
/// when no walking network is loaded or its kind concerns none. CPU work: on the analysis pool.
pub fn nearest(state: &AppState, need: &Need) -> Vec<Nearest> {
    let Some(kind) = state.need_catalogue.get(&need.category) else {
        return Vec::new();
    };
    let (Some(analysis), Some(from)) = (state.coverage.analysis(), from_point(&need.geometry))
    else {
        return Vec::new();
    };
    kind.facilities
        .iter()
        .filter_map(|id| {
            let category = state.coverage.catalogue.category(id)?;
            let searched = search_m(category.threshold_m);
            let distance = nearest_m(&analysis, from, &analysis.sources(id), searched as f32)
                .map(|d| f64::from(d).round());
            Some(Nearest {
                facility: id.clone(),
                name_zh: category.name_zh.clone(),
                name_en: category.name_en.clone(),
                threshold_m: category.threshold_m,
                distance_m: distance,
                searched_m: searched,
                within: distance.is_some_and(|d| d <= category.threshold_m),
            })
        })
        .collect()
}

/// `needs` grouped by the facilities they sit too far from (a need may be in several groups),
/// largest group first.
pub fn gaps(needs: &[(i64, Vec<Nearest>)]) -> Vec<Gap> {
    let mut groups: BTreeMap<String, Gap> = BTreeMap::new();
    for (id, walks) in needs {
        for walk in walks.iter().filter(|w| !w.within) {
            groups
                .entry(walk.facility.clone())
                .or_insert_with(|| Gap {
                    facility: walk.facility.clone(),
                    name_zh: walk.name_zh.clone(),
                    name_en: walk.name_en.clone(),
                    threshold_m: walk.threshold_m,
                    needs: Vec::new(),
                })
                .needs
                .push(*id);
        }
    }
    let mut out: Vec<Gap> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.needs
            .len()
            .cmp(&a.needs.len())
            .then(a.facility.cmp(&b.facility))
    });
    out
}
