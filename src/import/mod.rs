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
    /// Read and check everything, report it, and write nothing (`--dry-run`): an error when
    /// anything would be refused.
    DryRun,
}

/// How an import runs: what it does with refusals, and the CRS of files that name none (a CSV,
/// a Shapefile without a `.prj`, a GeoPackage layer left undefined).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Refusals stop it, are skipped, or it is a dry run.
    pub on_refusal: OnRefusal,
    /// `--crs`.
    pub crs: Option<&'a str>,
}

impl From<OnRefusal> for Options<'static> {
    fn from(on_refusal: OnRefusal) -> Self {
        Self {
            on_refusal,
            crs: None,
        }
    }
}

/// The features of a GeoJSON file (a FeatureCollection or one Feature) and the CRS it names.
pub fn read_features(path: &Path) -> anyhow::Result<(Vec<Value>, Crs)> {
    read_features_in(path, None)
}

/// [`read_features`], also from a Shapefile, a GeoPackage, or a CSV (`.csv`: longitude and
/// latitude columns, e.g. `lng`/`lat`, `lon`/`lat`, `x`/`y`, `经度`/`纬度`, or a `wkt` column;
/// the other columns become properties), whose coordinate system `crs` must name (`WGS84`,
/// `GCJ-02` for Amap or Tencent exports, `BD-09` for Baidu, or an EPSG code): a CSV carries none
/// of its own.
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
        return Ok((csv_features(path, &crs)?, crs));
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

/// Prints the refusals; returns whether the import may write the `valid` rows it read. A dry
/// run never writes: it is an error when anything would be refused.
pub fn report_refusals(
    refusals: &[Refusal],
    on_refusal: OnRefusal,
    what: &str,
    valid: usize,
) -> anyhow::Result<bool> {
    if !refusals.is_empty() {
        eprintln!("{} {what} refused:", refusals.len());
        for refusal in refusals {
            eprintln!("  - {refusal}");
        }
    }
    match on_refusal {
        OnRefusal::DryRun if refusals.is_empty() => {
            eprintln!("--dry-run: {valid} {what} read, none refused; nothing was written.");
            Ok(false)
        }
        OnRefusal::DryRun => anyhow::bail!(
            "--dry-run: {} {what} would be refused (above) and {valid} written with --skip-invalid; nothing was written",
            refusals.len()
        ),
        _ if refusals.is_empty() => Ok(true),
        OnRefusal::WriteNothing => {
            eprintln!(
                "nothing was written. Fix the rows above, or re-run with --skip-invalid to write the valid ones."
            );
            Ok(false)
        }
        OnRefusal::SkipInvalid => {
            eprintln!("--skip-invalid: writing the valid {what} only.");
            Ok(true)
        }
    }
}

/// A CSV's text: UTF-8 (its byte-order mark taken off), else GBK, as Excel in China saves it
/// (the import says so); anything else is refused.
pub fn csv_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (text, _, bad) = encoding_rs::GBK.decode(e.as_bytes());
            anyhow::ensure!(
                !bad,
                "{}: the text is neither UTF-8 nor GBK; save it as UTF-8 CSV",
                path.display()
            );
            eprintln!("  {}: text read as GBK (it is not UTF-8)", file_name(path));
            text.into_owned()
        }
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The rows of a CSV as GeoJSON features: points from coordinate columns (`lng`/`lat`,
/// `lon`/`lat`, `x`/`y`, `经度`/`纬度`) or any geometry from a WKT column (`wkt`, `geometry`,
/// `geom`, `the_geom`). A row whose geometry does not read has none, and is refused with its row
/// by the importer. The text is UTF-8 (a byte-order mark or not), else GBK, as Excel in China
/// saves it; the import says which.
///
/// Chinese survey data names northing X and easting Y: in a projected CRS, x/y columns whose x
/// are all northings (over 1,000 km) and y all eastings (under 1,000 km, with the 500 km false
/// easting) are read that way, and the import says so.
fn csv_features(path: &Path, crs: &Crs) -> anyhow::Result<Vec<Value>> {
    let text = csv_text(path)?;
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
    let wkt = column(&["wkt", "geometry", "geom", "the_geom"]);
    let xy = match (
        column(&["lng", "lon", "longitude", "x", "经度"]),
        column(&["lat", "latitude", "y", "纬度"]),
    ) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    };
    if wkt.is_none() && xy.is_none() {
        anyhow::bail!(
            "{}: no coordinate columns; name them lng and lat (or lon/lat, x/y, 经度/纬度), or give the geometry as WKT in a wkt column; the header is {}",
            path.display(),
            headers.join(",")
        );
    }
    let geometry_columns = [wkt, xy.map(|c| c.0), xy.map(|c| c.1)];
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{}: row {}", path.display(), i + 2)))
        .collect::<anyhow::Result<_>>()?;
    let projected = matches!(crs, Crs::Other(_) | Crs::Wkt { .. });
    let xy = match xy {
        Some((x, y)) if projected && wkt.is_none() => {
            let values = |k: usize| {
                rows.iter()
                    .filter_map(move |r| r.get(k)?.trim().parse::<f64>().ok())
            };
            let survey_order = values(x).count() > 0
                && values(x).all(|v| v > 1_000_000.0)
                && values(y).all(|v| v < 1_000_000.0);
            if survey_order {
                eprintln!(
                    "  {}: x is the northing and y the easting (Chinese survey order), so read the other way round",
                    file_name(path)
                );
                Some((y, x))
            } else {
                Some((x, y))
            }
        }
        other => other,
    };
    let mut features = Vec::new();
    for row in &rows {
        let number = |k: usize| row.get(k).and_then(|v| v.trim().parse::<f64>().ok());
        let mut properties = serde_json::Map::new();
        for (k, h) in headers.iter().enumerate() {
            if !geometry_columns.contains(&Some(k)) {
                properties.insert(
                    h.clone(),
                    Value::String(row.get(k).unwrap_or("").to_string()),
                );
            }
        }
        let geometry = match (wkt, xy) {
            (Some(k), _) => match row.get(k).map(str::trim).filter(|t| !t.is_empty()) {
                None => Value::Null,
                // Unreadable WKT stays as text, with why, so the importer refuses the row by name.
                Some(text) => match text
                    .parse::<wkt::Wkt<f64>>()
                    .map_err(|e| e.to_string())
                    .and_then(|w| geo::Geometry::<f64>::try_from(w).map_err(|e| e.to_string()))
                {
                    Ok(g) => {
                        serde_json::to_value(geojson::Geometry::from(&g)).unwrap_or(Value::Null)
                    }
                    Err(e) => Value::String(format!("{text}: not WKT ({e})")),
                },
            },
            (None, Some((x, y))) => match (number(x), number(y)) {
                (Some(lon), Some(lat)) => {
                    serde_json::json!({"type": "Point", "coordinates": [lon, lat]})
                }
                _ => Value::Null,
            },
            (None, None) => Value::Null,
        };
        features.push(
            serde_json::json!({"type": "Feature", "properties": properties, "geometry": geometry}),
        );
    }
    Ok(features)
}
