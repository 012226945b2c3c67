//! Vector tiles of the community blueprint, built in-process from the in-memory catalog:
//! `/tiles/blueprint/{z}/{x}/{y}.mvt` (MVT 2.1), its TileJSON 3.0, and a tile cache that an
//! edit invalidates exactly where the old or new geometry was.

pub mod basemap;
pub mod cache;
pub mod math;
pub mod mvt;
pub mod render;
pub mod routes;
pub mod shape;

pub use cache::TileCache;
pub use math::TileId;
