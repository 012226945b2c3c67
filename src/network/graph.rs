//! The walking network as a compressed sparse row (CSR) graph: for node `n`, its neighbours are
//! `targets[offsets[n]..offsets[n + 1]]` at `lengths` metres. Streets are walked both ways, so
//! each street segment is stored in both directions.

use std::collections::HashMap;

use geo::{Distance, Geodesic, Point};

use super::osm::OsmData;
use super::walk::{WalkRules, walk_decision};

/// The walking network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WalkGraph {
    /// Longitude, latitude of each node.
    pub coords: Vec<[f64; 2]>,
    /// The OSM id of each node.
    pub osm_ids: Vec<i64>,
    /// Where each node's edges start in `targets` (one more entry than nodes).
    pub offsets: Vec<u32>,
    /// Edge ends.
    pub targets: Vec<u32>,
    /// Edge lengths in metres (geodesic, WGS84 ellipsoid).
    pub lengths: Vec<f32>,
}

impl WalkGraph {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.coords.len()
    }

    /// Number of directed edges (twice the street segments).
    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// The edges leaving `node`: (neighbour, metres).
    pub fn edges(&self, node: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let (start, end) = (
            self.offsets[node as usize] as usize,
            self.offsets[node as usize + 1] as usize,
        );
        self.targets[start..end]
            .iter()
            .copied()
            .zip(self.lengths[start..end].iter().copied())
    }

    /// Builds the CSR arrays from undirected segments between dense node indices.
    pub fn from_segments(
        coords: Vec<[f64; 2]>,
        osm_ids: Vec<i64>,
        segments: &[(u32, u32, f32)],
    ) -> Self {
        let n = coords.len();
        let mut degree = vec![0u32; n + 1];
        for &(a, b, _) in segments {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut total = 0u32;
        for d in &degree[..n] {
            offsets.push(total);
            total += d;
        }
        offsets.push(total);
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; total as usize];
        let mut lengths = vec![0f32; total as usize];
        for &(a, b, length) in segments {
            for (from, to) in [(a, b), (b, a)] {
                let slot = fill[from as usize] as usize;
                targets[slot] = to;
                lengths[slot] = length;
                fill[from as usize] += 1;
            }
        }
        Self {
            coords,
            osm_ids,
            offsets,
            targets,
            lengths,
        }
    }
}

/// What building the network found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildReport {
    /// Ways read in all.
    pub ways: usize,
    /// Ways kept as walkable.
    pub walkable_ways: usize,
    /// Nodes and street segments of the kept (largest) component.
    pub nodes: usize,
    /// Street segments (each stored in both directions).
    pub segments: usize,
    /// Total length of the kept streets in km.
    pub length_km: f64,
    /// Node counts of the components left out, largest first.
    pub dropped_components: Vec<usize>,
    /// Way nodes missing from the file (ways clipped at the extract's edge).
    pub missing_nodes: usize,
    /// Ways a chosen walking rule walked or left out, by rule.
    pub by_rule: std::collections::BTreeMap<&'static str, usize>,
}

/// Smallest union-find, for connected components.
struct Components(Vec<u32>);

impl Components {
    fn find(&mut self, mut a: u32) -> u32 {
        while self.0[a as usize] != a {
            let parent = self.0[self.0[a as usize] as usize];
            self.0[a as usize] = parent;
            a = parent;
        }
        a
    }

    fn join(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// Builds the walking network from the walkable ways of `osm`, keeping its largest connected
/// component (islands such as a footway inside a gated compound cannot be reached from the
/// street and would count as "uncovered" forever; they are reported instead).
pub fn build_walk_graph(osm: &OsmData) -> (WalkGraph, BuildReport) {
    build_walk_graph_with(osm, &WalkRules::default())
}

/// [`build_walk_graph`] under chosen walking rules ([`WalkRules`]).
pub fn build_walk_graph_with(osm: &OsmData, rules: &WalkRules) -> (WalkGraph, BuildReport) {
    let mut report = BuildReport {
        ways: osm.ways.len(),
        ..BuildReport::default()
    };
    let mut index: HashMap<i64, u32> = HashMap::new();
    let mut ids: Vec<i64> = Vec::new();
    let mut segments: Vec<(u32, u32, f32)> = Vec::new();
    let mut dense = |id: i64, ids: &mut Vec<i64>| {
        *index.entry(id).or_insert_with(|| {
            ids.push(id);
            (ids.len() - 1) as u32
        })
    };
    let mut squares: Vec<&super::osm::Way> = Vec::new();
    let mut ways_at: HashMap<i64, u32> = HashMap::new();
    for way in &osm.ways {
        let (walked, rule) = walk_decision(|k| way.tag(k), rules);
        if let Some(rule) = rule {
            *report.by_rule.entry(rule).or_default() += 1;
        }
        if !walked {
            continue;
        }
        report.walkable_ways += 1;
        if rules.across_squares && is_square(way) {
            squares.push(way);
        }
        let mut distinct = way.nodes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for id in distinct {
            *ways_at.entry(id).or_default() += 1;
        }
        let mut previous: Option<(u32, [f64; 2])> = None;
        for id in &way.nodes {
            let Some(&position) = osm.positions.get(id) else {
                report.missing_nodes += 1;
                previous = None;
                continue;
            };
            let node = dense(*id, &mut ids);
            if let Some((from, at)) = previous
                && from != node
            {
                let metres = Geodesic.distance(Point::from(at), Point::from(position));
                segments.push((from, node, metres as f32));
            }
            previous = Some((node, position));
        }
    }
    // Squares walked across: a straight line between every two of its entrances (nodes another
    // walked way shares) that stays inside it.
    for square in squares {
        let ring: Vec<[f64; 2]> = square
            .nodes
            .iter()
            .filter_map(|id| osm.positions.get(id).copied())
            .collect();
        if ring.len() < 4 || ring.len() != square.nodes.len() {
            continue;
        }
        let area = geo::Polygon::new(ring.iter().map(|p| (p[0], p[1])).collect(), vec![]);
        let mut entrances: Vec<i64> = square
            .nodes
            .iter()
            .copied()
            .filter(|id| ways_at.get(id).is_some_and(|n| *n > 1))
            .collect();
        entrances.sort_unstable();
        entrances.dedup();
        let mut crossed = false;
        for (i, a) in entrances.iter().enumerate() {
            for b in &entrances[i + 1..] {
                let (pa, pb) = (osm.positions[a], osm.positions[b]);
                let line = geo::Line::new((pa[0], pa[1]), (pb[0], pb[1]));
                if geo::Contains::contains(&area, &line) {
                    let metres = Geodesic.distance(Point::from(pa), Point::from(pb));
                    segments.push((dense(*a, &mut ids), dense(*b, &mut ids), metres as f32));
                    crossed = true;
                }
            }
        }
        if crossed {
            *report.by_rule.entry("across_squares").or_default() += 1;
        }
    }
    // Components, then keep the largest.
    let n = ids.len() as u32;
    let mut components = Components((0..n).collect());
    for &(a, b, _) in &segments {
        components.join(a, b);
    }
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for node in 0..n {
        *sizes.entry(components.find(node)).or_default() += 1;
    }
    let largest = sizes
        .iter()
        .max_by_key(|(root, size)| (**size, std::cmp::Reverse(**root)))
        .map(|(root, _)| *root);
    let mut dropped: Vec<usize> = sizes
        .iter()
        .filter(|(root, _)| Some(**root) != largest)
        .map(|(_, s)| *s)
        .collect();
    dropped.sort_unstable_by(|a, b| b.cmp(a));
    report.dropped_components = dropped;
    let mut remap = vec![u32::MAX; n as usize];
    let mut coords = Vec::new();
    let mut osm_ids = Vec::new();
    for node in 0..n {
        if Some(components.find(node)) == largest {
            remap[node as usize] = coords.len() as u32;
            coords.push(osm.positions[&ids[node as usize]]);
            osm_ids.push(ids[node as usize]);
        }
    }
    // A node pair two ways share (a footway drawn over a street, a way split and drawn twice) is
    // one segment: counted and walked once, at its shorter length.
    let mut kept: Vec<(u32, u32, f32)> = segments
        .iter()
        .filter(|(a, _, _)| remap[*a as usize] != u32::MAX)
        .map(|&(a, b, l)| {
            let (a, b) = (remap[a as usize], remap[b as usize]);
            (a.min(b), a.max(b), l)
        })
        .collect();
    kept.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    kept.dedup_by_key(|&mut (a, b, _)| (a, b));
    report.nodes = coords.len();
    report.segments = kept.len();
    report.length_km = kept.iter().map(|(_, _, l)| f64::from(*l)).sum::<f64>() / 1000.0;
    (WalkGraph::from_segments(coords, osm_ids, &kept), report)
}

/// A pedestrian area: a closed pedestrian street or footway tagged `area=yes`.
fn is_square(way: &super::osm::Way) -> bool {
    way.nodes.len() >= 4
        && way.nodes.first() == way.nodes.last()
        && way.tag("area") == Some("yes")
        && matches!(way.tag("highway"), Some("pedestrian" | "footway"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::osm::read_osm_xml;

    #[test]
    fn a_square_is_walked_round_its_edge_by_default_and_straight_across_when_chosen() {
        // A square about 95 × 111 m (corners 1-2-3-4), a footway arriving at corner 1 from the
        // south-west (5-1) and one leaving corner 3 to the north-east (3-6).
        let xml = r#"<osm>
          <node id="1" lat="31.2500" lon="121.4000"/><node id="2" lat="31.2500" lon="121.4010"/>
          <node id="3" lat="31.2510" lon="121.4010"/><node id="4" lat="31.2510" lon="121.4000"/>
          <node id="5" lat="31.2495" lon="121.3995"/><node id="6" lat="31.2515" lon="121.4015"/>
          <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
            <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
          <way id="2"><nd ref="5"/><nd ref="1"/><tag k="highway" v="footway"/></way>
          <way id="3"><nd ref="3"/><nd ref="6"/><tag k="highway" v="footway"/></way>
        </osm>"#;
        let osm = read_osm_xml(xml.as_bytes(), |_| {}).unwrap();
        let corner_to_corner = |rules: &WalkRules| {
            let (graph, report) = build_walk_graph_with(&osm, rules);
            let at = |id: i64| graph.osm_ids.iter().position(|o| *o == id).unwrap() as u32;
            let direct = graph
                .edges(at(1))
                .find(|(to, _)| *to == at(3))
                .map(|(_, metres)| metres);
            (direct, report.by_rule.get("across_squares").copied())
        };
        assert_eq!(
            corner_to_corner(&WalkRules::default()),
            (None, None),
            "round the edge"
        );
        let chosen = WalkRules::choosing(&["across_squares".into()]).unwrap();
        let (direct, squares) = corner_to_corner(&chosen);
        let diagonal =
            Geodesic.distance(Point::new(121.4000, 31.2500), Point::new(121.4010, 31.2510));
        assert!(
            (f64::from(direct.unwrap()) - diagonal).abs() < 0.01,
            "{direct:?} vs {diagonal}"
        );
        assert_eq!(squares, Some(1));
    }

    #[test]
    fn a_node_pair_two_ways_share_is_one_segment_counted_once_in_the_length() {
        // A street 1-2-3 and a footway drawn over its first half, 2-1.
        let xml = r#"<osm>
          <node id="1" lat="31.25" lon="121.40"/><node id="2" lat="31.25" lon="121.401"/>
          <node id="3" lat="31.25" lon="121.402"/>
          <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
          <way id="2"><nd ref="2"/><nd ref="1"/><tag k="highway" v="footway"/></way>
        </osm>"#;
        let (graph, report) = build_walk_graph(&read_osm_xml(xml.as_bytes(), |_| {}).unwrap());
        assert_eq!((report.walkable_ways, report.segments), (2, 2));
        assert!(
            (report.length_km - 0.1904).abs() < 0.001,
            "{}",
            report.length_km
        );
        assert_eq!(graph.edges(0).count(), 1, "one edge 1–2, not two");
    }

    #[test]
    fn the_largest_component_is_kept_and_islands_and_motorways_are_reported_or_left_out() {
        // A street 1-2-3, a motorway 3-4, and a separate footway island 5-6.
        let xml = r#"<osm>
          <node id="1" lat="31.25" lon="121.40"/><node id="2" lat="31.25" lon="121.401"/>
          <node id="3" lat="31.25" lon="121.402"/><node id="4" lat="31.25" lon="121.403"/>
          <node id="5" lat="31.26" lon="121.40"/><node id="6" lat="31.26" lon="121.401"/>
          <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
          <way id="2"><nd ref="3"/><nd ref="4"/><tag k="highway" v="motorway"/></way>
          <way id="3"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>
        </osm>"#;
        let (graph, report) = build_walk_graph(&read_osm_xml(xml.as_bytes(), |_| {}).unwrap());
        assert_eq!(
            (report.walkable_ways, report.nodes, report.segments),
            (2, 3, 2)
        );
        assert_eq!(report.dropped_components, vec![2]);
        assert_eq!(graph.osm_ids, vec![1, 2, 3]);
        // One-way streets are walked both ways; 0.001° of longitude at 31.25°N is about 95 m.
        let back: Vec<(u32, f32)> = graph.edges(1).collect();
        assert_eq!(back.len(), 2);
        assert!(back.iter().all(|(_, m)| (m - 95.2).abs() < 0.5), "{back:?}");
    }
}
