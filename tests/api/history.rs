//! Sites through time over HTTP: a collection `as_of` a past moment, and the changes between
//! two moments (or two versions of a site), marked inserted, updated or deleted with before and
//! after, as each caller may see them.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, fixture};
use crate::on_both_backends;

fn published_point(name: &str, lon: f64) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 31.25]},
           "properties": {"name": name, "element_type": "street_corner", "status": "published"}})
}

/// A moment between two writes.
async fn moment() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let t = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    t.replace('+', "%2B")
}

fn names(page: &Value) -> Vec<String> {
    page["features"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn marks(changes: &Value) -> Vec<(i64, String)> {
    changes["features"]
        .as_array()
        .unwrap_or_else(|| panic!("not changes: {changes}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().unwrap(),
                f["properties"]["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn a_collection_as_of_a_past_moment_shows_the_sites_as_they_stood_then(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before_all = moment().await;
    let (a, etag) = app.create_site(&published_point("旧名", 121.40)).await;
    let first = moment().await;
    let renamed = app
        .write_site(
            Method::PATCH,
            a,
            Some(&etag),
            Some(&json!({"properties": {"name": "新名"}})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    app.create_site(&published_point("后来的", 121.43)).await;
    let items = |query: String| format!("/api/collections/sites/items?{query}");
    assert_eq!(
        names(&app.get(&items(format!("as_of={first}"))).await.json),
        ["旧名"]
    );
    assert_eq!(
        names(&app.get(&items(format!("as_of={before_all}"))).await.json),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app.get(&items(String::new())).await.json),
        ["新名", "后来的"]
    );
    // Filters apply to the past as to the present.
    let filtered = app
        .get(&items(format!("as_of={first}&filter=name%20=%20'新名'")))
        .await;
    assert_eq!(names(&filtered.json), Vec::<String>::new());
    let refused = app.get(&items("as_of=yesterday".into())).await;
    assert_eq!(refused.assert_problem(400)["pointer"], "?as_of");
}

async fn changes_since_a_moment_mark_inserted_updated_and_deleted_with_before_and_after(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (kept, _) = app.create_site(&published_point("不变", 121.39)).await;
    let (renamed, renamed_tag) = app.create_site(&published_point("旧名", 121.40)).await;
    let (gone, gone_tag) = app.create_site(&published_point("将删除", 121.41)).await;
    let (hidden, hidden_tag) = app.create_site(&published_point("将撤回", 121.42)).await;
    let since = moment().await;
    let patch = |name: &str| json!({"properties": {"name": name}});
    assert_eq!(
        app.write_site(
            Method::PATCH,
            renamed,
            Some(&renamed_tag),
            Some(&patch("新名"))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.write_site(Method::DELETE, gone, Some(&gone_tag), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // Taken back to draft: gone from the public blueprint, still there for the team.
    let draft = json!({"properties": {"status": "draft"}});
    assert_eq!(
        app.write_site(Method::PATCH, hidden, Some(&hidden_tag), Some(&draft))
            .await
            .status,
        StatusCode::OK
    );
    let (added, _) = app.create_site(&published_point("新增", 121.43)).await;
    let (secret, _) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let path = format!("/api/collections/sites/changes?from={since}");

    let public = app.get(&path).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.json);
    let expected: Vec<(i64, String)> = [
        (renamed, "updated"),
        (gone, "deleted"),
        (hidden, "deleted"),
        (added, "inserted"),
    ]
    .map(|(id, c)| (id, c.to_string()))
    .into();
    assert_eq!(
        marks(&public.json),
        expected,
        "the published blueprint's changes"
    );
    let update = &public.json["features"][0]["properties"];
    assert_eq!(update["before"]["name"], "旧名");
    assert_eq!(update["after"]["name"], "新名");
    assert!(
        update["after"].get("author").is_none(),
        "no names for the public"
    );
    assert!(public.json["features"][2]["properties"]["after"].is_null());
    assert!(
        !public.json.to_string().contains("东区口袋花园"),
        "no draft"
    );
    assert!(marks(&public.json).iter().all(|(id, _)| *id != kept));

    let team = app.get_as(&path, &app.planner).await;
    let expected: Vec<(i64, String)> = [
        (renamed, "updated"),
        (gone, "deleted"),
        (hidden, "updated"),
        (added, "inserted"),
        (secret, "inserted"),
    ]
    .map(|(id, c)| (id, c.to_string()))
    .into();
    assert_eq!(marks(&team.json), expected, "the team sees drafts too");
    assert_eq!(
        team.json["features"][2]["properties"]["after"]["status"],
        "draft"
    );
    assert_eq!(
        team.json["features"][0]["properties"]["after"]["version"],
        2
    );

    // One site between two versions.
    let versions = app
        .get_as(
            &format!("/api/collections/sites/items/{renamed}/changes?from=1&to=2"),
            &app.planner,
        )
        .await;
    assert_eq!(marks(&versions.json), [(renamed, "updated".to_string())]);
    assert_eq!(versions.json["from"], "v1");
    let refused = app
        .get(&format!(
            "/api/collections/sites/changes?from={since}&to=2000-01-01"
        ))
        .await;
    refused.assert_problem(400);
    app.get("/api/collections/sites/changes")
        .await
        .assert_problem(400);
}

on_both_backends!(
    a_collection_as_of_a_past_moment_shows_the_sites_as_they_stood_then,
    changes_since_a_moment_mark_inserted_updated_and_deleted_with_before_and_after,
);
