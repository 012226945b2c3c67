//! Reading a site from a GeoJSON Feature (RFC 7946 §3.2) as a planner's client sends it, and
//! applying a JSON Merge Patch (RFC 7396) to one (OGC API Features Part 4, Update).

use serde_json::{Map, Value};

use super::api::SiteContent;
use super::model::{ElementType, SiteFields, SiteStatus};
use crate::error::AppError;
use crate::http::json_object;
use crate::spatial::crs::Crs;
use crate::spatial::read::{Accept, GeometryReader};
use crate::text::{self, Lines};

/// Members a site Feature may have. `message` (why the edit was made) is lantu's own.
const FEATURE_MEMBERS: &[&str] = &[
    "type",
    "id",
    "geometry",
    "properties",
    "bbox",
    "links",
    "crs",
    "message",
];

/// Properties a client may set.
const WRITABLE: &[&str] = &["name", "description", "element_type", "status"];

/// Properties the server derives; a client that sends back what it read may include them, and
/// they are ignored.
const DERIVED: &[&str] = &[
    "id",
    "version",
    "units",
    "unit_names",
    "area_m2",
    "length_m",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// A Shapefile's `.dbf` cuts field names to 10 bytes (`element_ty`, `descriptio`): each such
/// cut of a site property is read as the property, so a Shapefile lantu (or any GIS) wrote of
/// sites imports as it was.
pub fn restore_dbf_names(feature: &mut Value) {
    let Some(properties) = feature.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for full in WRITABLE.iter().chain(DERIVED).filter(|n| n.len() > 10) {
        if !properties.contains_key(*full)
            && let Some(value) = properties.remove(&full[..10])
        {
            properties.insert(full.to_string(), value);
        }
    }
}

const NAME_MAX_CHARS: usize = 200;
const DESCRIPTION_MAX_CHARS: usize = 10_000;
/// The longest edit message.
pub const MESSAGE_MAX_CHARS: usize = 2_000;

/// A site read from a Feature, with the edit message it carried.
#[derive(Debug)]
pub struct ParsedSite {
    /// The validated content.
    pub fields: SiteFields,
    /// The Feature's `id` member, if any.
    pub id: Option<Value>,
    /// Why the edit is made, if the client said.
    pub message: Option<String>,
}

fn feature_object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, AppError> {
    let object = value.as_object().ok_or_else(|| {
        AppError::bad_request(
            "Invalid GeoJSON",
            at,
            "a site must be a GeoJSON Feature object",
        )
    })?;
    Ok(object)
}

fn check_members(object: &Map<String, Value>, at: &str) -> Result<(), AppError> {
    for key in object.keys() {
        if !FEATURE_MEMBERS.contains(&key.as_str()) {
            return Err(AppError::bad_request(
                "Unknown member",
                format!("{at}/{key}"),
                format!(
                    "\"{key}\" is not a member of a site Feature; use one of {}",
                    FEATURE_MEMBERS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn reader_for(
    object: &Map<String, Value>,
    at: &str,
    inherited: &Crs,
) -> Result<GeometryReader, AppError> {
    let crs = match object.get("crs") {
        Some(member) => Crs::from_member(Some(member))
            .map_err(|d| AppError::bad_request("Unsupported CRS", format!("{at}/crs"), d))?,
        None => inherited.clone(),
    };
    GeometryReader::new(&crs)
        .map_err(|d| AppError::bad_request("Unsupported CRS", format!("{at}/crs"), d))
}

fn read_geometry(
    value: Option<&Value>,
    at: &str,
    reader: &GeometryReader,
) -> Result<geo::Geometry, AppError> {
    match value {
        None | Some(Value::Null) => Err(AppError::bad_request(
            "Invalid GeoJSON",
            format!("{at}/geometry"),
            "a site needs a geometry: a Point, LineString or Polygon (or their Multi forms)",
        )),
        Some(g) => reader
            .read(g, &format!("{at}/geometry"), Accept::Any)
            .map_err(AppError::from),
    }
}

fn message(object: &Map<String, Value>, at: &str) -> Result<Option<String>, AppError> {
    match object.get("message") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            text::clean(s, &format!("{at}/message"), Lines::Many, MESSAGE_MAX_CHARS).map(Some)
        }
        Some(_) => Err(AppError::bad_request(
            "Wrong type",
            format!("{at}/message"),
            "message must be a string",
        )),
    }
}

/// Reads a whole site Feature (POST, PUT, import); `at` is the pointer prefix of the Feature
/// in its document (`""` for a request body, `/features/7` in a file).
pub fn parse_site_feature(
    value: &Value,
    at: &str,
    inherited: &Crs,
) -> Result<ParsedSite, AppError> {
    let object = feature_object(value, at)?;
    match object.get("type").and_then(Value::as_str) {
        Some("Feature") => {}
        Some("FeatureCollection") => {
            return Err(AppError::bad_request(
                "Invalid GeoJSON",
                format!("{at}/type"),
                "send one Feature per request; import a FeatureCollection with `lantu import sites FILE`",
            ));
        }
        _ => {
            return Err(AppError::bad_request(
                "Invalid GeoJSON",
                format!("{at}/type"),
                "\"type\" must be \"Feature\" (RFC 7946 §3.2)",
            ));
        }
    }
    check_members(object, at)?;
    let reader = reader_for(object, at, inherited)?;
    let geometry = read_geometry(object.get("geometry"), at, &reader)?;
    let properties = match object.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => {
            return Err(AppError::bad_request(
                "Invalid GeoJSON",
                format!("{at}/properties"),
                "a site needs a properties object with at least name and element_type",
            ));
        }
    };
    Ok(ParsedSite {
        fields: parse_properties(&properties, &format!("{at}/properties"), geometry)?,
        id: object.get("id").cloned(),
        message: message(object, at)?,
    })
}

/// Applies a JSON Merge Patch (RFC 7396) Feature to `current`: members present replace, `null`
/// removes an optional property; the result is validated as a whole.
pub fn apply_patch(current: &SiteFields, patch: &Value) -> Result<ParsedSite, AppError> {
    let object = feature_object(patch, "")?;
    if let Some(kind) = object.get("type").filter(|t| t.as_str() != Some("Feature")) {
        return Err(AppError::bad_request(
            "Invalid GeoJSON",
            "/type",
            format!("a patch's type must be \"Feature\", not {kind}"),
        ));
    }
    check_members(object, "")?;
    let geometry = match object.get("geometry") {
        Some(g) => read_geometry(Some(g), "", &reader_for(object, "", &Crs::LonLat)?)?,
        None => current.geometry.clone(),
    };
    // A plain struct always serialises.
    let mut properties =
        json_object(serde_json::to_value(SiteContent::of(current)).unwrap_or_default());
    match object.get("properties") {
        None | Some(Value::Null) => {}
        Some(Value::Object(changes)) => {
            for (key, value) in changes {
                if value.is_null() {
                    properties.remove(key);
                } else {
                    properties.insert(key.clone(), value.clone());
                }
            }
        }
        Some(_) => {
            return Err(AppError::bad_request(
                "Invalid GeoJSON",
                "/properties",
                "properties must be an object",
            ));
        }
    }
    Ok(ParsedSite {
        fields: parse_properties(&properties, "/properties", geometry)?,
        id: object.get("id").cloned(),
        message: message(object, "")?,
    })
}

fn string<'a>(
    properties: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'a str>, AppError> {
    match properties.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(AppError::bad_request(
            "Wrong type",
            format!("{at}/{key}"),
            format!("{key} must be a string, not {other}"),
        )),
    }
}

fn parse_properties(
    properties: &Map<String, Value>,
    at: &str,
    geometry: geo::Geometry,
) -> Result<SiteFields, AppError> {
    for key in properties.keys() {
        if !WRITABLE.contains(&key.as_str()) && !DERIVED.contains(&key.as_str()) {
            return Err(AppError::bad_request(
                "Unknown property",
                format!("{at}/{key}"),
                format!(
                    "\"{key}\" is not a site property; sites have {}",
                    WRITABLE.join(", ")
                ),
            ));
        }
    }
    let name = string(properties, "name", at)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            AppError::unprocessable(
                "Missing property",
                format!("{at}/name"),
                "a site needs a non-empty name",
            )
        })?;
    let name = text::name(name, &format!("{at}/name"), NAME_MAX_CHARS)?;
    let description = string(properties, "description", at)?
        .map(|d| {
            text::clean(
                d,
                &format!("{at}/description"),
                Lines::Many,
                DESCRIPTION_MAX_CHARS,
            )
        })
        .transpose()?;
    let element_type = match string(properties, "element_type", at)? {
        None => {
            return Err(AppError::unprocessable(
                "Missing property",
                format!("{at}/element_type"),
                format!(
                    "a site needs an element_type: one of {}",
                    element_type_names()
                ),
            ));
        }
        Some(t) => ElementType::parse(t).ok_or_else(|| {
            AppError::unprocessable(
                "Unknown element type",
                format!("{at}/element_type"),
                format!(
                    "\"{t}\" is not an element type; use one of {}",
                    element_type_names()
                ),
            )
        })?,
    };
    let status = match string(properties, "status", at)? {
        None => SiteStatus::Draft,
        Some(s) => SiteStatus::parse(s).ok_or_else(|| {
            AppError::unprocessable(
                "Invalid property",
                format!("{at}/status"),
                format!("\"{s}\" is not a status; use draft or published"),
            )
        })?,
    };
    Ok(SiteFields {
        name,
        description,
        element_type,
        status,
        geometry,
    })
}

fn element_type_names() -> String {
    ElementType::ALL.map(ElementType::as_str).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feature(properties: Value) -> Value {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.44, 31.24]}, "properties": properties})
    }

    #[test]
    fn status_defaults_to_draft_so_nothing_is_public_by_accident() {
        let parsed = parse_site_feature(
            &feature(json!({"name": "口袋花园", "element_type": "pocket_garden"})),
            "",
            &Crs::LonLat,
        )
        .unwrap();
        assert_eq!(parsed.fields.status, SiteStatus::Draft);
    }

    #[test]
    fn an_unknown_property_is_named_in_the_error() {
        let err = parse_site_feature(
            &feature(json!({"name": "x", "element_type": "other", "colour": "red"})),
            "",
            &Crs::LonLat,
        )
        .unwrap_err();
        assert_eq!(err.problem()["pointer"], "/properties/colour");
    }

    #[test]
    fn a_patch_can_publish_without_resending_the_geometry() {
        let current = parse_site_feature(
            &feature(json!({"name": "街角", "element_type": "street_corner"})),
            "",
            &Crs::LonLat,
        )
        .unwrap()
        .fields;
        let patched = apply_patch(&current, &json!({"properties": {"status": "published"}}))
            .unwrap()
            .fields;
        assert_eq!(patched.status, SiteStatus::Published);
        assert_eq!(patched.geometry, current.geometry);
    }

    #[test]
    fn a_patch_cannot_remove_the_name() {
        let current = parse_site_feature(
            &feature(json!({"name": "街角", "element_type": "street_corner"})),
            "",
            &Crs::LonLat,
        )
        .unwrap()
        .fields;
        let err = apply_patch(&current, &json!({"properties": {"name": null}})).unwrap_err();
        assert_eq!(err.problem()["pointer"], "/properties/name");
    }
}
