//! Reading a GeoPackage (OGC 12-128, any version QGIS, ArcGIS or GDAL writes) as GeoJSON
//! features: one feature layer, geometry in the layer's own CRS (named by its EPSG code or its
//! WKT definition), every other column a property.
//!
//! A file with several feature layers needs one named: `file.gpkg:layer`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, types::ValueRef};
use serde_json::{Map, Value, json};

use crate::spatial::crs::Crs;

/// The features of one layer, and its CRS.
#[derive(Debug)]
pub struct GeoPackageRead {
    /// The layer read.
    pub layer: String,
    /// The features, GeoJSON, in the layer's coordinates.
    pub features: Vec<Value>,
    /// The layer's CRS (or `--crs` where the file leaves it undefined).
    pub crs: Crs,
}

/// `file.gpkg` or `file.gpkg:layer` → the file, and the layer if one is named.
pub fn split_layer(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let text = path.to_str()?;
    let lower = text.to_ascii_lowercase();
    if lower.ends_with(".gpkg") {
        return Some((path.to_path_buf(), None));
    }
    let at = lower.rfind(".gpkg:")?;
    let (file, layer) = text.split_at(at + ".gpkg".len());
    Some((PathBuf::from(file), Some(layer[1..].to_string())))
}

/// Reads one feature layer of the GeoPackage `path` (`file.gpkg[:layer]`); `crs` is for a
/// layer whose CRS the file leaves undefined, and refused beside a defined one.
pub fn read_geopackage(path: &Path, crs: Option<&str>) -> anyhow::Result<GeoPackageRead> {
    let (file, wanted) = split_layer(path)
        .ok_or_else(|| anyhow::anyhow!("{} is not a .gpkg file", path.display()))?;
    let shown = file.display().to_string();
    let db = Connection::open_with_flags(&file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {shown}"))?;
    let layers: Vec<(String, String, i64)> = db
        .prepare(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c
             JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()
        })
        .with_context(|| {
            format!("{shown} is not a GeoPackage (no gpkg_contents with feature layers)")
        })?;
    let names = || {
        layers
            .iter()
            .map(|l| l.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (layer, column, srs_id) = match (&wanted, layers.as_slice()) {
        (None, [one]) => one.clone(),
        (None, []) => anyhow::bail!("{shown} holds no feature layer"),
        (None, _) => anyhow::bail!(
            "{shown} holds {} feature layers ({}); name one as {shown}:LAYER",
            layers.len(),
            names()
        ),
        (Some(name), _) => layers
            .iter()
            .find(|l| &l.0 == name)
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{shown} has no feature layer \"{name}\"; it has {}",
                    names()
                )
            })?,
    };
    let crs =
        layer_crs(&db, srs_id, crs).map_err(|e| anyhow::anyhow!("{shown}, layer {layer}: {e}"))?;

    let quoted = format!("\"{}\"", layer.replace('"', "\"\""));
    // The integer primary key (fid) is the file's row number, not the feature's data.
    let key: Option<String> = db
        .prepare(&format!("PRAGMA table_info({quoted})"))
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?
                .collect::<Result<Vec<_>, _>>()
        })?
        .into_iter()
        .find(|(_, pk)| *pk == 1)
        .map(|(name, _)| name);
    let mut statement = db.prepare(&format!("SELECT * FROM {quoted}"))?;
    let columns: Vec<String> = statement
        .column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut rows = statement.query([])?;
    let mut features = Vec::new();
    while let Some(row) = rows.next()? {
        let n = features.len() + 1;
        let mut properties = Map::new();
        let mut geometry = Value::Null;
        for (i, name) in columns.iter().enumerate() {
            let value = row.get_ref(i)?;
            if name.eq_ignore_ascii_case(&column) {
                if let ValueRef::Blob(bytes) = value {
                    geometry = geometry_json(bytes)
                        .map_err(|e| anyhow::anyhow!("{shown}, layer {layer}, feature {n}: {e}"))?;
                }
                continue;
            }
            if key.as_deref() == Some(name.as_str()) {
                continue;
            }
            let v = match value {
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                ValueRef::Integer(i) => json!(i),
                ValueRef::Real(x) => json!(x),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            };
            properties.insert(name.to_lowercase(), v);
        }
        features.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    Ok(GeoPackageRead {
        layer,
        features,
        crs,
    })
}

/// The CRS of `srs_id`: by its EPSG code, else its WKT; undefined (0, -1) needs `--crs`.
fn layer_crs(db: &Connection, srs_id: i64, given: Option<&str>) -> Result<Crs, String> {
    let row: Option<(String, i64, String)> = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let defined = match &row {
        Some((_, _, definition)) => definition.trim() != "undefined",
        None => false,
    };
    match (row, given) {
        (Some(_), Some(_)) if defined => {
            Err("its CRS is defined in the file; leave out --crs".into())
        }
        (_, Some(name)) => Crs::from_cli(name).map_err(|e| format!("--crs: {e}")),
        (Some((organization, code, definition)), None) if defined => {
            if organization.eq_ignore_ascii_case("EPSG") {
                Crs::from_name(&format!("EPSG:{code}"))
            } else {
                Crs::from_wkt(&definition)
            }
        }
        _ => Err(format!(
            "its CRS (srs_id {srs_id}) is undefined; say which with --crs (e.g. EPSG:4549)"
        )),
    }
}

/// A GeoPackage geometry blob (§2.1.3: `GP`, version, flags, srs_id, envelope, WKB) as a GeoJSON
/// geometry; an empty one is null.
fn geometry_json(blob: &[u8]) -> Result<Value, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("the geometry is not a GeoPackage geometry blob (no GP header)".into());
    }
    let flags = blob[3];
    if flags & 0b0001_0000 != 0 {
        return Ok(Value::Null);
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => {
            return Err(format!(
                "the geometry's envelope code {other} is not one GeoPackage defines"
            ));
        }
    };
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the geometry blob ends inside its header")?;
    let geometry = crate::spatial::wkb::decode(wkb).map_err(|e| e.to_string())?;
    serde_json::to_value(geojson::Geometry::from(&geometry)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Table;
    use crate::spatial::target::Target;

    #[test]
    fn a_layer_name_after_the_file_is_split_off() {
        assert_eq!(
            split_layer(Path::new("/d/units.gpkg:committees")),
            Some((PathBuf::from("/d/units.gpkg"), Some("committees".into())))
        );
        assert_eq!(
            split_layer(Path::new("a.GPKG")),
            Some((PathBuf::from("a.GPKG"), None))
        );
        assert_eq!(split_layer(Path::new("a.shp")), None);
    }

    #[test]
    fn an_exported_geopackage_reads_back_with_its_crs_names_and_places() {
        let features = vec![json!({"type": "Feature", "id": "990101001",
            "geometry": {"type": "Point", "coordinates": [121.4, 31.25]},
            "properties": {"name": "示范西街道", "population": 1200}})];
        let table =
            Table::of_features("units", &features, &Target::parse("EPSG:4549").unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("units.gpkg");
        std::fs::write(&path, crate::export::gpkg::write(&table).unwrap()).unwrap();

        let read = read_geopackage(&path, None).unwrap();
        assert_eq!(read.layer, "units");
        assert_eq!(read.crs, Crs::Other("EPSG:4549".into()));
        let f = &read.features[0];
        assert_eq!(f["properties"]["name"], "示范西街道");
        assert_eq!(f["properties"]["population"], 1200);
        assert_eq!(f["properties"]["id"], "990101001");
        let xy = &f["geometry"]["coordinates"];
        let (lon, lat) = crate::spatial::crs::Transform::new("EPSG:4549")
            .unwrap()
            .to_lon_lat(xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap())
            .unwrap();
        assert!((lon - 121.4).abs() < 1e-9 && (lat - 31.25).abs() < 1e-9);

        assert!(
            read_geopackage(&path, Some("EPSG:4549")).is_err(),
            "--crs beside a defined CRS"
        );
        let missing = read_geopackage(&dir.path().join("units.gpkg:roads"), None).unwrap_err();
        assert!(missing.to_string().contains("it has units"), "{missing}");
    }
}
