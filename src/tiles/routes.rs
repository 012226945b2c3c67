//! `/tiles/blueprint/{z}/{x}/{y}.mvt` and `/tiles/blueprint.json` (TileJSON 3.0).
//!
//! An empty tile is answered `204 No Content`. Tiles carry a strong `ETag` (a hash of the
//! content) and honour `If-None-Match`; they are gzipped when the client accepts it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};

use super::cache::EncodedTile;
use super::math::{BUFFER, MAX_ZOOM, TileId};
use super::mvt::Key;
use super::render::{
    COMPOUND_KEYS, NEED_KEYS, PROJECT_KEYS, SITE_KEYS, STREET_KEYS, UNIT_KEYS, render,
};
use crate::auth::Viewer;
use crate::catalog::{SiteEntry, UnitEntry};
use crate::error::{AppError, AppResult};
use crate::http::links::BaseUrl;
use crate::state::AppState;
use crate::visibility::Visibility;

/// The MVT media type.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// OpenStreetMap's attribution, required wherever its data is shown (ODbL).
pub const ATTRIBUTION: &str =
    "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

/// The tiles' paths and schemas (coverage tiles' included).
pub fn openapi() -> utoipa::openapi::OpenApi {
    TilesApi::openapi()
}

#[derive(OpenApi)]
#[openapi(
    paths(tile, tilejson, crate::coverage::tiles::tile),
    components(schemas(Mvt, TileJson, VectorLayer))
)]
struct TilesApi;

/// A Mapbox Vector Tile (binary).
pub struct Mvt;

impl<'s> utoipa::ToSchema<'s> for Mvt {
    fn schema() -> (
        &'s str,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    ) {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType};
        let binary = ObjectBuilder::new()
            .schema_type(SchemaType::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some(
                "Mapbox Vector Tile 2.1, gzipped when Accept-Encoding allows",
            ));
        ("Mvt", binary.into())
    }
}

/// A layer of the tiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct VectorLayer {
    /// Its name in the tile.
    pub id: &'static str,
    /// What it draws.
    pub description: &'static str,
    /// Its properties and their types.
    #[schema(value_type = Object)]
    pub fields: Value,
}

/// TileJSON 3.0 for the blueprint tiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileJson {
    /// `3.0.0`.
    pub tilejson: &'static str,
    /// The tile set's name.
    pub name: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// `xyz`.
    pub scheme: &'static str,
    /// The tile URL template.
    pub tiles: Vec<String>,
    /// 0.
    pub minzoom: u32,
    /// The deepest zoom.
    pub maxzoom: u32,
    /// west, south, east, north of the units.
    pub bounds: [f64; 4],
    /// longitude, latitude, zoom (an integer, as TileJSON 3.0 asks).
    #[schema(value_type = Vec<f64>)]
    pub center: Center,
    /// OpenStreetMap's, as ODbL requires.
    pub attribution: &'static str,
    /// units, unit_labels, sites.
    pub vector_layers: Vec<VectorLayer>,
}

/// The tile routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles/blueprint/{z}/{x}/{y}", get(tile))
        .route("/tiles/blueprint.json", get(tilejson))
}

/// Whether the client takes gzip (`Accept-Encoding`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

/// Reads a tile address `{z}/{x}/{y}.mvt`.
pub fn parse_tile(z: &str, x: &str, y: &str) -> AppResult<TileId> {
    let bad = |detail: String| {
        AppError::bad_request(
            "Invalid tile address",
            "/tiles/blueprint/{z}/{x}/{y}.mvt",
            detail,
        )
    };
    let y = y
        .strip_suffix(".mvt")
        .ok_or_else(|| bad(format!("the tile must end in .mvt, not \"{y}\"")))?;
    let number = |s: &str, name: &str| {
        s.parse::<u32>()
            .map_err(|_| bad(format!("{name} must be a whole number, not \"{s}\"")))
    };
    TileId::new(number(z, "z")?, number(x, "x")?, number(y, "y")?).map_err(bad)
}

/// A blueprint tile: units, their labels, and the sites the caller may see.
#[utoipa::path(get, operation_id = "blueprint_tile", path = "/tiles/blueprint/{z}/{x}/{y}.mvt", tag = "Tiles",
    params(("z" = u32, Path, description = "Zoom, 0–22"), ("x" = u32, Path, description = "Column"), ("y" = u32, Path, description = "Row")),
    responses(
        (status = 200, description = "The tile; ETag is a hash of its content", body = Mvt, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "Nothing in this tile"),
        (status = 304, description = "Unchanged since the If-None-Match tag"),
        (status = 400, description = "Not a tile address", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tile(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let tile = parse_tile(&z, &x, &y)?;
    let visibility = viewer.visibility();
    let gzip_ok = accepts_gzip(&headers);
    let encoded = match state.tiles.get(tile, &visibility) {
        Some(cached) => cached,
        None => build(&state, tile, visibility.clone(), gzip_ok).await?,
    };
    Ok(respond(&encoded, visibility.is_public(), gzip_ok, &headers))
}

/// Renders a tile for `visibility` from the catalog and caches it under that same visibility,
/// on the tile pool (never on an async worker). The catalog's guard is held only to collect
/// the features; the encoding runs after it is released, so a waiting edit never stalls reads.
async fn build(
    state: &AppState,
    tile: TileId,
    visibility: Visibility,
    gzip_ok: bool,
) -> AppResult<Arc<EncodedTile>> {
    let epoch = state.tiles.epoch();
    // A cached tile is gzipped once, well; an uncached one quickly, and only if asked for.
    let level = if state.tiles.enabled() {
        Some(6)
    } else {
        gzip_ok.then_some(1)
    };
    let encode = {
        let state = state.clone();
        move || {
            let (units, sites) = state
                .catalog()
                .tile_features(tile.lon_lat_box(BUFFER + 1), &visibility);
            let needs = state
                .needs()
                .in_tile(tile.lon_lat_box(BUFFER + 1), &visibility);
            let units: Vec<&UnitEntry> = units.iter().map(|u| &**u).collect();
            let sites: Vec<&SiteEntry> = sites.iter().map(|s| &**s).collect();
            let needs: Vec<&crate::needs::Need> = needs.iter().map(|n| &**n).collect();
            let projects: Vec<(&SiteEntry, Arc<crate::projects::index::ProjectTile>)> = {
                let index = state.projects();
                sites
                    .iter()
                    .flat_map(|s| {
                        index
                            .on_site(s.site.id, &visibility)
                            .into_iter()
                            .map(move |p| (*s, p))
                    })
                    .collect()
            };
            let projects: Vec<(&SiteEntry, &crate::projects::index::ProjectTile)> =
                projects.iter().map(|(s, p)| (*s, &**p)).collect();
            let rect = tile.lon_lat_box(BUFFER + 1);
            let streets = if tile.z >= super::basemap::STREETS_FROM_ZOOM {
                state.streets().touching(rect)
            } else {
                Vec::new()
            };
            let analysis = state
                .coverage
                .analysis()
                .filter(|_| tile.z >= super::basemap::COMPOUNDS_FROM_ZOOM);
            let mut basemap = super::render::Basemap {
                streets: streets.iter().map(|s| &**s).collect(),
                compounds: Vec::new(),
            };
            if let Some(analysis) = &analysis {
                let prepared = analysis.homes.prepared();
                basemap.compounds = analysis
                    .homes
                    .touching(rect)
                    .into_iter()
                    .map(|i| {
                        (
                            analysis.homes.homes[i as usize].name.as_deref(),
                            &prepared[i as usize],
                        )
                    })
                    .collect();
            }
            let encoded = Arc::new(EncodedTile::new(
                render(tile, &units, &sites, &needs, &projects, &basemap),
                level,
            ));
            state
                .tiles
                .insert(tile, &visibility, encoded.clone(), epoch);
            encoded
        }
    };
    state.work.tiles.run(encode).await
}

/// TileJSON's `center`: longitude, latitude and a whole zoom level.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Center(pub f64, pub f64, pub u8);

/// The response for an encoded tile: 204 when empty, 304 on a matching `If-None-Match`, gzip when
/// accepted.
pub fn respond(
    encoded: &EncodedTile,
    public: bool,
    gzip_ok: bool,
    headers: &HeaderMap,
) -> Response {
    // Always revalidate: an edit must show on the next request.
    let cache_control = if public {
        "public, no-cache"
    } else {
        "private, no-cache"
    };
    let mut response = if encoded.raw.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            encoded
                .etag
                .to_str()
                .is_ok_and(|etag| crate::version::if_none_match_hits(v, etag))
        })
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = match (&encoded.gzip, gzip_ok) {
            (Some(gz), true) => {
                let mut r = gz.clone().into_response();
                r.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            _ => encoded.raw.clone().into_response(),
        };
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(MVT));
        response
    };
    let h = response.headers_mut();
    h.insert(ETAG, encoded.etag.clone());
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    h.insert(
        VARY,
        HeaderValue::from_static("Accept-Encoding, Authorization"),
    );
    response
}

fn fields(keys: &[Key]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.name.to_string(), json!("String")))
            .collect(),
    )
}

/// TileJSON 3.0 for the blueprint tiles.
#[utoipa::path(get, operation_id = "blueprint_tilejson", path = "/tiles/blueprint.json", tag = "Tiles",
    responses((status = 200, description = "The tile set", body = TileJson)))]
async fn tilejson(State(state): State<AppState>, base: BaseUrl) -> Response {
    let bounds = state
        .catalog()
        .extent()
        .map_or([-180.0, -85.051_128_78, 180.0, 85.051_128_78], |r| {
            [r.min().x, r.min().y, r.max().x, r.max().y]
        });
    let center = Center(
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        13,
    );
    let body = TileJson {
        tilejson: "3.0.0",
        name: "lantu blueprint 社区蓝图",
        description: "Planning units and micro-renewal sites; drafts only with a token",
        scheme: "xyz",
        tiles: vec![base.at("/tiles/blueprint/{z}/{x}/{y}.mvt")],
        minzoom: 0,
        maxzoom: MAX_ZOOM.into(),
        bounds,
        center,
        attribution: ATTRIBUTION,
        vector_layers: vec![
            VectorLayer {
                id: "compounds",
                description: "Residential compounds (the life circle's homes), from z14",
                fields: fields(COMPOUND_KEYS),
            },
            VectorLayer {
                id: "streets",
                description: "Named streets of the imported OpenStreetMap network, from z13",
                fields: fields(STREET_KEYS),
            },
            VectorLayer {
                id: "units",
                description: "Planning unit boundaries",
                fields: fields(UNIT_KEYS),
            },
            VectorLayer {
                id: "unit_labels",
                description: "A label point per planning unit",
                fields: fields(UNIT_KEYS),
            },
            VectorLayer {
                id: "sites",
                description: "Micro-renewal sites; units is a comma-separated list of codes",
                fields: fields(SITE_KEYS),
            },
            VectorLayer {
                id: "site_labels",
                description: "A label point per area site (polygons), inside its largest part",
                fields: fields(SITE_KEYS),
            },
            VectorLayer {
                id: "needs",
                description: "Residents' needs on the needs list (accepted or answered; planners see all of theirs)",
                fields: fields(NEED_KEYS),
            },
            VectorLayer {
                id: "projects",
                description: "The sites of projects (published ones for the public), by stage; the feature id is the site's",
                fields: fields(PROJECT_KEYS),
            },
        ],
    };
    ([(CACHE_CONTROL, "no-cache")], axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_addresses_need_numbers_in_range_and_the_mvt_suffix() {
        assert!(parse_tile("14", "13718", "6694.mvt").is_ok());
        for (z, x, y) in [
            ("14", "13718", "6694.png"),
            ("23", "0", "0.mvt"),
            ("2", "4", "0.mvt"),
            ("a", "0", "0.mvt"),
            ("3", "-1", "0.mvt"),
        ] {
            let err = parse_tile(z, x, y).unwrap_err();
            assert_eq!(err.problem()["status"], 400, "{z}/{x}/{y}");
        }
    }
}
