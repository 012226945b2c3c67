//! The API's shared response types. Handlers serialise these, and the OpenAPI document is
//! generated from the same types (utoipa), so the document cannot drift from the answers.

use crate::store::audit::AuditEntry;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType};
use utoipa::openapi::{RefOr, schema::AnyOfBuilder};

use crate::coverage::facilities::FacilityVersionFeature;
use crate::http::links::BaseUrl;
use crate::needs::api::NeedFeature;
use crate::sites::api::{SiteFeature, SiteVersionFeature};
use crate::units::api::{UnitFeature, UnitVersionFeature};

/// A link (OGC API Common, RFC 8288 relation).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Link {
    /// Absolute URL.
    pub href: String,
    /// Relation: self, next, prev, collection, items, version-history, …
    pub rel: String,
    /// Media type of the target.
    #[serde(rename = "type")]
    pub media_type: String,
    /// What the target is.
    pub title: String,
}

impl Link {
    /// A link to `href`.
    pub fn new(href: String, rel: &str, media_type: &str, title: &str) -> Self {
        Self {
            href,
            rel: rel.into(),
            media_type: media_type.into(),
            title: title.into(),
        }
    }
}

/// The constant `type` of a GeoJSON Feature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub enum FeatureType {
    /// The only value.
    Feature,
}

/// The constant `type` of a GeoJSON FeatureCollection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub enum FeatureCollectionType {
    /// The only value.
    FeatureCollection,
}

/// A GeoJSON geometry (RFC 7946 §3.1), positions `[longitude, latitude]` in WGS 84.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Geometry(pub Value);

/// Every GeoJSON geometry type (RFC 7946 §3.1).
pub const GEOMETRY_TYPES: &[&str] = &[
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

impl<'s> ToSchema<'s> for Geometry {
    fn schema() -> (&'s str, RefOr<Schema>) {
        let kinds = GEOMETRY_TYPES.iter().copied();
        let schema = ObjectBuilder::new()
            .description(Some(
                "A GeoJSON geometry (RFC 7946 §3.1); positions are [longitude, latitude] in WGS 84",
            ))
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(SchemaType::String)
                    .enum_values(Some(kinds)),
            )
            .required("type")
            .property(
                "coordinates",
                ArrayBuilder::new().items(
                    AnyOfBuilder::new().item(ObjectBuilder::new().schema_type(SchemaType::Value)),
                ),
            )
            .property(
                "geometries",
                ArrayBuilder::new().items(ObjectBuilder::new().schema_type(SchemaType::Object)),
            )
            .into();
        ("Geometry", schema)
    }
}

/// One page of a collection's items (OGC API Features /req/geojson/content).
#[derive(Debug, Serialize, ToSchema)]
#[aliases(
    UnitPage = FeaturePage<UnitFeature>,
    SitePage = FeaturePage<SiteFeature>,
    NeedPage = FeaturePage<NeedFeature>
)]
#[serde(rename_all = "camelCase")]
pub struct FeaturePage<F> {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// When the page was made.
    pub time_stamp: String,
    /// Items matching the query, over every page.
    pub number_matched: usize,
    /// Items on this page.
    pub number_returned: usize,
    /// The items.
    pub features: Vec<F>,
    /// self, collection, and next/prev where there are more.
    pub links: Vec<Link>,
}

/// A record's versions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[aliases(
    UnitHistory = History<UnitVersionFeature>,
    SiteHistory = History<SiteVersionFeature>,
    FacilityHistory = History<FacilityVersionFeature>,
)]
pub struct History<F> {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// One feature per version: its content then, with version, change, time and message.
    pub features: Vec<F>,
    /// The record's audit entries, newest first (for those who may read the audit log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<Vec<AuditEntry>>,
}

impl<F> History<F> {
    /// The versions as a FeatureCollection.
    pub fn new(features: Vec<F>) -> Self {
        Self {
            kind: FeatureCollectionType::FeatureCollection,
            features,
            audit: None,
        }
    }
}

/// The landing page `/api`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Landing {
    /// The service.
    pub title: String,
    /// What it offers.
    pub description: String,
    /// self, service-desc, conformance, data.
    pub links: Vec<Link>,
}

/// `/api/conformance`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conformance {
    /// The conformance classes implemented.
    pub conforms_to: Vec<String>,
}

/// A collection's spatial extent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// `[[west, south, east, north]]`.
    pub bbox: Vec<[f64; 4]>,
    /// CRS84.
    pub crs: String,
}

/// A collection's temporal extent.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporalExtent {
    /// `[[first, last]]` moments of its temporal property (null when it holds nothing).
    pub interval: Vec<[Option<String>; 2]>,
    /// The Gregorian calendar.
    pub trs: String,
}

/// A collection's extent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    /// Where its items are.
    pub spatial: SpatialExtent,
    /// When: the span of its temporal property (`updated_at`, which `datetime` filters on).
    pub temporal: TemporalExtent,
}

/// One feature collection (`/api/collections/{collectionId}`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionInfo {
    /// Its id, as in `/api/collections/{id}/items`.
    pub id: String,
    /// Its name.
    pub title: String,
    /// What it holds, and its rules.
    pub description: String,
    /// `feature`.
    pub item_type: String,
    /// The CRSs its items may be asked in (`crs=`, Part 2); any other EPSG code PROJ knows is
    /// served too, and GCJ-02 and BD-09 by those names.
    pub crs: Vec<String>,
    /// CRS84.
    pub storage_crs: String,
    /// Where its items are.
    pub extent: Extent,
    /// self and items.
    pub links: Vec<Link>,
}

/// `/api/collections`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    /// Every collection.
    pub collections: Vec<CollectionInfo>,
    /// self.
    pub links: Vec<Link>,
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready` (the store answers).
    pub status: String,
    /// `sqlite` or `postgis` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
}

/// One thing wrong with a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetail {
    /// A JSON pointer (RFC 6901) into the body, or `?name` for a query parameter.
    pub pointer: String,
    /// What is wrong there.
    pub detail: String,
}

/// An error (RFC 9457 problem details, `application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<slug>`, stable.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What is wrong and what to do.
    pub detail: String,
    /// Where the first violation is, when the problem is in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Every violation found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemDetail>>,
    /// On 412: the version stored now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// The collection's `self` and `items` links and its description, for the registry.
pub fn collection_links(base: &BaseUrl, id: &str, title: &str) -> Vec<Link> {
    vec![
        Link::new(
            base.at(&format!("/api/collections/{id}")),
            "self",
            "application/json",
            title,
        ),
        Link::new(
            base.at(&format!("/api/collections/{id}/items")),
            "items",
            "application/geo+json",
            "Items as GeoJSON",
        ),
        Link::new(
            base.at(&format!("/api/collections/{id}/queryables")),
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "application/schema+json",
            "What a filter may name",
        ),
    ]
}
