//! Web Mercator tile arithmetic (the XYZ scheme MapLibre uses; EPSG:3857).
//!
//! "World" coordinates are Web Mercator scaled to the unit square, x to the right and y down,
//! so a tile's pixel coordinates are an affine map of them.

use geo::{Rect, coord};

/// Tile extent in MVT units (MVT 2.1 §4.3; 4096 is the usual).
pub const EXTENT: i32 = 4096;
/// Buffer around a tile, in MVT units, so lines and fills join across tile edges.
pub const BUFFER: i32 = 64;
/// The deepest zoom served.
pub const MAX_ZOOM: u8 = 22;
/// Web Mercator's latitude limit.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// One tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom.
    pub z: u8,
    /// Column, from the antimeridian eastward.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

impl TileId {
    /// A tile, if `z ≤ MAX_ZOOM` and `x`, `y` lie in `0..2^z`.
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, String> {
        if z > u32::from(MAX_ZOOM) {
            return Err(format!(
                "zoom {z} is beyond the deepest zoom served, {MAX_ZOOM}"
            ));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(format!(
                "tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 to {}",
                n - 1
            ));
        }
        Ok(Self { z: z as u8, x, y })
    }

    /// Tiles per side at this zoom.
    pub fn scale(self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// The tile's box in world coordinates, widened by `buffer` MVT units on each side.
    pub fn world_box(self, buffer: i32) -> [f64; 4] {
        let s = self.scale();
        let pad = f64::from(buffer) / f64::from(EXTENT);
        [
            (f64::from(self.x) - pad) / s,
            (f64::from(self.y) - pad) / s,
            (f64::from(self.x + 1) + pad) / s,
            (f64::from(self.y + 1) + pad) / s,
        ]
    }

    /// The tile's box in longitude/latitude, widened by `buffer` MVT units on each side.
    pub fn lon_lat_box(self, buffer: i32) -> Rect {
        let [x0, y0, x1, y1] = self.world_box(buffer);
        Rect::new(
            coord! {x: lon(x0.max(0.0)), y: lat(y1.min(1.0))},
            coord! {x: lon(x1.min(1.0)), y: lat(y0.max(0.0))},
        )
    }

    /// The tiles at zoom `z` that a longitude/latitude box touches (with the tile buffer).
    pub fn covering(rect: Rect, z: u8) -> impl Iterator<Item = TileId> {
        let n = 1u32 << z;
        let s = f64::from(n);
        let pad = f64::from(BUFFER) / f64::from(EXTENT);
        let index = |w: f64| ((w * s).floor().max(0.0) as u32).min(n - 1);
        let (x0, x1) = (
            index(world_x(rect.min().x) - pad / s),
            index(world_x(rect.max().x) + pad / s),
        );
        let (y0, y1) = (
            index(world_y(rect.max().y) - pad / s),
            index(world_y(rect.min().y) + pad / s),
        );
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| TileId { z, x, y }))
    }
}

/// Longitude → world x in 0..1.
pub fn world_x(lon: f64) -> f64 {
    (lon + 180.0) / 360.0
}

/// Latitude → world y in 0..1 (north at 0), clamped to Web Mercator's range.
pub fn world_y(lat: f64) -> f64 {
    let phi = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0
}

/// World x → longitude.
pub fn lon(world_x: f64) -> f64 {
    world_x * 360.0 - 180.0
}

/// World y → latitude.
pub fn lat(world_y: f64) -> f64 {
    let n = std::f64::consts::PI * (1.0 - 2.0 * world_y);
    n.sinh().atan().to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_tiles_are_refused() {
        assert!(TileId::new(23, 0, 0).is_err());
        assert!(TileId::new(2, 4, 0).is_err());
        assert!(TileId::new(2, 3, 3).is_ok());
    }

    #[test]
    fn world_coordinates_round_trip_through_lon_lat() {
        for (lo, la) in [(121.43, 31.24), (-73.97, 40.77), (0.0, 0.0)] {
            assert!((lon(world_x(lo)) - lo).abs() < 1e-9);
            assert!((lat(world_y(la)) - la).abs() < 1e-9);
        }
    }

    #[test]
    fn changshou_road_lies_in_z14_tile_13718_6694() {
        // 121.43°E, 31.24°N; the tile a slippy-map calculator gives for zoom 14.
        let covering: Vec<TileId> =
            TileId::covering(Rect::new((121.43, 31.24), (121.43, 31.24)), 14).collect();
        assert!(
            covering.contains(&TileId {
                z: 14,
                x: 13718,
                y: 6694
            }),
            "{covering:?}"
        );
        assert!(covering.len() <= 4);
    }
}
