//! Reading an Esri Shapefile (`.shp` with its `.shx`, `.dbf`, `.prj` and `.cpg`) as GeoJSON
//! features, by the georust `shapefile` and `dbase` crates: geometry in the file's own
//! coordinates, attributes as properties, the CRS from the `.prj`.
//!
//! The text encoding of the `.dbf` is, in order: what the `.cpg` names (`UTF-8`, `GBK`,
//! `CP936`…); the code page the `.dbf` header marks; and otherwise UTF-8 when every record is
//! valid UTF-8, else GBK, which is what Chinese desktop GIS writes without saying so.

use std::path::Path;

use anyhow::Context;
use serde_json::{Map, Value, json};

use shapefile::dbase;

use crate::spatial::crs::Crs;

/// How the attributes' text was read, for the import's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapefileRead {
    /// The features, GeoJSON, in the file's coordinates.
    pub features: Vec<Value>,
    /// The CRS its `.prj` names (or `--crs` where it has none).
    pub crs: Crs,
    /// The encoding its text was read in, and why.
    pub encoding: String,
}

/// Reads `path` (`.shp`); `crs` is for a file without a `.prj`, and refused beside one.
pub fn read_shapefile(path: &Path, crs: Option<&str>) -> anyhow::Result<ShapefileRead> {
    let shown = path.display();
    let crs = match (std::fs::read_to_string(path.with_extension("prj")), crs) {
        (Ok(_), Some(_)) => {
            anyhow::bail!("{shown}: its .prj names its coordinate system; leave out --crs")
        }
        (Ok(wkt), None) => Crs::from_wkt(&wkt).map_err(|e| anyhow::anyhow!("{shown}.prj: {e}"))?,
        (Err(_), Some(name)) => Crs::from_cli(name).map_err(|e| anyhow::anyhow!("--crs: {e}"))?,
        (Err(_), None) => anyhow::bail!(
            "{shown} has no .prj, so its coordinate system is unknown: add the .prj that came with it, or say which with --crs (e.g. EPSG:4549)"
        ),
    };
    let dbf_path = path.with_extension("dbf");
    let dbf = std::fs::read(&dbf_path)
        .with_context(|| format!("{shown}: cannot read its .dbf ({})", dbf_path.display()))?;
    let (encoding, why) = encoding_of(path, &dbf)?;
    let shapes =
        shapefile::ShapeReader::from_path(path).with_context(|| format!("cannot read {shown}"))?;
    let records = dbase::ReaderBuilder::new()
        .with_encoding(encoding)
        .build(std::io::Cursor::new(dbf))
        .with_context(|| format!("cannot read {}", dbf_path.display()))?;
    let mut reader = shapefile::Reader::new(shapes, records);
    let mut features = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) =
            item.with_context(|| format!("{shown}: record {} cannot be read", i + 1))?;
        let geometry = match shape {
            shapefile::Shape::NullShape => Value::Null,
            shape => {
                let geometry = geo::Geometry::<f64>::try_from(shape).map_err(|e| {
                    anyhow::anyhow!("{shown}: record {}'s shape cannot be read ({e})", i + 1)
                })?;
                // A Shapefile polygon is any number of rings; one outer ring reads as the
                // Polygon it is.
                let geometry = match geometry {
                    geo::Geometry::MultiPolygon(mut m) if m.0.len() == 1 => {
                        geo::Geometry::Polygon(m.0.remove(0))
                    }
                    other => other,
                };
                serde_json::to_value(geojson::Geometry::from(&geometry))?
            }
        };
        let mut properties = Map::new();
        for (name, value) in record {
            properties.insert(name.trim().to_lowercase(), field_json(value));
        }
        features.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    Ok(ShapefileRead {
        features,
        crs,
        encoding: why,
    })
}

/// The `.dbf`'s encoding and the reason it was chosen.
fn encoding_of(path: &Path, dbf: &[u8]) -> anyhow::Result<(dbase::encoding::DynEncoding, String)> {
    let named = |name: &str| {
        dbase::encoding::DynEncoding::from_name(name).with_context(|| {
            format!(
                "{}: its .cpg names \"{name}\", an encoding lantu does not know; use UTF-8 or GBK",
                path.display()
            )
        })
    };
    if let Ok(label) = std::fs::read_to_string(path.with_extension("cpg")) {
        let label = label.trim().trim_start_matches('\u{feff}');
        return Ok((named(label)?, format!("{label} (its .cpg)")));
    }
    // The language driver byte: 0x4D and 0x7A are Chinese (GBK, code page 936).
    if let Some(0x4D | 0x7A) = dbf.get(29) {
        return Ok((named("GBK")?, "GBK (its .dbf header)".into()));
    }
    let header_length = dbf
        .get(8..10)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
        .unwrap_or(0);
    let body = dbf.get(header_length.min(dbf.len())..).unwrap_or_default();
    Ok(if std::str::from_utf8(body).is_ok() {
        (
            named("UTF-8")?,
            "UTF-8 (no .cpg; every record is UTF-8)".into(),
        )
    } else {
        (
            named("GBK")?,
            "GBK (no .cpg, and the text is not UTF-8; add a .cpg if it is another encoding)".into(),
        )
    })
}

/// A `.dbf` value as JSON: text trimmed, whole numbers as integers, dates as `YYYY-MM-DD`.
fn field_json(value: dbase::FieldValue) -> Value {
    use dbase::FieldValue as F;
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            json!(n as i64)
        } else {
            json!(n)
        }
    };
    match value {
        F::Character(Some(s)) | F::Memo(s) => {
            let s = s.trim();
            if s.is_empty() { Value::Null } else { json!(s) }
        }
        F::Numeric(Some(n)) | F::Double(n) | F::Currency(n) => number(n),
        F::Float(Some(n)) => number(f64::from(n)),
        F::Integer(n) => json!(n),
        F::Logical(Some(b)) => json!(b),
        F::Date(Some(d)) => json!(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())),
        F::DateTime(t) => {
            let d = t.date();
            let time = t.time();
            json!(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year(),
                d.month(),
                d.day(),
                time.hours(),
                time.minutes(),
                time.seconds()
            ))
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/units/demo_units_cgcs2000_gk120e_gbk"
    );

    /// The fixture copied into a folder of its own, with the parts `keep` names.
    fn copy(dir: &Path, keep: &[&str]) -> std::path::PathBuf {
        for ext in keep {
            std::fs::copy(format!("{FIXTURE}.{ext}"), dir.join(format!("units.{ext}"))).unwrap();
        }
        dir.join("units.shp")
    }

    #[test]
    fn gbk_text_is_read_by_the_cpg_or_without_one_and_the_prj_names_the_gauss_kruger_zone() {
        let read = read_shapefile(Path::new(&format!("{FIXTURE}.shp")), None).unwrap();
        assert_eq!(read.features.len(), 3);
        assert_eq!(read.features[1]["properties"]["name"], "示范西街道");
        assert_eq!(read.features[1]["properties"]["population"], 52000);
        assert!(
            matches!(&read.crs, Crs::Wkt { name, .. } if name == "CGCS2000_3_Degree_GK_CM_120E")
        );
        let (x, y) = {
            let c = &read.features[0]["geometry"]["coordinates"][0][0];
            (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
        };
        let (lon, lat) = read
            .crs
            .transform()
            .unwrap()
            .unwrap()
            .to_lon_lat(x, y)
            .unwrap();
        assert!(
            (lon - 121.38).abs() < 1e-7 && (lat - 31.22).abs() < 1e-7,
            "{lon} {lat}"
        );

        let dir = tempfile::tempdir().unwrap();
        let bare = copy(dir.path(), &["shp", "shx", "dbf", "prj"]);
        let guessed = read_shapefile(&bare, None).unwrap();
        assert!(
            guessed.encoding.starts_with("GBK (no .cpg"),
            "{}",
            guessed.encoding
        );
        assert_eq!(guessed.features[2]["properties"]["name"], "示范东街道");
    }

    #[test]
    fn a_shapefile_without_a_prj_needs_its_crs_named_and_one_with_a_prj_refuses_another() {
        let dir = tempfile::tempdir().unwrap();
        let bare = copy(dir.path(), &["shp", "shx", "dbf", "cpg"]);
        let err = read_shapefile(&bare, None).unwrap_err().to_string();
        assert!(err.contains("no .prj") && err.contains("--crs"), "{err}");
        let named = read_shapefile(&bare, Some("EPSG:4549")).unwrap();
        assert_eq!(named.crs, Crs::Other("EPSG:4549".into()));
        let err = read_shapefile(Path::new(&format!("{FIXTURE}.shp")), Some("EPSG:4549"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("leave out --crs"), "{err}");
    }
}
