//! The walking network from the real central-Shanghai OSM extract, checked node for node
//! against an independent shortest-path computation.

use std::collections::HashMap;

use geo::{Distance, Geodesic, Point};
use lantu::network::osm::read_osm_xml;
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
    let mut best: HashMap<i64, f64> = HashMap::from([(source, 0.0)]);
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

    let mut adjacency: HashMap<i64, Vec<(i64, f64)>> = HashMap::new();
    for way in osm.ways.iter().filter(|w| is_walkable(|k| w.tag(k))) {
        for pair in way.nodes.windows(2) {
            let (Some(a), Some(b)) = (osm.positions.get(&pair[0]), osm.positions.get(&pair[1]))
            else {
                continue;
            };
            let metres = Geodesic.distance(Point::from(*a), Point::from(*b));
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
