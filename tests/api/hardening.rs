//! A public server, tried as an attacker would: cheap refusals before expensive work, clean
//! text and geometry, no side channels, bounded costs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

/// A request body that records whether anyone polled it.
struct WatchedBody {
    bytes: Option<axum::body::Bytes>,
    polled: Arc<AtomicBool>,
}

impl http_body::Body for WatchedBody {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.polled.store(true, Ordering::SeqCst);
        std::task::Poll::Ready(self.bytes.take().map(|b| Ok(http_body::Frame::data(b))))
    }
}

/// A body that is cut short: some bytes, then the connection breaks.
struct TruncatedBody {
    sent: bool,
}

impl http_body::Body for TruncatedBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.sent {
            return std::task::Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before the whole body arrived",
            ))));
        }
        self.sent = true;
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(
            axum::body::Bytes::from_static(br#"{"type": "Feature", "geometry": {"ty"#),
        ))))
    }
}

async fn send_body(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Body,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "lantu.test")
        .header("content-type", "application/geo+json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn polygon_with(vertices: usize) -> Value {
    // A valid star-free circle of `vertices` positions around Putuo.
    let mut ring: Vec<Value> = (0..vertices)
        .map(|i| {
            let a = i as f64 / vertices as f64 * std::f64::consts::TAU;
            json!([121.42 + 0.01 * a.cos(), 31.25 + 0.01 * a.sin()])
        })
        .collect();
    ring.push(ring[0].clone());
    json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
           "properties": {"name": "大圆", "element_type": "pocket_garden"}})
}

async fn an_anonymous_write_is_refused_before_its_body_is_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let feature = polygon_with(150_000).to_string().into_bytes();
    for (method, path) in [
        (Method::POST, "/api/collections/sites/items"),
        (Method::PUT, "/api/collections/sites/items/1"),
        (Method::PATCH, "/api/collections/sites/items/1"),
        (Method::POST, "/api/facilities"),
        (Method::PUT, "/api/facilities/1"),
    ] {
        let polled = Arc::new(AtomicBool::new(false));
        let body = Body::new(WatchedBody {
            bytes: Some(feature.clone().into()),
            polled: polled.clone(),
        });
        let (status, problem) = send_body(&app, method.clone(), path, None, body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {problem}"
        );
        assert!(
            !polled.load(Ordering::SeqCst),
            "{method} {path}: the body of an anonymous write was read"
        );
    }
    // An analyst may read drafts but not write: refused just as early.
    let polled = Arc::new(AtomicBool::new(false));
    let body = Body::new(WatchedBody {
        bytes: Some(feature.into()),
        polled: polled.clone(),
    });
    let (status, _) = send_body(
        &app,
        Method::POST,
        "/api/collections/sites/items",
        Some(&app.analyst),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!polled.load(Ordering::SeqCst));
}

async fn a_feature_past_the_vertex_limit_is_refused_with_413_naming_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Short coordinates so 200,001 positions fit under the test body limit... they do not at
    // 64 KiB, so the check is on the parser directly through a tiny body with many parts
    // instead: 10,001 single-position lines exceed the part limit.
    let lines: Vec<Value> = (0..10_001).map(|_| json!([[0, 0], [0, 1]])).collect();
    let geometry = json!({"type": "MultiLineString", "coordinates": lines});
    let err = lantu::spatial::read::GeometryReader::lon_lat()
        .read(&geometry, "/geometry", lantu::spatial::read::Accept::Any)
        .unwrap_err();
    assert_eq!(err.fault, lantu::spatial::read::Fault::TooComplex);
    assert!(err.detail.contains("10000"), "{}", err.detail);
    let circle = polygon_with(lantu::spatial::read::MAX_VERTICES + 1);
    let err = lantu::spatial::read::GeometryReader::lon_lat()
        .read(
            &circle["geometry"],
            "/geometry",
            lantu::spatial::read::Accept::Any,
        )
        .unwrap_err();
    assert!(err.detail.contains("at most 200000"), "{}", err.detail);
    // Through the API: the problem is a 413 with the pointer.
    let small_limit_body = json!({"type": "Feature",
        "geometry": {"type": "MultiPoint", "coordinates": (0..10_001).map(|_| json!([1, 2])).collect::<Vec<_>>()},
        "properties": {"name": "点", "element_type": "other"}});
    let response = app.post_site(&small_limit_body).await;
    let problem = response.assert_problem(413);
    assert_eq!(problem["pointer"], "/geometry/coordinates");
    assert!(app.stored_sites().await.is_empty());
}

/// Through the parser directly (the test body limit is small): a circle this size is valid and
/// is accepted; the same ring with two positions swapped crosses itself and is refused.
#[test]
fn a_planners_150000_vertex_polygon_is_validated_and_a_crossing_one_refused() {
    let feature = polygon_with(150_000);
    let parsed =
        lantu::sites::parse::parse_site_feature(&feature, "", &lantu::spatial::crs::Crs::LonLat);
    assert!(parsed.is_ok(), "{:?}", parsed.err());
    let mut crossed = feature.clone();
    let ring = crossed["geometry"]["coordinates"][0]
        .as_array_mut()
        .unwrap();
    ring.swap(1000, 1001);
    let err =
        lantu::sites::parse::parse_site_feature(&crossed, "", &lantu::spatial::crs::Crs::LonLat)
            .unwrap_err();
    assert_eq!(err.problem()["status"], 422, "{}", err.problem());
}

async fn control_characters_duplicate_keys_and_invisible_names_are_refused_and_nothing_is_stored(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let site = |name: &str, description: Option<&str>| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
               "properties": {"name": name, "description": description, "element_type": "street_corner"}})
    };
    for (feature, pointer) in [
        (site("街角\u{0}", None), "/properties/name"),
        (site("街角", Some("说明\u{0}")), "/properties/description"),
        (site("\u{202E}角街", None), "/properties/name"),
        (site("\u{200B}\u{200B}", None), "/properties/name"),
        (site("街\u{7}角", None), "/properties/name"),
    ] {
        let response = app.post_site(&feature).await;
        let problem = response.assert_problem(422);
        assert_eq!(problem["pointer"], pointer, "{problem}");
    }
    let twice = br#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"name": "x", "element_type": "other", "status": "draft", "status": "published"}}"#;
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.planner),
            &[],
            Some(twice.to_vec()),
        )
        .await;
    let problem = response.assert_problem(400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("\"status\" appears twice"),
        "{problem}"
    );
    // A facility name is held to the same rules.
    let facility = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"category": "kindergarten", "name": "幼儿园\u{0}"}});
    let response = app
        .send(
            Method::POST,
            "/api/facilities",
            Some(&app.planner),
            &[],
            Some(facility.to_string().into_bytes()),
        )
        .await;
    assert_eq!(response.assert_problem(422)["pointer"], "/properties/name");
    assert!(app.stored_sites().await.is_empty());
    // Decomposed text is stored composed (NFC).
    let (id, _) = app.create_site(&site("Cafe\u{301}", None)).await;
    let stored = app
        .get_as(&format!("/api/collections/sites/items/{id}"), &app.planner)
        .await;
    assert_eq!(stored.json["properties"]["name"], "Caf\u{e9}");
}

async fn geometry_that_cannot_be_kept_faithfully_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let with = |geometry: Value| {
        json!({"type": "Feature", "geometry": geometry,
               "properties": {"name": "x", "element_type": "other"}})
    };
    for (geometry, status, pointer) in [
        // An altitude would be dropped by the 2D store.
        (
            json!({"type": "Point", "coordinates": [121.40, 31.25, 4.5]}),
            422,
            "/geometry/coordinates/2",
        ),
        // A ring with no area.
        (
            json!({"type": "Polygon", "coordinates": [[[121.40, 31.25], [121.41, 31.25], [121.42, 31.25], [121.40, 31.25]]]}),
            422,
            "/geometry/coordinates/0",
        ),
        // Across the antimeridian: refused, not drawn the long way round.
        (
            json!({"type": "LineString", "coordinates": [[179.5, 10.0], [-179.5, 10.0]]}),
            422,
            "/geometry/coordinates/1",
        ),
    ] {
        let response = app.post_site(&with(geometry.clone())).await;
        let problem = response.assert_problem(status);
        assert_eq!(problem["pointer"], pointer, "{geometry}: {problem}");
    }
    assert!(app.stored_sites().await.is_empty());
}

async fn bodies_that_are_compressed_or_cut_short_are_refused_plainly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"name": "x", "element_type": "other"}});
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.planner),
            &[("content-encoding", "gzip")],
            Some(feature.to_string().into_bytes()),
        )
        .await;
    response.assert_problem(415);
    let (status, problem) = send_body(
        &app,
        Method::POST,
        "/api/collections/sites/items",
        Some(&app.planner),
        Body::new(TruncatedBody { sent: false }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(app.stored_sites().await.is_empty());
}

async fn an_empty_patch_changes_nothing_and_makes_no_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
            "properties": {"name": "街角", "element_type": "street_corner"}}))
        .await;
    for patch in [json!({}), json!({"properties": {"name": "街角"}})] {
        let response = app
            .write_site(Method::PATCH, id, Some(&etag), Some(&patch))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.etag(), etag, "a no-op patch keeps the version");
    }
    let history = app
        .get_as(
            &format!("/api/collections/sites/items/{id}/history"),
            &app.planner,
        )
        .await;
    assert_eq!(history.json["features"].as_array().unwrap().len(), 1);
}

async fn an_expired_or_revoked_token_is_refused_within_a_second_of_revocation(backend: Backend) {
    let app = TestApp::spawn(backend).await.following();
    let (expired, hash) = lantu::auth::generate_token().unwrap();
    app.store
        .create_token(
            "过期 expired",
            lantu::auth::Role::Planner,
            &hash,
            Some(chrono::Utc::now() - chrono::Duration::hours(1)),
            None,
        )
        .await
        .unwrap();
    app.get_as("/api/collections/sites/items", &expired)
        .await
        .assert_problem(401);
    assert_eq!(
        app.get_as("/api/collections/sites/items", &app.planner)
            .await
            .status,
        StatusCode::OK
    );
    let revoke = crate::helpers::lantu_binary()
        .args(crate::helpers::storage_args(&app.storage))
        .args(["token", "revoke", "--name", "王规划 planner"])
        .output()
        .unwrap();
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    // The revocation reaches the server's access cache through the change log.
    crate::helpers::eventually("the revoked token is refused", || async {
        app.get_as("/api/collections/sites/items", &app.planner)
            .await
            .status
            == StatusCode::UNAUTHORIZED
    })
    .await;
    app.get_as("/api/collections/sites/items", &app.planner)
        .await
        .assert_problem(401);
    let list = crate::helpers::lantu_binary()
        .args(crate::helpers::storage_args(&app.storage))
        .args(["token", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("王规划 planner\t-\tplanner"), "{listed}");
    assert!(
        !listed.contains("lantu_"),
        "the list never shows a token: {listed}"
    );
}

async fn a_token_past_its_write_rate_gets_429_with_retry_after(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_settings(|s| {
            s.write_rate = lantu::http::rate::Budget {
                per_second: 0.01,
                burst: 3.0,
            }
        })
        .await;
    let site = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"name": "街角", "element_type": "street_corner"}});
    let statuses: Vec<u16> = futures_statuses(&app, &site, 4).await;
    assert_eq!(statuses, [201, 201, 201, 429]);
    let refused = app.post_site(&site).await;
    refused.assert_problem(429);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(app.stored_sites().await.len(), 3);
    // Another token has its own budget; reads are not counted.
    let admin = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.admin),
            &[],
            Some(site.to_string().into_bytes()),
        )
        .await;
    assert_eq!(admin.status, StatusCode::CREATED);
    assert_eq!(
        app.get_as("/api/collections/sites/items", &app.planner)
            .await
            .status,
        StatusCode::OK
    );
}

async fn futures_statuses(app: &TestApp, site: &Value, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(app.post_site(site).await.status.as_u16());
    }
    statuses
}

async fn a_forged_host_is_refused_and_an_edit_message_is_clean_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let request = Request::builder()
        .uri("/api/collections")
        .header("host", "evil.example/<script>")
        .body(Body::empty())
        .unwrap();
    let response = app.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let problem: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(problem["pointer"], "Host", "{problem}");
    let with_message = json!({"type": "Feature", "message": "改\u{0}名",
        "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"name": "街角", "element_type": "street_corner"}});
    let response = app.post_site(&with_message).await;
    assert_eq!(response.assert_problem(422)["pointer"], "/message");
    assert!(app.stored_sites().await.is_empty());
}

async fn a_patch_naming_a_version_this_server_has_not_seen_is_not_merged_into_an_older_one(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
            "properties": {"name": "原名", "element_type": "street_corner"}}))
        .await;
    // Another replica (here: the store directly) writes version 2; this server still holds 1.
    let mut fields = app.stored_sites().await.remove(0).fields;
    fields.name = "别处改的名".into();
    app.store
        .write_site(
            id,
            1,
            lantu::version::Change::Replace,
            &fields,
            &lantu::version::Edit::by("other"),
        )
        .await
        .unwrap();
    let patch = json!({"properties": {"status": "published"}});
    let refused = app
        .write_site(Method::PATCH, id, Some("\"v2\""), Some(&patch))
        .await;
    assert!(refused.header("retry-after").is_some());
    refused.assert_problem(503);
    assert_eq!(
        app.stored_sites().await[0].fields.name,
        "别处改的名",
        "nothing was merged"
    );
    // The version the server holds is stale in the store: 412, as before.
    app.write_site(Method::PATCH, id, Some(&etag), Some(&patch))
        .await
        .assert_problem(412);
}

async fn an_edit_message_in_the_query_string_is_clean_text_and_questions_have_small_bodies(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, etag) = app
        .create_site(&json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
            "properties": {"name": "街角", "element_type": "street_corner"}}))
        .await;
    let response = app
        .send(
            Method::DELETE,
            &format!("/api/collections/sites/items/{id}?message=%E2%80%AEdeleted"),
            Some(&app.planner),
            &[("if-match", &etag)],
            None,
        )
        .await;
    assert_eq!(response.assert_problem(422)["pointer"], "?message");
    assert_eq!(app.stored_sites().await.len(), 1, "nothing was deleted");
    // A what-if body larger than any real question is refused before it is parsed, though the
    // server takes larger bodies for writes.
    let app = app.with_settings(|s| s.body_limit = 4 << 20).await;
    let padding = " ".repeat(lantu::http::body::QUESTION_LIMIT);
    let question = format!("{{\"category\": \"kindergarten\",{padding} \"candidates\": []}}");
    let response = app
        .send(
            Method::POST,
            "/api/coverage/whatif",
            None,
            &[("content-type", "application/json")],
            Some(question.into_bytes()),
        )
        .await;
    response.assert_problem(413);
    let feature = format!(
        "{{\"type\": \"Feature\",{padding} \"geometry\": {{\"type\": \"Point\", \"coordinates\": [121.40, 31.25]}},
          \"properties\": {{\"name\": \"大\", \"element_type\": \"other\"}}}}"
    );
    let response = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&app.planner),
            &[],
            Some(feature.into_bytes()),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.json);
}

on_both_backends!(
    a_patch_naming_a_version_this_server_has_not_seen_is_not_merged_into_an_older_one,
    an_edit_message_in_the_query_string_is_clean_text_and_questions_have_small_bodies,
    a_token_past_its_write_rate_gets_429_with_retry_after,
    a_forged_host_is_refused_and_an_edit_message_is_clean_text,
    an_anonymous_write_is_refused_before_its_body_is_read,
    a_feature_past_the_vertex_limit_is_refused_with_413_naming_the_limit,
    control_characters_duplicate_keys_and_invisible_names_are_refused_and_nothing_is_stored,
    geometry_that_cannot_be_kept_faithfully_is_refused,
    bodies_that_are_compressed_or_cut_short_are_refused_plainly,
    an_empty_patch_changes_nothing_and_makes_no_version,
    an_expired_or_revoked_token_is_refused_within_a_second_of_revocation,
);
