//! Query parameters of the items endpoints (OGC API Features Part 1, /req/core/fc-*).
//!
//! Unknown parameters are refused with 400 (/req/core/query-param-unknown), so a typo such as
//! `levle=subdistrict` is not silently ignored and answered with everything.

use geo::{Rect, coord};

use crate::error::AppError;
use crate::ogc::filter::{self, Filter, Kind, Lang, Queryables, SortBy};

/// Items returned when the client gives no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items one page holds; a larger `limit` is lowered to this (/req/core/fc-limit-response-1).
pub const MAX_LIMIT: usize = 10_000;

/// Parameters every items request may carry.
const COMMON: &[&str] = &["limit", "offset", "bbox", "bbox-crs", "f"];

/// Filtering (Part 1's `datetime`, Part 3's CQL2) and sorting parameters.
pub const FILTERING: &[&str] = &["datetime", "filter", "filter-lang", "filter-crs", "sortby"];

/// A parsed items query.
#[derive(Debug, Default)]
pub struct ItemsQuery {
    /// Page size.
    pub limit: usize,
    /// Items to skip (from a `next` link).
    pub offset: usize,
    /// Spatial filter in WGS84.
    pub bbox: Option<Rect>,
    /// The collection's own filters, as given.
    pub filters: Vec<(String, String)>,
    /// What `filter`, `datetime` and equality on queryables (`element_type=…`) ask, together.
    pub filter: Option<Filter>,
    /// `sortby`.
    pub sort: SortBy,
    /// Every parameter as given, to rebuild links.
    pub raw: Vec<(String, String)>,
    /// `f=csv`: the page as CSV (UTF-8 with a byte-order mark, geometry as WKT) rather than
    /// GeoJSON.
    pub csv: bool,
}

impl ItemsQuery {
    /// The value of filter `name`, if given.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A 400 for query parameter `name`.
pub fn bad_query(name: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request("Invalid query parameter", format!("?{name}"), detail)
}

/// Splits a raw query string into pairs, refusing repeats.
pub fn pairs(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query("", format!("the query string cannot be read: {e}")))?;
    for (i, (key, _)) in pairs.iter().enumerate() {
        if !allowed.contains(&key.as_str()) {
            return Err(bad_query(
                key,
                format!(
                    "unknown parameter \"{key}\"; this endpoint takes {}",
                    allowed.join(", ")
                ),
            ));
        }
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(bad_query(key, format!("\"{key}\" is given more than once")));
        }
    }
    Ok(pairs)
}

/// Parses an items query whose collection-specific filters are `filters`, and whose
/// `queryables` may be filtered (CQL2, `datetime`, equality as `name=value`) and sorted on.
pub fn parse_items_query(
    raw: Option<&str>,
    filters: &[&str],
    queryables: &Queryables,
) -> Result<ItemsQuery, AppError> {
    let equality: Vec<&str> = queryables
        .properties
        .iter()
        .filter(|q| q.kind != Kind::TextList && !filters.contains(&q.name))
        .map(|q| q.name)
        .collect();
    let allowed: Vec<&str> = COMMON
        .iter()
        .chain(FILTERING)
        .chain(filters)
        .chain(&equality)
        .copied()
        .collect();
    let pairs = pairs(raw, &allowed)?;
    let mut query = ItemsQuery {
        limit: DEFAULT_LIMIT,
        ..Default::default()
    };
    let mut cql = None;
    let mut lang = Lang::Text;
    for (key, value) in &pairs {
        match key.as_str() {
            "filter" => cql = Some(value.as_str()),
            "filter-lang" => lang = Lang::parse(value)?,
            "filter-crs" => {
                if !value.ends_with("/OGC/1.3/CRS84") {
                    return Err(bad_query(
                        "filter-crs",
                        "only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is supported for filter-crs",
                    ));
                }
            }
            "datetime" => {
                let during = filter::datetime(value, queryables)?;
                query.filter = Filter::and(query.filter.take(), Some(during));
            }
            "sortby" => query.sort = SortBy::parse(value, queryables)?,
            name if equality.contains(&name) => {
                let equal = filter::equals(name, value, queryables)?;
                query.filter = Filter::and(query.filter.take(), Some(equal));
            }
            "limit" => {
                let n: usize = value.parse().map_err(|_| {
                    bad_query(
                        "limit",
                        format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}, not \"{value}\""
                        ),
                    )
                })?;
                if n == 0 {
                    return Err(bad_query("limit", "limit must be at least 1"));
                }
                query.limit = n.min(MAX_LIMIT);
            }
            "offset" => {
                query.offset = value.parse().map_err(|_| {
                    bad_query(
                        "offset",
                        format!("offset must be a whole number, not \"{value}\""),
                    )
                })?;
            }
            "bbox" => query.bbox = Some(parse_bbox(value)?),
            "bbox-crs" => {
                if !value.ends_with("/OGC/1.3/CRS84") {
                    return Err(bad_query(
                        "bbox-crs",
                        "only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is supported for bbox-crs",
                    ));
                }
            }
            "f" => match value.as_str() {
                "json" | "geojson" => query.csv = false,
                "csv" => query.csv = true,
                _ => {
                    return Err(bad_query(
                        "f",
                        "f must be json (GeoJSON) or csv (UTF-8 CSV, geometry as WKT)",
                    ));
                }
            },
            _ => query.filters.push((key.clone(), value.clone())),
        }
    }
    if let Some(text) = cql {
        let compiled = filter::compile(text, lang, queryables)?;
        query.filter = Filter::and(query.filter.take(), Some(compiled));
    }
    query.raw = pairs;
    Ok(query)
}

/// `minLon,minLat,maxLon,maxLat` (or with heights, 6 numbers) in WGS84.
pub fn parse_bbox(value: &str) -> Result<Rect, AppError> {
    let numbers: Vec<f64> = value
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            bad_query(
                "bbox",
                format!("bbox must be 4 numbers minLon,minLat,maxLon,maxLat; got \"{value}\""),
            )
        })?;
    let [x0, y0, x1, y1] = match numbers.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => {
            return Err(bad_query(
                "bbox",
                format!("bbox must have 4 (or 6) numbers, not {}", numbers.len()),
            ));
        }
    };
    if [x0, x1].iter().any(|x| !(-180.0..=180.0).contains(x))
        || [y0, y1].iter().any(|y| !(-90.0..=90.0).contains(y))
    {
        return Err(bad_query(
            "bbox",
            "bbox longitudes must lie in -180..180 and latitudes in -90..90",
        ));
    }
    if y0 > y1 {
        return Err(bad_query(
            "bbox",
            "bbox's minimum latitude is above its maximum; the order is minLon,minLat,maxLon,maxLat",
        ));
    }
    if x0 > x1 {
        return Err(bad_query(
            "bbox",
            "bbox crosses the antimeridian (minLon > maxLon), which lantu does not support; split it in two",
        ));
    }
    Ok(Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_above_the_maximum_is_lowered_not_refused() {
        assert_eq!(
            parse_items_query(Some("limit=99999"), &[], &crate::sites::query::QUERYABLES)
                .unwrap()
                .limit,
            MAX_LIMIT
        );
    }

    #[test]
    fn an_unknown_parameter_is_refused_by_name() {
        let queryables = &crate::sites::query::QUERYABLES;
        let err = parse_items_query(Some("levle=subdistrict"), &["level"], queryables).unwrap_err();
        assert_eq!(err.problem()["pointer"], "?levle");
    }

    #[test]
    fn swapped_bbox_latitudes_are_refused() {
        assert!(parse_bbox("121.3,31.3,121.5,31.2").is_err());
        assert!(parse_bbox("121.3,31.2,121.5,31.3").is_ok());
    }
}
