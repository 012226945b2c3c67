//! A Mapbox Vector Tile 2.1 encoder: protocol buffers written by hand, because a tile is a
//! handful of nested messages and a generic protobuf layer would cost more than the encoding.
//!
//! Spec: <https://github.com/mapbox/vector-tile-spec/tree/master/2.1>.

use std::collections::HashMap;

/// Geometry types (MVT 2.1 §4.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// Point or MultiPoint.
    Point = 1,
    /// LineString or MultiLineString.
    LineString = 2,
    /// Polygon or MultiPolygon.
    Polygon = 3,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    varint(out, u64::from((field << 3) | wire_type));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// A property value (MVT 2.1 §4.1 `Value`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value<'a> {
    /// `string_value`.
    Str(&'a str),
    /// `sint_value`.
    Int(i64),
}

/// The command stream of one feature's geometry (MVT 2.1 §4.3), in tile coordinates.
#[derive(Default)]
pub struct GeometryWriter {
    commands: Vec<u32>,
    cursor: (i32, i32),
}

impl GeometryWriter {
    /// Clears the writer for the next feature.
    pub fn clear(&mut self) {
        self.commands.clear();
        self.cursor = (0, 0);
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    fn delta(&mut self, (x, y): (i32, i32)) {
        self.commands.push(zigzag(x - self.cursor.0));
        self.commands.push(zigzag(y - self.cursor.1));
        self.cursor = (x, y);
    }

    /// Points as one MoveTo with a count.
    pub fn points(&mut self, points: &[(i32, i32)]) {
        if points.is_empty() {
            return;
        }
        self.commands.push(MOVE_TO | ((points.len() as u32) << 3));
        for &p in points {
            self.delta(p);
        }
    }

    /// One line (at least two points).
    pub fn line(&mut self, line: &[(i32, i32)]) {
        let Some((&first, rest)) = line.split_first() else {
            return;
        };
        self.commands.push(MOVE_TO | (1 << 3));
        self.delta(first);
        self.commands.push(LINE_TO | ((rest.len() as u32) << 3));
        for &p in rest {
            self.delta(p);
        }
    }

    /// One ring, without its closing point, wound as the caller decided.
    pub fn ring(&mut self, ring: &[(i32, i32)]) {
        self.line(ring);
        self.commands.push(CLOSE_PATH | (1 << 3));
    }
}

/// One layer being written.
pub struct LayerWriter<'a> {
    name: &'static str,
    keys: &'static [&'static str],
    values: Vec<Value<'a>>,
    value_index: HashMap<Value<'a>, u32>,
    features: Vec<u8>,
    tags: Vec<u32>,
    scratch: Vec<u8>,
    count: usize,
}

impl<'a> LayerWriter<'a> {
    /// A layer named `name` whose features' properties are `keys`, in that order.
    pub fn new(name: &'static str, keys: &'static [&'static str]) -> Self {
        Self {
            name,
            keys,
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
            tags: Vec::new(),
            scratch: Vec::new(),
            count: 0,
        }
    }

    /// Adds a feature with `values` for the layer's keys (`None` leaves a key out).
    pub fn feature(
        &mut self,
        id: u64,
        kind: GeomType,
        geometry: &GeometryWriter,
        values: &[Option<Value<'a>>],
    ) {
        if geometry.is_empty() {
            return;
        }
        self.tags.clear();
        for (k, value) in values.iter().enumerate() {
            let Some(value) = value else { continue };
            let next = self.values.len() as u32;
            let index = *self.value_index.entry(value.clone()).or_insert_with(|| {
                self.values.push(value.clone());
                next
            });
            self.tags.push(k as u32);
            self.tags.push(index);
        }
        let f = &mut self.scratch;
        f.clear();
        key(f, 1, 0);
        varint(f, id);
        packed(f, 2, &self.tags);
        key(f, 3, 0);
        varint(f, kind as u64);
        packed(f, 4, &geometry.commands);
        bytes_field(&mut self.features, 2, f);
        self.count += 1;
    }

    /// How many features were added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no feature was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends the layer to a tile (nothing for an empty layer).
    pub fn finish_into(self, tile: &mut Vec<u8>) {
        if self.count == 0 {
            return;
        }
        let mut layer = Vec::with_capacity(self.features.len() + 256);
        key(&mut layer, 15, 0);
        varint(&mut layer, 2);
        bytes_field(&mut layer, 1, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for k in self.keys {
            bytes_field(&mut layer, 3, k.as_bytes());
        }
        let mut value = Vec::new();
        for v in &self.values {
            value.clear();
            match v {
                Value::Str(s) => bytes_field(&mut value, 1, s.as_bytes()),
                Value::Int(i) => {
                    key(&mut value, 6, 0);
                    varint(&mut value, ((i << 1) ^ (i >> 63)) as u64);
                }
            }
            bytes_field(&mut layer, 4, &value);
        }
        key(&mut layer, 5, 0);
        varint(&mut layer, u64::from(super::math::EXTENT as u32));
        bytes_field(tile, 3, &layer);
    }
}

fn packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    if values.is_empty() {
        return;
    }
    let len: usize = values.iter().map(|&v| varint_len(u64::from(v))).sum();
    key(out, field, 2);
    varint(out, len as u64);
    for &v in values {
        varint(out, u64::from(v));
    }
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_follow_the_protobuf_encoding() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
        assert_eq!((zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)), (0, 1, 2, 3));
        assert_eq!(
            (
                varint_len(0),
                varint_len(127),
                varint_len(128),
                varint_len(300)
            ),
            (1, 1, 2, 2)
        );
    }

    #[test]
    fn the_spec_example_point_encodes_as_9_50_34() {
        // MVT 2.1 §4.3.5.1: a point at (25, 17) is [9, 50, 34].
        let mut g = GeometryWriter::default();
        g.points(&[(25, 17)]);
        assert_eq!(g.commands, [9, 50, 34]);
    }

    #[test]
    fn the_spec_example_polygon_encodes_as_given() {
        // MVT 2.1 §4.3.5.6: polygon (3 6),(8 12),(20 34),(3 6).
        let mut g = GeometryWriter::default();
        g.ring(&[(3, 6), (8, 12), (20, 34)]);
        assert_eq!(g.commands, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }
}
