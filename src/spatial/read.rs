//! Reading GeoJSON geometry (RFC 7946 §3.1) into `geo` types, checking every rule on the way.
//!
//! Errors carry a JSON pointer to the offending member, so a planner with a 300-feature file
//! learns which feature, which ring and which position is wrong. Breaking RFC 7946's structure
//! (a ring that is not closed, a position with one number) is [`Fault::Malformed`]; a geometry
//! that is well-formed but cannot be a real place (longitude 200, a self-intersecting ring) is
//! [`Fault::Invalid`].

use geo::algorithm::Validation;
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{
    Coord, Geometry, Line, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
};
use serde_json::Value;

use super::crs::{Crs, Transform};

/// The kind of fault found in a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Breaks the structure RFC 7946 prescribes.
    Malformed,
    /// Well-formed but not a valid geometry (OGC Simple Features) or out of range.
    Invalid,
}

/// A fault at a place in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryError {
    /// Malformed or invalid.
    pub fault: Fault,
    /// JSON pointer to the member at fault.
    pub pointer: String,
    /// What is wrong there.
    pub detail: String,
}

fn malformed(pointer: &str, detail: impl Into<String>) -> GeometryError {
    GeometryError {
        fault: Fault::Malformed,
        pointer: pointer.to_string(),
        detail: detail.into(),
    }
}

fn invalid(pointer: &str, detail: impl Into<String>) -> GeometryError {
    GeometryError {
        fault: Fault::Invalid,
        pointer: pointer.to_string(),
        detail: detail.into(),
    }
}

/// The geometry types a caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Points, lines and polygons, single or multi (sites).
    Any,
    /// Polygon or MultiPolygon (planning units).
    Areal,
}

/// Reads geometries in one CRS, transforming them to WGS84.
pub struct GeometryReader {
    transform: Option<Transform>,
}

impl GeometryReader {
    /// A reader for coordinates in `crs`.
    pub fn new(crs: &Crs) -> Result<Self, String> {
        Ok(Self {
            transform: crs.transform()?,
        })
    }

    /// A reader for WGS84 longitude/latitude.
    pub fn lon_lat() -> Self {
        Self { transform: None }
    }

    /// Reads and validates the GeoJSON geometry object `value`, found at `pointer`.
    pub fn read(
        &self,
        value: &Value,
        pointer: &str,
        accept: Accept,
    ) -> Result<Geometry, GeometryError> {
        let object = value
            .as_object()
            .ok_or_else(|| malformed(pointer, "geometry must be a GeoJSON geometry object"))?;
        let kind = object.get("type").and_then(Value::as_str).ok_or_else(|| {
            malformed(
                &format!("{pointer}/type"),
                "geometry needs a \"type\" string",
            )
        })?;
        let coords_ptr = format!("{pointer}/coordinates");
        let coords = || {
            object
                .get("coordinates")
                .ok_or_else(|| malformed(&coords_ptr, format!("a {kind} needs \"coordinates\"")))
        };
        let areal_only = |k: &str| {
            if accept == Accept::Areal {
                Err(invalid(
                    &format!("{pointer}/type"),
                    format!("a {k} cannot bound a planning unit; use Polygon or MultiPolygon"),
                ))
            } else {
                Ok(())
            }
        };
        let geometry: Geometry = match kind {
            "Point" => {
                areal_only(kind)?;
                Point(self.position(coords()?, &coords_ptr)?).into()
            }
            "MultiPoint" => {
                areal_only(kind)?;
                let points = self.positions(coords()?, &coords_ptr, 1)?;
                MultiPoint(points.into_iter().map(Point).collect()).into()
            }
            "LineString" => {
                areal_only(kind)?;
                self.line_string(coords()?, &coords_ptr)?.into()
            }
            "MultiLineString" => {
                areal_only(kind)?;
                let lines = each(coords()?, &coords_ptr, 1, |v, p| self.line_string(v, p))?;
                MultiLineString(lines).into()
            }
            "Polygon" => self.polygon(coords()?, &coords_ptr)?.into(),
            "MultiPolygon" => {
                let polygons = each(coords()?, &coords_ptr, 1, |v, p| self.polygon(v, p))?;
                let multi = MultiPolygon(polygons);
                check_multi_polygon(&multi, &coords_ptr)?;
                multi.into()
            }
            "GeometryCollection" => {
                return Err(invalid(
                    &format!("{pointer}/type"),
                    "GeometryCollection is not accepted; send one feature per geometry",
                ));
            }
            other => {
                return Err(malformed(
                    &format!("{pointer}/type"),
                    format!("\"{other}\" is not a GeoJSON geometry type (RFC 7946 §1.4)"),
                ));
            }
        };
        Ok(geometry)
    }

    fn position(&self, value: &Value, pointer: &str) -> Result<Coord, GeometryError> {
        let numbers = value
            .as_array()
            .filter(|a| (2..=3).contains(&a.len()))
            .ok_or_else(|| malformed(pointer, "a position must be an array of 2 or 3 numbers [longitude, latitude, altitude?] (RFC 7946 §3.1.1)"))?;
        let mut xy = [0.0; 3];
        for (i, n) in numbers.iter().enumerate() {
            xy[i] = n.as_f64().ok_or_else(|| {
                malformed(&format!("{pointer}/{i}"), format!("{n} is not a number"))
            })?;
        }
        let (lon, lat) = match &self.transform {
            Some(t) => t
                .to_lon_lat(xy[0], xy[1])
                .map_err(|e| invalid(pointer, e))?,
            None => (xy[0], xy[1]),
        };
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(invalid(
                &format!("{pointer}/0"),
                format!(
                    "longitude {lon} is outside -180..180; is the file in another CRS, or are longitude and latitude swapped?"
                ),
            ));
        }
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(invalid(
                &format!("{pointer}/1"),
                format!("latitude {lat} is outside -90..90; are longitude and latitude swapped?"),
            ));
        }
        Ok(Coord { x: lon, y: lat })
    }

    fn positions(
        &self,
        value: &Value,
        pointer: &str,
        min: usize,
    ) -> Result<Vec<Coord>, GeometryError> {
        each(value, pointer, min, |v, p| self.position(v, p))
    }

    fn line_string(&self, value: &Value, pointer: &str) -> Result<LineString, GeometryError> {
        let line = LineString(self.positions(value, pointer, 2)?);
        line.check_validation()
            .map_err(|e| invalid(pointer, format!("line string is invalid: {e}")))?;
        Ok(line)
    }

    fn ring(&self, value: &Value, pointer: &str) -> Result<LineString, GeometryError> {
        let coords = self.positions(value, pointer, 0)?;
        if coords.len() < 4 {
            return Err(malformed(
                pointer,
                format!(
                    "a linear ring needs at least 4 positions (RFC 7946 §3.1.6); this one has {}",
                    coords.len()
                ),
            ));
        }
        let (first, last) = (coords[0], coords[coords.len() - 1]);
        if first != last {
            return Err(malformed(
                pointer,
                format!(
                    "ring is not closed: its first position [{}, {}] differs from its last [{}, {}] (RFC 7946 §3.1.6)",
                    first.x, first.y, last.x, last.y
                ),
            ));
        }
        Ok(LineString(coords))
    }

    fn polygon(&self, value: &Value, pointer: &str) -> Result<Polygon, GeometryError> {
        let mut rings = each(value, pointer, 1, |v, p| self.ring(v, p))?;
        let exterior = rings.remove(0);
        let polygon = Polygon::new(exterior, rings);
        check_polygon(&polygon, pointer)?;
        Ok(polygon)
    }
}

/// Reads every element of the array `value` with `read`, requiring at least `min`.
fn each<T>(
    value: &Value,
    pointer: &str,
    min: usize,
    mut read: impl FnMut(&Value, &str) -> Result<T, GeometryError>,
) -> Result<Vec<T>, GeometryError> {
    let items = value
        .as_array()
        .ok_or_else(|| malformed(pointer, "must be an array"))?;
    if items.len() < min {
        return Err(malformed(
            pointer,
            format!("needs at least {min} element(s), found {}", items.len()),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| read(v, &format!("{pointer}/{i}")))
        .collect()
}

fn ring_index(role: &RingRole) -> usize {
    match role {
        RingRole::Exterior => 0,
        RingRole::Interior(i) => i + 1,
    }
}

fn check_polygon(polygon: &Polygon, pointer: &str) -> Result<(), GeometryError> {
    let Err(err) = polygon.check_validation() else {
        return Ok(());
    };
    Err(describe_polygon_fault(polygon, &err, pointer))
}

fn describe_polygon_fault(polygon: &Polygon, err: &InvalidPolygon, pointer: &str) -> GeometryError {
    match err {
        InvalidPolygon::SelfIntersection(role) => {
            let index = ring_index(role);
            let ring = if index == 0 {
                polygon.exterior()
            } else {
                &polygon.interiors()[index - 1]
            };
            let place = self_intersection(ring)
                .map(|c| format!(" at [{}, {}]", c.x, c.y))
                .unwrap_or_default();
            invalid(
                &format!("{pointer}/{index}"),
                format!(
                    "{role} intersects itself{place}; a ring must not cross or touch itself (OGC Simple Features)"
                ),
            )
        }
        InvalidPolygon::TooFewPointsInRing(role) | InvalidPolygon::NonFiniteCoord(role, _) => {
            invalid(&format!("{pointer}/{}", ring_index(role)), err.to_string())
        }
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
            invalid(&format!("{pointer}/{}", ring_index(role)), err.to_string())
        }
        InvalidPolygon::IntersectingRingsOnALine(a, _)
        | InvalidPolygon::IntersectingRingsOnAnArea(a, _) => {
            invalid(&format!("{pointer}/{}", ring_index(a)), err.to_string())
        }
    }
}

fn check_multi_polygon(multi: &MultiPolygon, pointer: &str) -> Result<(), GeometryError> {
    match multi.check_validation() {
        Ok(()) => Ok(()),
        Err(InvalidMultiPolygon::InvalidPolygon(index, inner)) => Err(describe_polygon_fault(
            &multi.0[index.0],
            &inner,
            &format!("{pointer}/{}", index.0),
        )),
        Err(InvalidMultiPolygon::ElementsOverlaps(a, b))
        | Err(InvalidMultiPolygon::ElementsTouchOnALine(a, b)) => {
            let err = InvalidMultiPolygon::ElementsOverlaps(a.clone(), b.clone());
            Err(invalid(
                &format!("{pointer}/{}", b.0),
                format!("{err}; merge them into one polygon or separate them"),
            ))
        }
    }
}

/// The first place where two non-adjacent segments of `ring` meet, for the error message.
fn self_intersection(ring: &LineString) -> Option<Coord> {
    let lines: Vec<Line> = ring.lines().collect();
    let n = lines.len();
    for i in 0..n {
        for j in (i + 2)..n {
            if i == 0 && j == n - 1 {
                continue; // first and last segments share the closing position
            }
            match line_intersection(lines[i], lines[j]) {
                Some(LineIntersection::SinglePoint { intersection, .. }) => {
                    return Some(intersection);
                }
                Some(LineIntersection::Collinear { intersection }) => {
                    return Some(intersection.start);
                }
                None => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Geometry, GeometryError> {
        GeometryReader::lon_lat().read(&v, "/geometry", Accept::Any)
    }

    #[test]
    fn a_square_polygon_reads() {
        let g = read(json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}))
            .unwrap();
        assert!(matches!(g, Geometry::Polygon(_)));
    }

    #[test]
    fn an_unclosed_ring_is_malformed_and_names_the_ring() {
        let e =
            read(json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})).unwrap_err();
        assert_eq!(e.fault, Fault::Malformed);
        assert_eq!(e.pointer, "/geometry/coordinates/0");
    }

    #[test]
    fn a_bow_tie_is_invalid_and_says_where_it_crosses() {
        let e = read(json!({"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}))
            .unwrap_err();
        assert_eq!(e.fault, Fault::Invalid);
        assert_eq!(e.pointer, "/geometry/coordinates/0");
        assert!(e.detail.contains("[1, 1]"), "{}", e.detail);
    }

    #[test]
    fn a_longitude_past_180_is_invalid_at_its_position() {
        let e = read(json!({"type":"Point","coordinates":[181.5, 31.2]})).unwrap_err();
        assert_eq!(
            (e.fault, e.pointer.as_str()),
            (Fault::Invalid, "/geometry/coordinates/0")
        );
    }

    #[test]
    fn a_one_point_line_is_malformed() {
        let e = read(json!({"type":"LineString","coordinates":[[121.4, 31.2]]})).unwrap_err();
        assert_eq!(e.fault, Fault::Malformed);
    }

    #[test]
    fn a_point_cannot_bound_a_unit() {
        let e = GeometryReader::lon_lat()
            .read(
                &json!({"type":"Point","coordinates":[121.4, 31.2]}),
                "/geometry",
                Accept::Areal,
            )
            .unwrap_err();
        assert_eq!(e.pointer, "/geometry/type");
    }
}
