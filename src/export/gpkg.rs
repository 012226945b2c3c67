//! A table as a GeoPackage (OGC 12-128r18, version 1.3): one SQLite file holding the layer,
//! its CRS's definition and its bounds, that QGIS, ArcGIS and GDAL open as they are.

use geo::{BoundingRect, Geometry};
use rusqlite::{Connection, params, types::Value as Sql};

use super::{Cell, Kind, Table};

/// GeoPackage's `application_id`, "GPKG" (§1.1.1.1.1).
const APPLICATION_ID: i32 = 0x4750_4B47;
/// Version 1.3.0 (`user_version` 10300).
const USER_VERSION: i32 = 10300;
/// The srs_id a CRS without an EPSG code (GCJ-02, BD-09) is written under.
const UNCODED_SRS: i32 = 100_000;

/// The tables every GeoPackage holds (§1.1.2, §1.1.3, §2.1.5), and the three CRS rows it must.
const SCHEMA: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
";

/// The GeoPackage file's bytes.
pub fn write(table: &Table) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let path = dir.path().join("export.gpkg");
    {
        let mut db = Connection::open(&path).map_err(sql)?;
        db.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql)?;
        db.pragma_update(None, "user_version", USER_VERSION)
            .map_err(sql)?;
        let tx = db.transaction().map_err(sql)?;
        tx.execute_batch(SCHEMA).map_err(sql)?;
        let wgs84 = crate::spatial::target::Target::crs84().wkt(false)?;
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
            [&wgs84],
        )
        .map_err(sql)?;
        let srs_id = match table.crs.epsg() {
            Some(4326) => 4326,
            Some(code) => {
                tx.execute(
                    "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
                    params![table.crs.label(), code, table.crs.wkt(false)?],
                )
                .map_err(sql)?;
                code
            }
            None => {
                tx.execute(
                    "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'lantu', ?2, ?3, ?4)",
                    params![
                        table.crs.label(),
                        UNCODED_SRS,
                        wgs84,
                        format!(
                            "{}: WGS 84 longitude/latitude with China's offset, as the online maps that use it give them",
                            table.crs.label()
                        )
                    ],
                )
                .map_err(sql)?;
                UNCODED_SRS
            }
        };
        let layer = quote(&table.name);
        let mut columns = vec![
            "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string(),
            "geom GEOMETRY".to_string(),
        ];
        columns.extend(table.columns.iter().map(|c| {
            let kind = match c.kind {
                Kind::Integer => "INTEGER",
                Kind::Real => "REAL",
                Kind::Boolean => "BOOLEAN",
                Kind::Text => "TEXT",
            };
            format!("{} {kind}", quote(&c.name))
        }));
        tx.execute_batch(&format!("CREATE TABLE {layer} ({})", columns.join(", ")))
            .map_err(sql)?;
        let bounds = table.bounds();
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                table.name,
                bounds.map(|b| b[0]),
                bounds.map(|b| b[1]),
                bounds.map(|b| b[2]),
                bounds.map(|b| b[3]),
                srs_id
            ],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
            params![table.name, geometry_type(table), srs_id],
        )
        .map_err(sql)?;
        let names: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
        let marks: Vec<String> = (0..=names.len()).map(|i| format!("?{}", i + 1)).collect();
        let insert = format!(
            "INSERT INTO {layer} (geom{}{}) VALUES ({})",
            if names.is_empty() { "" } else { ", " },
            names.join(", "),
            marks.join(", ")
        );
        {
            let mut statement = tx.prepare(&insert).map_err(sql)?;
            for row in &table.rows {
                let mut values = vec![match &row.geometry {
                    Some(g) => Sql::Blob(blob(g, srs_id)),
                    None => Sql::Null,
                }];
                values.extend(row.cells.iter().map(|c| match c {
                    Cell::Null => Sql::Null,
                    Cell::Integer(n) => Sql::Integer(*n),
                    Cell::Real(x) => Sql::Real(*x),
                    Cell::Boolean(b) => Sql::Integer(i64::from(*b)),
                    Cell::Text(s) => Sql::Text(s.clone()),
                }));
                statement
                    .execute(rusqlite::params_from_iter(values))
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
    }
    std::fs::read(&path).map_err(|e| format!("the GeoPackage cannot be read back: {e}"))
}

fn sql(e: rusqlite::Error) -> String {
    format!("SQLite: {e}")
}

/// An SQL identifier, quoted.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The layer's geometry type: the one every row has, or GEOMETRY when they differ.
fn geometry_type(table: &Table) -> &'static str {
    let mut names = table
        .rows
        .iter()
        .filter_map(|r| r.geometry.as_ref())
        .map(type_name);
    let Some(first) = names.next() else {
        return "GEOMETRY";
    };
    if names.all(|n| n == first) {
        first
    } else {
        "GEOMETRY"
    }
}

fn type_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "POINT",
        Geometry::LineString(_) | Geometry::Line(_) => "LINESTRING",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "POLYGON",
        Geometry::MultiPoint(_) => "MULTIPOINT",
        Geometry::MultiLineString(_) => "MULTILINESTRING",
        Geometry::MultiPolygon(_) => "MULTIPOLYGON",
        Geometry::GeometryCollection(_) => "GEOMETRYCOLLECTION",
    }
}

/// A GeoPackage geometry blob (§2.1.3): `GP`, version 0, flags (little-endian, an x/y
/// envelope), the srs_id, the envelope, then the geometry as WKB.
fn blob(g: &Geometry, srs_id: i32) -> Vec<u8> {
    const FLAGS: u8 = 0b0000_0011; // envelope [minx, maxx, miny, maxy]; little-endian
    let mut out = vec![b'G', b'P', 0, FLAGS];
    out.extend(srs_id.to_le_bytes());
    let envelope = g.bounding_rect().map_or([f64::NAN; 4], |r| {
        [r.min().x, r.max().x, r.min().y, r.max().y]
    });
    for v in envelope {
        out.extend(v.to_le_bytes());
    }
    out.extend(crate::spatial::wkb::encode(g));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::target::Target;
    use serde_json::json;

    #[test]
    fn a_geopackage_holds_its_layer_crs_bounds_and_rows() {
        let features = vec![json!({"type": "Feature", "id": 7,
            "geometry": {"type": "Point", "coordinates": [121.4, 31.25]},
            "properties": {"name": "长寿路", "area": 12.5}})];
        let table =
            Table::of_features("sites", &features, &Target::parse("EPSG:4549").unwrap()).unwrap();
        let bytes = write(&table).unwrap();
        assert_eq!(&bytes[..16], b"SQLite format 3\0");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read.gpkg");
        std::fs::write(&path, bytes).unwrap();
        let db = Connection::open(&path).unwrap();
        let id: i32 = db
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(id, APPLICATION_ID);
        let (srs, kind): (i32, String) = db
            .query_row(
                "SELECT srs_id, geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'sites'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((srs, kind.as_str()), (4549, "POINT"));
        let (name, geom): (String, Vec<u8>) = db
            .query_row("SELECT name, geom FROM sites", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(name, "长寿路");
        assert_eq!(&geom[..4], b"GP\0\x03");
        assert_eq!(i32::from_le_bytes(geom[4..8].try_into().unwrap()), 4549);
        let point = crate::spatial::wkb::decode(&geom[40..]).unwrap();
        assert_eq!(Some(point), table.rows[0].geometry);
    }
}
