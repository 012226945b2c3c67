//! `lantu import sites FILE…`: planners bring the sites they already have as GeoJSON.
//! Every feature is validated like a POST; refused features are listed with the reason, and
//! nothing is written unless all pass (or `--skip-invalid` is given).

use std::path::PathBuf;

use super::model::SiteFields;
use super::parse::parse_site_feature;
use crate::import::{
    Options, Progress, Refusal, file_name, place, read_features_in, report_refusals,
};
use crate::store::Store;
use crate::version::Edit;

/// What a sites import did.
#[derive(Debug, Clone, PartialEq)]
pub struct SitesImported {
    /// Ids of the sites created.
    pub created: Vec<i64>,
    /// What was refused.
    pub refusals: Vec<Refusal>,
    /// Whether anything was written.
    pub written: bool,
}

/// Reads and validates every feature of `paths`.
pub fn read_site_files(
    paths: &[PathBuf],
    crs: Option<&str>,
) -> anyhow::Result<(Vec<SiteFields>, Vec<Refusal>)> {
    let mut sites = Vec::new();
    let mut refusals = Vec::new();
    for path in paths {
        let name = file_name(path);
        let (mut features, crs) = read_features_in(path, crs)?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
        {
            features
                .iter_mut()
                .for_each(super::parse::restore_dbf_names);
        }
        let mut progress = Progress::new(format!("validating {name}"), features.len());
        for (i, feature) in features.iter().enumerate() {
            match parse_site_feature(feature, &format!("/features/{i}"), &crs) {
                Ok(parsed) => sites.push(parsed.fields),
                Err(err) => {
                    let problem = err.problem();
                    refusals.push(Refusal {
                        place: place(path, i),
                        pointer: problem["pointer"].as_str().map(str::to_string),
                        reason: problem["detail"].as_str().unwrap_or_default().to_string(),
                    });
                }
            }
            progress.tick();
        }
        progress.finish();
    }
    Ok((sites, refusals))
}

/// Imports the sites of `paths` in one transaction.
pub async fn import_sites(
    store: &Store,
    paths: &[PathBuf],
    edit: &Edit,
    options: impl Into<Options<'_>>,
) -> anyhow::Result<SitesImported> {
    let options = options.into();
    let (sites, refusals) = read_site_files(paths, options.crs)?;
    if !report_refusals(&refusals, options.on_refusal, "sites", sites.len())? {
        return Ok(SitesImported {
            created: Vec::new(),
            refusals,
            written: false,
        });
    }
    eprintln!("  writing {} sites in one transaction…", sites.len());
    let created: Vec<i64> = store
        .create_sites(&sites, edit)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    eprintln!(
        "imported {} sites (ids {}…{})",
        created.len(),
        created.first().unwrap_or(&0),
        created.last().unwrap_or(&0)
    );
    Ok(SitesImported {
        created,
        refusals,
        written: true,
    })
}
