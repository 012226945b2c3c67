//! What every import shares: reading GeoJSON files, the row-by-row report of refusals, and a
//! progress display. The concepts' own readers are `units::import` and `sites::import`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;

use crate::spatial::crs::Crs;

pub mod gpkg;
pub mod shapefile;

/// One row or feature an import refused, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `committees.csv row 17` or `sites.geojson feature 3`.
    pub place: String,
    /// A JSON pointer or column inside that row, when there is one.
    pub pointer: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pointer {
            Some(p) => write!(f, "{} at {}: {}", self.place, p, self.reason),
            None => write!(f, "{}: {}", self.place, self.reason),
        }
    }
}

/// What an import does when some rows are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnRefusal {
    /// Write nothing at all (the default: nothing half-written).
    #[default]
    WriteNothing,
    /// Write the valid rows in one transaction and report the rest.
    SkipInvalid,
}

/// The features of a GeoJSON file (a FeatureCollection or one Feature) and the CRS it names.
pub fn read_features(path: &Path) -> anyhow::Result<(Vec<Value>, Crs)> {
    read_features_in(path, None)
}

/// [`read_features`], also from a CSV of points (`.csv`: longitude and latitude columns, e.g.
/// `lng`/`lat`, `lon`/`lat`, `x`/`y`, `经度`/`纬度`; the other columns become properties), whose
/// coordinate system `crs` must name (`WGS84`, `GCJ-02` for Amap or Tencent exports, `BD-09` for
/// Baidu, or an EPSG code): a CSV carries none of its own.
pub fn read_features_in(path: &Path, crs: Option<&str>) -> anyhow::Result<(Vec<Value>, Crs)> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let name = crs.ok_or_else(|| {
            anyhow::anyhow!(
                "{}: a CSV names no coordinate system; say which with --crs (WGS84, GCJ-02 for Amap or Tencent, BD-09 for Baidu, or an EPSG code)",
                path.display()
            )
        })?;
        let crs = Crs::from_cli(name).map_err(|e| anyhow::anyhow!("--crs: {e}"))?;
        return Ok((csv_points(path)?, crs));
    }
    if gpkg::split_layer(path).is_some() {
        let read = gpkg::read_geopackage(path, crs)?;
        eprintln!(
            "  {}: layer {}, {} features",
            file_name(path),
            read.layer,
            read.features.len()
        );
        return Ok((read.features, read.crs));
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
    {
        let read = shapefile::read_shapefile(path, crs)?;
        eprintln!(
            "  {}: {} features, text read as {}",
            file_name(path),
            read.features.len(),
            read.encoding
        );
        return Ok((read.features, read.crs));
    }
    if crs.is_some() {
        anyhow::bail!(
            "{}: --crs is for CSV files, and Shapefiles or GeoPackages that leave their CRS undefined; a GeoJSON file names its own in its crs member",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let document: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let crs = match document.get("crs") {
        // Files from scripts often carry a bare name ("crs": "WGS84 (OSM)"), not the 2008
        // GeoJSON object; a name that says WGS 84 is read as such, anything else must be a code.
        Some(Value::String(name)) => {
            let squeezed = name.to_ascii_uppercase().replace(' ', "");
            if squeezed.contains("WGS84") {
                Ok(Crs::LonLat)
            } else {
                Crs::from_name(name)
            }
        }
        member => Crs::from_member(member),
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    match document.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let features = document
                .get("features")
                .and_then(Value::as_array)
                .cloned()
                .with_context(|| {
                    format!(
                        "{}: a FeatureCollection needs a features array",
                        path.display()
                    )
                })?;
            Ok((features, crs))
        }
        Some("Feature") => Ok((vec![document], crs)),
        _ => anyhow::bail!(
            "{} is not a GeoJSON FeatureCollection or Feature",
            path.display()
        ),
    }
}

/// Where feature `i` (from 0) of `path` is, for a refusal: a CSV's row as a spreadsheet
/// numbers it (the header is row 1), any other file's feature number.
pub fn place(path: &Path, i: usize) -> String {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        format!("{} row {}", file_name(path), i + 2)
    } else {
        format!("{} feature {i}", file_name(path))
    }
}

/// The file name for messages.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A progress line on stderr: redrawn in place on a terminal, a line per 10 % elsewhere
/// (for 100 steps or more; shorter work prints only its total).
pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    terminal: bool,
    last: Instant,
    last_decile: usize,
}

impl Progress {
    /// Starts counting `total` steps of `label`.
    pub fn new(label: impl Into<String>, total: usize) -> Self {
        Self {
            label: label.into(),
            total,
            done: 0,
            terminal: std::io::stderr().is_terminal(),
            last: Instant::now(),
            last_decile: 0,
        }
    }

    /// One more step done.
    pub fn tick(&mut self) {
        self.done += 1;
        let decile = (self.done * 10).checked_div(self.total).unwrap_or(10);
        if self.terminal && self.last.elapsed() > Duration::from_millis(100) {
            eprint!("\r  {}: {}/{}", self.label, self.done, self.total);
            let _ = std::io::stderr().flush();
            self.last = Instant::now();
        } else if !self.terminal
            && self.total >= 100
            && decile > self.last_decile
            && self.done < self.total
        {
            eprintln!(
                "  {}: {}/{} ({}%)",
                self.label,
                self.done,
                self.total,
                decile * 10
            );
            self.last_decile = decile;
        }
    }

    /// Prints the final count.
    pub fn finish(self) {
        let lead = if self.terminal { "\r" } else { "" };
        eprintln!("{lead}  {}: {}/{} done", self.label, self.done, self.total);
    }
}

/// Prints the refusals; returns whether the import may write.
pub fn report_refusals(refusals: &[Refusal], on_refusal: OnRefusal, what: &str) -> bool {
    if refusals.is_empty() {
        return true;
    }
    eprintln!("{} {what} refused:", refusals.len());
    for refusal in refusals {
        eprintln!("  - {refusal}");
    }
    match on_refusal {
        OnRefusal::WriteNothing => {
            eprintln!(
                "nothing was written. Fix the rows above, or re-run with --skip-invalid to write the valid ones."
            );
            false
        }
        OnRefusal::SkipInvalid => {
            eprintln!("--skip-invalid: writing the valid {what} only.");
            true
        }
    }
}

/// The rows of a CSV of points as GeoJSON features (a row whose coordinates do not read has no
/// geometry, and is refused with its row by the importer).
fn csv_points(path: &Path) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} as UTF-8", path.display()))?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: no header row", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(x), Some(y)) = (
        column(&["lng", "lon", "longitude", "x", "经度"]),
        column(&["lat", "latitude", "y", "纬度"]),
    ) else {
        anyhow::bail!(
            "{}: no coordinate columns; name them lng and lat (or lon/lat, x/y, 经度/纬度); the header is {}",
            path.display(),
            headers.join(",")
        );
    };
    let mut features = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let number = |k: usize| row.get(k).and_then(|v| v.trim().parse::<f64>().ok());
        let mut properties = serde_json::Map::new();
        for (k, h) in headers.iter().enumerate() {
            if k != x && k != y {
                properties.insert(
                    h.clone(),
                    Value::String(row.get(k).unwrap_or("").to_string()),
                );
            }
        }
        let geometry = match (number(x), number(y)) {
            (Some(lon), Some(lat)) => {
                serde_json::json!({"type": "Point", "coordinates": [lon, lat]})
            }
            _ => Value::Null,
        };
        features.push(
            serde_json::json!({"type": "Feature", "properties": properties, "geometry": geometry}),
        );
    }
    Ok(features)
}
