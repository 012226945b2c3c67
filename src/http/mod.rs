//! The thin HTTP layer's shared pieces: bodies with limits, query parameters, links, ETags.

pub mod body;
pub mod headers;
pub mod links;
pub mod query;
pub mod rate;
pub mod request;

use axum::http::HeaderMap;
use axum::http::header::IF_MATCH;

use serde_json::{Map, Value};

use crate::error::AppError;
use crate::version::if_match_allows;

/// The version a conditional write must find: the one `If-Match` names.
///
/// `If-Match` is required on PUT, PATCH and DELETE (OGC API Features Part 4 with optimistic
/// locking): without it a client could overwrite an edit it never saw.
pub fn expected_version(headers: &HeaderMap, current: i64) -> Result<i64, AppError> {
    let header = headers
        .get(IF_MATCH)
        .ok_or_else(|| {
            AppError::PreconditionRequired(
                "send If-Match with the ETag you last read (GET the feature first), so edits made since are not overwritten".into(),
            )
        })?
        .to_str()
        .map_err(|_| AppError::bad_request("Invalid header", "If-Match", "If-Match must be ASCII"))?;
    if if_match_allows(header, current) {
        return Ok(current);
    }
    // A single ETag for another version: let the store decide, it is the system of record.
    let named = header
        .trim()
        .strip_prefix("\"v")
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|n| n.parse::<i64>().ok());
    match named {
        Some(version) if version > current => Ok(version),
        _ => Err(AppError::PreconditionFailed {
            current,
            given: header.to_string(),
        }),
    }
}

/// The members of a JSON object (`json!({…})` literals only; anything else gives none).
pub fn json_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
