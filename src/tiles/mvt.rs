//! A Mapbox Vector Tile 2.1 encoder: protocol buffers written by hand, because a tile is a
//! handful of nested messages and a generic protobuf layer would cost more than the encoding.
//!
//! Spec: <https://github.com/mapbox/vector-tile-spec/tree/master/2.1>.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value<'a> {
    /// `string_value`.
    Str(&'a str),
    /// `sint_value`.
    Int(i64),
}

impl Value<'_> {
    /// Whether two values are the same object: the same string in memory, or equal numbers.
    /// Repeating values (element types, statuses, interned unit lists) come from one place, so
    /// this finds them without comparing bytes; equal strings held apart are merely written twice.
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => {
                std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()
            }
            (Value::Int(a), Value::Int(b)) => a == b,
            _ => false,
        }
    }
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

/// A property of a layer: its name, and whether its values repeat across features (then
/// they are written once and shared; a name or a code that is different for every feature
/// is written as it comes, which is cheaper than looking it up).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The property name.
    pub name: &'static str,
    /// Whether values repeat (element type, status) rather than differ (names, codes).
    pub repeats: bool,
}

/// Distinct values a repeating key shares before further ones are written as they come.
const SHARED_VALUES: usize = 64;

/// One layer being written.
pub struct LayerWriter<'a> {
    name: &'static str,
    keys: &'static [Key],
    values: Vec<Value<'a>>,
    shared: Vec<Vec<(Value<'a>, u32)>>,
    features: Vec<u8>,
    tags: Vec<u32>,
    count: usize,
}

impl<'a> LayerWriter<'a> {
    /// A layer named `name` whose features' properties are `keys`, in that order.
    pub fn new(name: &'static str, keys: &'static [Key]) -> Self {
        Self {
            name,
            keys,
            values: Vec::new(),
            shared: vec![Vec::new(); keys.len()],
            features: Vec::new(),
            tags: Vec::new(),
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
            let Some(value) = *value else { continue };
            let shared = &mut self.shared[k];
            let known = self.keys[k]
                .repeats
                .then(|| shared.iter().find(|(v, _)| v.same(&value)).map(|(_, i)| *i))
                .flatten();
            let index = known.unwrap_or_else(|| {
                let index = self.values.len() as u32;
                self.values.push(value);
                if self.keys[k].repeats && shared.len() < SHARED_VALUES {
                    shared.push((value, index));
                }
                index
            });
            self.tags.push(k as u32);
            self.tags.push(index);
        }
        // Written in place: the length prefix is worked out first, so nothing is copied twice.
        let (tags, commands) = (payload_len(&self.tags), payload_len(&geometry.commands));
        let length = 1 + varint_len(id) + packed_len(tags) + 2 + packed_len(commands);
        let f = &mut self.features;
        key(f, 2, 2);
        varint(f, length as u64);
        key(f, 1, 0);
        varint(f, id);
        packed(f, 2, &self.tags, tags);
        key(f, 3, 0);
        varint(f, kind as u64);
        packed(f, 4, &geometry.commands, commands);
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

    /// Bytes of features written so far.
    pub fn bytes(&self) -> usize {
        self.features.len()
    }

    /// Appends the layer to a tile (nothing for an empty layer).
    pub fn finish_into(self, tile: &mut Vec<u8>) {
        if self.count == 0 {
            return;
        }
        let value_len = |v: &Value| match v {
            Value::Str(s) => field_len(s.len()),
            Value::Int(i) => 1 + varint_len(((i << 1) ^ (i >> 63)) as u64),
        };
        let extent = u64::from(super::math::EXTENT as u32);
        let length = 2
            + field_len(self.name.len())
            + self.features.len()
            + self
                .keys
                .iter()
                .map(|k| field_len(k.name.len()))
                .sum::<usize>()
            + self
                .values
                .iter()
                .map(|v| field_len(value_len(v)))
                .sum::<usize>()
            + 1
            + varint_len(extent);
        tile.reserve(length + 8);
        key(tile, 3, 2);
        varint(tile, length as u64);
        key(tile, 15, 0);
        varint(tile, 2);
        bytes_field(tile, 1, self.name.as_bytes());
        tile.extend_from_slice(&self.features);
        for k in self.keys {
            bytes_field(tile, 3, k.name.as_bytes());
        }
        for v in &self.values {
            key(tile, 4, 2);
            varint(tile, value_len(v) as u64);
            match v {
                Value::Str(s) => bytes_field(tile, 1, s.as_bytes()),
                Value::Int(i) => {
                    key(tile, 6, 0);
                    varint(tile, ((i << 1) ^ (i >> 63)) as u64);
                }
            }
        }
        key(tile, 5, 0);
        varint(tile, extent);
    }
}

/// Bytes the varints of `values` take.
fn payload_len(values: &[u32]) -> usize {
    values.iter().map(|&v| varint_len(u64::from(v))).sum()
}

/// Bytes a packed field with this payload takes (nothing when empty).
fn packed_len(payload: usize) -> usize {
    if payload == 0 { 0 } else { field_len(payload) }
}

/// Bytes a length-delimited field (number below 16) of `len` bytes takes.
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

fn packed(out: &mut Vec<u8>, field: u32, values: &[u32], payload: usize) {
    if values.is_empty() {
        return;
    }
    key(out, field, 2);
    varint(out, payload as u64);
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
