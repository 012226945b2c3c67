//! `/tiles/coverage/{category}/{z}/{x}/{y}.mvt`: the homes of the life-circle analysis on the
//! blueprint map, layer `homes`, each with its walking distance to the nearest facility of the
//! category and its band (`covered`, `near` ≤ 1.5×, `far` ≤ 2× the threshold, `beyond`), for a
//! style to colour. Rendered from the cached distances on each request (an edit of a facility
//! shows at once); homes hold no personal data.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::routes::{band, category_and_threshold};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tiles::cache::EncodedTile;
use crate::tiles::math::BUFFER;
use crate::tiles::mvt::{GeometryWriter, Key, LayerWriter, Value};
use crate::tiles::routes::{accepts_gzip, parse_tile, respond};
use crate::tiles::shape::Scratch;
use crate::work::on_pool;

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

async fn tile(
    State(state): State<AppState>,
    Path((category, z, x, y)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    on_pool(&state.work.tiles, &state, move |state| {
        let tile = parse_tile(&z, &x, &y)?;
        let (analysis, distances) = category_and_threshold(&state, &category, raw.as_deref())?;
        let set = &analysis.homes;
        let prepared = set.prepared();
        let mut geometry = GeometryWriter::default();
        let mut scratch = Scratch::default();
        let mut layer = LayerWriter::new("homes", HOME_KEYS);
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
                layer.feature(home.id as u64, kind, &geometry, &values);
            }
        }
        let mut raw = Vec::with_capacity(layer.bytes() + 64);
        if !layer.is_empty() {
            layer.finish_into(&mut raw);
        }
        let gzip_ok = accepts_gzip(&headers);
        let encoded = EncodedTile::new(raw, gzip_ok.then_some(1));
        Ok(respond(&encoded, true, gzip_ok, &headers))
    })
    .await
}
