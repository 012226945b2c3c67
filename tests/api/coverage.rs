//! Life-circle coverage through the HTTP API, on an invented 5 × 5 grid of 100 m streets whose
//! answers are known by hand (fixtures/network/grid_5x5.osm, fixtures/coverage/): one
//! kindergarten at the south-west corner, four homes at 50, 250, 400 and 500 m walks from it,
//! and a fifth far off the network.

use axum::http::{Method, StatusCode};
use lantu::auth::Role;
use lantu::coverage::Catalogue;
use lantu::coverage::import::{PopulationSource, import_facilities, import_homes};
use lantu::import::OnRefusal;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, close_to, eventually, fixture_path};
use crate::on_both_backends;

/// Metres east/north of the grid's south-west corner as lon/lat (the fixture's own formula).
pub fn at(x: f64, y: f64) -> (f64, f64) {
    let lat0 = 31.25_f64;
    (
        121.415 + (x - 200.0) / (111_320.0 * lat0.to_radians().cos()),
        lat0 + (y - 200.0) / 110_574.0,
    )
}

/// The demo district with the grid, its kindergarten and its four homes, loaded as a restart
/// would load them.
pub async fn grid_app(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let catalogue = Catalogue::parse(lantu::coverage::catalogue::DEFAULT).unwrap();
    lantu::network::import::import_osm(
        app.store.as_ref(),
        &fixture_path("network/grid_5x5.osm"),
        "grid",
        &catalogue,
        &lantu::network::extract::PopulationRule::default(),
    )
    .await
    .unwrap();
    let written = import_facilities(
        app.store.as_ref(),
        &catalogue,
        &fixture_path("coverage/grid_kindergarten.geojson"),
        ("kindergarten", "kg"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    assert_eq!(written, Some(1));
    let homes = import_homes(
        app.store.as_ref(),
        &fixture_path("coverage/grid_homes.geojson"),
        "homes",
        &PopulationSource::default(),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    assert_eq!(homes, Some((5, 0)), "five homes, none estimated");
    app.reload().await
}

fn counts(v: &Value) -> (i64, i64, f64, f64) {
    (
        v["homes_total"].as_i64().unwrap(),
        v["homes_covered"].as_i64().unwrap(),
        v["population_total"].as_f64().unwrap(),
        v["population_covered"].as_f64().unwrap(),
    )
}

async fn coverage_per_unit_counts_homes_and_people_within_the_walking_threshold(backend: Backend) {
    let app = grid_app(backend).await;
    let all = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(all.status, StatusCode::OK, "{:#}", all.json);
    assert_eq!(all.json["threshold_m"], 300.0, "GB 50180-2018: 300 m");
    assert_eq!(counts(&all.json), (4, 2, 1000.0, 300.0));
    assert_eq!(
        all.json["homes_off_network"], 1,
        "H5 is 1.8 km from any street"
    );
    // Bands: H1 50 m and H2 250 m covered; H4 400 m near (≤ 450); H3 500 m far (≤ 600).
    let bands: Vec<(String, i64)> = all.json["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["band"].as_str().unwrap().to_string(),
                b["homes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [("covered", 2), ("near", 1), ("far", 1), ("beyond", 0)].map(|(b, n)| (b.to_string(), n))
    );
    let west = app
        .get("/api/coverage?category=kindergarten&unit=990101001")
        .await;
    assert_eq!(counts(&west.json), (2, 1, 500.0, 100.0), "{:#}", west.json);
    assert_eq!(west.json["unit"]["name_zh"], "示范西街道");
    let east = app
        .get("/api/coverage?category=kindergarten&unit=990101002")
        .await;
    assert_eq!(counts(&east.json), (2, 1, 500.0, 200.0));
    // A longer walk: 6 minutes at the elderly 60 m/min is 360 m; at 80 m/min 480 m reaches H4.
    let slow = app
        .get("/api/coverage?category=kindergarten&minutes=6&profile=elderly")
        .await;
    assert_eq!(slow.json["threshold_m"], 360.0);
    assert_eq!(counts(&slow.json).1, 2);
    let brisk = app
        .get("/api/coverage?category=kindergarten&minutes=6")
        .await;
    assert_eq!(counts(&brisk.json), (4, 3, 1000.0, 700.0));
    // The gaps as GeoJSON, with their walking distances.
    let gaps = app
        .get("/api/coverage/uncovered?category=kindergarten")
        .await;
    let mut found: Vec<(String, f64, String)> = gaps.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["name"].as_str().unwrap().to_string(),
                p["distance_m"].as_f64().unwrap(),
                p["band"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(found.len(), 2);
    assert!(
        found[0].0.starts_with("H3") && close_to(found[0].1, 500.0, 0.01),
        "{found:?}"
    );
    assert_eq!(found[0].2, "far");
    assert!(
        found[1].0.starts_with("H4") && close_to(found[1].1, 400.0, 0.01),
        "{found:?}"
    );
}

async fn the_coverage_table_per_unit_gives_each_units_own_answer_as_json_and_csv(backend: Backend) {
    let app = grid_app(backend).await;
    let table = app.get("/api/coverage/units?category=kindergarten").await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.json);
    let units = table.json["units"].as_array().unwrap();
    assert_eq!(units.len(), 2, "the demo district's two sub-districts");
    let mut homes = 0;
    for u in units {
        let code = u["unit"]["code"].as_str().unwrap();
        let one = app
            .get(&format!("/api/coverage?category=kindergarten&unit={code}"))
            .await;
        assert_eq!(counts(&u["summary"]), counts(&one.json), "{code}");
        homes += u["summary"]["homes_total"].as_i64().unwrap();
    }
    let all = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(
        homes,
        all.json["homes_total"].as_i64().unwrap(),
        "every home in one sub-district"
    );
    let (status, headers, bytes) = app
        .send_raw(
            Method::GET,
            "/api/coverage/units.csv?category=kindergarten",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(text.starts_with('\u{feff}'));
    assert!(
        lines[0].starts_with("code,name_zh,name_en,homes_total,homes_covered"),
        "{text}"
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("990101001,示范西街道,"), "{text}");
    app.get("/api/coverage/units?category=kindergarten&level=street")
        .await
        .assert_problem(400);
}

async fn adding_moving_and_deleting_a_facility_changes_coverage_at_once(backend: Backend) {
    let app = grid_app(backend).await;
    let (lon, lat) = at(400.0, 100.0);
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"category": "kindergarten", "name": "东幼儿园"}});
    let body = || Some(feature.to_string().into_bytes());
    let anonymous = app
        .send(Method::POST, "/api/facilities", None, &[], body())
        .await;
    anonymous.assert_problem(401);
    // Facilities are the analysts' (and admins'); a planner appointed to a sub-district
    // draws sites there, not facilities.
    let west = (
        lantu::planners::TeamKind::Subdistrict,
        &["990101001"][..],
        "2020-01-01",
        "2099-12-31",
    );
    let planner = app.person("west.planner", &[Role::Planner], &[west]).await;
    let refused = app
        .send(Method::POST, "/api/facilities", Some(&planner), &[], body())
        .await;
    refused.assert_problem(403);
    let before = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(counts(&before.json).1, 2, "refused writes changed nothing");
    let created = app
        .send(
            Method::POST,
            "/api/facilities",
            Some(&app.planner),
            &[],
            body(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    let after = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(
        counts(&after.json),
        (4, 3, 1000.0, 600.0),
        "H3 is now beside one"
    );
    // Move it to H4's corner: H4 covered instead of H3.
    let (lon, lat) = at(100.0, 300.0);
    let moved = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"category": "kindergarten"}});
    // Facilities are versioned like sites: on a server that requires If-Match, no If-Match,
    // no write; a stale one, 412.
    let app = app.with_settings(|s| s.require_if_match = true).await;
    let blind = app
        .send(
            Method::PUT,
            &format!("/api/facilities/{id}"),
            Some(&app.planner),
            &[],
            Some(moved.to_string().into_bytes()),
        )
        .await;
    blind.assert_problem(428);
    assert_eq!(created.etag(), "\"v1\"");
    let put = app
        .send(
            Method::PUT,
            &format!("/api/facilities/{id}"),
            Some(&app.planner),
            &[("if-match", "\"v1\"")],
            Some(moved.to_string().into_bytes()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:#}", put.json);
    assert_eq!(put.etag(), "\"v2\"");
    assert_eq!(put.json["properties"]["updated_by"], "王规划 planner");
    let stale = app
        .send(
            Method::DELETE,
            &format!("/api/facilities/{id}"),
            Some(&app.planner),
            &[("if-match", "\"v1\"")],
            None,
        )
        .await;
    stale.assert_problem(412);
    let now = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(counts(&now.json), (4, 3, 1000.0, 700.0));
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/facilities/{id}"),
            Some(&app.planner),
            &[("if-match", "\"v2\"")],
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    // The history keeps every version with its author; the public sees no names.
    let history = app
        .get_as(&format!("/api/facilities/{id}/history"), &app.analyst)
        .await;
    let changes: Vec<(Value, Value, Value)> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["version"].clone(),
                p["change"].clone(),
                p["author"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (json!(1), json!("create"), json!("王规划 planner")),
            (json!(2), json!("replace"), json!("王规划 planner")),
            (json!(3), json!("delete"), json!("王规划 planner")),
        ]
    );
    let public = app.get(&format!("/api/facilities/{id}/history")).await;
    assert!(
        !public.json.to_string().contains("王规划"),
        "{}",
        public.json
    );
    let back = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(counts(&back.json), (4, 2, 1000.0, 300.0));
    // A restart reads the same from the store.
    let app = app.reload().await;
    let listed = app.get("/api/facilities?category=kindergarten").await;
    assert_eq!(listed.json["numberReturned"], 1);
}

async fn what_if_and_greedy_siting_count_only_people_not_covered_today(backend: Backend) {
    let app = grid_app(backend).await;
    let near_h4 = at(100.0, 300.0);
    let near_h3 = at(400.0, 100.0);
    let near_h1 = at(0.0, 50.0);
    let off = at(2400.0, 0.0);
    let body = json!({"category": "kindergarten", "candidates": [
        {"lon": near_h1.0, "lat": near_h1.1},
        {"lon": near_h3.0, "lat": near_h3.1},
        {"lon": near_h4.0, "lat": near_h4.1},
        {"lon": off.0, "lat": off.1, "name": "2 km east, off the network"},
    ]});
    let whatif = app
        .send(
            Method::POST,
            "/api/coverage/whatif",
            None,
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(whatif.status, StatusCode::OK, "{:#}", whatif.json);
    let added: Vec<f64> = whatif.json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["population_added"].as_f64().unwrap())
        .collect();
    assert_eq!(added, vec![0.0, 300.0, 400.0, 0.0]);
    assert_eq!(whatif.json["combined"]["population_covered_after"], 1000.0);
    let far = &whatif.json["candidates"][3];
    assert_eq!(
        (far["off_network"].as_bool(), far["snap_m"].is_null()),
        (Some(true), true)
    );
    assert!(
        !whatif.json.to_string().contains("-0.0"),
        "no negative zeros: {}",
        whatif.json
    );
    let mut ask = body.clone();
    ask["k"] = json!(2);
    let suggest = app
        .send(
            Method::POST,
            "/api/coverage/suggest",
            None,
            &[("content-type", "application/json")],
            Some(ask.to_string().into_bytes()),
        )
        .await;
    assert_eq!(suggest.status, StatusCode::OK, "{:#}", suggest.json);
    let picks: Vec<(f64, f64)> = suggest.json["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (p["candidate"]["lon"].as_f64().unwrap() * 1e7).round(),
                p["population_added"].as_f64().unwrap(),
            )
        })
        .collect();
    let id = |lon: f64| (lon * 1e7).round();
    assert_eq!(picks, vec![(id(near_h4.0), 400.0), (id(near_h3.0), 300.0)]);
    assert_eq!(suggest.json["share_population_after"], 1.0);
}

async fn a_draft_site_is_a_candidate_only_for_token_holders(backend: Backend) {
    let app = grid_app(backend).await;
    let (lon, lat) = at(100.0, 300.0);
    let (id, _) = app
        .create_site(&json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "拟建幼儿园", "element_type": "public_facility", "status": "draft"}}))
        .await;
    let body = json!({"category": "kindergarten", "candidates": [{"site": id}]}).to_string();
    let public = app
        .send(
            Method::POST,
            "/api/coverage/whatif",
            None,
            &[("content-type", "application/json")],
            Some(body.clone().into_bytes()),
        )
        .await;
    let problem = public.assert_problem(422);
    assert_eq!(problem["pointer"], "/candidates/0/site");
    let planner = app
        .send(
            Method::POST,
            "/api/coverage/whatif",
            Some(&app.planner),
            &[("content-type", "application/json")],
            Some(body.into_bytes()),
        )
        .await;
    assert_eq!(planner.status, StatusCode::OK, "{:#}", planner.json);
    assert_eq!(planner.json["combined"]["population_added"], 400.0);
}

async fn an_isochrone_follows_the_streets_and_counts_the_people_it_reaches(backend: Backend) {
    let app = grid_app(backend).await;
    let (lon, lat) = at(200.0, 200.0);
    // 1.25 min at 80 m/min = 100 m from the centre: a plus sign of 100 m arms, 20 m each side.
    let iso = app
        .get(&format!(
            "/api/isochrone?lon={lon}&lat={lat}&minutes=1.25&band_m=20"
        ))
        .await;
    assert_eq!(iso.status, StatusCode::OK, "{:#}", iso.json);
    assert_eq!(iso.json["geometry"]["type"], "MultiPolygon");
    let expected = 2.0 * 200.0 * 40.0 - 40.0 * 40.0 + 2.0 * std::f64::consts::PI * 400.0;
    let area = iso.json["properties"]["area_m2"].as_f64().unwrap();
    assert!(close_to(area, expected, 0.01), "{area} vs {expected}");
    assert_eq!(iso.json["properties"]["population"], 0.0);
    // From the kindergarten's corner, 5.5 minutes (440 m) reaches H1, H2 and H4 (400 m), not
    // H3 (500 m).
    let (lon, lat) = at(0.0, 0.0);
    let iso = app
        .get(&format!("/api/isochrone?lon={lon}&lat={lat}&minutes=5.5"))
        .await;
    assert_eq!(iso.json["properties"]["homes"], 3);
    assert_eq!(iso.json["properties"]["population"], 700.0);
}

async fn bad_coverage_questions_get_problems_that_say_what_to_fix(backend: Backend) {
    let app = grid_app(backend).await;
    for (path, status, pointer) in [
        ("/api/coverage", 400, "?category"),
        ("/api/coverage?category=spaceport", 400, "?category"),
        (
            "/api/coverage?category=kindergarten&threshold_m=-5",
            400,
            "?threshold_m",
        ),
        (
            "/api/coverage?category=kindergarten&minutes=10&threshold_m=100",
            400,
            "?minutes",
        ),
        (
            "/api/coverage?category=kindergarten&profile=jogger",
            400,
            "?profile",
        ),
        (
            "/api/coverage?category=kindergarten&colour=red",
            400,
            "?colour",
        ),
        (
            "/api/coverage?category=kindergarten&unit=990101001001",
            422,
            "?unit",
        ),
        ("/api/isochrone?lon=121.415", 400, "?lat"),
        ("/api/isochrone?lon=191&lat=31.25", 400, "?lon"),
        (
            "/api/isochrone?lon=121.415&lat=31.25&minutes=0",
            400,
            "?minutes",
        ),
        (
            "/api/isochrone?lon=121.415&lat=31.25&minutes=60&speed=250",
            400,
            "?minutes",
        ),
        ("/api/isochrone?lon=121.5&lat=31.25&minutes=1", 422, "?lon"),
    ] {
        let r = app.get(path).await;
        let problem = r.assert_problem(status);
        assert_eq!(problem["pointer"], pointer, "{path}: {problem:#}");
    }
    app.get("/api/coverage?category=kindergarten&unit=123456789")
        .await
        .assert_problem(404);
    let post = |body: &str| {
        app.send(
            Method::POST,
            "/api/coverage/whatif",
            None,
            &[("content-type", "application/json")],
            Some(body.as_bytes().to_vec()),
        )
    };
    for (body, pointer) in [
        (r#"{"category": "kindergarten"}"#, "/candidates"),
        (
            r#"{"category": "kindergarten", "candidates": [{"lon": 121.4}]}"#,
            "/candidates/0",
        ),
        (
            r#"{"category": "kindergarten", "candidates": [{"lon": 1, "lat": 1, "x": 2}]}"#,
            "/candidates/0/x",
        ),
        (
            r#"{"category": "nope", "candidates": [{"lon": 1, "lat": 1}]}"#,
            "/category",
        ),
        (
            r#"{"category": "kindergarten", "candidates": [], "speed": 80, "oops": 1}"#,
            "/oops",
        ),
    ] {
        let r = post(body).await;
        assert_eq!(r.assert_problem(400)["pointer"], pointer, "{body}");
    }
    let bad_facility = app
        .send(
            Method::POST,
            "/api/facilities",
            Some(&app.planner),
            &[],
            Some(br#"{"type":"Feature","geometry":{"type":"Point","coordinates":[121.4,95]},"properties":{"category":"kindergarten"}}"#.to_vec()),
        )
        .await;
    bad_facility.assert_problem(422);
    let listed = app.get("/api/facilities").await;
    assert_eq!(
        listed.json["numberReturned"], 1,
        "the refused facility was not stored"
    );
}

async fn without_a_network_coverage_says_to_import_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.get("/api/coverage?category=kindergarten").await;
    let problem = r.assert_problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("lantu import osm")
    );
}

/// The bands of the homes layer in a coverage tile, by home name.
async fn tile_bands(app: &TestApp, path: &str) -> Vec<(String, String)> {
    let (status, _, bytes) = app.send_raw(Method::GET, path, None, &[], None).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let reader = mvt_reader::Reader::new(bytes).unwrap();
    assert_eq!(reader.get_layer_names().unwrap(), vec!["homes".to_string()]);
    let text = |f: &mvt_reader::feature::Feature, k: &str| match f
        .properties
        .as_ref()
        .and_then(|p| p.get(k))
    {
        Some(mvt_reader::feature::Value::String(s)) => s.clone(),
        other => panic!("{k} is {other:?}"),
    };
    let mut bands: Vec<(String, String)> = reader
        .get_features(0)
        .unwrap()
        .iter()
        .map(|f| (text(f, "name")[..2].to_string(), text(f, "band")))
        .collect();
    bands.sort();
    bands
}

async fn all_bands(app: &TestApp, paths: &[String]) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for path in paths {
        all.extend(tile_bands(app, path).await);
    }
    all.sort();
    all.dedup();
    all
}

async fn the_coverage_tile_colours_homes_by_band_and_follows_a_facility_edit(backend: Backend) {
    let app = grid_app(backend).await;
    // The z15 tiles holding the homes (the grid may straddle a tile edge).
    let mut paths: Vec<String> = [(50.0, 0.0), (250.0, 0.0), (400.0, 100.0), (100.0, 300.0)]
        .iter()
        .map(|&(hx, hy)| {
            let (lon, lat) = at(hx, hy);
            let n = f64::from(1u32 << 15);
            let x = ((lon + 180.0) / 360.0 * n).floor();
            let y =
                ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
            format!("/tiles/coverage/kindergarten/15/{x}/{y}.mvt")
        })
        .collect();
    paths.sort();
    paths.dedup();
    let want = |h3: &str| {
        vec![
            ("H1".to_string(), "covered".to_string()),
            ("H2".to_string(), "covered".to_string()),
            ("H3".to_string(), h3.to_string()),
            ("H4".to_string(), "near".to_string()),
        ]
    };
    assert_eq!(all_bands(&app, &paths).await, want("far"));
    let (lon3, lat3) = at(400.0, 100.0);
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon3, lat3]},
        "properties": {"category": "kindergarten"}});
    let created = app
        .send(
            Method::POST,
            "/api/facilities",
            Some(&app.admin),
            &[],
            Some(feature.to_string().into_bytes()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(all_bands(&app, &paths).await, want("covered"));
    app.get(&paths[0].replace("kindergarten", "spaceport"))
        .await
        .assert_problem(400);
}

async fn a_facility_added_on_another_server_reaches_this_ones_cached_coverage_tiles(
    backend: Backend,
) {
    let app = grid_app(backend).await.following();
    let other = app.replica().await;
    let (lon, lat) = at(400.0, 100.0);
    let n = f64::from(1u32 << 15);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    let path = format!("/tiles/coverage/kindergarten/15/{x}/{y}.mvt");
    let h3 = |bands: Vec<(String, String)>| bands.into_iter().find(|(h, _)| h == "H3");
    assert_eq!(
        h3(tile_bands(&app, &path).await),
        Some(("H3".into(), "far".into()))
    );
    assert!(
        app.state.coverage.tiles.usage().0 > 0,
        "the coverage tile is cached, so only an invalidation can change it"
    );
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"category": "kindergarten"}});
    let created = other
        .send(
            Method::POST,
            "/api/facilities",
            Some(&other.admin),
            &[],
            Some(feature.to_string().into_bytes()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    eventually(
        "this server's coverage tile shows the other's facility",
        || async { h3(tile_bands(&app, &path).await) == Some(("H3".into(), "covered".into())) },
    )
    .await;
}

on_both_backends!(
    a_facility_added_on_another_server_reaches_this_ones_cached_coverage_tiles,
    the_coverage_tile_colours_homes_by_band_and_follows_a_facility_edit,
    coverage_per_unit_counts_homes_and_people_within_the_walking_threshold,
    the_coverage_table_per_unit_gives_each_units_own_answer_as_json_and_csv,
    adding_moving_and_deleting_a_facility_changes_coverage_at_once,
    what_if_and_greedy_siting_count_only_people_not_covered_today,
    a_draft_site_is_a_candidate_only_for_token_holders,
    an_isochrone_follows_the_streets_and_counts_the_people_it_reaches,
    bad_coverage_questions_get_problems_that_say_what_to_fix,
    without_a_network_coverage_says_to_import_one,
);
