use super::*;
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Line, coord};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn ring(pts: &[(f64, f64)]) -> LineString {
    LineString::from(pts.to_vec())
}
fn poly(ext: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Polygon {
    Polygon::new(ring(ext), holes.iter().map(|h| ring(h)).collect())
}
fn kind(p: &Polygon) -> Option<FaultKind> {
    check_polygon(p).err().map(|f| f.kind)
}
fn multi_kind(ps: Vec<Polygon>) -> Option<FaultKind> {
    check_multi_polygon(&MultiPolygon(ps)).err().map(|f| f.kind)
}

const SQUARE: &[(f64, f64)] = &[(0., 0.), (10., 0.), (10., 10.), (0., 10.)];

// ---- known cases -------------------------------------------------------------------

#[test]
fn a_square_is_valid() {
    assert_eq!(kind(&poly(SQUARE, &[])), None);
}

#[test]
fn an_empty_polygon_is_valid() {
    assert_eq!(kind(&Polygon::new(LineString::new(vec![]), vec![])), None);
}

#[test]
fn a_bow_tie_is_a_self_intersection() {
    let p = poly(&[(0., 0.), (2., 2.), (2., 0.), (0., 2.)], &[]);
    let f = check_polygon(&p).unwrap_err();
    assert_eq!((f.kind, f.ring), (FaultKind::SelfIntersection, 0));
    assert_eq!(f.at, Some(coord! { x: 1., y: 1. }));
}

#[test]
fn a_spike_back_along_an_edge_is_a_self_intersection() {
    let p = poly(
        &[(0., 0.), (4., 0.), (4., 4.), (4., 6.), (4., 5.), (0., 4.)],
        &[],
    );
    assert_eq!(kind(&p), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_vertex_touching_a_non_adjacent_edge_is_a_self_intersection() {
    // (2, 0) lies on the edge (0, 0)-(4, 0).
    let p = poly(&[(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.)], &[]);
    assert_eq!(kind(&p), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_ring_through_the_same_vertex_twice_is_a_self_intersection() {
    let p = poly(
        &[(0., 0.), (2., 2.), (4., 0.), (4., 4.), (2., 2.), (0., 4.)],
        &[],
    );
    assert_eq!(kind(&p), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_collinear_ring_has_zero_area() {
    assert_eq!(
        kind(&poly(&[(0., 0.), (1., 0.), (2., 0.)], &[])),
        Some(FaultKind::ZeroArea)
    );
}

#[test]
fn a_ring_with_two_distinct_points_has_too_few_points() {
    assert_eq!(
        kind(&poly(&[(0., 0.), (1., 1.), (1., 1.)], &[])),
        Some(FaultKind::TooFewPoints)
    );
    assert_eq!(
        kind(&poly(&[(0., 0.), (1., 1.), (0., 0.), (1., 1.)], &[])),
        Some(FaultKind::TooFewPoints)
    );
}

#[test]
fn repeated_consecutive_points_are_allowed() {
    let p = poly(
        &[
            (0., 0.),
            (0., 0.),
            (10., 0.),
            (10., 0.),
            (10., 10.),
            (0., 10.),
            (0., 10.),
        ],
        &[],
    );
    assert_eq!(kind(&p), None);
}

#[test]
fn a_hole_inside_the_shell_is_valid() {
    assert_eq!(
        kind(&poly(SQUARE, &[&[(2., 2.), (4., 2.), (4., 4.), (2., 4.)]])),
        None
    );
}

#[test]
fn a_hole_touching_the_shell_at_one_point_is_valid() {
    assert_eq!(
        kind(&poly(SQUARE, &[&[(0., 5.), (4., 2.), (4., 8.)]])),
        None
    );
    // touching at a shell vertex
    assert_eq!(
        kind(&poly(SQUARE, &[&[(0., 0.), (4., 2.), (2., 4.)]])),
        None
    );
}

#[test]
fn a_hole_sharing_a_segment_with_the_shell_is_rings_cross() {
    let f = check_polygon(&poly(SQUARE, &[&[(0., 2.), (4., 2.), (4., 4.), (0., 4.)]])).unwrap_err();
    assert_eq!((f.ring, f.kind), (1, FaultKind::RingsCross { other: 0 }));
}

#[test]
fn a_hole_crossing_the_shell_is_rings_cross() {
    let p = poly(SQUARE, &[&[(5., 5.), (15., 5.), (15., 6.), (5., 6.)]]);
    assert_eq!(kind(&p), Some(FaultKind::RingsCross { other: 0 }));
}

#[test]
fn a_hole_crossing_the_shell_at_a_shared_vertex_is_rings_cross() {
    // The hole's vertex sits on the shell's edge and its edges leave to both sides.
    let p = poly(SQUARE, &[&[(0., 5.), (4., 2.), (-2., 3.)]]);
    assert_eq!(kind(&p), Some(FaultKind::RingsCross { other: 0 }));
}

#[test]
fn a_hole_crossing_the_shell_only_at_two_of_its_vertices_is_rings_cross() {
    // (0, 2) and (4, 2) lie on the shell's edges; no two edges cross properly.
    let shell = [(0., 0.), (4., 0.), (4., 4.), (0., 4.)];
    let p = poly(
        &shell,
        &[&[(0., 2.), (2., 3.), (4., 2.), (5., 5.), (-1., 5.)]],
    );
    assert_eq!(kind(&p), Some(FaultKind::RingsCross { other: 0 }));
}

#[test]
fn a_hole_crossing_the_shell_at_vertices_whose_edges_both_lead_left_is_rings_cross() {
    // Nothing starts at (6, 6) or (3, 7), so only locating them on the diamond's edges finds
    // the touches; the hole's leftmost vertex is inside, so nesting alone would accept it.
    let diamond = [(4., 0.), (8., 4.), (4., 8.), (0., 4.)];
    let hole = [
        (6., 6.),
        (5., 5.),
        (2., 5.),
        (3., 7.),
        (2., 8.),
        (4., 9.),
        (5., 8.),
    ];
    assert_eq!(
        kind(&poly(&diamond, &[&hole])),
        Some(FaultKind::RingsCross { other: 0 })
    );
}

#[test]
fn a_hole_shaped_like_a_c_around_its_leftmost_vertex_is_valid() {
    // Concave, with its lower arm under its leftmost vertex further right; and outside.
    let c = [
        (2., 6.),
        (8., 6.),
        (8., 5.),
        (3., 5.),
        (3., 3.),
        (8., 3.),
        (8., 2.),
        (2.5, 2.),
    ];
    assert_eq!(kind(&poly(SQUARE, &[&c])), None);
    let c2: Vec<(f64, f64)> = c.iter().map(|&(x, y)| (x + 20., y)).collect();
    assert_eq!(
        kind(&poly(SQUARE, &[&c2])),
        Some(FaultKind::HoleOutsideShell)
    );
}

#[test]
fn a_flower_of_holes_touching_at_one_point_is_valid() {
    let petals: Vec<Vec<(f64, f64)>> = (0..8)
        .map(|i| {
            let a = |k: f64| ((i as f64 + k) * std::f64::consts::TAU / 8.).sin_cos();
            let ((s0, c0), (s1, c1)) = (a(0.1), a(0.9));
            vec![
                (5., 5.),
                (5. + 4. * c0, 5. + 4. * s0),
                (5. + 4. * c1, 5. + 4. * s1),
            ]
        })
        .collect();
    let hs: Vec<&[(f64, f64)]> = petals.iter().map(|h| h.as_slice()).collect();
    assert_eq!(kind(&poly(SQUARE, &hs)), None);
    // one more petal overlapping two others at the centre only is still caught
    let mut more = petals.clone();
    let ((s0, c0), (s1, c1)) = ((0.5f64).sin_cos(), (1.2f64).sin_cos());
    more.push(vec![
        (5., 5.),
        (5. + 0.5 * c0, 5. + 0.5 * s0),
        (5. + 0.5 * c1, 5. + 0.5 * s1),
    ]);
    let hs: Vec<&[(f64, f64)]> = more.iter().map(|h| h.as_slice()).collect();
    assert!(kind(&poly(SQUARE, &hs)).is_some());
}

#[test]
fn a_hole_outside_the_shell_is_reported() {
    let f = check_polygon(&poly(SQUARE, &[&[(20., 2.), (24., 2.), (24., 4.)]])).unwrap_err();
    assert_eq!((f.ring, f.kind), (1, FaultKind::HoleOutsideShell));
}

#[test]
fn a_hole_outside_the_shell_touching_it_is_reported() {
    let p = poly(SQUARE, &[&[(10., 5.), (14., 2.), (14., 8.)]]);
    assert_eq!(kind(&p), Some(FaultKind::HoleOutsideShell));
}

#[test]
fn a_hole_around_the_shell_is_reported() {
    let p = poly(&[(2., 2.), (4., 2.), (4., 4.)], &[SQUARE]);
    assert_eq!(kind(&p), Some(FaultKind::HoleOutsideShell));
}

#[test]
fn nested_holes_are_reported() {
    let p = poly(
        SQUARE,
        &[
            &[(1., 1.), (9., 1.), (9., 9.), (1., 9.)],
            &[(2., 2.), (4., 2.), (4., 4.)],
        ],
    );
    let f = check_polygon(&p).unwrap_err();
    assert_eq!(
        (f.ring, f.kind),
        (2, FaultKind::HoleInsideHole { other: 1 })
    );
}

#[test]
fn two_holes_touching_at_a_point_are_valid() {
    let p = poly(
        SQUARE,
        &[
            &[(2., 2.), (5., 5.), (2., 5.)],
            &[(5., 5.), (8., 8.), (8., 5.)],
        ],
    );
    assert_eq!(kind(&p), None);
}

#[test]
fn a_hole_touching_another_holes_edge_from_inside_is_nested() {
    let p = poly(
        SQUARE,
        &[
            &[(1., 1.), (9., 1.), (9., 9.)],
            &[(5., 1.), (6., 2.), (5., 2.)],
        ],
    );
    assert_eq!(kind(&p), Some(FaultKind::HoleInsideHole { other: 1 }));
}

#[test]
fn disjoint_polygons_are_a_valid_multipolygon() {
    let b: Vec<(f64, f64)> = SQUARE.iter().map(|&(x, y)| (x + 20., y)).collect();
    assert_eq!(multi_kind(vec![poly(SQUARE, &[]), poly(&b, &[])]), None);
}

#[test]
fn polygons_touching_at_a_point_are_a_valid_multipolygon() {
    let b = [(10., 10.), (20., 10.), (20., 20.), (10., 20.)];
    assert_eq!(multi_kind(vec![poly(SQUARE, &[]), poly(&b, &[])]), None);
}

#[test]
fn polygons_sharing_an_edge_overlap() {
    let b = [(10., 0.), (20., 0.), (20., 10.), (10., 10.)];
    let f = check_multi_polygon(&MultiPolygon(vec![poly(SQUARE, &[]), poly(&b, &[])])).unwrap_err();
    assert_eq!(
        (f.polygon, f.kind),
        (1, FaultKind::PolygonsOverlap { other: 0 })
    );
}

#[test]
fn a_polygon_inside_another_overlaps() {
    let b = [(2., 2.), (4., 2.), (4., 4.)];
    let f = check_multi_polygon(&MultiPolygon(vec![poly(SQUARE, &[]), poly(&b, &[])])).unwrap_err();
    assert_eq!(
        (f.polygon, f.kind),
        (1, FaultKind::PolygonsOverlap { other: 0 })
    );
    // and the other way round
    assert_eq!(
        multi_kind(vec![poly(&b, &[]), poly(SQUARE, &[])]),
        Some(FaultKind::PolygonsOverlap { other: 1 })
    );
}

#[test]
fn a_polygon_inside_another_polygons_hole_is_valid() {
    let outer = poly(SQUARE, &[&[(1., 1.), (9., 1.), (9., 9.), (1., 9.)]]);
    let inner = poly(&[(2., 2.), (4., 2.), (4., 4.)], &[]);
    assert_eq!(multi_kind(vec![outer.clone(), inner.clone()]), None);
    // touching the hole from inside is still fine
    assert_eq!(
        multi_kind(vec![outer, poly(&[(1., 1.), (4., 2.), (4., 4.)], &[])]),
        None
    );
}

#[test]
fn a_polygon_around_a_polygon_with_its_hole_overlaps() {
    let a = poly(
        &[(2., 2.), (8., 2.), (8., 8.), (2., 8.)],
        &[&[(4., 4.), (6., 4.), (6., 6.)]],
    );
    let b = poly(&[(3., 3.), (7., 3.), (7., 7.), (3., 7.)], &[]);
    assert!(multi_kind(vec![a, b]).is_some());
}

#[test]
fn a_fault_inside_one_polygon_of_a_multipolygon_names_that_polygon() {
    let b = [(20., 0.), (22., 2.), (22., 0.), (20., 2.)];
    let f = check_multi_polygon(&MultiPolygon(vec![poly(SQUARE, &[]), poly(&b, &[])])).unwrap_err();
    assert_eq!(
        (f.polygon, f.ring, f.kind),
        (1, 0, FaultKind::SelfIntersection)
    );
}

#[test]
fn vertical_and_horizontal_segments_are_handled() {
    // A staircase made only of axis-parallel segments, with a hole on a shared x.
    let stairs = [
        (0., 0.),
        (6., 0.),
        (6., 2.),
        (4., 2.),
        (4., 4.),
        (2., 4.),
        (2., 6.),
        (0., 6.),
    ];
    assert_eq!(
        kind(&poly(&stairs, &[&[(1., 1.), (2., 1.), (2., 3.), (1., 3.)]])),
        None
    );
    // the vertical hole edge x=4 touching the shell's vertical edge x=4 along a line
    let p = poly(&stairs, &[&[(3., 2.5), (4., 2.5), (4., 3.5), (3., 3.5)]]);
    assert_eq!(kind(&p), Some(FaultKind::RingsCross { other: 0 }));
    // a vertical spike
    assert_eq!(
        kind(&poly(
            &[
                (0., 0.),
                (4., 0.),
                (4., 4.),
                (2., 4.),
                (2., 7.),
                (2., 4.),
                (0., 4.)
            ],
            &[]
        )),
        Some(FaultKind::SelfIntersection)
    );
}

#[test]
fn duplicate_points_at_the_same_x_are_handled() {
    // Many vertices on x = 0 and x = 5 in both rings; one hole vertex on the shell edge.
    let ext = [
        (0., 0.),
        (5., 0.),
        (5., 3.),
        (5., 6.),
        (5., 9.),
        (0., 9.),
        (0., 6.),
        (0., 3.),
    ];
    assert_eq!(
        kind(&poly(&ext, &[&[(0., 3.), (2., 4.), (0., 6.)]])),
        Some(FaultKind::RingsCross { other: 0 })
    );
    assert_eq!(kind(&poly(&ext, &[&[(0., 3.), (2., 4.), (1., 6.)]])), None);
    assert_eq!(kind(&poly(&ext, &[&[(5., 3.), (3., 4.), (4., 6.)]])), None);
    assert_eq!(kind(&poly(&ext, &[&[(5., 4.5), (3., 4.), (3., 5.)]])), None);
    // a vertical hole edge lying on the shell's vertical edge shares a segment
    assert_eq!(
        kind(&poly(&ext, &[&[(5., 3.), (3., 4.), (5., 5.)]])),
        Some(FaultKind::RingsCross { other: 0 })
    );
}

#[test]
fn negative_zero_is_the_same_position_as_zero() {
    let shell = [(0., 0.), (10., 0.), (10., 10.), (-0., 10.), (-0., 5.)];
    assert_eq!(
        kind(&poly(&shell, &[&[(0., 5.), (4., 2.), (4., 8.)]])),
        None
    );
    let twice = [(0., 0.), (4., 0.), (-0., 0.), (2., 3.)]; // back to (0, 0) as (-0, 0)
    assert_eq!(kind(&poly(&twice, &[])), Some(FaultKind::SelfIntersection));
}

#[test]
fn faults_read_as_english() {
    let p = poly(SQUARE, &[&[(5., 5.), (15., 5.), (15., 6.), (5., 6.)]]);
    let f = check_polygon(&p).unwrap_err();
    assert_eq!(f.kind.to_string(), "ring crosses ring 0");
    assert_eq!(
        f.to_string(),
        "polygon 0: interior ring 1 crosses ring 0 near (10, 5)"
    );
    assert_eq!(
        FaultKind::SelfIntersection.to_string(),
        "ring intersects itself"
    );
}

// ---- brute-force reference ---------------------------------------------------------

/// Consecutive repeats and the closing repeat removed.
fn clean(ls: &LineString) -> Vec<Coord> {
    let mut v: Vec<Coord> = Vec::new();
    for &c in &ls.0 {
        if v.last() != Some(&c) {
            v.push(c);
        }
    }
    if v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

fn inside(p: Coord, r: &[Coord]) -> bool {
    let mut c = false;
    for i in 0..r.len() {
        let (a, b) = (r[i], r[(i + 1) % r.len()]);
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            c = !c;
        }
    }
    c
}

/// All pairs of segments, geo's `line_intersection`, then sides of sample points: each
/// ring cut at every touch point, one sample in the middle of each piece, tested against
/// every other ring by ray crossing. Small inputs only.
fn reference_valid(polys: &[Polygon]) -> bool {
    let mut rings: Vec<(usize, usize, Vec<Coord>)> = Vec::new();
    for (i, p) in polys.iter().enumerate() {
        for (r, ls) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            let v = clean(ls);
            let cross = |a: Coord, b: Coord, c: Coord| {
                (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
            };
            if v.len() < 3 || v.iter().all(|&c| cross(v[0], v[1], c) == 0.0) {
                return false;
            }
            rings.push((i, r, v));
        }
    }
    let segs: Vec<(usize, usize)> = rings
        .iter()
        .enumerate()
        .flat_map(|(k, r)| (0..r.2.len()).map(move |j| (k, j)))
        .collect();
    let line = |(k, j): (usize, usize)| {
        let r = &rings[k].2;
        Line::new(r[j], r[(j + 1) % r.len()])
    };
    let mut cuts: Vec<Vec<Coord>> = vec![Vec::new(); segs.len()];
    for a in 0..segs.len() {
        for b in a + 1..segs.len() {
            let (sa, sb) = (segs[a], segs[b]);
            match line_intersection(line(sa), line(sb)) {
                None => {}
                Some(LineIntersection::Collinear { .. }) => return false,
                Some(LineIntersection::SinglePoint {
                    intersection: x,
                    is_proper,
                }) => {
                    if sa.0 == sb.0 {
                        let m = rings[sa.0].2.len();
                        let shared = if sb.1 == sa.1 + 1 {
                            Some(line(sb).start)
                        } else if sa.1 == 0 && sb.1 == m - 1 {
                            Some(line(sa).start)
                        } else {
                            None
                        };
                        if shared != Some(x) {
                            return false;
                        }
                    } else if is_proper {
                        return false;
                    } else {
                        cuts[a].push(x);
                        cuts[b].push(x);
                    }
                }
            }
        }
    }
    // samples[k]: midpoints of the pieces of ring k between touch points.
    let mut samples: Vec<Vec<Coord>> = vec![Vec::new(); rings.len()];
    for (s, &(k, _)) in segs.iter().enumerate() {
        let l = line(segs[s]);
        let mut pts = vec![l.start, l.end];
        pts.extend(&cuts[s]);
        let d = |c: &Coord| (c.x - l.start.x).abs() + (c.y - l.start.y).abs();
        pts.sort_by(|a, b| d(a).total_cmp(&d(b)));
        pts.dedup();
        for w in pts.windows(2) {
            samples[k].push(coord! { x: (w[0].x + w[1].x) / 2., y: (w[0].y + w[1].y) / 2. });
        }
    }
    let n = rings.len();
    let mut ins = vec![vec![false; n]; n];
    for x in 0..n {
        for y in 0..n {
            if x == y {
                continue;
            }
            let sides: Vec<bool> = samples[x].iter().map(|&p| inside(p, &rings[y].2)).collect();
            if sides.iter().any(|&s| s != sides[0]) {
                return false; // x crosses y at a touch point
            }
            ins[x][y] = sides[0];
        }
    }
    let rr = &rings;
    let of = |p: usize| (0..n).filter(move |&k| rr[k].0 == p);
    for p in 0..polys.len() {
        let shell = of(p).find(|&k| rings[k].1 == 0).unwrap();
        for h in of(p).filter(|&k| k != shell) {
            if !ins[h][shell] || of(p).any(|o| o != shell && o != h && ins[h][o]) {
                return false;
            }
        }
        for q in 0..polys.len() {
            let sq = of(q).find(|&k| rings[k].1 == 0).unwrap();
            if q != p && ins[sq][shell] && !of(p).any(|h| h != shell && ins[sq][h]) {
                return false;
            }
        }
    }
    true
}

// ---- random comparison -------------------------------------------------------------

fn random_ring(rng: &mut StdRng, n: usize, grid: i32, dx: i32, dy: i32) -> Vec<(f64, f64)> {
    (0..n)
        .map(|_| {
            (
                (rng.gen_range(0..=grid) + dx) as f64,
                (rng.gen_range(0..=grid) + dy) as f64,
            )
        })
        .collect()
}

/// Star-shaped around (cx, cy), rounded to the grid: mostly simple, often degenerate.
fn star_ring(
    rng: &mut StdRng,
    n: usize,
    cx: f64,
    cy: f64,
    rmin: f64,
    rmax: f64,
) -> Vec<(f64, f64)> {
    let mut ang: Vec<f64> = (0..n)
        .map(|_| rng.gen_range(0.0..std::f64::consts::TAU))
        .collect();
    ang.sort_by(f64::total_cmp);
    if rng.gen_bool(0.5) {
        ang.reverse();
    }
    ang.iter()
        .map(|a| {
            let r = rng.gen_range(rmin..=rmax);
            ((cx + r * a.cos()).round(), (cy + r * a.sin()).round())
        })
        .collect()
}

/// Same shape, rings started at another vertex and sometimes reversed: the result must
/// not depend on either, so the reference sees the original and the sweep a variant.
fn maybe_shuffle(p: &Polygon) -> Polygon {
    let turn = |ls: &LineString| {
        let mut v = clean(ls);
        let k = v
            .iter()
            .map(|c| (c.x * 7. + c.y * 3.) as i64)
            .sum::<i64>()
            .rem_euclid(v.len().max(1) as i64);
        v.rotate_left(k as usize);
        if k % 2 == 1 {
            v.reverse();
        }
        LineString::from(v)
    };
    Polygon::new(turn(p.exterior()), p.interiors().iter().map(turn).collect())
}

fn random_polygon(rng: &mut StdRng) -> Polygon {
    let n = rng.gen_range(5..=12);
    match rng.gen_range(0..3) {
        0 => {
            let grid = rng.gen_range(2..=5);
            poly(&random_ring(rng, n, grid, 0, 0), &[])
        }
        _ => poly(&star_ring(rng, n, 4., 4., 0.5, 4.5), &[]),
    }
}

fn random_polygon_with_holes(rng: &mut StdRng, c: (f64, f64)) -> Polygon {
    let n = rng.gen_range(5..=12);
    let ext = star_ring(rng, n, c.0, c.1, 4.5, 7.5);
    let holes: Vec<Vec<(f64, f64)>> = (0..rng.gen_range(1..=3))
        .map(|_| {
            let (hx, hy) = (
                c.0 + rng.gen_range(-3..=3) as f64,
                c.1 + rng.gen_range(-3..=3) as f64,
            );
            if rng.gen_bool(0.3) {
                let n = rng.gen_range(3..=5);
                random_ring(rng, n, 2, hx as i32 - 1, hy as i32 - 1)
            } else {
                let n = rng.gen_range(3..=6);
                star_ring(rng, n, hx, hy, 0.5, 2.)
            }
        })
        .collect();
    // Often pin a hole vertex to a shell vertex, so rings meet at shared vertices.
    let holes: Vec<Vec<(f64, f64)>> = holes
        .into_iter()
        .map(|mut h| {
            if rng.gen_bool(0.4) {
                let (i, j) = (rng.gen_range(0..h.len()), rng.gen_range(0..ext.len()));
                h[i] = ext[j];
            }
            h
        })
        .collect();
    let hs: Vec<&[(f64, f64)]> = holes.iter().map(|h| h.as_slice()).collect();
    poly(&ext, &hs)
}

fn compare(ps: &[Polygon], counts: &mut [usize; 2]) {
    let ps: Vec<Polygon> = ps.iter().map(maybe_shuffle).collect();
    let ps = ps.as_slice();
    let fast = if ps.len() == 1 {
        check_polygon(&ps[0])
    } else {
        check_multi_polygon(&MultiPolygon(ps.to_vec()))
    };
    let slow = reference_valid(ps);
    assert_eq!(
        fast.is_ok(),
        slow,
        "sweep says {fast:?}, reference says valid={slow} for {ps:?}"
    );
    counts[slow as usize] += 1;
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_small_polygons() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut counts = [0; 2];
    for _ in 0..120_000 {
        compare(&[random_polygon(&mut rng)], &mut counts);
    }
    eprintln!(
        "random polygons: {} invalid, {} valid",
        counts[0], counts[1]
    );
    assert!(counts[0] > 10_000 && counts[1] > 10_000, "{counts:?}");
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_polygons_with_holes() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut counts = [0; 2];
    for _ in 0..60_000 {
        compare(
            &[random_polygon_with_holes(&mut rng, (7., 7.))],
            &mut counts,
        );
    }
    eprintln!(
        "polygons with holes: {} invalid, {} valid",
        counts[0], counts[1]
    );
    assert!(counts[0] > 5_000 && counts[1] > 5_000, "{counts:?}");
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_multipolygons() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut counts = [0; 2];
    for _ in 0..40_000 {
        let ps: Vec<Polygon> = (0..rng.gen_range(2..=3))
            .map(|_| {
                let c = (rng.gen_range(3..=12) as f64, rng.gen_range(3..=12) as f64);
                match rng.gen_range(0..3) {
                    0 => random_polygon_with_holes(&mut rng, c),
                    _ => {
                        let n = rng.gen_range(3..=8);
                        poly(&star_ring(&mut rng, n, c.0, c.1, 1., 4.), &[])
                    }
                }
            })
            .collect();
        compare(&ps, &mut counts);
    }
    eprintln!("multipolygons: {} invalid, {} valid", counts[0], counts[1]);
    assert!(counts[0] > 4_000 && counts[1] > 2_000, "{counts:?}");
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_lattice_rings_that_touch_a_lot() {
    // Every ring drawn on one 5 x 5 lattice: vertices land on other rings' vertices and edges.
    let mut rng = StdRng::seed_from_u64(5);
    let mut counts = [0; 2];
    for _ in 0..80_000 {
        let triangle = |rng: &mut StdRng| {
            let n = if rng.gen_bool(0.8) { 3 } else { 4 };
            random_ring(rng, n, 4, 0, 0)
        };
        let ps = if rng.gen_bool(0.5) {
            let n = rng.gen_range(4..=8);
            let shell = star_ring(&mut rng, n, 2., 2., 1.5, 2.9);
            let holes: Vec<Vec<(f64, f64)>> = (0..rng.gen_range(1..=2))
                .map(|_| triangle(&mut rng))
                .collect();
            let hs: Vec<&[(f64, f64)]> = holes.iter().map(|h| h.as_slice()).collect();
            vec![poly(&shell, &hs)]
        } else {
            (0..rng.gen_range(2..=3))
                .map(|_| poly(&triangle(&mut rng), &[]))
                .collect()
        };
        compare(&ps, &mut counts);
    }
    eprintln!("lattice rings: {} invalid, {} valid", counts[0], counts[1]);
    assert!(counts[0] > 30_000 && counts[1] > 1_500, "{counts:?}");
}

/// Concave and arrow-shaped lattice rings: C, L, a small spiral, a diamond, an arrow whose
/// tip has both edges on one side, a triangle.
const TEMPLATES: &[&[(f64, f64)]] = &[
    &[
        (0., 0.),
        (3., 0.),
        (3., 1.),
        (1., 1.),
        (1., 2.),
        (3., 2.),
        (3., 3.),
        (0., 3.),
    ],
    &[(0., 0.), (2., 0.), (2., 1.), (1., 1.), (1., 3.), (0., 3.)],
    &[
        (0., 0.),
        (4., 0.),
        (4., 4.),
        (1., 4.),
        (1., 2.),
        (2., 2.),
        (2., 3.),
        (3., 3.),
        (3., 1.),
        (0., 1.),
    ],
    &[(0., 1.), (1., 0.), (2., 1.), (1., 2.)],
    &[(0., 0.), (2., 1.), (0., 2.), (1., 1.)],
    &[(0., 0.), (2., 1.), (0., 2.)],
];

/// A template turned by a multiple of 90 degrees, maybe mirrored, scaled and moved.
fn placed(rng: &mut StdRng, scale: f64, window: i32) -> Vec<(f64, f64)> {
    let t = TEMPLATES[rng.gen_range(0..TEMPLATES.len())];
    let (turn, flip) = (rng.gen_range(0..4), rng.gen_bool(0.5));
    let (dx, dy) = (
        rng.gen_range(0..=window) as f64,
        rng.gen_range(0..=window) as f64,
    );
    t.iter()
        .map(|&(x, y)| {
            let (x, y) = if flip { (-x, y) } else { (x, y) };
            let (x, y) = match turn {
                0 => (x, y),
                1 => (-y, x),
                2 => (-x, -y),
                _ => (y, -x),
            };
            (x * scale + dx, y * scale + dy)
        })
        .collect()
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_concave_lattice_shapes() {
    let mut rng = StdRng::seed_from_u64(6);
    let mut counts = [0; 2];
    for _ in 0..30_000 {
        let ps: Vec<Polygon> = (0..rng.gen_range(1..=3))
            .map(|_| {
                let shell = placed(&mut rng, 3., 6);
                let holes: Vec<Vec<(f64, f64)>> = (0..rng.gen_range(0..=3))
                    .map(|_| placed(&mut rng, 1., 12))
                    .collect();
                let hs: Vec<&[(f64, f64)]> = holes.iter().map(|h| h.as_slice()).collect();
                poly(&shell, &hs)
            })
            .collect();
        compare(&ps, &mut counts);
    }
    eprintln!(
        "concave lattice shapes: {} invalid, {} valid",
        counts[0], counts[1]
    );
    assert!(counts[0] > 10_000 && counts[1] > 2_000, "{counts:?}");
}

#[test]
fn the_sweep_agrees_with_brute_force_on_random_larger_polygons() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut counts = [0; 2];
    for _ in 0..4_000 {
        let n = rng.gen_range(20..=60);
        let shell = poly(&star_ring(&mut rng, n, 10., 10., 6., 10.), &[]);
        compare(&[shell], &mut counts);
        let n = rng.gen_range(20..=40);
        let shell = star_ring(&mut rng, n, 10., 10., 7., 10.);
        let holes: Vec<Vec<(f64, f64)>> = (0..rng.gen_range(2..=6))
            .map(|_| {
                let (cx, cy) = (rng.gen_range(4..=16) as f64, rng.gen_range(4..=16) as f64);
                let n = rng.gen_range(3..=8);
                star_ring(&mut rng, n, cx, cy, 0.5, 3.)
            })
            .collect();
        let hs: Vec<&[(f64, f64)]> = holes.iter().map(|h| h.as_slice()).collect();
        compare(&[poly(&shell, &hs)], &mut counts);
    }
    eprintln!(
        "larger polygons: {} invalid, {} valid",
        counts[0], counts[1]
    );
    assert!(counts[0] > 500 && counts[1] > 500, "{counts:?}");
}

// ---- large inputs ------------------------------------------------------------------

fn circle(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / n as f64;
            (1000. * a.cos(), 1000. * a.sin())
        })
        .collect()
}

/// Spine at x = 0, `teeth` horizontal teeth from x = 1 to x = 1000, 4 vertices each.
fn comb(teeth: usize) -> Vec<(f64, f64)> {
    let mut v = vec![(0., 0.)];
    for i in 0..teeth {
        let y = 2. * i as f64;
        let first = if i == 0 { vec![] } else { vec![(1., y)] };
        v.extend(first);
        v.extend([(1000., y), (1000., y + 1.)]);
        if i + 1 < teeth {
            v.push((1., y + 1.));
        }
    }
    v.push((0., 2. * teeth as f64 - 1.));
    v
}

/// A band winding `turns` times outwards, then back along its outer side.
fn spiral(n: usize, turns: f64) -> Vec<(f64, f64)> {
    let half = n / 2;
    let at = |t: f64, off: f64| {
        let a = t * turns * std::f64::consts::TAU;
        let r = 10. + 10. * t * turns + off;
        (r * a.cos(), r * a.sin())
    };
    let inner = (0..half).map(|i| at(i as f64 / half as f64, 0.));
    let outer = (0..half).rev().map(|i| at(i as f64 / half as f64, 5.));
    inner.chain(outer).collect()
}

/// A line zig-zagging between x = 0 and x = 1000 while rising, closed at x = -1: every
/// tooth spans the whole sweep.
fn zigzag(n: usize) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = (0..n - 2)
        .map(|i| ((i % 2) as f64 * 1000., i as f64))
        .collect();
    v.extend([(-1., (n - 3) as f64), (-1., 0.)]);
    v
}

#[test]
fn a_zig_zag_with_long_slanted_teeth_is_valid_until_one_tip_crosses_the_next() {
    let mut z = zigzag(100_000);
    assert_eq!(kind(&poly(&z, &[])), None);
    let k = z.len() - 11;
    assert_eq!(z[k].0, 1000.);
    z[k].1 += 3.5;
    assert_eq!(kind(&poly(&z, &[])), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_million_vertex_circle_is_valid() {
    assert_eq!(kind(&poly(&circle(1_000_000), &[])), None);
}

#[test]
fn a_comb_with_long_teeth_is_valid() {
    let c = comb(37_500);
    assert!(c.len() >= 149_990);
    assert_eq!(kind(&poly(&c, &[])), None);
}

#[test]
fn a_comb_with_one_tooth_crossing_another_is_a_self_intersection() {
    let mut c = comb(37_500);
    let k = c.len() - 10; // near the end: a right corner of a late tooth
    assert_eq!(c[k].0, 1000.);
    c[k] = (500., c[k].1 + 3.5);
    assert_eq!(kind(&poly(&c, &[])), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_hundred_thousand_vertex_star_crossing_itself_is_a_self_intersection() {
    // {n/k} star polygon: vertex i joined to vertex i + k around a circle.
    let (n, k) = (100_003, 7);
    let c = circle(n);
    let star: Vec<(f64, f64)> = (0..n).map(|i| c[i * k % n]).collect();
    assert_eq!(kind(&poly(&star, &[])), Some(FaultKind::SelfIntersection));
}

#[test]
fn a_spiral_is_valid_until_one_vertex_crosses_into_the_next_turn() {
    let mut s = spiral(100_000, 50.);
    assert_eq!(kind(&poly(&s, &[])), None);
    let k = 100_000 / 2 - 100; // an inner vertex of the last turn
    s[k] = (s[k].0 * 0.9, s[k].1 * 0.9);
    assert_eq!(kind(&poly(&s, &[])), Some(FaultKind::SelfIntersection));
}

#[test]
fn many_holes_in_a_large_shell_are_valid_and_a_nested_one_is_found() {
    // 10,000 small holes in a 100,000-vertex circle: containment costs no ring × vertex work.
    let holes: Vec<Vec<(f64, f64)>> = (0..10_000)
        .map(|i| {
            let (x, y) = ((i % 100) as f64 * 10. - 500., (i / 100) as f64 * 10. - 500.);
            vec![(x, y), (x + 3., y), (x, y + 3.)]
        })
        .collect();
    let hs: Vec<&[(f64, f64)]> = holes.iter().map(|h| h.as_slice()).collect();
    assert_eq!(kind(&poly(&circle(100_000), &hs)), None);
    let mut nested = holes.clone();
    nested.push(vec![(0.5, 0.5), (1.5, 0.5), (0.5, 1.5)]); // inside hole 5050, at (0, 0)
    let hs: Vec<&[(f64, f64)]> = nested.iter().map(|h| h.as_slice()).collect();
    let f = check_polygon(&poly(&circle(100_000), &hs)).unwrap_err();
    assert_eq!(
        (f.ring, f.kind),
        (10_001, FaultKind::HoleInsideHole { other: 5051 })
    );
}

#[test]
fn deeply_nested_polygons_in_holes_are_valid_and_one_overlap_is_found() {
    // 1,000 concentric annuli, each a polygon inside the previous one's hole.
    let sq = |r: f64| vec![(-r, -r), (r, -r), (r, r), (-r, r)];
    let annuli = |k: usize| -> Vec<Polygon> {
        (0..k)
            .map(|i| {
                let r = 4000. - 4. * i as f64;
                poly(&sq(r), &[&sq(r - 2.)])
            })
            .collect()
    };
    assert_eq!(multi_kind(annuli(1000)), None);
    let mut bad = annuli(1000);
    bad[700] = poly(&sq(4000. - 4. * 700.), &[]); // no hole: swallows all the later ones
    let f = check_multi_polygon(&MultiPolygon(bad)).unwrap_err();
    assert_eq!(
        (f.polygon, f.kind),
        (701, FaultKind::PolygonsOverlap { other: 700 })
    );
}

#[test]
fn a_checkerboard_of_squares_touching_at_corners_is_a_valid_multipolygon() {
    let ps: Vec<Polygon> = (0..10_000)
        .filter(|i| (i % 100 + i / 100) % 2 == 0)
        .map(|i| {
            let (x, y) = ((i % 100) as f64, (i / 100) as f64);
            poly(&[(x, y), (x + 1., y), (x + 1., y + 1.), (x, y + 1.)], &[])
        })
        .collect();
    assert_eq!(multi_kind(ps.clone()), None);
    let mut bad = ps;
    bad.push(poly(&[(10.5, 10.5), (11.5, 10.5), (11.5, 11.5)], &[]));
    assert!(matches!(
        multi_kind(bad),
        Some(FaultKind::PolygonsOverlap { .. })
    ));
}
