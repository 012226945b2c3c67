//! One write path: every write commits its records and a change-log entry in one transaction
//! ([`crate::store::changes`]); this module applies changes to every in-memory view (the
//! catalog, the life-circle coverage, the tile cache), reading just the records they name.
//!
//! - The server that made a write applies it at once, with the record in hand (read-your-writes);
//!   the change comes round again through the log and is skipped, its version being known.
//! - Every server follows the log ([`follow`]) and applies what others wrote: another replica
//!   over the same PostGIS, or a CLI import into the store of a running server.
//!
//! Applying is idempotent and ordered by version: a change older than what a view holds is
//! skipped, so replaying the log from any earlier point ends in the same state.

pub mod follow;

use std::sync::atomic::Ordering;

use crate::state::AppState;
use crate::store::changes::{ChangeEntry, Collection, Operation};

/// Applies `changes` (in log order) to this server's views, then records the last as applied.
pub async fn apply(state: &AppState, changes: &[ChangeEntry]) -> anyhow::Result<()> {
    let mut units = Vec::new();
    let mut reload_coverage = false;
    for change in changes {
        match (change.collection, change.operation) {
            (Collection::Sites, _) => apply_site(state, change).await?,
            (Collection::Units, _) => {
                let code =
                    crate::units::UnitCode::parse(&change.key).map_err(anyhow::Error::msg)?;
                let known = state.catalog().unit(&code).map(|e| e.unit.stamp.version);
                if known.is_none_or(|v| v < change.version) {
                    units.extend(state.store.find_unit(&code).await?);
                }
            }
            (Collection::Facilities, Operation::Write(_)) => apply_facility(state, change).await?,
            (Collection::Facilities | Collection::LifeCircle, Operation::Import) => {
                reload_coverage = true;
            }
            (Collection::LifeCircle, Operation::Write(_)) => {
                anyhow::bail!(
                    "change {} writes life-circle data record by record; only imports do",
                    change.seq
                )
            }
        }
    }
    if !units.is_empty() {
        let (state, count) = (state.clone(), units.len());
        tokio::task::spawn_blocking(move || state.units_written(units)).await?;
        tracing::info!(units = count, "units changed elsewhere applied");
    }
    if reload_coverage {
        state.coverage.reload(&state.store).await?;
    }
    if let Some(last) = changes.last() {
        state.applied.fetch_max(last.seq, Ordering::AcqRel);
    }
    Ok(())
}

fn numeric_key(change: &ChangeEntry) -> anyhow::Result<i64> {
    change.key.parse().map_err(|_| {
        anyhow::anyhow!(
            "change {} names {:?}, not a numeric id",
            change.seq,
            change.key
        )
    })
}

async fn apply_site(state: &AppState, change: &ChangeEntry) -> anyhow::Result<()> {
    let id = numeric_key(change)?;
    if state
        .catalog()
        .site_version(id)
        .is_some_and(|v| v >= change.version)
    {
        return Ok(());
    }
    match state.store.find_site(id).await? {
        Some((site, true)) => state.site_deleted(id, site.stamp.version),
        Some((site, false)) => {
            let state = state.clone();
            tokio::task::spawn_blocking(move || state.site_written(site)).await?;
        }
        None => {}
    }
    Ok(())
}

async fn apply_facility(state: &AppState, change: &ChangeEntry) -> anyhow::Result<()> {
    let id = numeric_key(change)?;
    if state.coverage.knows_facility(id, change.version) {
        return Ok(());
    }
    let old = state.coverage.facility_category(id);
    match state.store.find_facility(id).await? {
        Some(now) => state
            .coverage
            .facility_changed(id, now.version, Some(now), old.as_deref()),
        // Deleted: the change's version is the tombstone's.
        None => state
            .coverage
            .facility_changed(id, change.version, None, old.as_deref()),
    }
    Ok(())
}
