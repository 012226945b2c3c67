//! Request bodies: JSON only, size-limited, parsed strictly before anything is touched.
//!
//! Strict means: no `Content-Encoding` (a gzip body would be a decompression bomb waiting to
//! happen, and we never advertised it), a body cut short is a 400, not a 413, and a key given
//! twice in one object is refused rather than letting the last one win (RFC 8259 §4 leaves
//! duplicates to the reader; `"status": "draft", "status": "published"` must not publish).

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::state::AppState;

/// Media types a feature body may have.
const JSON_TYPES: &[&str] = &[
    "application/geo+json",
    "application/json",
    "application/merge-patch+json",
];

/// The largest body of an analysis question (`/api/coverage/…` POSTs).
pub const QUESTION_LIMIT: usize = 256 * 1024;

/// A JSON body no larger than the configured limit.
pub struct JsonBody(pub Value);

impl JsonBody {
    /// The body as `T` (a typed request: unknown fields refused where `T` says so); 400
    /// naming what is wrong otherwise.
    pub fn parse<T: serde::de::DeserializeOwned>(self) -> crate::error::AppResult<T> {
        serde_json::from_value(self.0)
            .map_err(|e| AppError::bad_request("Malformed request", "", e.to_string()))
    }
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = AppError;

    async fn from_request(
        request: Request<Body>,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Questions (what-if, siting) are small: 1,000 candidates fit in well under 256 KiB.
        // Anyone may ask them, so their bodies are held to that and parsed where they arrive,
        // never queued on the write pool that planners' edits use.
        let question = request.uri().path().starts_with("/api/coverage/");
        let limit = if question {
            state.settings.body_limit.min(QUESTION_LIMIT)
        } else {
            state.settings.body_limit
        };
        let headers = request.headers();
        let media_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        match media_type.as_deref() {
            Some(t) if JSON_TYPES.contains(&t) => {}
            other => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "send the feature as application/geo+json (got {})",
                    other.unwrap_or("no Content-Type")
                )));
            }
        }
        if let Some(encoding) = headers
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
            .filter(|e| e != "identity")
        {
            return Err(AppError::UnsupportedMediaType(format!(
                "Content-Encoding {encoding} is not accepted; send the body uncompressed"
            )));
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(AppError::PayloadTooLarge { limit });
        }
        let deadline = state.settings.body_timeout;
        let bytes =
            tokio::time::timeout(deadline, axum::body::to_bytes(request.into_body(), limit))
                .await
                .map_err(|_| {
                    AppError::RequestTimeout(format!(
                        "the body did not arrive within {} s; send it at once",
                        deadline.as_secs()
                    ))
                })?
                .map_err(|e| read_error(&e, limit))?;
        // Parsing megabytes of coordinates takes tens of milliseconds: off the async workers.
        if !question && bytes.len() > 64 * 1024 {
            return Ok(Self(
                state
                    .work
                    .ingest
                    .run(move || parse_strict(&bytes))
                    .await??,
            ));
        }
        Ok(Self(parse_strict(&bytes)?))
    }
}

/// A raw body (a photo) of at most `limit` bytes that arrives within `deadline`: 413 over the
/// limit (by its `Content-Length` before anything is read), 415 when compressed.
pub async fn raw_bytes(
    headers: &axum::http::HeaderMap,
    body: Body,
    limit: usize,
    deadline: std::time::Duration,
) -> Result<axum::body::Bytes, AppError> {
    if headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.to_str().unwrap_or("?").trim() != "identity")
    {
        return Err(AppError::UnsupportedMediaType(
            "send the body uncompressed (no Content-Encoding)".into(),
        ));
    }
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    tokio::time::timeout(deadline, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| {
            AppError::RequestTimeout(format!(
                "the body did not arrive within {} s; send it at once",
                deadline.as_secs()
            ))
        })?
        .map_err(|e| read_error(&e, limit))
}

/// Over the limit is a 413; anything else (the client stopped sending, the connection broke
/// before `Content-Length` bytes came) is a 400.
fn read_error(err: &axum::Error, limit: usize) -> AppError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return AppError::PayloadTooLarge { limit };
        }
        source = e.source();
    }
    AppError::MalformedJson(format!(
        "the body could not be read to its end ({err}); send the whole body, with a Content-Length that matches it"
    ))
}

/// Parses JSON, refusing duplicate keys.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = StrictValue::deserialize(&mut de).and_then(|v| de.end().map(|()| v.0));
    parsed.map_err(|e| {
        AppError::MalformedJson(format!("{e} (line {}, column {})", e.line(), e.column()))
    })
}

/// A JSON value whose objects have no key twice.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value_seed(Seed)?;
            if object.insert(key.clone(), value).is_some() {
                return Err(de::Error::custom(format!(
                    "the key \"{key}\" appears twice in one object; give each member once"
                )));
            }
        }
        Ok(Value::Object(object))
    }
}

struct Seed;

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = StrictValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_and_named() {
        let err = parse_strict(br#"{"properties": {"status": "draft", "status": "published"}}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("\"status\" appears twice"),
            "{err}"
        );
    }

    #[test]
    fn nested_values_parse_as_serde_json_does() {
        let text = br#"{"a": [1, -2, 3.5, true, null, {"b": "c"}], "d": {}}"#;
        assert_eq!(
            parse_strict(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
    }

    #[test]
    fn trailing_text_after_the_value_is_refused() {
        assert!(parse_strict(br#"{"a": 1} x"#).is_err());
    }
}
