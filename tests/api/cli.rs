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

on_both_backends!(
    importing_sites_with_one_bad_feature_writes_nothing_and_reports_it,
    importing_units_prints_progress_and_a_summary,
    a_token_from_the_command_line_lets_its_holder_write,
);
