//! What else an OSM extract gives the life-circle analysis: facilities (by the catalogue's
//! tags) and homes (residential land and residential buildings), with their population
//! estimated by a stated rule when nothing better is known.

use geo::{Centroid, Coord, GeodesicArea, Geometry, LineString, Point, Polygon};

use super::osm::{OsmData, Way};
use crate::coverage::Catalogue;

/// A facility found in OSM.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFacility {
    /// Catalogue category id.
    pub category: String,
    /// Its name, if tagged.
    pub name: Option<String>,
    /// Where it is (a way's centroid for areas such as school grounds).
    pub position: Point,
    /// OSM element, e.g. `node/123` or `way/456`, or the feature's id in an imported file.
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

/// How population is estimated from floor area when no count is known (always flagged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopulationRule {
    /// Residential floor area per resident, m² (Shanghai's urban average is near 37 m²).
    pub floor_area_per_person_m2: f64,
    /// Storeys of a residential building without `building:levels`.
    pub default_levels: f64,
    /// Floor area ratio of residential land mapped without buildings (`landuse=residential`).
    pub residential_land_far: f64,
}

impl Default for PopulationRule {
    fn default() -> Self {
        Self {
            floor_area_per_person_m2: 37.0,
            default_levels: 6.0,
            residential_land_far: 2.0,
        }
    }
}

impl PopulationRule {
    /// The rule in words, stored beside every estimate.
    pub fn describe(&self) -> String {
        format!(
            "buildings: footprint × building:levels (default {}) ÷ {} m² per person; residential land: area × FAR {} ÷ {} m² per person",
            self.default_levels,
            self.floor_area_per_person_m2,
            self.residential_land_far,
            self.floor_area_per_person_m2
        )
    }
}

const RESIDENTIAL_BUILDINGS: &[&str] = &[
    "residential",
    "apartments",
    "house",
    "detached",
    "terrace",
    "dormitory",
];

fn closed_polygon(way: &Way, osm: &OsmData) -> Option<Polygon> {
    if way.nodes.len() < 4 || way.nodes.first() != way.nodes.last() {
        return None;
    }
    let coords: Option<Vec<Coord>> = way
        .nodes
        .iter()
        .map(|id| osm.positions.get(id).map(|p| Coord { x: p[0], y: p[1] }))
        .collect();
    Some(Polygon::new(LineString(coords?), Vec::new()))
}

/// What a facility import found, and what it left out for an option not chosen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoundFacilities {
    /// The facilities.
    pub found: Vec<FoundFacility>,
    /// Features a rule would count only with its option chosen: (category, option) → how many.
    pub left_out: std::collections::BTreeMap<(String, String), usize>,
}

/// Facilities: tagged nodes, and ways (school grounds, markets) at their centroid.
pub fn facilities(osm: &OsmData, catalogue: &Catalogue) -> FoundFacilities {
    let mut found = Vec::new();
    let mut left_out = std::collections::BTreeMap::new();
    for node in &osm.tagged_nodes {
        let tag = |k: &str| {
            node.tags
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        for category in catalogue.classify(tag) {
            found.push(FoundFacility {
                category: category.id.clone(),
                name: tag("name").map(str::to_string),
                position: Point::new(node.position[0], node.position[1]),
                osm: Some(format!("node/{}", node.id)),
            });
        }
        for (category, option) in catalogue.left_out(tag) {
            *left_out
                .entry((category.id.clone(), option.to_string()))
                .or_default() += 1;
        }
    }
    for way in &osm.ways {
        let Some(centre) = closed_polygon(way, osm).and_then(|p| p.centroid()) else {
            continue;
        };
        for category in catalogue.classify(|k| way.tag(k)) {
            found.push(FoundFacility {
                category: category.id.clone(),
                name: way.tag("name").map(str::to_string),
                position: centre,
                osm: Some(format!("way/{}", way.id)),
            });
        }
        for (category, option) in catalogue.left_out(|k| way.tag(k)) {
            *left_out
                .entry((category.id.clone(), option.to_string()))
                .or_default() += 1;
        }
    }
    FoundFacilities { found, left_out }
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

/// Homes: `landuse=residential` areas and residential buildings, with population.
pub fn homes(osm: &OsmData, rule: &PopulationRule) -> Vec<FoundHome> {
    let mut found = Vec::new();
    for way in &osm.ways {
        let building = way
            .tag("building")
            .filter(|b| RESIDENTIAL_BUILDINGS.contains(b));
        let land = way.tag("landuse") == Some("residential");
        if building.is_none() && !land {
            continue;
        }
        let Some(outline) = closed_polygon(way, osm) else {
            continue;
        };
        let area = outline.geodesic_area_unsigned();
        let counted = way.tag("population").and_then(|p| p.parse::<f64>().ok());
        let floor_area = if building.is_some() {
            let levels = way
                .tag("building:levels")
                .and_then(|l| l.parse::<f64>().ok())
                .unwrap_or(rule.default_levels);
            area * levels
        } else {
            area * rule.residential_land_far
        };
        found.push(FoundHome {
            name: way.tag("name").map(str::to_string),
            population: counted.unwrap_or(floor_area / rule.floor_area_per_person_m2),
            estimated: counted.is_none(),
            shape: Geometry::Polygon(outline),
            osm: Some(format!("way/{}", way.id)),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let found = facilities(&osm, &catalogue).found;
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
            facilities(&osm, catalogue)
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
        let left = facilities(&osm, &plain).left_out;
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
        let homes = homes(&osm, &PopulationRule::default());
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
