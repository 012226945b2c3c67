//! `/tiles/coverage/{category}/{z}/{x}/{y}.mvt`: the homes of the life-circle analysis on the
//! blueprint map, layer `homes`, each with its walking distance to the nearest facility of the
//! category and its band (`covered`, `near` ≤ 1.5×, `far` ≤ 2× the threshold, `beyond`), for a
//! style to colour. Rendered from the cached distances and cached by category and threshold;
//! an edit of a facility drops its category's tiles, so it shows at once. Homes hold no
//! personal data.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::routes::{ThresholdQuery, band, category_and_threshold};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tiles::cache::EncodedTile;
use crate::tiles::math::BUFFER;
use crate::tiles::mvt::{GeometryWriter, Key, LayerWriter, Value};
use crate::tiles::routes::{accepts_gzip, parse_tile, respond};
use crate::tiles::shape::Scratch;
use crate::work::on_pool;
#[allow(unused_imports)] // named in the OpenAPI attribute
use crate::{ogc::contract::Problem, tiles::routes::Mvt};

/// Properties of the `homes` layer.
pub const HOME_KEYS: &[Key] = &[
    Key {
        name: "name",
        repeats: false,
    },
    Key {
        name: "band",
        repeats: true,
    },
    Key {
        name: "distance_m",
        repeats: false,
    },
    Key {
        name: "population",
        repeats: false,
    },
    Key {
        name: "estimated",
        repeats: true,
    },
];

/// The coverage tile route.
pub fn router() -> Router<AppState> {
    Router::new().route("/tiles/coverage/{category}/{z}/{x}/{y}", get(tile))
}

/// Homes by distance band to the nearest facility of a category (layer `homes`).
#[utoipa::path(get, operation_id = "coverage_tile", path = "/tiles/coverage/{category}/{z}/{x}/{y}.mvt", tag = "Tiles",
    params(
        ("category" = String, Path, description = "A catalogue category"),
        ("z" = u32, Path, description = "Zoom"), ("x" = u32, Path, description = "Column"), ("y" = u32, Path, description = "Row"),
        ThresholdQuery,
    ),
    responses(
        (status = 200, description = "The tile", body = Mvt, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "No homes in this tile"),
        (status = 400, description = "Not a tile address, or an unknown category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No walking network is loaded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path((category, z, x, y)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    on_pool(&state.work.tiles, &state, move |state| {
        let tile = parse_tile(&z, &x, &y)?;
        let cache = &state.coverage.tiles;
        // Read before the distances: a tile drawn from distances a facility change replaced
        // meanwhile is not kept.
        let epoch = cache.epoch();
        let (analysis, distances) = category_and_threshold(&state, &category, raw.as_deref())?;
        let gzip_ok = accepts_gzip(&headers);
        // Cached by category and threshold (whole metres); a facility change drops its
        // category's tiles, an import every one (through the applier).
        let layer = (category.clone(), distances.threshold_m.round() as u32);
        if let Some(cached) = cache.get(tile, &layer) {
            return Ok(respond(&cached, true, gzip_ok, &headers));
        }
        let set = &analysis.homes;
        let prepared = set.prepared();
        let mut geometry = GeometryWriter::default();
        let mut scratch = Scratch::default();
        let mut layer_writer = LayerWriter::new("homes", HOME_KEYS);
        for i in set.touching(tile.lon_lat_box(BUFFER + 1)) {
            let (home, d) = (&set.homes[i as usize], distances.homes[i as usize]);
            if home.snap.is_none() {
                continue; // off the network: no distance to show
            }
            if let Some(kind) = prepared[i as usize].encode(tile, &mut geometry, &mut scratch) {
                let values = [
                    home.name.as_deref().map(Value::Str),
                    Some(Value::Str(band(d, distances.threshold_m))),
                    d.is_finite().then(|| Value::Int(d.round() as i64)),
                    Some(Value::Int(home.population.round() as i64)),
                    Some(Value::Str(if home.estimated { "yes" } else { "no" })),
                ];
                layer_writer.feature(home.id as u64, kind, &geometry, &values);
            }
        }
        let mut raw = Vec::with_capacity(layer_writer.bytes() + 64);
        if !layer_writer.is_empty() {
            layer_writer.finish_into(&mut raw);
        }
        let level = if cache.enabled() {
            Some(6)
        } else {
            gzip_ok.then_some(1)
        };
        let encoded = Arc::new(EncodedTile::new(raw, level));
        cache.insert(tile, &layer, encoded.clone(), epoch);
        Ok(respond(&encoded, true, gzip_ok, &headers))
    })
    .await
}
