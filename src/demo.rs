//! Demo data loaded on the first start of `lantu serve --demo` (what `make run` does): the
//! real Putuo units from `../shared/data` when that folder is beside the project, otherwise the
//! small demo district the project ships in `fixtures/demo/`; and the demo sites.

use std::path::{Path, PathBuf};

use crate::import::OnRefusal;
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
pub async fn load(store: &dyn Store, sources: &DemoSources) -> anyhow::Result<()> {
    let edit = Edit {
        author: "demo".into(),
        message: Some("demo data loaded on first start".into()),
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
    Ok(())
}
