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

/// The CRS of incoming coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 (or CGCS2000) longitude/latitude in degrees: stored as given.
    LonLat,
    /// Anything PROJ can transform to WGS84, by its authority code (e.g. `EPSG:4549`).
    Other(String),
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
        let code = normalise(trimmed).ok_or_else(|| {
            format!("crs \"{name}\" is not a name lantu can read; use an EPSG code such as EPSG:4549 or send WGS84 (CRS84)")
        })?;
        // Build the transform once here so an unknown code fails now, with a clear message.
        Transform::new(&code).map(|_| Self::Other(code))
    }

    /// The transform to WGS84, or `None` when coordinates are already WGS84.
    pub fn transform(&self) -> Result<Option<Transform>, String> {
        match self {
            Self::LonLat => Ok(None),
            Self::Other(code) => Transform::new(code).map(Some),
        }
    }
}

/// `urn:ogc:def:crs:EPSG::4549`, `http://www.opengis.net/def/crs/EPSG/0/4549` → `EPSG:4549`.
fn normalise(name: &str) -> Option<String> {
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

/// A PROJ pipeline from one CRS to WGS84 longitude/latitude. Not `Send`: build one per use.
pub struct Transform {
    proj: Proj,
    code: String,
}

impl Transform {
    /// Builds the transform from `code` to WGS84 in longitude/latitude order.
    pub fn new(code: &str) -> Result<Self, String> {
        let proj = Proj::new_known_crs(code, "OGC:CRS84", None)
            .map_err(|e| format!("crs \"{code}\" cannot be transformed to WGS84 ({e}); send WGS84 (CRS84) or an EPSG code PROJ knows"))?;
        Ok(Self {
            proj,
            code: code.to_string(),
        })
    }

    /// Transforms one coordinate to (longitude, latitude).
    pub fn to_lon_lat(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        self.proj
            .convert((x, y))
            .map_err(|e| format!("[{x}, {y}] cannot be transformed from {} ({e})", self.code))
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
    fn an_unknown_epsg_code_is_refused_with_a_message() {
        let err = Crs::from_name("EPSG:999999").unwrap_err();
        assert!(err.contains("EPSG:999999"), "{err}");
    }
}
