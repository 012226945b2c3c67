//! The coordinate reference system lantu writes coordinates in, when a caller asks for one
//! (OGC API Features Part 2 `crs`, or an export's CRS): WGS84 as stored, any CRS PROJ knows by
//! its code, or China's offset coordinates (GCJ-02 for Amap and Tencent, BD-09 for Baidu).
//!
//! Axis order: a GeoJSON answer to `crs=` gives coordinates in the order the CRS defines
//! (EPSG:4326 and EPSG:4490 are latitude first, the CGCS2000 Gauss-Krüger zones northing
//! first), as Part 2 and its `Content-Crs` header require; files (GeoPackage, Shapefile, CSV's
//! WKT) always hold easting (longitude) first, as their formats define.

use geo::{Densify, Euclidean, Geometry, MapCoords, Rect, coord};
use proj::Proj;
use proj::wkt::WktVersion;

use super::china;

/// The URI of WGS84 longitude/latitude, what lantu stores.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The CRSs a collection offers in its `crs` list (Part 2). Any other EPSG code PROJ knows is
/// served too; these are the ones planners in China are handed.
pub const OFFERED: &[&str] = &[
    CRS84,
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/4490",
    "http://www.opengis.net/def/crs/EPSG/0/4549",
    "http://www.opengis.net/def/crs/EPSG/0/4550",
    "http://www.opengis.net/def/crs/EPSG/0/4528",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
];

use super::china::DENSIFY_DEGREES;

/// A CRS to write coordinates in.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The URI it is named by in `Content-Crs` (`http://www.opengis.net/def/crs/EPSG/0/4549`),
    /// or `GCJ-02` and `BD-09`, which have none.
    pub uri: String,
    kind: Kind,
    /// Whether its first axis is latitude or northing (EPSG:4326, 4490, 4549…).
    north_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Crs84,
    Gcj02,
    Bd09,
    /// An `AUTHORITY:CODE` PROJ knows.
    Proj(String),
}

impl Default for Target {
    fn default() -> Self {
        Self::crs84()
    }
}

impl Target {
    /// WGS84 longitude/latitude, as stored.
    pub fn crs84() -> Self {
        Self {
            uri: CRS84.into(),
            kind: Kind::Crs84,
            north_first: false,
        }
    }

    /// Reads a CRS a caller names: an OGC URI (`http://www.opengis.net/def/crs/EPSG/0/4549`),
    /// a URN, `EPSG:4549`, `CRS84`, `GCJ-02` or `BD-09`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let trimmed = name.trim();
        let upper = trimmed.to_ascii_uppercase();
        if ["GCJ-02", "GCJ02"].contains(&upper.as_str()) {
            return Ok(Self::china(Kind::Gcj02, "GCJ-02"));
        }
        if ["BD-09", "BD09", "BD-09LL", "BD09LL"].contains(&upper.as_str()) {
            return Ok(Self::china(Kind::Bd09, "BD-09"));
        }
        let code = authority_code(trimmed).ok_or_else(|| {
            format!("crs \"{name}\" is not a CRS name lantu reads; use a URI such as http://www.opengis.net/def/crs/EPSG/0/4549, EPSG:4549, GCJ-02 or BD-09")
        })?;
        if code == "OGC:CRS84" {
            return Ok(Self::crs84());
        }
        let crs = Proj::new(&code).map_err(|e| {
            format!("crs \"{name}\" is not a CRS PROJ knows ({e}); the collection lists the ones it offers")
        })?;
        // The CRS must also be reachable from WGS84.
        Proj::new_known_crs("OGC:CRS84", &code, None)
            .map_err(|e| format!("crs \"{name}\" cannot be reached from WGS84 ({e})"))?;
        let north_first = north_first(&crs);
        let (authority, number) = code.split_once(':').unwrap_or((&code, ""));
        Ok(Self {
            uri: format!("http://www.opengis.net/def/crs/{authority}/0/{number}"),
            kind: Kind::Proj(code),
            north_first,
        })
    }

    fn china(kind: Kind, name: &str) -> Self {
        Self {
            uri: name.into(),
            kind,
            north_first: false,
        }
    }

    /// Whether this is WGS84 longitude/latitude, as stored.
    pub fn is_crs84(&self) -> bool {
        self.kind == Kind::Crs84
    }

    /// The same CRS as coordinates are read in (easting first), to transform them to WGS84.
    pub fn source(&self) -> super::crs::Crs {
        match &self.kind {
            Kind::Crs84 => super::crs::Crs::LonLat,
            Kind::Gcj02 => super::crs::Crs::Gcj02,
            Kind::Bd09 => super::crs::Crs::Bd09,
            Kind::Proj(code) => super::crs::Crs::Other(code.clone()),
        }
    }

    /// Whether an answer in this CRS gives latitude (northing) first.
    pub fn north_first(&self) -> bool {
        self.north_first
    }

    /// A short name for files and messages: `EPSG:4549`, `CRS84`, `GCJ-02`.
    pub fn label(&self) -> String {
        match &self.kind {
            Kind::Crs84 => "CRS84".into(),
            Kind::Gcj02 => "GCJ-02".into(),
            Kind::Bd09 => "BD-09".into(),
            Kind::Proj(code) => code.clone(),
        }
    }

    /// The EPSG code, when it has one (CRS84 is written as EPSG:4326, its easting-first twin).
    pub fn epsg(&self) -> Option<i32> {
        match &self.kind {
            Kind::Crs84 => Some(4326),
            Kind::Proj(code) => code.strip_prefix("EPSG:")?.parse().ok(),
            Kind::Gcj02 | Kind::Bd09 => None,
        }
    }

    /// Its definition as WKT 1, the Esri dialect for a Shapefile's `.prj` or GDAL's for a
    /// GeoPackage. GCJ-02 and BD-09 are not CRSs PROJ knows: they are written as WGS84, the
    /// datum their offsets are taken from, and named by their file.
    pub fn wkt(&self, esri: bool) -> Result<String, String> {
        let code = match &self.kind {
            Kind::Proj(code) => code.as_str(),
            _ => "EPSG:4326",
        };
        let version = if esri {
            WktVersion::Wkt1_Esri
        } else {
            WktVersion::Wkt1_Gdal
        };
        Proj::new(code)
            .map_err(|e| format!("{code}: {e}"))?
            .as_wkt(Some(version), None)
            .map_err(|e| format!("{code} has no WKT 1 form ({e})"))
    }

    /// The transform from WGS84 to this CRS, easting (longitude) first. Not `Send`: build one
    /// per response.
    pub fn from_wgs84(&self) -> Result<Writer, String> {
        let proj = match &self.kind {
            Kind::Proj(code) => Some(
                Proj::new_known_crs("OGC:CRS84", code, None)
                    .map_err(|e| format!("WGS84 cannot be transformed to {code} ({e})"))?,
            ),
            _ => None,
        };
        Ok(Writer {
            kind: self.kind.clone(),
            proj,
        })
    }

    /// A box given in this CRS's axis order (Part 2 `bbox-crs`) as the WGS84 box that holds
    /// it: its edges are sampled, since a straight edge in one CRS bends in another.
    pub fn bbox_to_wgs84(&self, [a, b, c, d]: [f64; 4]) -> Result<Rect, String> {
        let ([x0, y0], [x1, y1]) = if self.north_first {
            ([b, a], [d, c])
        } else {
            ([a, b], [c, d])
        };
        let inverse: Box<Inverse<'_>> = match &self.kind {
            Kind::Crs84 => Box::new(|x, y| Ok((x, y))),
            Kind::Gcj02 => Box::new(|x, y| Ok(china::gcj02_to_wgs84(x, y))),
            Kind::Bd09 => Box::new(|x, y| Ok(china::bd09_to_wgs84(x, y))),
            Kind::Proj(code) => {
                let proj = Proj::new_known_crs(code, "OGC:CRS84", None)
                    .map_err(|e| format!("{code} cannot be transformed to WGS84 ({e})"))?;
                Box::new(move |x, y| {
                    proj.convert((x, y))
                        .map_err(|e| format!("[{x}, {y}] is outside what {code} can hold ({e})"))
                })
            }
        };
        const STEPS: usize = 20;
        let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..=STEPS {
            let t = i as f64 / STEPS as f64;
            let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            for (px, py) in [(x, y0), (x, y1), (x0, y), (x1, y)] {
                let (lon, lat) = inverse(px, py)?;
                west = west.min(lon);
                east = east.max(lon);
                south = south.min(lat);
                north = north.max(lat);
            }
        }
        Ok(Rect::new(
            coord! { x: west, y: south },
            coord! { x: east, y: north },
        ))
    }
}

/// A transform from a CRS back to WGS84.
type Inverse<'a> = dyn Fn(f64, f64) -> Result<(f64, f64), String> + 'a;

/// `http://www.opengis.net/def/crs/EPSG/0/4549`, `urn:ogc:def:crs:EPSG::4549`, `EPSG:4549`
/// → `EPSG:4549`; the CRS84 names → `OGC:CRS84`.
fn authority_code(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    if ["CRS84", "WGS84"].contains(&upper.as_str()) {
        return Some("OGC:CRS84".into());
    }
    super::crs::normalise(name)
}

/// Swaps the first two numbers of every position of a GeoJSON geometry (a collection's members
/// too): from a latitude-first CRS's order to easting first, or back.
pub fn swap_axes(geometry: &mut serde_json::Value) {
    fn positions(coordinates: &mut serde_json::Value) {
        let Some(items) = coordinates.as_array_mut() else {
            return;
        };
        if items.first().is_some_and(serde_json::Value::is_number) {
            if items.len() >= 2 {
                items.swap(0, 1);
            }
            return;
        }
        items.iter_mut().for_each(positions);
    }
    positions(&mut geometry["coordinates"]);
    if let Some(members) = geometry
        .get_mut("geometries")
        .and_then(serde_json::Value::as_array_mut)
    {
        members.iter_mut().for_each(swap_axes);
    }
}

/// Whether a CRS's first axis points north (or south): latitude or northing first.
fn north_first(crs: &Proj) -> bool {
    let Ok(json) = crs.to_projjson(Some(false), None, None) else {
        return false;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) else {
        return false;
    };
    value["coordinate_system"]["axis"][0]["direction"]
        .as_str()
        .is_some_and(|d| d == "north" || d == "south")
}

/// Writes WGS84 coordinates in a target CRS, easting (longitude) first.
pub struct Writer {
    kind: Kind,
    proj: Option<Proj>,
}

impl Writer {
    /// One position.
    pub fn position(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        match (&self.kind, &self.proj) {
            (Kind::Gcj02, _) => Ok(china::wgs84_to_gcj02(lon, lat)),
            (Kind::Bd09, _) => Ok(china::wgs84_to_bd09(lon, lat)),
            (_, Some(proj)) => proj
                .convert((lon, lat))
                .map_err(|e| format!("[{lon}, {lat}] cannot be written in this CRS ({e})")),
            (_, None) => Ok((lon, lat)),
        }
    }

    /// A geometry: its long edges densified first when the shift is non-linear (China's
    /// offsets), so a shifted edge runs where the shifted ground does.
    pub fn geometry(&self, g: &Geometry) -> Result<Geometry, String> {
        let dense;
        let g = if matches!(self.kind, Kind::Gcj02 | Kind::Bd09) {
            dense = densify(g);
            &dense
        } else {
            g
        };
        g.try_map_coords(|c| {
            let (x, y) = self.position(c.x, c.y)?;
            Ok(coord! { x: x, y: y })
        })
    }
}

fn densify(g: &Geometry) -> Geometry {
    match g {
        Geometry::LineString(l) => Euclidean.densify(l, DENSIFY_DEGREES).into(),
        Geometry::MultiLineString(l) => Euclidean.densify(l, DENSIFY_DEGREES).into(),
        Geometry::Polygon(p) => Euclidean.densify(p, DENSIFY_DEGREES).into(),
        Geometry::MultiPolygon(p) => Euclidean.densify(p, DENSIFY_DEGREES).into(),
        Geometry::GeometryCollection(c) => {
            Geometry::GeometryCollection(c.iter().map(densify).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_urns_and_codes_name_the_same_crs() {
        for name in [
            "http://www.opengis.net/def/crs/EPSG/0/4549",
            "urn:ogc:def:crs:EPSG::4549",
            "EPSG:4549",
        ] {
            let t = Target::parse(name).unwrap();
            assert_eq!(
                t.uri, "http://www.opengis.net/def/crs/EPSG/0/4549",
                "{name}"
            );
            assert_eq!(t.epsg(), Some(4549));
        }
        assert!(Target::parse(CRS84).unwrap().is_crs84());
        assert!(Target::parse("EPSG:999999").is_err());
        assert!(Target::parse("nonsense").is_err());
    }

    #[test]
    fn latitude_first_crss_are_known_by_their_axes() {
        assert!(Target::parse("EPSG:4326").unwrap().north_first());
        assert!(Target::parse("EPSG:4490").unwrap().north_first());
        assert!(Target::parse("EPSG:4549").unwrap().north_first());
        assert!(!Target::parse("EPSG:3857").unwrap().north_first());
        assert!(!Target::crs84().north_first());
        assert!(!Target::parse("GCJ-02").unwrap().north_first());
    }

    #[test]
    fn writing_in_gauss_kruger_and_reading_back_returns_the_place() {
        let t = Target::parse("EPSG:4549").unwrap();
        let (x, y) = t.from_wgs84().unwrap().position(121.4, 31.25).unwrap();
        // 121.4°E is about 133 km east of the 120°E central meridian (false easting 500 km).
        assert!((x - 633_400.0).abs() < 1_000.0 && (y - 3_459_000.0).abs() < 2_000.0);
        let back = crate::spatial::crs::Transform::new("EPSG:4549")
            .unwrap()
            .to_lon_lat(x, y)
            .unwrap();
        assert!((back.0 - 121.4).abs() < 1e-9 && (back.1 - 31.25).abs() < 1e-9);
    }

    #[test]
    fn a_long_edge_written_in_gcj02_is_densified_to_about_100_m() {
        let t = Target::parse("GCJ-02").unwrap().from_wgs84().unwrap();
        let line: Geometry = geo::LineString::from(vec![(121.40, 31.25), (121.41, 31.25)]).into();
        let Geometry::LineString(shifted) = t.geometry(&line).unwrap() else {
            panic!("a line stays a line");
        };
        assert_eq!(shifted.0.len(), 11, "0.01° in steps of at most 0.001°");
        let (x, y) = china::wgs84_to_gcj02(121.405, 31.25);
        assert!((shifted.0[5].x - x).abs() < 1e-12 && (shifted.0[5].y - y).abs() < 1e-12);
    }

    #[test]
    fn a_latitude_first_box_is_read_in_its_own_axis_order() {
        let t = Target::parse("EPSG:4326").unwrap();
        let r = t.bbox_to_wgs84([31.2, 121.3, 31.3, 121.5]).unwrap();
        assert!((r.min().x - 121.3).abs() < 1e-9 && (r.max().y - 31.3).abs() < 1e-9);
        let gk = Target::parse("EPSG:4549").unwrap();
        let r = gk
            .bbox_to_wgs84([3_450_000.0, 620_000.0, 3_470_000.0, 640_000.0])
            .unwrap();
        assert!(r.min().x > 121.2 && r.max().x < 121.5, "{r:?}");
        assert!(r.min().y > 31.1 && r.max().y < 31.4, "{r:?}");
    }

    #[test]
    fn the_prj_of_a_gauss_kruger_zone_names_it() {
        let t = Target::parse("EPSG:4549").unwrap();
        let esri = t.wkt(true).unwrap();
        assert!(
            esri.starts_with("PROJCS[\"CGCS2000_3_Degree_GK_CM_120E\""),
            "{esri}"
        );
        assert!(
            t.wkt(false)
                .unwrap()
                .contains("AUTHORITY[\"EPSG\",\"4549\"]")
        );
    }
}
