//! `lantu import facilities FILE --category C` and `lantu import homes FILE`: GeoJSON points
//! (or areas, walked from a point inside) as facilities of one category, and GeoJSON polygons or
//! points as homes with their population — given in the file, joined from a table, or estimated
//! from floor area by the stated rule (and flagged). Each import replaces the earlier one of the
//! same source in one transaction; a bad feature stops the import unless `--skip-invalid`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use geo::{GeodesicArea, Geometry};
use serde_json::Value;

use super::analysis::walking_point;
use super::catalogue::Catalogue;
use crate::import::{Options, Progress, Refusal, file_name, report_refusals};
use crate::network::extract::{FoundFacility, FoundHome, PopulationRule};
use crate::spatial::read::{Accept, GeometryReader};
use crate::store::Store;

fn name_of(properties: &serde_json::Map<String, Value>) -> Option<String> {
    ["name", "name:zh", "名称"]
        .iter()
        .find_map(|k| properties.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

/// A feature's id (string or number) as text, kept to trace a facility or home to its file.
fn feature_id(id: Option<&Value>) -> Option<String> {
    id.map(|v| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    })
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Features read with their place in the file and their geometry, and the features refused.
type Read = (Vec<(usize, Value, Geometry)>, Vec<Refusal>);

/// Reads every feature's geometry; refusals name the feature and the place in it.
fn read_geometries(path: &Path, crs: Option<&str>) -> anyhow::Result<Read> {
    let (features, crs) = crate::import::read_features_in(path, crs)?;
    let reader =
        GeometryReader::new(&crs).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut read = Vec::new();
    let mut refusals = Vec::new();
    for (i, feature) in features.into_iter().enumerate() {
        let place = crate::import::place(path, i);
        match feature.get("geometry") {
            Some(g) if !g.is_null() => {
                match reader.read(g, &format!("/features/{i}/geometry"), Accept::Any) {
                    Ok(geometry) => read.push((i, feature, geometry)),
                    Err(e) => refusals.push(Refusal {
                        place,
                        pointer: Some(e.pointer),
                        reason: e.detail,
                    }),
                }
            }
            _ => refusals.push(Refusal {
                place,
                pointer: Some(format!("/features/{i}/geometry")),
                reason: "a feature without geometry cannot be placed".into(),
            }),
        }
    }
    Ok((read, refusals))
}

/// Imports facilities of `category` from a file (GeoJSON, Shapefile, GeoPackage, or a CSV of
/// points or WKT in the CRS `options` names: an Amap export is `GCJ-02`) as `source`; returns
/// how many.
pub async fn import_facilities(
    store: &Store,
    catalogue: &Catalogue,
    path: &Path,
    (category, source): (&str, &str),
    options: impl Into<Options<'_>>,
) -> anyhow::Result<Option<usize>> {
    let Options { on_refusal, crs } = options.into();
    let Some(category) = catalogue.category(category) else {
        let known: Vec<&str> = catalogue.categories.iter().map(|c| c.id.as_str()).collect();
        anyhow::bail!(
            "--category {category} is not in the catalogue; it has {}",
            known.join(", ")
        );
    };
    let (read, mut refusals) = read_geometries(path, crs)?;
    let mut progress = Progress::new(format!("facilities from {}", file_name(path)), read.len());
    let mut found = Vec::new();
    for (i, feature, geometry) in read {
        progress.tick();
        let properties = feature
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let Some(position) = walking_point(&geometry) else {
            refusals.push(Refusal {
                place: crate::import::place(path, i),
                pointer: None,
                reason: "the geometry is empty".into(),
            });
            continue;
        };
        found.push(FoundFacility {
            category: category.id.clone(),
            name: name_of(&properties),
            position,
            osm: feature_id(feature.get("id").or_else(|| properties.get("osm_node_id"))),
        });
    }
    progress.finish();
    if !report_refusals(&refusals, on_refusal, "features", found.len())? {
        return Ok(None);
    }
    store.replace_facilities(source, &found).await?;
    eprintln!(
        "imported {} {} ({}) as source \"{source}\", replacing any earlier import of it",
        found.len(),
        category.name_en.to_lowercase(),
        category.name_zh
    );
    Ok(Some(found.len()))
}

/// Where homes' population comes from when the file does not give it.
#[derive(Debug, Clone, Default)]
pub struct PopulationSource {
    /// A table of key → population (CSV with columns `key,population`).
    pub table: Option<HashMap<String, f64>>,
    /// The feature property the table's keys match (default `name`).
    pub key: String,
    /// The estimate's rule.
    pub rule: PopulationRule,
}

/// Reads a `key,population` CSV.
pub fn read_population_table(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut table = HashMap::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{} row {}", path.display(), i + 2))?;
        let (Some(key), Some(value)) = (row.get(0), row.get(1)) else {
            anyhow::bail!(
                "{} row {}: expected two columns, key,population",
                path.display(),
                i + 2
            );
        };
        let population: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p >= 0.0)
            .with_context(|| {
                format!(
                    "{} row {}: population \"{value}\" is not a number of people",
                    path.display(),
                    i + 2
                )
            })?;
        table.insert(key.trim().to_string(), population);
    }
    Ok(table)
}

/// Imports homes from a file (as [`import_facilities`] reads) as `source`; returns (homes, of
/// them estimated).
pub async fn import_homes(
    store: &Store,
    path: &Path,
    source: &str,
    population: &PopulationSource,
    options: impl Into<Options<'_>>,
) -> anyhow::Result<Option<(usize, usize)>> {
    let Options { on_refusal, crs } = options.into();
    let (read, mut refusals) = read_geometries(path, crs)?;
    let file = file_name(path);
    let mut progress = Progress::new(format!("homes from {file}"), read.len());
    let mut found = Vec::new();
    let mut from_table = 0;
    for (i, feature, geometry) in read {
        progress.tick();
        let place = crate::import::place(path, i);
        let properties = feature
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if !matches!(
            geometry,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Point(_)
        ) {
            refusals.push(Refusal {
                place,
                pointer: Some(format!("/features/{i}/geometry/type")),
                reason: "a home is a Polygon or MultiPolygon (its outline) or a Point".into(),
            });
            continue;
        }
        let given = number(properties.get("population"));
        if properties.get("population").is_some_and(|p| !p.is_null())
            && given.is_none_or(|p| !(p.is_finite() && p >= 0.0))
        {
            refusals.push(Refusal {
                place,
                pointer: Some(format!("/features/{i}/properties/population")),
                reason: "population must be a number of people, zero or more".into(),
            });
            continue;
        }
        let joined = population.table.as_ref().and_then(|table| {
            let key = properties.get(&population.key)?;
            let key = key
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| key.to_string());
            table.get(&key).copied()
        });
        if joined.is_some() && given.is_none() {
            from_table += 1;
        }
        let rule = &population.rule;
        let estimate = || -> Option<f64> {
            let floor = match number(properties.get("floor_area_m2")) {
                Some(floor) => floor,
                None => {
                    let area = match &geometry {
                        Geometry::Point(_) => return None,
                        g => g.geodesic_area_unsigned(),
                    };
                    match number(properties.get("building:levels"))
                        .or_else(|| number(properties.get("levels")))
                    {
                        Some(levels) => area * levels,
                        None => area * rule.residential_land_far,
                    }
                }
            };
            Some(floor / rule.floor_area_per_person_m2)
        };
        let (people, estimated) = match given.or(joined) {
            Some(p) => (p, false),
            None => match estimate() {
                Some(p) => (p, true),
                None => {
                    refusals.push(Refusal {
                        place,
                        pointer: Some(format!("/features/{i}/properties")),
                        reason: "a point home needs its population (or floor_area_m2): nothing to estimate it from".into(),
                    });
                    continue;
                }
            },
        };
        found.push(FoundHome {
            name: name_of(&properties),
            shape: geometry,
            population: people,
            estimated,
            osm: feature_id(feature.get("id")),
        });
    }
    progress.finish();
    if !report_refusals(&refusals, on_refusal, "features", found.len())? {
        return Ok(None);
    }
    let estimated = found.iter().filter(|h| h.estimated).count();
    let rule = population.rule.describe();
    store.replace_homes(source, &found, &rule).await?;
    eprintln!(
        "imported {} homes ({:.0} residents) as source \"{source}\": {} counted in the file, {from_table} from the table, {estimated} estimated ({rule})",
        found.len(),
        found.iter().map(|h| h.population).sum::<f64>(),
        found.len() - estimated - from_table,
    );
    Ok(Some((found.len(), estimated)))
}
