//! Writing geometry out as GeoJSON (RFC 7946): longitude/latitude, exterior rings
//! counter-clockwise (§3.1.6, the right-hand rule).

use geo::{Geometry, Orient, orient::Direction};
use serde_json::Value;

/// The GeoJSON geometry object for `g`, with rings wound by the right-hand rule.
pub fn geometry_json(g: &Geometry) -> Value {
    let oriented: Geometry = match g {
        Geometry::Polygon(p) => p.orient(Direction::Default).into(),
        Geometry::MultiPolygon(m) => m.orient(Direction::Default).into(),
        other => other.clone(),
    };
    let geometry = geojson::Geometry::from(&oriented);
    serde_json::to_value(geometry).unwrap_or(Value::Null)
}

/// A GeoJSON geometry object as WKT (OGC Simple Features), for spreadsheets and GIS tools that
/// read geometry from a text column; empty for anything that is not a geometry.
pub fn wkt(geometry: &Value) -> String {
    fn position(p: &Value) -> String {
        p.as_array()
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_f64)
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }
    /// `depth` 1: a list of positions; 2: a list of lists; 3: a list of lists of lists.
    fn list(v: &Value, depth: u8) -> String {
        let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
        let inner: Vec<String> = items
            .iter()
            .map(|i| {
                if depth == 1 {
                    position(i)
                } else {
                    list(i, depth - 1)
                }
            })
            .collect();
        format!("({})", inner.join(", "))
    }
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Point") => format!("POINT ({})", position(coordinates)),
        Some("MultiPoint") => format!("MULTIPOINT {}", list(coordinates, 1)),
        Some("LineString") => format!("LINESTRING {}", list(coordinates, 1)),
        Some("MultiLineString") => format!("MULTILINESTRING {}", list(coordinates, 2)),
        Some("Polygon") => format!("POLYGON {}", list(coordinates, 2)),
        Some("MultiPolygon") => format!("MULTIPOLYGON {}", list(coordinates, 3)),
        Some("GeometryCollection") => {
            let parts: Vec<String> = geometry["geometries"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(wkt)
                .collect();
            format!("GEOMETRYCOLLECTION ({})", parts.join(", "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_geometries_become_the_wkt_gdal_reads() {
        let point = serde_json::json!({"type": "Point", "coordinates": [121.4, 31.25]});
        assert_eq!(wkt(&point), "POINT (121.4 31.25)");
        let polygon = serde_json::json!({"type": "Polygon",
            "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]});
        assert_eq!(wkt(&polygon), "POLYGON ((0 0, 1 0, 1 1, 0 0))");
        let multi = serde_json::json!({"type": "MultiLineString",
            "coordinates": [[[0.0, 0.0], [1.0, 1.0]], [[2.0, 2.0], [3.0, 3.0]]]});
        assert_eq!(wkt(&multi), "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))");
        assert_eq!(wkt(&Value::Null), "");
    }
}
