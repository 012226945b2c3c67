//! Spatial machinery in one place: reading and validating GeoJSON geometry, coordinate reference
//! systems (China's GCJ-02 and BD-09 offsets among them), metric measures, WKB encoding and the in-memory R-tree. Nothing outside this module
//! imports `proj`, `geozero` or `rstar`.

pub mod china;
pub mod crs;
pub mod frame;
pub mod index;
pub mod measure;
pub mod read;
pub mod shape;
pub mod target;
pub mod valid;
pub mod wkb;
pub mod write;

pub use geo::{Geometry, MultiPolygon, Rect};
