//! The storage seam for the life-circle data: walking networks, facilities and homes, each
//! stored under a source (an import's name); a re-import replaces its source in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use geo::{Geometry, Point};

use super::extract::{FoundFacility, FoundHome};
use super::graph::WalkGraph;
use crate::sites::WriteError;
use crate::version::{Change, Edit, Stamp};

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

/// Where networks, facilities and homes live.
#[async_trait]
pub trait NetworkStore: Send + Sync {
    /// Replaces what was imported from `import.source` with `import`, in one transaction.
    async fn replace_import(&self, import: &OsmImport) -> anyhow::Result<()>;
    /// Every stored network.
    async fn load_networks(&self) -> anyhow::Result<Vec<StoredNetwork>>;
    /// Facilities and homes stored for a source: (facilities, homes).
    async fn count_imported(&self, source: &str) -> anyhow::Result<(i64, i64)>;
    /// Replaces the facilities of `source` (a GeoJSON import), in one transaction.
    async fn replace_facilities(
        &self,
        source: &str,
        facilities: &[FoundFacility],
    ) -> anyhow::Result<()>;
    /// Replaces the homes of `source`, in one transaction; `rule` says how estimates were made.
    async fn replace_homes(
        &self,
        source: &str,
        homes: &[FoundHome],
        rule: &str,
    ) -> anyhow::Result<()>;
    /// Every facility.
    async fn load_facilities(&self) -> anyhow::Result<Vec<StoredFacility>>;
    /// Every home.
    async fn load_homes(&self) -> anyhow::Result<Vec<StoredHome>>;
    /// Adds one facility (source [`API_SOURCE`]) at version 1 with its first version row.
    async fn insert_facility(
        &self,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> anyhow::Result<StoredFacility>;
    /// One facility.
    async fn find_facility(&self, id: i64) -> anyhow::Result<Option<StoredFacility>>;
    /// Replaces (`Change::Replace`) or deletes (`Change::Delete`) facility `id` if it is still at
    /// `expected`, appending a version row in the same transaction; the facility after the
    /// write (`None` once deleted).
    async fn write_facility(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> Result<Option<StoredFacility>, WriteError>;
    /// Every version written through the API, oldest first.
    async fn facility_history(&self, id: i64) -> anyhow::Result<Vec<FacilityVersion>>;
}
