//! Coordinate reference systems a request or a file may name.
//!
//! lantu stores WGS84 longitude/latitude (RFC 7946 §4). A body or a file that names another CRS
//! in the legacy GeoJSON `crs` member (e.g. CGCS2000 Gauss-Krüger, EPSG:4549) is transformed with
//! PROJ on the way in; a CRS PROJ does not know is refused.

use proj::Proj;
use serde_json::Value;

/// Names that mean WGS84 longitude/latitude, the axis order GeoJSON always uses.
///
/// CGCS2000 (EPSG:4490) differs from WGS84 by under a metre, far below what planning data
/// resolves, so it is read as WGS84 rather than pushed through a null transform.
const LON_LAT_NAMES: &[&str] = &[
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "OGC:CRS84",
    "CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "EPSG:4490",
    "urn:ogc:def:crs:EPSG::4490",
    "http://www.opengis.net/def/crs/EPSG/0/4490",
];

/// Names of China's offset coordinates, which have no EPSG code: GCJ-02 (Amap 高德, Tencent)
/// and BD-09 (Baidu 百度), longitude/latitude in degrees.
const GCJ02_NAMES: &[&str] = &["GCJ-02", "GCJ02", "GCJ:02"];
const BD09_NAMES: &[&str] = &["BD-09", "BD09", "BD:09", "BD-09LL", "BD09LL"];

/// The CRS of incoming coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 (or CGCS2000) longitude/latitude in degrees: stored as given.
    LonLat,
    /// GCJ-02 longitude/latitude (Amap, Tencent): the offset taken off on the mainland.
    Gcj02,
    /// BD-09 longitude/latitude (Baidu).
    Bd09,
    /// Anything PROJ can transform to WGS84, by its authority code (e.g. `EPSG:4549`).
    Other(String),
    /// A CRS defined by WKT (a Shapefile's `.prj`), shown by its name.
    Wkt {
        /// The name the WKT gives it (`CGCS2000_3_Degree_GK_CM_120E`).
        name: String,
        /// The definition, as PROJ reads it.
        text: String,
    },
}

impl Crs {
    /// Reads a GeoJSON `crs` member (`{"type":"name","properties":{"name":…}}`); absent means WGS84.
    pub fn from_member(member: Option<&Value>) -> Result<Self, String> {
        let Some(member) = member else {
            return Ok(Self::LonLat);
        };
        if member.is_null() {
            return Ok(Self::LonLat);
        }
        let name = member
            .get("properties")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                "a crs member must be {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:…\"}}"
                    .to_string()
            })?;
        Self::from_name(name)
    }

    /// Reads a CRS name: a URN, an OGC URI or `AUTHORITY:CODE`.
    pub fn from_name(name: &str) -> Result<Self, String> {
        let trimmed = name.trim();
        if LON_LAT_NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(trimmed))
        {
            return Ok(Self::LonLat);
        }
        let named = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(trimmed));
        if named(GCJ02_NAMES) {
            return Ok(Self::Gcj02);
        }
        if named(BD09_NAMES) {
            return Ok(Self::Bd09);
        }
        let code = normalise(trimmed).ok_or_else(|| {
            format!("crs \"{name}\" is not a name lantu can read; use an EPSG code such as EPSG:4549, GCJ-02 or BD-09, or send WGS84 (CRS84)")
        })?;
        // Build the transform once here so an unknown code fails now, with a clear message.
        Transform::new(&code).map(|_| Self::Other(code))
    }

    /// Reads a CRS a user names on the command line: `WGS84`, or any name [`Crs::from_name`]
    /// reads.
    pub fn from_cli(name: &str) -> Result<Self, String> {
        if name.to_ascii_uppercase().replace([' ', '-'], "") == "WGS84" {
            Ok(Self::LonLat)
        } else {
            Self::from_name(name)
        }
    }

    /// Reads a WKT definition, such as a Shapefile's `.prj` (Esri WKT1, OGC WKT1 or WKT2):
    /// geographic WGS84 or CGCS2000 is longitude/latitude; anything else PROJ must be able to
    /// transform, or it is refused.
    pub fn from_wkt(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_start_matches('\u{feff}');
        let kind = text
            .split('[')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_uppercase();
        let name = text
            .split('"')
            .nth(1)
            .unwrap_or("the .prj's coordinate system")
            .to_string();
        let upper = text.to_ascii_uppercase();
        let geographic = matches!(kind.as_str(), "GEOGCS" | "GEOGCRS" | "GEODCRS");
        if geographic
            && (upper.contains("WGS")
                || upper.contains("CGCS")
                || upper.contains("CHINA_2000")
                || upper.contains("CHINA 2000"))
        {
            return Ok(Self::LonLat);
        }
        if !matches!(
            kind.as_str(),
            "PROJCS" | "PROJCRS" | "GEOGCS" | "GEOGCRS" | "GEODCRS" | "COMPD_CS" | "COMPOUNDCRS"
        ) {
            return Err(format!(
                "\"{}\" is not a WKT coordinate system (PROJCS[…] or GEOGCS[…])",
                text.chars().take(40).collect::<String>()
            ));
        }
        Transform::labelled(text, &name)?;
        Ok(Self::Wkt {
            name,
            text: text.to_string(),
        })
    }

    /// The transform to WGS84, or `None` when coordinates are already WGS84.
    pub fn transform(&self) -> Result<Option<Transform>, String> {
        match self {
            Self::LonLat => Ok(None),
            Self::Gcj02 => Ok(Some(Transform {
                kind: Kind::Gcj02,
                code: "GCJ-02".into(),
            })),
            Self::Bd09 => Ok(Some(Transform {
                kind: Kind::Bd09,
                code: "BD-09".into(),
            })),
            Self::Other(code) => Transform::new(code).map(Some),
            Self::Wkt { name, text } => Transform::labelled(text, name).map(Some),
        }
    }
}

/// `urn:ogc:def:crs:EPSG::4549`, `http://www.opengis.net/def/crs/EPSG/0/4549` → `EPSG:4549`.
pub(super) fn normalise(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix("URN:OGC:DEF:CRS:") {
        let mut parts = rest.split(':');
        let authority = parts.next()?;
        let code = parts.next_back()?;
        return (!code.is_empty()).then(|| format!("{authority}:{code}"));
    }
    if let Some(rest) = upper.strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [authority, _version, code] = parts.as_slice() {
            return Some(format!("{authority}:{code}"));
        }
        return None;
    }
    let (authority, code) = upper.split_once(':')?;
    (!authority.is_empty() && !code.is_empty() && !code.contains(':'))
        .then(|| format!("{authority}:{code}"))
}

/// A transform from one CRS to WGS84 longitude/latitude: a PROJ pipeline, or China's offsets
/// taken off ([`super::china`]). Not `Send`: build one per use.
pub struct Transform {
    kind: Kind,
    code: String,
}

enum Kind {
    Proj(Proj),
    Gcj02,
    Bd09,
}

impl Transform {
    /// Builds the transform from `code` to WGS84 in longitude/latitude order.
    pub fn new(code: &str) -> Result<Self, String> {
        Self::labelled(code, code)
    }

    /// The transform from `definition` (a code or WKT) to WGS84, named `label` in messages.
    fn labelled(definition: &str, label: &str) -> Result<Self, String> {
        let proj = Proj::new_known_crs(definition, "OGC:CRS84", None)
            .map_err(|e| format!("crs \"{label}\" cannot be transformed to WGS84 ({e}); send WGS84 (CRS84) or an EPSG code PROJ knows"))?;
        Ok(Self {
            kind: Kind::Proj(proj),
            code: label.to_string(),
        })
    }

    /// Whether it is China's offset (GCJ-02, BD-09), which bends straight edges: a line or ring
    /// read through it is densified first ([`super::china::DENSIFY_DEGREES`]).
    pub fn bends_edges(&self) -> bool {
        matches!(self.kind, Kind::Gcj02 | Kind::Bd09)
    }

    /// Transforms one coordinate to (longitude, latitude).
    pub fn to_lon_lat(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        match &self.kind {
            Kind::Proj(proj) => proj
                .convert((x, y))
                .map_err(|e| format!("[{x}, {y}] cannot be transformed from {} ({e})", self.code)),
            Kind::Gcj02 | Kind::Bd09 if !(x.abs() <= 180.0 && y.abs() <= 90.0) => Err(format!(
                "[{x}, {y}] is no {} longitude and latitude",
                self.code
            )),
            Kind::Gcj02 => Ok(super::china::gcj02_to_wgs84(x, y)),
            Kind::Bd09 => Ok(super::china::bd09_to_wgs84(x, y)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs84_urns_and_epsg_4326_all_mean_lon_lat() {
        for name in ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "epsg:4490"] {
            assert_eq!(Crs::from_name(name).unwrap(), Crs::LonLat, "{name}");
        }
    }

    #[test]
    fn urn_and_uri_forms_normalise_to_authority_code() {
        assert_eq!(
            normalise("urn:ogc:def:crs:EPSG::4549").as_deref(),
            Some("EPSG:4549")
        );
        assert_eq!(
            normalise("http://www.opengis.net/def/crs/EPSG/0/4550").as_deref(),
            Some("EPSG:4550")
        );
        assert_eq!(normalise("nonsense"), None);
    }

    #[test]
    fn cgcs2000_gauss_kruger_zone_40_transforms_to_shanghai() {
        // EPSG:4549 is CGCS2000 / 3-degree Gauss-Kruger CM 120E; false easting 500 km.
        let crs = Crs::from_name("EPSG:4549").unwrap();
        let t = crs.transform().unwrap().unwrap();
        // 121.4°E is about 133 km east of the central meridian at 31.2°N.
        let (lon, lat) = t.to_lon_lat(633_400.0, 3_453_000.0).unwrap();
        assert!((lon - 121.40).abs() < 0.02, "lon {lon}");
        assert!((lat - 31.19).abs() < 0.02, "lat {lat}");
    }

    #[test]
    fn amap_and_baidu_coordinates_are_read_by_name_and_land_on_their_wgs84_place() {
        let gcj = Crs::from_name("gcj-02").unwrap();
        assert_eq!(gcj, Crs::Gcj02);
        let (lon, lat) = gcj
            .transform()
            .unwrap()
            .unwrap()
            .to_lon_lat(121.531541859215, 31.17530398364597)
            .unwrap();
        assert!((lon - 121.5272106).abs() < 1e-8 && (lat - 31.1774276).abs() < 1e-8);
        let bd = Crs::from_name("BD-09")
            .unwrap()
            .transform()
            .unwrap()
            .unwrap();
        let (x, y) = crate::spatial::china::wgs84_to_bd09(121.4, 31.25);
        let (lon, lat) = bd.to_lon_lat(x, y).unwrap();
        assert!((lon - 121.4).abs() < 1e-8 && (lat - 31.25).abs() < 1e-8);
        assert!(bd.to_lon_lat(500_000.0, 3_400_000.0).is_err());
    }

    #[test]
    fn an_unknown_epsg_code_is_refused_with_a_message() {
        let err = Crs::from_name("EPSG:999999").unwrap_err();
        assert!(err.contains("EPSG:999999"), "{err}");
    }
}
