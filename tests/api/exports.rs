//! Items as CSV (`f=csv`): what a spreadsheet opens with its Chinese intact (UTF-8 with a
//! byte-order mark), each feature's properties as columns and its geometry as WKT, under the
//! same visibility as the GeoJSON.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, fixture};
use crate::on_both_backends;

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

on_both_backends!(sites_export_as_csv_with_chinese_text_wkt_and_the_same_visibility_as_geojson,);
