//! Every public route, walked: no person's name, no trace of drafts (no counts, no version
//! gaps), and every answer that depends on credentials marked private.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

/// The tile at zoom `z` holding (lon, lat), as `z/x/y`.
fn tile_at(lon: f64, lat: f64, z: u32) -> String {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("{z}/{x}/{y}")
}

/// Every GET route: those the API definition lists, with their parameters filled in, and the
/// map's own (page, style, TileJSON, blueprint tiles).
async fn public_paths(app: &TestApp, site: i64) -> Vec<String> {
    let openapi = app.get("/api/openapi.json").await.json;
    let tile = tile_at(121.40, 31.25, 14);
    let mut paths: Vec<String> = openapi["paths"]
        .as_object()
        .expect("the API definition has paths")
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        // Paths are relative to the landing page, unless the path names its own server.
        .map(|(path, item)| match item.get("servers") {
            Some(_) => path.clone(),
            None => format!("/api{}", path.trim_end_matches('/')),
        })
        .map(|path| {
            path.replace("{collectionId}", "sites")
                .replace("units/items/{featureId}", "units/items/990101")
                .replace("{featureId}", &site.to_string())
                .replace("{category}", "kindergarten")
                .replace("{z}/{x}/{y}", &tile)
                // The first evaluation and file of a fresh store (the walk makes both).
                .replace("{evaluationId}", "1")
                .replace("{fileId}", "1")
        })
        .collect();
    paths.extend(
        [
            "/",
            "/readyz",
            "/style.json",
            "/tiles/blueprint.json",
            "/api/collections/units",
            "/api/collections/sites/items?status=published",
            "/api/isochrone?lon=121.40&lat=31.25",
        ]
        .map(String::from),
    );
    paths.push(format!("/tiles/blueprint/{tile}.mvt"));
    paths.push(format!(
        "/tiles/blueprint/{}.mvt",
        tile_at(121.40, 31.25, 10)
    ));
    assert!(paths.len() > 20, "{paths:?}");
    paths
}

async fn no_public_route_shows_a_name_a_draft_or_a_version_gap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health_before = app.get("/healthz").await.json;
    // A published site whose history holds a draft in between, and a draft site.
    let point = |name: &str, status: &str| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
               "properties": {"name": name, "element_type": "pocket_garden", "status": status}})
    };
    let (id, etag) = app.create_site(&point("公开花园", "published")).await;
    let draft = app
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"properties": {"status": "draft", "name": "秘密草稿名"}})),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.json);
    let republished = app
        .write_site(
            Method::PATCH,
            id,
            Some(&draft.etag()),
            Some(&json!({"properties": {"status": "published", "name": "公开花园"}})),
        )
        .await;
    assert_eq!(republished.status, StatusCode::OK);
    app.create_site(&point("另一个草稿", "draft")).await;
    // A person with private contact, a password and an appointment, who drew a draft too.
    let term = (
        lantu::planners::TeamKind::Subdistrict,
        &["990101001"][..],
        "2020-01-01",
        "2099-12-31",
    );
    let person = app
        .person("zhao.private", &[lantu::auth::Role::Planner], &[term])
        .await;
    let drawn = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&person),
            &[],
            Some(point("赵的草稿", "draft").to_string().into_bytes()),
        )
        .await;
    assert_eq!(drawn.status, StatusCode::CREATED, "{}", drawn.json);
    // Their service record with a file, and an evaluation of their appointment.
    let users = app.store.users().await.unwrap();
    let zhao = users.iter().find(|u| u.login == "zhao.private").unwrap().id;
    let appointment = app.store.mandates(zhao).await.unwrap()[0].id;
    let record = json!({"appointment": appointment, "kind": "petition", "held_on": "2026-01-05",
                        "hours": 2, "title": "赵的信访答疑"});
    let logged = app
        .send(
            Method::POST,
            "/api/service-records",
            Some(&person),
            &[("content-type", "application/json")],
            Some(record.to_string().into_bytes()),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.json);
    let file = app
        .send(
            Method::POST,
            &format!(
                "/api/service-records/{}/files?name=赵的签到表.pdf",
                logged.json["id"]
            ),
            Some(&person),
            &[("content-type", "application/pdf")],
            Some(b"%PDF-1.4\n%%EOF\n".to_vec()),
        )
        .await;
    assert_eq!(file.json["id"], 1, "{}", file.json);
    let evaluation = json!({"appointment": appointment, "template": "binjiang"});
    let started = app
        .send(
            Method::POST,
            "/api/evaluations",
            Some(&app.analyst),
            &[("content-type", "application/json")],
            Some(evaluation.to_string().into_bytes()),
        )
        .await;
    assert_eq!(started.json["id"], 1, "{}", started.json);

    let secrets = [
        "赵的信访答疑",
        "赵的签到表",
        "王规划",
        "秘密草稿名",
        "另一个草稿",
        "赵的草稿",
        "管理员",
        "test-setup",
        "zhao.private",
        "zhao.private@example.cn",
        "13800138000",
        "$argon2",
    ];
    // Any token at all: `lantu_` and 64 hex digits (the cookie's name, `lantu_session`, may show).
    let holds_token = |text: &str| {
        text.match_indices("lantu_").any(|(i, _)| {
            let rest = &text.as_bytes()[i + "lantu_".len()..];
            rest.len() >= 64 && rest[..64].iter().all(u8::is_ascii_hexdigit)
        })
    };
    let mut walked = 0;
    for path in public_paths(&app, id).await {
        let (status, headers, bytes) = app.send_raw(Method::GET, &path, None, &[], None).await;
        assert!(status.as_u16() < 500, "{path}: {status}");
        // Tiles are protobuf, but their strings are plain UTF-8 inside: a lossy read finds them.
        let text = String::from_utf8_lossy(&bytes);
        assert!(!holds_token(&text), "{path} shows a token");
        for secret in secrets
            .iter()
            .copied()
            .chain([person.as_str(), app.planner.as_str()])
        {
            assert!(
                !text.contains(secret),
                "{path} shows \"{secret}\": {text:.400}"
            );
        }
        assert!(
            headers
                .get_all("vary")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.to_ascii_lowercase().contains("authorization")),
            "{path}: an answer that depends on credentials must say Vary: Authorization"
        );
        walked += 1;
    }
    assert!(walked > 20);
    assert_eq!(
        app.get("/healthz").await.json,
        health_before,
        "health does not change when drafts appear"
    );

    // The public history holds the published versions, numbered without the draft's gap.
    let history = app
        .get(&format!("/api/collections/sites/items/{id}/history"))
        .await;
    let versions: Vec<Value> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["version"].clone())
        .collect();
    assert_eq!(versions, vec![json!(1), json!(2)], "{}", history.json);
    let one = app.get(&format!("/api/collections/sites/items/{id}")).await;
    assert!(
        one.json["properties"].get("version").is_none(),
        "{}",
        one.json
    );
    assert!(
        one.etag().starts_with("\"h"),
        "the public ETag is a hash of what the public sees, not the version: {}",
        one.etag()
    );

    // With credentials every answer is private to the caller.
    for path in public_paths(&app, id).await {
        let (_, headers, _) = app
            .send_raw(Method::GET, &path, Some(&app.planner), &[], None)
            .await;
        let cache = headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            cache.contains("private") || cache.contains("no-store"),
            "{path} with a token is cacheable by others: {cache:?}"
        );
    }
}

on_both_backends!(no_public_route_shows_a_name_a_draft_or_a_version_gap);
