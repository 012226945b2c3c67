//! One tile from the catalog's features: layers `units` (boundaries), `unit_labels` (a point
//! per unit for its name), `sites` and `site_labels` (a point per area site for its name), `needs` (residents' needs
//! on the list: accepted or answered for the public), `streets` and `compounds` (the basemap,
//! from the imported OpenStreetMap data), `projects` (the sites of the projects the
//! caller may see: published ones for the public). Properties are those a map needs; the rest of a
//! feature is one API call away.

use super::math::TileId;
use super::mvt::{GeomType, GeometryWriter, Key, LayerWriter, Value};
use super::shape::Scratch;
use crate::catalog::{SiteEntry, UnitEntry};

const fn key(name: &'static str, repeats: bool) -> Key {
    Key { name, repeats }
}

/// Properties of the `units` and `unit_labels` layers.
pub const UNIT_KEYS: &[Key] = &[
    key("code", false),
    key("name_zh", false),
    key("name_en", false),
    key("level", true),
    key("parent", true),
];
/// Properties of the `sites` layer.
pub const SITE_KEYS: &[Key] = &[
    key("name", false),
    key("element_type", true),
    key("status", true),
    key("units", true),
];

/// Properties of the `needs` layer: no text, no contact (one API call away, for who may see it).
pub const NEED_KEYS: &[Key] = &[
    key("category", true),
    key("status", true),
    key("supports", false),
];

/// Properties of the `projects` layer: one feature per site of a project (its id is the site's).
pub const PROJECT_KEYS: &[Key] = &[
    key("project", false),
    key("name", false),
    key("stage", true),
    key("element_type", true),
];

/// The projects a tile shows: each with one of its sites.
pub type ProjectSites<'a> = [(&'a SiteEntry, &'a crate::projects::index::ProjectTile)];

/// Properties of the `streets` layer.
pub const STREET_KEYS: &[Key] = &[key("name", false), key("class", true)];
/// Properties of the `compounds` layer.
pub const COMPOUND_KEYS: &[Key] = &[key("name", false)];

/// The basemap a tile shows: named streets, and compounds (name, shape).
#[derive(Default)]
pub struct Basemap<'a> {
    /// Named streets.
    pub streets: Vec<&'a super::basemap::Street>,
    /// Residential compounds.
    pub compounds: Vec<(Option<&'a str>, &'a super::shape::Prepared)>,
}

/// Encodes the features into an MVT; an empty vector when nothing is in the tile.
pub fn render(
    tile: TileId,
    units: &[&UnitEntry],
    sites: &[&SiteEntry],
    needs: &[&crate::needs::Need],
    projects: &ProjectSites<'_>,
    basemap: &Basemap<'_>,
) -> Vec<u8> {
    let mut geometry = GeometryWriter::default();
    let mut scratch = Scratch::default();
    // The basemap first: it is drawn beneath everything.
    let mut compound_layer = LayerWriter::new("compounds", COMPOUND_KEYS);
    for (i, (name, shape)) in basemap.compounds.iter().enumerate() {
        if let Some(kind) = shape.encode(tile, &mut geometry, &mut scratch) {
            compound_layer.feature(i as u64 + 1, kind, &geometry, &[name.map(Value::Str)]);
        }
    }
    let mut street_layer = LayerWriter::new("streets", STREET_KEYS);
    for (i, street) in basemap.streets.iter().enumerate() {
        let values = [
            Some(Value::Str(&street.name)),
            Some(Value::Str(&street.class)),
        ];
        if let Some(kind) = street.shape.encode(tile, &mut geometry, &mut scratch) {
            street_layer.feature(i as u64 + 1, kind, &geometry, &values);
        }
    }
    let mut boundaries = LayerWriter::new("units", UNIT_KEYS);
    let mut labels = LayerWriter::new("unit_labels", UNIT_KEYS);
    for entry in units {
        let f = &entry.unit.fields;
        let id = f.code.as_str().parse::<u64>().unwrap_or(0);
        let values = [
            Some(Value::Str(f.code.as_str())),
            Some(Value::Str(&f.name_zh)),
            f.name_en.as_deref().map(Value::Str),
            Some(Value::Str(f.level.as_str())),
            f.parent.as_ref().map(|p| Value::Str(p.as_str())),
        ];
        if let Some(shape) = &entry.shape
            && shape.encode(tile, &mut geometry, &mut scratch) == Some(GeomType::Polygon)
        {
            boundaries.feature(id, GeomType::Polygon, &geometry, &values);
        }
        if let Some(label) = &entry.label
            && label.encode(tile, &mut geometry, &mut scratch) == Some(GeomType::Point)
        {
            labels.feature(id, GeomType::Point, &geometry, &values);
        }
    }
    let mut site_layer = LayerWriter::new("sites", SITE_KEYS);
    let mut site_labels = LayerWriter::new("site_labels", SITE_KEYS);
    for entry in sites {
        let f = &entry.site.fields;
        let values = [
            Some(Value::Str(&f.name)),
            Some(Value::Str(f.element_type.as_str())),
            Some(Value::Str(f.status.as_str())),
            Some(Value::Str(&entry.unit_list[..])),
        ];
        if let Some(kind) = entry.shape.encode(tile, &mut geometry, &mut scratch) {
            site_layer.feature(entry.site.id as u64, kind, &geometry, &values);
        }
        if let Some(label) = &entry.label
            && label.encode(tile, &mut geometry, &mut scratch) == Some(GeomType::Point)
        {
            site_labels.feature(entry.site.id as u64, GeomType::Point, &geometry, &values);
        }
    }
    let mut need_layer = LayerWriter::new("needs", NEED_KEYS);
    for need in needs {
        let values = [
            Some(Value::Str(&need.category)),
            Some(Value::Str(need.status.as_str())),
            Some(Value::Int(need.supports)),
        ];
        let shape = super::shape::Prepared::new(&need.geometry);
        if let Some(kind) = shape.encode(tile, &mut geometry, &mut scratch) {
            need_layer.feature(need.id as u64, kind, &geometry, &values);
        }
    }
    let mut project_layer = LayerWriter::new("projects", PROJECT_KEYS);
    for (entry, project) in projects {
        let values = [
            Some(Value::Int(project.id)),
            Some(Value::Str(&project.name)),
            Some(Value::Str(project.stage.as_str())),
            Some(Value::Str(&project.element_type)),
        ];
        if let Some(kind) = entry.shape.encode(tile, &mut geometry, &mut scratch) {
            project_layer.feature(entry.site.id as u64, kind, &geometry, &values);
        }
    }
    let mut out = Vec::with_capacity(
        compound_layer.bytes()
            + street_layer.bytes()
            + project_layer.bytes()
            + boundaries.bytes()
            + labels.bytes()
            + site_layer.bytes()
            + site_labels.bytes()
            + need_layer.bytes()
            + 4096,
    );
    compound_layer.finish_into(&mut out);
    street_layer.finish_into(&mut out);
    boundaries.finish_into(&mut out);
    labels.finish_into(&mut out);
    site_layer.finish_into(&mut out);
    site_labels.finish_into(&mut out);
    need_layer.finish_into(&mut out);
    project_layer.finish_into(&mut out);
    out
}
