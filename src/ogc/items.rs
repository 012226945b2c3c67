//! What every items endpoint shares: FeatureCollection pages with OGC links, and the
//! conditional-write response headers.

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::contract::{FeatureCollectionType, FeaturePage, Link};
use crate::http::links::BaseUrl;
use crate::http::query::ItemsQuery;
use crate::version::{Audience, etag};

/// The GeoJSON media type (RFC 7946 §12).
pub const GEOJSON: &str = "application/geo+json";

/// A FeatureCollection page with `self`, `next`, `prev` and `collection` links
/// (/req/geojson/content, /req/core/fc-links).
pub fn page<F>(
    base: &BaseUrl,
    collection: &str,
    query: &ItemsQuery,
    features: Vec<F>,
    matched: usize,
) -> FeaturePage<F> {
    let path = format!("/api/collections/{collection}/items");
    let with_offset = |offset: usize| {
        let mut pairs: Vec<(String, String)> = query
            .raw
            .iter()
            .filter(|(k, _)| k != "offset")
            .cloned()
            .collect();
        if offset > 0 {
            pairs.push(("offset".into(), offset.to_string()));
        }
        let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if qs.is_empty() {
            base.at(&path)
        } else {
            base.at(&format!("{path}?{qs}"))
        }
    };
    let returned = features.len();
    let mut links = vec![
        Link::new(with_offset(query.offset), "self", GEOJSON, "This page"),
        Link::new(
            base.at(&format!("/api/collections/{collection}")),
            "collection",
            "application/json",
            "The collection",
        ),
    ];
    if query.offset + returned < matched {
        links.push(Link::new(
            with_offset(query.offset + returned),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if query.offset > 0 {
        links.push(Link::new(
            with_offset(query.offset.saturating_sub(query.limit)),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    FeaturePage {
        kind: FeatureCollectionType::FeatureCollection,
        time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        number_matched: matched,
        number_returned: returned,
        features,
        links,
    }
}

/// An items page as its query asks: GeoJSON, or (`f=csv`) a CSV download named after the
/// collection: `id`, every property any feature has (lists joined by spaces, objects as JSON),
/// and the geometry as WKT. What a caller may not see is not in the page, so not in the CSV.
pub fn items_response<F: Serialize>(query: &ItemsQuery, page: &FeaturePage<F>) -> Response {
    if !query.csv {
        return geojson(StatusCode::OK, page);
    }
    let features: Vec<serde_json::Value> = page
        .features
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for f in &features {
        for key in f["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    };
    let rows: Vec<Vec<String>> = features
        .iter()
        .map(|f| {
            let mut row = vec![cell(&f["id"])];
            row.extend(columns.iter().map(|c| cell(&f["properties"][c])));
            row.push(crate::spatial::write::wkt(&f["geometry"]));
            row
        })
        .collect();
    let mut header: Vec<&str> = vec!["id"];
    header.extend(columns.iter().map(String::as_str));
    header.push("wkt");
    let collection = page
        .links
        .iter()
        .find(|l| l.rel == "collection")
        .and_then(|l| l.href.rsplit('/').next())
        .unwrap_or("items");
    crate::http::csv::download(&format!("{collection}.csv"), &header, &rows)
}

/// A GeoJSON response.
pub fn geojson(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
    response
}

/// The `ETag` a response carries: the version for the team (what `If-Match` names), a hash of
/// the body for the public (a version number would count the drafts in between).
pub fn tag_for(audience: Audience, version: i64, body: &impl Serialize) -> String {
    match audience {
        Audience::Team => etag(version),
        Audience::Public => format!(
            "\"h{:016x}\"",
            xxhash_rust::xxh3::xxh3_64(&serde_json::to_vec(body).unwrap_or_default())
        ),
    }
}

/// A single feature with its `ETag`, and a `Location` when it was just created.
pub fn feature_response(
    status: StatusCode,
    body: &impl Serialize,
    tag: String,
    location: Option<String>,
) -> Response {
    let mut response = geojson(status, body);
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, tag);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}
