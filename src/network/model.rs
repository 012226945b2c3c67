//! What the life-circle data is, as stored: an import (network, facilities, homes), a stored
//! network, facility and home, and a facility's versions.

use chrono::{DateTime, Utc};
use geo::{Geometry, Point};

use super::extract::{FoundFacility, FoundHome};
use super::graph::WalkGraph;
use crate::version::{Change, Stamp};

/// Everything one OSM file gave.
#[derive(Debug, Clone)]
pub struct OsmImport {
    /// What the import is called (by default the file name); a re-import replaces it.
    pub source: String,
    /// The walking network.
    pub graph: WalkGraph,
    /// Facilities found.
    pub facilities: Vec<FoundFacility>,
    /// Homes found.
    pub homes: Vec<FoundHome>,
    /// Named streets, for the basemap.
    pub streets: Vec<super::extract::FoundStreet>,
    /// The population rule the estimates used, in words.
    pub estimate_rule: String,
}

/// A stored network and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNetwork {
    /// The import's source name.
    pub source: String,
    /// The graph.
    pub graph: WalkGraph,
}

/// A stored facility.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFacility {
    /// Its id.
    pub id: i64,
    /// The import it came from (`api` for those added through the API).
    pub source: String,
    /// Catalogue category.
    pub category: String,
    /// Name, if known.
    pub name: Option<String>,
    /// Where it is.
    pub position: Point,
    /// 1 when imported or created, +1 for each edit through the API.
    pub version: i64,
    /// When it was last changed through the API.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who changed it last through the API (imports leave it empty).
    pub updated_by: Option<String>,
}

/// One version of a facility: its content after an API write, who made it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityVersion {
    /// The facility.
    pub facility_id: i64,
    /// What the write did.
    pub change: Change,
    /// Catalogue category.
    pub category: String,
    /// Name, if known.
    pub name: Option<String>,
    /// Where it was.
    pub position: Point,
    /// Version, time, author.
    pub stamp: Stamp,
}

/// A stored home.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHome {
    /// Its id.
    pub id: i64,
    /// Name, if known.
    pub name: Option<String>,
    /// Residents.
    pub population: f64,
    /// Whether `population` is an estimate.
    pub estimated: bool,
    /// Outline or point.
    pub shape: Geometry,
}

/// The source name of facilities added through the API.
pub const API_SOURCE: &str = "api";
