//! The command line: imports with their row reports, and tokens.

use axum::http::StatusCode;

use crate::helpers::{Backend, TestApp, fixture, fixture_path, lantu_binary, storage_args};
use crate::on_both_backends;

async fn importing_sites_with_one_bad_feature_writes_nothing_and_reports_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = fixture_path("sites/import_one_good_one_unclosed.geojson");
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "sites"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "import_one_good_one_unclosed.geojson feature 1 at /features/1/geometry/coordinates/0"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("ring is not closed"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(app.stored_sites().await.is_empty());

    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args([
            "import",
            "sites",
            "--skip-invalid",
            "--author",
            "规划师导入",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stored = app.stored_sites().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].fields.name.as_str(), stored[0].stamp.by.as_str()),
        ("好点位", "规划师导入")
    );
}

async fn importing_units_prints_progress_and_a_summary(backend: Backend) {
    let app = TestApp::spawn_empty(backend).await;
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "units"])
        .args([
            fixture_path("demo/demo_units.geojson"),
            fixture_path("demo/demo_units.csv"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("reading demo_units.csv: 7/7 done"),
        "{stderr}"
    );
    assert!(
        stderr.contains("imported 7 units (3 with boundaries): 7 created, 0 updated, 0 unchanged"),
        "{stderr}"
    );
    assert_eq!(app.store.load_units().await.unwrap().len(), 7);
}

async fn a_gbk_shapefile_in_cgcs2000_gauss_kruger_imports_with_its_names_at_the_places_its_geojson_gives(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "units"])
        .args([
            fixture_path("units/demo_units_cgcs2000_gk120e_gbk.shp"),
            fixture_path("demo/demo_units.csv"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("text read as GBK (its .cpg)"), "{stderr}");
    units_stand_where_their_geojson_puts_them(&app).await;
}

/// Every demo unit's name and corners (within 1e-7°, 1 cm: PROJ's Gauss-Krüger there and back)
/// as `fixtures/demo/demo_units.geojson` has them.
async fn units_stand_where_their_geojson_puts_them(app: &TestApp) {
    let units = app.store.load_units().await.unwrap();
    let geojson = fixture("demo/demo_units.geojson");
    let mut compared = 0;
    for feature in geojson["features"].as_array().unwrap() {
        let code = feature["properties"]["code"].as_str().unwrap();
        let unit = units
            .iter()
            .find(|u| u.fields.code.to_string() == code)
            .unwrap();
        assert_eq!(
            unit.fields.name_zh,
            feature["properties"]["name"].as_str().unwrap()
        );
        let ring = &unit.fields.geometry.as_ref().unwrap().0[0].exterior().0;
        let want = feature["geometry"]["coordinates"][0].as_array().unwrap();
        for corner in want {
            let (x, y) = (corner[0].as_f64().unwrap(), corner[1].as_f64().unwrap());
            assert!(
                ring.iter()
                    .any(|c| (c.x - x).abs() < 1e-7 && (c.y - y).abs() < 1e-7),
                "{code}: no corner at {x}, {y} in {ring:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 15, "{compared} corners compared");
}
async fn a_geopackage_gdal_wrote_in_cgcs2000_gauss_kruger_imports_its_units_at_their_places(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("bureau.gpkg");
    // GDAL writes the bureau's file, with a second layer beside the boundaries.
    for (layer, extra) in [("boundaries", &[][..]), ("copy", &["-update"][..])] {
        let output = std::process::Command::new("ogr2ogr")
            .args(extra)
            .args(["-f", "GPKG", "-t_srs", "EPSG:4549", "-nln", layer])
            .arg(&gpkg)
            .arg(fixture_path("demo/demo_units.geojson"))
            .output()
            .expect("ogr2ogr is missing: `make test` installs it (apt-get install gdal-bin)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let run = |file: String| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "units"])
            .arg(file)
            .arg(fixture_path("demo/demo_units.csv"))
            .output()
            .unwrap()
    };
    let both = run(gpkg.display().to_string());
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert!(!both.status.success());
    assert!(
        stderr.contains("2 feature layers (boundaries, copy)"),
        "{stderr}"
    );
    assert!(
        app.store.load_units().await.unwrap().is_empty(),
        "nothing written"
    );
    let one = run(format!("{}:boundaries", gpkg.display()));
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert!(one.status.success(), "{stderr}");
    assert!(stderr.contains("layer boundaries, 3 features"), "{stderr}");
    units_stand_where_their_geojson_puts_them(&app).await;
}

async fn a_token_from_the_command_line_lets_its_holder_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["token", "create", "--role", "planner", "--name", "张三"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("lantu_"), "{token}");
    let body = fixture("sites/point_in_west.geojson")
        .to_string()
        .into_bytes();
    let created = app
        .send(
            axum::http::Method::POST,
            "/api/collections/sites/items",
            Some(&token),
            &[],
            Some(body),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["properties"]["created_by"], "张三");
}

async fn an_osm_pbf_import_stores_the_same_network_as_its_xml(backend: Backend) {
    let app = TestApp::spawn_empty(backend).await;
    for (file, source) in [
        (
            "network/block_with_kindergarten_and_compound.osm.pbf",
            "pbf",
        ),
        ("network/block_with_kindergarten_and_compound.osm", "xml"),
    ] {
        let output = lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "osm", "--source", source])
            .arg(fixture_path(file))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("6 nodes, 7 street segments"), "{stderr}");
        assert!(stderr.contains("reading"), "progress is shown: {stderr}");
        assert_eq!(app.store.count_imported(source).await.unwrap(), (1, 1));
    }
    let networks = app.store.load_networks().await.unwrap();
    assert_eq!(networks.len(), 2);
    assert_eq!(
        networks[0].graph, networks[1].graph,
        "the same graph from either format"
    );
}

async fn an_extract_cut_at_its_edge_imports_alike_from_pbf_and_xml_and_says_what_was_clipped_and_left(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let mut reports = Vec::new();
    for (file, source, rules) in [
        ("network/european_centre_complete.osm.pbf", "pbf", &[][..]),
        ("network/european_centre_complete.osm", "xml", &[][..]),
        (
            "network/european_centre_complete.osm",
            "chosen",
            &["--homes", "buildings_in_residential_land"][..],
        ),
    ] {
        let output = lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "osm", "--source", source])
            .args(rules)
            .arg(fixture_path(file))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        reports.push((app.store.count_imported(source).await.unwrap(), stderr));
    }
    let (pbf, xml, chosen) = (&reports[0], &reports[1], &reports[2]);
    assert_eq!(
        pbf.0, xml.0,
        "the same facilities and homes from either format"
    );
    let (_, homes) = xml.0;
    assert_eq!(homes, 6);
    assert_eq!(chosen.0.1, 7, "two building=yes taken, their land left");
    for stderr in [&pbf.1, &xml.1] {
        assert!(stderr.contains("4 relations"), "{stderr}");
        assert!(
            stderr.contains("clipped by the extract's edge, kept with the part inside: large_sports_ground 1, park 2"),
            "{stderr}"
        );
        assert!(
            stderr.contains("homes taken: 4 residential buildings, 0 building=yes in residential land, 2 residential areas with no home building mapped; 2 clipped"),
            "{stderr}"
        );
        assert!(
            stderr.contains("1 residential areas whose buildings are the homes (not counted twice), 2 building=yes in residential land (count them with --homes buildings_in_residential_land)"),
            "{stderr}"
        );
    }
    assert!(
        chosen
            .1
            .contains("2 building=yes in residential land, 1 residential areas"),
        "{}",
        chosen.1
    );
    let refused = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "osm", "--homes", "everything"])
        .arg(fixture_path("network/european_centre_complete.osm"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("buildings_in_residential_land"));
}

async fn an_osm_import_says_what_an_option_or_a_walking_rule_would_change_and_applies_it_when_chosen(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let file = fixture_path("network/helsinki_block_tagged_as_in_europe.osm");
    let run = |args: &[&str]| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "osm"])
            .args(args)
            .arg(&file)
            .output()
            .unwrap()
    };
    let plain = run(&["--source", "plain"]);
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(plain.status.success(), "{stderr}");
    assert!(
        stderr.contains("health_station 1") && stderr.contains("pharmacy 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("left out: 1 that would count as primary_school with --count unlevelled_schools_as_primary"),
        "{stderr}"
    );
    assert!(stderr.contains("--count supermarkets"), "{stderr}");
    let chosen = run(&[
        "--source",
        "chosen",
        "--count",
        "unlevelled_schools_as_primary",
        "--count",
        "supermarkets",
    ]);
    let stderr = String::from_utf8_lossy(&chosen.stderr);
    assert!(chosen.status.success(), "{stderr}");
    assert!(
        stderr.contains("primary_school 1") && stderr.contains("fresh_food_market 1"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("left out: 1 that would count as primary_school"),
        "{stderr}"
    );
    // Walking rules: by default the cycleway (and the steps past it) are not reached; chosen,
    // the cycleway is walked, and the step-free profile leaves the steps out, each said.
    assert!(String::from_utf8_lossy(&plain.stderr).contains("3 nodes, 2 street segments"));
    let walked = run(&["--source", "walked", "--walk", "cycleways"]);
    let stderr = String::from_utf8_lossy(&walked.stderr);
    assert!(stderr.contains("5 nodes, 4 street segments"), "{stderr}");
    assert!(
        stderr.contains("walking rule cycleways: 1 ways"),
        "{stderr}"
    );
    let step_free = run(&[
        "--source",
        "step-free",
        "--walk",
        "cycleways",
        "--walk",
        "step_free",
    ]);
    let stderr = String::from_utf8_lossy(&step_free.stderr);
    assert!(stderr.contains("4 nodes, 3 street segments"), "{stderr}");
    assert!(
        stderr.contains("walking rule step_free: 1 ways"),
        "{stderr}"
    );
    let lifts = run(&["--source", "lifts", "--walk", "lifts"]);
    assert!(!lifts.status.success());
    assert!(String::from_utf8_lossy(&lifts.stderr).contains("no walking rule lifts"));
    let refused = run(&["--source", "bad", "--count", "everything"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("no catalogue option everything") && stderr.contains("supermarkets"),
        "{stderr}"
    );
}

async fn an_amap_csv_of_kindergartens_imports_at_their_wgs84_places_and_a_bad_row_is_named(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let csv = fixture_path("coverage/amap_kindergartens_gcj02.csv");
    let run = |args: &[&str]| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "facilities", "--category", "kindergarten"])
            .args(args)
            .arg(&csv)
            .output()
            .unwrap()
    };
    // A CSV names no coordinate system: the import asks for one.
    let unnamed = run(&[]);
    assert!(!unnamed.status.success());
    assert!(String::from_utf8_lossy(&unnamed.stderr).contains("--crs"));
    // Its second row has no number for lng: refused by row, nothing written.
    let strict = run(&["--crs", "GCJ-02"]);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(!strict.status.success(), "{stderr}");
    // Named by its row as a spreadsheet shows it: the header is row 1, the bad row row 3.
    assert!(
        stderr.contains("amap_kindergartens_gcj02.csv row 3"),
        "{stderr}"
    );
    assert!(app.store.load_facilities().await.unwrap().is_empty());
    // Skipping it, the good row lands where WGS84 has it: Amap's GCJ-02 offset taken off.
    let skipped = run(&["--crs", "GCJ-02", "--skip-invalid"]);
    assert!(
        skipped.status.success(),
        "{}",
        String::from_utf8_lossy(&skipped.stderr)
    );
    let stored = app.store.load_facilities().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name.as_deref(), Some("花溪幼儿园"));
    let (lon, lat) = (stored[0].position.x(), stored[0].position.y());
    assert!(
        (lon - 121.40).abs() < 1e-8 && (lat - 31.26).abs() < 1e-8,
        "{lon}, {lat}"
    );
}

async fn a_unit_table_with_wkt_boundaries_in_gauss_kruger_imports_its_units_at_their_places(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let gk = lantu::spatial::target::Target::parse("EPSG:4549")
        .unwrap()
        .from_wgs84()
        .unwrap();
    // demo_units.csv with each boundary of demo_units.geojson as WKT in metres, one column more.
    let boundaries = fixture("demo/demo_units.geojson");
    let wkt_of = |code: &str| -> String {
        let Some(feature) = boundaries["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == code)
        else {
            return String::new();
        };
        let ring: Vec<String> = feature["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let (x, y) = gk
                    .position(c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
                    .unwrap();
                format!("{x} {y}")
            })
            .collect();
        format!("\"POLYGON (({}))\"", ring.join(", "))
    };
    let table = std::fs::read_to_string(fixture_path("demo/demo_units.csv")).unwrap();
    let mut lines = table.lines();
    let mut csv = format!("{},wkt\n", lines.next().unwrap());
    for line in lines {
        let code = line.split(',').nth(1).unwrap();
        csv.push_str(&format!("{line},{}\n", wkt_of(code)));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("units_gk.csv");
    std::fs::write(&file, csv).unwrap();
    let run = |crs: &[&str]| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "units"])
            .args(crs)
            .arg(&file)
            .output()
            .unwrap()
    };
    let unnamed = run(&[]);
    assert!(!unnamed.status.success());
    assert!(String::from_utf8_lossy(&unnamed.stderr).contains("--crs"));
    let named = run(&["--crs", "EPSG:4549"]);
    assert!(
        named.status.success(),
        "{}",
        String::from_utf8_lossy(&named.stderr)
    );
    units_stand_where_their_geojson_puts_them(&app).await;
}

async fn a_dry_run_reports_what_an_import_would_write_or_refuse_and_writes_nothing(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let run = |file: &str| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "sites", "--dry-run"])
            .arg(fixture_path(file))
            .output()
            .unwrap()
    };
    let good = run("sites/point_in_west.geojson");
    let stderr = String::from_utf8_lossy(&good.stderr);
    assert!(good.status.success(), "{stderr}");
    assert!(
        stderr.contains("--dry-run: 1 sites read, none refused; nothing was written"),
        "{stderr}"
    );
    let bad = run("sites/import_one_good_one_unclosed.geojson");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "{stderr}");
    assert!(stderr.contains("ring is not closed"), "{stderr}");
    assert!(
        stderr.contains("1 sites would be refused (above) and 1 written with --skip-invalid"),
        "{stderr}"
    );
    assert!(
        app.stored_sites().await.is_empty(),
        "a dry run writes nothing"
    );
}

async fn a_gbk_spreadsheet_of_sites_as_wkt_in_gauss_kruger_and_facilities_in_survey_order_import_at_their_places(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let gk = lantu::spatial::target::Target::parse("EPSG:4549")
        .unwrap()
        .from_wgs84()
        .unwrap();
    let (e0, n0) = gk.position(121.40, 31.26).unwrap();
    let (e1, n1) = gk.position(121.4005, 31.2605).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Sites as Excel in China saves them: GBK, a WKT column in metres (easting first, as WKT is).
    let text = format!(
        "name,element_type,status,wkt\r\n\
         街角花园,pocket_garden,published,\"POLYGON (({e0} {n0}, {e1} {n0}, {e1} {n1}, {e0} {n1}, {e0} {n0}))\"\r\n\
         路口,street_corner,published,POINT ({e0} {n0})\r\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let sites = dir.path().join("sites_gk.csv");
    std::fs::write(&sites, &gbk).unwrap();
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "sites", "--crs", "EPSG:4549"])
        .arg(&sites)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("text read as GBK"), "{stderr}");
    let stored = app.stored_sites().await;
    let garden = stored.iter().find(|s| s.fields.name == "街角花园").unwrap();
    // Its corners (e0, n0) and (e1, n1) are where the metres were taken from.
    let corners: Vec<geo::Coord> = geo::CoordsIter::coords_iter(&garden.fields.geometry).collect();
    for (lon, lat) in [(121.40, 31.26), (121.4005, 31.2605)] {
        assert!(
            corners
                .iter()
                .any(|c| (c.x - lon).abs() < 1e-8 && (c.y - lat).abs() < 1e-8),
            "no corner at {lon}, {lat}: {corners:?}"
        );
    }
    assert!(stored.iter().any(|s| s.fields.name == "路口"));
    // A row whose WKT does not read is refused by its row, saying why.
    let broken = dir.path().join("broken.csv");
    std::fs::write(
        &broken,
        "name,element_type,wkt\n断点,pocket_garden,\"POLYGON ((1 2, 3\"\n",
    )
    .unwrap();
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "sites", "--crs", "EPSG:4549"])
        .arg(&broken)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("broken.csv row 2"), "{stderr}");
    assert!(stderr.contains("not WKT"), "{stderr}");

    // A bureau's table of points names northing X and easting Y.
    let facilities = dir.path().join("clinics_gk.csv");
    std::fs::write(
        &facilities,
        format!("name,X,Y\n社区卫生服务中心,{n0},{e0}\n"),
    )
    .unwrap();
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args([
            "import",
            "facilities",
            "--category",
            "health_station",
            "--crs",
            "EPSG:4549",
        ])
        .arg(&facilities)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("Chinese survey order"), "{stderr}");
    let stored = app.store.load_facilities().await.unwrap();
    let (lon, lat) = (stored[0].position.x(), stored[0].position.y());
    assert!(
        (lon - 121.40).abs() < 1e-8 && (lat - 31.26).abs() < 1e-8,
        "{lon}, {lat}"
    );
}

async fn facility_and_home_imports_refuse_what_they_cannot_place_and_flag_estimates(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let kindergartens = fixture_path("coverage/grid_kindergarten.geojson");
    let output = lantu_binary()
        .args(storage_args(&app.storage))
        .args(["import", "facilities", "--category", "spaceport"])
        .arg(&kindergartens)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("spaceport is not in the catalogue") && stderr.contains("kindergarten"),
        "{stderr}"
    );
    assert!(app.store.load_facilities().await.unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let homes = dir.path().join("homes.geojson");
    let square = |x: f64| serde_json::json!({"type": "Polygon", "coordinates": [[[x, 31.25], [x + 0.001, 31.25], [x + 0.001, 31.251], [x, 31.251], [x, 31.25]]]});
    let write = |features: serde_json::Value| {
        std::fs::write(
            &homes,
            serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
        )
        .unwrap();
    };
    write(serde_json::json!([
        {"type": "Feature", "properties": {"name": "表中小区"}, "geometry": square(121.40)},
        {"type": "Feature", "properties": {"name": "估算小区"}, "geometry": square(121.41)},
        {"type": "Feature", "properties": {"name": "无人口点"}, "geometry": {"type": "Point", "coordinates": [121.42, 31.25]}},
    ]));
    let table = dir.path().join("population.csv");
    std::fs::write(&table, "name,population\n表中小区,1234\n").unwrap();
    let import = |extra: &[&str]| {
        lantu_binary()
            .args(storage_args(&app.storage))
            .args(["import", "homes"])
            .arg(&homes)
            .arg("--population-table")
            .arg(&table)
            .args(extra)
            .output()
            .unwrap()
    };
    let output = import(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("homes.geojson feature 2") && stderr.contains("needs its population"),
        "{stderr}"
    );
    assert!(
        app.store.load_homes().await.unwrap().is_empty(),
        "nothing written"
    );
    let output = import(&["--skip-invalid", "--m2-per-person", "40"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 from the table, 1 estimated") && stderr.contains("40 m² per person"),
        "{stderr}"
    );
    let mut stored: Vec<(String, f64, bool)> = app
        .store
        .load_homes()
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.name.unwrap(), h.population, h.estimated))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!((stored[0].0.as_str(), stored[0].2), ("估算小区", true));
    // 0.001° × 0.001° at 31.25° N is about 95.2 m × 110.9 m; × FAR 2 ÷ 40 m² ≈ 528 people.
    assert!((stored[0].1 - 528.0).abs() < 6.0, "{stored:?}");
    assert_eq!(stored[1], ("表中小区".to_string(), 1234.0, false));
}

on_both_backends!(
    an_osm_pbf_import_stores_the_same_network_as_its_xml,
    an_extract_cut_at_its_edge_imports_alike_from_pbf_and_xml_and_says_what_was_clipped_and_left,
    an_osm_import_says_what_an_option_or_a_walking_rule_would_change_and_applies_it_when_chosen,
    facility_and_home_imports_refuse_what_they_cannot_place_and_flag_estimates,
    an_amap_csv_of_kindergartens_imports_at_their_wgs84_places_and_a_bad_row_is_named,
    importing_sites_with_one_bad_feature_writes_nothing_and_reports_it,
    importing_units_prints_progress_and_a_summary,
    a_gbk_shapefile_in_cgcs2000_gauss_kruger_imports_with_its_names_at_the_places_its_geojson_gives,
    a_unit_table_with_wkt_boundaries_in_gauss_kruger_imports_its_units_at_their_places,
    a_dry_run_reports_what_an_import_would_write_or_refuse_and_writes_nothing,
    a_gbk_spreadsheet_of_sites_as_wkt_in_gauss_kruger_and_facilities_in_survey_order_import_at_their_places,
    a_geopackage_gdal_wrote_in_cgcs2000_gauss_kruger_imports_its_units_at_their_places,
    a_token_from_the_command_line_lets_its_holder_write,
);
