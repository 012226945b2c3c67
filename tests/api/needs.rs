//! Residents' needs (需求清单) through the HTTP API: submitted without an account, followed
//! by receipt code, feed and e-mail; supported, flagged, moderated by the planners appointed to
//! the need's units; contacts, hidden and declined needs and photo metadata never public; a
//! flood from one address throttled while everyone else carries on.

use axum::http::{Method, StatusCode};
use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, eventually, fixture_path};
use crate::on_both_backends;

const WEST: &str = "990101001";
const EAST: &str = "990101002";
const TERM: (&str, &str) = ("2025-01-01", "2030-12-31");

fn need(lon: f64, lat: f64, category: &str, text: &str, contact: Option<&str>) -> Value {
    let mut properties = json!({"category": category, "text": text});
    if let Some(c) = contact {
        properties["contact"] = json!(c);
    }
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "properties": properties})
}

async fn submit(app: &TestApp, from: &str, body: &Value) -> crate::helpers::TestResponse {
    app.send_from(
        from,
        Method::POST,
        "/api/collections/needs/items",
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// Submits `body` from a fresh address; the need's id and receipt code.
async fn submitted(app: &TestApp, body: &Value) -> (i64, String) {
    let r = submit(app, "10.9.0.1", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    (
        r.json["need"]["id"].as_i64().unwrap(),
        r.json["receipt"].as_str().unwrap().to_string(),
    )
}

async fn moderator(app: &TestApp, login: &str, unit: &str) -> String {
    app.person(
        login,
        &[Role::Planner],
        &[(TeamKind::Subdistrict, &[unit], TERM.0, TERM.1)],
    )
    .await
}

async fn decide(app: &TestApp, token: &str, id: i64, body: Value) -> crate::helpers::TestResponse {
    app.send(
        Method::POST,
        &format!("/api/collections/needs/items/{id}/decision"),
        Some(token),
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn a_resident_submits_a_need_without_an_account_and_follows_it_by_its_receipt(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let body = need(
        121.40,
        31.26,
        "elderly_care",
        "小区附近没有老年食堂",
        Some("wang@example.cn"),
    );
    let r = submit(&app, "10.1.0.1", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let receipt = r.json["receipt"].as_str().unwrap();
    assert_eq!(receipt.len(), 11, "{receipt}");
    assert!(
        r.json["tracking_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/needs/track/{receipt}"))
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let id = r.json["need"]["id"].as_i64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("http://lantu.test/api/collections/needs/items/{id}").as_str())
    );
    let p = &r.json["need"]["properties"];
    assert_eq!(
        (p["status"].as_str(), p["status_zh"].as_str()),
        (Some("received"), Some("已收到"))
    );
    assert_eq!(p["units"], json!(["990101", WEST]));
    assert!(p.get("contact").is_none(), "{p}");

    let one = app.get(&format!("/api/collections/needs/items/{id}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.json);
    assert_eq!(one.json["properties"]["category_en"], "Elderly care");
    assert_eq!(one.json["properties"]["trail"][0]["kind"], "received");
    assert!(one.json["properties"].get("contact").is_none());

    let tracked = app
        .get(&format!("/api/needs/track/{}", receipt.to_lowercase()))
        .await;
    assert_eq!(tracked.status, StatusCode::OK, "{}", tracked.json);
    assert_eq!(tracked.json["id"], id);
    let wrong = app.get("/api/needs/track/ZZZZZ-ZZZZZ").await;
    wrong.assert_problem(404);

    let (status, headers, feed) = app
        .send_raw(
            Method::GET,
            &format!("/api/collections/needs/items/{id}/feed"),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed = String::from_utf8(feed).unwrap();
    assert!(
        feed.contains("<entry>") && feed.contains("已收到"),
        "{feed}"
    );

    let listed = app
        .get("/api/collections/needs/items?category=elderly_care")
        .await;
    assert_eq!(listed.json["numberMatched"], 1, "{}", listed.json);
    let collections = app.get("/api/collections/needs").await;
    assert_eq!(collections.status, StatusCode::OK, "{}", collections.json);
}

async fn bad_needs_are_refused_with_a_problem_naming_what_is_wrong_and_nothing_is_stored(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        (
            need(121.40, 31.26, "unicorns", "x", None),
            422,
            "/properties/category",
        ),
        (
            need(121.40, 31.26, "greenery", "   ", None),
            422,
            "/properties/text",
        ),
        (
            need(121.40, 31.26, "greenery", "树", Some("not a contact")),
            422,
            "/properties/contact",
        ),
        (
            need(122.50, 31.26, "greenery", "树", None),
            422,
            "/geometry",
        ),
        (
            need(121.40, 95.0, "greenery", "树", None),
            422,
            "/geometry/coordinates/1",
        ),
        (
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4, 31.26]},
                "properties": {"category": "greenery", "text": "树", "name": "x"}}),
            400,
            "/properties/name",
        ),
        (
            json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates":
                [[[121.39, 31.23], [121.41, 31.23], [121.39, 31.25], [121.41, 31.25], [121.39, 31.23]]]},
                "properties": {"category": "greenery", "text": "树"}}),
            422,
            "/geometry",
        ),
        (
            json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates":
                [[121.385, 31.23], [121.41, 31.23]]},
                "properties": {"category": "greenery", "text": "一整条路"}}),
            422,
            "/geometry",
        ),
        (
            need(121.40, 31.26, "greenery", "树", None)
                .pointer("/properties")
                .cloned()
                .unwrap(),
            400,
            "/type",
        ),
    ];
    for (body, status, pointer) in cases {
        let r = submit(&app, "10.2.0.1", &body).await;
        let problem = r.assert_problem(status);
        let named = problem.to_string();
        assert!(named.contains(pointer), "{pointer} not named: {problem}");
    }
    let listed = app.get("/api/collections/needs/items").await;
    assert_eq!(listed.json["numberMatched"], 0, "{}", listed.json);
    assert!(app.store.load_needs().await.unwrap().is_empty());
}

async fn moderation_is_for_the_planners_appointed_to_the_needs_unit_and_checks_each_step(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let west = moderator(&app, "west", WEST).await;
    let east = moderator(&app, "east", EAST).await;
    let (a, _) = submitted(
        &app,
        &need(121.40, 31.26, "greenery", "种树", Some("13800138000")),
    )
    .await;
    let (b, _) = submitted(&app, &need(121.401, 31.261, "greenery", "多种几棵树", None)).await;

    let refused = decide(&app, &east, a, json!({"action": "accept"})).await;
    let problem = refused.assert_problem(403);
    assert!(
        problem["detail"].as_str().unwrap().contains(WEST),
        "{problem}"
    );
    decide(&app, &west, a, json!({"action": "accept"})).await;
    let twice = decide(&app, &west, a, json!({"action": "accept"})).await;
    assert!(
        twice.assert_problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("accepted")
    );
    let no_reason = decide(&app, &west, b, json!({"action": "decline"})).await;
    assert_eq!(
        no_reason.assert_problem(422)["errors"][0]["pointer"],
        "/reason"
    );
    let itself = decide(&app, &west, b, json!({"action": "merge", "into": b})).await;
    itself.assert_problem(422);
    let merged = decide(&app, &west, b, json!({"action": "merge", "into": a})).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.json);
    assert_eq!(merged.json["properties"]["merged_into"], a);
    let after_merge = decide(&app, &west, b, json!({"action": "accept"})).await;
    after_merge.assert_problem(409);
    let anonymous = app
        .send(
            Method::POST,
            &format!("/api/collections/needs/items/{a}/decision"),
            None,
            &[("content-type", "application/json")],
            Some(b"{\"action\":\"accept\"}".to_vec()),
        )
        .await;
    anonymous.assert_problem(401);

    // The moderator sees the contact; the trail says who decided what, the audit log too.
    let one = app
        .get_as(&format!("/api/collections/needs/items/{a}"), &west)
        .await;
    assert_eq!(one.json["properties"]["contact"], "13800138000");
    let kinds: Vec<&str> = one.json["properties"]["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["received", "accepted"]);
    let audit = app.get_as("/api/audit?collection=needs", &app.admin).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.json);
    let actions: Vec<&str> = audit.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"accepted") && actions.contains(&"merged"),
        "{}",
        audit.json
    );
    let queue = app.get_as("/api/needs/queue", &east).await;
    assert_eq!(
        queue.json["needs"],
        json!([]),
        "the east queue holds no west need"
    );
    let queue = app.get_as("/api/needs/queue?status=accepted", &west).await;
    assert_eq!(queue.json["needs"][0]["id"], a);
}

async fn a_need_is_supported_once_per_device_and_hidden_after_three_flags_from_three_addresses(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = submitted(&app, &need(121.43, 31.25, "safety", "路口没有红绿灯", None)).await;
    let support = |who: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/collections/needs/items/{id}/support"),
                None,
                &[("content-type", "application/json")],
                Some(json!({"supporter": who}).to_string().into_bytes()),
            )
            .await
        }
    };
    assert_eq!(
        support("phone-a").await.json,
        json!({"supports": 1, "counted": true})
    );
    assert_eq!(
        support("phone-a").await.json,
        json!({"supports": 1, "counted": false})
    );
    assert_eq!(
        support("phone-b").await.json,
        json!({"supports": 2, "counted": true})
    );

    let flag = |from: &'static str| {
        let app = &app;
        async move {
            app.send_from(
                from,
                Method::POST,
                &format!("/api/collections/needs/items/{id}/flags"),
                Some(
                    json!({"reason": "spam", "reporter": "same-device"})
                        .to_string()
                        .into_bytes(),
                ),
            )
            .await
        }
    };
    assert_eq!(flag("10.3.0.1").await.json["counted"], true);
    assert_eq!(
        flag("10.3.0.1").await.json["counted"],
        false,
        "one flag per address"
    );
    assert_eq!(flag("10.3.0.2").await.json["counted"], true);
    assert_eq!(
        app.get(&format!("/api/collections/needs/items/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    flag("10.3.0.3").await;
    app.get(&format!("/api/collections/needs/items/{id}"))
        .await
        .assert_problem(404);
    let east = moderator(&app, "east", EAST).await;
    let queue = app.get_as("/api/needs/queue", &east).await;
    assert_eq!(
        queue.json["needs"][0]["properties"]["hidden"], true,
        "{}",
        queue.json
    );
    let restored = decide(&app, &east, id, json!({"action": "restore"})).await;
    assert_eq!(
        restored.json["properties"]["hidden"], false,
        "{}",
        restored.json
    );
    assert_eq!(restored.json["properties"]["flags"], 0);
    assert_eq!(
        app.get(&format!("/api/collections/needs/items/{id}"))
            .await
            .status,
        StatusCode::OK
    );
}

/// Every public route a need can appear on.
async fn public_bodies(app: &TestApp, ids: &[i64], receipts: &[String]) -> Vec<String> {
    let mut paths = vec![
        "/api/collections/needs/items".to_string(),
        "/api/collections/needs/items?limit=1000&bbox=121.38,31.22,121.45,31.28".to_string(),
        "/api/collections/needs".to_string(),
        "/api/collections".to_string(),
        "/api/needs/categories".to_string(),
        "/api/projects".to_string(),
        "/api/dashboard".to_string(),
        "/api/dashboard/needs_by_status.csv".to_string(),
        "/api/dashboard/needs_by_category.csv".to_string(),
        "/api/openapi.json".to_string(),
    ];
    for id in ids {
        paths.push(format!("/api/collections/needs/items/{id}"));
        paths.push(format!("/api/collections/needs/items/{id}/feed"));
    }
    for r in receipts {
        paths.push(format!("/api/needs/track/{r}"));
    }
    for z in [12, 14, 16] {
        let (x, y) = tile_of(121.40, 31.26, z);
        paths.push(format!("/tiles/blueprint/{z}/{x}/{y}.mvt"));
    }
    let mut bodies = Vec::new();
    for path in paths {
        let (_, headers, bytes) = app.send_raw(Method::GET, &path, None, &[], None).await;
        let bytes = if headers.get("content-encoding").is_some_and(|e| e == "gzip") {
            use std::io::Read;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            bytes
        };
        bodies.push(format!("{path}\n{}", String::from_utf8_lossy(&bytes)));
    }
    bodies
}

pub fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

async fn no_public_answer_holds_a_contact_a_hidden_or_declined_need_or_a_photos_location(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let west = moderator(&app, "west", WEST).await;
    let (open, open_receipt) = submitted(
        &app,
        &need(
            121.40,
            31.26,
            "greenery",
            "公开需求 OPEN-NEED",
            Some("open-contact@example.cn"),
        ),
    )
    .await;
    let (declined, declined_receipt) = submitted(
        &app,
        &need(
            121.401,
            31.26,
            "greenery",
            "被拒需求 DECLINED-NEED",
            Some("13912345678"),
        ),
    )
    .await;
    let (hidden, _) = submitted(
        &app,
        &need(
            121.402,
            31.26,
            "greenery",
            "隐藏需求 HIDDEN-NEED 张三 13700000000",
            None,
        ),
    )
    .await;
    let accepted = decide(&app, &west, open, json!({"action": "accept"})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.json);
    decide(
        &app,
        &west,
        declined,
        json!({"action": "decline", "reason": "不在规划范围内"}),
    )
    .await;
    let hid = decide(
        &app,
        &west,
        hidden,
        json!({"action": "hide", "reason": "含个人信息"}),
    )
    .await;
    assert_eq!(hid.status, StatusCode::OK, "{}", hid.json);

    // A photo with GPS in its EXIF, XMP and comment, added by receipt.
    let jpeg = std::fs::read(fixture_path("photos/street_corner_with_gps.jpg")).unwrap();
    let (status, headers, body) = app
        .send_raw(
            Method::POST,
            &format!("/api/collections/needs/items/{open}/photos?receipt={open_receipt}"),
            None,
            &[("content-type", "image/jpeg")],
            Some(jpeg.clone()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let photo = headers["location"]
        .to_str()
        .unwrap()
        .replace("http://lantu.test", "");

    let mut bodies = public_bodies(
        &app,
        &[open, declined, hidden],
        &[open_receipt, declined_receipt],
    )
    .await;
    let (status, _, stored) = app.send_raw(Method::GET, &photo, None, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stored.starts_with(&[0xFF, 0xD8]) && stored.ends_with(&[0xFF, 0xD9]));
    bodies.push(format!("{photo}\n{}", String::from_utf8_lossy(&stored)));
    let all = bodies.join("\n");
    assert!(all.contains("OPEN-NEED"), "the open need is public");
    for secret in [
        "open-contact@example.cn",
        "13912345678",
        "HIDDEN-NEED",
        "13700000000",
        "GPSLatitude",
        "Exif",
        "Canon",
        "Zhang San",
        "xmpmeta",
    ] {
        let found: Vec<&str> = bodies
            .iter()
            .filter(|b| b.contains(secret))
            .map(|b| b.lines().next().unwrap())
            .collect();
        assert!(found.is_empty(), "{secret} is public at {found:?}");
    }
    // Decoded, the public tiles carry the accepted need alone; its moderator's carry all three.
    for z in [12, 14, 16] {
        let (x, y) = tile_of(121.401, 31.26, z);
        let ids = |tile: crate::tiles::Tile| -> Vec<u64> {
            let mut ids: Vec<u64> = tile.layer("needs").iter().filter_map(|f| f.id).collect();
            ids.sort();
            ids
        };
        let public = crate::tiles::get_tile(&app, z, x, y, None).await;
        let status = format!(
            "{} {:?}",
            public.status,
            public
                .layers
                .iter()
                .map(|(n, f)| (n.clone(), f.len()))
                .collect::<Vec<_>>()
        );
        assert_eq!(ids(public), [open as u64], "z{z} {x}/{y}: {status}");
        let theirs = crate::tiles::get_tile(&app, z, x, y, Some(&west)).await;
        assert_eq!(
            ids(theirs),
            [open as u64, declined as u64, hidden as u64],
            "z{z}"
        );
    }
    // The declined need is out of lists and its item is 404 to the public; its submitter still
    // reads its status (and the reason) by receipt.
    let listed = app.get("/api/collections/needs/items").await;
    let ids: Vec<i64> = listed.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [open]);
    app.get(&format!("/api/collections/needs/items/{declined}"))
        .await
        .assert_problem(404);
    // Moderators read everything in their units.
    let theirs = app.get_as("/api/collections/needs/items", &west).await;
    assert_eq!(theirs.json["numberMatched"], 3, "{}", theirs.json);
}

async fn photos_are_refused_when_too_large_not_images_or_not_the_submitters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, receipt) = submitted(&app, &need(121.40, 31.26, "greenery", "树", None)).await;
    let jpeg = std::fs::read(fixture_path("photos/street_corner_with_gps.jpg")).unwrap();
    let post = |query: String, media: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/collections/needs/items/{id}/photos{query}"),
                None,
                &[("content-type", media)],
                Some(bytes),
            )
            .await
        }
    };
    post(String::new(), "image/jpeg", jpeg.clone())
        .await
        .assert_problem(403);
    post("?receipt=ZZZZZ-ZZZZZ".into(), "image/jpeg", jpeg.clone())
        .await
        .assert_problem(403);
    let q = format!("?receipt={receipt}");
    post(q.clone(), "image/gif", b"GIF89a".to_vec())
        .await
        .assert_problem(415);
    post(q.clone(), "image/png", jpeg.clone())
        .await
        .assert_problem(415);
    post(q.clone(), "image/jpeg", vec![0xFF; 70 * 1024])
        .await
        .assert_problem(413);
    for _ in 0..3 {
        assert_eq!(
            post(q.clone(), "image/jpeg", jpeg.clone()).await.status,
            StatusCode::CREATED
        );
    }
    post(q, "image/jpeg", jpeg).await.assert_problem(409);
    // An oversized need body is 413 too.
    let mut big = need(121.40, 31.26, "greenery", "树", None);
    big["properties"]["text"] = json!("树".repeat(40_000));
    submit(&app, "10.4.0.1", &big).await.assert_problem(413);
}

async fn a_thousand_submissions_from_one_address_are_throttled_while_others_and_tiles_answer(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let body = need(121.40, 31.26, "greenery", "刷屏", None);
    let (mut created, mut throttled) = (0, 0);
    for _ in 0..1000 {
        let r = submit(&app, "10.5.0.1", &body).await;
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(
                    r.header("retry-after")
                        .is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1))
                );
                throttled += 1;
            }
            other => panic!("{other}: {}", r.json),
        }
        // Meanwhile another resident submits, and the map is served.
        if (created + throttled) % 250 == 0 {
            let other = submit(
                &app,
                "10.5.0.2",
                &need(121.43, 31.25, "safety", "路灯坏了", None),
            )
            .await;
            assert_eq!(other.status, StatusCode::CREATED, "{}", other.json);
            let tile = app
                .send_from(
                    "10.5.0.1",
                    Method::GET,
                    "/tiles/blueprint/14/13717/6693.mvt",
                    None,
                )
                .await;
            assert!(
                tile.status == StatusCode::OK || tile.status == StatusCode::NO_CONTENT,
                "{}",
                tile.status
            );
            let read = app
                .send_from(
                    "10.5.0.3",
                    Method::GET,
                    "/api/collections/needs/items",
                    None,
                )
                .await;
            assert_eq!(read.status, StatusCode::OK);
        }
    }
    assert!(
        created <= 12 && throttled >= 988,
        "{created} created, {throttled} throttled"
    );
    assert_eq!(app.store.load_needs().await.unwrap().len(), created + 4);
}

async fn each_need_shows_the_walk_to_the_nearest_facility_and_the_queue_groups_the_gaps(
    backend: Backend,
) {
    let app = crate::coverage::grid_app(backend).await;
    let at = crate::coverage::at;
    let (near, far) = (at(50.0, 0.0), at(400.0, 400.0));
    let (a, _) = submitted(
        &app,
        &need(near.0, near.1, "childcare_education", "幼儿园太远", None),
    )
    .await;
    let (b, _) = submitted(
        &app,
        &need(far.0, far.1, "childcare_education", "幼儿园太远了", None),
    )
    .await;
    let one = app.get(&format!("/api/collections/needs/items/{b}")).await;
    let walks = one.json["properties"]["nearest"].as_array().unwrap();
    let kg = walks
        .iter()
        .find(|w| w["facility"] == "kindergarten")
        .unwrap();
    assert!(
        (kg["distance_m"].as_f64().unwrap() - 800.0).abs() < 5.0,
        "{kg}"
    );
    assert_eq!(kg["within"], false);
    let chief = app
        .person(
            "chief",
            &[Role::Planner],
            &[(TeamKind::Chief, &["990101"], TERM.0, TERM.1)],
        )
        .await;
    let queue = app.get_as("/api/needs/queue", &chief).await;
    let gap = queue.json["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["facility"] == "kindergarten")
        .unwrap()
        .clone();
    assert_eq!(
        gap["needs"],
        json!([b]),
        "only the far need sits beyond 300 m: {gap}"
    );
    assert_eq!(gap["threshold_m"], 300.0);
    let near = queue.json["needs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == a)
        .unwrap();
    let walk = near["properties"]["nearest"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["facility"] == "kindergarten")
        .unwrap();
    assert_eq!(walk["within"], true, "{walk}");
}

/// A local SMTP server that takes every message; what it received.
pub async fn smtp_server() -> (String, std::sync::Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let inbox = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let (mut data, mut message) = (false, String::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    if data {
                        if line == "." {
                            data = false;
                            inbox.lock().await.push(std::mem::take(&mut message));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                    } else if line.starts_with("DATA") {
                        data = true;
                        write.write_all(b"354 go on\r\n").await.unwrap();
                    } else if line.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        write.write_all(b"250 ok\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (address, received)
}

async fn a_follower_is_told_by_email_at_each_public_step_and_only_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (address, inbox) = smtp_server().await;
    let smtp =
        lantu::needs::mail::Smtp::parse(&format!("smtp://{address}"), "lantu@putuo.example.cn")
            .unwrap();
    let mut body = need(121.40, 31.26, "greenery", "种树", Some("li@example.cn"));
    body["properties"]["follow"] = json!(true);
    let (id, receipt) = submitted(&app, &body).await;
    let follow = app
        .send(
            Method::POST,
            &format!("/api/needs/track/{receipt}/followers"),
            None,
            &[("content-type", "application/json")],
            Some(br#"{"email": "neighbour@example.cn"}"#.to_vec()),
        )
        .await;
    assert_eq!(follow.status, StatusCode::NO_CONTENT, "{}", follow.json);
    let west = moderator(&app, "west", WEST).await;
    decide(&app, &west, id, json!({"action": "accept"})).await;
    decide(
        &app,
        &west,
        id,
        json!({"action": "hide", "reason": "核实中"}),
    )
    .await;
    let sent = lantu::needs::mail::deliver(&app.store, &smtp)
        .await
        .unwrap();
    // received → li; accepted → li and the neighbour; hiding is no public step.
    assert_eq!(sent, 3);
    assert_eq!(
        lantu::needs::mail::deliver(&app.store, &smtp)
            .await
            .unwrap(),
        0,
        "sent once"
    );
    let messages = inbox.lock().await.clone();
    assert_eq!(messages.len(), 3);
    assert!(
        messages
            .iter()
            .filter(|m| m.contains("To: <li@example.cn>"))
            .count()
            == 2
    );
    let accepted = messages
        .iter()
        .find(|m| m.contains("neighbour@example.cn"))
        .unwrap();
    assert!(
        accepted.contains("已受理") && accepted.contains("Accepted"),
        "{accepted}"
    );
    assert!(!messages.iter().any(|m| m.contains("核实中")));
}

async fn a_need_submitted_on_one_server_reaches_another_and_its_tiles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.replica().await;
    let (id, _) = submitted(&app, &need(121.40, 31.26, "greenery", "种树", None)).await;
    eventually("the replica knows the need", || {
        let other = &other;
        async move {
            other
                .get(&format!("/api/collections/needs/items/{id}"))
                .await
                .status
                == StatusCode::OK
        }
    })
    .await;
}

on_both_backends!(
    a_resident_submits_a_need_without_an_account_and_follows_it_by_its_receipt,
    bad_needs_are_refused_with_a_problem_naming_what_is_wrong_and_nothing_is_stored,
    moderation_is_for_the_planners_appointed_to_the_needs_unit_and_checks_each_step,
    a_need_is_supported_once_per_device_and_hidden_after_three_flags_from_three_addresses,
    no_public_answer_holds_a_contact_a_hidden_or_declined_need_or_a_photos_location,
    photos_are_refused_when_too_large_not_images_or_not_the_submitters,
    a_thousand_submissions_from_one_address_are_throttled_while_others_and_tiles_answer,
    each_need_shows_the_walk_to_the_nearest_facility_and_the_queue_groups_the_gaps,
    a_follower_is_told_by_email_at_each_public_step_and_only_once,
    a_need_submitted_on_one_server_reaches_another_and_its_tiles,
);
