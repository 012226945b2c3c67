//! lantu's own `.osm.pbf` reader (`network/pbf.rs`) beside the `osmpbf` crate, on the same
//! files, building the same `OsmData` (every node's position, tagged nodes, ways, relations):
//! osmpbf's `ElementReader::for_each` (one thread, as ours), and osmpbf's blobs decoded on
//! every core and merged in file order (its fastest way to the same data).
//!
//! Both readers' results are compared element by element before anything is timed.
//!
//! `cargo bench --features bench-osmpbf --bench pbf -- FILE.osm.pbf…` (`bench/pbf.sh` makes
//! the files and runs it).

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use lantu::network::osm::{Member, MemberKind, OsmData, Relation, TaggedNode, Way};
use osmpbf::{BlobDecode, BlobReader, Element, ElementReader, RelMemberType};

fn lantu(path: &Path) -> OsmData {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    lantu::network::pbf::read_osm_pbf(file, |_| {}).unwrap()
}

fn tags<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    tags.map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// One element into `data`, as lantu's reader keeps it.
fn keep(data: &mut OsmData, element: Element) {
    let mut node = |id: i64, lon: f64, lat: f64, t: Vec<(String, String)>| {
        data.positions.insert(id, [lon, lat]);
        if !t.is_empty() {
            data.tagged_nodes.push(TaggedNode {
                id,
                position: [lon, lat],
                tags: t,
            });
        }
    };
    match element {
        Element::Node(n) => node(n.id(), n.lon(), n.lat(), tags(n.tags())),
        Element::DenseNode(n) => node(n.id(), n.lon(), n.lat(), tags(n.tags())),
        Element::Way(w) => data.ways.push(Way {
            id: w.id(),
            nodes: w.refs().collect(),
            tags: tags(w.tags()),
        }),
        Element::Relation(r) => data.relations.push(Relation {
            id: r.id(),
            members: r
                .members()
                .map(|m| Member {
                    kind: match m.member_type {
                        RelMemberType::Node => MemberKind::Node,
                        RelMemberType::Way => MemberKind::Way,
                        RelMemberType::Relation => MemberKind::Relation,
                    },
                    id: m.member_id,
                    role: m.role().unwrap_or_default().to_string(),
                })
                .collect(),
            tags: tags(r.tags()),
        }),
    }
}

fn osmpbf_one_thread(path: &Path) -> OsmData {
    let mut data = OsmData::default();
    ElementReader::from_path(path)
        .unwrap()
        .for_each(|e| keep(&mut data, e))
        .unwrap();
    data
}

fn osmpbf_every_core(path: &Path) -> OsmData {
    let blobs: Vec<_> = BlobReader::from_path(path)
        .unwrap()
        .map(|b| b.unwrap())
        .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = blobs.len().div_ceil(threads).max(1);
    let parts: Vec<OsmData> = std::thread::scope(|scope| {
        let handles: Vec<_> = blobs
            .chunks(chunk)
            .map(|blobs| {
                scope.spawn(move || {
                    let mut data = OsmData::default();
                    for blob in blobs {
                        if let BlobDecode::OsmData(block) = blob.decode().unwrap() {
                            block.for_each_element(|e| keep(&mut data, e));
                        }
                    }
                    data
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = OsmData::default();
    for part in parts {
        all.positions.extend(part.positions);
        all.tagged_nodes.extend(part.tagged_nodes);
        all.ways.extend(part.ways);
        all.relations.extend(part.relations);
    }
    all
}

/// Panics unless `b` holds what `a` holds (positions within 1e-9°, float rounding).
fn same(a: &OsmData, b: &OsmData, what: &str) {
    assert_eq!(a.positions.len(), b.positions.len(), "{what}: node count");
    for (id, p) in &a.positions {
        let q = b.positions[id];
        assert!(
            (p[0] - q[0]).abs() < 1e-9 && (p[1] - q[1]).abs() < 1e-9,
            "{what}: node {id} at {p:?} and {q:?}"
        );
    }
    let by_id = |nodes: &[TaggedNode]| -> HashMap<i64, Vec<(String, String)>> {
        nodes.iter().map(|n| (n.id, n.tags.clone())).collect()
    };
    assert_eq!(
        by_id(&a.tagged_nodes),
        by_id(&b.tagged_nodes),
        "{what}: tagged nodes"
    );
    assert_eq!(a.ways, b.ways, "{what}: ways");
    assert_eq!(a.relations, b.relations, "{what}: relations");
}

/// The median and the fastest of `runs` runs, in ms.
fn time(runs: usize, read: impl Fn() -> OsmData) -> (f64, f64) {
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(read());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[0])
}

fn main() {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.ends_with(".pbf"))
        .collect();
    assert!(
        !files.is_empty(),
        "give .osm.pbf files: cargo bench --features bench-osmpbf --bench pbf -- FILE.osm.pbf…"
    );
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "| file | MB | nodes | ways | relations | lantu (1 thread) ms | osmpbf for_each (1 thread) ms | osmpbf blobs on {cores} cores ms | osmpbf 1 thread / lantu |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for file in &files {
        let path = Path::new(file);
        let ours = lantu(path);
        same(&ours, &osmpbf_one_thread(path), "osmpbf for_each");
        same(&ours, &osmpbf_every_core(path), "osmpbf on every core");
        let mb = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
        let runs = if mb > 5.0 { 5 } else { 15 };
        let (l, l_min) = time(runs, || lantu(path));
        let (o, o_min) = time(runs, || osmpbf_one_thread(path));
        let (p, p_min) = time(runs, || osmpbf_every_core(path));
        println!(
            "| {} | {mb:.1} | {} | {} | {} | {l:.1} (min {l_min:.1}) | {o:.1} (min {o_min:.1}) | {p:.1} (min {p_min:.1}) | {:.2}× |",
            path.file_name().unwrap().to_string_lossy(),
            ours.positions.len(),
            ours.ways.len(),
            ours.relations.len(),
            o / l
        );
    }
}
