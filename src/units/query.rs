//! What the units collection can be asked: its queryables (OGC API Features Part 3), and a
//! unit as a filter reads it.

use geo::Relate;

use crate::catalog::UnitEntry;
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

/// The units collection's queryables.
pub const QUERYABLES: Queryables = Queryables {
    properties: &[
        queryable("code", Kind::Text, "Its statistics division code"),
        queryable("name_zh", Kind::Text, "Its Chinese name"),
        queryable("name_en", Kind::Text, "Its English name"),
        Queryable {
            values: Some(&["district", "subdistrict", "committee"]),
            ..queryable("level", Kind::Text, "district, subdistrict or committee")
        },
        queryable("parent", Kind::Text, "The code of the unit one level up"),
        queryable("population", Kind::Number, "Resident population"),
        Queryable {
            read_only: true,
            ..queryable("area_m2", Kind::Number, "Geodesic area in m² (derived)")
        },
        Queryable {
            read_only: true,
            ..queryable(
                "updated_at",
                Kind::Time,
                "When it last changed (what datetime filters on)",
            )
        },
    ],
    temporal: "updated_at",
    geometry: &["MultiPolygon"],
};

impl Record for UnitEntry {
    fn value(&self, name: &str) -> Val<'_> {
        let f = &self.unit.fields;
        match name {
            "code" => Val::Text(f.code.as_str()),
            "name_zh" => Val::Text(&f.name_zh),
            "name_en" => f.name_en.as_deref().map_or(Val::Null, Val::Text),
            "level" => Val::Text(f.level.as_str()),
            "parent" => f
                .parent
                .as_ref()
                .map_or(Val::Null, |p| Val::Text(p.as_str())),
            "population" => f.population.map_or(Val::Null, |p| Val::Number(p as f64)),
            "area_m2" => self.area_m2.map_or(Val::Null, |a| Val::Number(a.round())),
            "updated_at" => Val::Time(self.unit.stamp.at),
            _ => Val::Null,
        }
    }

    fn relate(&self, other: &Geometry) -> Option<geo::relate::IntersectionMatrix> {
        self.unit.fields.geometry.as_ref().map(|g| g.relate(other))
    }
}
