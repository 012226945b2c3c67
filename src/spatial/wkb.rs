//! Geometry across the database boundary as OGC WKB (both stores; PostGIS wraps it with
//! `ST_GeomFromWKB(…, 4326)` and reads it back with `ST_AsBinary`).

use geo::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb, wkb::Wkb};

/// Encodes a geometry as 2D WKB.
pub fn encode(g: &Geometry) -> Vec<u8> {
    // Writing WKB into a Vec only fails for geometry types WKB lacks, which `geo` never produces.
    g.to_wkb(CoordDimensions::xy())
        .unwrap_or_else(|e| unreachable!("WKB encoding of a geo geometry failed: {e}"))
}

/// Decodes WKB read from a store.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Geometry> {
    Wkb(bytes)
        .to_geo()
        .map_err(|e| anyhow::anyhow!("stored geometry is not valid WKB: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_polygon_survives_a_round_trip_through_wkb() {
        let g: Geometry =
            polygon![(x: 121.4, y: 31.2), (x: 121.5, y: 31.2), (x: 121.5, y: 31.3)].into();
        assert_eq!(decode(&encode(&g)).unwrap(), g);
    }
}
