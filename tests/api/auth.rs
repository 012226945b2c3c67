//! Who may do what: the public reads published data, every write needs a token, drafts need one.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, fixture};
use crate::on_both_backends;

async fn a_write_without_a_token_gets_401_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = fixture("sites/point_in_west.geojson")
        .to_string()
        .into_bytes();
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            None,
            &[],
            Some(body),
        )
        .await;
    response.assert_problem(401);
    assert!(app.stored_sites().await.is_empty());
}

async fn an_unknown_token_gets_401_even_on_a_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .get_as("/api/collections/sites/items", "lantu_not_a_real_token")
        .await;
    response.assert_problem(401);
}

async fn an_analyst_reads_drafts_but_may_not_edit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let read = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.analyst)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["properties"]["status"], "draft");
    let path = format!("/api/collections/sites/items/{id}");
    let body = json!({"properties": {"name": "分析员改名"}})
        .to_string()
        .into_bytes();
    let refused = app
        .send(
            Method::PATCH,
            &path,
            Some(&app.analyst),
            &[("if-match", &etag)],
            Some(body),
        )
        .await;
    refused.assert_problem(403);
    assert_eq!(app.stored_sites().await[0].stamp.version, 1);
}

async fn an_admin_may_edit_a_planners_site_and_is_recorded_as_author(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let path = format!("/api/collections/sites/items/{id}");
    let body = json!({"properties": {"description": "管理员补充"}})
        .to_string()
        .into_bytes();
    let done = app
        .send(
            Method::PATCH,
            &path,
            Some(&app.admin),
            &[("if-match", &etag)],
            Some(body),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["properties"]["updated_by"], "管理员 admin");
    assert_eq!(done.json["properties"]["created_by"], "王规划 planner");
}

async fn units_are_read_only_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"type": "Feature"}).to_string().into_bytes();
    let response = app
        .send(
            Method::POST,
            "/api/collections/units/items",
            Some(&app.admin),
            &[],
            Some(body),
        )
        .await;
    response.assert_problem(405);
}

on_both_backends!(
    a_write_without_a_token_gets_401_and_changes_nothing,
    an_unknown_token_gets_401_even_on_a_read,
    an_analyst_reads_drafts_but_may_not_edit,
    an_admin_may_edit_a_planners_site_and_is_recorded_as_author,
    units_are_read_only_over_http,
);
