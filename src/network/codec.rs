//! The walking network as bytes, for the store: the CSR arrays one after another,
//! little-endian, behind a magic tag and the counts. Loading a 200,000-node network is a copy,
//! not 400,000 rows.

use super::graph::WalkGraph;

const MAGIC: &[u8; 8] = b"LANTUNW1";

/// Encodes a graph.
pub fn encode(g: &WalkGraph) -> Vec<u8> {
    let (n, m) = (g.node_count(), g.edge_count());
    let mut out = Vec::with_capacity(24 + n * 28 + m * 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(m as u64).to_le_bytes());
    g.coords
        .iter()
        .flatten()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    g.osm_ids
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    g.offsets
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    g.targets
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    g.lengths
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    out
}

struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take<const N: usize>(&mut self) -> anyhow::Result<[u8; N]> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or_else(|| anyhow::anyhow!("the stored network is truncated"))?;
        self.0 = rest;
        Ok(*head)
    }

    fn many<T, const N: usize>(
        &mut self,
        count: usize,
        read: impl Fn([u8; N]) -> T,
    ) -> anyhow::Result<Vec<T>> {
        (0..count).map(|_| self.take::<N>().map(&read)).collect()
    }
}

/// Decodes and checks a stored graph (counts, offsets in order, targets in range).
pub fn decode(bytes: &[u8]) -> anyhow::Result<WalkGraph> {
    let mut b = Bytes(bytes);
    anyhow::ensure!(
        &b.take::<8>()? == MAGIC,
        "the stored network is not in lantu's format (LANTUNW1)"
    );
    let n = u64::from_le_bytes(b.take()?) as usize;
    let m = u64::from_le_bytes(b.take()?) as usize;
    anyhow::ensure!(
        bytes.len() == 24 + n * 28 + 4 + m * 8,
        "the stored network's size does not match its counts"
    );
    let flat = b.many(2 * n, f64::from_le_bytes)?;
    let coords = flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    let osm_ids = b.many(n, i64::from_le_bytes)?;
    let offsets = b.many(n + 1, u32::from_le_bytes)?;
    let targets = b.many(m, u32::from_le_bytes)?;
    let lengths = b.many(m, f32::from_le_bytes)?;
    anyhow::ensure!(
        offsets.first() == Some(&0)
            && offsets.last() == Some(&(m as u32))
            && offsets.windows(2).all(|w| w[0] <= w[1]),
        "the stored network's offsets are out of order"
    );
    anyhow::ensure!(
        targets.iter().all(|&t| (t as usize) < n),
        "the stored network names a node it does not have"
    );
    Ok(WalkGraph {
        coords,
        osm_ids,
        offsets,
        targets,
        lengths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_survives_the_round_trip_and_a_damaged_one_is_refused() {
        let g = WalkGraph::from_segments(
            vec![[121.4, 31.2], [121.41, 31.2], [121.41, 31.21]],
            vec![7, 8, 9],
            &[(0, 1, 950.5), (1, 2, 1110.0)],
        );
        let bytes = encode(&g);
        assert_eq!(decode(&bytes).unwrap(), g);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut bad = bytes.clone();
        let last_target = 24 + 3 * 28 + 4 + 3 * 4;
        bad[last_target..last_target + 4].copy_from_slice(&99u32.to_le_bytes());
        assert!(
            decode(&bad)
                .unwrap_err()
                .to_string()
                .contains("does not have")
        );
    }
}
