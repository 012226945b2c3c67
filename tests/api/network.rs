//! The walking network from the real central-Shanghai OSM extract, checked node for node
//! against an independent shortest-path computation.

use std::collections::HashMap;

use geo::{Distance, Geodesic, Point};
use lantu::network::areas::areas;
use lantu::network::osm::{OsmData, read_osm_xml};
use lantu::network::walk::is_walkable;
use lantu::network::{Search, build_walk_graph};

use crate::helpers::shared_data;

/// Dijkstra the slow, obvious way (an array scan for the nearest unsettled node, no heap, no
/// CSR), on an adjacency list built here from the OSM ways: distances by OSM node id.
fn reference_distances(
    adjacency: &HashMap<i64, Vec<(i64, f64)>>,
    source: i64,
    cutoff: f64,
) -> HashMap<i64, f64> {
    reference_from(adjacency, &[(source, 0.0)], cutoff)
}

/// The same from several starting nodes, each at the metres already walked to reach it.
fn reference_from(
    adjacency: &HashMap<i64, Vec<(i64, f64)>>,
    sources: &[(i64, f64)],
    cutoff: f64,
) -> HashMap<i64, f64> {
    let mut best: HashMap<i64, f64> = HashMap::new();
    for &(node, start) in sources {
        if start <= cutoff && best.get(&node).is_none_or(|&b| start < b) {
            best.insert(node, start);
        }
    }
    let mut settled: HashMap<i64, f64> = HashMap::new();
    while let Some((&node, &d)) = best
        .iter()
        .filter(|(n, _)| !settled.contains_key(n))
        .min_by(|a, b| a.1.total_cmp(b.1))
    {
        settled.insert(node, d);
        for &(next, metres) in adjacency.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            let there = d + metres;
            if there <= cutoff
                && !settled.contains_key(&next)
                && best.get(&next).is_none_or(|&b| there < b)
            {
                best.insert(next, there);
            }
        }
    }
    settled
}

/// Neighbours and metres by OSM node id.
type Adjacency = HashMap<i64, Vec<(i64, f64)>>;

/// Every walkable street segment of the OSM ways with its geodesic length, and the adjacency
/// list by OSM node id, built here (not by lantu).
fn walkable_segments(osm: &OsmData) -> (Vec<Segment>, Adjacency) {
    let mut segments = Vec::new();
    let mut adjacency = Adjacency::new();
    for way in osm.ways.iter().filter(|w| is_walkable(|k| w.tag(k))) {
        for pair in way.nodes.windows(2) {
            let (Some(&pa), Some(&pb)) = (osm.positions.get(&pair[0]), osm.positions.get(&pair[1]))
            else {
                continue;
            };
            if pair[0] == pair[1] {
                continue;
            }
            let metres = Geodesic.distance(Point::from(pa), Point::from(pb));
            segments.push((pair[0], pair[1], pa, pb, metres));
            adjacency
                .entry(pair[0])
                .or_default()
                .push((pair[1], metres));
            adjacency
                .entry(pair[1])
                .or_default()
                .push((pair[0], metres));
        }
    }
    (segments, adjacency)
}

#[test]
fn walking_distances_on_central_shanghai_agree_node_for_node_with_an_independent_dijkstra() {
    let Some(shared) = shared_data() else { return };
    let file = std::fs::File::open(shared.join("shanghai/streets_center.osm")).unwrap();
    let osm = read_osm_xml(std::io::BufReader::new(file), |_| {}).unwrap();
    assert_eq!(
        osm.positions.len(),
        21_786,
        "the README of the data gives 21,786 nodes"
    );
    let (graph, report) = build_walk_graph(&osm);
    assert_eq!(report.ways, 4_701);
    assert!(
        report.nodes > 15_000 && report.nodes <= 21_786,
        "{report:?}"
    );
    assert!(report.length_km > 500.0, "{report:?}");

    let (_, adjacency) = walkable_segments(&osm);
    let mut search = Search::new(graph.node_count());
    let cutoff = 1_000.0;
    let mut compared = 0;
    for source in [0u32, 1_000, 5_000, 9_999, graph.node_count() as u32 - 1] {
        let reached: Vec<u32> = search.run(&graph, &[(source, 0.0)], cutoff as f32).to_vec();
        let expected = reference_distances(&adjacency, graph.osm_ids[source as usize], cutoff);
        assert_eq!(
            reached.len(),
            expected.len(),
            "nodes within {cutoff} m of {source}"
        );
        for node in reached {
            let ours = f64::from(search.get(node));
            let theirs = expected[&graph.osm_ids[node as usize]];
            assert!(
                (ours - theirs).abs() < 0.1,
                "node {}: {ours} m vs {theirs} m",
                graph.osm_ids[node as usize]
            );
            compared += 1;
        }
    }
    assert!(compared > 500, "only {compared} distances compared");
}

/// A street segment found by scanning every segment (no index), measured in a flat frame
/// centred on the point itself: (ends by OSM id, metres along from the first, metres away, the
/// segment's geodesic length).
struct BruteSnap {
    a: i64,
    b: i64,
    along: f64,
    offset: f64,
}

/// A street segment: its ends' OSM ids and positions, and its geodesic length.
type Segment = (i64, i64, [f64; 2], [f64; 2], f64);

fn brute_snap(segments: &[Segment], p: [f64; 2]) -> (BruteSnap, f64) {
    // Metres per degree at the point itself, from the WGS84 ellipsoid's radii of curvature
    // there (a frame of its own around each point, unlike lantu's one tangent plane per city).
    let (a, f) = (6_378_137.0_f64, 1.0 / 298.257_223_563);
    let e2 = f * (2.0 - f);
    let lat = p[1].to_radians();
    let w = 1.0 - e2 * lat.sin().powi(2);
    let kx = (a / w.sqrt() * lat.cos()).to_radians();
    let ky = (a * (1.0 - e2) / (w * w.sqrt())).to_radians();
    let local = |c: [f64; 2]| [(c[0] - p[0]) * kx, (c[1] - p[1]) * ky];
    // Nearest point of each segment: (offset, t, point).
    let nearest = |pa: [f64; 2], pb: [f64; 2]| {
        let (u, v) = (local(pa), local(pb));
        let d = [v[0] - u[0], v[1] - u[1]];
        let len2 = d[0] * d[0] + d[1] * d[1];
        let t = if len2 > 0.0 {
            (-(u[0] * d[0] + u[1] * d[1]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let q = [u[0] + t * d[0], u[1] + t * d[1]];
        ((q[0] * q[0] + q[1] * q[1]).sqrt(), t, q)
    };
    let (mut best, mut best_at) = (None, [0.0; 2]);
    let mut best_offset = f64::INFINITY;
    for &(a, b, pa, pb, length) in segments {
        let (offset, t, q) = nearest(pa, pb);
        if offset < best_offset {
            best_offset = offset;
            best_at = q;
            best = Some(BruteSnap {
                a,
                b,
                along: t * length,
                offset,
            });
        }
    }
    // The runner-up among segments whose nearest point is more than 5 m away (a point a hair
    // further along the same corner walks the same distance).
    let second = segments
        .iter()
        .map(|&(_, _, pa, pb, _)| nearest(pa, pb))
        .filter(|(_, _, q)| {
            ((q[0] - best_at[0]).powi(2) + (q[1] - best_at[1]).powi(2)).sqrt() > 5.0
        })
        .map(|(o, _, _)| o)
        .fold(f64::INFINITY, f64::min);
    (best.unwrap(), second - best_offset)
}

/// What comparing lantu's coverage with the brute force found.
struct Compared {
    /// Homes within reach whose distance was compared.
    within_reach: usize,
    /// Homes left out as between two equally near streets.
    ambiguous: usize,
}

/// lantu's walking distance from `facilities` to every home of `homes` on the network of `osm`,
/// checked home for home against the brute force: scanned snaps, the array-scan Dijkstra from
/// both ends of each facility's segment, and the straight way along a shared segment. Also
/// checks the number of homes covered within `threshold`.
fn compare_with_brute_force(
    osm: &OsmData,
    facilities: &[[f64; 2]],
    homes: Vec<lantu::network::model::StoredHome>,
    (threshold, reach): (f32, f32),
) -> Compared {
    use lantu::coverage::analysis::{HomeSet, Network, distances, reached_homes, walking_point};
    let (graph, _) = build_walk_graph(osm);
    // Segments of the kept network (its largest component), from the OSM ways.
    let kept: std::collections::HashSet<i64> = graph.osm_ids.iter().copied().collect();
    let (mut segments, adjacency) = walkable_segments(osm);
    segments.retain(|s| kept.contains(&s.0));
    let points: Vec<[f64; 2]> = homes
        .iter()
        .map(|h| {
            let p = walking_point(&h.shape).unwrap();
            [p.x(), p.y()]
        })
        .collect();

    // lantu.
    let network = Network::new("compared".into(), graph);
    let set = HomeSet::new(&network, homes);
    let snaps: Vec<_> = facilities
        .iter()
        .map(|f| network.index.snap(Point::from(*f)).unwrap())
        .collect();
    let ours = distances(&network, &set, &snaps, threshold, reach);

    // Brute force.
    let starts: Vec<(BruteSnap, f64)> = facilities
        .iter()
        .map(|f| brute_snap(&segments, *f))
        .collect();
    let sources: Vec<(i64, f64)> = starts
        .iter()
        .flat_map(|(s, _)| {
            let length = adjacency[&s.a].iter().find(|(n, _)| *n == s.b).unwrap().1;
            [
                (s.a, s.offset + s.along),
                (s.b, s.offset + length - s.along),
            ]
        })
        .collect();
    let settled = reference_from(&adjacency, &sources, f64::from(reach));
    let (mut within_reach, mut ambiguous, mut covered) = (0, 0, 0);
    for (i, h) in points.iter().enumerate() {
        let (snap, margin) = brute_snap(&segments, *h);
        if snap.offset > f64::from(lantu::coverage::analysis::MAX_SNAP_M) {
            assert!(set.homes[i].snap.is_none(), "home {i} is off the network");
            continue;
        }
        if margin < 0.1 {
            ambiguous += 1; // two streets equally near: either answer is right
            continue;
        }
        let length = adjacency[&snap.a]
            .iter()
            .find(|(n, _)| *n == snap.b)
            .unwrap()
            .1;
        let via = |node: i64, extra: f64| settled.get(&node).map_or(f64::INFINITY, |d| d + extra);
        let mut theirs =
            via(snap.a, snap.along).min(via(snap.b, length - snap.along)) + snap.offset;
        for (f, _) in &starts {
            if (f.a, f.b) == (snap.a, snap.b) || (f.a, f.b) == (snap.b, snap.a) {
                let f_along = if f.a == snap.a {
                    f.along
                } else {
                    length - f.along
                };
                theirs = theirs.min((snap.along - f_along).abs() + snap.offset + f.offset);
            }
        }
        let ours = f64::from(ours.homes[i]);
        if theirs > f64::from(reach) + 1.0 {
            assert!(
                ours.is_infinite(),
                "home {i}: {ours} m, brute force beyond {reach} m"
            );
        } else if theirs < f64::from(reach) - 1.0 {
            assert!(
                (ours - theirs).abs() < 1.0,
                "home {i}: lantu {ours} m, brute force {theirs} m"
            );
            within_reach += 1;
            covered += usize::from(theirs <= f64::from(threshold));
        }
    }
    assert_eq!(ours.summary(&set, None).homes_covered, covered);
    // The homes an isochrone reaches are the homes that close to its point.
    let reached = reached_homes(&network, &set, &snaps[..1], threshold);
    for (i, d) in reached {
        assert!(d <= threshold && ours.homes[i as usize] <= d + 0.01);
    }
    Compared {
        within_reach,
        ambiguous,
    }
}

/// A home at a point, of one resident.
fn point_home(i: usize, at: [f64; 2]) -> lantu::network::model::StoredHome {
    lantu::network::model::StoredHome {
        id: i as i64,
        name: None,
        population: 1.0,
        estimated: false,
        shape: geo::Geometry::Point(Point::from(at)),
    }
}

#[test]
fn coverage_on_central_shanghai_agrees_home_for_home_with_a_brute_force_computation() {
    let Some(shared) = shared_data() else { return };
    let file = std::fs::File::open(shared.join("shanghai/streets_center.osm")).unwrap();
    let osm = read_osm_xml(std::io::BufReader::new(file), |_| {}).unwrap();
    let (graph, _) = build_walk_graph(&osm);
    let kept: std::collections::HashSet<i64> = graph.osm_ids.iter().copied().collect();
    let (mut segments, _) = walkable_segments(&osm);
    segments.retain(|s| kept.contains(&s.0));
    // 12 facilities and 1000 homes at fixed pseudo-random places in the extract's box.
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut place = || [121.42 + 0.12 * next(), 31.19 + 0.08 * next()];
    let placed: Vec<[f64; 2]> = (0..12).map(|_| place()).collect();
    let homes: Vec<[f64; 2]> = (0..1000).map(|_| place()).collect();
    // A point between two equally near streets may go to either (the two frames differ by
    // about 0.1 % in scale, a few centimetres here); such points are left out.
    let facilities: Vec<[f64; 2]> = placed
        .into_iter()
        .filter(|f| brute_snap(&segments, *f).1 >= 0.1)
        .collect();
    assert!(facilities.len() >= 10);
    let homes = homes
        .iter()
        .enumerate()
        .map(|(i, h)| point_home(i, *h))
        .collect();
    let compared = compare_with_brute_force(&osm, &facilities, homes, (600.0, 1200.0));
    assert!(
        compared.within_reach > 100,
        "only {} homes within reach compared",
        compared.within_reach
    );
    assert!(
        compared.ambiguous < 20,
        "{} homes sit between two equally near streets",
        compared.ambiguous
    );
}

#[test]
fn a_complete_extract_outside_china_finds_every_category_it_holds_keeps_what_its_edge_cut_and_covers_as_brute_force_does()
 {
    use lantu::coverage::Catalogue;
    use lantu::network::extract::{PopulationRule, facilities, homes};
    let path = crate::helpers::fixture_path("network/european_centre_complete.osm");
    let osm = read_osm_xml(
        std::io::BufReader::new(std::fs::File::open(path).unwrap()),
        |_| {},
    )
    .unwrap();
    let catalogue = Catalogue::parse(lantu::coverage::catalogue::DEFAULT).unwrap();
    let found = facilities(&osm, &areas(&osm), &catalogue);
    // Every category the extract holds (all but the service station, which only a Chinese name
    // identifies) is found, from nodes, areas, multipolygons and a site.
    let missing: Vec<&str> = catalogue
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !found.found.iter().any(|f| f.category == *id))
        .collect();
    assert_eq!(missing, ["community_service_station"]);
    let of = |category: &str| -> Vec<&str> {
        found
            .found
            .iter()
            .filter(|f| f.category == category)
            .filter_map(|f| f.osm.as_deref())
            .collect()
    };
    // The school site (isced:level=1;2) counts for both levels; the one with no level for none.
    assert_eq!(of("primary_school"), ["relation/118"]);
    assert_eq!(of("junior_high_school"), ["relation/118"]);
    assert_eq!(of("medium_sports_ground"), ["relation/122"]);
    // Three parks: the south one and the north multipolygon cut by the edge, and the garden.
    assert_eq!(of("park").len(), 3, "{:?}", of("park"));
    assert!(of("park").contains(&"relation/128"));
    assert_eq!(found.clipped.get("park"), Some(&2));
    assert_eq!(found.clipped.get("large_sports_ground"), Some(&1));
    // A clipped area stands at the centre of the part inside the extract.
    let bounds = osm.bounds.unwrap();
    for f in &found.found {
        let (x, y) = (f.position.x(), f.position.y());
        assert!(
            (bounds[0]..=bounds[2]).contains(&x) && (bounds[1]..=bounds[3]).contains(&y),
            "{f:?} lies outside the extract"
        );
    }

    // Homes: the residential buildings (ways, a multipolygon with a courtyard, one the edge
    // cut), land with no home mapped in it (one cut by the edge), never land and its buildings
    // both; building=yes in residential land only when chosen.
    let plain = homes(&areas(&osm), &PopulationRule::default());
    let r = &plain.report;
    assert_eq!(
        (
            r.buildings,
            r.land,
            r.land_with_buildings,
            r.buildings_in_land_left,
            r.clipped
        ),
        (4, 2, 1, 2, 2),
        "{r:?}"
    );
    assert_eq!(plain.homes.len(), 6);
    assert!(
        plain.homes.iter().all(|h| h.population > 0.0),
        "a courtyard is taken off its building's area, never below nothing"
    );
    let courtyard = plain
        .homes
        .iter()
        .find(|h| h.osm.as_deref() == Some("relation/133"))
        .unwrap();
    assert!(matches!(&courtyard.shape, geo::Geometry::Polygon(p) if p.interiors().len() == 1));
    let counted = plain.homes.iter().find(|h| !h.estimated).unwrap();
    assert_eq!(counted.population, 40.0, "the population tag is kept");
    let chosen = PopulationRule::default()
        .choosing(&["buildings_in_residential_land".into()])
        .unwrap();
    let with_yes = homes(&areas(&osm), &chosen);
    let r = &with_yes.report;
    assert_eq!(
        (r.buildings_in_land, r.land, r.land_with_buildings),
        (2, 1, 2),
        "{r:?}"
    );
    assert!(
        PopulationRule::default()
            .choosing(&["all".into()])
            .unwrap_err()
            .contains("buildings_in_residential_land")
    );

    // Coverage of the homes found, category by category, as the brute force computes it.
    let stored: Vec<_> = with_yes
        .homes
        .iter()
        .enumerate()
        .map(|(i, h)| lantu::network::model::StoredHome {
            id: i as i64,
            name: h.name.clone(),
            population: h.population,
            estimated: h.estimated,
            shape: h.shape.clone(),
        })
        .collect();
    let mut within_reach = 0;
    for category in &catalogue.categories {
        let points: Vec<[f64; 2]> = found
            .found
            .iter()
            .filter(|f| f.category == category.id)
            .map(|f| [f.position.x(), f.position.y()])
            .collect();
        if points.is_empty() {
            continue;
        }
        let threshold = category.threshold_m as f32;
        let compared =
            compare_with_brute_force(&osm, &points, stored.clone(), (threshold, 2.0 * threshold));
        assert_eq!(compared.ambiguous, 0, "{}", category.id);
        within_reach += compared.within_reach;
    }
    assert!(within_reach > 60, "only {within_reach} distances compared");
}

async fn an_osm_import_stores_network_facilities_and_homes_and_a_reimport_replaces_them(
    backend: crate::helpers::Backend,
) {
    let app = crate::helpers::TestApp::spawn_empty(backend).await;
    let catalogue = lantu::coverage::Catalogue::parse(lantu::coverage::catalogue::DEFAULT).unwrap();
    let rule = lantu::network::extract::PopulationRule::default();
    let file = crate::helpers::fixture_path("network/block_with_kindergarten_and_compound.osm");
    for _ in 0..2 {
        let done = lantu::network::import::import_osm(
            app.store.as_ref(),
            &file,
            "block",
            &catalogue,
            &rule,
        )
        .await
        .unwrap();
        assert_eq!((done.network.nodes, done.network.segments), (6, 7));
        assert_eq!(done.facilities, vec![("kindergarten".to_string(), 1)]);
        assert_eq!(done.homes, (1, 1));
        assert_eq!(
            app.store.count_imported("block").await.unwrap(),
            (1, 1),
            "a re-import replaces, never duplicates"
        );
    }
    let stored = app.store.load_networks().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].source, "block");
    // The footway 5-6 crosses the square: the far corner 3 is 100 + 50 m from node 5's corner 1.
    let g = &stored[0].graph;
    let index = |osm: i64| g.osm_ids.iter().position(|&id| id == osm).unwrap() as u32;
    let mut search = Search::new(g.node_count());
    search.run(g, &[(index(1), 0.0)], 1_000.0);
    assert!(
        (search.get(index(3)) - 200.0).abs() < 0.5,
        "{}",
        search.get(index(3))
    );
    assert!(
        (search.get(index(6)) - 150.0).abs() < 0.5,
        "{}",
        search.get(index(6))
    );
}

crate::on_both_backends!(
    an_osm_import_stores_network_facilities_and_homes_and_a_reimport_replaces_them
);
