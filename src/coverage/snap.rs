//! Putting homes and facilities on the walking network: each is snapped to the nearest point of
//! the nearest street segment, and walks the snap distance (a straight line to the street)
//! before it walks along streets.
//!
//! Nearness is found in a local metric frame ([`LocalFrame`]: the ellipsoid's tangent plane at
//! the network's centre, within about 1e-5 of geodesic distances across a city at any latitude);
//! distances along a segment are fractions of its geodesic length.

use geo::Point;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::network::graph::WalkGraph;

pub use crate::spatial::frame::LocalFrame;

/// The point of segment `a`–`b` nearest to `p`, and how far along it lies (0 at `a`, 1 at `b`).
pub fn nearest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, [f64; 2]) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (t, [a[0] + t * d[0], a[1] + t * d[1]])
}

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The segment's ends, lower node index first.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// The segment's length in metres.
    pub length: f32,
    /// Metres along the segment from `a` to the snap point.
    pub along: f32,
    /// Metres from the point to the street (walked too).
    pub offset: f32,
}

impl Snap {
    /// The segment as an unordered key.
    pub fn edge(&self) -> (u32, u32) {
        (self.a, self.b)
    }

    /// Starting points for a search out of this point: each end of the segment, at the metres
    /// walked to reach it.
    pub fn sources(&self) -> [(u32, f32); 2] {
        [
            (self.a, self.offset + self.along),
            (self.b, self.offset + (self.length - self.along)),
        ]
    }

    /// The walking distance to this point, given the distances a search found to the segment's
    /// ends (infinity when neither end was reached).
    pub fn distance_via(&self, to_a: f32, to_b: f32) -> f32 {
        (to_a + self.along).min(to_b + (self.length - self.along)) + self.offset
    }

    /// The walking distance between two points snapped to the same segment, straight along it;
    /// `None` when they are on different segments (then the way runs through the ends).
    pub fn along_same_segment(&self, other: &Snap) -> Option<f32> {
        (self.edge() == other.edge())
            .then(|| (self.along - other.along).abs() + self.offset + other.offset)
    }
}

type EdgeItem = GeomWithData<Line<[f64; 2]>, (u32, u32, f32)>;

/// An R-tree of the network's street segments, for snapping.
pub struct EdgeIndex {
    frame: LocalFrame,
    tree: RTree<EdgeItem>,
}

impl EdgeIndex {
    /// Indexes every segment of `graph` once (the CSR stores each in both directions).
    pub fn new(graph: &WalkGraph) -> Self {
        let frame = LocalFrame::around(&graph.coords);
        let projected: Vec<[f64; 2]> = graph.coords.iter().map(|c| frame.to_metres(*c)).collect();
        let mut items = Vec::with_capacity(graph.edge_count() / 2);
        for a in 0..graph.node_count() as u32 {
            for (b, length) in graph.edges(a) {
                if a < b {
                    items.push(GeomWithData::new(
                        Line::new(projected[a as usize], projected[b as usize]),
                        (a, b, length),
                    ));
                }
            }
        }
        Self {
            frame,
            tree: RTree::bulk_load(items),
        }
    }

    /// The frame the index works in.
    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }

    /// The nearest point of the network to `point`, or `None` for an empty network.
    pub fn snap(&self, point: Point) -> Option<Snap> {
        let p = self.frame.to_metres([point.x(), point.y()]);
        let item = self.tree.nearest_neighbor(&p)?;
        let line = item.geom();
        let (t, on) = nearest_on_segment(p, line.from, line.to);
        let offset = ((p[0] - on[0]).powi(2) + (p[1] - on[1]).powi(2)).sqrt();
        let (a, b, length) = item.data;
        Some(Snap {
            a,
            b,
            length,
            along: (t as f32) * length,
            offset: offset as f32,
        })
    }

    /// The point `metres` along the segment `a`→`b` of `graph`, in the local frame.
    pub fn point_along(&self, graph: &WalkGraph, a: u32, b: u32, fraction: f64) -> [f64; 2] {
        let pa = self.frame.to_metres(graph.coords[a as usize]);
        let pb = self.frame.to_metres(graph.coords[b as usize]);
        [
            pa[0] + (pb[0] - pa[0]) * fraction,
            pa[1] + (pb[1] - pa[1]) * fraction,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One straight east–west street of two 100 m segments at 31.25° N.
    fn street() -> WalkGraph {
        let frame = LocalFrame::new([121.4, 31.25]);
        let coords = [[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]]
            .map(|m| frame.to_lonlat(m))
            .to_vec();
        WalkGraph::from_segments(coords, vec![1, 2, 3], &[(0, 1, 100.0), (1, 2, 100.0)])
    }

    #[test]
    fn a_point_beside_a_street_snaps_square_to_it_and_walks_the_offset() {
        let g = street();
        let index = EdgeIndex::new(&g);
        let p = LocalFrame::new([121.4, 31.25]).to_lonlat([130.0, 25.0]);
        let snap = index.snap(Point::new(p[0], p[1])).unwrap();
        assert_eq!(snap.edge(), (1, 2));
        assert!((snap.along - 30.0).abs() < 0.1, "{snap:?}");
        assert!((snap.offset - 25.0).abs() < 0.1, "{snap:?}");
        // From node 0: 100 m to node 1, 30 m along, 25 m in.
        assert!((snap.distance_via(100.0, 200.0) - 155.0).abs() < 0.2);
        assert_eq!(snap.sources()[1].0, 2);
        assert!((snap.sources()[1].1 - 95.0).abs() < 0.2);
    }

    #[test]
    fn two_points_on_one_segment_walk_straight_along_it() {
        let g = street();
        let index = EdgeIndex::new(&g);
        let at = |m: [f64; 2]| {
            let p = LocalFrame::new([121.4, 31.25]).to_lonlat(m);
            index.snap(Point::new(p[0], p[1])).unwrap()
        };
        let (home, shop) = (at([20.0, 10.0]), at([70.0, -5.0]));
        assert!((home.along_same_segment(&shop).unwrap() - 65.0).abs() < 0.2);
        assert_eq!(home.along_same_segment(&at([150.0, 0.0])), None);
    }
}
