//! What the needs collection can be asked: its queryables (OGC API Features Part 3), and a need
//! as a filter reads it.

use geo::Relate;

use super::model::Need;
use crate::ogc::filter::{Kind, Queryable, Queryables, Record, Val};
use crate::spatial::Geometry;

const fn queryable(name: &'static str, kind: Kind, description: &'static str) -> Queryable {
    Queryable {
        name,
        kind,
        description,
        values: None,
        read_only: false,
    }
}

/// The needs collection's queryables.
pub const QUERYABLES: Queryables = Queryables {
    properties: &[
        queryable(
            "category",
            Kind::Text,
            "Its category in the needs catalogue (GET /api/needs/categories)",
        ),
        Queryable {
            values: Some(&["received", "accepted", "merged", "declined", "answered"]),
            read_only: true,
            ..queryable("status", Kind::Text, "Where it stands")
        },
        queryable("text", Kind::Text, "What the resident wrote"),
        Queryable {
            read_only: true,
            ..queryable("supports", Kind::Number, "Supports (+1)")
        },
        Queryable {
            read_only: true,
            ..queryable(
                "units",
                Kind::TextList,
                "Codes of the planning units it falls in (derived; = matches any of them)",
            )
        },
        Queryable {
            read_only: true,
            ..queryable(
                "submitted_at",
                Kind::Time,
                "When it was submitted (what datetime filters on)",
            )
        },
        Queryable {
            read_only: true,
            ..queryable("updated_at", Kind::Time, "When it last changed")
        },
    ],
    temporal: "submitted_at",
    geometry: &["Point", "LineString", "Polygon"],
};

impl Record for Need {
    fn value(&self, name: &str) -> Val<'_> {
        match name {
            "category" => Val::Text(&self.category),
            "status" => Val::Text(self.status.as_str()),
            "text" => Val::Text(&self.text),
            "supports" => Val::Number(self.supports as f64),
            "units" => Val::List(self.units.iter().map(|c| c.as_str()).collect()),
            "submitted_at" => Val::Time(self.submitted_at),
            "updated_at" => Val::Time(self.updated_at),
            _ => Val::Null,
        }
    }

    fn relate(&self, other: &Geometry) -> Option<geo::relate::IntersectionMatrix> {
        Some(self.geometry.relate(other))
    }
}
