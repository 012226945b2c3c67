//! Life-circle coverage (生活圈覆盖): the facility catalogue, homes and facilities snapped to the
//! walking network, coverage by unit, isochrones, and what-if siting.

pub mod analysis;
pub mod catalogue;
pub mod contour;
pub mod facilities;
pub mod import;
pub mod isochrone;
pub mod nearest;
pub mod routes;
pub mod service;
pub mod snap;
pub mod tiles;

pub use catalogue::{Catalogue, Category};
