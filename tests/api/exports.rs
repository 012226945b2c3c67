//! Exports: items as CSV (`f=csv`), what a spreadsheet opens with its Chinese intact (UTF-8
//! with a byte-order mark), each feature's properties as columns and its geometry as WKT; as
//! GeoPackage (`f=gpkg`) and zipped Shapefile (`f=shp`) in a chosen CRS (`crs=`), read back by
//! GDAL's own `ogrinfo` (Debian's gdal-bin, which `make test` installs); and GeoJSON in another
//! CRS (OGC API Features Part 2). Every export has the same visibility as the GeoJSON.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, fixture, fixture_path, three_sites};
use crate::on_both_backends;

const GK_120E: &str = "http://www.opengis.net/def/crs/EPSG/0/4549";

async fn csv(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let (status, headers, bytes) = app.send_raw(Method::GET, path, token, &[], None).await;
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        kind,
        String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    )
}

async fn sites_export_as_csv_with_chinese_text_wkt_and_the_same_visibility_as_geojson(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (published, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let draft = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.43, 31.25]},
        "properties": {"name": "草案里的花园, 未公布", "element_type": "pocket_garden", "status": "draft"}});
    let (hidden, _) = app.create_site(&draft).await;

    let (status, kind, text) = csv(&app, "/api/collections/sites/items?f=csv", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[0], "id");
    assert_eq!(*header.last().unwrap(), "wkt");
    assert!(
        header.contains(&"name") && header.contains(&"element_type"),
        "{header:?}"
    );
    assert_eq!(
        lines.len(),
        2,
        "the public reads the published site only: {text}"
    );
    assert!(
        lines[1].starts_with(&format!("{published},")),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("西区街角"), "{}", lines[1]);
    assert!(lines[1].ends_with("POINT (121.4 31.26)"), "{}", lines[1]);
    assert!(!text.contains("草案里的花园"));

    // The planner reads the draft too; a name with a comma is quoted.
    let (_, _, team) = csv(
        &app,
        "/api/collections/sites/items?f=csv",
        Some(&app.planner),
    )
    .await;
    assert!(
        team.contains(&format!("{hidden},\"草案里的花园, 未公布\"")),
        "{team}"
    );
    // The same rows as the GeoJSON, filters and all.
    let (_, _, filtered) = csv(
        &app,
        "/api/collections/sites/items?f=csv&element_type=pocket_garden",
        Some(&app.planner),
    )
    .await;
    assert_eq!(filtered.lines().count(), 2, "{filtered}");
    let refused = app.get("/api/collections/sites/items?f=xml").await;
    assert!(
        refused.assert_problem(400)["detail"]
            .as_str()
            .unwrap()
            .contains("csv")
    );
}

/// One feature as `ogrinfo -al` prints it: its fields (name → value) and its vertices.
#[derive(Debug)]
struct OgrFeature {
    fields: BTreeMap<String, String>,
    vertices: Vec<(f64, f64)>,
}

/// `ogrinfo -ro -al` of `path`: the whole print, and its features.
fn ogrinfo(path: &str) -> (String, Vec<OgrFeature>) {
    let output = Command::new("ogrinfo")
        .args(["-ro", "-al", path])
        .output()
        .expect("ogrinfo is missing: `make test` installs it (apt-get install gdal-bin)");
    let text = String::from_utf8(output.stdout).expect("ogrinfo prints UTF-8");
    assert!(
        output.status.success(),
        "ogrinfo {path} failed: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut features: Vec<OgrFeature> = Vec::new();
    for line in text.lines() {
        if line.starts_with("OGRFeature(") {
            features.push(OgrFeature {
                fields: BTreeMap::new(),
                vertices: Vec::new(),
            });
            continue;
        }
        let Some(feature) = features.last_mut() else {
            continue;
        };
        let trimmed = line.trim_start();
        if let Some((name, value)) = trimmed.split_once(" = ")
            && let Some((name, _kind)) = name.split_once(" (")
        {
            feature.fields.insert(name.to_string(), value.to_string());
        } else if trimmed.starts_with(['P', 'L', 'M']) && trimmed.contains('(') {
            let numbers: String = trimmed
                .chars()
                .map(|c| if c == '(' || c == ')' { ' ' } else { c })
                .collect();
            for pair in numbers.split(',') {
                let xy: Vec<f64> = pair
                    .split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect();
                if let [x, y] = xy[..] {
                    feature.vertices.push((x, y));
                }
            }
        }
    }
    (text, features)
}

async fn download(app: &TestApp, path: &str, dir: &Path, name: &str) -> String {
    let (status, headers, bytes) = app.send_raw(Method::GET, path, None, &[], None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let file = dir.join(name);
    std::fs::write(&file, &bytes).unwrap();
    file.to_str().unwrap().to_string()
}

/// Whether two vertex lists hold the same places (each ring once: a Shapefile winds outer rings
/// clockwise, a GeoPackage keeps GeoJSON's counter-clockwise), within `tolerance` metres.
fn same_places(a: &[(f64, f64)], b: &[(f64, f64)], tolerance: f64) -> bool {
    let near = |p: &(f64, f64), q: &(f64, f64)| {
        (p.0 - q.0).abs() <= tolerance && (p.1 - q.1).abs() <= tolerance
    };
    !a.is_empty()
        && a.iter().all(|p| b.iter().any(|q| near(p, q)))
        && b.iter().all(|q| a.iter().any(|p| near(p, q)))
}

async fn units_from_a_gbk_shapefile_export_as_geopackage_and_shapefile_that_gdal_reads_back_identically(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let source = fixture_path("units/demo_units_cgcs2000_gk120e_gbk.shp");
    app.lantu_ok(
        &["import", "units"],
        &[&source, &fixture_path("demo/demo_units.csv")],
    );
    let app = app.reload().await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = download(
        &app,
        &format!("/api/collections/units/items?f=gpkg&crs={GK_120E}"),
        dir.path(),
        "units.gpkg",
    )
    .await;
    let zip = download(
        &app,
        &format!("/api/collections/units/items?f=shp&crs={GK_120E}"),
        dir.path(),
        "units.zip",
    )
    .await;

    let (gpkg_text, from_gpkg) = ogrinfo(&gpkg);
    let (shp_text, from_shp) = ogrinfo(&format!("/vsizip/{zip}"));
    let (_, original) = ogrinfo(source.to_str().unwrap());
    for text in [&gpkg_text, &shp_text] {
        assert!(
            text.contains("CGCS2000 / 3-degree Gauss-Kruger CM 120E")
                || text.contains("CGCS2000_3_Degree_GK_CM_120E"),
            "GDAL reads the CRS by its name:\n{text}"
        );
        assert!(text.contains("Polygon"), "{text}");
    }
    assert!(
        shp_text.contains("units_epsg4549"),
        "the layer is named for its CRS:\n{shp_text}"
    );
    assert_eq!(
        from_gpkg.len(),
        7,
        "three with boundaries, four without: {gpkg_text}"
    );
    assert_eq!(from_shp.len(), from_gpkg.len(), "{shp_text}");

    let mut with_boundaries = 0;
    for g in &from_gpkg {
        let code = &g.fields["id"];
        let s = from_shp
            .iter()
            .find(|s| &s.fields["id"] == code)
            .unwrap_or_else(|| panic!("unit {code} is missing from the Shapefile:\n{shp_text}"));
        // Every GeoPackage field reads the same in the Shapefile, under its name cut to 10 bytes.
        for (name, value) in &g.fields {
            let short: String = name.chars().take(10).collect();
            let other = &s.fields[&short];
            let same = match (value.parse::<f64>(), other.parse::<f64>()) {
                (Ok(a), Ok(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                _ => value == other,
            };
            assert!(
                same,
                "{code}.{name}: {value} in the GeoPackage, {other} in the Shapefile"
            );
        }
        assert!(
            g.vertices.is_empty() && s.vertices.is_empty()
                || same_places(&g.vertices, &s.vertices, 1e-6),
            "{code}: {:?} vs {:?}",
            g.vertices,
            s.vertices
        );
        if g.vertices.is_empty() {
            continue;
        }
        with_boundaries += 1;
        // And both stand where the bureau's Shapefile put them, Chinese names and all.
        let o = original
            .iter()
            .find(|o| o.fields.get("code") == Some(code))
            .unwrap_or_else(|| panic!("{code} is not in the source"));
        assert_eq!(g.fields["name_zh"], o.fields["name"], "{code}");
        assert!(
            same_places(&g.vertices, &o.vertices, 0.001),
            "{code}: exported {:?}, the source has {:?}",
            g.vertices,
            o.vertices
        );
    }
    assert_eq!(with_boundaries, 3);
    let names: Vec<&str> = from_gpkg
        .iter()
        .map(|g| g.fields["name_zh"].as_str())
        .collect();
    assert!(names.contains(&"示范西街道"), "{names:?}");
}

async fn sites_export_as_one_shapefile_per_shape_kind_and_a_geopackage_without_the_drafts(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (point, line, _draft) = three_sites(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = download(
        &app,
        "/api/collections/sites/items?f=shp",
        dir.path(),
        "sites.zip",
    )
    .await;
    let (text, features) = ogrinfo(&format!("/vsizip/{zip}"));
    assert!(text.contains("Layer name: sites_points"), "{text}");
    assert!(text.contains("Layer name: sites_lines"), "{text}");
    assert!(
        !text.contains("sites_polygons"),
        "the draft polygon is not public:\n{text}"
    );
    let ids: Vec<&str> = features.iter().map(|f| f.fields["id"].as_str()).collect();
    assert_eq!(ids, [point.to_string(), line.to_string()], "{text}");
    assert!(
        text.contains("慢行步道"),
        "UTF-8 names read by the .cpg:\n{text}"
    );
    assert!(
        text.contains("element_ty (String) = slow_traffic"),
        "{text}"
    );
    let walk = features
        .iter()
        .find(|f| f.fields["id"] == line.to_string())
        .unwrap();
    assert_eq!(walk.vertices, [(121.39, 31.25), (121.40, 31.25)]);

    let gpkg = download(
        &app,
        "/api/collections/sites/items?f=gpkg",
        dir.path(),
        "sites.gpkg",
    )
    .await;
    let (text, features) = ogrinfo(&gpkg);
    assert!(
        text.contains("Geometry: Unknown (any)"),
        "points and lines in one layer:\n{text}"
    );
    assert!(text.contains("WGS 84"), "{text}");
    assert_eq!(features.len(), 2, "{text}");
    assert!(!text.contains("pocket_garden"), "{text}");

    // The Shapefile imports back as the sites it holds (`element_ty` read as element_type).
    let unpacked = dir.path().join("unpacked");
    let status = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&zip)
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(status.success());
    let again = TestApp::spawn(backend).await;
    again.lantu_ok(
        &["import", "sites"],
        &[
            &unpacked.join("sites_points.shp"),
            &unpacked.join("sites_lines.shp"),
        ],
    );
    let mut back: Vec<(String, String)> = again
        .stored_sites()
        .await
        .iter()
        .map(|s| {
            (
                s.fields.name.clone(),
                s.fields.element_type.as_str().to_string(),
            )
        })
        .collect();
    back.sort();
    assert_eq!(
        back,
        [
            ("慢行步道".to_string(), "slow_traffic".to_string()),
            ("西区街角".to_string(), "street_corner".to_string())
        ]
    );

    // The planner's export holds the draft, and an unknown CRS is refused by name.
    let (status, _, bytes) = app
        .send_raw(
            Method::GET,
            "/api/collections/sites/items?f=gpkg",
            Some(&app.planner),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let team = dir.path().join("team.gpkg");
    std::fs::write(&team, bytes).unwrap();
    assert_eq!(ogrinfo(team.to_str().unwrap()).1.len(), 3);
    let refused = app
        .get("/api/collections/sites/items?f=gpkg&crs=EPSG:999999")
        .await;
    assert_eq!(refused.assert_problem(400)["pointer"], "?crs");
}

async fn geojson_in_another_crs_follows_its_axis_order_and_names_it_in_content_crs(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (point, _, _) = three_sites(&app).await;
    let plain = app.get("/api/collections/sites/items").await;
    assert_eq!(
        plain.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    // EPSG:4326 is latitude first.
    let lat_first = app
        .get(&format!(
            "/api/collections/sites/items/{point}?crs=http://www.opengis.net/def/crs/EPSG/0/4326"
        ))
        .await;
    assert_eq!(
        lat_first.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/EPSG/0/4326>")
    );
    assert_eq!(
        lat_first.json["geometry"]["coordinates"],
        json!([31.26, 121.4])
    );
    // The Gauss-Krüger zone is northing first; its numbers are the ones PROJ gives (via GDAL).
    let gk = app
        .get(&format!("/api/collections/sites/items?crs={GK_120E}"))
        .await;
    let at = &gk.json["features"][0]["geometry"]["coordinates"];
    let (north, east) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    let output = Command::new("gdaltransform")
        .args(["-s_srs", "EPSG:4326", "-t_srs", "EPSG:4549", "-output_xy"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            // gdaltransform reads EPSG:4326 in GIS order (longitude first).
            child.stdin.take().unwrap().write_all(b"121.4 31.26\n")?;
            child.wait_with_output()
        })
        .expect("gdaltransform is missing: `make test` installs it (gdal-bin)");
    let reference: Vec<f64> = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        (east - reference[0]).abs() < 0.001 && (north - reference[1]).abs() < 0.001,
        "lantu [{north}, {east}], GDAL {reference:?}"
    );
    // A bbox in that CRS, in its axis order, finds the site; one beside it does not.
    let around = format!(
        "{},{},{},{}",
        north - 50.0,
        east - 50.0,
        north + 50.0,
        east + 50.0
    );
    let found = app
        .get(&format!(
            "/api/collections/sites/items?bbox={around}&bbox-crs={GK_120E}"
        ))
        .await;
    assert_eq!(found.json["numberMatched"], 1, "{}", found.json);
    let beside = format!(
        "{},{},{},{}",
        north + 100.0,
        east,
        north + 200.0,
        east + 100.0
    );
    let empty = app
        .get(&format!(
            "/api/collections/sites/items?bbox={beside}&bbox-crs={GK_120E}"
        ))
        .await;
    assert_eq!(empty.json["numberMatched"], 0, "{}", empty.json);
    // A CQL2 geometry in that CRS (filter-crs), in its axis order, finds it too.
    let (n0, e0, n1, e1) = (north - 50.0, east - 50.0, north + 50.0, east + 50.0);
    let square = format!("POLYGON(({n0} {e0},{n0} {e1},{n1} {e1},{n1} {e0},{n0} {e0}))");
    let filtered = app
        .get(&format!(
            "/api/collections/sites/items?filter=S_INTERSECTS(geometry,{})&filter-crs={GK_120E}",
            square.replace(' ', "%20")
        ))
        .await;
    assert_eq!(filtered.json["numberMatched"], 1, "{}", filtered.json);
    let away = format!(
        "S_INTERSECTS(geometry,BBOX({},{},{},{}))",
        n1,
        e0,
        n1 + 100.0,
        e1
    );
    let none = app
        .get(&format!(
            "/api/collections/sites/items?filter={away}&filter-crs={GK_120E}"
        ))
        .await;
    assert_eq!(none.json["numberMatched"], 0, "{}", none.json);
    // Amap's coordinates are offered by name.
    let gcj = app
        .get(&format!("/api/collections/sites/items/{point}?crs=GCJ-02"))
        .await;
    let (x, y) = lantu::spatial::china::wgs84_to_gcj02(121.4, 31.26);
    let at = &gcj.json["geometry"]["coordinates"];
    assert!(
        (at[0].as_f64().unwrap() - x).abs() < 1e-9 && (at[1].as_f64().unwrap() - y).abs() < 1e-9,
        "{at} is not Amap's [{x}, {y}]"
    );
    let collection = app.get("/api/collections/sites").await;
    assert!(
        collection.json["crs"]
            .as_array()
            .unwrap()
            .contains(&json!(GK_120E)),
        "{}",
        collection.json
    );
}

async fn coverage_per_unit_and_the_facilities_export_as_map_files_gdal_reads(backend: Backend) {
    let app = crate::coverage::grid_app(backend).await;
    let table = app.get("/api/coverage/units?category=kindergarten").await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = download(
        &app,
        &format!("/api/coverage/units?category=kindergarten&f=gpkg&crs={GK_120E}"),
        dir.path(),
        "coverage.gpkg",
    )
    .await;
    let (text, features) = ogrinfo(&gpkg);
    assert!(
        text.contains("CGCS2000 / 3-degree Gauss-Kruger CM 120E"),
        "{text}"
    );
    assert!(
        text.contains("Layer name: coverage_kindergarten_subdistrict"),
        "{text}"
    );
    let rows = table.json["units"].as_array().unwrap();
    assert_eq!(features.len(), rows.len(), "{text}");
    for row in rows {
        let code = row["unit"]["code"].as_str().unwrap();
        let f = features.iter().find(|f| f.fields["id"] == code).unwrap();
        assert_eq!(
            f.fields["name_zh"],
            row["unit"]["name_zh"].as_str().unwrap()
        );
        assert_eq!(
            f.fields["homes_covered"],
            row["summary"]["homes_covered"].to_string(),
            "{code}"
        );
        assert!(
            f.vertices
                .iter()
                .all(|(x, _)| (600_000.0..700_000.0).contains(x)),
            "{code}: boundaries in metres east of 120°E: {:?}",
            f.vertices
        );
    }
    let map = app
        .get("/api/coverage/units?category=kindergarten&f=geojson")
        .await;
    assert_eq!(map.json["features"].as_array().unwrap().len(), rows.len());
    assert_eq!(map.json["features"][0]["geometry"]["type"], "MultiPolygon");

    let zip = download(
        &app,
        "/api/facilities?category=kindergarten&f=shp",
        dir.path(),
        "facilities.zip",
    )
    .await;
    let (text, features) = ogrinfo(&format!("/vsizip/{zip}"));
    assert_eq!(features.len(), 1, "{text}");
    assert_eq!(features[0].fields["category"], "kindergarten", "{text}");
    assert!(text.contains("Geometry: Point"), "{text}");
}

async fn projects_export_with_their_sites_one_shapefile_per_kind_and_only_for_whom_may_see_them(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (point, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let (line, _) = app.create_site(&crate::helpers::walkway()).await;
    let body =
        json!({"name": "西区微更新", "element_type": "pocket_garden", "sites": [point, line]});
    let created = app
        .send(
            Method::POST,
            "/api/projects",
            Some(&app.planner),
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert!(created.status.is_success(), "{}", created.json);
    let dir = tempfile::tempdir().unwrap();
    let fetch = |path: &'static str, token: Option<String>, name: &'static str| {
        let app = &app;
        let dir = dir.path().to_path_buf();
        async move {
            let (status, _, bytes) = app
                .send_raw(Method::GET, path, token.as_deref(), &[], None)
                .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            let file = dir.join(name);
            std::fs::write(&file, &bytes).unwrap();
            file.to_str().unwrap().to_string()
        }
    };
    let zip = fetch(
        "/api/projects?f=shp",
        Some(app.planner.clone()),
        "projects.zip",
    )
    .await;
    let (text, features) = ogrinfo(&format!("/vsizip/{zip}"));
    assert!(text.contains("Layer name: projects_points"), "{text}");
    assert!(text.contains("Layer name: projects_lines"), "{text}");
    assert_eq!(
        features.len(),
        2,
        "the project once in each, with its sites of that kind: {text}"
    );
    assert!(
        features.iter().all(|f| f.fields["name"] == "西区微更新"),
        "{text}"
    );
    assert!(
        features.iter().any(|f| f.vertices == [(121.4, 31.26)]),
        "{text}"
    );
    let gpkg = fetch(
        "/api/projects?f=gpkg",
        Some(app.planner.clone()),
        "projects.gpkg",
    )
    .await;
    let (text, features) = ogrinfo(&gpkg);
    assert_eq!(features.len(), 1, "{text}");
    assert!(text.contains("GEOMETRYCOLLECTION"), "{text}");
    // The public sees no draft project, so none is in its file.
    let public = fetch("/api/projects?f=gpkg", None, "public.gpkg").await;
    assert_eq!(ogrinfo(&public).1.len(), 0);
}

on_both_backends!(
    sites_export_as_csv_with_chinese_text_wkt_and_the_same_visibility_as_geojson,
    coverage_per_unit_and_the_facilities_export_as_map_files_gdal_reads,
    projects_export_with_their_sites_one_shapefile_per_kind_and_only_for_whom_may_see_them,
    units_from_a_gbk_shapefile_export_as_geopackage_and_shapefile_that_gdal_reads_back_identically,
    sites_export_as_one_shapefile_per_shape_kind_and_a_geopackage_without_the_drafts,
    geojson_in_another_crs_follows_its_axis_order_and_names_it_in_content_crs,
);
