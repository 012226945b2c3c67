//! Geometry prepared for tiling: projected once to world coordinates when it enters the catalog,
//! then clipped to the buffered tile, quantised to the tile grid and simplified per tile.

use geo::{Geometry, LineString, Polygon};

use super::math::{BUFFER, EXTENT, TileId, world_x, world_y};
use super::mvt::{GeomType, GeometryWriter};

type World = [f64; 2];

/// A geometry in world coordinates (Web Mercator on the unit square).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One or more points.
    Points(Vec<World>),
    /// One or more lines.
    Lines(Vec<Vec<World>>),
    /// One or more polygons, each exterior ring first (closing point dropped).
    Polygons(Vec<Vec<Vec<World>>>),
}

/// A shape and its world bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The shape.
    pub shape: Shape,
    /// `[min_x, min_y, max_x, max_y]` in world coordinates.
    pub bbox: [f64; 4],
}

fn project(line: &LineString) -> Vec<World> {
    line.0
        .iter()
        .map(|c| [world_x(c.x), world_y(c.y)])
        .collect()
}

fn rings(p: &Polygon) -> Vec<Vec<World>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| {
            let mut ring = project(r);
            if ring.len() > 1 && ring.first() == ring.last() {
                ring.pop();
            }
            ring
        })
        .collect()
}

impl Prepared {
    /// Projects a WGS84 geometry. Geometry collections and other rare kinds become empty.
    pub fn new(g: &Geometry) -> Self {
        let shape = match g {
            Geometry::Point(p) => Shape::Points(vec![[world_x(p.x()), world_y(p.y())]]),
            Geometry::MultiPoint(m) => Shape::Points(
                m.0.iter()
                    .map(|p| [world_x(p.x()), world_y(p.y())])
                    .collect(),
            ),
            Geometry::LineString(l) => Shape::Lines(vec![project(l)]),
            Geometry::MultiLineString(m) => Shape::Lines(m.0.iter().map(project).collect()),
            Geometry::Polygon(p) => Shape::Polygons(vec![rings(p)]),
            Geometry::MultiPolygon(m) => Shape::Polygons(m.0.iter().map(rings).collect()),
            _ => Shape::Points(Vec::new()),
        };
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut grow = |p: &World| {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        };
        match &shape {
            Shape::Points(ps) => ps.iter().for_each(&mut grow),
            Shape::Lines(ls) => ls.iter().flatten().for_each(&mut grow),
            Shape::Polygons(ps) => ps
                .iter()
                .flat_map(|p| p.first())
                .flatten()
                .for_each(&mut grow),
        }
        Self { shape, bbox }
    }

    /// Writes the shape's part inside the buffered tile into `out`; returns its MVT type, or
    /// `None` when nothing of it is left in this tile.
    pub fn encode(
        &self,
        tile: TileId,
        out: &mut GeometryWriter,
        scratch: &mut Scratch,
    ) -> Option<GeomType> {
        out.clear();
        let frame = Frame::new(tile);
        let (lo, hi) = (-f64::from(BUFFER), f64::from(EXTENT + BUFFER));
        // Most sites are one point: no box, no scratch.
        if let Shape::Points(points) = &self.shape
            && let [p] = points.as_slice()
        {
            let (x, y) = frame.grid(*p);
            if !(GRID.contains(&x) && GRID.contains(&y)) {
                return None;
            }
            out.points(&[(x, y)]);
            return Some(GeomType::Point);
        }
        let [x0, y0] = frame.apply([self.bbox[0], self.bbox[1]]);
        let [x1, y1] = frame.apply([self.bbox[2], self.bbox[3]]);
        if x1 < lo || y1 < lo || x0 > hi || y0 > hi {
            return None;
        }
        let inside = x0 >= lo && y0 >= lo && x1 <= hi && y1 <= hi;
        let tolerance = if tile.z < 12 { 8 } else { 2 };
        match &self.shape {
            Shape::Points(points) => {
                scratch.points.clear();
                for p in points {
                    let (x, y) = frame.grid(*p);
                    if GRID.contains(&x) && GRID.contains(&y) {
                        scratch.points.push((x, y));
                    }
                }
                out.points(&scratch.points);
                (!out.is_empty()).then_some(GeomType::Point)
            }
            Shape::Lines(lines) => {
                for line in lines {
                    scratch.parts.clear();
                    clip_line(line, &frame, inside, &mut scratch.parts);
                    for part in &mut scratch.parts {
                        simplify(part, tolerance, false);
                        if part.len() >= 2 {
                            out.line(part);
                        }
                    }
                }
                (!out.is_empty()).then_some(GeomType::LineString)
            }
            Shape::Polygons(polygons) => {
                for polygon in polygons {
                    for (i, ring) in polygon.iter().enumerate() {
                        let exterior = i == 0;
                        let Some(ring) =
                            clip_ring(ring, &frame, inside, tolerance, exterior, &mut scratch.ring)
                        else {
                            if exterior {
                                break; // nothing of this polygon is left, holes included
                            }
                            continue;
                        };
                        // MVT 2.1 §4.3.4.4: exterior rings have positive area in tile coordinates
                        // (clockwise with y down), interior rings negative.
                        if (signed_area(ring) > 0) != exterior {
                            ring.reverse();
                        }
                        out.ring(ring);
                    }
                }
                (!out.is_empty()).then_some(GeomType::Polygon)
            }
        }
    }
}

/// Buffers reused from feature to feature.
#[derive(Default)]
pub struct Scratch {
    points: Vec<(i32, i32)>,
    parts: Vec<Vec<(i32, i32)>>,
    ring: Vec<(i32, i32)>,
}

/// World → tile coordinates for one tile.
struct Frame {
    scale: f64,
    dx: f64,
    dy: f64,
}

impl Frame {
    fn new(tile: TileId) -> Self {
        let extent = f64::from(EXTENT);
        Self {
            scale: tile.scale() * extent,
            dx: f64::from(tile.x) * extent,
            dy: f64::from(tile.y) * extent,
        }
    }

    fn apply(&self, p: World) -> [f64; 2] {
        [p[0] * self.scale - self.dx, p[1] * self.scale - self.dy]
    }

    /// The grid point nearest to `p`.
    fn grid(&self, p: World) -> (i32, i32) {
        let [x, y] = self.apply(p);
        (grid(x), grid(y))
    }
}

/// Grid coordinates a point may take and stay in the buffered tile. A point is in the tile if
/// its position *rounded to the grid* is, as PostGIS's `ST_AsMVTGeom` decides it.
const GRID: std::ops::RangeInclusive<i32> = -BUFFER..=EXTENT + BUFFER;

/// Rounds a tile coordinate (always within a few tile widths of the tile) to the grid without a
/// libm call: shifted positive, truncated, shifted back.
#[inline]
fn grid(v: f64) -> i32 {
    (v + 65_536.5) as i32 - 65_536
}

fn push_dedup(out: &mut Vec<(i32, i32)>, p: [f64; 2]) {
    let q = (grid(p[0]), grid(p[1]));
    if out.last() != Some(&q) {
        out.push(q);
    }
}

/// Clips a line to the buffered tile (Liang–Barsky per segment), quantised; one part per
/// stretch inside.
fn clip_line(line: &[World], frame: &Frame, inside: bool, parts: &mut Vec<Vec<(i32, i32)>>) {
    let mut current: Vec<(i32, i32)> = Vec::new();
    if inside {
        line.iter()
            .for_each(|p| push_dedup(&mut current, frame.apply(*p)));
        parts.push(current);
        return;
    }
    let (lo, hi) = (-f64::from(BUFFER), f64::from(EXTENT + BUFFER));
    for pair in line.windows(2) {
        let (a, b) = (frame.apply(pair[0]), frame.apply(pair[1]));
        match liang_barsky(a, b, lo, hi) {
            Some((t0, t1)) => {
                let at = |t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                if t0 > 0.0 && !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                push_dedup(&mut current, at(t0));
                push_dedup(&mut current, at(t1));
                if t1 < 1.0 {
                    parts.push(std::mem::take(&mut current));
                }
            }
            None if !current.is_empty() => parts.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
}

/// The parameter range of segment a→b inside the square `lo..=hi`, if any.
fn liang_barsky(a: [f64; 2], b: [f64; 2], lo: f64, hi: f64) -> Option<(f64, f64)> {
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let d = [b[0] - a[0], b[1] - a[1]];
    for axis in 0..2 {
        for (p, q) in [(-d[axis], a[axis] - lo), (d[axis], hi - a[axis])] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
    }
    (t0 <= t1).then_some((t0, t1))
}

/// Clips a ring to the buffered tile (Sutherland–Hodgman), quantised and simplified; `None`
/// when fewer than three points or no area are left.
fn clip_ring<'s>(
    ring: &[World],
    frame: &Frame,
    inside: bool,
    tolerance: i64,
    exterior: bool,
    out: &'s mut Vec<(i32, i32)>,
) -> Option<&'s mut Vec<(i32, i32)>> {
    out.clear();
    if inside {
        ring.iter().for_each(|p| push_dedup(out, frame.apply(*p)));
    } else {
        let (lo, hi) = (-f64::from(BUFFER), f64::from(EXTENT + BUFFER));
        let mut points: Vec<[f64; 2]> = ring.iter().map(|p| frame.apply(*p)).collect();
        let mut next = Vec::with_capacity(points.len() + 4);
        // Each edge of the square: axis, bound, whether "inside" is below the bound.
        for (axis, bound, below) in [(0, lo, false), (0, hi, true), (1, lo, false), (1, hi, true)] {
            next.clear();
            let keep = |p: &[f64; 2]| {
                if below {
                    p[axis] <= bound
                } else {
                    p[axis] >= bound
                }
            };
            for i in 0..points.len() {
                let (a, b) = (points[i], points[(i + 1) % points.len()]);
                let (ka, kb) = (keep(&a), keep(&b));
                if ka {
                    next.push(a);
                }
                if ka != kb {
                    let t = (bound - a[axis]) / (b[axis] - a[axis]);
                    next.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
                }
            }
            std::mem::swap(&mut points, &mut next);
            if points.is_empty() {
                return None;
            }
        }
        points.iter().for_each(|p| push_dedup(out, *p));
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    simplify(out, tolerance, true);
    if out.len() >= 3 && signed_area(out) != 0 {
        return Some(out);
    }
    // A polygon smaller than the grid at this zoom would vanish; it stays, as the smallest
    // square the grid draws, so the site is still there on an overview (a hole just goes).
    let &(x, y) = out.first().filter(|_| exterior)?;
    *out = vec![(x, y), (x + TINY, y), (x + TINY, y + TINY), (x, y + TINY)];
    Some(out)
}

/// Side, in tile units, of the square a too-small polygon is drawn as.
const TINY: i32 = 2;

/// Twice the signed area, positive when clockwise in tile coordinates (y down).
fn signed_area(ring: &[(i32, i32)]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
        })
        .sum()
}

/// Douglas–Peucker on the tile grid: drops points closer than `tolerance` units to the line
/// through their neighbours (a ring keeps its first point).
fn simplify(points: &mut Vec<(i32, i32)>, tolerance: i64, ring: bool) {
    let n = points.len();
    if n <= 4 {
        return;
    }
    let mut keep = vec![false; n];
    let last = if ring { n } else { n - 1 };
    keep[0] = true;
    keep[last % n] = true;
    let mut stack = vec![(0usize, last)];
    let point = |i: usize| points[i % n];
    while let Some((first, end)) = stack.pop() {
        let (a, b) = (point(first), point(end));
        let (dx, dy) = (i64::from(b.0 - a.0), i64::from(b.1 - a.1));
        let length_sq = dx * dx + dy * dy;
        let mut farthest = (0i128, 0usize);
        for i in first + 1..end {
            let p = point(i);
            let (px, py) = (i64::from(p.0 - a.0), i64::from(p.1 - a.1));
            // Squared distance × length², kept in integers.
            let d = if length_sq == 0 {
                i128::from(px * px + py * py)
            } else {
                let cross = i128::from(dx * py - dy * px);
                cross * cross / i128::from(length_sq)
            };
            if d > farthest.0 {
                farthest = (d, i);
            }
        }
        if farthest.0 > i128::from(tolerance * tolerance) {
            keep[farthest.1] = true;
            stack.push((first, farthest.1));
            stack.push((farthest.1, end));
        }
    }
    let mut i = 0;
    points.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon};

    fn tile() -> TileId {
        TileId::new(14, 13718, 6694).unwrap()
    }

    #[test]
    fn a_line_through_the_tile_is_cut_at_the_buffer() {
        let [x0, y0, x1, y1] = tile().world_box(0);
        let mid = (y0 + y1) / 2.0;
        let g: Geometry = line_string![(x: super::super::math::lon(x0 - 0.5 * (x1 - x0)), y: super::super::math::lat(mid)), (x: super::super::math::lon(x1 + 0.5 * (x1 - x0)), y: super::super::math::lat(mid))].into();
        let mut out = GeometryWriter::default();
        let kind = Prepared::new(&g).encode(tile(), &mut out, &mut Scratch::default());
        assert_eq!(kind, Some(GeomType::LineString));
        let mut scratch = Vec::new();
        clip_line(
            &Prepared::new(&g).shape_lines()[0],
            &Frame::new(tile()),
            false,
            &mut scratch,
        );
        assert_eq!(scratch.len(), 1);
        assert_eq!(scratch[0].first().unwrap().0, -BUFFER);
        assert_eq!(scratch[0].last().unwrap().0, EXTENT + BUFFER);
    }

    #[test]
    fn a_polygon_larger_than_the_tile_becomes_the_buffered_square_wound_clockwise() {
        let g: Geometry = polygon![(x: 121.0, y: 31.0), (x: 122.0, y: 31.0), (x: 122.0, y: 32.0), (x: 121.0, y: 32.0)].into();
        let prepared = Prepared::new(&g);
        let Shape::Polygons(p) = &prepared.shape else {
            panic!()
        };
        let mut ring = Vec::new();
        let clipped = clip_ring(&p[0][0], &Frame::new(tile()), false, 2, true, &mut ring).unwrap();
        let mut corners = clipped.clone();
        corners.sort();
        assert_eq!(
            corners,
            [(-64, -64), (-64, 4160), (4160, -64), (4160, 4160)]
        );
        let mut out = GeometryWriter::default();
        assert_eq!(
            prepared.encode(tile(), &mut out, &mut Scratch::default()),
            Some(GeomType::Polygon)
        );
    }

    #[test]
    fn a_far_away_point_is_not_in_the_tile() {
        let g: Geometry = geo::Point::new(0.0, 0.0).into();
        let mut out = GeometryWriter::default();
        assert_eq!(
            Prepared::new(&g).encode(tile(), &mut out, &mut Scratch::default()),
            None
        );
    }

    #[test]
    fn grid_rounding_matches_round_half_up_across_the_buffer() {
        for v in [-64.0, -63.5, -0.5, -0.49, 0.0, 0.5, 1.49, 4095.5, 4160.0] {
            assert_eq!(grid(v), (v + 0.5_f64).floor() as i32, "{v}");
        }
    }

    #[test]
    fn a_polygon_smaller_than_the_grid_stays_as_a_tiny_square() {
        // A 20 m hexagon at z10 is about two grid units across: simplified away, yet kept.
        let g: Geometry = polygon![(x: 121.4300, y: 31.2400), (x: 121.4301, y: 31.24005), (x: 121.4301, y: 31.24015),
            (x: 121.4300, y: 31.2402), (x: 121.4299, y: 31.24015), (x: 121.4299, y: 31.24005)].into();
        let z10 = TileId::new(10, 857, 418).unwrap();
        let mut out = GeometryWriter::default();
        assert_eq!(
            Prepared::new(&g).encode(z10, &mut out, &mut Scratch::default()),
            Some(GeomType::Polygon)
        );
    }

    #[test]
    fn douglas_peucker_drops_collinear_points_and_keeps_corners() {
        let mut line = vec![(0, 0), (1, 0), (2, 0), (3, 0), (10, 0), (10, 10)];
        simplify(&mut line, 1, false);
        assert_eq!(line, [(0, 0), (10, 0), (10, 10)]);
    }

    impl Prepared {
        fn shape_lines(&self) -> Vec<Vec<World>> {
            match &self.shape {
                Shape::Lines(l) => l.clone(),
                _ => Vec::new(),
            }
        }
    }
}
