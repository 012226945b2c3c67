//! The storage seam for OSM imports: the walking network, facilities and homes of a source.

use async_trait::async_trait;

use super::extract::{FoundFacility, FoundHome};
use super::graph::WalkGraph;

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

/// Where OSM imports live.
#[async_trait]
pub trait NetworkStore: Send + Sync {
    /// Replaces what was imported from `import.source` with `import`, in one transaction.
    async fn replace_import(&self, import: &OsmImport) -> anyhow::Result<()>;
    /// Every stored network.
    async fn load_networks(&self) -> anyhow::Result<Vec<StoredNetwork>>;
    /// Facilities and homes stored for a source: (facilities, homes).
    async fn count_imported(&self, source: &str) -> anyhow::Result<(i64, i64)>;
}
