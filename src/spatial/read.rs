//! Reading GeoJSON geometry (RFC 7946 §3.1) into `geo` types, checking every rule on the way.
//!
//! Errors carry a JSON pointer to the offending member, so a planner with a 300-feature file
//! learns which feature, which ring and which position is wrong. Breaking RFC 7946's structure
//! (a ring that is not closed, a position with one number) is [`Fault::Malformed`]; a geometry
//! that is well-formed but cannot be a real place (longitude 200, a self-intersecting ring) is
//! [`Fault::Invalid`].

use geo::algorithm::Validation;
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::Value;

use super::crs::{Crs, Transform};
use super::valid::{self, FaultKind, PolygonFault};

/// The kind of fault found in a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Breaks the structure RFC 7946 prescribes.
    Malformed,
    /// Well-formed but not a valid geometry (OGC Simple Features) or out of range.
    Invalid,
    /// Past a vertex or part limit ([`MAX_VERTICES`], [`MAX_PARTS`]).
    TooComplex,
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
    /// A single Point (facilities: their entrance).
    Point,
}

/// The most positions one geometry may have. A district boundary has a few thousand; the
/// limit keeps one request's validation under a second while leaving room for detailed
/// surveys. Counted before any position is read.
pub const MAX_VERTICES: usize = 200_000;
/// The most parts (rings, lines, points of a multi-geometry, polygons) one geometry may have.
pub const MAX_PARTS: usize = 10_000;

/// Positions and parts in a GeoJSON `coordinates` member of a geometry of `kind`, counted
/// without reading a number.
fn count(coordinates: &Value, kind: &str) -> (usize, usize) {
    fn len(v: &Value) -> usize {
        v.as_array().map_or(0, Vec::len)
    }
    fn children(v: &Value) -> &[Value] {
        v.as_array().map_or(&[], Vec::as_slice)
    }
    match kind {
        "Point" => (1, 1),
        "MultiPoint" | "LineString" => (len(coordinates), len(coordinates)),
        "MultiLineString" | "Polygon" => {
            let parts = children(coordinates);
            (parts.iter().map(len).sum(), parts.len())
        }
        "MultiPolygon" => children(coordinates)
            .iter()
            .fold((0, 0), |(v, p), polygon| {
                let rings = children(polygon);
                (
                    v + rings.iter().map(len).sum::<usize>(),
                    p + rings.len() + 1,
                )
            }),
        _ => (0, 0),
    }
}

/// A refusal for a geometry past [`MAX_VERTICES`] or [`MAX_PARTS`], before any other check.
fn too_complex(pointer: &str, coordinates: &Value, kind: &str) -> Option<GeometryError> {
    let (vertices, parts) = count(coordinates, kind);
    let detail = if vertices > MAX_VERTICES {
        format!(
            "this {kind} has {vertices} positions; a feature may have at most {MAX_VERTICES} (simplify it, or split it into several features)"
        )
    } else if parts > MAX_PARTS {
        format!(
            "this {kind} has {parts} parts; a feature may have at most {MAX_PARTS} (split it into several features)"
        )
    } else {
        return None;
    };
    Some(GeometryError {
        fault: Fault::TooComplex,
        pointer: pointer.to_string(),
        detail,
    })
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
        let object = value.as_object().ok_or_else(|| match value {
            Value::String(text) => malformed(
                pointer,
                format!(
                    "geometry must be a GeoJSON geometry object, not the text \"{}\"",
                    text.chars().take(160).collect::<String>()
                ),
            ),
            _ => malformed(pointer, "geometry must be a GeoJSON geometry object"),
        })?;
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
        // Cheap things first: the type, then the counts, and only then the coordinates.
        if accept == Accept::Point && kind != "Point" {
            return Err(invalid(
                &format!("{pointer}/type"),
                format!("this needs a Point (a facility is its entrance), not a {kind}"),
            ));
        }
        if let Some(limit) = object
            .get("coordinates")
            .and_then(|c| too_complex(&coords_ptr, c, kind))
        {
            return Err(limit);
        }
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
        let numbers = value.as_array().filter(|a| a.len() >= 2).ok_or_else(|| {
            malformed(
                pointer,
                "a position must be an array of 2 numbers [longitude, latitude] (RFC 7946 §3.1.1)",
            )
        })?;
        if numbers.len() > 2 {
            // Altitude (or a measure) would be dropped by the 2D store: refuse it rather than
            // lose it silently.
            return Err(invalid(
                &format!("{pointer}/2"),
                format!(
                    "this position has {} numbers; lantu stores [longitude, latitude] only, so altitudes and measures are refused rather than dropped (remove them, e.g. ogr2ogr -dim XY)",
                    numbers.len()
                ),
            ));
        }
        let mut xy = [0.0; 2];
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

    /// The positions of a line, densified where the CRS's offset bends edges.
    fn edges(&self, value: &Value, pointer: &str, min: usize) -> Result<Vec<Coord>, GeometryError> {
        let coords = self.positions(value, pointer, min)?;
        match &self.transform {
            Some(t) if t.bends_edges() => Ok(densified(value, coords, t)),
            _ => Ok(coords),
        }
    }

    fn line_string(&self, value: &Value, pointer: &str) -> Result<LineString, GeometryError> {
        let line = LineString(self.edges(value, pointer, 2)?);
        check_antimeridian(&line.0, pointer)?;
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
        check_antimeridian(&coords, pointer)?;
        Ok(LineString(match &self.transform {
            Some(t) if t.bends_edges() => densified(value, coords, t),
            _ => coords,
        }))
    }

    fn polygon(&self, value: &Value, pointer: &str) -> Result<Polygon, GeometryError> {
        let mut rings = each(value, pointer, 1, |v, p| self.ring(v, p))?;
        let exterior = rings.remove(0);
        let polygon = Polygon::new(exterior, rings);
        check_polygon(&polygon, pointer)?;
        Ok(polygon)
    }
}

/// `coords` (read from the positions in `value`) with a vertex every
/// [`super::china::DENSIFY_DEGREES`] along each edge, placed in the source coordinates and
/// then taken through `transform`: a long straight edge in GCJ-02 is not straight in WGS84.
fn densified(value: &Value, coords: Vec<Coord>, transform: &Transform) -> Vec<Coord> {
    let source: Vec<[f64; 2]> = value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
        .collect();
    if source.len() != coords.len() {
        return coords;
    }
    let mut out = Vec::with_capacity(coords.len());
    for i in 0..coords.len() {
        out.push(coords[i]);
        let Some(next) = source.get(i + 1) else {
            break;
        };
        let [x0, y0] = source[i];
        let steps = ((next[0] - x0).hypot(next[1] - y0) / super::china::DENSIFY_DEGREES).ceil();
        for k in 1..steps as usize {
            let t = k as f64 / steps;
            if let Ok((x, y)) =
                transform.to_lon_lat(x0 + (next[0] - x0) * t, y0 + (next[1] - y0) * t)
            {
                out.push(Coord { x, y });
            }
        }
    }
    out
}

/// A segment spanning more than 180° of longitude is read by every GIS as going the long way
/// round (RFC 7946 §3.1.9 asks for crossings to be split at the antimeridian); refused, since
/// it is nearly always a feature crossing 180° that should have been cut.
fn check_antimeridian(coords: &[Coord], pointer: &str) -> Result<(), GeometryError> {
    match coords
        .windows(2)
        .position(|w| (w[1].x - w[0].x).abs() > 180.0)
    {
        None => Ok(()),
        Some(i) => Err(invalid(
            &format!("{pointer}/{}", i + 1),
            format!(
                "the segment from position {i} to {} spans more than 180° of longitude: it crosses the antimeridian; split the feature at 180° (RFC 7946 §3.1.9)",
                i + 1
            ),
        )),
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

fn check_polygon(polygon: &Polygon, pointer: &str) -> Result<(), GeometryError> {
    valid::check_polygon(polygon).map_err(|f| describe(&f, pointer, false))
}

fn check_multi_polygon(multi: &MultiPolygon, pointer: &str) -> Result<(), GeometryError> {
    valid::check_multi_polygon(multi).map_err(|f| describe(&f, pointer, true))
}

/// The fault as a problem at its polygon and ring, with the place and the rule broken.
fn describe(fault: &PolygonFault, pointer: &str, multi: bool) -> GeometryError {
    let place = fault
        .at
        .map(|c| format!(" at [{}, {}]", c.x, c.y))
        .unwrap_or_default();
    if let FaultKind::PolygonsOverlap { other } = fault.kind {
        return invalid(
            &format!("{pointer}/{}", fault.polygon),
            format!(
                "polygon {} overlaps polygon {other}{place}; polygons of a MultiPolygon may touch only at points: merge them into one polygon or separate them",
                fault.polygon
            ),
        );
    }
    let at = if multi {
        format!("{pointer}/{}/{}", fault.polygon, fault.ring)
    } else {
        format!("{pointer}/{}", fault.ring)
    };
    let ring = match fault.ring {
        0 => "the exterior ring".to_string(),
        i => format!("interior ring {i}"),
    };
    let rule = match fault.kind {
        FaultKind::TooFewPoints => "a ring needs at least 3 distinct positions".to_string(),
        FaultKind::ZeroArea => {
            "its positions all lie on one line, so it encloses no area".to_string()
        }
        FaultKind::SelfIntersection => {
            "it crosses or touches itself; a ring must be simple (OGC Simple Features)".to_string()
        }
        FaultKind::RingsCross { other } => format!(
            "it crosses ring {other} or shares a segment with it; rings of a polygon may touch only at points"
        ),
        FaultKind::HoleOutsideShell => "an interior ring must lie inside the exterior ring".into(),
        FaultKind::HoleInsideHole { other } => {
            format!("it lies inside interior ring {other}; holes may not nest")
        }
        FaultKind::PolygonsOverlap { other } => format!("it overlaps polygon {other}"),
    };
    invalid(&at, format!("{ring}{place} is invalid: {rule}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_edge_read_in_gcj02_is_densified_in_gcj02_before_its_offset_is_taken_off() {
        let reader = GeometryReader::new(&Crs::Gcj02).unwrap();
        let (x0, y0) = crate::spatial::china::wgs84_to_gcj02(121.40, 31.25);
        let (x1, y1) = crate::spatial::china::wgs84_to_gcj02(121.41, 31.25);
        let line = serde_json::json!({"type": "LineString", "coordinates": [[x0, y0], [x1, y1]]});
        let Geometry::LineString(read) = reader.read(&line, "", Accept::Any).unwrap() else {
            panic!("a line");
        };
        assert_eq!(
            read.0.len(),
            11,
            "0.01° of GCJ-02 in steps of at most 0.001°"
        );
        let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (lon, lat) = crate::spatial::china::gcj02_to_wgs84(mx, my);
        assert!((read.0[5].x - lon).abs() < 1e-9 && (read.0[5].y - lat).abs() < 1e-9);
        // Both ends land where they were taken from, within the inverse's tolerance.
        assert!((read.0[0].x - 121.40).abs() < 1e-8 && (read.0[10].x - 121.41).abs() < 1e-8);
    }
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
