//! What the sites routes take and answer, as types: handlers serialise them and the OpenAPI
//! document is generated from them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{ElementType, SiteFields, SiteStatus};
use crate::ogc::contract::{FeatureType, Geometry, Link};
use crate::version::VersionStamp;

/// What a planner gives a site (and what each version keeps).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteContent {
    /// Its name (clean text, at most 200 characters).
    pub name: String,
    /// What it is about.
    pub description: Option<String>,
    /// One of the nine element types of micro-renewal (九大类要素), or other.
    pub element_type: ElementType,
    /// draft (the team only) or published (everyone).
    pub status: SiteStatus,
}

impl SiteContent {
    /// A site's content.
    pub fn of(f: &SiteFields) -> Self {
        Self {
            name: f.name.clone(),
            description: f.description.clone(),
            element_type: f.element_type,
            status: f.status,
        }
    }
}

/// A site's properties: its content, what lantu derives, and (for the team) its version and
/// authors.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteProperties {
    /// Name, description, element type, status.
    #[serde(flatten)]
    pub content: SiteContent,
    /// Codes of the planning units it falls in, district first.
    pub units: Vec<String>,
    /// Their Chinese names.
    pub unit_names: Vec<String>,
    /// Geodesic area in m² (polygons), to 0.1 m².
    pub area_m2: Option<f64>,
    /// Geodesic length in m (lines), to 0.1 m.
    pub length_m: Option<f64>,
    /// When it was drawn.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its version (the team only: the public would count drafts in the gaps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Who drew it (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who changed it last (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

/// A micro-renewal site as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// Its id.
    pub id: i64,
    /// A point, line or polygon (or their multi- forms).
    pub geometry: Geometry,
    /// Its properties.
    pub properties: SiteProperties,
    /// self, version-history, collection.
    pub links: Vec<Link>,
}

/// A site as a planner sends it (POST, PUT; PATCH sends any part of it, as a merge patch).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteInput {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// At most 200,000 positions and 10,000 parts, [longitude, latitude] only.
    pub geometry: Geometry,
    /// Name, description, element type, status (default draft), and why the change was made.
    pub properties: SiteInputProperties,
}

/// The properties a planner sends. Derived members (units, measures, version, authors) are
/// refused: they are lantu's to decide.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteInputProperties {
    /// Name, description, element type, status.
    #[serde(flatten)]
    pub content: SiteContent,
    /// Why the change was made (kept with the version).
    pub message: Option<String>,
}

/// A version's properties: the content then, and the version's stamp.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteVersionProperties {
    /// Name, description, element type, status then.
    #[serde(flatten)]
    pub content: SiteContent,
    /// Version, change, time, message, author.
    #[serde(flatten)]
    pub stamp: VersionStamp,
}

/// One version of a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteVersionFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The site's id.
    pub id: i64,
    /// Its geometry then.
    pub geometry: Geometry,
    /// Its content and the version's stamp.
    pub properties: SiteVersionProperties,
}
