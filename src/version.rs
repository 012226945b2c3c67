//! Versioning shared by every edited collection: nothing is overwritten without a trace.
//!
//! Each write appends a version row (who, when, why, and the full state after the write) and
//! bumps the current row's version; a delete appends a tombstone version.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Who made an edit, why, and from where (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Edit {
    /// The author's id: a user's login name, `token:NAME` for a service token, or `cli:…` for
    /// the command line.
    pub author: String,
    /// The optional reason the author gave.
    pub message: Option<String>,
    /// The client's address, when the edit came over HTTP.
    pub address: Option<String>,
    /// The request's id (`x-request-id`), when the edit came over HTTP.
    pub request_id: Option<String>,
    /// The planning units the edited record falls in, as the policy found them.
    pub units: Vec<String>,
    /// Made without `If-Match`: on whatever version was current.
    pub unconditional: bool,
}

impl Edit {
    /// An edit by `author` with no message.
    pub fn by(author: impl Into<String>) -> Self {
        Self {
            author: author.into(),
            ..Self::default()
        }
    }
}

/// What a version did to its feature (OGC API Features Part 4 operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// First version.
    Create,
    /// Whole feature replaced (PUT, or a re-import that changed it).
    Replace,
    /// Partly updated (PATCH).
    Update,
    /// Tombstone.
    Delete,
}

impl Change {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Replace => "replace",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "create" => Self::Create,
            "replace" => Self::Replace,
            "update" => Self::Update,
            "delete" => Self::Delete,
            other => anyhow::bail!("unknown change kind {other:?} in the versions table"),
        })
    }
}

/// The version a feature is at, and who made it when.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// 1 for a new feature, +1 for each edit.
    pub version: i64,
    /// When the version was committed.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub by: String,
}

/// How a history is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A token holder: every version, its number and its author.
    Team,
    /// The public: no person's name, and versions numbered among those shown (1, 2, 3…), so the
    /// gaps left by draft versions reveal nothing.
    Public,
}

/// The members every history entry adds to its feature's properties.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionStamp {
    /// The version: its number for the team; for the public, its place among the versions
    /// shown (1, 2, 3…), so gaps left by drafts reveal nothing.
    pub version: i64,
    /// What the write did: create, replace, update, delete.
    pub change: Change,
    /// When it was committed.
    pub at: DateTime<Utc>,
    /// Why, in the author's words.
    pub message: Option<String>,
    /// Who made it (the team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl VersionStamp {
    /// The stamp of a version as `audience` sees it; `shown` is its place among the versions
    /// shown, from 1 (the public's numbering).
    pub fn new(
        stamp: &Stamp,
        change: Change,
        message: Option<&str>,
        audience: Audience,
        shown: usize,
    ) -> Self {
        let (version, author) = match audience {
            Audience::Team => (stamp.version, Some(stamp.by.clone())),
            Audience::Public => (shown as i64, None),
        };
        Self {
            version,
            change,
            at: stamp.at,
            message: message.map(str::to_string),
            author,
        }
    }
}

/// The strong ETag for a version (RFC 9110 §8.8.3).
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Whether an `If-Match` header value matches `version` (RFC 9110 §13.1.1, strong comparison).
pub fn if_match_allows(header: &str, version: i64) -> bool {
    let tag = etag(version);
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate == tag)
}

/// Whether an `If-None-Match` header value matches `etag` (RFC 9110 §13.1.2): `*` matches any
/// representation, and tags compare weakly (`W/"x"` matches `"x"`).
pub fn if_none_match_hits(header: &str, etag: &str) -> bool {
    let strong = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let etag = strong(etag);
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || strong(t) == etag)
}

#[cfg(test)]
mod tests {
    #[test]
    fn if_none_match_compares_weakly_and_star_matches_anything() {
        assert!(super::if_none_match_hits("\"h1\"", "\"h1\""));
        assert!(super::if_none_match_hits("W/\"h1\"", "\"h1\""));
        assert!(super::if_none_match_hits("\"a\", W/\"h1\"", "\"h1\""));
        assert!(super::if_none_match_hits("*", "\"h1\""));
        assert!(!super::if_none_match_hits("\"h2\"", "\"h1\""));
    }

    use super::*;

    #[test]
    fn if_match_takes_a_list_or_a_star_but_not_a_weak_tag() {
        assert!(if_match_allows("\"v1\", \"v3\"", 3));
        assert!(if_match_allows("*", 9));
        assert!(!if_match_allows("W/\"v3\"", 3));
        assert!(!if_match_allows("\"v2\"", 3));
    }
}
