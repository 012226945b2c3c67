//! Planning units: import from CSV + GeoJSON, codes in both forms, filters, re-import in place,
//! and the real Putuo data.

use serde_json::json;

use crate::helpers::{Backend, TestApp, fixture_path, shared_data};
use crate::on_both_backends;
use lantu::import::OnRefusal;
use lantu::units::import::import_units;
use lantu::version::Edit;

async fn the_demo_import_merges_the_csv_hierarchy_with_the_geojson_boundaries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let all = app.get("/api/collections/units/items").await;
    assert_eq!(all.json["numberMatched"], 7);
    let east = app.get("/api/collections/units/items/990101002").await;
    let p = &east.json["properties"];
    assert_eq!(
        (p["name_zh"].clone(), p["name_en"].clone()),
        (json!("示范东街道"), json!("Demo East Subdistrict"))
    );
    assert_eq!(
        (
            p["level"].clone(),
            p["parent"].clone(),
            p["population"].clone()
        ),
        (json!("subdistrict"), json!("990101"), json!(61000))
    );
    // 0.035° × 0.06° at 31.25°N: about 3.33 km × 6.65 km.
    let area = p["area_m2"].as_f64().unwrap();
    assert!((area / 1e6 - 22.1).abs() < 0.3, "area {area}");
    let committee = app.get("/api/collections/units/items/990101002001").await;
    assert_eq!(committee.json["geometry"], json!(null));
    assert_eq!(committee.json["properties"]["parent"], "990101002");
}

async fn nine_and_twelve_digit_codes_fetch_the_same_unit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let short = app.get("/api/collections/units/items/990101001").await;
    let long = app.get("/api/collections/units/items/990101001000").await;
    assert_eq!(short.json["id"], "990101001");
    assert_eq!(short.json, long.json);
}

async fn filters_select_units_by_level_parent_unit_and_bbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let codes = |r: crate::helpers::TestResponse| -> Vec<String> {
        r.json["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let base = "/api/collections/units/items";
    assert_eq!(
        codes(app.get(&format!("{base}?level=subdistrict")).await),
        ["990101001", "990101002"]
    );
    assert_eq!(
        codes(app.get(&format!("{base}?parent=990101001")).await),
        ["990101001001", "990101001002"]
    );
    assert_eq!(
        codes(app.get(&format!("{base}?unit=990101002")).await),
        ["990101002", "990101002001", "990101002002"]
    );
    assert_eq!(
        codes(
            app.get(&format!("{base}?bbox=121.43,31.23,121.44,31.24"))
                .await
        ),
        ["990101", "990101002"]
    );
}

async fn reimporting_units_updates_in_place_and_versions_only_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let files = [
        fixture_path("demo/demo_units.csv"),
        fixture_path("demo/demo_units.geojson"),
    ];
    let again = import_units(
        app.store.as_ref(),
        &files,
        &Edit::by("test"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    let report = again.report.unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (0, 0, 7)
    );

    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(
        &renamed,
        "level,code,name,parent_code\nsubdistrict,990101001,示范西街道（更名）,990101\n",
    )
    .unwrap();
    let changed = import_units(
        app.store.as_ref(),
        &[renamed],
        &Edit::by("test"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    let report = changed.report.unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (0, 1, 0)
    );
    let app = app.reload().await;
    assert_eq!(
        app.get("/api/collections/units/items").await.json["numberMatched"],
        7
    );
    let west = app.get("/api/collections/units/items/990101001").await;
    assert_eq!(west.json["properties"]["name_zh"], "示范西街道（更名）");
    // The CSV carried no boundary, so the stored one stays.
    assert_eq!(west.json["geometry"]["type"], "MultiPolygon");
    let history = app
        .get("/api/collections/units/items/990101001/history")
        .await;
    let names: Vec<&str> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name_zh"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["示范西街道", "示范西街道（更名）"]);
}

async fn a_units_file_with_a_bad_row_writes_nothing_and_names_the_row(backend: Backend) {
    let app = TestApp::spawn_empty(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("units.csv");
    std::fs::write(&csv, "level,code,name,parent_code\ndistrict,990101,示范区,990100\nsubdistrict,99010100x,坏代码,990101\ncommittee,990101001001,示范一居委会,990101001\n").unwrap();
    let outcome = import_units(
        app.store.as_ref(),
        std::slice::from_ref(&csv),
        &Edit::by("test"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    assert!(outcome.report.is_none());
    assert_eq!(outcome.refusals.len(), 1);
    assert_eq!(outcome.refusals[0].place, "units.csv row 3");
    assert!(app.store.load_units().await.unwrap().is_empty());
    let skipped = import_units(
        app.store.as_ref(),
        &[csv],
        &Edit::by("test"),
        OnRefusal::SkipInvalid,
    )
    .await
    .unwrap();
    assert_eq!(skipped.report.unwrap().created, 2);
}

async fn a_boundary_whose_code_contradicts_its_name_goes_to_the_named_unit_with_a_note(
    backend: Backend,
) {
    let app = TestApp::spawn_empty(backend).await;
    let files = [
        fixture_path("demo/demo_units.csv"),
        fixture_path("units/subdistricts_with_swapped_codes.geojson"),
    ];
    let outcome = import_units(
        app.store.as_ref(),
        &files,
        &Edit::by("test"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    assert_eq!(outcome.notes.len(), 2, "{:?}", outcome.notes);
    assert!(
        outcome.notes[0].reason.contains(
            "its code 990101002 is 示范东街道 in the hierarchy, but its name is 示范西街道"
        ),
        "{}",
        outcome.notes[0]
    );
    let app = app.reload().await;
    // The west sub-district's boundary lies west of 121.415°E, whatever code the file gave it.
    let west = app
        .get("/api/collections/units/items?bbox=121.39,31.25,121.40,31.26&level=subdistrict")
        .await;
    assert_eq!(west.json["features"][0]["id"], "990101001", "{}", west.json);
}

async fn the_real_putuo_import_serves_ten_subdistricts_and_285_committees(backend: Backend) {
    let Some(shared) = shared_data() else { return };
    let app = TestApp::spawn_empty(backend).await;
    let dir = shared.join("putuo/units");
    let files = ["district.geojson", "subdistricts.geojson", "committees.csv"].map(|f| dir.join(f));
    let outcome = import_units(
        app.store.as_ref(),
        &files,
        &Edit::by("test"),
        OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    assert!(outcome.refusals.is_empty(), "{:?}", outcome.refusals);
    assert_eq!(outcome.report.unwrap().created, 296);
    let app = app.reload().await;
    let subdistricts = app
        .get("/api/collections/units/items?level=subdistrict")
        .await;
    assert_eq!(subdistricts.json["numberMatched"], 10);
    let features = subdistricts.json["features"].as_array().unwrap();
    assert!(
        features
            .iter()
            .all(|f| f["geometry"]["type"] == "MultiPolygon")
    );
    let changshou = features
        .iter()
        .find(|f| f["id"] == "310107015")
        .expect("长寿路街道");
    assert_eq!(changshou["properties"]["name_zh"], "长寿路街道");
    // The source gives 4.04 km² for 长寿路街道.
    let area = changshou["properties"]["area_m2"].as_f64().unwrap() / 1e6;
    assert!((area - 4.04).abs() < 0.05, "area {area} km²");
    let committees = app
        .get("/api/collections/units/items?level=committee&limit=1")
        .await;
    assert_eq!(committees.json["numberMatched"], 285);
    let district = app.get("/api/collections/units/items/310107").await;
    assert_eq!(district.json["properties"]["name_en"], "Putuo District");
    let area = district.json["properties"]["area_m2"].as_f64().unwrap() / 1e6;
    assert!((area - 55.8).abs() < 0.6, "district area {area} km²");
}

on_both_backends!(
    the_demo_import_merges_the_csv_hierarchy_with_the_geojson_boundaries,
    nine_and_twelve_digit_codes_fetch_the_same_unit,
    filters_select_units_by_level_parent_unit_and_bbox,
    reimporting_units_updates_in_place_and_versions_only_what_changed,
    a_units_file_with_a_bad_row_writes_nothing_and_names_the_row,
    a_boundary_whose_code_contradicts_its_name_goes_to_the_named_unit_with_a_note,
    the_real_putuo_import_serves_ten_subdistricts_and_285_committees,
);
