//! Isochrones (等时圈): the area reachable on foot from a point within a time, built from the
//! reached network itself (every street walked, up to the point where the time runs out along
//! it), widened by a band on each side, as network analysts' "service areas" are, and traced as
//! one contour ([`within_band`]). Not a circle: a river or a rail line without a crossing bounds
//! it.

use geo::{Area, Coord, MapCoords, MultiPolygon, Point};

use super::analysis::{HomeSet, Network, homes_reached};
use super::contour::{Segment, within_band};
use super::snap::Snap;
use crate::network::search::Search;

/// The band on each side of a reached street counted as reached, in metres (the building
/// frontage; ArcGIS's service areas trim at 100 m, which overstates in dense Shanghai blocks).
pub const DEFAULT_BAND_M: f64 = 50.0;

/// An isochrone and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Isochrone {
    /// The reachable area, lon/lat.
    pub area: MultiPolygon,
    /// Its area in m².
    pub area_m2: f64,
    /// Residents of the homes reached within the distance.
    pub population: f64,
    /// Of them, estimated.
    pub population_estimated: f64,
    /// Homes reached.
    pub homes: usize,
    /// Network nodes reached.
    pub nodes: usize,
    /// Metres from the point to the street it joins.
    pub snap_m: f64,
}

/// Why no isochrone could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum NoIsochrone {
    /// The network is empty.
    NoNetwork,
    /// The point is further from any street than the walk.
    TooFar {
        /// Metres to the nearest street.
        snap_m: f64,
    },
}

/// The area reachable from `from` within `distance_m` of walking.
pub fn isochrone(
    network: &Network,
    homes: &HomeSet,
    from: Point,
    distance_m: f64,
    band_m: f64,
) -> Result<Isochrone, NoIsochrone> {
    let snap = network.index.snap(from).ok_or(NoIsochrone::NoNetwork)?;
    let budget = distance_m as f32 - snap.offset;
    if budget < 0.0 {
        return Err(NoIsochrone::TooFar {
            snap_m: f64::from(snap.offset),
        });
    }
    // One search gives both the streets walked and the homes reached.
    let cutoff = distance_m as f32;
    let (lines, nodes, reached) = network.with_search(|search| {
        search.run(&network.graph, &snap.sources(), cutoff);
        (
            reached_lines(network, search, &snap, from, cutoff),
            search.settled().len(),
            homes_reached(homes, search, &[snap], cutoff),
        )
    });
    let frame = network.index.frame();
    // Cells of half the band: the contour of a distance field is exact along straight streets
    // and within 1 % of the area at the round ends.
    let buffered = within_band(&lines, band_m, (band_m / 2.0).max(1.0));
    // Planar area in the network's local frame (within 0.1 % of geodesic across a city).
    let area_m2 = buffered.unsigned_area();
    let area = MultiPolygon(
        buffered
            .0
            .into_iter()
            .map(|polygon| {
                polygon.map_coords(|c: Coord| {
                    let [x, y] = frame.to_lonlat([c.x, c.y]);
                    Coord { x, y }
                })
            })
            .collect(),
    );
    let mut population = 0.0;
    let mut estimated = 0.0;
    for (i, _) in &reached {
        let home = &homes.homes[*i as usize];
        population += home.population;
        if home.estimated {
            estimated += home.population;
        }
    }
    Ok(Isochrone {
        area_m2,
        area,
        population,
        population_estimated: estimated,
        homes: reached.len(),
        nodes,
        snap_m: f64::from(snap.offset),
    })
}

/// The reached pieces of street in the network's local frame (metres), from a search already run
/// out of `snap` to `cutoff`.
fn reached_lines(
    network: &Network,
    search: &Search,
    snap: &Snap,
    from: Point,
    cutoff: f32,
) -> Vec<Segment> {
    let graph = &network.graph;
    let index = &network.index;
    let frame = index.frame();
    let mut lines = Vec::new();
    let piece = |a: u32, b: u32, from_t: f64, to_t: f64| {
        let p = index.point_along(graph, a, b, from_t);
        let q = index.point_along(graph, a, b, to_t);
        [p[0], p[1], q[0], q[1]]
    };
    // The walk from the point to the street, and along the street it joins, both ways.
    let budget = cutoff - snap.offset;
    let start = frame.to_metres([from.x(), from.y()]);
    let length = f64::from(snap.length.max(f32::EPSILON));
    let at = f64::from(snap.along) / length;
    let on = index.point_along(graph, snap.a, snap.b, at);
    lines.push([start[0], start[1], on[0], on[1]]);
    let towards_a = f64::from(budget.min(snap.along)) / length;
    let towards_b = f64::from(budget.min(snap.length - snap.along)) / length;
    lines.push(piece(
        snap.a,
        snap.b,
        at - towards_a,
        (at + towards_b).min(1.0),
    ));
    for &u in search.settled() {
        let here = search.get(u);
        for (v, metres) in graph.edges(u) {
            let reach = (cutoff - here).min(metres);
            if reach <= 0.0 {
                continue;
            }
            let whole = reach >= metres;
            // A street reached whole from both ends is drawn once, from its lower end.
            if whole && search.get(v) + metres <= cutoff && v < u {
                continue;
            }
            lines.push(piece(
                u,
                v,
                0.0,
                f64::from(reach / metres.max(f32::EPSILON)),
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::analysis::tests::{at, grid, home};
    use crate::coverage::snap::LocalFrame;
    use crate::network::graph::WalkGraph;

    /// One straight street 1 km long, east–west, in 100 m segments.
    fn street() -> Network {
        let frame = LocalFrame::new(crate::coverage::analysis::tests::FRAME);
        let coords = (0..11)
            .map(|i| frame.to_lonlat([f64::from(i) * 100.0, 0.0]))
            .collect();
        let segments: Vec<(u32, u32, f32)> = (0..10).map(|i| (i, i + 1, 100.0)).collect();
        Network::new(
            "street".into(),
            WalkGraph::from_segments(coords, (0..11).collect(), &segments),
        )
    }

    #[test]
    fn an_isochrone_on_one_street_is_the_walked_stretch_widened_by_the_band() {
        let net = street();
        let homes = HomeSet::new(
            &net,
            vec![home(1, [300.0, 20.0], 40.0), home(2, [900.0, 20.0], 60.0)],
        );
        // From the middle, 300 m each way: a 600 m stretch, 50 m each side, round ends.
        let iso = isochrone(&net, &homes, at([500.0, 0.0]), 300.0, 50.0).unwrap();
        let expected = 600.0 * 100.0 + std::f64::consts::PI * 50.0 * 50.0;
        assert!(
            (iso.area_m2 - expected).abs() / expected < 0.01,
            "{} m² vs {expected} m²",
            iso.area_m2
        );
        assert_eq!(iso.area.0.len(), 1, "one piece");
        // Home 1 is 200 + 20 m away; home 2 is 400 + 20 m away.
        assert_eq!((iso.homes, iso.population), (1, 40.0));
    }

    #[test]
    fn an_isochrone_on_a_grid_follows_the_streets_and_is_not_a_circle() {
        let net = grid();
        let homes = HomeSet::new(&net, vec![]);
        // From the centre (200, 200), 100 m: a plus sign of arms 100 m long, 2 × 20 m wide.
        let iso = isochrone(&net, &homes, at([200.0, 200.0]), 100.0, 20.0).unwrap();
        // Two bars of 200 × 40 m crossing in a 40 × 40 square, and four half-disc ends.
        let expected =
            2.0 * 200.0 * 40.0 - 40.0 * 40.0 + 4.0 * std::f64::consts::PI * 20.0 * 20.0 / 2.0;
        assert!(
            (iso.area_m2 - expected).abs() / expected < 0.01,
            "{} m² vs {expected} m²",
            iso.area_m2
        );
        assert_eq!(iso.nodes, 5, "the centre and its four neighbours");
        // 50 m more: every street out of the four neighbours is walked 50 m too (12 stubs).
        let further = isochrone(&net, &homes, at([200.0, 200.0]), 150.0, 20.0).unwrap();
        assert!(further.area_m2 > expected + 12.0 * 30.0 * 40.0);
        let circle = std::f64::consts::PI * 170.0 * 170.0;
        assert!(further.area_m2 < circle / 2.0, "{}", further.area_m2);
    }

    /// The same 1 km street laid east–west at latitude `lat` (longitude 24.94, Helsinki's).
    fn street_at(lat: f64) -> (Network, LocalFrame) {
        let frame = LocalFrame::new([24.94, lat]);
        let coords = (0..11)
            .map(|i| frame.to_lonlat([f64::from(i) * 100.0, 0.0]))
            .collect();
        let segments: Vec<(u32, u32, f32)> = (0..10).map(|i| (i, i + 1, 100.0)).collect();
        let net = Network::new(
            format!("street at {lat}°"),
            WalkGraph::from_segments(coords, (0..11).collect(), &segments),
        );
        (net, frame)
    }

    #[test]
    fn isochrone_areas_and_snap_distances_agree_with_geodesics_within_a_thousandth_at_0_31_and_60_degrees()
     {
        use geo::{Destination, Distance, Geodesic, GeodesicArea};
        for lat in [0.0, 31.23, 60.17] {
            let (net, frame) = street_at(lat);
            let homes = HomeSet::new(&net, vec![]);
            // A start 40 m north of the street's middle, placed by a geodesic.
            let middle = frame.to_lonlat([500.0, 0.0]);
            let from = Geodesic.destination(Point::new(middle[0], middle[1]), 0.0, 40.0);
            let iso = isochrone(&net, &homes, from, 300.0, 50.0).unwrap();
            let geodesic_area = iso.area.geodesic_area_unsigned();
            let off = (iso.area_m2 - geodesic_area).abs() / geodesic_area;
            assert!(
                off < 1e-3,
                "{lat}°: {} m² reported, {geodesic_area} m² on the ellipsoid ({off:.5})",
                iso.area_m2
            );
            let snapped = Geodesic.distance(from, Point::new(middle[0], middle[1]));
            let off = (iso.snap_m - snapped).abs() / snapped;
            assert!(
                off < 1e-3,
                "{lat}°: snapped {} m, the geodesic says {snapped} m",
                iso.snap_m
            );
        }
    }

    #[test]
    fn a_point_further_from_any_street_than_the_walk_gets_no_isochrone() {
        let net = street();
        let homes = HomeSet::new(&net, vec![]);
        let err = isochrone(&net, &homes, at([500.0, 400.0]), 300.0, 50.0).unwrap_err();
        assert!(
            matches!(err, NoIsochrone::TooFar { snap_m } if (snap_m - 400.0).abs() < 1.0),
            "{err:?}"
        );
    }
}
