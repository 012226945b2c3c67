//! The change log: every write appends one row per record it changed (collection, key,
//! version, operation, time, author) in its own transaction, so the log and the data never
//! disagree. A server applies each change to its in-memory views ([`crate::apply`]); replicas
//! and a server whose store a CLI import wrote follow the log ([`crate::apply::follow`]).
//!
//! On PostGIS, appending takes a transaction-scoped advisory lock first, so sequence numbers
//! are handed out in commit order: a follower that applied up to N can ask for "after N" and
//! never miss a change that committed later with a smaller number. SQLite has one writer.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, vals};

/// A collection whose records are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    /// Planning units, keyed by code.
    Units,
    /// Sites, keyed by id.
    Sites,
    /// Facilities, keyed by id; an import is keyed by its source.
    Facilities,
    /// Walking networks and homes, keyed by import source.
    LifeCircle,
    /// Accounts, teams, appointments and tokens, keyed `user:ID`, `team:ID`, `appointment:ID`,
    /// `token:NAME`: whatever access follows from them is resolved afresh.
    Accounts,
    /// Residents' needs (需求清单), keyed by id.
    Needs,
    /// Community renewal projects, keyed by id.
    Projects,
}

impl Collection {
    /// The logged name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Units => "units",
            Self::Sites => "sites",
            Self::Facilities => "facilities",
            Self::LifeCircle => "life_circle",
            Self::Accounts => "accounts",
            Self::Needs => "needs",
            Self::Projects => "projects",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Units,
            Self::Sites,
            Self::Facilities,
            Self::LifeCircle,
            Self::Accounts,
            Self::Needs,
            Self::Projects,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// What a logged write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A record written through its versioned path ([`crate::version::Change`]).
    Write(crate::version::Change),
    /// A whole import source replaced (facilities, homes, a network): reload it.
    Import,
}

impl Operation {
    /// The logged name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Write(change) => change.as_str(),
            Self::Import => "import",
        }
    }
}

/// One logged change.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEntry {
    /// Its place in the log, increasing in commit order.
    pub seq: i64,
    /// Which collection.
    pub collection: Collection,
    /// The record's key (a site id, a unit code, an import source).
    pub key: String,
    /// The record's version after the write (0 for imports).
    pub version: i64,
    /// What happened.
    pub operation: Operation,
    /// When it committed.
    pub at: DateTime<Utc>,
}

/// A change about to be logged: which record, at which version, how.
pub struct Logged {
    /// The collection.
    pub collection: Collection,
    /// The record's key.
    pub key: String,
    /// Its version after the write (0 for an import).
    pub version: i64,
    /// What happened.
    pub operation: Operation,
}

impl Logged {
    /// A versioned write of record `key` of `collection`.
    pub fn write(
        collection: Collection,
        key: impl ToString,
        version: i64,
        change: crate::version::Change,
    ) -> Self {
        let (key, operation) = (key.to_string(), Operation::Write(change));
        Self {
            collection,
            key,
            version,
            operation,
        }
    }

    /// An import that replaced source `source` of `collection`.
    pub fn import(collection: Collection, source: &str) -> Self {
        let (key, operation) = (source.to_string(), Operation::Import);
        Self {
            collection,
            key,
            version: 0,
            operation,
        }
    }
}

/// The statement appending a change; binds collection, key, version, operation, time, author.
pub const APPEND: &str = "INSERT INTO changes (collection, key, version, operation, at, author) \
                          VALUES ($1, $2, $3, $4, $5, $6)";

/// Orders PostGIS writers' log appends (a transaction-scoped advisory lock; the key spells
/// "lantu" on a phone pad).
pub const ORDER_POSTGRES: &str = "SELECT pg_advisory_xact_lock(526888)";

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    collection: String,
    key: String,
    version: i64,
    operation: String,
    at: DateTime<Utc>,
}

impl ChangeRow {
    fn into_entry(self) -> anyhow::Result<ChangeEntry> {
        let collection = Collection::parse(&self.collection).ok_or_else(|| {
            anyhow::anyhow!(
                "change {} names an unknown collection {:?}",
                self.seq,
                self.collection
            )
        })?;
        let operation = match self.operation.as_str() {
            "import" => Operation::Import,
            other => Operation::Write(crate::version::Change::parse(other)?),
        };
        Ok(ChangeEntry {
            seq: self.seq,
            collection,
            key: self.key,
            version: self.version,
            operation,
            at: self.at,
        })
    }
}

impl Store {
    /// The last change's sequence number (0 when the log is empty).
    pub async fn last_change(&self) -> StoreResult<i64> {
        let last: Option<(Option<i64>,)> = self
            .fetch_optional("SELECT max(seq) FROM changes", vec![])
            .await?;
        Ok(last.and_then(|(seq,)| seq).unwrap_or(0))
    }

    /// At most `limit` changes after `seq`, oldest first, and the last sequence number read.
    /// An entry this build cannot read (a collection or operation a newer build logs) is left
    /// out with a warning, and the sequence number still moves past it, so a follower is
    /// never stuck on it.
    pub async fn changes_after(&self, seq: i64, limit: i64) -> StoreResult<ChangeBatch> {
        let sql = "SELECT seq, collection, key, version, operation, at FROM changes
                   WHERE seq > $1 ORDER BY seq LIMIT $2";
        let rows: Vec<ChangeRow> = self.fetch_all(sql, vals![seq, limit]).await?;
        let read = rows.len();
        let last = rows.last().map(|r| r.seq);
        let entries = rows
            .into_iter()
            .filter_map(|row| {
                let seq = row.seq;
                row.into_entry()
                    .inspect_err(|e| tracing::warn!(seq, error = %e, "a change this server cannot read is skipped"))
                    .ok()
            })
            .collect();
        Ok(ChangeBatch {
            entries,
            last,
            read,
        })
    }
}

/// What one read of the log gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeBatch {
    /// The entries this build can read, in log order.
    pub entries: Vec<ChangeEntry>,
    /// The last sequence number read (readable or not), if any row was.
    pub last: Option<i64>,
    /// Rows read, readable or not.
    pub read: usize,
}
