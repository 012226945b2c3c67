//! Sites: the model, parsing of GeoJSON features, the store trait, import and API routes.

pub mod api;
pub mod changes;
pub mod import;
pub mod model;
pub mod parse;
pub mod qml;
pub mod query;
pub mod routes;
pub mod store;

pub use model::{ElementType, Site, SiteFields, SiteStatus, SiteVersion};
