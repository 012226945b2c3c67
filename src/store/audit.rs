//! The audit log: every change of every record (users, teams, appointments, tokens, sites,
//! units, facilities, imports) appends who, when, what (before and after), the record's
//! planning units, the client's address and the request id, in the writing transaction. The
//! log is append-only: both stores' triggers refuse UPDATE and DELETE on it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::changes::{Collection, Logged};
use super::{Conn, Store, StoreResult, Value, vals};
use crate::version::{Change, Edit};

/// One audit entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Its place in the log.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (a login name, `token:NAME`, or `cli:…`).
    pub actor: String,
    /// What was done: `create`, `replace`, `update`, `delete`, `import`, `login`, …
    pub action: String,
    /// Which collection the record belongs to.
    pub collection: String,
    /// The record's key.
    pub key: String,
    /// The planning units the record falls in, space-separated.
    pub units: Option<String>,
    /// The record before, as JSON text (none for a creation).
    pub before: Option<String>,
    /// The record after, as JSON text (none for a deletion that removed it).
    pub after: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// The change was made without `If-Match`, on whatever version was current.
    pub unconditional: bool,
}

/// Which entries to read (also `GET /api/audit`'s query).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// One collection (`sites`, `units`, `facilities`, `accounts`, `life_circle`).
    pub collection: Option<String>,
    /// One record of it (a site id, `user:3`, …).
    pub key: Option<String>,
    /// One actor (a login name).
    pub actor: Option<String>,
    /// Records in this planning unit.
    pub unit: Option<String>,
    /// From this time on (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

impl Conn<'_> {
    /// Appends one entry for `edit`'s change of record `key` of `collection`.
    pub async fn audit(
        &mut self,
        edit: &Edit,
        action: &str,
        (collection, key): (&str, &str),
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let units = (!edit.units.is_empty()).then(|| edit.units.join(" "));
        let text = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
        let sql = "INSERT INTO audit (at, actor, action, collection, key, units, before, after,
                                      address, request_id, unconditional)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        let values = vals![
            at,
            &edit.author,
            action,
            collection,
            key,
            units,
            text(before),
            text(after),
            &edit.address,
            &edit.request_id,
            edit.unconditional
        ];
        self.execute(sql, values).await?;
        Ok(())
    }
}

impl Conn<'_> {
    /// Audits `edit`'s `change` of record `key` of the `accounts` collection (`user:3`,
    /// `token:NAME`, `session:LOGIN`…) and logs it, so that every server's access cache
    /// forgets what it resolved.
    pub async fn account_changed(
        &mut self,
        edit: &Edit,
        change: Change,
        key: &str,
        before_after: (Option<serde_json::Value>, Option<serde_json::Value>),
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.account_changed_as(edit, change.as_str(), change, key, before_after, at)
            .await
    }

    /// [`Conn::account_changed`], audited as `action` (`login`, `logout`).
    pub async fn account_changed_as(
        &mut self,
        edit: &Edit,
        action: &str,
        change: Change,
        key: &str,
        (before, after): (Option<serde_json::Value>, Option<serde_json::Value>),
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let record = (Collection::Accounts.as_str(), key);
        self.audit(edit, action, record, before, after, at).await?;
        let note = Logged::write(Collection::Accounts, key, 0, change);
        self.log(note, at, &edit.author).await
    }
}

impl Store {
    /// Audit entries matching `filter`, newest first.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT id, at, actor, action, collection, key, units, before, after, address,
                    request_id, unconditional FROM audit WHERE TRUE",
        );
        let mut values: Vec<Value> = Vec::new();
        let mut and = |clause: &str, value: Value| {
            values.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", values.len())));
        };
        if let Some(c) = &filter.collection {
            and(" AND collection = ?", c.into());
        }
        if let Some(k) = &filter.key {
            and(" AND key = ?", k.into());
        }
        if let Some(a) = &filter.actor {
            and(" AND actor = ?", a.into());
        }
        if let Some(u) = &filter.unit {
            and(
                " AND (' ' || units || ' ') LIKE ?",
                format!("% {u} %").as_str().into(),
            );
        }
        if let Some(t) = filter.since {
            and(" AND at >= ?", t.into());
        }
        if let Some(t) = filter.until {
            and(" AND at < ?", t.into());
        }
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        and(" ORDER BY id DESC LIMIT ?", limit.into());
        self.fetch_all(&sql, values).await
    }
}
