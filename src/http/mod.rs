//! The thin HTTP layer's shared pieces: bodies with limits, query parameters, links, ETags.

pub mod body;
pub mod csv;
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

/// What a write on a versioned record is based on: the version it must find, and whether the
/// client named one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// The version the store must still hold.
    pub version: i64,
    /// No `If-Match` was sent: the change applies to whatever version is current.
    pub unconditional: bool,
}

/// The version a write on a record now at `current` must find: the one `If-Match` names.
///
/// OGC API Features Part 4 lets a client leave `If-Match` out (QGIS and OWSLib never send it);
/// then the change applies to the current version and is recorded as unconditional. With
/// `required` (`lantu serve --require-if-match`) a missing `If-Match` is 428, so no client can
/// overwrite an edit it never saw. A stale `If-Match` is 412 either way.
pub fn expected_version(
    headers: &HeaderMap,
    current: i64,
    required: bool,
) -> Result<Expected, AppError> {
    expected_from(headers.get(IF_MATCH), current, required)
}

/// [`expected_version`] from the `If-Match` value alone.
pub fn expected_from(
    if_match: Option<&axum::http::HeaderValue>,
    current: i64,
    required: bool,
) -> Result<Expected, AppError> {
    let conditional = |version| Expected {
        version,
        unconditional: false,
    };
    let Some(header) = if_match else {
        return match required {
            true => Err(AppError::PreconditionRequired(
                "send If-Match with the ETag you last read (GET the feature first), so edits made since are not overwritten".into(),
            )),
            false => Ok(Expected {
                version: current,
                unconditional: true,
            }),
        };
    };
    let header = header.to_str().map_err(|_| {
        AppError::bad_request("Invalid header", "If-Match", "If-Match must be ASCII")
    })?;
    if if_match_allows(header, current) {
        return Ok(conditional(current));
    }
    // A single ETag for another version: let the store decide, it is the system of record.
    let named = header
        .trim()
        .strip_prefix("\"v")
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|n| n.parse::<i64>().ok());
    match named {
        Some(version) if version > current => Ok(conditional(version)),
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
