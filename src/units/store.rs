//! The storage seam for planning units.

use async_trait::async_trait;

use super::model::{Unit, UnitCode, UnitFields, UnitVersion};
use crate::version::Edit;

/// What saving a batch of units did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaveReport {
    /// Units that did not exist before.
    pub created: usize,
    /// Units whose content changed (a new version each).
    pub updated: usize,
    /// Units already stored exactly so (no new version).
    pub unchanged: usize,
    /// The created and updated units as stored now.
    pub written: Vec<Unit>,
}

/// Where planning units live.
#[async_trait]
pub trait UnitStore: Send + Sync {
    /// Every current unit.
    async fn load_units(&self) -> anyhow::Result<Vec<Unit>>;

    /// Creates or updates `units` by code in one transaction: all are written, or none.
    /// Units whose content is unchanged get no new version.
    async fn save_units(&self, units: &[UnitFields], edit: &Edit) -> anyhow::Result<SaveReport>;

    /// Every version of one unit, oldest first.
    async fn unit_history(&self, code: &UnitCode) -> anyhow::Result<Vec<UnitVersion>>;
}
