//! The storage seam for sites.

use async_trait::async_trait;

use super::model::{Site, SiteFields, SiteVersion};
use crate::version::{Change, Edit};

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// No live site with that id.
    #[error("no site with that id")]
    NotFound,
    /// The site moved on since the version the client named.
    #[error("the site is at version {current}")]
    Stale {
        /// The version stored now.
        current: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Where sites live.
#[async_trait]
pub trait SiteStore: Send + Sync {
    /// Every live (not deleted) site, drafts included.
    async fn load_sites(&self) -> anyhow::Result<Vec<Site>>;

    /// Creates `sites` in one transaction (all or none), each at version 1.
    async fn create_sites(&self, sites: &[SiteFields], edit: &Edit) -> anyhow::Result<Vec<Site>>;

    /// Writes a new version of site `id` if it is still at `expected`: compare-and-swap.
    /// `change` is `Replace`, `Update` or `Delete` (a tombstone that keeps `fields`).
    async fn write_site(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        fields: &SiteFields,
        edit: &Edit,
    ) -> Result<Site, WriteError>;

    /// Every version of a site, oldest first; empty if it never existed.
    async fn site_history(&self, id: i64) -> anyhow::Result<Vec<SiteVersion>>;
}
