//! `lantu import units FILE…`: the planning-unit hierarchy from a CSV (`level,code,name,
//! parent_code`, optional `name_en`, `population`) and boundaries from GeoJSON, merged by code.
//!
//! A GeoJSON feature names its unit by a code property (`code`, `official_control_code_2023`,
//! `adcode`) or, failing that, by its Chinese name matched against the units known from the
//! CSV and the store. Values a file does not give keep what is stored, so a CSV without
//! geometry never erases a boundary. Re-running an import updates in place: unchanged units get
//! no new version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

use super::model::{Unit, UnitCode, UnitFields, UnitLevel};
use crate::import::{Options, Progress, Refusal, file_name, read_features_in, report_refusals};
use crate::spatial::read::{Accept, GeometryReader};
use crate::spatial::{Geometry, MultiPolygon};
use crate::store::Store;
use crate::units::SaveReport;
use crate::version::Edit;

const CODE_KEYS: &[&str] = &["code", "official_control_code_2023", "adcode", "unit_code"];
const NAME_KEYS: &[&str] = &[
    "name_zh",
    "name",
    "official_control_name_2023",
    "osm_name",
    "district",
];
const NAME_EN_KEYS: &[&str] = &["name_en", "district_en", "name:en"];

/// Units read from files, merged, and what was refused.
#[derive(Debug, Default)]
pub struct UnitsRead {
    /// Merged units, by code.
    pub units: BTreeMap<UnitCode, UnitFields>,
    /// Refused rows and features.
    pub refusals: Vec<Refusal>,
    /// Things accepted but worth a look (a code that contradicts the name, resolved by name).
    pub notes: Vec<Refusal>,
}

fn refuse(place: String, pointer: Option<&str>, reason: impl Into<String>) -> Refusal {
    Refusal {
        place,
        pointer: pointer.map(str::to_string),
        reason: reason.into(),
    }
}

/// Reads `paths` (CSV files first, then GeoJSON), merging onto the `known` units.
pub fn read_unit_files(
    paths: &[PathBuf],
    known: &[Unit],
    crs: Option<&str>,
) -> anyhow::Result<UnitsRead> {
    let mut read = UnitsRead::default();
    let is_csv = |p: &PathBuf| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    for path in paths.iter().filter(|p| is_csv(p)) {
        read_csv(path, known, &mut read)?;
    }
    // A hierarchy CSV with a WKT column carries the boundaries too (in the CRS --crs names).
    let boundaries = |p: &&PathBuf| !is_csv(p) || has_wkt_column(p);
    for path in paths.iter().filter(boundaries) {
        read_geojson(path, known, crs, &mut read)?;
    }
    Ok(read)
}

/// Whether a CSV's header has a WKT geometry column (`wkt`, `geometry`, `geom`, `the_geom`).
fn has_wkt_column(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| {
        let text = String::from_utf8_lossy(&bytes);
        text.lines().next().is_some_and(|header| {
            header.split(',').any(|h| {
                ["wkt", "geometry", "geom", "the_geom"].iter().any(|n| {
                    h.trim()
                        .trim_matches(['"', '\u{feff}'])
                        .eq_ignore_ascii_case(n)
                })
            })
        })
    })
}

fn known_or_new<'a>(
    read: &'a mut UnitsRead,
    known: &[Unit],
    code: &UnitCode,
    name: Option<&str>,
) -> Option<&'a mut UnitFields> {
    if !read.units.contains_key(code) {
        let base = known
            .iter()
            .find(|u| &u.fields.code == code)
            .map(|u| u.fields.clone())
            .or_else(|| {
                name.map(|n| UnitFields {
                    code: code.clone(),
                    name_zh: n.to_string(),
                    name_en: None,
                    level: code.level(),
                    parent: code.parent(),
                    population: None,
                    geometry: None,
                })
            })?;
        read.units.insert(code.clone(), base);
    }
    read.units.get_mut(code)
}

fn read_csv(path: &Path, known: &[Unit], read: &mut UnitsRead) -> anyhow::Result<()> {
    let name = file_name(path);
    let text = crate::import::csv_text(path)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |key: &str| headers.iter().position(|h| h.trim() == key);
    let code_col = column("code").with_context(|| format!("{name} has no \"code\" column"))?;
    let name_col = column("name_zh")
        .or_else(|| column("name"))
        .with_context(|| format!("{name} has no \"name\" column"))?;
    let (level_col, parent_col) = (
        column("level"),
        column("parent_code").or_else(|| column("parent")),
    );
    let (name_en_col, population_col) = (column("name_en"), column("population"));
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .with_context(|| format!("{name} is not valid CSV"))?;
    let mut progress = Progress::new(format!("reading {name}"), records.len());
    let mut seen = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        progress.tick();
        let place = format!("{name} row {}", i + 2);
        let get = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let code = match UnitCode::parse(get(Some(code_col)).unwrap_or("")) {
            Ok(code) => code,
            Err(e) => {
                read.refusals.push(refuse(place, Some("code"), e));
                continue;
            }
        };
        if let Some(first) = seen.insert(code.clone(), i + 2) {
            read.refusals.push(refuse(
                place,
                Some("code"),
                format!("code {code} already appears on row {first}"),
            ));
            continue;
        }
        let Some(name_zh) = get(Some(name_col)) else {
            read.refusals
                .push(refuse(place, Some("name"), "the name is empty"));
            continue;
        };
        let level = match get(level_col).map(|l| (l, UnitLevel::parse(l))) {
            None => code.level(),
            Some((_, Some(level))) if level == code.level() => level,
            Some((l, Some(_))) => {
                read.refusals.push(refuse(
                    place,
                    Some("level"),
                    format!(
                        "level {l} does not fit code {code}, which names a {}",
                        code.level().as_str()
                    ),
                ));
                continue;
            }
            Some((l, None)) => {
                read.refusals.push(refuse(
                    place,
                    Some("level"),
                    format!("\"{l}\" is not a level; use district, subdistrict or committee"),
                ));
                continue;
            }
        };
        let parent = match get(parent_col).map(UnitCode::parse).transpose() {
            Ok(parent) => parent.or_else(|| code.parent()),
            Err(e) => {
                read.refusals.push(refuse(place, Some("parent_code"), e));
                continue;
            }
        };
        let population = match get(population_col).map(str::parse::<i64>).transpose() {
            Ok(p) if p.is_none_or(|n| n >= 0) => p,
            _ => {
                read.refusals.push(refuse(
                    place,
                    Some("population"),
                    "population must be a whole number ≥ 0",
                ));
                continue;
            }
        };
        let Some(unit) = known_or_new(read, known, &code, Some(name_zh)) else {
            continue;
        };
        unit.name_zh = name_zh.to_string();
        unit.level = level;
        unit.parent = parent;
        if let Some(en) = get(name_en_col) {
            unit.name_en = Some(en.to_string());
        }
        if population.is_some() {
            unit.population = population;
        }
    }
    progress.finish();
    Ok(())
}

fn first_string<'a>(properties: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| properties.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The units whose Chinese name is `name`, from this import and the store.
fn codes_named(name: &str, known: &[Unit], read: &UnitsRead) -> Vec<UnitCode> {
    let mut codes: Vec<UnitCode> = read
        .units
        .values()
        .map(|u| (&u.code, &u.name_zh))
        .chain(known.iter().map(|u| (&u.fields.code, &u.fields.name_zh)))
        .filter(|(_, n)| n.as_str() == name)
        .map(|(c, _)| c.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The name the hierarchy gives `code`, if it is known.
fn name_of<'a>(code: &UnitCode, known: &'a [Unit], read: &'a UnitsRead) -> Option<&'a str> {
    read.units
        .get(code)
        .map(|u| u.name_zh.as_str())
        .or_else(|| {
            known
                .iter()
                .find(|u| &u.fields.code == code)
                .map(|u| u.fields.name_zh.as_str())
        })
}

/// The unit a feature's boundary belongs to: its code property, or its name when the feature
/// has no code, or when the code names another unit in the hierarchy (boundary files tag codes
/// by hand and get them wrong; the name and the drawn boundary come together). The second
/// value is a note to show when the name overrode the code.
fn feature_code(
    properties: &Value,
    known: &[Unit],
    read: &UnitsRead,
) -> Result<(UnitCode, Option<String>), String> {
    let name = first_string(properties, NAME_KEYS);
    let by_name = |name: &str| match codes_named(name, known, read).as_slice() {
        [code] => Ok(code.clone()),
        [] => Err(format!("the name {name} matches no unit")),
        _ => Err(format!("the name {name} matches several units")),
    };
    let Some(code) = first_string(properties, CODE_KEYS) else {
        let name = name.ok_or(
            "the feature has neither a code property (code, official_control_code_2023) nor a name",
        )?;
        return by_name(name).map(|c| (c, None)).map_err(|e| {
            format!("no code property, and {e}; add a code property or import the CSV with it")
        });
    };
    let code = UnitCode::parse(code)?;
    match (name, name_of(&code, known, read)) {
        (Some(name), Some(listed)) if name != listed => {
            let resolved = by_name(name).map_err(|e| {
                format!("its code {code} is {listed} in the hierarchy, but its name is {name} and {e}; fix the code or the name")
            })?;
            let note = format!(
                "its code {code} is {listed} in the hierarchy, but its name is {name} ({resolved}); the boundary is taken as {name}'s"
            );
            Ok((resolved, Some(note)))
        }
        _ => Ok((code, None)),
    }
}

fn read_geojson(
    path: &Path,
    known: &[Unit],
    crs: Option<&str>,
    read: &mut UnitsRead,
) -> anyhow::Result<()> {
    let name = file_name(path);
    let (features, crs) = read_features_in(path, crs)?;
    let reader = GeometryReader::new(&crs).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut progress = Progress::new(format!("reading {name}"), features.len());
    for (i, feature) in features.iter().enumerate() {
        progress.tick();
        let place = crate::import::place(path, i);
        let properties = feature.get("properties").cloned().unwrap_or(Value::Null);
        let code = match feature_code(&properties, known, read) {
            Ok((code, None)) => code,
            Ok((code, Some(note))) => {
                read.notes.push(refuse(
                    place.clone(),
                    Some(&format!("/features/{i}/properties")),
                    note,
                ));
                code
            }
            Err(e) => {
                read.refusals
                    .push(refuse(place, Some(&format!("/features/{i}/properties")), e));
                continue;
            }
        };
        let pointer = format!("/features/{i}/geometry");
        let geometry = match feature.get("geometry").filter(|g| !g.is_null()) {
            None => None,
            Some(g) => match reader.read(g, &pointer, Accept::Areal) {
                Ok(Geometry::Polygon(p)) => Some(MultiPolygon(vec![p])),
                Ok(Geometry::MultiPolygon(m)) => Some(m),
                Ok(_) => None,
                Err(e) => {
                    read.refusals
                        .push(refuse(place, Some(&e.pointer), e.detail));
                    continue;
                }
            },
        };
        let name_zh = first_string(&properties, NAME_KEYS);
        let Some(unit) = known_or_new(read, known, &code, name_zh) else {
            read.refusals.push(refuse(
                place,
                Some(&format!("/features/{i}/properties")),
                format!("unit {code} is new and the feature gives no name"),
            ));
            continue;
        };
        if geometry.is_some() {
            unit.geometry = geometry;
        }
        if let Some(en) = first_string(&properties, NAME_EN_KEYS) {
            unit.name_en = Some(en.to_string());
        }
        if let Some(p) = properties
            .get("population")
            .and_then(Value::as_i64)
            .filter(|p| *p >= 0)
        {
            unit.population = Some(p);
        }
    }
    progress.finish();
    Ok(())
}

/// What a units import did.
#[derive(Debug)]
pub struct UnitsImported {
    /// What the store did, when it wrote.
    pub report: Option<SaveReport>,
    /// What was refused.
    pub refusals: Vec<Refusal>,
    /// What was accepted with a note.
    pub notes: Vec<Refusal>,
}

/// Reads, validates and saves the units of `paths` in one transaction.
pub async fn import_units(
    store: &Store,
    paths: &[PathBuf],
    edit: &Edit,
    options: impl Into<Options<'_>>,
) -> anyhow::Result<UnitsImported> {
    let options = options.into();
    let known = store.load_units().await?;
    let read = read_unit_files(paths, &known, options.crs)?;
    for note in &read.notes {
        eprintln!("note: {note}");
    }
    if !report_refusals(
        &read.refusals,
        options.on_refusal,
        "units",
        read.units.len(),
    )? {
        return Ok(UnitsImported {
            report: None,
            refusals: read.refusals,
            notes: read.notes,
        });
    }
    let units: Vec<UnitFields> = read.units.into_values().collect();
    eprintln!("  writing {} units in one transaction…", units.len());
    let report = store.save_units(&units, edit).await?;
    let with_boundary = units.iter().filter(|u| u.geometry.is_some()).count();
    eprintln!(
        "imported {} units ({with_boundary} with boundaries): {} created, {} updated, {} unchanged",
        units.len(),
        report.created,
        report.updated,
        report.unchanged
    );
    Ok(UnitsImported {
        report: Some(report),
        refusals: read.refusals,
        notes: read.notes,
    })
}
