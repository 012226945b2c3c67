//! Demo data loaded on the first start of `lantu serve --demo` (what `make run` does): the
//! real Putuo units from `../shared/data` when that folder is beside the project, otherwise the
//! small demo district the project ships in `fixtures/demo/`; the demo sites; and for the
//! life-circle analysis the central-Shanghai street network with Putuo's metro stations, bus
//! stops and a sample of residential compounds (or, without the shared data, the 5 × 5 test grid
//! with its kindergarten and four homes); and the demo people ([`crate::planners::demo`]).

use std::path::{Path, PathBuf};

use crate::coverage::Catalogue;
use crate::coverage::import::{PopulationSource, import_facilities, import_homes};
use crate::import::OnRefusal;
use crate::network::extract::PopulationRule;
use crate::network::import::import_osm;
use crate::sites::import::import_sites;
use crate::store::Store;
use crate::units::import::import_units;
use crate::version::Edit;

/// Where demo data comes from.
#[derive(Debug, Clone)]
pub struct DemoSources {
    /// `../shared/data` (the real Putuo data), if present.
    pub shared_data: PathBuf,
    /// The project's `fixtures/demo`.
    pub fixtures: PathBuf,
}

fn putuo_files(shared: &Path) -> Option<Vec<PathBuf>> {
    let dir = shared.join("putuo/units");
    let files: Vec<PathBuf> = ["district.geojson", "subdistricts.geojson", "committees.csv"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    files.iter().all(|f| f.is_file()).then_some(files)
}

/// Loads demo units and sites into an empty store; says what it loaded.
pub async fn load(store: &Store, sources: &DemoSources) -> anyhow::Result<()> {
    let edit = Edit {
        author: "demo".into(),
        message: Some("demo data loaded on first start".into()),
        ..Edit::default()
    };
    if store.load_units().await?.is_empty() {
        match putuo_files(&sources.shared_data) {
            Some(files) => {
                println!(
                    "demo: loading the real Putuo units (普陀区: 10 sub-districts, 285 committees) from {}",
                    sources.shared_data.display()
                );
                import_units(store, &files, &edit, OnRefusal::WriteNothing).await?;
            }
            None => {
                println!(
                    "demo: {} has no Putuo data; loading the small demo district 示范区 from {}",
                    sources.shared_data.display(),
                    sources.fixtures.display()
                );
                let files = vec![
                    sources.fixtures.join("demo_units.csv"),
                    sources.fixtures.join("demo_units.geojson"),
                ];
                import_units(store, &files, &edit, OnRefusal::WriteNothing).await?;
            }
        }
    }
    if store.load_sites().await?.is_empty() {
        let file = sources.fixtures.join("demo_sites.geojson");
        println!("demo: loading the demo sites from {}", file.display());
        import_sites(store, &[file], &edit, OnRefusal::WriteNothing).await?;
    }
    if store.load_networks().await?.is_empty() {
        load_life_circle(store, sources).await?;
    }
    crate::planners::demo::load(store).await?;
    crate::evaluation::demo::load(store).await
}

async fn load_life_circle(store: &Store, sources: &DemoSources) -> anyhow::Result<()> {
    let catalogue =
        Catalogue::parse(crate::coverage::catalogue::DEFAULT).map_err(anyhow::Error::msg)?;
    let rule = PopulationRule::default();
    let shared = &sources.shared_data;
    let streets = shared.join("shanghai/streets_center.osm");
    let fixtures = sources.fixtures.parent().unwrap_or(&sources.fixtures);
    let population = PopulationSource {
        key: "name".into(),
        ..PopulationSource::default()
    };
    if streets.is_file() {
        println!(
            "demo: loading the central-Shanghai walking network, Putuo's metro stations and bus stops, and a sample of residential compounds from {}",
            shared.display()
        );
        import_osm(store, &streets, "streets_center.osm", &catalogue, &rule).await?;
        for (file, category) in [
            ("putuo/facilities/metro_stations.geojson", "metro_station"),
            ("putuo/facilities/bus_stops.geojson", "bus_stop"),
        ] {
            let path = shared.join(file);
            let source = crate::import::file_name(&path);
            import_facilities(
                store,
                &catalogue,
                &path,
                (category, &source),
                OnRefusal::WriteNothing,
            )
            .await?;
        }
        let path = shared.join("putuo/residential/compounds_sample.geojson");
        import_homes(
            store,
            &path,
            "compounds_sample.geojson",
            &population,
            OnRefusal::WriteNothing,
        )
        .await?;
    } else {
        println!(
            "demo: loading the 5 × 5 test grid with a kindergarten and four homes from {}",
            fixtures.display()
        );
        import_osm(
            store,
            &fixtures.join("network/grid_5x5.osm"),
            "grid_5x5.osm",
            &catalogue,
            &rule,
        )
        .await?;
        import_facilities(
            store,
            &catalogue,
            &fixtures.join("coverage/grid_kindergarten.geojson"),
            ("kindergarten", "grid_kindergarten.geojson"),
            OnRefusal::WriteNothing,
        )
        .await?;
        import_homes(
            store,
            &fixtures.join("coverage/grid_homes.geojson"),
            "grid_homes.geojson",
            &population,
            OnRefusal::WriteNothing,
        )
        .await?;
    }
    Ok(())
}
