//! What the units routes answer, as types: handlers serialise them and the OpenAPI document
//! is generated from them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{UnitFields, UnitLevel};
use crate::ogc::contract::{FeatureType, Geometry, Link};
use crate::version::VersionStamp;

/// What a unit, and each of its versions, shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitContent {
    /// Statistics division code: 6 digits for a district, 9 for a sub-district or town, 12 for
    /// a neighbourhood committee.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// district, subdistrict or committee.
    pub level: UnitLevel,
    /// The code of the unit above.
    pub parent: Option<String>,
    /// Residents, when known.
    pub population: Option<i64>,
}

impl UnitContent {
    /// A unit's content.
    pub fn of(f: &UnitFields) -> Self {
        Self {
            code: f.code.as_str().into(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            level: f.level,
            parent: f.parent.as_ref().map(|p| p.as_str().into()),
            population: f.population,
        }
    }
}

/// A unit's properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitProperties {
    /// Code, names, level, parent, population.
    #[serde(flatten)]
    pub content: UnitContent,
    /// Geodesic area of the boundary in m², rounded.
    pub area_m2: Option<f64>,
    /// Its version (units have no drafts, so no gaps to hide).
    pub version: i64,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

/// A planning unit as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// Its code.
    pub id: String,
    /// Its boundary (a MultiPolygon), if it has one.
    pub geometry: Option<Geometry>,
    /// Its properties.
    pub properties: UnitProperties,
    /// self and version-history.
    pub links: Vec<Link>,
}

/// A version's properties: the content then, and the version's stamp.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitVersionProperties {
    /// Code, names, level, parent, population then.
    #[serde(flatten)]
    pub content: UnitContent,
    /// Version, change, time, message, author.
    #[serde(flatten)]
    pub stamp: VersionStamp,
}

/// One version of a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitVersionFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The unit's code.
    pub id: String,
    /// Its boundary then.
    pub geometry: Option<Geometry>,
    /// Its content and the version's stamp.
    pub properties: UnitVersionProperties,
}
