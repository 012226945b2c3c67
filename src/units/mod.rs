//! Planning units: the model, its store trait, the import and the API routes.

pub mod api;
pub mod import;
pub mod model;
pub mod query;
pub mod routes;
pub mod store;

pub use model::{Unit, UnitCode, UnitFields, UnitLevel, UnitVersion};
pub use store::SaveReport;
