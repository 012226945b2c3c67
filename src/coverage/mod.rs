//! Life-circle coverage (生活圈覆盖): the facility catalogue, and (to come) demand, coverage by
//! unit, isochrones and what-if siting.

pub mod catalogue;

pub use catalogue::{Catalogue, Category};
