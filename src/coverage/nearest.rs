//! The walking distance from one place to the nearest facility of a category: what a
//! resident's need shows ("the nearest elderly day care is 740 m away on foot"), and what the
//! moderation queue groups needs by (a life-circle gap).

use geo::{Geometry, Point};

use super::analysis::{Analysis, walking_point};
use super::snap::Snap;

/// Metres along the street network from `from` to the nearest of `targets`, searched out to
/// `cutoff_m`; `None` when none is that close (or the place is off the network).
pub fn nearest_m(analysis: &Analysis, from: Point, targets: &[Snap], cutoff_m: f32) -> Option<f32> {
    if targets.is_empty() {
        return None;
    }
    let network = &analysis.network;
    let start = network.index.snap(from)?;
    if start.offset > cutoff_m {
        return None;
    }
    let best = network.with_search(|search| {
        search.run(&network.graph, &start.sources(), cutoff_m);
        targets
            .iter()
            .map(|t| {
                let through = t.distance_via(search.get(t.a), search.get(t.b));
                // Both on one street segment: straight along it, not round by its ends.
                t.along_same_segment(&start)
                    .map_or(through, |d| d.min(through))
            })
            .fold(f32::INFINITY, f32::min)
    });
    (best <= cutoff_m).then_some(best)
}

/// The point a need of shape `shape` walks from (a point inside an area, the middle of a line).
pub fn from_point(shape: &Geometry) -> Option<Point> {
    match shape {
        Geometry::LineString(l) => {
            use geo::{Euclidean, InterpolateLine};
            Euclidean.point_at_ratio_from_start(l, 0.5)
        }
        other => walking_point(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::analysis::tests::{at, grid};
    use crate::coverage::analysis::{Analysis, HomeSet};
    use std::sync::Arc;

    fn analysis() -> Analysis {
        let network = grid();
        let homes = HomeSet::new(&network, vec![]);
        Analysis {
            network: Arc::new(network),
            homes: Arc::new(homes),
            facilities: Arc::new(vec![]),
        }
    }

    #[test]
    fn the_nearest_facility_is_found_along_the_streets_not_across_a_block() {
        let a = analysis();
        // A facility at the grid's far corner (400, 400): 800 m by the streets from (0, 0).
        let far = a.network.index.snap(at([400.0, 400.0])).unwrap();
        let d = nearest_m(&a, at([0.0, 0.0]), &[far], 2_000.0).unwrap();
        assert!((d - 800.0).abs() < 2.0, "{d}");
        // Within a cutoff shorter than the walk, nothing is near.
        assert_eq!(nearest_m(&a, at([0.0, 0.0]), &[far], 500.0), None);
        // Two on one segment: straight along it.
        let near = a.network.index.snap(at([60.0, 0.0])).unwrap();
        let d = nearest_m(&a, at([10.0, 0.0]), &[far, near], 2_000.0).unwrap();
        assert!((d - 50.0).abs() < 2.0, "{d}");
    }
}
