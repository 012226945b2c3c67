//! Reading OpenStreetMap XML (`.osm`, API 0.6): nodes with their positions and tags, ways
//! with their node lists and tags, relations with their members and tags, and the extract's
//! bounds when the file gives them.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::Context;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// A node that carries tags (a bus stop, a school…); untagged nodes keep only a position.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedNode {
    /// OSM id.
    pub id: i64,
    /// Longitude, latitude.
    pub position: [f64; 2],
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

/// A way: its nodes in order, and its tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Way {
    /// OSM id.
    pub id: i64,
    /// Node ids in order.
    pub nodes: Vec<i64>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Way {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What a relation member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// A node.
    Node,
    /// A way.
    Way,
    /// Another relation.
    Relation,
}

impl MemberKind {
    /// Reads the XML `type` attribute (`node`, `way`, `relation`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "node" => Some(Self::Node),
            "way" => Some(Self::Way),
            "relation" => Some(Self::Relation),
            _ => None,
        }
    }
}

/// One member of a relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// What it is.
    pub kind: MemberKind,
    /// Its OSM id.
    pub id: i64,
    /// Its role (`outer`, `inner`, … or empty).
    pub role: String,
}

/// A relation: its members in order, and its tags (multipolygons, sites, routes…).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Relation {
    /// OSM id.
    pub id: i64,
    /// Members in order.
    pub members: Vec<Member>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Relation {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What an OSM file holds, as far as lantu reads it.
#[derive(Debug, Default)]
pub struct OsmData {
    /// Every node's position by id.
    pub positions: HashMap<i64, [f64; 2]>,
    /// Nodes with tags.
    pub tagged_nodes: Vec<TaggedNode>,
    /// Every way.
    pub ways: Vec<Way>,
    /// Every relation.
    pub relations: Vec<Relation>,
    /// The box the extract was cut to, `[west, south, east, north]`, when the file says.
    pub bounds: Option<[f64; 4]>,
}

fn attribute<'a>(
    element: &'a BytesStart,
    name: &str,
) -> anyhow::Result<Option<std::borrow::Cow<'a, str>>> {
    for a in element.attributes() {
        let a = a?;
        if a.key.into_inner() == name {
            return Ok(Some(a.normalized_value(XmlVersion::Implicit1_0)?));
        }
    }
    Ok(None)
}

fn number<T: std::str::FromStr>(
    element: &BytesStart,
    name: &str,
    position: u64,
) -> anyhow::Result<T> {
    let text = attribute(element, name)?.with_context(|| {
        format!(
            "an element near byte {position} lacks its {} attribute",
            name
        )
    })?;
    text.parse()
        .map_err(|_| anyhow::anyhow!("{}=\"{text}\" near byte {position} is not a number", name))
}

/// Reads OSM XML from `input`, calling `progress` with the bytes read so far now and then.
pub fn read_osm_xml(input: impl BufRead, mut progress: impl FnMut(u64)) -> anyhow::Result<OsmData> {
    let mut reader = Reader::from_reader(input);
    let mut data = OsmData::default();
    let mut buf = Vec::new();
    // The element being filled: a node (with tags), a way or a relation.
    let mut node: Option<TaggedNode> = None;
    let mut way: Option<Way> = None;
    let mut relation: Option<Relation> = None;
    let mut last_report = 0u64;
    loop {
        let position = reader.buffer_position();
        if position - last_report > 1 << 20 {
            progress(position);
            last_report = position;
        }
        let event = reader
            .read_event_into(&mut buf)
            .with_context(|| format!("the OSM XML breaks near byte {position}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                // `<node …/>` has no tags and no end; `<node …>` has both.
                let has_children = matches!(event, Event::Start(_));
                match e.name().into_inner() {
                    "node" => {
                        let id = number(e, "id", position)?;
                        let at = [number(e, "lon", position)?, number(e, "lat", position)?];
                        data.positions.insert(id, at);
                        if has_children {
                            node = Some(TaggedNode {
                                id,
                                position: at,
                                tags: Vec::new(),
                            });
                        }
                    }
                    "way" => {
                        let id = number(e, "id", position)?;
                        way = Some(Way {
                            id,
                            ..Way::default()
                        });
                        if !has_children {
                            data.ways.extend(way.take());
                        }
                    }
                    "relation" => {
                        relation = Some(Relation {
                            id: number(e, "id", position)?,
                            ..Relation::default()
                        });
                        if !has_children {
                            data.relations.extend(relation.take());
                        }
                    }
                    "member" => {
                        if let Some(relation) = relation.as_mut() {
                            let kind = attribute(e, "type")?.unwrap_or_default();
                            let kind = MemberKind::from_name(&kind).with_context(|| {
                                format!("a relation member near byte {position} has type \"{kind}\", not node, way or relation")
                            })?;
                            relation.members.push(Member {
                                kind,
                                id: number(e, "ref", position)?,
                                role: attribute(e, "role")?.unwrap_or_default().into_owned(),
                            });
                        }
                    }
                    "bounds" => {
                        data.bounds = Some([
                            number(e, "minlon", position)?,
                            number(e, "minlat", position)?,
                            number(e, "maxlon", position)?,
                            number(e, "maxlat", position)?,
                        ]);
                    }
                    "nd" => {
                        if let Some(way) = way.as_mut() {
                            way.nodes.push(number(e, "ref", position)?);
                        }
                    }
                    "tag" => {
                        let key = attribute(e, "k")?.unwrap_or_default().into_owned();
                        let value = attribute(e, "v")?.unwrap_or_default().into_owned();
                        if let Some(way) = way.as_mut() {
                            way.tags.push((key, value));
                        } else if let Some(relation) = relation.as_mut() {
                            relation.tags.push((key, value));
                        } else if let Some(node) = node.as_mut() {
                            node.tags.push((key, value));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.name().into_inner() {
                "node" => {
                    if let Some(n) = node.take().filter(|n| !n.tags.is_empty()) {
                        data.tagged_nodes.push(n);
                    }
                }
                "way" => data.ways.extend(way.take()),
                "relation" => data.relations.extend(relation.take()),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    progress(reader.buffer_position());
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_ways_and_their_tags_are_read_and_untagged_nodes_keep_a_position() {
        let xml = r#"<?xml version="1.0"?><osm version="0.6">
          <node id="1" lat="31.25" lon="121.40"/>
          <node id="2" lat="31.26" lon="121.41"><tag k="amenity" v="school"/><tag k="name" v="曹杨&amp;二中"/></node>
          <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
          <relation id="5"><member type="way" ref="10" role=""/><tag k="type" v="route"/></relation>
        </osm>"#;
        let data = read_osm_xml(xml.as_bytes(), |_| {}).unwrap();
        assert_eq!(data.positions[&1], [121.40, 31.25]);
        assert_eq!(data.tagged_nodes.len(), 1);
        assert_eq!(
            data.tagged_nodes[0].tags[1],
            ("name".to_string(), "曹杨&二中".to_string())
        );
        assert_eq!(data.ways.len(), 1);
        assert_eq!(
            (data.ways[0].nodes.clone(), data.ways[0].tag("highway")),
            (vec![1, 2], Some("footway"))
        );
        assert_eq!(data.relations.len(), 1);
        assert_eq!(data.relations[0].tag("type"), Some("route"));
        assert_eq!(
            data.relations[0].members,
            [Member {
                kind: MemberKind::Way,
                id: 10,
                role: String::new()
            }]
        );
    }

    #[test]
    fn the_extract_bounds_are_read_when_the_file_gives_them() {
        let xml = r#"<osm><bounds minlat="60.1" minlon="24.9" maxlat="60.2" maxlon="25.0"/></osm>"#;
        let data = read_osm_xml(xml.as_bytes(), |_| {}).unwrap();
        assert_eq!(data.bounds, Some([24.9, 60.1, 25.0, 60.2]));
        let bad = r#"<osm><relation id="1"><member type="area" ref="2" role=""/></relation></osm>"#;
        let err = read_osm_xml(bad.as_bytes(), |_| {}).unwrap_err();
        assert!(err.to_string().contains("\"area\""), "{err}");
    }

    #[test]
    fn a_node_without_coordinates_is_an_error_that_says_where() {
        let err =
            read_osm_xml(r#"<osm><node id="1" lat="31.2"/></osm>"#.as_bytes(), |_| {}).unwrap_err();
        assert!(err.to_string().contains("lon"), "{err}");
    }
}
