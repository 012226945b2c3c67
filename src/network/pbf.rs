//! Reading OpenStreetMap PBF (`.osm.pbf`), the binary format most extracts come in: the same
//! nodes, positions, ways, relations and bounds that [`read_osm_xml`](super::osm::read_osm_xml)
//! keeps.
//!
//! The file is a run of blobs, each `[4-byte big-endian length][BlobHeader][Blob]`; a blob
//! holds one zlib-packed protobuf block. The few protobuf messages involved are decoded here
//! by hand; every length is checked against its buffer, so a cut or corrupt file is an error.

use std::io::Read;

use anyhow::{Context, bail, ensure};
use flate2::read::ZlibDecoder;

use super::osm::{Member, MemberKind, OsmData, Relation, TaggedNode, Way};

/// The format's limit on a blob, packed or unpacked.
const MAX_BLOB: u64 = 32 << 20;
/// The format's limit on a BlobHeader.
const MAX_BLOB_HEADER: u32 = 64 << 10;
/// What to do with a file in a form this reader does not take.
const REENCODE: &str = "re-encode it with `osmium cat in.osm.pbf -o out.osm.pbf` (zlib)";

/// Reads an `.osm.pbf` from `input`, calling `progress` with the bytes read so far after each
/// blob.
pub fn read_osm_pbf(
    mut input: impl Read,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<OsmData> {
    let mut data = OsmData::default();
    let mut position = 0u64;
    let mut seen_header = false;
    while let Some(header_len) = read_length(&mut input, position)? {
        ensure!(
            header_len <= MAX_BLOB_HEADER,
            "the blob header at byte {position} claims {header_len} bytes: is this an .osm.pbf file?"
        );
        let header = read_bytes(&mut input, header_len.into(), position)?;
        let (kind, size) = blob_header(&header)
            .with_context(|| format!("the blob header at byte {position} is corrupt"))?;
        ensure!(
            size <= MAX_BLOB,
            "the blob at byte {position} is {size} bytes, over the format's 32 MiB limit"
        );
        let blob = read_bytes(&mut input, size, position)?;
        let block = unpack(&blob).with_context(|| format!("the blob at byte {position}"))?;
        match kind {
            b"OSMHeader" => {
                data.bounds = check_header(&block)?;
                seen_header = true;
            }
            b"OSMData" => {
                ensure!(
                    seen_header,
                    "the file does not start with an OSMHeader block"
                );
                read_block(&block, &mut data)
                    .with_context(|| format!("the data block at byte {position} is corrupt"))?;
            }
            _ => {} // The format says to skip blob types one does not know.
        }
        position += 4 + u64::from(header_len) + size;
        progress(position);
    }
    ensure!(
        seen_header,
        "the file holds no OSMHeader block: it is not an .osm.pbf file"
    );
    Ok(data)
}

/// The 4-byte length before a blob header, or `None` at a clean end of the file.
fn read_length(input: &mut impl Read, position: u64) -> anyhow::Result<Option<u32>> {
    let mut bytes = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match input.read(&mut bytes[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => bail!("the file is cut off at byte {}", position + filled as u64),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context(format!("reading byte {position}")),
        }
    }
    Ok(Some(u32::from_be_bytes(bytes)))
}

fn read_bytes(input: &mut impl Read, len: u64, position: u64) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input
        .take(len)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the blob at byte {position}"))?;
    ensure!(
        bytes.len() as u64 == len,
        "the file is cut off in the blob starting at byte {position}"
    );
    Ok(bytes)
}

/// A BlobHeader's type and the size of the blob after it.
fn blob_header(bytes: &[u8]) -> anyhow::Result<(&[u8], u64)> {
    let (mut kind, mut size) = (None, None);
    for field in Message(bytes) {
        match field? {
            (1, v) => kind = Some(v.bytes()?),
            (3, v) => size = Some(v.int()?),
            _ => {}
        }
    }
    Ok((kind.context("no type")?, size.context("no datasize")?))
}

/// A Blob's block, unpacked.
fn unpack(blob: &[u8]) -> anyhow::Result<Vec<u8>> {
    let (mut raw, mut raw_size, mut zlib) = (None, None, None);
    for field in Message(blob) {
        match field? {
            (1, v) => raw = Some(v.bytes()?),
            (2, v) => raw_size = Some(v.int()?),
            (3, v) => zlib = Some(v.bytes()?),
            (n @ 4..=7, _) => bail!(
                "it is {} compressed, which lantu does not read: {REENCODE}",
                ["lzma", "bzip2", "lz4", "zstd"][n as usize - 4]
            ),
            _ => {}
        }
    }
    if let Some(raw) = raw {
        return Ok(raw.to_vec());
    }
    let zlib = zlib.with_context(|| format!("it holds no data lantu can read: {REENCODE}"))?;
    let limit = raw_size.unwrap_or(MAX_BLOB);
    ensure!(
        limit <= MAX_BLOB,
        "it unpacks to {limit} bytes, over the format's 32 MiB limit"
    );
    let mut block = Vec::new();
    ZlibDecoder::new(zlib)
        .take(limit + 1)
        .read_to_end(&mut block)
        .context("its zlib data is corrupt")?;
    let size = block.len() as u64;
    ensure!(
        size <= limit && raw_size.is_none_or(|raw_size| raw_size == size),
        "it unpacks to {size} bytes where {limit} were expected"
    );
    Ok(block)
}

/// Refuses a file that needs what this reader does not do, such as history; gives the
/// extract's box when the header has one.
fn check_header(block: &[u8]) -> anyhow::Result<Option<[f64; 4]>> {
    let mut bounds = None;
    for field in Message(block) {
        let (number, v) = field?;
        if number == 1 {
            // HeaderBBox: left, right, top, bottom in nanodegrees.
            let mut sides = [0.0; 4];
            for side in Message(v.bytes()?) {
                let (n, v) = side?;
                if (1..=4).contains(&n) {
                    sides[n as usize - 1] = zigzag(v.int()?) as f64 / 1e9;
                }
            }
            let [left, right, top, bottom] = sides;
            bounds = Some([left, bottom, right, top]);
        }
        if number == 4 {
            let feature = String::from_utf8_lossy(v.bytes()?);
            let hint = match &*feature {
                "OsmSchema-V0.6" | "DenseNodes" => continue,
                "HistoricalInformation" => {
                    ": it is a history file; take a snapshot with `osmium time-filter in.osh.pbf -o out.osm.pbf`"
                }
                _ => "",
            };
            bail!("the .osm.pbf needs the feature \"{feature}\", which lantu does not read{hint}");
        }
    }
    Ok(bounds)
}

/// A PrimitiveBlock's string table and coordinate scale, which its groups refer to.
struct Block<'a> {
    strings: Vec<&'a str>,
    granularity: i64,
    lat_offset: i64,
    lon_offset: i64,
}

fn read_block(bytes: &[u8], data: &mut OsmData) -> anyhow::Result<()> {
    let mut block = Block {
        strings: Vec::new(),
        granularity: 100,
        lat_offset: 0,
        lon_offset: 0,
    };
    let mut groups = Vec::new();
    for field in Message(bytes) {
        match field? {
            (1, v) => {
                for s in Message(v.bytes()?) {
                    if let (1, s) = s? {
                        let s = std::str::from_utf8(s.bytes()?).context("a string is not UTF-8")?;
                        block.strings.push(s);
                    }
                }
            }
            (2, v) => groups.push(v.bytes()?),
            (17, v) => block.granularity = i64::from(v.int()? as i32),
            (19, v) => block.lat_offset = v.int()? as i64,
            (20, v) => block.lon_offset = v.int()? as i64,
            _ => {}
        }
    }
    // The scale may follow the groups, so they are read once it is known.
    for group in groups {
        for field in Message(group) {
            match field? {
                (1, v) => block.node(v.bytes()?, data)?,
                (2, v) => block.dense_nodes(v.bytes()?, data)?,
                (3, v) => data.ways.push(block.way(v.bytes()?)?),
                (4, v) => data.relations.push(block.relation(v.bytes()?)?),
                _ => {} // Changesets.
            }
        }
    }
    Ok(())
}

impl Block<'_> {
    /// Longitude and latitude from the block's units. Exact in integers, rounded once: the
    /// same `f64` as parsing the 7 decimals of the XML.
    fn position(&self, lat: i64, lon: i64) -> [f64; 2] {
        let degrees = |offset: i64, value: i64| {
            (i128::from(offset) + i128::from(self.granularity) * i128::from(value)) as f64 / 1e9
        };
        [degrees(self.lon_offset, lon), degrees(self.lat_offset, lat)]
    }

    fn string(&self, index: u64) -> anyhow::Result<String> {
        let s = usize::try_from(index)
            .ok()
            .and_then(|i| self.strings.get(i))
            .with_context(|| format!("string {index} is past the end of the string table"))?;
        Ok(s.to_string())
    }

    fn tags(&self, keys: &[u64], vals: &[u64]) -> anyhow::Result<Vec<(String, String)>> {
        ensure!(
            keys.len() == vals.len(),
            "{} tag keys but {} values",
            keys.len(),
            vals.len()
        );
        keys.iter()
            .zip(vals)
            .map(|(&k, &v)| Ok((self.string(k)?, self.string(v)?)))
            .collect()
    }

    fn node(&self, bytes: &[u8], data: &mut OsmData) -> anyhow::Result<()> {
        let (mut id, mut lat, mut lon) = (None, None, None);
        let (mut keys, mut vals) = (Vec::new(), Vec::new());
        for field in Message(bytes) {
            match field? {
                (1, v) => id = Some(zigzag(v.int()?)),
                (2, v) => v.push_ints(&mut keys)?,
                (3, v) => v.push_ints(&mut vals)?,
                (8, v) => lat = Some(zigzag(v.int()?)),
                (9, v) => lon = Some(zigzag(v.int()?)),
                _ => {}
            }
        }
        let id = id.context("a node lacks its id")?;
        let (lat, lon) = lat
            .zip(lon)
            .with_context(|| format!("node {id} lacks its position"))?;
        push_node(data, id, self.position(lat, lon), self.tags(&keys, &vals)?);
        Ok(())
    }

    fn dense_nodes(&self, bytes: &[u8], data: &mut OsmData) -> anyhow::Result<()> {
        let (mut ids, mut lats, mut lons, mut keys_vals) = (vec![], vec![], vec![], vec![]);
        for field in Message(bytes) {
            match field? {
                (1, v) => v.push_ints(&mut ids)?,
                (8, v) => v.push_ints(&mut lats)?,
                (9, v) => v.push_ints(&mut lons)?,
                (10, v) => v.push_ints(&mut keys_vals)?,
                _ => {}
            }
        }
        ensure!(
            ids.len() == lats.len() && ids.len() == lons.len(),
            "dense nodes with {} ids, {} latitudes and {} longitudes",
            ids.len(),
            lats.len(),
            lons.len()
        );
        // Ids and coordinates are deltas; tags are key, value, … 0 for each node, or absent
        // when no node has any.
        let mut keys_vals = keys_vals.into_iter();
        let (mut id, mut lat, mut lon) = (0i64, 0i64, 0i64);
        for ((d_id, d_lat), d_lon) in ids.into_iter().zip(lats).zip(lons) {
            id = id.wrapping_add(zigzag(d_id));
            lat = lat.wrapping_add(zigzag(d_lat));
            lon = lon.wrapping_add(zigzag(d_lon));
            let mut tags = Vec::new();
            while let Some(key) = keys_vals.next().filter(|&k| k != 0) {
                let value = keys_vals.next().context("a tag lacks its value")?;
                tags.push((self.string(key)?, self.string(value)?));
            }
            push_node(data, id, self.position(lat, lon), tags);
        }
        Ok(())
    }

    fn way(&self, bytes: &[u8]) -> anyhow::Result<Way> {
        let mut id = None;
        let (mut keys, mut vals, mut refs) = (vec![], vec![], vec![]);
        for field in Message(bytes) {
            match field? {
                (1, v) => id = Some(v.int()? as i64),
                (2, v) => v.push_ints(&mut keys)?,
                (3, v) => v.push_ints(&mut vals)?,
                (8, v) => v.push_ints(&mut refs)?,
                _ => {}
            }
        }
        let mut node = 0i64;
        Ok(Way {
            id: id.context("a way lacks its id")?,
            nodes: refs
                .into_iter()
                .map(|delta| {
                    node = node.wrapping_add(zigzag(delta));
                    node
                })
                .collect(),
            tags: self.tags(&keys, &vals)?,
        })
    }

    fn relation(&self, bytes: &[u8]) -> anyhow::Result<Relation> {
        let mut id = None;
        let (mut keys, mut vals, mut roles, mut ids, mut types) =
            (vec![], vec![], vec![], vec![], vec![]);
        for field in Message(bytes) {
            match field? {
                (1, v) => id = Some(v.int()? as i64),
                (2, v) => v.push_ints(&mut keys)?,
                (3, v) => v.push_ints(&mut vals)?,
                (8, v) => v.push_ints(&mut roles)?,
                (9, v) => v.push_ints(&mut ids)?,
                (10, v) => v.push_ints(&mut types)?,
                _ => {}
            }
        }
        let id = id.context("a relation lacks its id")?;
        ensure!(
            roles.len() == ids.len() && ids.len() == types.len(),
            "relation {id} has {} member roles, {} ids and {} types",
            roles.len(),
            ids.len(),
            types.len()
        );
        let mut member = 0i64;
        let members = ids
            .into_iter()
            .zip(roles)
            .zip(types)
            .map(|((delta, role), kind)| {
                member = member.wrapping_add(zigzag(delta));
                let kind = match kind {
                    0 => MemberKind::Node,
                    1 => MemberKind::Way,
                    2 => MemberKind::Relation,
                    other => bail!("relation {id} has a member of type {other}"),
                };
                Ok(Member {
                    kind,
                    id: member,
                    role: self.string(role)?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Relation {
            id,
            members,
            tags: self.tags(&keys, &vals)?,
        })
    }
}

/// Keeps a node as the XML reader does: every position, and the node itself if it has tags.
fn push_node(data: &mut OsmData, id: i64, position: [f64; 2], tags: Vec<(String, String)>) {
    data.positions.insert(id, position);
    if !tags.is_empty() {
        data.tagged_nodes.push(TaggedNode { id, position, tags });
    }
}

/// A protobuf message, read as a sequence of (field number, value).
struct Message<'a>(&'a [u8]);

/// A protobuf field's value; fixed-width ones are not used by the format's fields read here.
enum Value<'a> {
    Int(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Iterator for Message<'a> {
    type Item = anyhow::Result<(u64, Value<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        (!self.0.is_empty()).then(|| self.field())
    }
}

impl<'a> Message<'a> {
    fn field(&mut self) -> anyhow::Result<(u64, Value<'a>)> {
        let key = varint(&mut self.0)?;
        let value = match key & 7 {
            0 => Value::Int(varint(&mut self.0)?),
            1 => self.take(8).map(|_| Value::Fixed)?,
            2 => {
                let len = varint(&mut self.0)?;
                Value::Bytes(self.take(len)?)
            }
            5 => self.take(4).map(|_| Value::Fixed)?,
            wire => bail!("unknown protobuf wire type {wire}"),
        };
        Ok((key >> 3, value))
    }

    fn take(&mut self, len: u64) -> anyhow::Result<&'a [u8]> {
        ensure!(
            len <= self.0.len() as u64,
            "a field runs past the end of its message"
        );
        let (head, rest) = self.0.split_at(len as usize);
        self.0 = rest;
        Ok(head)
    }
}

impl<'a> Value<'a> {
    fn int(&self) -> anyhow::Result<u64> {
        match *self {
            Value::Int(v) => Ok(v),
            _ => bail!("a field holds bytes where a number belongs"),
        }
    }

    fn bytes(&self) -> anyhow::Result<&'a [u8]> {
        match *self {
            Value::Bytes(b) => Ok(b),
            _ => bail!("a field holds a number where bytes belong"),
        }
    }

    /// Appends a repeated number field, packed or not.
    fn push_ints(&self, out: &mut Vec<u64>) -> anyhow::Result<()> {
        match *self {
            Value::Int(v) => out.push(v),
            Value::Bytes(mut packed) => {
                while !packed.is_empty() {
                    out.push(varint(&mut packed)?);
                }
            }
            Value::Fixed => bail!("a field holds fixed-width data where numbers belong"),
        }
        Ok(())
    }
}

/// A base-128 varint, taken off the front of `buf`.
fn varint(buf: &mut &[u8]) -> anyhow::Result<u64> {
    let mut value = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf
            .split_first()
            .context("a number runs past the end of its message")?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    bail!("a number is longer than 10 bytes")
}

/// A protobuf `sint64`.
fn zigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::super::osm::read_osm_xml;
    use super::*;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/network/block_with_kindergarten_and_compound.osm"
    );

    fn fixture_pbf() -> Vec<u8> {
        std::fs::read(format!("{FIXTURE}.pbf")).unwrap()
    }

    /// A protobuf length-delimited field.
    fn field(number: u8, bytes: &[u8]) -> Vec<u8> {
        assert!(bytes.len() < 128 && number < 16);
        [&[number << 3 | 2, bytes.len() as u8][..], bytes].concat()
    }

    /// A file of one blob of `kind` holding `blob`.
    fn file(kind: &str, blob: &[u8]) -> Vec<u8> {
        let header = [field(1, kind.as_bytes()), vec![3 << 3, blob.len() as u8]].concat();
        [&(header.len() as u32).to_be_bytes()[..], &header, blob].concat()
    }

    #[test]
    fn the_fixture_reads_as_its_xml_does() {
        let xml = std::fs::read(FIXTURE).unwrap();
        let expected = read_osm_xml(&xml[..], |_| {}).unwrap();
        let mut reports = Vec::new();
        let data = read_osm_pbf(&fixture_pbf()[..], |n| reports.push(n)).unwrap();
        assert_eq!(data.positions, expected.positions);
        assert_eq!(data.tagged_nodes, expected.tagged_nodes);
        assert_eq!(data.ways, expected.ways);
        assert_eq!(reports.last(), Some(&(fixture_pbf().len() as u64)));
    }

    #[test]
    fn relations_and_bounds_read_as_the_xml_gives_them() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/network/european_centre_complete.osm"
        );
        let expected = read_osm_xml(&std::fs::read(path).unwrap()[..], |_| {}).unwrap();
        let pbf = std::fs::read(format!("{path}.pbf")).unwrap();
        let data = read_osm_pbf(&pbf[..], |_| {}).unwrap();
        assert_eq!(data.relations.len(), 4);
        assert_eq!(data.relations, expected.relations);
        assert_eq!(data.ways, expected.ways);
        assert_eq!(data.tagged_nodes, expected.tagged_nodes);
        assert_eq!(data.positions, expected.positions);
        let (got, want) = (data.bounds.unwrap(), expected.bounds.unwrap());
        assert!(
            got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-7),
            "{got:?} vs {want:?}"
        );
    }

    #[test]
    fn a_cut_or_corrupt_file_is_an_error_not_a_panic() {
        let pbf = fixture_pbf();
        // A file cut between blobs is a shorter file; cut anywhere else, it is an error.
        let mut ends = Vec::new();
        read_osm_pbf(&pbf[..], |n| ends.push(n as usize)).unwrap();
        for len in (1..pbf.len()).filter(|len| !ends.contains(len)) {
            assert!(read_osm_pbf(&pbf[..len], |_| {}).is_err(), "cut at {len}");
        }
        for at in 0..pbf.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = pbf.clone();
                bad[at] ^= flip;
                let _ = read_osm_pbf(&bad[..], |_| {});
            }
        }
        assert!(read_osm_pbf(&b""[..], |_| {}).is_err());
    }

    #[test]
    fn history_and_other_compressions_are_refused_with_what_to_do() {
        let history = file("OSMHeader", &field(1, &field(4, b"HistoricalInformation")));
        let err = read_osm_pbf(&history[..], |_| {}).unwrap_err();
        assert!(
            format!("{err:#}").contains("HistoricalInformation"),
            "{err:#}"
        );
        let zstd = file("OSMHeader", &field(7, b"whatever"));
        let err = format!("{:#}", read_osm_pbf(&zstd[..], |_| {}).unwrap_err());
        assert!(err.contains("zstd") && err.contains("osmium cat"), "{err}");
    }
}
