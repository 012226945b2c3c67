//! `lantu import osm FILE`: the walking network, facilities and homes of an OSM extract, with
//! progress, a report, and one transaction that replaces the previous import of the same source.

use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::extract::{FoundFacilities, FoundHomes, PopulationRule, facilities, homes, streets};
use super::graph::{BuildReport, build_walk_graph_with};
use super::osm::read_osm_xml;
use super::pbf::read_osm_pbf;
use super::store::OsmImport;
use super::walk::WalkRules;
use crate::coverage::Catalogue;
use crate::store::Store;

/// What an OSM import did.
#[derive(Debug, Clone)]
pub struct OsmImported {
    /// The source name it is stored under.
    pub source: String,
    /// The network's build report.
    pub network: BuildReport,
    /// Facilities found, by category.
    pub facilities: Vec<(String, usize)>,
    /// Homes found, and how many have an estimated population.
    pub homes: (usize, usize),
}

/// Reads `path`, builds the network, finds facilities and homes, and stores them as `source`.
pub async fn import_osm(
    store: &Store,
    path: &Path,
    source: &str,
    catalogue: &Catalogue,
    rule: &PopulationRule,
) -> anyhow::Result<OsmImported> {
    import_osm_with(
        store,
        path,
        source,
        (catalogue, rule),
        &WalkRules::default(),
    )
    .await
}

/// [`import_osm`] under chosen walking rules (`lantu import osm --walk RULE`).
pub async fn import_osm_with(
    store: &Store,
    path: &Path,
    source: &str,
    (catalogue, rule): (&Catalogue, &PopulationRule),
    walk: &WalkRules,
) -> anyhow::Result<OsmImported> {
    let started = Instant::now();
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).max(1);
    let terminal = std::io::stderr().is_terminal();
    let mut last_decile = 0;
    let progress = |read: u64| {
        let percent = read * 100 / size;
        if terminal {
            eprint!("\r  reading {}: {percent}%", path.display());
            let _ = std::io::stderr().flush();
        } else if percent / 10 > last_decile {
            last_decile = percent / 10;
            eprintln!("  reading {}: {percent}%", path.display());
        }
    };
    let osm = if path.extension().is_some_and(|e| e == "pbf") {
        read_osm_pbf(BufReader::new(file), progress)
    } else {
        read_osm_xml(BufReader::new(file), progress)
    }
    .with_context(|| format!("cannot read {}", path.display()))?;
    eprintln!(
        "{}  read {} nodes, {} ways, {} relations ({:.1} s)",
        if terminal { "\r" } else { "" },
        osm.positions.len(),
        osm.ways.len(),
        osm.relations.len(),
        started.elapsed().as_secs_f64()
    );
    let (graph, network) = build_walk_graph_with(&osm, walk);
    anyhow::ensure!(
        graph.node_count() > 0,
        "{} has no walkable ways (highway=*): is it an OSM street extract?",
        path.display()
    );
    eprintln!(
        "  walking network: {} of {} ways walkable; {} nodes, {} street segments, {:.1} km; {} smaller components left out ({} nodes){}",
        network.walkable_ways,
        network.ways,
        network.nodes,
        network.segments,
        network.length_km,
        network.dropped_components.len(),
        network.dropped_components.iter().sum::<usize>(),
        if network.missing_nodes > 0 {
            format!(
                "; {} way nodes missing from the file (clipped extract)",
                network.missing_nodes
            )
        } else {
            String::new()
        }
    );
    for (rule, ways) in &network.by_rule {
        eprintln!("  walking rule {rule}: {ways} ways walked or left out by it");
    }
    // Closed ways and multipolygons, assembled once: facilities and homes both come from them.
    let areas = super::areas::areas(&osm);
    let FoundFacilities {
        found: found_facilities,
        left_out,
        clipped,
    } = facilities(&osm, &areas, catalogue);
    let FoundHomes {
        homes: found_homes,
        report: homes_report,
    } = homes(&areas, rule);
    let mut by_category: Vec<(String, usize)> = Vec::new();
    for f in &found_facilities {
        match by_category.iter_mut().find(|(c, _)| *c == f.category) {
            Some((_, n)) => *n += 1,
            None => by_category.push((f.category.clone(), 1)),
        }
    }
    for ((category, option), n) in &left_out {
        eprintln!("  left out: {n} that would count as {category} with --count {option}");
    }
    if !clipped.is_empty() {
        eprintln!(
            "  clipped by the extract's edge, kept with the part inside: {}",
            clipped
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let estimated = found_homes.iter().filter(|h| h.estimated).count();
    eprintln!(
        "  facilities: {}",
        if by_category.is_empty() {
            "none tagged".to_string()
        } else {
            by_category
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    eprintln!(
        "  homes: {} ({} with population estimated: {})",
        found_homes.len(),
        estimated,
        rule.describe()
    );
    let r = &homes_report;
    eprintln!(
        "  homes taken: {} residential buildings, {} building=yes in residential land, {} residential areas with no home building mapped; {} clipped by the extract's edge (the part inside kept)",
        r.buildings, r.buildings_in_land, r.land, r.clipped
    );
    eprintln!(
        "  homes left: {} residential areas whose buildings are the homes (not counted twice), {} building=yes in residential land{}",
        r.land_with_buildings,
        r.buildings_in_land_left,
        if r.buildings_in_land_left > 0 {
            " (count them with --homes buildings_in_residential_land)"
        } else {
            ""
        }
    );
    let import = OsmImport {
        source: source.to_string(),
        graph,
        facilities: found_facilities,
        homes: found_homes,
        streets: streets(&osm),
        estimate_rule: rule.describe(),
    };
    let homes_total = import.homes.len();
    eprintln!(
        "  named streets (for the basemap): {}",
        import.streets.len()
    );
    store.replace_import(&import).await?;
    eprintln!(
        "imported {} as source \"{source}\", replacing any earlier import of it ({:.1} s)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(OsmImported {
        source: source.to_string(),
        network,
        facilities: by_category,
        homes: (homes_total, estimated),
    })
}
