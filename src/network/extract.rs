//! What else an OSM extract gives the life-circle analysis: facilities (by the catalogue's
//! tags) and homes (residential buildings, and residential land where no building is mapped),
//! with their population estimated by a stated rule when nothing better is known. Areas come
//! from closed ways and multipolygon relations ([`super::areas`]), sites (`type=site`) from
//! their members; what the extract's edge cut is kept and counted as clipped.

use std::collections::BTreeMap;

use geo::{Centroid, Contains, GeodesicArea, Geometry, MultiPoint, Point};
use rstar::{AABB, RTree, RTreeObject};

use super::areas::Area;
use super::osm::{MemberKind, OsmData, Relation};
use crate::coverage::Catalogue;

/// A facility found in OSM.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFacility {
    /// Catalogue category id.
    pub category: String,
    /// Its name, if tagged.
    pub name: Option<String>,
    /// Where it is (an area's centroid for school grounds and parks, a site's for its members).
    pub position: Point,
    /// OSM element, e.g. `node/123`, `way/456` or `relation/7`, or the feature's id in an
    /// imported file.
    pub osm: Option<String>,
}

/// A home: a residential area or building and the people living there.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundHome {
    /// Its name, if tagged (compounds usually are: 中远两湾城).
    pub name: Option<String>,
    /// Its outline (or a point, when only the location is known).
    pub shape: Geometry,
    /// Residents.
    pub population: f64,
    /// Whether `population` is an estimate by [`PopulationRule`] rather than a count.
    pub estimated: bool,
    /// OSM element, or the feature's id in an imported file.
    pub osm: Option<String>,
}

/// How population is estimated from floor area when no count is known (always flagged), and
/// which buildings count as homes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopulationRule {
    /// Residential floor area per resident, m² (Shanghai's urban average is near 37 m²).
    pub floor_area_per_person_m2: f64,
    /// Storeys of a residential building without `building:levels`.
    pub default_levels: f64,
    /// Floor area ratio of residential land mapped without buildings (`landuse=residential`).
    pub residential_land_far: f64,
    /// Whether buildings tagged only `building=yes` inside residential land count as homes
    /// (`lantu import osm --homes buildings_in_residential_land`), for extracts that give
    /// buildings no use.
    pub buildings_in_residential_land: bool,
}

impl Default for PopulationRule {
    fn default() -> Self {
        Self {
            floor_area_per_person_m2: 37.0,
            default_levels: 6.0,
            residential_land_far: 2.0,
            buildings_in_residential_land: false,
        }
    }
}

/// The home rules a user may choose (`lantu import osm --homes RULE`).
pub const HOME_RULES: &[(&str, &str)] = &[(
    "buildings_in_residential_land",
    "buildings tagged only building=yes count as homes when they stand in residential land",
)];

impl PopulationRule {
    /// The rule with the named home rules chosen; an unknown name is refused with the list.
    pub fn choosing(mut self, names: &[String]) -> Result<Self, String> {
        for name in names {
            match name.as_str() {
                "buildings_in_residential_land" => self.buildings_in_residential_land = true,
                other => {
                    let known: Vec<String> = HOME_RULES
                        .iter()
                        .map(|(n, what)| format!("{n} ({what})"))
                        .collect();
                    return Err(format!(
                        "\"{other}\" is no home rule; the rules are: {}",
                        known.join("; ")
                    ));
                }
            }
        }
        Ok(self)
    }

    /// The rule in words, stored beside every estimate.
    pub fn describe(&self) -> String {
        format!(
            "buildings: footprint × building:levels (default {}) ÷ {} m² per person; residential land without mapped homes: area × FAR {} ÷ {} m² per person{}",
            self.default_levels,
            self.floor_area_per_person_m2,
            self.residential_land_far,
            self.floor_area_per_person_m2,
            if self.buildings_in_residential_land {
                "; building=yes inside residential land counts as residential"
            } else {
                ""
            }
        )
    }
}

const RESIDENTIAL_BUILDINGS: &[&str] = &[
    "residential",
    "apartments",
    "house",
    "detached",
    "semidetached_house",
    "terrace",
    "dormitory",
];

/// What a facility import found, and what it left out for an option not chosen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoundFacilities {
    /// The facilities.
    pub found: Vec<FoundFacility>,
    /// Features a rule would count only with its option chosen: (category, option) → how many.
    pub left_out: BTreeMap<(String, String), usize>,
    /// Facilities whose area the extract's edge cut (kept at the centre of the part inside),
    /// by category.
    pub clipped: BTreeMap<String, usize>,
}

impl FoundFacilities {
    fn add(&mut self, catalogue: &Catalogue, feature: Feature<'_>) {
        let tag = |k: &str| {
            feature
                .tags
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        for category in catalogue.classify(tag) {
            self.found.push(FoundFacility {
                category: category.id.clone(),
                name: tag("name").map(str::to_string),
                position: feature.position,
                osm: Some(feature.element.clone()),
            });
            if feature.clipped {
                *self.clipped.entry(category.id.clone()).or_default() += 1;
            }
        }
        for (category, option) in catalogue.left_out(tag) {
            *self
                .left_out
                .entry((category.id.clone(), option.to_string()))
                .or_default() += 1;
        }
    }
}

/// A tagged place a facility may be: a node, an area at its centre, or a site.
struct Feature<'a> {
    element: String,
    tags: &'a [(String, String)],
    position: Point,
    clipped: bool,
}

/// Facilities: tagged nodes, areas (school grounds, markets, parks: ways and multipolygons) at
/// their centroid, and sites (`type=site` relations, such as a school of several buildings) at
/// the centre of their members.
pub fn facilities(osm: &OsmData, areas: &[Area], catalogue: &Catalogue) -> FoundFacilities {
    let mut found = FoundFacilities::default();
    let ways: std::collections::HashMap<i64, &super::osm::Way> =
        osm.ways.iter().map(|w| (w.id, w)).collect();
    for node in &osm.tagged_nodes {
        found.add(
            catalogue,
            Feature {
                element: format!("node/{}", node.id),
                tags: &node.tags,
                position: Point::new(node.position[0], node.position[1]),
                clipped: false,
            },
        );
    }
    for area in areas {
        let Some(position) = area.shape.centroid() else {
            continue;
        };
        found.add(
            catalogue,
            Feature {
                element: area.element.clone(),
                tags: area.tags,
                position,
                clipped: area.clipped,
            },
        );
    }
    for relation in osm
        .relations
        .iter()
        .filter(|r| r.tag("type") == Some("site"))
    {
        if let Some((position, clipped)) = site_centre(relation, osm, &ways) {
            found.add(
                catalogue,
                Feature {
                    element: format!("relation/{}", relation.id),
                    tags: &relation.tags,
                    position,
                    clipped,
                },
            );
        }
    }
    found
}

/// The centre of a site's members (its nodes and its ways' nodes), and whether any of them is
/// missing from the extract.
fn site_centre(
    relation: &Relation,
    osm: &OsmData,
    ways: &std::collections::HashMap<i64, &super::osm::Way>,
) -> Option<(Point, bool)> {
    let (mut points, mut missing) = (Vec::new(), false);
    let mut ids: Vec<i64> = Vec::new();
    for member in &relation.members {
        match member.kind {
            MemberKind::Node => ids.push(member.id),
            MemberKind::Way => match ways.get(&member.id) {
                Some(way) => ids.extend(&way.nodes),
                None => missing = true,
            },
            MemberKind::Relation => {}
        }
    }
    for id in ids {
        match osm.positions.get(&id) {
            Some(p) => points.push(Point::new(p[0], p[1])),
            None => missing = true,
        }
    }
    let centre = MultiPoint(points).centroid()?;
    Some((centre, missing))
}
/// A named street of the import, for the basemap.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundStreet {
    /// Its name.
    pub name: String,
    /// Its `highway` value (primary, residential, footway…).
    pub class: String,
    /// Its line, lon/lat.
    pub line: geo::LineString,
}

/// Named streets: ways with `highway` and `name` and at least two known nodes (a way split in
/// OSM stays several lines).
pub fn streets(osm: &OsmData) -> Vec<FoundStreet> {
    osm.ways
        .iter()
        .filter_map(|way| {
            let class = way.tag("highway")?;
            let name = way.tag("name").map(str::trim).filter(|n| !n.is_empty())?;
            let coords: Vec<geo::Coord> = way
                .nodes
                .iter()
                .filter_map(|id| osm.positions.get(id))
                .map(|p| geo::coord! {x: p[0], y: p[1]})
                .collect();
            (coords.len() >= 2).then(|| FoundStreet {
                name: name.to_string(),
                class: class.to_string(),
                line: geo::LineString(coords),
            })
        })
        .collect()
}

/// What a homes import took and left, and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomesReport {
    /// Residential buildings taken (`building=residential`, `apartments`, `house`…).
    pub buildings: usize,
    /// Buildings tagged only `building=yes` inside residential land, taken under
    /// [`PopulationRule::buildings_in_residential_land`].
    pub buildings_in_land: usize,
    /// The same left out, that rule not being chosen.
    pub buildings_in_land_left: usize,
    /// Residential land taken as one home, no home building being mapped inside it.
    pub land: usize,
    /// Residential land left out because the buildings inside it are the homes (the same
    /// people are not counted twice).
    pub land_with_buildings: usize,
    /// Homes whose outline the extract's edge cut, kept with the part inside.
    pub clipped: usize,
}

/// The homes an extract gives, and the report of what was taken and left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoundHomes {
    /// The homes.
    pub homes: Vec<FoundHome>,
    /// What was taken and left, and why.
    pub report: HomesReport,
}

/// A piece of residential land in the index, by its place in the list of areas.
struct Land {
    envelope: AABB<[f64; 2]>,
    index: usize,
}

impl RTreeObject for Land {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Homes: residential buildings (ways and multipolygons, clipped ones with the part inside);
/// `building=yes` inside residential land when the rule says so; and residential land in
/// which no home building is mapped, estimated from its area.
pub fn homes(all: &[Area], rule: &PopulationRule) -> FoundHomes {
    let is_land = |a: &Area| a.tag("landuse") == Some("residential") && a.tag("building").is_none();
    let land = RTree::bulk_load(
        all.iter()
            .enumerate()
            .filter(|(_, a)| is_land(a))
            .filter_map(|(index, a)| {
                let rect = geo::BoundingRect::bounding_rect(&a.shape)?;
                Some(Land {
                    envelope: AABB::from_corners(rect.min().into(), rect.max().into()),
                    index,
                })
            })
            .collect(),
    );
    let land_at = |area: &Area| -> Option<usize> {
        let centre = area.shape.centroid()?;
        land.locate_in_envelope_intersecting(&AABB::from_point([centre.x(), centre.y()]))
            .find(|l| all[l.index].shape.contains(&centre))
            .map(|l| l.index)
    };
    let mut report = HomesReport::default();
    let mut lived_in = vec![false; all.len()];
    let mut found = Vec::new();
    for area in all {
        let Some(building) = area.tag("building") else {
            continue;
        };
        let residential = RESIDENTIAL_BUILDINGS.contains(&building);
        let in_land = land_at(area);
        let taken = if residential {
            report.buildings += 1;
            true
        } else if building == "yes" && in_land.is_some() {
            if rule.buildings_in_residential_land {
                report.buildings_in_land += 1;
            } else {
                report.buildings_in_land_left += 1;
            }
            rule.buildings_in_residential_land
        } else {
            false
        };
        if !taken {
            continue;
        }
        if let Some(land) = in_land {
            lived_in[land] = true;
        }
        let levels = area
            .tag("building:levels")
            .and_then(|l| l.parse::<f64>().ok())
            .unwrap_or(rule.default_levels);
        found.push(home(
            area,
            area.shape.geodesic_area_unsigned() * levels,
            rule,
        ));
        report.clipped += usize::from(area.clipped);
    }
    for (index, area) in all.iter().enumerate().filter(|(_, a)| is_land(a)) {
        if lived_in[index] {
            report.land_with_buildings += 1;
            continue;
        }
        report.land += 1;
        let floor_area = area.shape.geodesic_area_unsigned() * rule.residential_land_far;
        found.push(home(area, floor_area, rule));
        report.clipped += usize::from(area.clipped);
    }
    FoundHomes {
        homes: found,
        report,
    }
}

/// A home of `area`: its tagged population, or its floor area's by the rule.
fn home(area: &Area, floor_area: f64, rule: &PopulationRule) -> FoundHome {
    let counted = area.tag("population").and_then(|p| p.parse::<f64>().ok());
    let shape = match area.shape.0.as_slice() {
        [one] => Geometry::Polygon(one.clone()),
        _ => Geometry::MultiPolygon(area.shape.clone()),
    };
    FoundHome {
        name: area.tag("name").map(str::to_string),
        population: counted.unwrap_or(floor_area / rule.floor_area_per_person_m2),
        estimated: counted.is_none(),
        shape,
        osm: Some(area.element.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::areas::areas;
    use crate::network::osm::read_osm_xml;

    const XML: &str = r#"<osm>
      <node id="1" lat="31.2500" lon="121.4000"/><node id="2" lat="31.2500" lon="121.4010544"/>
      <node id="3" lat="31.2509019" lon="121.4010544"/><node id="4" lat="31.2509019" lon="121.4000"/>
      <node id="9" lat="31.251" lon="121.402"><tag k="amenity" v="kindergarten"/><tag k="name" v="花溪幼儿园"/></node>
      <way id="20"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
        <tag k="landuse" v="residential"/><tag k="name" v="示范小区"/></way>
      <way id="21"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
        <tag k="amenity" v="school"/><tag k="name" v="示范小学"/></way>
    </osm>"#;

    #[test]
    fn facilities_come_from_tagged_nodes_and_from_areas_at_their_centre() {
        let osm = read_osm_xml(XML.as_bytes(), |_| {}).unwrap();
        let catalogue = Catalogue::parse(crate::coverage::catalogue::DEFAULT).unwrap();
        let found = facilities(&osm, &areas(&osm), &catalogue).found;
        let kinds: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.category.as_str(), f.osm.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            kinds,
            [("kindergarten", "node/9"), ("primary_school", "way/21")]
        );
        assert!((found[1].position.x() - 121.4005272).abs() < 1e-6);
    }

    #[test]
    fn facilities_tagged_as_outside_china_are_found_and_unlevelled_schools_count_only_as_chosen() {
        // A European centre's tagging: a school without a level, a clinic tagged only
        // healthcare=*, a supermarket, a pharmacy, a public garden without an access tag.
        let xml = r#"<osm>
          <node id="1" lat="60.17" lon="24.94"><tag k="amenity" v="school"/><tag k="name" v="Kallion koulu"/></node>
          <node id="2" lat="60.17" lon="24.941"><tag k="healthcare" v="clinic"/></node>
          <node id="3" lat="60.17" lon="24.942"><tag k="shop" v="supermarket"/></node>
          <node id="4" lat="60.17" lon="24.943"><tag k="amenity" v="pharmacy"/></node>
          <node id="5" lat="60.17" lon="24.944"><tag k="leisure" v="garden"/></node>
          <node id="6" lat="60.17" lon="24.945"><tag k="amenity" v="school"/><tag k="isced:level" v="2"/></node>
        </osm>"#;
        let osm = read_osm_xml(xml.as_bytes(), |_| {}).unwrap();
        let kinds = |catalogue: &Catalogue| -> Vec<(String, String)> {
            facilities(&osm, &areas(&osm), catalogue)
                .found
                .into_iter()
                .map(|f| (f.category, f.osm.unwrap_or_default()))
                .collect()
        };
        let plain = Catalogue::parse(crate::coverage::catalogue::DEFAULT).unwrap();
        let by_default = kinds(&plain);
        let has = |found: &[(String, String)], category: &str, node: u32| {
            found
                .iter()
                .any(|(c, o)| c == category && *o == format!("node/{node}"))
        };
        assert!(has(&by_default, "health_station", 2));
        assert!(has(&by_default, "pharmacy", 4));
        assert!(has(&by_default, "park", 5));
        assert!(has(&by_default, "junior_high_school", 6));
        assert!(
            !by_default
                .iter()
                .any(|(_, o)| o == "node/1" || o == "node/3")
        );
        // What the default leaves out is said, with the option that would count it.
        let left = facilities(&osm, &areas(&osm), &plain).left_out;
        assert_eq!(
            left.get(&(
                "primary_school".into(),
                "unlevelled_schools_as_primary".into()
            )),
            Some(&1)
        );
        assert_eq!(
            left.get(&("fresh_food_market".into(), "supermarkets".into())),
            Some(&1)
        );
        // Chosen, they count; the levelled school stays junior high only.
        let chosen = plain
            .clone()
            .choosing(&[
                "unlevelled_schools_as_primary".into(),
                "supermarkets".into(),
            ])
            .unwrap();
        let with = kinds(&chosen);
        assert!(has(&with, "primary_school", 1) && has(&with, "fresh_food_market", 3));
        assert!(!has(&with, "primary_school", 6) && !has(&with, "junior_high_school", 1));
        assert!(
            plain
                .choosing(&["everything".into()])
                .unwrap_err()
                .contains("supermarkets")
        );
    }

    #[test]
    fn a_residential_area_without_a_count_gets_an_estimate_by_the_stated_rule() {
        let osm = read_osm_xml(XML.as_bytes(), |_| {}).unwrap();
        let homes = homes(&areas(&osm), &PopulationRule::default()).homes;
        assert_eq!(homes.len(), 1);
        // 100 m × 100 m of residential land × FAR 2 ÷ 37 m² ≈ 540 people.
        assert!(homes[0].estimated);
        assert!(
            (homes[0].population - 540.5).abs() < 5.0,
            "{}",
            homes[0].population
        );
        assert!(
            PopulationRule::default()
                .describe()
                .contains("37 m² per person")
        );
    }
}
