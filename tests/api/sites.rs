//! Sites: create, read back by bbox, derived units and measures, versions, conditional writes.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, close_to, fixture};
use crate::on_both_backends;

async fn a_site_created_by_post_appears_in_a_bbox_query_at_once_with_its_units_and_area(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .post_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("http://lantu.test/api/collections/sites/items/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"v1\"");

    let found = app
        .get_as(
            "/api/collections/sites/items?bbox=121.42,31.24,121.44,31.26",
            &app.planner,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.header("content-type"), Some("application/geo+json"));
    let features = found.json["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{}", found.json);
    let properties = &features[0]["properties"];
    assert_eq!(features[0]["id"], id);
    assert_eq!(properties["units"], json!(["990101", "990101002"]));
    assert_eq!(properties["unit_names"], json!(["示范区", "示范东街道"]));
    // The fixture is 0.0010544° × 0.0009019° at 31.25°N: 100 m × 100 m.
    let area = properties["area_m2"].as_f64().unwrap();
    assert!(close_to(area, 10_000.0, 0.01), "area {area}");
    assert_eq!(properties["length_m"], json!(null));

    let elsewhere = app
        .get_as(
            "/api/collections/sites/items?bbox=121.38,31.22,121.40,31.23",
            &app.planner,
        )
        .await;
    assert_eq!(elsewhere.json["numberMatched"], 0);
}

async fn a_line_crossing_the_subdistrict_boundary_lists_both_subdistricts_and_its_length(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .create_site(&fixture("sites/site_crossing_boundary.geojson"))
        .await;
    let site = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.planner)
        .await;
    assert_eq!(
        site.json["properties"]["units"],
        json!(["990101", "990101001", "990101002"])
    );
    // 0.01° of longitude at 31.25°N is about 952 m.
    let length = site.json["properties"]["length_m"].as_f64().unwrap();
    assert!(close_to(length, 952.0, 0.01), "length {length}");
}

async fn after_a_put_the_history_shows_both_versions_with_author_and_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let mut moved = fixture("sites/point_in_west.geojson");
    moved["geometry"]["coordinates"] = json!([121.401, 31.261]);
    moved["properties"]["name"] = json!("西区街角（移位）");
    moved["message"] = json!("moved 100 m after the site visit");
    let replaced = app
        .write_site(Method::PUT, id, Some(&etag), Some(&moved))
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.json);
    assert_eq!(replaced.etag(), "\"v2\"");

    let history = app
        .get_as(
            &format!("/api/collections/sites/items/{id}/history"),
            &app.planner,
        )
        .await;
    let versions = history.json["features"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{}", history.json);
    let (first, second) = (&versions[0]["properties"], &versions[1]["properties"]);
    assert_eq!(
        (first["version"].clone(), first["change"].clone()),
        (json!(1), json!("create"))
    );
    assert_eq!(
        (second["version"].clone(), second["change"].clone()),
        (json!(2), json!("replace"))
    );
    assert_eq!(first["author"], "王规划 planner");
    assert_eq!(second["author"], "王规划 planner");
    assert_eq!(second["message"], "moved 100 m after the site visit");
    assert_eq!(
        versions[0]["geometry"]["coordinates"],
        json!([121.40, 31.26])
    );
    assert_eq!(
        versions[1]["geometry"]["coordinates"],
        json!([121.401, 31.261])
    );
    for v in [first, second] {
        let at = v["at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "time {at}"
        );
    }
}

async fn a_stale_if_match_gets_412_and_leaves_the_site_as_it_was(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, first_etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let patch = json!({"properties": {"name": "第二版"}});
    let second = app
        .write_site(Method::PATCH, id, Some(&first_etag), Some(&patch))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.json);

    let stale = json!({"properties": {"name": "基于旧版本的修改"}});
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let body = (method != Method::DELETE).then(|| {
            if method == Method::PUT {
                fixture("sites/point_in_west.geojson")
            } else {
                stale.clone()
            }
        });
        let refused = app
            .write_site(method.clone(), id, Some(&first_etag), body.as_ref())
            .await;
        let problem = refused.assert_problem(412);
        assert_eq!(problem["current_version"], 2, "{method}");
    }
    let stored = app.stored_sites().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].fields.name.as_str(), stored[0].stamp.version),
        ("第二版", 2)
    );
    let history = app.store.site_history(id).await.unwrap();
    assert_eq!(history.len(), 2);
}

async fn a_write_without_if_match_applies_to_the_current_version_and_is_audited_unconditional(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    // What QGIS and OWSLib do: no If-Match at all.
    let changed = app
        .write_site(
            Method::PATCH,
            id,
            None,
            Some(&json!({"properties": {"name": "不带 If-Match"}})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
    assert_eq!(changed.etag(), "\"v2\"");
    let deleted = app.write_site(Method::DELETE, id, None, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.json);
    let history = app.store.site_history(id).await.unwrap();
    assert_eq!(history.len(), 3, "create, the change and the delete");
    assert_eq!(history[1].fields.name, "不带 If-Match");
    let filter = lantu::store::audit::AuditFilter {
        collection: Some("sites".into()),
        key: Some(id.to_string()),
        ..Default::default()
    };
    let audit = app.store.audit_entries(&filter).await.unwrap();
    let marks: Vec<(&str, bool)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.unconditional))
        .collect();
    assert_eq!(
        marks,
        [("delete", true), ("update", true), ("create", false)],
        "newest first"
    );
}

async fn a_stale_if_match_is_still_412_when_if_match_is_optional(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, first) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let patch = json!({"properties": {"name": "第二版"}});
    let second = app.write_site(Method::PATCH, id, None, Some(&patch)).await;
    assert_eq!(second.status, StatusCode::OK);
    let stale = app
        .write_site(
            Method::PATCH,
            id,
            Some(&first),
            Some(&json!({"properties": {"name": "覆盖"}})),
        )
        .await;
    assert_eq!(stale.assert_problem(412)["current_version"], 2);
    assert_eq!(app.stored_sites().await[0].fields.name, "第二版");
}

async fn a_server_that_requires_if_match_refuses_a_write_without_it_with_428(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_settings(|s| s.require_if_match = true)
        .await;
    let (id, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    for (method, body) in [
        (Method::PATCH, Some(json!({"properties": {"name": "x"}}))),
        (Method::DELETE, None),
    ] {
        let refused = app.write_site(method, id, None, body.as_ref()).await;
        refused.assert_problem(428);
    }
    assert_eq!(app.stored_sites().await[0].stamp.version, 1);
}

async fn a_patch_publishes_a_draft_and_only_then_the_public_sees_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let path = format!("/api/collections/sites/items/{id}");
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/collections/sites/items").await.json["numberMatched"],
        0
    );
    assert_eq!(
        app.get(&format!("{path}/history")).await.status,
        StatusCode::NOT_FOUND
    );

    let published = app
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"properties": {"status": "published"}})),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.json);
    let public = app.get(&path).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.json["properties"]["status"], "published");
    // The public history holds only published versions, numbered among themselves: the draft
    // version 1 stays hidden and leaves no gap.
    let history = app.get(&format!("{path}/history")).await;
    let versions: Vec<i64> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![1]);
}

async fn a_deleted_site_is_gone_from_reads_and_the_store_but_its_history_remains(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let deleted = app.write_site(Method::DELETE, id, Some(&etag), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let path = format!("/api/collections/sites/items/{id}");
    assert_eq!(
        app.get_as(&path, &app.planner).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app.stored_sites().await.is_empty());
    let history = app.get_as(&format!("{path}/history"), &app.planner).await;
    let changes: Vec<&str> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["create", "delete"]);
}

async fn paging_follows_next_links_through_every_site_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut feature = fixture("sites/point_in_west.geojson");
        feature["properties"]["name"] = json!(format!("点位 {i}"));
        ids.push(app.create_site(&feature).await.0);
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/collections/sites/items?limit=2".to_string());
    while let Some(path) = next {
        let page = app.get(&path).await;
        assert_eq!(page.json["numberMatched"], 5);
        assert!(page.json["numberReturned"].as_u64().unwrap() <= 2);
        seen.extend(
            page.json["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_i64().unwrap()),
        );
        next = page.json["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| {
                l["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://lantu.test")
                    .to_string()
            });
    }
    assert_eq!(seen, ids);
}

async fn filters_select_by_element_type_status_and_unit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (west, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let (east, _) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let ids = |r: crate::helpers::TestResponse| -> Vec<i64> {
        r.json["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect()
    };
    let base = "/api/collections/sites/items";
    assert_eq!(
        ids(app
            .get_as(&format!("{base}?element_type=pocket_garden"), &app.analyst)
            .await),
        vec![east]
    );
    assert_eq!(
        ids(app
            .get_as(&format!("{base}?status=draft"), &app.analyst)
            .await),
        vec![east]
    );
    assert_eq!(
        ids(app
            .get_as(&format!("{base}?unit=990101001"), &app.analyst)
            .await),
        vec![west]
    );
    assert_eq!(
        ids(app
            .get_as(&format!("{base}?unit=990101002000"), &app.analyst)
            .await),
        vec![east]
    );
    assert_eq!(
        ids(app
            .get_as(&format!("{base}?unit=990101"), &app.analyst)
            .await),
        vec![west, east]
    );
    // The public sees only the published one.
    assert_eq!(ids(app.get(base).await), vec![west]);
}

async fn a_site_sent_in_cgcs2000_gauss_kruger_is_stored_in_wgs84(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .create_site(&fixture("sites/point_in_cgcs2000_gauss_kruger.geojson"))
        .await;
    let site = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.planner)
        .await;
    let c = site.json["geometry"]["coordinates"].as_array().unwrap();
    let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    // EPSG:4549 (633446.3, 3452884.3) is 121.4°E, 31.19°N (PROJ's cs2cs gives the same).
    assert!(
        (lon - 121.4).abs() < 1e-5 && (lat - 31.19).abs() < 1e-5,
        "{lon}, {lat}"
    );
}

async fn a_site_picked_on_amap_in_gcj02_is_stored_at_its_wgs84_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .create_site(&fixture("sites/point_in_gcj02_from_amap.geojson"))
        .await;
    let site = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.planner)
        .await;
    let c = site.json["geometry"]["coordinates"].as_array().unwrap();
    let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    // The fixture is WGS84 (121.40, 31.26) moved by GCJ-02's offset (computed apart, in Python,
    // from the published formula): about 500 m, which lantu takes off again.
    assert!(
        (lon - 121.40).abs() < 1e-8 && (lat - 31.26).abs() < 1e-8,
        "{lon}, {lat}"
    );
    assert_eq!(site.json["properties"]["units"][1], "990101001");
}

async fn every_acknowledged_edit_is_there_after_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    app.write_site(
        Method::PATCH,
        id,
        Some(&etag),
        Some(&json!({"properties": {"description": "重启前的修改"}})),
    )
    .await;
    let app = app.reload().await;
    let site = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.analyst)
        .await;
    assert_eq!(site.json["properties"]["description"], "重启前的修改");
    assert_eq!(site.etag(), "\"v2\"");
}

on_both_backends!(
    a_site_created_by_post_appears_in_a_bbox_query_at_once_with_its_units_and_area,
    a_line_crossing_the_subdistrict_boundary_lists_both_subdistricts_and_its_length,
    after_a_put_the_history_shows_both_versions_with_author_and_time,
    a_stale_if_match_gets_412_and_leaves_the_site_as_it_was,
    a_write_without_if_match_applies_to_the_current_version_and_is_audited_unconditional,
    a_stale_if_match_is_still_412_when_if_match_is_optional,
    a_server_that_requires_if_match_refuses_a_write_without_it_with_428,
    a_patch_publishes_a_draft_and_only_then_the_public_sees_it,
    a_deleted_site_is_gone_from_reads_and_the_store_but_its_history_remains,
    paging_follows_next_links_through_every_site_exactly_once,
    filters_select_by_element_type_status_and_unit,
    a_site_sent_in_cgcs2000_gauss_kruger_is_stored_in_wgs84,
    a_site_picked_on_amap_in_gcj02_is_stored_at_its_wgs84_place,
    every_acknowledged_edit_is_there_after_a_restart,
);
