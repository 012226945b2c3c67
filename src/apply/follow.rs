//! Following the change log: what another replica, or a CLI import, wrote reaches this
//! server's views without a restart.
//!
//! - PostGIS: `LISTEN lantu_changes` (announced at commit by a trigger) wakes the follower; it
//!   then reads every change after the last it applied. A lost connection (the listener says
//!   so, or a query fails) is retried every second, and the next read replays from the last
//!   applied sequence number, so nothing is lost; a read every few seconds also covers a
//!   notification that never came.
//! - SQLite: the log is read every [`POLL`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// How often the SQLite log is read.
pub const POLL: Duration = Duration::from_millis(250);
/// How often PostGIS's log is read without a notification.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(5);
/// Changes read at once.
const BATCH: i64 = 500;
/// The notification channel the change log's trigger announces on.
pub const CHANNEL: &str = "lantu_changes";

/// The follower task; stops when dropped.
pub struct Follower(JoinHandle<()>);

impl Drop for Follower {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts following the log from the last change `state` applied.
pub fn spawn(state: AppState) -> Follower {
    Follower(tokio::spawn(async move {
        if state.store.postgres_pool().is_some() {
            listen(&state).await;
        } else {
            loop {
                if let Err(e) = catch_up(&state).await {
                    tracing::warn!(error = %format!("{e:#}"), "reading the change log failed; trying again");
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }))
}

/// Applies every change after the last applied, in batches.
pub async fn catch_up(state: &AppState) -> anyhow::Result<()> {
    loop {
        let after = state.applied.load(Ordering::Acquire);
        let batch = state.store.changes_after(after, BATCH).await?;
        let Some(last) = batch.last else {
            return Ok(());
        };
        super::apply(state, &batch.entries).await?;
        state.applied.fetch_max(last, Ordering::AcqRel);
        tracing::debug!(from = after, to = last, "changes applied");
        if batch.read < BATCH as usize {
            return Ok(());
        }
    }
}

async fn listen(state: &AppState) {
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = match connect(state).await {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for changes on PostGIS; trying again in a second");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
        }
        // Listening first, then reading: a change committed in between is both read and
        // announced, never neither.
        if let Err(e) = catch_up(state).await {
            tracing::warn!(error = %format!("{e:#}"), "reading the change log failed; trying again in a second");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let Some(l) = listener.as_mut() else { continue };
        match tokio::time::timeout(LISTEN_TIMEOUT, l.try_recv()).await {
            Ok(Ok(Some(_))) => while l.next_buffered().is_some() {},
            Ok(Ok(None)) => tracing::warn!(
                "the change listener lost its connection; replaying from the last change applied"
            ),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the change listener failed; reconnecting");
                listener = None;
            }
            Err(_) => {} // quiet: read the log anyway
        }
    }
}

async fn connect(state: &AppState) -> anyhow::Result<PgListener> {
    let pool = state
        .store
        .postgres_pool()
        .ok_or_else(|| anyhow::anyhow!("not a PostGIS store"))?;
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
