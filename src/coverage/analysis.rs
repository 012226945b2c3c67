//! The life-circle computations over one walking network: walking distance from every home to
//! its nearest facility of a category, coverage of a set of homes, what a candidate site would
//! add, a greedy choice of the best k candidates, and the homes reached from a point.
//!
//! Every search is one bounded multi-source Dijkstra ([`Search`]); a home's distance is the way
//! through either end of the segment it is snapped to (or straight along it, when the facility
//! sits on the same segment), plus both snap distances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use geo::{BoundingRect, Centroid, Contains, Geometry, InteriorPoint, MultiPolygon, Point};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::snap::{EdgeIndex, Snap};
use crate::network::graph::WalkGraph;
use crate::network::model::StoredHome;
use crate::network::search::Search;

/// A walking network ready for analysis: the graph, its segment index, and reusable search
/// buffers.
pub struct Network {
    /// The import it came from.
    pub source: String,
    /// The graph.
    pub graph: WalkGraph,
    /// Segments for snapping.
    pub index: EdgeIndex,
    searches: Mutex<Vec<Search>>,
}

impl Network {
    /// Indexes `graph`.
    pub fn new(source: String, graph: WalkGraph) -> Self {
        Self {
            index: EdgeIndex::new(&graph),
            source,
            graph,
            searches: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a search buffer, reusing one left by an earlier call when there is one.
    pub fn with_search<T>(&self, f: impl FnOnce(&mut Search) -> T) -> T {
        let taken = self
            .searches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let mut search = taken.unwrap_or_else(|| Search::new(self.graph.node_count()));
        let result = f(&mut search);
        self.searches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(search);
        result
    }
}

/// A facility as the analysis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Store id.
    pub id: i64,
    /// Catalogue category.
    pub category: String,
    /// Name, if known.
    pub name: Option<String>,
    /// Where it is.
    pub position: Point,
    /// Where it joins the network.
    pub snap: Option<Snap>,
}

/// A home as the analysis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Home {
    /// Store id.
    pub id: i64,
    /// Name, if known.
    pub name: Option<String>,
    /// Residents.
    pub population: f64,
    /// Whether `population` is an estimate.
    pub estimated: bool,
    /// Outline or point.
    pub shape: Geometry,
    /// The point that walks: a point inside the outline.
    pub centre: Point,
    /// Where it joins the network.
    pub snap: Option<Snap>,
}

/// The point of a home that walks: a point inside its outline (the centroid when that is
/// inside, as it is for most compounds).
pub fn walking_point(shape: &Geometry) -> Option<Point> {
    let centroid = shape.centroid()?;
    if shape.contains(&centroid) || matches!(shape, Geometry::Point(_)) {
        Some(centroid)
    } else {
        shape.interior_point()
    }
}

/// Every home, snapped, and indexed by the network nodes and segments they hang off.
pub struct HomeSet {
    /// The homes.
    pub homes: Vec<Home>,
    /// Homes on a segment touching each node.
    by_node: HashMap<u32, Vec<u32>>,
    /// Homes on each segment.
    by_edge: HashMap<(u32, u32), Vec<u32>>,
    /// Walking points, for finding the homes inside a unit.
    points: RTree<GeomWithData<[f64; 2], u32>>,
    /// Bounding boxes, for finding the homes in a map tile.
    boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    /// Shapes projected for tiles, made on the first tile asked for.
    prepared: std::sync::OnceLock<Vec<crate::tiles::shape::Prepared>>,
}

impl HomeSet {
    /// Snaps `inputs` to `network`; homes without a usable shape are left out.
    pub fn new(network: &Network, inputs: Vec<StoredHome>) -> Self {
        let mut homes = Vec::with_capacity(inputs.len());
        let mut by_node: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut by_edge: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut points = Vec::with_capacity(inputs.len());
        let mut boxes = Vec::with_capacity(inputs.len());
        for input in inputs {
            let Some(centre) = walking_point(&input.shape) else {
                continue;
            };
            let snap = network
                .index
                .snap(centre)
                .filter(|s| s.offset <= MAX_SNAP_M);
            let i = homes.len() as u32;
            if let Some(s) = &snap {
                by_node.entry(s.a).or_default().push(i);
                by_node.entry(s.b).or_default().push(i);
                by_edge.entry(s.edge()).or_default().push(i);
            }
            points.push(GeomWithData::new([centre.x(), centre.y()], i));
            if let Some(rect) = input.shape.bounding_rect() {
                boxes.push(GeomWithData::new(
                    Rectangle::from_corners(
                        [rect.min().x, rect.min().y],
                        [rect.max().x, rect.max().y],
                    ),
                    i,
                ));
            }
            homes.push(Home {
                id: input.id,
                name: input.name,
                population: input.population,
                estimated: input.estimated,
                shape: input.shape,
                centre,
                snap,
            });
        }
        Self {
            homes,
            by_node,
            by_edge,
            points: RTree::bulk_load(points),
            boxes: RTree::bulk_load(boxes),
            prepared: std::sync::OnceLock::new(),
        }
    }

    /// The homes whose outline's bounding box meets `rect` (lon/lat), in index order.
    pub fn touching(&self, rect: geo::Rect) -> Vec<u32> {
        let envelope =
            rstar::AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut found: Vec<u32> = self
            .boxes
            .locate_in_envelope_intersecting(&envelope)
            .map(|b| b.data)
            .collect();
        found.sort_unstable();
        found
    }

    /// Every home's shape projected for tiles.
    pub fn prepared(&self) -> &[crate::tiles::shape::Prepared] {
        self.prepared.get_or_init(|| {
            self.homes
                .iter()
                .map(|h| crate::tiles::shape::Prepared::new(&h.shape))
                .collect()
        })
    }

    /// The indices of `which` homes, or of every home when `None`.
    pub fn indices<'a>(&self, which: Option<&'a [u32]>) -> impl Iterator<Item = usize> + 'a {
        let all = if which.is_none() { self.homes.len() } else { 0 };
        which
            .unwrap_or(&[])
            .iter()
            .map(|&i| i as usize)
            .chain(0..all)
    }

    /// The homes whose walking point lies in `area` (indices into `homes`).
    pub fn within(&self, area: &MultiPolygon) -> Vec<u32> {
        let Some(rect) = area.bounding_rect() else {
            return Vec::new();
        };
        let envelope =
            rstar::AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut found: Vec<u32> = self
            .points
            .locate_in_envelope(&envelope)
            .filter(|p| area.contains(&Point::from(*p.geom())))
            .map(|p| p.data)
            .collect();
        found.sort_unstable();
        found
    }
}

/// Coverage of a set of homes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Homes counted.
    pub homes_total: usize,
    /// Of them, within the threshold.
    pub homes_covered: usize,
    /// Residents counted.
    pub population_total: f64,
    /// Of them, within the threshold.
    pub population_covered: f64,
    /// Residents whose number is an estimate.
    pub population_estimated: f64,
    /// Homes left out of the counts: further than [`MAX_SNAP_M`] from any street of the network
    /// (outside the area it covers).
    pub homes_off_network: usize,
}

/// Homes and facilities further than this from every street are off the network (outside the
/// area the imported network covers) and are left out rather than counted as unreachable.
pub const MAX_SNAP_M: f32 = 500.0;

/// Walking distances from every home to the nearest facility of one category, searched out to
/// `reach_m` (twice the threshold, so that the gaps can be banded by how far they miss).
#[derive(Debug, Clone, PartialEq)]
pub struct Distances {
    /// The threshold in metres.
    pub threshold_m: f32,
    /// How far the search went; homes further away have infinity.
    pub reach_m: f32,
    /// Per home (same order as [`HomeSet::homes`]).
    pub homes: Vec<f32>,
    /// Facilities that count (those snapped to the network).
    pub facilities: usize,
}

impl Distances {
    /// The coverage of `which` homes (all when `None`).
    pub fn summary(&self, set: &HomeSet, which: Option<&[u32]>) -> Summary {
        let mut s = Summary::default();
        for i in set.indices(which) {
            let home = &set.homes[i];
            if home.snap.is_none() {
                s.homes_off_network += 1;
                continue;
            }
            s.homes_total += 1;
            s.population_total += home.population;
            if home.estimated {
                s.population_estimated += home.population;
            }
            if self.homes[i] <= self.threshold_m {
                s.homes_covered += 1;
                s.population_covered += home.population;
            }
        }
        s
    }
}

/// The distance from `home` to the nearest of `sources` after a search from them.
fn home_distance(
    home: &Snap,
    search: &Search,
    same_segment: &HashMap<(u32, u32), Vec<Snap>>,
) -> f32 {
    let mut d = home.distance_via(search.get(home.a), search.get(home.b));
    if let Some(on_segment) = same_segment.get(&home.edge()) {
        for source in on_segment {
            if let Some(direct) = home.along_same_segment(source) {
                d = d.min(direct);
            }
        }
    }
    d
}

fn by_segment(sources: &[Snap]) -> HashMap<(u32, u32), Vec<Snap>> {
    let mut map: HashMap<(u32, u32), Vec<Snap>> = HashMap::new();
    for s in sources {
        map.entry(s.edge()).or_default().push(*s);
    }
    map
}

fn seeds(sources: &[Snap]) -> Vec<(u32, f32)> {
    sources.iter().flat_map(Snap::sources).collect()
}

/// Walking distance from every home to the nearest of `sources`, out to `reach_m`.
pub fn distances(
    network: &Network,
    set: &HomeSet,
    sources: &[Snap],
    threshold_m: f32,
    reach_m: f32,
) -> Distances {
    let same_segment = by_segment(sources);
    let homes = network.with_search(|search| {
        search.run(&network.graph, &seeds(sources), reach_m);
        set.homes
            .iter()
            .map(|home| match &home.snap {
                Some(snap) => {
                    let d = home_distance(snap, search, &same_segment);
                    if d <= reach_m { d } else { f32::INFINITY }
                }
                None => f32::INFINITY,
            })
            .collect()
    });
    Distances {
        threshold_m,
        reach_m,
        homes,
        facilities: sources.len(),
    }
}

/// The homes within `cutoff_m` of `sources` and their distances, found by a search that only
/// goes as far as the cutoff (the cost follows the area reached, not the city).
pub fn reached_homes(
    network: &Network,
    set: &HomeSet,
    sources: &[Snap],
    cutoff_m: f32,
) -> Vec<(u32, f32)> {
    network.with_search(|search| {
        search.run(&network.graph, &seeds(sources), cutoff_m);
        homes_reached(set, search, sources, cutoff_m)
    })
}

/// The homes within `cutoff_m` of `sources`, read from a search already run from them to that
/// cutoff: only the homes hanging off settled nodes, or on a source's own segment, are looked at.
pub fn homes_reached(
    set: &HomeSet,
    search: &Search,
    sources: &[Snap],
    cutoff_m: f32,
) -> Vec<(u32, f32)> {
    let same_segment = by_segment(sources);
    let mut candidates: Vec<u32> = search
        .settled()
        .iter()
        .filter_map(|n| set.by_node.get(n))
        .flatten()
        .copied()
        .collect();
    for source in sources {
        if let Some(on_segment) = set.by_edge.get(&source.edge()) {
            candidates.extend(on_segment);
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter_map(|i| {
            let snap = set.homes[i as usize].snap.as_ref()?;
            let d = home_distance(snap, search, &same_segment);
            (d <= cutoff_m).then_some((i, d))
        })
        .collect()
}

/// What one candidate site would add: the homes it brings within the threshold that are not
/// covered today.
pub fn newly_covered(
    network: &Network,
    set: &HomeSet,
    baseline: &Distances,
    candidate: &Snap,
) -> Vec<u32> {
    reached_homes(
        network,
        set,
        std::slice::from_ref(candidate),
        baseline.threshold_m,
    )
    .into_iter()
    .filter(|&(i, _)| baseline.homes[i as usize] > baseline.threshold_m)
    .map(|(i, _)| i)
    .collect()
}

/// One step of a greedy choice: the candidate taken and the residents it adds beyond those
/// already taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Index into the candidates.
    pub candidate: usize,
    /// Residents newly covered by this pick, given the earlier picks.
    pub population_added: f64,
    /// Homes newly covered by this pick, given the earlier picks.
    pub homes_added: usize,
}

/// Greedy maximal coverage: up to `k` candidates, each the one adding the most residents not yet
/// covered (today or by an earlier pick). Greedy is within 1 − 1/e of the best choice; it stops
/// early when no candidate adds anyone.
pub fn greedy(set: &HomeSet, gains: &[Vec<u32>], k: usize) -> Vec<Pick> {
    let mut taken = vec![false; gains.len()];
    let mut covered: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut picks = Vec::new();
    while picks.len() < k {
        let best = gains
            .iter()
            .enumerate()
            .filter(|(c, _)| !taken[*c])
            .map(|(c, homes)| {
                let fresh: Vec<u32> = homes
                    .iter()
                    .copied()
                    .filter(|h| !covered.contains(h))
                    .collect();
                let population: f64 = fresh
                    .iter()
                    .map(|&h| set.homes[h as usize].population)
                    .fold(0.0, |a, b| a + b); // an empty f64 `sum()` is -0.0
                (c, population, fresh)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((c, population, fresh)) = best else {
            break;
        };
        if fresh.is_empty() {
            break;
        }
        taken[c] = true;
        picks.push(Pick {
            candidate: c,
            population_added: population,
            homes_added: fresh.len(),
        });
        covered.extend(fresh);
    }
    picks
}

/// Everything the analysis needs, swapped as a whole when facilities change.
#[derive(Clone)]
pub struct Analysis {
    /// The network.
    pub network: Arc<Network>,
    /// The homes.
    pub homes: Arc<HomeSet>,
    /// The facilities, all categories.
    pub facilities: Arc<Vec<Facility>>,
}

impl Analysis {
    /// The snaps of a category's facilities.
    pub fn sources(&self, category: &str) -> Vec<Snap> {
        self.facilities
            .iter()
            .filter(|f| f.category == category)
            .filter_map(|f| f.snap)
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::coverage::snap::LocalFrame;

    pub(crate) const FRAME: [f64; 2] = [121.4, 31.25];

    /// A lon/lat point `m` metres east and north of the test frame's origin.
    pub(crate) fn at(m: [f64; 2]) -> Point {
        let p = LocalFrame::new(FRAME).to_lonlat(m);
        Point::new(p[0], p[1])
    }

    /// A 5 × 5 grid of 100 m blocks (nodes at 0, 100 … 400 m), numbered row by row.
    pub(crate) fn grid() -> Network {
        let frame = LocalFrame::new(FRAME);
        let coords = (0..25)
            .map(|i| frame.to_lonlat([f64::from(i % 5) * 100.0, f64::from(i / 5) * 100.0]))
            .collect();
        let mut segments = Vec::new();
        for i in 0..25u32 {
            if i % 5 < 4 {
                segments.push((i, i + 1, 100.0));
            }
            if i < 20 {
                segments.push((i, i + 5, 100.0));
            }
        }
        Network::new(
            "grid".into(),
            WalkGraph::from_segments(coords, (0..25).collect(), &segments),
        )
    }

    pub(crate) fn home(id: i64, m: [f64; 2], population: f64) -> StoredHome {
        StoredHome {
            id,
            name: None,
            population,
            estimated: false,
            shape: Geometry::Point(at(m)),
        }
    }

    fn snap(network: &Network, m: [f64; 2]) -> Snap {
        network.index.snap(at(m)).unwrap()
    }

    #[test]
    fn home_distances_on_a_grid_are_walked_around_blocks_with_both_snaps_added() {
        let net = grid();
        // A kindergarten at the corner (0, 0); homes set back 10 m from the streets.
        let homes = HomeSet::new(
            &net,
            vec![
                home(1, [50.0, 10.0], 100.0), // 10 m north of the street y=0, 50 m along
                home(2, [210.0, 150.0], 200.0), // 10 m east of x=200, 150 m up
                home(3, [390.0, 390.0], 300.0), // near the far corner: 800 m
            ],
        );
        let d = distances(&net, &homes, &[snap(&net, [0.0, 0.0])], 300.0, 600.0);
        let expect = [60.0, 360.0, 800.0];
        for (i, want) in expect.iter().enumerate() {
            if *want <= 600.0 {
                assert!((d.homes[i] - want).abs() < 0.5, "home {i}: {}", d.homes[i]);
            } else {
                assert_eq!(d.homes[i], f32::INFINITY, "home {i} is beyond the reach");
            }
        }
        let s = d.summary(&homes, None);
        assert_eq!((s.homes_total, s.homes_covered), (3, 1));
        assert_eq!((s.population_total, s.population_covered), (600.0, 100.0));
    }

    #[test]
    fn a_facility_on_the_home_street_is_reached_straight_along_it() {
        let net = grid();
        let homes = HomeSet::new(&net, vec![home(1, [140.0, 5.0], 10.0)]);
        // Both on the segment (100,0)–(200,0): 40 m and 80 m along; 5 m + 20 m in from it.
        let d = distances(&net, &homes, &[snap(&net, [180.0, -20.0])], 300.0, 300.0);
        assert!((d.homes[0] - 65.0).abs() < 0.5, "{}", d.homes[0]);
        let reached = reached_homes(&net, &homes, &[snap(&net, [180.0, -20.0])], 70.0);
        assert_eq!(reached.len(), 1);
    }

    #[test]
    fn a_candidate_adds_only_homes_not_covered_today_and_greedy_takes_the_biggest_gain_first() {
        let net = grid();
        let homes = HomeSet::new(
            &net,
            vec![
                home(1, [0.0, 10.0], 100.0),   // beside the existing facility
                home(2, [400.0, 10.0], 500.0), // far east
                home(3, [400.0, 390.0], 50.0), // far north-east
                home(4, [390.0, 400.0], 70.0), // far north-east too
            ],
        );
        let baseline = distances(&net, &homes, &[snap(&net, [0.0, 0.0])], 150.0, 300.0);
        assert_eq!(baseline.summary(&homes, None).homes_covered, 1);
        let candidates = [
            snap(&net, [0.0, 50.0]),    // next to home 1: adds nobody
            snap(&net, [400.0, 400.0]), // adds homes 3 and 4 (120 people)
            snap(&net, [400.0, 0.0]),   // adds home 2 (500 people)
            snap(&net, [400.0, 300.0]), // also reaches homes 3 and 4
        ];
        let gains: Vec<Vec<u32>> = candidates
            .iter()
            .map(|c| newly_covered(&net, &homes, &baseline, c))
            .collect();
        assert_eq!(gains, vec![vec![], vec![2, 3], vec![1], vec![2, 3]]);
        let picks = greedy(&homes, &gains, 3);
        let order: Vec<(usize, f64)> = picks
            .iter()
            .map(|p| (p.candidate, p.population_added))
            .collect();
        // Third pick: candidate 3 adds nothing once candidate 1 is taken, so greedy stops.
        assert_eq!(order, vec![(2, 500.0), (1, 120.0)]);
    }

    #[test]
    fn homes_within_an_area_are_found_by_their_walking_point() {
        let net = grid();
        let homes = HomeSet::new(
            &net,
            vec![home(1, [50.0, 50.0], 1.0), home(2, [350.0, 350.0], 1.0)],
        );
        let square = geo::Polygon::new(
            geo::LineString::from(vec![
                at([0.0, 0.0]),
                at([200.0, 0.0]),
                at([200.0, 200.0]),
                at([0.0, 200.0]),
                at([0.0, 0.0]),
            ]),
            vec![],
        );
        assert_eq!(homes.within(&MultiPolygon(vec![square])), vec![0]);
    }
}
