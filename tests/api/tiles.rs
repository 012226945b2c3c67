//! Vector tiles: decoded with an independent MVT reader, at several zooms, for the public and
//! for token holders, through the cache and its invalidation.

use std::f64::consts::PI;
use std::io::Read;

use axum::http::{Method, StatusCode};
use geo::{Geometry, Validation};
use mvt_reader::Reader;
use mvt_reader::feature::{Feature, Value as MvtValue};
use serde_json::json;

use crate::helpers::{Backend, TestApp, fixture};
use crate::on_both_backends;

/// The tile holding (lon, lat) at zoom z, by the slippy-map formula (written here, not taken
/// from lantu, so the two can disagree).
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / PI) / 2.0 * n).floor();
    (x as u32, y as u32)
}

/// Where (lon, lat) falls inside tile z/x/y, in MVT units of a 4096 extent.
fn pixel_of(lon: f64, lat: f64, z: u32, x: u32, y: u32) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let px = ((lon + 180.0) / 360.0 * n - f64::from(x)) * 4096.0;
    let py = ((1.0 - lat.to_radians().tan().asinh() / PI) / 2.0 * n - f64::from(y)) * 4096.0;
    (px, py)
}

pub(crate) struct Tile {
    pub(crate) status: StatusCode,
    etag: Option<String>,
    pub(crate) layers: Vec<(String, Vec<Feature>)>,
}

impl Tile {
    pub(crate) fn layer(&self, name: &str) -> &[Feature] {
        self.layers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[])
    }

    fn site(&self, id: i64) -> Option<&Feature> {
        self.layer("sites").iter().find(|f| f.id == Some(id as u64))
    }
}

fn text(feature: &Feature, key: &str) -> String {
    match feature.properties.as_ref().and_then(|p| p.get(key)) {
        Some(MvtValue::String(s)) => s.clone(),
        other => panic!("{key} is {other:?}"),
    }
}

pub(crate) async fn get_tile(app: &TestApp, z: u32, x: u32, y: u32, token: Option<&str>) -> Tile {
    let path = format!("/tiles/blueprint/{z}/{x}/{y}.mvt");
    let (status, headers, bytes) = app.send_raw(Method::GET, &path, token, &[], None).await;
    let etag = headers.get("etag").map(|v| v.to_str().unwrap().to_string());
    let layers = if status == StatusCode::OK {
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/vnd.mapbox-vector-tile"
        );
        let reader = Reader::new(bytes).unwrap_or_else(|e| panic!("{path} does not decode: {e:?}"));
        let names = reader.get_layer_names().unwrap();
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), reader.get_features(i).unwrap()))
            .collect()
    } else {
        Vec::new()
    };
    Tile {
        status,
        etag,
        layers,
    }
}

/// The one point of a Point or one-point MultiPoint (readers differ in which they return).
fn single_point(g: &Geometry<f32>) -> geo::Point<f32> {
    match g {
        Geometry::Point(p) => *p,
        Geometry::MultiPoint(m) if m.0.len() == 1 => m.0[0],
        other => panic!("not one point: {other:?}"),
    }
}

/// Every coordinate of `g` lies in the buffered tile.
fn within_buffer(g: &Geometry<f32>) -> bool {
    use geo::CoordsIter;
    g.coords_iter()
        .all(|c| (-64.0..=4160.0).contains(&c.x) && (-64.0..=4160.0).contains(&c.y))
}

async fn decoded_tiles_hold_the_right_features_with_valid_geometry_at_z10_z14_z18(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let mut garden = fixture("sites/pocket_garden_in_east.geojson");
    garden["properties"]["status"] = json!("published");
    let mut path = fixture("sites/site_crossing_boundary.geojson");
    path["properties"]["status"] = json!("published");
    let (garden_id, _) = app.create_site(&garden).await;
    let (path_id, _) = app.create_site(&path).await;
    let (point_id, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let sites = [
        (garden_id, 121.4305, 31.2504, "pocket_garden"),
        (path_id, 121.412, 31.25, "slow_traffic"),
        (point_id, 121.40, 31.26, "street_corner"),
    ];
    for z in [10, 14, 18] {
        for (id, lon, lat, element_type) in sites {
            let (x, y) = tile_of(lon, lat, z);
            let tile = get_tile(&app, z, x, y, None).await;
            assert_eq!(tile.status, StatusCode::OK, "z{z}");
            let feature = tile
                .site(id)
                .unwrap_or_else(|| panic!("site {id} missing from {z}/{x}/{y}"));
            assert_eq!(text(feature, "element_type"), element_type);
            assert_eq!(text(feature, "status"), "published");
            let g = &feature.geometry;
            assert!(
                within_buffer(g),
                "site {id} at z{z} leaves the buffered tile"
            );
            let g64: Geometry<f64> = geo::Convert::convert(g);
            assert!(
                g64.is_valid(),
                "site {id} at z{z}: {:?}",
                g64.validation_errors()
            );
            match (id == point_id, g) {
                (true, Geometry::Point(_) | Geometry::MultiPoint(_)) => {
                    let p = single_point(g);
                    let (ex, ey) = pixel_of(121.40, 31.26, z, x, y);
                    assert!(
                        (f64::from(p.x()) - ex).abs() <= 1.0
                            && (f64::from(p.y()) - ey).abs() <= 1.0,
                        "z{z}: {p:?} vs ({ex}, {ey})"
                    );
                }
                (true, other) => panic!("the point decoded as {other:?}"),
                (false, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) => {
                    assert_eq!(id, garden_id)
                }
                (false, Geometry::LineString(_) | Geometry::MultiLineString(_)) => {
                    assert_eq!(id, path_id)
                }
                (false, other) => panic!("site {id} decoded as {other:?}"),
            }
        }
    }
    // Units and their labels at z10: the demo district and both sub-districts.
    let (x, y) = tile_of(121.415, 31.25, 10);
    let tile = get_tile(&app, 10, x, y, None).await;
    let mut codes: Vec<String> = tile
        .layer("units")
        .iter()
        .map(|f| text(f, "code"))
        .collect();
    codes.sort();
    assert_eq!(codes, ["990101", "990101001", "990101002"]);
    let labels: Vec<String> = tile
        .layer("unit_labels")
        .iter()
        .map(|f| text(f, "name_zh"))
        .collect();
    assert!(labels.contains(&"示范东街道".to_string()), "{labels:?}");
    for unit in tile.layer("units") {
        let g64: Geometry<f64> = geo::Convert::convert(&unit.geometry);
        assert!(
            g64.is_valid() && within_buffer(&unit.geometry),
            "{}",
            text(unit, "code")
        );
    }
}

async fn an_area_site_across_tile_edges_has_one_label_point_and_points_and_lines_none(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let mut garden = fixture("sites/pocket_garden_in_east.geojson");
    garden["properties"]["status"] = json!("published");
    let (garden_id, _) = app.create_site(&garden).await;
    let (point_id, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    // The garden (121.4300–121.4311°E, 31.2500–31.2509°N) spans several z19 tiles.
    let z = 19;
    let (x0, y1) = tile_of(121.4300, 31.2500, z);
    let (x1, y0) = tile_of(121.4311, 31.2509, z);
    let (mut drawn, mut labels) = (0, Vec::new());
    for x in x0..=x1 {
        for y in y0..=y1 {
            let tile = get_tile(&app, z, x, y, None).await;
            drawn += usize::from(tile.site(garden_id).is_some());
            labels.extend(
                tile.layer("site_labels")
                    .iter()
                    .filter(|f| f.id == Some(garden_id as u64))
                    .map(|f| text(f, "name")),
            );
        }
    }
    assert!(drawn > 1, "the garden crosses tile edges ({drawn} tiles)");
    assert_eq!(labels, ["东区口袋花园"], "one label for the whole garden");
    let (x, y) = tile_of(121.40, 31.26, 16);
    let tile = get_tile(&app, 16, x, y, None).await;
    assert!(tile.site(point_id).is_some());
    assert!(
        tile.layer("site_labels").is_empty(),
        "a point labels itself"
    );
}

async fn a_draft_is_absent_from_every_public_tile_and_present_in_the_token_holders_tile(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let mut draft = fixture("sites/point_in_west.geojson");
    draft["properties"]["status"] = json!("draft");
    let (id, _) = app.create_site(&draft).await;
    for z in [2, 6, 10, 12, 14, 16, 18, 22] {
        let (x, y) = tile_of(121.40, 31.26, z);
        let public = get_tile(&app, z, x, y, None).await;
        assert!(
            public.site(id).is_none(),
            "the draft leaked into public tile {z}/{x}/{y}"
        );
        let editor = get_tile(&app, z, x, y, Some(&app.analyst)).await;
        assert_eq!(
            text(editor.site(id).unwrap_or_else(|| panic!("z{z}")), "status"),
            "draft"
        );
        // Twice, so the second answer comes from the cache, which must keep the views apart.
        assert!(
            get_tile(&app, z, x, y, None).await.site(id).is_none(),
            "cached public tile {z}"
        );
    }
}

async fn a_moved_site_shows_at_its_new_place_on_the_very_next_tile_request_at_z12_and_z16(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let (old, new) = ((121.40, 31.26), (121.47, 31.22));
    let mut before = Vec::new();
    for z in [12, 16] {
        let (ox, oy) = tile_of(old.0, old.1, z);
        let (nx, ny) = tile_of(new.0, new.1, z);
        assert_ne!((ox, oy), (nx, ny), "the move must change tiles at z{z}");
        let old_tile = get_tile(&app, z, ox, oy, None).await;
        assert!(old_tile.site(id).is_some());
        assert!(get_tile(&app, z, nx, ny, None).await.site(id).is_none());
        // Served again from the cache, unchanged.
        assert_eq!(get_tile(&app, z, ox, oy, None).await.etag, old_tile.etag);
        before.push((z, (ox, oy), (nx, ny), old_tile.etag));
    }
    assert!(
        app.state.tiles.usage().0 >= 4,
        "the cache is on and holds the tiles"
    );
    let moved = json!({"geometry": {"type": "Point", "coordinates": [new.0, new.1]}});
    let response = app
        .write_site(Method::PATCH, id, Some(&etag), Some(&moved))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.json);
    for (z, (ox, oy), (nx, ny), old_etag) in before {
        let old_tile = get_tile(&app, z, ox, oy, None).await;
        assert!(
            old_tile.site(id).is_none(),
            "z{z}: the site is still drawn at its old place"
        );
        assert_ne!(old_tile.etag, old_etag);
        let new_tile = get_tile(&app, z, nx, ny, None).await;
        let p = single_point(
            &new_tile
                .site(id)
                .unwrap_or_else(|| panic!("z{z}: not at its new place"))
                .geometry,
        );
        let (ex, ey) = pixel_of(new.0, new.1, z, nx, ny);
        assert!((f64::from(p.x()) - ex).abs() <= 1.0 && (f64::from(p.y()) - ey).abs() <= 1.0);
    }
}

async fn tiles_answer_204_when_empty_400_when_out_of_range_304_when_unchanged_and_gzip_when_asked(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    app.create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    assert_eq!(
        get_tile(&app, 4, 0, 0, None).await.status,
        StatusCode::NO_CONTENT
    );
    for path in [
        "/tiles/blueprint/23/0/0.mvt",
        "/tiles/blueprint/3/8/0.mvt",
        "/tiles/blueprint/3/0/0.png",
        "/tiles/blueprint/x/0/0.mvt",
    ] {
        app.get(path).await.assert_problem(400);
    }
    let (x, y) = tile_of(121.40, 31.26, 14);
    let path = format!("/tiles/blueprint/14/{x}/{y}.mvt");
    let (status, headers, raw) = app.send_raw(Method::GET, &path, None, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers.get("etag").unwrap().to_str().unwrap().to_string();
    let (status, _, body) = app
        .send_raw(Method::GET, &path, None, &[("if-none-match", &etag)], None)
        .await;
    assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    // A weak tag, a list and `*` match too (RFC 9110 §13.1.2).
    for given in [
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_string(),
    ] {
        let (status, _, _) = app
            .send_raw(Method::GET, &path, None, &[("if-none-match", &given)], None)
            .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "If-None-Match: {given}");
    }
    let (status, _, _) = app
        .send_raw(
            Method::GET,
            &path,
            None,
            &[("if-none-match", "\"other\"")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, gz) = app
        .send_raw(
            Method::GET,
            &path,
            None,
            &[("accept-encoding", "gzip, br")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, raw);
}

async fn tilejson_and_style_point_at_this_server_and_its_own_font(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tilejson = app.get("/tiles/blueprint.json").await;
    assert_eq!(tilejson.json["tilejson"], "3.0.0");
    assert!(
        tilejson.json["center"][2].is_u64(),
        "TileJSON 3.0: the centre's zoom is an integer: {}",
        tilejson.json["center"]
    );
    assert_eq!(
        tilejson.json["tiles"][0],
        "http://lantu.test/tiles/blueprint/{z}/{x}/{y}.mvt"
    );
    let layers: Vec<&str> = tilejson.json["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        layers,
        [
            "compounds",
            "streets",
            "units",
            "unit_labels",
            "sites",
            "site_labels",
            "needs",
            "projects"
        ]
    );
    assert!(
        tilejson.json["attribution"]
            .as_str()
            .unwrap()
            .contains("OpenStreetMap")
    );

    let style = app.get("/style.json").await;
    assert_eq!(
        style.json["sources"]["blueprint"]["url"],
        "http://lantu.test/tiles/blueprint.json"
    );
    assert!(style.json.get("glyphs").is_none() && style.json.get("sprite").is_none());
    let faces = style.json["font-faces"]["Noto Sans SC Regular"]
        .as_array()
        .expect("font-faces for the label font");
    assert!(
        faces.len() > 50,
        "the font's subsets are missing: run `npm ci` in web/ ({} faces)",
        faces.len()
    );
    let url = faces[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://lantu.test/fonts/noto-sans-sc/files/") && url.ends_with(".woff2"),
        "{url}"
    );
    let (status, _, font) = app
        .send_raw(
            Method::GET,
            url.trim_start_matches("http://lantu.test"),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&font[..4], b"wOF2");
    for text in serde_json::to_string(&style.json)
        .unwrap()
        .split('"')
        .filter(|s| s.starts_with("http"))
    {
        assert!(
            text.starts_with("http://lantu.test/"),
            "the style names another host: {text}"
        );
    }
}

/// Every site in every tile the public cache holds, with its status property.
fn publicly_cached_sites(app: &TestApp) -> Vec<(u64, String)> {
    let mut found = Vec::new();
    for (_, encoded) in app
        .state
        .tiles
        .held_for(&lantu::visibility::Visibility::Public)
    {
        if encoded.raw.is_empty() {
            continue;
        }
        let reader = Reader::new(encoded.raw.to_vec()).expect("a cached tile decodes");
        let names = reader.get_layer_names().unwrap();
        for (i, name) in names.iter().enumerate() {
            if name == "sites" {
                for f in reader.get_features(i).unwrap() {
                    found.push((f.id.unwrap_or(0), text(&f, "status")));
                }
            }
        }
    }
    found
}

async fn a_draft_never_enters_the_public_tile_cache_whatever_the_order_of_requests(
    backend: Backend,
) {
    use rand::{Rng, SeedableRng};
    let app = TestApp::spawn(backend).await.writing_freely().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261201);
    // Tiles at three zooms around the demo district's east, asked for in a random order by the
    // public and by a token holder, between random creates, status changes and deletes.
    let places = [(121.43, 31.25), (121.425, 31.245), (121.435, 31.255)];
    let tiles: Vec<(u32, u32, u32)> = [12, 14, 16]
        .iter()
        .flat_map(|&z| {
            places
                .iter()
                .map(move |&(lon, lat)| (z, tile_of(lon, lat, z)))
        })
        .map(|(z, (x, y))| (z, x, y))
        .collect();
    let mut live: Vec<(i64, String)> = Vec::new();
    let mut public_tiles_served = 0;
    let mut steps_with_public_sites_cached = 0;
    for step in 0..240 {
        match rng.gen_range(0..10) {
            0..=1 => {
                let (lon, lat) = places[rng.gen_range(0..places.len())];
                let status = if rng.gen_bool(0.5) {
                    "draft"
                } else {
                    "published"
                };
                let site = json!({"type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon + rng.gen_range(-0.002..0.002), lat]},
                    "properties": {"name": format!("站点 {step}"), "element_type": "other", "status": status}});
                live.push(app.create_site(&site).await);
            }
            2 if !live.is_empty() => {
                let i = rng.gen_range(0..live.len());
                let status = if rng.gen_bool(0.5) {
                    "draft"
                } else {
                    "published"
                };
                let (id, etag) = live[i].clone();
                let patch = json!({"properties": {"status": status}});
                let r = app
                    .write_site(Method::PATCH, id, Some(&etag), Some(&patch))
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.json);
                live[i].1 = r.etag();
            }
            3 if !live.is_empty() => {
                let (id, etag) = live.swap_remove(rng.gen_range(0..live.len()));
                let r = app.write_site(Method::DELETE, id, Some(&etag), None).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
            }
            _ => {
                let (z, x, y) = tiles[rng.gen_range(0..tiles.len())];
                let token = rng.gen_bool(0.5).then_some(app.admin.as_str());
                public_tiles_served += usize::from(token.is_none());
                get_tile(&app, z, x, y, token).await;
            }
        }
        let cached = publicly_cached_sites(&app);
        steps_with_public_sites_cached += usize::from(!cached.is_empty());
        for (id, status) in cached {
            assert_eq!(
                status, "published",
                "step {step}: site {id} in the public cache"
            );
            let stored = app.store.find_site(id as i64).await.unwrap();
            assert!(
                stored.is_some_and(|(s, deleted)| !deleted
                    && s.fields.status == lantu::sites::SiteStatus::Published),
                "step {step}: the public cache holds site {id}, which is not published now"
            );
        }
    }
    assert!(
        public_tiles_served > 50,
        "{public_tiles_served} public tiles asked for"
    );
    assert!(
        steps_with_public_sites_cached > 20,
        "the public cache held a site after only {steps_with_public_sites_cached} steps: the test proved little"
    );
}

on_both_backends!(
    the_basemap_holds_the_imported_streets_names_and_compounds_from_street_zoom_up,
    a_draft_never_enters_the_public_tile_cache_whatever_the_order_of_requests,
    decoded_tiles_hold_the_right_features_with_valid_geometry_at_z10_z14_z18,
    an_area_site_across_tile_edges_has_one_label_point_and_points_and_lines_none,
    a_draft_is_absent_from_every_public_tile_and_present_in_the_token_holders_tile,
    a_moved_site_shows_at_its_new_place_on_the_very_next_tile_request_at_z12_and_z16,
    tiles_answer_204_when_empty_400_when_out_of_range_304_when_unchanged_and_gzip_when_asked,
    tilejson_and_style_point_at_this_server_and_its_own_font,
);

/// The value of property `key` of `f`, as text.
fn text_of(f: &Feature, key: &str) -> Option<String> {
    match f.properties.as_ref()?.get(key)? {
        MvtValue::String(s) => Some(s.clone()),
        _ => None,
    }
}

async fn the_basemap_holds_the_imported_streets_names_and_compounds_from_street_zoom_up(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await.following();
    let catalogue = lantu::coverage::Catalogue::parse(lantu::coverage::catalogue::DEFAULT).unwrap();
    // The block's square of streets, named 示范路 on one side, and its compound 示范小区.
    let (x, y) = (
        zoom_tile(121.4003, 31.2502, 16),
        zoom_tile(121.4003, 31.2502, 12),
    );
    assert!(
        get_tile(&app, 16, x.0, x.1, None)
            .await
            .layer("streets")
            .is_empty(),
        "nothing before the import"
    );
    lantu::network::import::import_osm(
        app.store.as_ref(),
        &crate::helpers::fixture_path("network/block_with_kindergarten_and_compound.osm"),
        "block",
        &catalogue,
        &lantu::network::extract::PopulationRule::default(),
    )
    .await
    .unwrap();
    // The running server learns of the import through the change log.
    crate::helpers::eventually("the import reaches the tiles", || {
        let app = &app;
        async move {
            !get_tile(app, 16, x.0, x.1, None)
                .await
                .layer("streets")
                .is_empty()
        }
    })
    .await;
    let tile = get_tile(&app, 16, x.0, x.1, None).await;
    let streets: Vec<Option<String>> = tile
        .layer("streets")
        .iter()
        .map(|f| text_of(f, "name"))
        .collect();
    assert!(streets.contains(&Some("示范路".into())), "{streets:?}");
    let compounds: Vec<Option<String>> = tile
        .layer("compounds")
        .iter()
        .map(|f| text_of(f, "name"))
        .collect();
    assert_eq!(compounds, [Some("示范小区".to_string())]);
    let low = get_tile(&app, 12, y.0, y.1, None).await;
    assert!(
        low.layer("streets").is_empty() && low.layer("compounds").is_empty(),
        "not at z12"
    );
}

fn zoom_tile(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    crate::needs::tile_of(lon, lat, z)
}
