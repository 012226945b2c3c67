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

use crate::state::AppState;
use crate::store::changes::{ChangeEntry, Collection, Operation};

/// Applies `changes` (in log order) to this server's views; the follower then records how far
/// it has read.
pub async fn apply(state: &AppState, changes: &[ChangeEntry]) -> anyhow::Result<()> {
    let mut units = Vec::new();
    let mut reload_coverage = false;
    for change in changes {
        // A store failure is returned (the follower reads the same changes again); an entry
        // that makes no sense (a bad key) is logged and skipped, never retried for ever.
        let Some(key) = Key::of(change) else {
            tracing::warn!(seq = change.seq, key = %change.key, "a change with an unreadable key is skipped");
            continue;
        };
        match key {
            Key::Site(id) => apply_site(state, id, change.version).await?,
            Key::Unit(code) => {
                let known = state.catalog().unit(&code).map(|e| e.unit.stamp.version);
                if known.is_none_or(|v| v < change.version) {
                    units.extend(state.store.find_unit(&code).await?);
                }
            }
            Key::Facility(id) => apply_facility(state, id, change.version).await?,
            Key::Source => reload_coverage = true,
            Key::Accounts => state.access.forget_all(),
            Key::Project(id) => {
                if let Some(project) = state.store.find_project(id).await? {
                    state.project_written(&project);
                }
            }
            Key::Need(id) => {
                if state.needs().version(id).is_none_or(|v| v < change.version)
                    && let Some(need) = state.store.find_need(id).await?
                {
                    state.need_written(need);
                }
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
        state.reload_streets().await?;
    }
    Ok(())
}

/// What a change names.
enum Key {
    Site(i64),
    Unit(crate::units::UnitCode),
    Facility(i64),
    /// An import source (the life-circle data is reloaded).
    Source,
    /// Accounts, tokens or appointments: access is resolved afresh.
    Accounts,
    /// A resident's need.
    Need(i64),
    /// A project (the needs it tells are logged on their own).
    Project(i64),
}

impl Key {
    fn of(change: &ChangeEntry) -> Option<Self> {
        let id = || change.key.parse().ok();
        Some(match (change.collection, change.operation) {
            (Collection::Sites, _) => Self::Site(id()?),
            (Collection::Units, _) => Self::Unit(crate::units::UnitCode::parse(&change.key).ok()?),
            (Collection::Facilities, Operation::Write(_)) => Self::Facility(id()?),
            (Collection::Facilities | Collection::LifeCircle, Operation::Import) => Self::Source,
            // Life-circle data is only ever replaced by imports.
            (Collection::LifeCircle, Operation::Write(_)) => return None,
            (Collection::Accounts, _) => Self::Accounts,
            (Collection::Needs, _) => Self::Need(id()?),
            (Collection::Projects, _) => Self::Project(id()?),
        })
    }
}

async fn apply_site(state: &AppState, id: i64, version: i64) -> anyhow::Result<()> {
    if state
        .catalog()
        .site_version(id)
        .is_some_and(|v| v >= version)
    {
        return Ok(());
    }
    let Some((site, deleted)) = state.store.find_site(id).await? else {
        return Ok(());
    };
    // Both take the catalog's writer lock, which a units rebuild may hold for a while: off
    // the async workers.
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        if deleted {
            state.site_deleted(id, site.stamp.version);
        } else {
            state.site_written(site);
        }
    })
    .await?;
    Ok(())
}

async fn apply_facility(state: &AppState, id: i64, version: i64) -> anyhow::Result<()> {
    if state.coverage.knows_facility(id, version) {
        return Ok(());
    }
    // The category it had here is dropped by `facility_changed`, which reads it under its lock.
    match state.store.find_facility(id).await? {
        Some(now) => state
            .coverage
            .facility_changed(id, now.version, Some(now), None),
        // Deleted: the change's version is the tombstone's.
        None => state.coverage.facility_changed(id, version, None, None),
    }
    Ok(())
}
