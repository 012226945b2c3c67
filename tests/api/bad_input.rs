//! Bad input gets a clear 4xx problem naming what is wrong and where, and changes nothing.

use axum::http::Method;
use serde_json::json;

use crate::helpers::{Backend, TEST_BODY_LIMIT, TestApp, fixture, fixture_path};
use crate::on_both_backends;

/// Each bad fixture, the status it must get, and the pointer the problem must name.
const BAD_FEATURES: &[(&str, u16, &str)] = &[
    ("bad/unclosed_ring.geojson", 400, "/geometry/coordinates/0"),
    (
        "bad/ring_with_three_positions.geojson",
        400,
        "/geometry/coordinates/0",
    ),
    (
        "bad/self_intersecting_ring.geojson",
        422,
        "/geometry/coordinates/0",
    ),
    (
        "bad/overlapping_multipolygon.geojson",
        422,
        "/geometry/coordinates/1",
    ),
    (
        "bad/line_with_one_point.geojson",
        400,
        "/geometry/coordinates",
    ),
    (
        "bad/longitude_out_of_range.geojson",
        422,
        "/geometry/coordinates/0",
    ),
    (
        "bad/latitude_out_of_range.geojson",
        422,
        "/geometry/coordinates/1",
    ),
    (
        "bad/position_with_text.geojson",
        400,
        "/geometry/coordinates/0",
    ),
    ("bad/unknown_geometry_type.geojson", 400, "/geometry/type"),
    ("bad/missing_geometry.geojson", 400, "/geometry"),
    ("bad/unknown_property.geojson", 400, "/properties/colour"),
    ("bad/unknown_member.geojson", 400, "/propertes"),
    (
        "bad/unknown_element_type.geojson",
        422,
        "/properties/element_type",
    ),
    ("bad/name_not_a_string.geojson", 400, "/properties/name"),
    ("bad/missing_name.geojson", 422, "/properties/name"),
    ("bad/bad_status.geojson", 422, "/properties/status"),
    ("bad/not_a_feature.geojson", 400, "/type"),
    ("bad/feature_collection.geojson", 400, "/type"),
    ("bad/unknown_crs.geojson", 400, "/crs"),
    ("bad/unreadable_crs.geojson", 400, "/crs"),
];

async fn every_bad_feature_gets_a_problem_naming_the_place_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (name, status, pointer) in BAD_FEATURES {
        let response = app.post_site(&fixture(name)).await;
        let problem = response.assert_problem(*status);
        assert_eq!(problem["pointer"], *pointer, "{name}: {problem}");
        assert_eq!(
            problem["errors"][0]["pointer"], *pointer,
            "{name}: {problem}"
        );
    }
    assert!(
        app.stored_sites().await.is_empty(),
        "a refused feature was stored"
    );
    assert!(app.store.site_history(1).await.unwrap().is_empty());
}

async fn a_bad_replacement_leaves_the_stored_site_and_its_history_untouched(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let before = app.stored_sites().await;
    for (name, status, _) in BAD_FEATURES
        .iter()
        .filter(|(n, ..)| !n.contains("feature_collection"))
    {
        let response = app
            .write_site(Method::PUT, id, Some(&etag), Some(&fixture(name)))
            .await;
        response.assert_problem(*status);
    }
    let bad_patch = app
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"geometry": {"type": "Point", "coordinates": [500, 31]}})),
        )
        .await;
    bad_patch.assert_problem(422);
    assert_eq!(app.stored_sites().await, before);
    assert_eq!(app.store.site_history(id).await.unwrap().len(), 1);
}

async fn malformed_json_gets_400_with_line_and_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = std::fs::read(fixture_path("bad/malformed_json.geojson")).unwrap();
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.planner),
            &[],
            Some(body),
        )
        .await;
    let problem = response.assert_problem(400);
    assert!(
        problem["detail"].as_str().unwrap().contains("line 1"),
        "{problem}"
    );
    assert!(app.stored_sites().await.is_empty());
}

async fn a_body_over_the_limit_gets_413_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut feature = fixture("sites/point_in_west.geojson");
    feature["properties"]["description"] = json!("很".repeat(TEST_BODY_LIMIT));
    let response = app.post_site(&feature).await;
    response.assert_problem(413);
    assert!(app.stored_sites().await.is_empty());
}

async fn a_body_that_is_not_json_gets_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = fixture("sites/point_in_west.geojson")
        .to_string()
        .into_bytes();
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.planner),
            &[("content-type", "text/plain")],
            Some(body),
        )
        .await;
    response.assert_problem(415);
    assert!(app.stored_sites().await.is_empty());
}

async fn a_too_long_name_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut feature = fixture("sites/point_in_west.geojson");
    feature["properties"]["name"] = json!("长".repeat(201));
    let problem = app.post_site(&feature).await.assert_problem(422).clone();
    assert_eq!(problem["pointer"], "/properties/name");
    assert!(app.stored_sites().await.is_empty());
}

async fn bad_query_parameters_are_refused_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        ("/api/collections/sites/items?colour=red", "?colour"),
        ("/api/collections/sites/items?limit=0", "?limit"),
        ("/api/collections/sites/items?limit=ten", "?limit"),
        ("/api/collections/sites/items?bbox=121.4,31.2", "?bbox"),
        (
            "/api/collections/sites/items?bbox=121.4,91,121.5,92",
            "?bbox",
        ),
        (
            "/api/collections/sites/items?element_type=fountain",
            "?element_type",
        ),
        ("/api/collections/sites/items?unit=abc", "?unit"),
        ("/api/collections/units/items?level=province", "?level"),
        ("/api/collections/units/items?limit=5&limit=6", "?limit"),
    ];
    for (path, pointer) in cases {
        let response = app.get(path).await;
        assert_eq!(response.assert_problem(400)["pointer"], pointer, "{path}");
    }
}

async fn unknown_addresses_get_404_problems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/api/collections/roads",
        "/api/collections/sites/items/abc",
        "/api/collections/sites/items/999",
        "/api/collections/units/items/310199999",
        "/nowhere",
    ] {
        app.get(path).await.assert_problem(404);
    }
}

on_both_backends!(
    every_bad_feature_gets_a_problem_naming_the_place_and_nothing_is_stored,
    a_bad_replacement_leaves_the_stored_site_and_its_history_untouched,
    malformed_json_gets_400_with_line_and_column,
    a_body_over_the_limit_gets_413_and_nothing_is_stored,
    a_body_that_is_not_json_gets_415,
    a_too_long_name_is_refused,
    bad_query_parameters_are_refused_by_name,
    unknown_addresses_get_404_problems,
);
