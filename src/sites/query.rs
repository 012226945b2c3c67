//! What a sites collection can be asked: its queryables (OGC API Features Part 3), the
//! shape each per-type collection holds, and a site as a filter reads it.

use geo::Relate;

use super::model::SiteStatus;
use crate::catalog::SiteEntry;
use crate::ogc::filter::{Kind, Queryable, Queryables, Record, Val};
use crate::spatial::Geometry;

/// The element types, as the API names them.
const ELEMENT_TYPES: &[&str] = &[
    "vibrant_alley",
    "street_corner",
    "slow_traffic",
    "pocket_garden",
    "art_space",
    "tree_lined_street",
    "wall_opening",
    "public_facility",
    "sports_ground",
    "other",
];

const fn queryable(
    name: &'static str,
    kind: Kind,
    description: &'static str,
    read_only: bool,
) -> Queryable {
    Queryable {
        name,
        kind,
        description,
        values: None,
        read_only,
    }
}

const PROPERTIES: &[Queryable] = &[
    queryable("name", Kind::Text, "Its name", false),
    queryable("description", Kind::Text, "What it is about", false),
    Queryable {
        values: Some(ELEMENT_TYPES),
        ..queryable(
            "element_type",
            Kind::Text,
            "One of the nine element types of micro-renewal (九大类要素), or other",
            false,
        )
    },
    Queryable {
        values: Some(&["draft", "published"]),
        ..queryable(
            "status",
            Kind::Text,
            "draft (its team only) or published",
            false,
        )
    },
    queryable(
        "units",
        Kind::TextList,
        "Codes of the planning units it falls in (derived; = matches any of them)",
        true,
    ),
    queryable(
        "unit_names",
        Kind::TextList,
        "Their Chinese names (derived)",
        true,
    ),
    queryable(
        "area_m2",
        Kind::Number,
        "Geodesic area in m² (derived)",
        true,
    ),
    queryable(
        "length_m",
        Kind::Number,
        "Geodesic length in m (derived)",
        true,
    ),
    queryable(
        "created_at",
        Kind::Time,
        "When it was drawn (derived)",
        true,
    ),
    queryable(
        "updated_at",
        Kind::Time,
        "When it last changed (derived; what datetime filters on)",
        true,
    ),
];

pub use crate::spatial::shape::Shape;

/// The queryables of the mixed `sites` collection.
pub const QUERYABLES: Queryables = Queryables {
    properties: PROPERTIES,
    temporal: "updated_at",
    geometry: crate::ogc::contract::GEOMETRY_TYPES,
};

/// The queryables of a per-type collection.
pub const fn queryables_of(shape: Shape) -> Queryables {
    Queryables {
        geometry: match shape {
            Shape::Points => &["Point", "MultiPoint"],
            Shape::Lines => &["LineString", "MultiLineString"],
            Shape::Polygons => &["Polygon", "MultiPolygon"],
        },
        ..QUERYABLES
    }
}

/// A site as a filter reads it; `names` are its units' Chinese names.
pub struct SiteRecord<'a> {
    /// The site.
    pub entry: &'a SiteEntry,
    /// Its units' names, in the order of its units.
    pub names: Vec<&'a str>,
}

impl Record for SiteRecord<'_> {
    fn value(&self, name: &str) -> Val<'_> {
        let site = &self.entry.site;
        let f = &site.fields;
        let number =
            |n: Option<f64>| n.map_or(Val::Null, |n| Val::Number((n * 10.0).round() / 10.0));
        match name {
            "name" => Val::Text(&f.name),
            "description" => f.description.as_deref().map_or(Val::Null, Val::Text),
            "element_type" => Val::Text(f.element_type.as_str()),
            "status" => Val::Text(match f.status {
                SiteStatus::Draft => "draft",
                SiteStatus::Published => "published",
            }),
            "units" => Val::List(self.entry.units.iter().map(|c| c.as_str()).collect()),
            "unit_names" => Val::List(self.names.clone()),
            "area_m2" => number(self.entry.area_m2),
            "length_m" => number(self.entry.length_m),
            "created_at" => Val::Time(site.created.at),
            "updated_at" => Val::Time(site.stamp.at),
            _ => Val::Null,
        }
    }

    fn relate(&self, other: &Geometry) -> Option<geo::relate::IntersectionMatrix> {
        Some(self.entry.site.fields.geometry.relate(other))
    }
}
