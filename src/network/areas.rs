//! The areas of an OSM extract: closed ways and multipolygon relations as polygons, each with
//! the tags that say what it is. An outline the extract's edge cut (its nodes, or some of a
//! relation's ways, are not in the file) is kept with the part inside, closed straight across
//! where it was cut, and marked clipped so that imports can say so.

use std::collections::{HashMap, HashSet};

use geo::orient::{Direction, Orient};
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};

use super::osm::{MemberKind, OsmData, Relation};

/// One area: a closed way or a multipolygon relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Area<'a> {
    /// The OSM element, `way/123` or `relation/45`.
    pub element: String,
    /// Its tags (a multipolygon's come from the relation).
    pub tags: &'a [(String, String)],
    /// Its outline, longitude/latitude.
    pub shape: MultiPolygon,
    /// Whether the extract's edge cut it: only the part inside is here.
    pub clipped: bool,
}

impl Area<'_> {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A ring's node ids as far as they join up, and whether it had to be closed across a gap.
struct Ring {
    nodes: Vec<i64>,
    gap: bool,
}

/// Every area of `osm`: closed ways, then multipolygon relations. A closed way that is an outer
/// ring of a tagged multipolygon and says nothing the relation does not (old-style tagging on
/// both) is the relation's, not an area of its own.
pub fn areas(osm: &OsmData) -> Vec<Area<'_>> {
    let ways: HashMap<i64, &super::osm::Way> = osm.ways.iter().map(|w| (w.id, w)).collect();
    let multipolygons: Vec<&Relation> = osm
        .relations
        .iter()
        .filter(|r| r.tag("type") == Some("multipolygon") && r.tags.len() > 1)
        .collect();
    let mut owned_by_relation = HashSet::new();
    for relation in &multipolygons {
        for member in outer_ways(relation) {
            if let Some(way) = ways.get(&member) {
                let repeats = way
                    .tags
                    .iter()
                    .all(|(k, v)| relation.tag(k) == Some(v.as_str()));
                if repeats {
                    owned_by_relation.insert(member);
                }
            }
        }
    }
    let mut found = Vec::new();
    for way in &osm.ways {
        let closed = way.nodes.len() >= 4 && way.nodes.first() == way.nodes.last();
        if !closed || way.tags.is_empty() || owned_by_relation.contains(&way.id) {
            continue;
        }
        let ring = Ring {
            nodes: way.nodes.clone(),
            gap: false,
        };
        if let Some((outline, clipped)) = polygon_of(&ring, osm) {
            found.push(Area {
                element: format!("way/{}", way.id),
                tags: &way.tags,
                shape: MultiPolygon(vec![Polygon::new(outline, Vec::new())])
                    .orient(Direction::Default),
                clipped,
            });
        }
    }
    for relation in multipolygons {
        if let Some(area) = multipolygon(relation, &ways, osm) {
            found.push(area);
        }
    }
    found
}

fn outer_ways(relation: &Relation) -> impl Iterator<Item = i64> + '_ {
    relation
        .members
        .iter()
        .filter(|m| m.kind == MemberKind::Way && m.role != "inner")
        .map(|m| m.id)
}

/// A multipolygon from its member ways: outer rings (role `outer` or none) each with the inner
/// rings inside it.
fn multipolygon<'a>(
    relation: &'a Relation,
    ways: &HashMap<i64, &super::osm::Way>,
    osm: &OsmData,
) -> Option<Area<'a>> {
    let mut clipped = false;
    let mut chains = |inner: bool| -> Vec<LineString> {
        let mut pieces = Vec::new();
        for member in relation
            .members
            .iter()
            .filter(|m| m.kind == MemberKind::Way && (m.role == "inner") == inner)
        {
            match ways.get(&member.id) {
                Some(way) if way.nodes.len() >= 2 => pieces.push(way.nodes.clone()),
                _ => clipped = true, // a member the extract left out
            }
        }
        join(pieces)
            .into_iter()
            .filter_map(|ring| {
                let (line, cut) = polygon_of(&ring, osm)?;
                clipped |= cut;
                Some(line)
            })
            .collect()
    };
    let outers = chains(false);
    let inners = chains(true);
    if outers.is_empty() {
        return None;
    }
    let mut polygons: Vec<Polygon> = outers
        .into_iter()
        .map(|outer| Polygon::new(outer, Vec::new()))
        .collect();
    for inner in inners {
        let probe = Point::from(inner.0[0]);
        if let Some(outer) = polygons.iter_mut().find(|p| p.contains(&probe)) {
            outer.interiors_push(inner);
        }
    }
    Some(Area {
        element: format!("relation/{}", relation.id),
        tags: &relation.tags,
        // Outer rings anticlockwise, holes clockwise, as areas are measured (OSM gives rings
        // either way round).
        shape: MultiPolygon(polygons).orient(Direction::Default),
        clipped,
    })
}

/// Joins ways end to end into rings; a chain that does not come back to its start (a member
/// is missing) is kept open, to be closed across the gap.
fn join(mut pieces: Vec<Vec<i64>>) -> Vec<Ring> {
    let mut rings = Vec::new();
    while let Some(mut chain) = pieces.pop() {
        loop {
            if chain.len() > 2 && chain.first() == chain.last() {
                break;
            }
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            let next = pieces.iter().position(|p| {
                p.first() == Some(&last)
                    || p.last() == Some(&last)
                    || p.first() == Some(&first)
                    || p.last() == Some(&first)
            });
            let Some(index) = next else { break };
            let mut piece = pieces.swap_remove(index);
            if piece.first() == Some(&last) {
                chain.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&last) {
                piece.reverse();
                chain.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&first) {
                piece.extend_from_slice(&chain[1..]);
                chain = piece;
            } else {
                piece.reverse();
                piece.extend_from_slice(&chain[1..]);
                chain = piece;
            }
        }
        let gap = chain.first() != chain.last();
        rings.push(Ring { nodes: chain, gap });
    }
    rings
}

/// The ring's outline from the nodes the file has, closed; `None` when fewer than three
/// distinct places are left. The flag says whether anything was missing.
fn polygon_of(ring: &Ring, osm: &OsmData) -> Option<(LineString, bool)> {
    let mut coords: Vec<Coord> = Vec::with_capacity(ring.nodes.len());
    let mut missing = ring.gap;
    for id in &ring.nodes {
        match osm.positions.get(id) {
            Some(p) => {
                let c = Coord { x: p[0], y: p[1] };
                if coords.last() != Some(&c) {
                    coords.push(c);
                }
            }
            None => missing = true,
        }
    }
    if coords.len() > 1 && coords.first() == coords.last() {
        coords.pop();
    }
    let distinct: HashSet<(u64, u64)> = coords
        .iter()
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    if distinct.len() < 3 {
        return None;
    }
    coords.push(coords[0]);
    Some((LineString(coords), missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::osm::read_osm_xml;
    use geo::Area as _;

    /// A 3 × 3 grid of nodes 1–9 (row by row from the south-west, 0.001° apart), a park as a
    /// closed way, and a multipolygon of two outer halves with a hole.
    const XML: &str = r#"<osm>
      <node id="1" lat="0.000" lon="0.000"/><node id="2" lat="0.000" lon="0.001"/><node id="3" lat="0.000" lon="0.002"/>
      <node id="4" lat="0.001" lon="0.000"/><node id="5" lat="0.001" lon="0.001"/><node id="6" lat="0.001" lon="0.002"/>
      <node id="7" lat="0.002" lon="0.000"/><node id="8" lat="0.002" lon="0.001"/><node id="9" lat="0.002" lon="0.002"/>
      <node id="11" lat="0.0008" lon="0.0008"/><node id="12" lat="0.0008" lon="0.0012"/>
      <node id="13" lat="0.0012" lon="0.0012"/><node id="14" lat="0.0012" lon="0.0008"/>
      <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="5"/><nd ref="4"/><nd ref="1"/><tag k="leisure" v="park"/></way>
      <way id="101"><nd ref="1"/><nd ref="3"/><nd ref="9"/></way>
      <way id="102"><nd ref="7"/><nd ref="9"/></way>
      <way id="103"><nd ref="7"/><nd ref="1"/></way>
      <way id="104"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/></way>
      <relation id="200"><member type="way" ref="101" role="outer"/><member type="way" ref="102" role="outer"/>
        <member type="way" ref="103" role="outer"/><member type="way" ref="104" role="inner"/>
        <tag k="type" v="multipolygon"/><tag k="landuse" v="residential"/></relation>
    </osm>"#;

    #[test]
    fn a_multipolygon_is_joined_from_its_ways_with_its_hole_and_takes_the_relations_tags() {
        let osm = read_osm_xml(XML.as_bytes(), |_| {}).unwrap();
        let found = areas(&osm);
        let elements: Vec<&str> = found.iter().map(|a| a.element.as_str()).collect();
        assert_eq!(elements, ["way/100", "relation/200"]);
        let relation = &found[1];
        assert_eq!(relation.tag("landuse"), Some("residential"));
        assert!(!relation.clipped);
        assert_eq!(relation.shape.0.len(), 1);
        assert_eq!(relation.shape.0[0].interiors().len(), 1);
        // 0.002² minus the 0.0004² hole, in square degrees.
        let area = relation.shape.unsigned_area();
        assert!((area - (4e-6 - 1.6e-7)).abs() < 1e-12, "{area}");
        // Its hole is taken off its area on the ellipsoid too, whichever way OSM drew it.
        let metres = geo::GeodesicArea::geodesic_area_signed(&relation.shape);
        assert!((metres / 49_100.0 - 0.96).abs() < 0.01, "{metres} m²");
    }

    #[test]
    fn an_outline_cut_by_the_extracts_edge_is_kept_with_the_part_inside_and_marked_clipped() {
        // Node 3 and way 102 are outside the extract: the park loses a corner, the
        // multipolygon its northern edge.
        let cut = XML
            .replace(r#"<node id="5" lat="0.001" lon="0.001"/>"#, "")
            .replace(r#"<way id="102"><nd ref="7"/><nd ref="9"/></way>"#, "");
        let osm = read_osm_xml(cut.as_bytes(), |_| {}).unwrap();
        let found = areas(&osm);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|a| a.clipped));
        // The park is the triangle 1-2-4: half its square.
        let park = found[0].shape.unsigned_area();
        assert!((park - 0.5e-6).abs() < 1e-12, "{park}");
        // The relation's outer ring is closed straight from 9 back to 7, where the missing
        // way ran: the whole square, less its hole.
        let area = found[1].shape.unsigned_area();
        assert!((area - (4e-6 - 1.6e-7)).abs() < 1e-12, "{area}");
    }

    #[test]
    fn too_little_left_inside_is_no_area_and_an_untagged_or_open_way_is_none() {
        let xml = r#"<osm><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>
          <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>
          <way id="2"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>"#;
        let osm = read_osm_xml(xml.as_bytes(), |_| {}).unwrap();
        assert!(areas(&osm).is_empty());
    }

    #[test]
    fn an_outer_way_tagged_as_its_relation_is_not_counted_twice() {
        let tagged = XML.replace(
            r#"<way id="101"><nd ref="1"/><nd ref="3"/><nd ref="9"/></way>
      <way id="102"><nd ref="7"/><nd ref="9"/></way>
      <way id="103"><nd ref="7"/><nd ref="1"/></way>"#,
            r#"<way id="101"><nd ref="1"/><nd ref="3"/><nd ref="9"/><nd ref="7"/><nd ref="1"/><tag k="landuse" v="residential"/></way>"#,
        );
        let tagged = tagged.replace(
            r#"<member type="way" ref="102" role="outer"/>
        <member type="way" ref="103" role="outer"/>"#,
            "",
        );
        let osm = read_osm_xml(tagged.as_bytes(), |_| {}).unwrap();
        let elements: Vec<String> = areas(&osm).into_iter().map(|a| a.element).collect();
        assert_eq!(elements, ["way/100", "relation/200"]);
    }
}
