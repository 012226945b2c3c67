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
