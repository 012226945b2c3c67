//! lantu's side of the accessibility benchmark (bench/accessibility.sh runs it beside pandana,
//! networkx and pgRouting on the same files). Built in release by
//! `cargo bench --bench accessibility -- COMMAND …`:
//!
//! - `export-osm FILE.osm DIR`: the walking network lantu builds from an OSM file, written in the
//!   benchmark's CSV format (nodes.csv, edges.csv, pois.csv, sources.csv).
//! - `run DIR [--radius 1000] [--out result.json] [--pandana-counts counts.csv]`: loads the CSV
//!   network, stores it in a fresh embedded store, and times: loading it back from the store,
//!   the count of POIs within the radius of every node, single-source searches, isochrones and
//!   what-if questions; checks the counts node for node against pandana's when given.
//! - `city [--side 1000]`: full coverage of one category over a side × side grid (1 M nodes by
//!   default), with peak memory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use geo::{Geometry, Point};
use lantu::coverage::analysis::{HomeSet, Network, distances, newly_covered};
use lantu::coverage::isochrone::isochrone;
use lantu::network::model::StoredHome;
use lantu::network::store::OsmImport;
use lantu::network::{Search, WalkGraph};
use lantu::store::{self, Storage};
use serde_json::json;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("export-osm") => export_osm(Path::new(&args[1]), Path::new(&args[2])),
        Some("run") => run(&Run {
            dir: PathBuf::from(&args[1]),
            radius: flag("--radius").map_or(Ok(1000.0), |r| r.parse())?,
            out: flag("--out").map(PathBuf::from),
            pandana: flag("--pandana-counts").map(PathBuf::from),
            counts: flag("--counts").map(PathBuf::from),
            database_url: flag("--database-url"),
        }),
        Some("city") => city(flag("--side").map_or(Ok(1000), |s| s.parse())?),
        _ => anyhow::bail!(
            "usage: cargo bench --bench accessibility -- export-osm FILE DIR | run DIR [--radius M] [--out FILE] [--counts FILE] [--pandana-counts FILE] [--database-url URL] | city [--side N]"
        ),
    }
}

fn export_osm(osm: &Path, dir: &Path) -> anyhow::Result<()> {
    let file = std::io::BufReader::new(std::fs::File::open(osm)?);
    let data = lantu::network::osm::read_osm_xml(file, |_| {})?;
    let (graph, report) = lantu::network::build_walk_graph(&data);
    std::fs::create_dir_all(dir)?;
    let mut nodes = String::from("id,x,y\n");
    for (i, c) in graph.coords.iter().enumerate() {
        nodes.push_str(&format!("{i},{},{}\n", c[0], c[1]));
    }
    let mut edges = String::from("from,to,length_m\n");
    for a in 0..graph.node_count() as u32 {
        for (b, m) in graph.edges(a) {
            if a < b {
                edges.push_str(&format!("{a},{b},{m}\n"));
            }
        }
    }
    // POIs on every 20th node and sources on every 86th: fixed, so every tool gets the same.
    let n = graph.node_count();
    let pois: String = (0..n).step_by(20).map(|i| format!("{i}\n")).collect();
    let sources: String = (0..n).step_by(86).map(|i| format!("{i}\n")).collect();
    std::fs::write(dir.join("nodes.csv"), nodes)?;
    std::fs::write(dir.join("edges.csv"), edges)?;
    std::fs::write(dir.join("pois.csv"), format!("node\n{pois}"))?;
    std::fs::write(dir.join("sources.csv"), format!("node\n{sources}"))?;
    eprintln!(
        "exported {} nodes, {} segments ({:.0} km) to {}",
        n,
        report.segments,
        report.length_km,
        dir.display()
    );
    Ok(())
}

fn read_column(path: &Path, columns: usize) -> anyhow::Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Result<Vec<f64>, _> = l.split(',').take(columns).map(str::parse).collect();
            Ok(v?)
        })
        .collect()
}

fn read_network(dir: &Path) -> anyhow::Result<(WalkGraph, Vec<u32>, Vec<u32>)> {
    let nodes = read_column(&dir.join("nodes.csv"), 3)?;
    let edges = read_column(&dir.join("edges.csv"), 3)?;
    let coords: Vec<[f64; 2]> = nodes.iter().map(|r| [r[1], r[2]]).collect();
    let segments: Vec<(u32, u32, f32)> = edges
        .iter()
        .map(|r| (r[0] as u32, r[1] as u32, r[2] as f32))
        .collect();
    let ids = (0..coords.len() as i64).collect();
    let graph = WalkGraph::from_segments(coords, ids, &segments);
    let pois = read_column(&dir.join("pois.csv"), 1)?
        .iter()
        .map(|r| r[0] as u32)
        .collect();
    let sources = read_column(&dir.join("sources.csv"), 1)?
        .iter()
        .map(|r| r[0] as u32)
        .collect();
    Ok((graph, pois, sources))
}

/// For every node, how many POIs lie within `radius` metres: one bounded search per POI, split
/// over the machine's cores.
fn count_within(graph: &WalkGraph, pois: &[u32], radius: f32) -> Vec<u32> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = pois.len().div_ceil(threads).max(1);
    let partial: Vec<Vec<u32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pois
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut search = Search::new(graph.node_count());
                    let mut counts = vec![0u32; graph.node_count()];
                    for &poi in part {
                        for &node in search.run(graph, &[(poi, 0.0)], radius) {
                            counts[node as usize] += 1;
                        }
                    }
                    counts
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut total = vec![0u32; graph.node_count()];
    for counts in partial {
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
    }
    total
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Homes at every node (one resident each), for the what-if questions.
fn homes_at_nodes(graph: &WalkGraph, step: usize) -> Vec<StoredHome> {
    (0..graph.node_count())
        .step_by(step)
        .map(|i| StoredHome {
            id: i as i64,
            name: None,
            population: 1.0,
            estimated: false,
            shape: Geometry::Point(Point::from(graph.coords[i])),
        })
        .collect()
}

/// What `run` was asked to do.
struct Run {
    dir: PathBuf,
    radius: f32,
    out: Option<PathBuf>,
    pandana: Option<PathBuf>,
    counts: Option<PathBuf>,
    database_url: Option<String>,
}

fn run(asked: &Run) -> anyhow::Result<()> {
    let radius = asked.radius;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let (graph, pois, sources) = read_network(&asked.dir)?;
    let csv_ms = ms(started);
    eprintln!(
        "lantu: {} nodes, {} POIs, {} sources (CSV read in {csv_ms:.0} ms)",
        graph.node_count(),
        pois.len(),
        sources.len()
    );

    // Into a fresh embedded store (or the PostGIS database given), then back out as a server
    // starting would read it.
    let data = tempfile::tempdir()?;
    let storage = match &asked.database_url {
        Some(url) => Storage::Postgres { url: url.clone() },
        None => Storage::Sqlite {
            dir: data.path().to_path_buf(),
        },
    };
    let store = runtime.block_on(store::open(&storage))?;
    runtime.block_on(store.replace_import(&OsmImport {
        source: "bench".into(),
        graph: graph.clone(),
        facilities: Vec::new(),
        homes: Vec::new(),
        streets: Vec::new(),
        estimate_rule: String::new(),
    }))?;
    let started = Instant::now();
    let loaded = runtime.block_on(store.load_networks())?.remove(0).graph;
    let load_ms = ms(started);
    assert_eq!(loaded, graph, "the store gives back the graph it was given");

    // Count POIs within the radius of every node.
    let started = Instant::now();
    let counts = count_within(&loaded, &pois, radius);
    let count_ms = ms(started);
    eprintln!(
        "lantu: POIs within {radius} m of every node: {count_ms:.0} ms ({:.0} ms with loading from the store)",
        count_ms + load_ms
    );
    if let Some(path) = &asked.counts {
        let mut text = String::from("node,count\n");
        for (node, count) in counts.iter().enumerate() {
            text.push_str(&format!("{node},{count}\n"));
        }
        std::fs::write(path, text)?;
    }
    let mut agreement = json!(null);
    if let Some(path) = &asked.pandana {
        let theirs = read_column(path, 2)?;
        let mut differ = 0;
        for row in &theirs {
            if counts[row[0] as usize] != row[1] as u32 {
                differ += 1;
            }
        }
        eprintln!(
            "lantu vs pandana: {} of {} node counts differ",
            differ,
            theirs.len()
        );
        agreement = json!({"nodes_compared": theirs.len(), "nodes_differing": differ});
    }

    // Single-source searches.
    let mut search = Search::new(loaded.node_count());
    let started = Instant::now();
    let mut reached = 0usize;
    for &s in &sources {
        reached += search.run(&loaded, &[(s, 0.0)], radius).len();
    }
    let per_source_ms = ms(started) / sources.len() as f64;
    eprintln!(
        "lantu: single source within {radius} m: {per_source_ms:.4} ms per source ({reached} nodes reached in all)"
    );

    // Isochrones (search + polygon) and what-if, with a home at every node.
    let started = Instant::now();
    let network = Network::new("bench".into(), loaded);
    let homes = HomeSet::new(&network, homes_at_nodes(&network.graph, 1));
    let index_ms = ms(started);
    let iso_sources: Vec<u32> = sources.iter().copied().take(50).collect();
    let started = Instant::now();
    let mut iso_area = 0.0;
    for &s in &iso_sources {
        let p = Point::from(network.graph.coords[s as usize]);
        iso_area += isochrone(&network, &homes, p, f64::from(radius), 50.0)
            .map(|i| i.area_m2)
            .unwrap_or(0.0);
    }
    let iso_ms = ms(started) / iso_sources.len() as f64;
    // Baseline: facilities at the POIs, threshold half the radius; candidates at the sources.
    let threshold = radius / 2.0;
    let facility_snaps: Vec<_> = pois
        .iter()
        .filter_map(|&p| {
            network
                .index
                .snap(Point::from(network.graph.coords[p as usize]))
        })
        .collect();
    let started = Instant::now();
    let baseline = distances(
        &network,
        &homes,
        &facility_snaps,
        threshold,
        threshold * 2.0,
    );
    let coverage_ms = ms(started);
    let covered = baseline.summary(&homes, None);
    let started = Instant::now();
    let mut added = 0usize;
    for &s in &sources {
        if let Some(snap) = network
            .index
            .snap(Point::from(network.graph.coords[s as usize]))
        {
            added += newly_covered(&network, &homes, &baseline, &snap).len();
        }
    }
    let whatif_ms = ms(started) / sources.len() as f64;
    eprintln!(
        "lantu: isochrone {radius} m (search + polygon): {iso_ms:.2} ms; coverage of {} homes: {coverage_ms:.1} ms ({} covered); what-if per candidate: {whatif_ms:.3} ms ({added} homes added in all); indexing: {index_ms:.0} ms",
        homes.homes.len(),
        covered.homes_covered
    );
    let result = json!({
        "tool": "lantu",
        "store": format!("{storage:?}"),
        "nodes": network.graph.node_count(),
        "pois": pois.len(),
        "sources": sources.len(),
        "radius_m": radius,
        "csv_read_ms": csv_ms,
        "load_from_store_ms": load_ms,
        "count_all_nodes_ms": count_ms,
        "count_all_nodes_with_load_ms": count_ms + load_ms,
        "single_source_ms": per_source_ms,
        "reached_sum": reached,
        "isochrone_ms": iso_ms,
        "isochrone_mean_area_m2": iso_area / iso_sources.len() as f64,
        "coverage_ms": coverage_ms,
        "whatif_ms": whatif_ms,
        "index_homes_ms": index_ms,
        "pandana_agreement": agreement,
        "peak_rss_mb": peak_rss_mb(),
    });
    if let Some(out) = &asked.out {
        std::fs::write(out, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

/// A side × side grid of 100 m blocks.
fn grid(side: u32) -> WalkGraph {
    let k = 111_320.0 * 31.23_f64.to_radians().cos();
    let mut coords = Vec::with_capacity((side * side) as usize);
    for row in 0..side {
        for col in 0..side {
            coords.push([
                121.45 + f64::from(col) * 100.0 / k,
                31.23 + f64::from(row) * 100.0 / 110_574.0,
            ]);
        }
    }
    let mut segments = Vec::with_capacity((2 * side * side) as usize);
    for row in 0..side {
        for col in 0..side {
            let id = row * side + col;
            if col + 1 < side {
                segments.push((id, id + 1, 100.0));
            }
            if row + 1 < side {
                segments.push((id, id + side, 100.0));
            }
        }
    }
    let ids = (0..coords.len() as i64).collect();
    WalkGraph::from_segments(coords, ids, &segments)
}

fn city(side: u32) -> anyhow::Result<()> {
    let started = Instant::now();
    let graph = grid(side);
    let network = Network::new("city".into(), graph);
    let n = network.graph.node_count();
    // Homes at every 4th node (250,000 on the 1 M grid), one facility per 500 nodes at
    // pseudo-random nodes (xorshift, fixed seed); a 1000 m threshold (a 15-minute category).
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let homes = HomeSet::new(&network, homes_at_nodes(&network.graph, 4));
    let facilities: Vec<_> = (0..n / 500)
        .map(|_| next())
        .filter_map(|i| network.index.snap(Point::from(network.graph.coords[i])))
        .collect();
    let setup_s = started.elapsed().as_secs_f64();
    let mut best = f64::INFINITY;
    let mut covered = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let d = distances(&network, &homes, &facilities, 1000.0, 2000.0);
        best = best.min(ms(started));
        covered = d.summary(&homes, None).homes_covered;
    }
    let rss = peak_rss_mb();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "tool": "lantu",
            "nodes": n,
            "homes": homes.homes.len(),
            "facilities": facilities.len(),
            "threshold_m": 1000,
            "coverage_ms_best_of_3": best,
            "homes_covered": covered,
            "setup_s": setup_s,
            "peak_rss_mb": rss,
        }))?
    );
    Ok(())
}
