//! What every items endpoint shares: FeatureCollection pages with OGC links, and the
//! conditional-write response headers.

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::contract::{FeatureCollectionType, FeaturePage, Link};
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::http::links::BaseUrl;
use crate::http::query::ItemsQuery;
use crate::spatial::target::Target;
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

/// An items page as its query asks: GeoJSON in the asked CRS (Part 2, with `Content-Crs`), or
/// a download named after the collection: CSV (`id`, every property any feature has, lists
/// joined by spaces, objects as JSON, and the geometry as WKT), GeoPackage or zipped Shapefile.
/// What a caller may not see is not in the page, so not in any file.
pub fn items_response<F: Serialize>(
    query: &ItemsQuery,
    page: &FeaturePage<F>,
) -> AppResult<Response> {
    if query.format == Format::GeoJson {
        return in_crs(StatusCode::OK, page, &query.crs);
    }
    let features: Vec<serde_json::Value> = page
        .features
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .collect();
    let collection = page
        .links
        .iter()
        .find(|l| l.rel == "collection")
        .and_then(|l| l.href.rsplit('/').next())
        .unwrap_or("items");
    crate::export::download(collection, &features, query.format, &query.crs)
}

/// The CRS a request for one feature asks (`crs=`, Part 2); `f=` may only be json there.
pub fn one_crs(raw: Option<&str>) -> AppResult<Target> {
    let mut crs = Target::crs84();
    for (key, value) in crate::http::query::pairs(raw, &["f", "crs"])? {
        if key == "crs" {
            crs = crate::http::query::target(&value, "crs")?;
        } else if crate::http::query::format(&value)? != Format::GeoJson {
            return Err(crate::http::query::bad_query(
                "f",
                "one feature is GeoJSON; ask the collection's items for a file (f=csv, gpkg or shp)",
            ));
        }
    }
    Ok(crs)
}

/// One feature as a GET answers it: in `crs`, with its `ETag`.
pub fn one_response(body: &impl Serialize, tag: String, crs: &Target) -> AppResult<Response> {
    let mut response = in_crs(StatusCode::OK, body, crs)?;
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, tag);
    }
    Ok(response)
}

/// A GeoJSON feature or collection with its coordinates in `crs`, in that CRS's axis order,
/// and the `Content-Crs` header naming it (Part 2, /req/crs/ogc-crs-header).
pub fn in_crs(status: StatusCode, body: &impl Serialize, crs: &Target) -> AppResult<Response> {
    let mut response = if crs.is_crs84() {
        geojson(status, body)
    } else {
        let mut value = serde_json::to_value(body)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("a feature cannot be written: {e}")))?;
        crate::export::reproject(&mut value, crs)
            .map_err(|e| AppError::bad_request("Cannot write in this CRS", "?crs", e))?;
        geojson(status, &value)
    };
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri)) {
        response.headers_mut().insert("content-crs", v);
    }
    Ok(response)
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
