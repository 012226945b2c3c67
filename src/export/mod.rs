//! Features as the files planners and bureaus hand on: GeoJSON, CSV that Excel opens with its
//! Chinese intact, GeoPackage and zipped Shapefile, in the CRS the caller asks for.
//!
//! Every export is built from the features the caller may read (the same page the GeoJSON
//! answer holds), so drafts and residents' contact details never reach a file they could not
//! read on the API.

pub mod gpkg;
pub mod shp;
mod zip;

use axum::response::Response;
use geo::{BoundingRect, Geometry};
use serde_json::Value;

use crate::error::AppError;
use crate::http::csv::attachment;
use crate::spatial::target::Target;

/// The formats an export may be written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON (RFC 7946; in the asked CRS's axis order when `crs` is given, Part 2).
    #[default]
    GeoJson,
    /// CSV, UTF-8 with a byte-order mark, geometry as WKT.
    Csv,
    /// A GeoPackage (OGC 12-128r18, version 1.3).
    GeoPackage,
    /// A Shapefile (`.shp`, `.shx`, `.dbf` in UTF-8 with its `.cpg`, `.prj`), zipped.
    Shapefile,
}

impl Format {
    /// What `f=` may say.
    pub const CHOICES: &'static str = "json (GeoJSON), csv (UTF-8 CSV for Excel, geometry as WKT), gpkg (GeoPackage) or shp (zipped Shapefile)";

    /// Reads `f=`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "json" | "geojson" => Some(Self::GeoJson),
            "csv" => Some(Self::Csv),
            "gpkg" | "geopackage" => Some(Self::GeoPackage),
            "shp" | "shapefile" => Some(Self::Shapefile),
            _ => None,
        }
    }
}

/// The type of a column, the narrowest that holds every value in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers.
    Integer,
    /// Numbers.
    Real,
    /// true or false.
    Boolean,
    /// Anything else, as text (lists joined by spaces, objects as JSON).
    Text,
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Null,
    /// A whole number.
    Integer(i64),
    /// A number.
    Real(f64),
    /// true or false.
    Boolean(bool),
    /// Text.
    Text(String),
}

impl Cell {
    /// The value as a CSV or WKT-table cell shows it.
    pub fn text(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Integer(n) => n.to_string(),
            Self::Real(x) => x.to_string(),
            Self::Boolean(b) => b.to_string(),
            Self::Text(s) => s.clone(),
        }
    }
}

/// A named column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Its name: the property's.
    pub name: String,
    /// Its type.
    pub kind: Kind,
}

/// One feature: its values in column order and its geometry in the target CRS, easting first.
#[derive(Debug, Clone)]
pub struct Row {
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// Its geometry, if it has one.
    pub geometry: Option<Geometry>,
}

/// Features as a table: `id` first, then every property any feature has.
#[derive(Debug, Clone)]
pub struct Table {
    /// The layer's name (the collection's id).
    pub name: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The CRS the geometries are in.
    pub crs: Target,
}

impl Table {
    /// The table of GeoJSON `features` (WGS84), their geometries written in `crs`.
    pub fn of_features(name: &str, features: &[Value], crs: &Target) -> Result<Self, String> {
        let mut names = vec!["id".to_string()];
        for f in features {
            for key in f["properties"]
                .as_object()
                .into_iter()
                .flat_map(|p| p.keys())
            {
                if !names.contains(key) {
                    names.push(key.clone());
                }
            }
        }
        let value = |f: &Value, column: usize| -> Value {
            if column == 0 {
                f["id"].clone()
            } else {
                f["properties"][&names[column]].clone()
            }
        };
        let columns: Vec<Column> = (0..names.len())
            .map(|i| Column {
                name: names[i].clone(),
                kind: kind_of(features.iter().map(|f| value(f, i))),
            })
            .collect();
        let writer = crs.from_wgs84()?;
        let rows = features
            .iter()
            .map(|f| {
                let geometry = match &f["geometry"] {
                    Value::Null => None,
                    g => Some(writer.geometry(&geometry_of(g)?)?),
                };
                Ok(Row {
                    cells: columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| cell(&value(f, i), c.kind))
                        .collect(),
                    geometry,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            name: name.to_string(),
            columns,
            rows,
            crs: crs.clone(),
        })
    }

    /// The box every geometry lies in, `[min_x, min_y, max_x, max_y]`.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.rows
            .iter()
            .filter_map(|r| r.geometry.as_ref()?.bounding_rect())
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }
}

/// A GeoJSON geometry object as a `geo` geometry.
fn geometry_of(v: &Value) -> Result<Geometry, String> {
    let g: geojson::Geometry =
        serde_json::from_value(v.clone()).map_err(|e| format!("a geometry cannot be read: {e}"))?;
    Geometry::try_from(g).map_err(|e| format!("a geometry cannot be converted: {e}"))
}

fn kind_of(values: impl Iterator<Item = Value>) -> Kind {
    let mut kind: Option<Kind> = None;
    for v in values {
        let this = match &v {
            Value::Null => continue,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(n) if n.is_i64() => Kind::Integer,
            Value::Number(_) => Kind::Real,
            _ => Kind::Text,
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(Kind::Integer), Kind::Real) | (Some(Kind::Real), Kind::Integer) => Kind::Real,
            _ => Kind::Text,
        });
    }
    kind.unwrap_or(Kind::Text)
}

fn cell(v: &Value, kind: Kind) -> Cell {
    match (v, kind) {
        (Value::Null, _) => Cell::Null,
        (Value::Bool(b), Kind::Boolean) => Cell::Boolean(*b),
        (Value::Number(n), Kind::Integer) => n.as_i64().map_or(Cell::Null, Cell::Integer),
        (Value::Number(n), Kind::Real) => n.as_f64().map_or(Cell::Null, Cell::Real),
        (Value::String(s), _) => Cell::Text(s.clone()),
        (Value::Array(items), _) => Cell::Text(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        (other, _) => Cell::Text(other.to_string()),
    }
}

/// `features` (GeoJSON feature values, WGS84) as a download in `format` and `crs`, named
/// after `name`. GeoJSON answers are not built here: they keep their collection's links.
pub fn download(
    name: &str,
    features: &[Value],
    format: Format,
    crs: &Target,
) -> Result<Response, AppError> {
    let failed = |e: String| AppError::Internal(anyhow::anyhow!("export of {name} failed: {e}"));
    let table = Table::of_features(name, features, crs).map_err(|e| {
        AppError::bad_request(
            "Cannot write in this CRS",
            "?crs",
            format!("{e}; choose a CRS whose area holds the features, or CRS84"),
        )
    })?;
    let suffix = if crs.is_crs84() {
        String::new()
    } else {
        format!("_{}", crs.label().replace(':', "").to_lowercase())
    };
    let stem = format!("{name}{suffix}");
    Ok(match format {
        Format::GeoJson | Format::Csv => csv(&stem, &table),
        Format::GeoPackage => attachment(
            &format!("{stem}.gpkg"),
            "application/geopackage+sqlite3",
            gpkg::write(&table).map_err(failed)?,
        ),
        Format::Shapefile => attachment(
            &format!("{stem}.zip"),
            "application/zip",
            shp::write_zip(&table, &stem).map_err(failed)?,
        ),
    })
}

/// The table as CSV: `id`, the properties, and the geometry as WKT.
pub fn csv(stem: &str, table: &Table) -> Response {
    let mut header: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    header.push("wkt");
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            let mut line: Vec<String> = r.cells.iter().map(Cell::text).collect();
            line.push(r.geometry.as_ref().map(wkt).unwrap_or_default());
            line
        })
        .collect();
    crate::http::csv::download(&format!("{stem}.csv"), &header, &rows)
}

/// Every geometry of a GeoJSON feature or feature collection written in `crs`, in the order of
/// its axes (latitude or northing first where the CRS says so).
pub fn reproject(value: &mut Value, crs: &Target) -> Result<(), String> {
    if crs.is_crs84() {
        return Ok(());
    }
    let writer = crs.from_wgs84()?;
    let mut one = |feature: &mut Value| -> Result<(), String> {
        let geometry = &mut feature["geometry"];
        if geometry.is_null() {
            return Ok(());
        }
        let g = writer.geometry(&geometry_of(geometry)?)?;
        // Not `write::geometry_json`: its winding rule is for longitude/latitude.
        *geometry = serde_json::to_value(geojson::Geometry::from(&g)).unwrap_or(Value::Null);
        if crs.north_first() {
            crate::spatial::target::swap_axes(geometry);
        }
        Ok(())
    };
    match value.get_mut("features").and_then(Value::as_array_mut) {
        Some(features) => features.iter_mut().try_for_each(&mut one),
        None => one(value),
    }
}

fn wkt(g: &Geometry) -> String {
    let json = serde_json::to_value(geojson::Geometry::from(g)).unwrap_or(Value::Null);
    crate::spatial::write::wkt(&json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_take_the_narrowest_type_that_holds_every_value() {
        let features = vec![
            json!({"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [121.4, 31.2]},
                "properties": {"name": "西区", "area": 10, "ok": true, "tags": ["a", "b"]}}),
            json!({"type": "Feature", "id": 2, "geometry": null,
                "properties": {"name": null, "area": 2.5, "ok": false, "extra": 3}}),
        ];
        let t = Table::of_features("sites", &features, &Target::crs84()).unwrap();
        let kinds: Vec<(&str, Kind)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", Kind::Integer),
                ("name", Kind::Text),
                ("area", Kind::Real),
                ("ok", Kind::Boolean),
                ("tags", Kind::Text),
                ("extra", Kind::Integer)
            ]
        );
        assert_eq!(t.rows[0].cells[4], Cell::Text("a b".into()));
        assert_eq!(t.rows[1].cells[1], Cell::Null);
        assert_eq!(t.rows[1].cells[5], Cell::Integer(3));
        assert!(t.rows[1].geometry.is_none());
        assert_eq!(t.bounds(), Some([121.4, 31.2, 121.4, 31.2]));
    }
}
