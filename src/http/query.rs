//! Query parameters of the items endpoints (OGC API Features Part 1, /req/core/fc-*).
//!
//! Unknown parameters are refused with 400 (/req/core/query-param-unknown), so a typo such as
//! `levle=subdistrict` is not silently ignored and answered with everything.

use geo::{Rect, coord};

use crate::error::AppError;
use crate::export::Format;
use crate::ogc::filter::{self, Filter, Kind, Lang, Queryables, SortBy};
use crate::spatial::target::Target;

/// Items returned when the client gives no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items one page holds; a larger `limit` is lowered to this (/req/core/fc-limit-response-1).
pub const MAX_LIMIT: usize = 10_000;

/// Parameters every items request may carry.
const COMMON: &[&str] = &["limit", "offset", "bbox", "bbox-crs", "crs", "f"];

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
    /// `f=`: GeoJSON (the default), CSV, GeoPackage or a zipped Shapefile.
    pub format: Format,
    /// `crs=` (OGC API Features Part 2): the CRS the answer's coordinates are in.
    pub crs: Target,
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
    let mut bbox = None;
    let mut bbox_crs = None;
    let mut filter_crs = Target::crs84();
    for (key, value) in &pairs {
        match key.as_str() {
            "filter" => cql = Some(value.as_str()),
            "filter-lang" => lang = Lang::parse(value)?,
            "filter-crs" => filter_crs = target(value, "filter-crs")?,
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
            "bbox" => bbox = Some(value.as_str()),
            "bbox-crs" => bbox_crs = Some(target(value, "bbox-crs")?),
            "crs" => query.crs = target(value, "crs")?,
            "f" => query.format = format(value)?,
            _ => query.filters.push((key.clone(), value.clone())),
        }
    }
    query.bbox = match (bbox, bbox_crs) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(bad_query(
                "bbox-crs",
                "bbox-crs names the CRS of a bbox; give the bbox too",
            ));
        }
        (Some(b), None) => Some(parse_bbox(b)?),
        (Some(b), Some(crs)) if crs.is_crs84() => Some(parse_bbox(b)?),
        (Some(b), Some(crs)) => Some(
            crs.bbox_to_wgs84(bbox_numbers(b)?)
                .map_err(|e| bad_query("bbox", e))?,
        ),
    };
    if let Some(text) = cql {
        let compiled = filter::compile_in(text, lang, queryables, &filter_crs)?;
        query.filter = Filter::and(query.filter.take(), Some(compiled));
    }
    query.raw = pairs;
    Ok(query)
}

/// `crs=` or `bbox-crs=`: a CRS lantu can write and read (Part 2).
pub fn target(value: &str, name: &str) -> Result<Target, AppError> {
    Target::parse(value).map_err(|e| bad_query(name, e))
}

/// `f=`.
pub fn format(value: &str) -> Result<Format, AppError> {
    Format::parse(value).ok_or_else(|| {
        bad_query(
            "f",
            format!("f must be {}, not \"{value}\"", Format::CHOICES),
        )
    })
}

/// The four numbers of a bbox (of six, the heights left out), as given.
fn four_numbers(value: &str) -> Result<[f64; 4], AppError> {
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
    match numbers.as_slice() {
        [a, b, c, d] => Ok([*a, *b, *c, *d]),
        [a, b, _, d, e, _] => Ok([*a, *b, *d, *e]),
        _ => Err(bad_query(
            "bbox",
            format!("bbox must have 4 (or 6) numbers, not {}", numbers.len()),
        )),
    }
}

/// A bbox in another CRS (`bbox-crs`): its lower corner, then its upper, in that CRS's axis
/// order.
fn bbox_numbers(value: &str) -> Result<[f64; 4], AppError> {
    let corners = four_numbers(value)?;
    if corners[0] > corners[2] || corners[1] > corners[3] {
        return Err(bad_query(
            "bbox",
            "a bbox in another CRS is its two corners, lower first, in that CRS's axis order",
        ));
    }
    Ok(corners)
}

/// `minLon,minLat,maxLon,maxLat` (or with heights, 6 numbers) in WGS84.
pub fn parse_bbox(value: &str) -> Result<Rect, AppError> {
    let [x0, y0, x1, y1] = four_numbers(value)?;
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
