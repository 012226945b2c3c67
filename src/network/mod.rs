//! The walking network (步行网络): read from OpenStreetMap, kept as compact arrays, searched
//! by distance along the streets.
//!
//! - [`osm`]: reading OSM XML into nodes and ways.
//! - [`walk`]: which ways people walk on.
//! - [`graph`]: the network as a compressed sparse row graph, its connected components.
//! - [`search`]: multi-source shortest paths bounded by a walking distance.

pub mod areas;
pub mod codec;
pub mod extract;
pub mod graph;
pub mod import;
pub mod model;
pub mod osm;
pub mod pbf;
pub mod search;
pub mod store;
pub mod walk;

pub use graph::{WalkGraph, build_walk_graph};
pub use search::Search;
