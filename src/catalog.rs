//! The in-memory view of every stored feature: units and sites with their derived values
//! (metric area and length, the units a site falls in) and an R-tree per collection.
//!
//! Loaded from the store at start-up and updated after every committed write, so reads never
//! touch the database. Updates carry the version they commit; an older version arriving late
//! never overwrites a newer one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use geo::{Area, CoordsIter, Geometry, InteriorPoint, Intersects, Point, Rect, Relate, SimplifyVw};

/// A site with its derived values, its units decided among `candidates` (from
/// [`Catalog::units_near`]): needs no catalog, so no guard is held while it runs.
pub fn derive_site(site: Site, candidates: &[(UnitCode, Arc<UnitEntry>)]) -> SiteEntry {
    let geometry = &site.fields.geometry;
    let units = units_in(candidates, geometry);
    let list = units
        .iter()
        .map(UnitCode::as_str)
        .collect::<Vec<_>>()
        .join(",");
    SiteEntry {
        unit_list: Arc::from(list.as_str()),
        units,
        area_m2: measure::area_m2(geometry),
        length_m: measure::length_m(geometry),
        shape: Prepared::new(geometry),
        label: area_label(geometry),
        site,
    }
}

/// Where an area's name goes on the map: one point inside its largest part, so that a polygon
/// crossing tiles is labelled once, not once per tile. Points and lines have none (their own
/// geometry places their labels).
fn area_label(g: &Geometry) -> Option<Prepared> {
    let largest = match g {
        Geometry::Polygon(p) => Some(p.clone()),
        Geometry::Rect(r) => Some(r.to_polygon()),
        Geometry::Triangle(t) => Some(t.to_polygon()),
        Geometry::MultiPolygon(m) => {
            m.0.iter()
                .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
                .cloned()
        }
        _ => None,
    }?;
    largest
        .interior_point()
        .map(|p: Point| Prepared::new(&p.into()))
}

/// Of the `candidates` (from [`Catalog::units_near`]), the units with a boundary that `g` falls
/// in: those whose interior it meets, or, for a point on a boundary, those it touches. A site
/// straddling a boundary lists both sides.
///
/// A site of many thousand positions is first simplified to within about 0.1 m (a
/// Visvalingam–Whyatt area of 10⁻¹² square degrees, O(n log n)): DE-9IM on 150,000 positions
/// would take most of a second per unit, and no unit boundary is drawn to a tenth of a metre.
pub fn units_in(candidates: &[(UnitCode, Arc<UnitEntry>)], g: &Geometry) -> Vec<UnitCode> {
    if candidates.is_empty() {
        return Vec::new();
    }
    let simplified;
    let g = if g.coords_count() > UNITS_SIMPLIFY_ABOVE {
        simplified = match g {
            Geometry::LineString(l) => Geometry::LineString(l.simplify_vw(UNITS_EPSILON)),
            Geometry::MultiLineString(l) => Geometry::MultiLineString(l.simplify_vw(UNITS_EPSILON)),
            Geometry::Polygon(p) => Geometry::Polygon(p.simplify_vw(UNITS_EPSILON)),
            Geometry::MultiPolygon(p) => Geometry::MultiPolygon(p.simplify_vw(UNITS_EPSILON)),
            other => other.clone(),
        };
        &simplified
    } else {
        g
    };
    let mut touching = Vec::new();
    let mut inside = Vec::new();
    for (code, unit) in candidates {
        let Some(boundary) = unit.unit.fields.geometry.as_ref() else {
            continue;
        };
        let matrix = g.relate(boundary);
        if !matrix.is_intersects() {
            continue;
        }
        if matrix.is_touches() {
            touching.push(code.clone());
        } else {
            inside.push(code.clone());
        }
    }
    let mut codes = if inside.is_empty() { touching } else { inside };
    codes.sort_by(|a, b| (a.level(), a).cmp(&(b.level(), b)));
    codes
}

/// Sites with more positions than this are simplified before their units are decided.
const UNITS_SIMPLIFY_ABOVE: usize = 5_000;
/// About (0.1 m)² in square degrees at Shanghai's latitude, rounded down.
const UNITS_EPSILON: f64 = 1e-12;

use crate::sites::{Site, SiteStatus};
use crate::spatial::index::{SpatialIndex, bbox};
use crate::spatial::measure;
use crate::tiles::shape::Prepared;
use crate::units::{Unit, UnitCode, UnitLevel};
use crate::visibility::Visibility;

/// A unit and its derived values.
#[derive(Debug, Clone)]
pub struct UnitEntry {
    /// The stored unit.
    pub unit: Unit,
    /// Geodesic area in m², when it has a boundary.
    pub area_m2: Option<f64>,
    /// The boundary projected for tiles.
    pub shape: Option<Prepared>,
    /// Where its name goes on the map: a point inside its largest part, projected for tiles.
    pub label: Option<Prepared>,
}

/// A site and its derived values.
#[derive(Debug, Clone)]
pub struct SiteEntry {
    /// The stored site.
    pub site: Site,
    /// Codes of the units with a boundary that the site falls in, district first.
    pub units: Vec<UnitCode>,
    /// Geodesic area in m² (polygons).
    pub area_m2: Option<f64>,
    /// Geodesic length in m (lines).
    pub length_m: Option<f64>,
    /// `units` joined by commas, as tiles carry it; shared by every site with the same units.
    pub unit_list: Arc<str>,
    /// The geometry projected for tiles.
    pub shape: Prepared,
    /// For an area, the point its name is drawn at, projected for tiles.
    pub label: Option<Prepared>,
}

/// Where and when a collection's items lie.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extents {
    /// The box around them.
    pub bbox: Option<Rect>,
    /// The first and last moment of their temporal property.
    pub interval: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
}

fn union(a: Rect, b: Rect) -> Rect {
    Rect::new(
        geo::coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
        geo::coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
    )
}

fn span(
    times: impl Iterator<Item = chrono::DateTime<chrono::Utc>> + Clone,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    times.clone().min().zip(times.max())
}

/// Which sites a query may return.
#[derive(Debug, Clone)]
pub struct SiteFilter {
    /// Only inside this box (exact intersection, not just box overlap).
    pub bbox: Option<Rect>,
    /// Only sites falling in this unit.
    pub unit: Option<UnitCode>,
    /// Only this element type.
    pub element_type: Option<crate::sites::ElementType>,
    /// Only this status.
    pub status: Option<SiteStatus>,
    /// Only sites of this shape (a per-type collection).
    pub shape: Option<crate::sites::query::Shape>,
    /// Only sites the CQL2 filter (and `datetime`) matches.
    pub filter: Option<crate::ogc::filter::Filter>,
    /// The order (by id when empty or tied).
    pub sort: crate::ogc::filter::SortBy,
    /// Which sites the caller may see.
    pub visibility: Visibility,
}

/// Which units a query may return.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Only units whose boundary intersects this box.
    pub bbox: Option<Rect>,
    /// Only this level.
    pub level: Option<UnitLevel>,
    /// Only direct children of this unit.
    pub parent: Option<UnitCode>,
    /// Only this unit and the units below it.
    pub within: Option<UnitCode>,
    /// Only units the CQL2 filter (and `datetime`) matches.
    pub filter: Option<crate::ogc::filter::Filter>,
    /// The order (by code when empty or tied).
    pub sort: crate::ogc::filter::SortBy,
}

/// Every unit and site, indexed.
#[derive(Default)]
pub struct Catalog {
    units: BTreeMap<UnitCode, Arc<UnitEntry>>,
    unit_index: SpatialIndex<UnitCode, Arc<UnitEntry>>,
    sites: BTreeMap<i64, Arc<SiteEntry>>,
    site_index: SpatialIndex<i64, Arc<SiteEntry>>,
    /// Deleted sites and the version that deleted them.
    tombstones: HashMap<i64, i64>,
    /// One copy of each distinct `unit_list`.
    unit_lists: HashMap<String, Arc<str>>,
}

fn unit_entry(unit: Unit) -> UnitEntry {
    let geometry: Option<Geometry> = unit.fields.geometry.clone().map(Into::into);
    let label = unit.fields.geometry.as_ref().and_then(|m| {
        m.0.iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
            .and_then(|largest| largest.interior_point())
            .map(|p: Point| Prepared::new(&p.into()))
    });
    UnitEntry {
        area_m2: geometry.as_ref().and_then(measure::area_m2),
        shape: geometry.as_ref().map(Prepared::new),
        label,
        unit,
    }
}

/// A box as a polygon, for exact intersection tests.
pub fn rect_polygon(r: Rect) -> Geometry {
    r.to_polygon().into()
}

impl Catalog {
    /// Builds the catalog from everything a store holds.
    pub fn new(units: Vec<Unit>, sites: Vec<Site>) -> Self {
        let mut catalog = Self::default();
        catalog.insert_units(units);
        for site in sites {
            catalog.put_site(site);
        }
        catalog
    }

    /// Puts the units of a catalog being built (before its sites: changed units rebuild the
    /// catalog, see `AppState::units_written`).
    fn insert_units(&mut self, units: Vec<Unit>) {
        for unit in units {
            let code = unit.fields.code.clone();
            let entry = Arc::new(unit_entry(unit));
            match entry
                .unit
                .fields
                .geometry
                .as_ref()
                .and_then(|g| bbox(&g.clone().into()))
            {
                Some(rect) => self.unit_index.insert(code.clone(), entry.clone(), rect),
                None => self.unit_index.remove(&code),
            }
            self.units.insert(code, entry);
        }
    }

    /// Puts a site entry in the map and the index.
    fn store_site(&mut self, entry: Arc<SiteEntry>) {
        let id = entry.site.id;
        match bbox(&entry.site.fields.geometry) {
            Some(rect) => self.site_index.insert(id, entry.clone(), rect),
            None => self.site_index.remove(&id),
        }
        self.sites.insert(id, entry);
    }

    /// The units whose bounding box meets `g`'s: the candidates [`units_in`] decides among.
    /// Cheap, so it can run under the read guard while the deciding runs without it.
    pub fn units_near(&self, g: &Geometry) -> Vec<(UnitCode, Arc<UnitEntry>)> {
        let Some(rect) = bbox(g) else {
            return Vec::new();
        };
        self.unit_index
            .query(rect)
            .map(|(code, unit)| (code.clone(), unit.clone()))
            .collect()
    }

    /// Adds or replaces a site, unless the catalog already holds a newer version; returns the
    /// site with its derived values either way.
    pub fn put_site(&mut self, site: Site) -> Arc<SiteEntry> {
        let derived = self.derive_site(site);
        self.put_derived(derived)
    }

    /// Adds or replaces a site whose values [`Catalog::derive_site`] computed (under a read
    /// guard, so a large polygon's units and shapes never hold the write lock), unless the
    /// catalog already holds a newer version.
    pub fn put_derived(&mut self, mut derived: SiteEntry) -> Arc<SiteEntry> {
        derived.unit_list = self
            .unit_lists
            .entry(derived.unit_list.to_string())
            .or_insert_with(|| derived.unit_list.clone())
            .clone();
        let id = derived.site.id;
        let version = derived.site.stamp.version;
        let entry = Arc::new(derived);
        let newer_known = self
            .sites
            .get(&id)
            .is_some_and(|e| e.site.stamp.version >= version)
            || self.tombstones.get(&id).is_some_and(|&v| v >= version);
        if newer_known {
            return entry;
        }
        self.store_site(entry.clone());
        entry
    }

    /// A site with its derived values: units, area, length, tile shape.
    pub fn derive_site(&self, site: Site) -> SiteEntry {
        let candidates = self.units_near(&site.fields.geometry);
        derive_site(site, &candidates)
    }

    /// Removes a site deleted at `version`; returns what was removed.
    pub fn remove_site(&mut self, id: i64, version: i64) -> Option<Arc<SiteEntry>> {
        if self
            .sites
            .get(&id)
            .is_some_and(|e| e.site.stamp.version > version)
        {
            return None;
        }
        self.site_index.remove(&id);
        self.tombstones.insert(id, version);
        self.sites.remove(&id)
    }

    /// The version the catalog knows of site `id`, live or deleted.
    pub fn site_version(&self, id: i64) -> Option<i64> {
        self.sites
            .get(&id)
            .map(|e| e.site.stamp.version)
            .or_else(|| self.tombstones.get(&id).copied())
    }

    /// Every unit and live site as stored, for rebuilding the catalog with changed units.
    pub fn contents(&self) -> (Vec<Unit>, Vec<Site>) {
        (
            self.units.values().map(|e| e.unit.clone()).collect(),
            self.sites.values().map(|e| e.site.clone()).collect(),
        )
    }

    /// Deleted sites and the versions that deleted them, to carry into a rebuilt catalog.
    pub fn keep_tombstones(&mut self, from: &Catalog) {
        self.tombstones.clone_from(&from.tombstones);
    }

    /// One unit by code.
    pub fn unit(&self, code: &UnitCode) -> Option<&Arc<UnitEntry>> {
        self.units.get(code)
    }

    /// One live site by id (drafts included: the caller decides who sees them).
    pub fn site(&self, id: i64) -> Option<&Arc<SiteEntry>> {
        self.sites.get(&id)
    }

    /// What a tile over `rect` (longitude/latitude, buffer included) draws: units with a
    /// boundary, by code, and the sites `visibility` allows, in the R-tree's order (fixed for
    /// a given catalog, so the same content gives the same bytes and ETag; sorting thousands of
    /// sites per tile would cost more than it is worth). Shared handles, so the encoding runs
    /// after the catalog's guard is gone.
    pub fn tile_features(
        &self,
        rect: Rect,
        visibility: &Visibility,
    ) -> (Vec<Arc<UnitEntry>>, Vec<Arc<SiteEntry>>) {
        let mut units: Vec<Arc<UnitEntry>> = self
            .unit_index
            .query(rect)
            .map(|(_, u)| u.clone())
            .collect();
        units.sort_unstable_by(|a, b| a.unit.fields.code.cmp(&b.unit.fields.code));
        let sites: Vec<Arc<SiteEntry>> = self
            .site_index
            .query(rect)
            .filter(|(_, e)| visibility.sees_site(e))
            .map(|(_, e)| e.clone())
            .collect();
        (units, sites)
    }

    /// The box around every unit boundary (the area the server covers).
    pub fn extent(&self) -> Option<Rect> {
        self.units
            .values()
            .filter_map(|e| {
                e.unit
                    .fields
                    .geometry
                    .as_ref()
                    .and_then(|g| bbox(&g.clone().into()))
            })
            .reduce(union)
    }

    /// Where and when the units lie.
    pub fn unit_extents(&self) -> Extents {
        Extents {
            bbox: self.extent(),
            interval: span(self.units.values().map(|e| e.unit.stamp.at)),
        }
    }

    /// Where and when the sites of `shape` (every site, if none) that `visibility` sees lie:
    /// from the first drawn to the last changed.
    pub fn site_extents(
        &self,
        shape: Option<crate::sites::query::Shape>,
        visibility: &Visibility,
    ) -> Extents {
        use crate::sites::query::Shape;
        let sites: Vec<&Arc<SiteEntry>> = self
            .sites
            .values()
            .filter(|e| visibility.sees_site(e))
            .filter(|e| shape.is_none_or(|s| Shape::of(&e.site.fields.geometry) == Some(s)))
            .collect();
        let first = sites.iter().map(|e| e.site.created.at).min();
        let last = sites.iter().map(|e| e.site.stamp.at).max();
        Extents {
            bbox: sites
                .iter()
                .filter_map(|e| bbox(&e.site.fields.geometry))
                .reduce(union),
            interval: first.zip(last),
        }
    }

    /// How many units and live sites the catalog holds.
    pub fn counts(&self) -> (usize, usize) {
        (self.units.len(), self.sites.len())
    }

    /// Whether `code` is `ancestor` or lies below it.
    fn is_within(&self, code: &UnitCode, ancestor: &UnitCode) -> bool {
        let mut current = Some(code.clone());
        // The hierarchy is at most three deep; the bound guards against a cycle in bad data.
        for _ in 0..8 {
            match current {
                Some(c) if &c == ancestor => return true,
                Some(c) => {
                    current = self
                        .units
                        .get(&c)
                        .and_then(|e| e.unit.fields.parent.clone())
                }
                None => return false,
            }
        }
        false
    }

    /// The units matching `filter`, ordered by code, with the number matched.
    pub fn query_units(
        &self,
        filter: &UnitFilter,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<Arc<UnitEntry>>) {
        let candidates: Box<dyn Iterator<Item = &Arc<UnitEntry>>> = match filter.bbox {
            Some(rect) => {
                let area = rect_polygon(rect);
                let mut codes: Vec<&UnitCode> =
                    self.unit_index.query(rect).map(|(c, _)| c).collect();
                codes.sort();
                Box::new(codes.into_iter().map(|c| &self.units[c]).filter(move |e| {
                    e.unit
                        .fields
                        .geometry
                        .as_ref()
                        .is_some_and(|g| g.intersects(&area))
                }))
            }
            None => Box::new(self.units.values()),
        };
        let mut matching: Vec<&Arc<UnitEntry>> = candidates
            .filter(|e| filter.level.is_none_or(|l| e.unit.fields.level == l))
            .filter(|e| {
                filter
                    .parent
                    .as_ref()
                    .is_none_or(|p| e.unit.fields.parent.as_ref() == Some(p))
            })
            .filter(|e| {
                filter
                    .within
                    .as_ref()
                    .is_none_or(|w| self.is_within(&e.unit.fields.code, w))
            })
            .filter(|e| filter.filter.as_ref().is_none_or(|f| f.matches(e.as_ref())))
            .collect();
        if !filter.sort.0.is_empty() {
            matching.sort_by(|a, b| {
                filter
                    .sort
                    .compare(a.as_ref(), b.as_ref())
                    .then(a.unit.fields.code.cmp(&b.unit.fields.code))
            });
        }
        let page = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| Arc::clone(e))
            .collect();
        (matching.len(), page)
    }

    /// A site as a filter reads it, with its units' names.
    pub fn site_record<'a>(&'a self, entry: &'a SiteEntry) -> crate::sites::query::SiteRecord<'a> {
        crate::sites::query::SiteRecord {
            names: entry
                .units
                .iter()
                .filter_map(|c| self.units.get(c).map(|u| u.unit.fields.name_zh.as_str()))
                .collect(),
            entry,
        }
    }

    /// The sites matching `filter`, in its order (by id otherwise), with the number matched.
    pub fn query_sites(
        &self,
        filter: &SiteFilter,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<Arc<SiteEntry>>) {
        self.select_sites(None, filter, offset, limit)
    }

    /// [`Catalog::query_sites`] over `past` instead of the live sites, when given: the sites
    /// as they stood at a past moment (derived against today's units).
    pub fn select_sites(
        &self,
        past: Option<&[Arc<SiteEntry>]>,
        filter: &SiteFilter,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<Arc<SiteEntry>>) {
        use crate::sites::query::Shape;
        // The index narrows the search to the query's box and the filter's, if either says.
        let cql_box = filter.filter.as_ref().and_then(|f| f.bbox);
        let search = match (filter.bbox, cql_box) {
            (Some(a), Some(b)) => Some(crate::ogc::filter::overlap(a, b)),
            (a, b) => a.or(b),
        };
        let exact = filter.bbox.map(rect_polygon);
        let exact = match (past, search) {
            // The past has no index: every entry is checked against the box.
            (Some(_), Some(rect)) => Some(rect_polygon(rect)),
            _ => exact,
        };
        let candidates: Box<dyn Iterator<Item = &Arc<SiteEntry>>> = match (past, search) {
            (Some(entries), _) => Box::new(entries.iter()),
            (None, Some(rect)) => {
                let mut ids: Vec<i64> = self.site_index.query(rect).map(|(id, _)| *id).collect();
                ids.sort_unstable();
                Box::new(ids.into_iter().map(|id| &self.sites[&id]))
            }
            (None, None) => Box::new(self.sites.values()),
        };
        // Cheap tests first; the exact geometry tests (the box's, the filter's) last.
        let mut matching: Vec<&Arc<SiteEntry>> = candidates
            .filter(|e| filter.visibility.sees_site(e))
            .filter(|e| filter.status.is_none_or(|s| e.site.fields.status == s))
            .filter(|e| {
                filter
                    .element_type
                    .is_none_or(|t| e.site.fields.element_type == t)
            })
            .filter(|e| {
                filter
                    .shape
                    .is_none_or(|s| Shape::of(&e.site.fields.geometry) == Some(s))
            })
            .filter(|e| {
                filter
                    .unit
                    .as_ref()
                    .is_none_or(|u| e.units.iter().any(|c| self.is_within(c, u)))
            })
            .filter(|e| {
                exact
                    .as_ref()
                    .is_none_or(|area| e.site.fields.geometry.intersects(area))
            })
            .filter(|e| {
                filter
                    .filter
                    .as_ref()
                    .is_none_or(|f| f.matches(&self.site_record(e)))
            })
            .collect();
        if !filter.sort.0.is_empty() {
            matching.sort_by(|a, b| {
                filter
                    .sort
                    .compare(&self.site_record(a), &self.site_record(b))
                    .then(a.site.id.cmp(&b.site.id))
            });
        }
        let page = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| Arc::clone(e))
            .collect();
        (matching.len(), page)
    }
}
