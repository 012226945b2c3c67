//! A project from residents' needs to operation, through "one blueprint, three meetings"
//! (一图三会): every shortcut refused with a problem naming the missing step, every step told
//! to the needs it answers and to their followers, on the trail, in the feed and by e-mail.

use axum::http::{Method, StatusCode};
use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const WEST: &str = "990101001";
const EAST: &str = "990101002";

async fn post(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send(
        Method::POST,
        path,
        token,
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = post(app, Some(token), path, body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.json);
    r.json
}

async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send(
        Method::PATCH,
        path,
        Some(token),
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// A move to `stage` that must be refused with 409 naming `missing`.
async fn refused(app: &TestApp, token: &str, id: i64, stage: &str, missing: &str) {
    let r = post(
        app,
        Some(token),
        &format!("/api/projects/{id}/stage"),
        json!({"stage": stage}),
    )
    .await;
    let problem = r.assert_problem(409);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(missing),
        "{stage}: {missing} not named in {detail}"
    );
}

async fn moved(app: &TestApp, token: &str, id: i64, stage: &str) {
    let r = ok(
        app,
        token,
        &format!("/api/projects/{id}/stage"),
        json!({"stage": stage}),
    )
    .await;
    assert_eq!(r["properties"]["stage"], stage);
}

fn meeting(kind: &str, day: &str, passed: bool) -> Value {
    json!({"kind": kind, "held_on": day, "place": "长寿路居委会活动室",
           "attendance": {"residents": 40, "representatives": 12, "planners": 2, "committee": 3},
           "motion": "同意实施口袋花园更新", "votes_for": if passed { 45 } else { 10 },
           "votes_against": if passed { 5 } else { 40 }, "votes_abstain": 2,
           "minutes": "会议纪要：居民讨论了树种与座椅。"})
}

async fn a_project_walks_from_three_needs_to_operation_and_every_follower_is_told_at_each_step(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (address, inbox) = crate::needs::smtp_server().await;
    let smtp =
        lantu::needs::mail::Smtp::parse(&format!("smtp://{address}"), "lantu@example.cn").unwrap();
    let term = ("2025-01-01", "2030-12-31");
    let west = app
        .person(
            "west",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[WEST], term.0, term.1)],
        )
        .await;
    let east = app
        .person(
            "east",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[EAST], term.0, term.1)],
        )
        .await;
    // Three residents' needs near one corner, each followed by its resident.
    let mut needs = Vec::new();
    for (i, text) in [
        "街角太乱，想要一个小花园",
        "老人没有地方坐",
        "孩子放学没处玩",
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [121.400 + 0.0003 * i as f64, 31.260]},
            "properties": {"category": "pocket_garden", "text": text,
                           "contact": format!("resident{i}@example.cn"), "follow": true}});
        let r = app
            .send_from(
                &format!("10.7.0.{i}"),
                Method::POST,
                "/api/collections/needs/items",
                Some(body.to_string().into_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        needs.push(r.json["need"]["id"].as_i64().unwrap());
    }
    ok(
        &app,
        &west,
        &format!("/api/collections/needs/items/{}/decision", needs[0]),
        json!({"action": "accept"}),
    )
    .await;
    let (site, _) = app
        .create_site(&crate::helpers::fixture("sites/point_in_west.geojson"))
        .await;
    let new = json!({"name": "长寿路口袋花园", "element_type": "pocket_garden", "sites": [site],
                     "needs": needs, "reserve_from": 2026, "reserve_to": 2028, "plan_year": 2026});
    post(&app, Some(&east), "/api/projects", new.clone())
        .await
        .assert_problem(403);
    let created = post(&app, Some(&west), "/api/projects", new).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(created.json["properties"]["subdistrict"], WEST);
    assert_eq!(created.json["geometry"]["type"], "GeometryCollection");
    for n in &needs {
        let need = app.get(&format!("/api/collections/needs/items/{n}")).await;
        assert_eq!(
            need.json["properties"]["status"], "answered",
            "{}",
            need.json
        );
        // The project is a draft: the public learns that a project answers the need, not which.
        assert!(
            need.json["properties"].get("project").is_none(),
            "{}",
            need.json
        );
        assert!(
            !need.json.to_string().contains("长寿路口袋花园"),
            "{}",
            need.json
        );
        let theirs = app
            .get_as(&format!("/api/collections/needs/items/{n}"), &west)
            .await;
        assert_eq!(theirs.json["properties"]["project"], id);
    }
    app.get(&format!("/api/projects/{id}"))
        .await
        .assert_problem(404);

    let stage = format!("/api/projects/{id}");
    refused(&app, &west, id, "approved", "hearing_held").await;
    refused(&app, &west, id, "hearing_held", "事前听证会").await;
    ok(
        &app,
        &west,
        &format!("{stage}/meetings"),
        meeting("hearing", "2026-03-02", false),
    )
    .await;
    moved(&app, &west, id, "hearing_held").await;
    refused(&app, &west, id, "approved", "passed").await;
    ok(
        &app,
        &west,
        &format!("{stage}/meetings"),
        meeting("hearing", "2026-03-16", true),
    )
    .await;
    let east_move = post(
        &app,
        Some(&east),
        &format!("{stage}/stage"),
        json!({"stage": "approved"}),
    )
    .await;
    east_move.assert_problem(403);
    moved(&app, &west, id, "approved").await;
    moved(&app, &west, id, "design").await;
    refused(&app, &west, id, "funded", "事中协调会").await;
    ok(
        &app,
        &west,
        &format!("{stage}/meetings"),
        meeting("coordination", "2026-04-20", true),
    )
    .await;
    refused(&app, &west, id, "funded", "funding").await;
    ok(
        &app,
        &west,
        &format!("{stage}/funding"),
        json!({"source": "autonomy_fund", "planned": 50000.0, "spent": 20000.0}),
    )
    .await;
    ok(
        &app,
        &west,
        &format!("{stage}/funding"),
        json!({"source": "fiscal", "planned": 150000.0}),
    )
    .await;
    moved(&app, &west, id, "funded").await;
    moved(&app, &west, id, "in_construction").await;
    moved(&app, &west, id, "completed").await;
    refused(&app, &west, id, "reviewed", "事后评议会").await;
    ok(
        &app,
        &west,
        &format!("{stage}/meetings"),
        meeting("review", "2026-10-10", true),
    )
    .await;
    refused(&app, &west, id, "reviewed", "published result").await;
    let result = patch(
        &app,
        &west,
        &stage,
        json!({"result": "新增口袋花园 320 m²，座椅 12 处", "published": true}),
    )
    .await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.json);
    refused(&app, &west, id, "reviewed", "published result").await;
    let today = chrono::Utc::now().date_naive().to_string();
    ok(
        &app,
        &west,
        &format!("{stage}/publications"),
        json!({"subject": "项目成果公示", "text": "新增口袋花园 320 m²", "starts_on": today,
              "ends_on": "2099-01-01", "comments_until": "2099-01-01"}),
    )
    .await;
    moved(&app, &west, id, "reviewed").await;
    refused(&app, &west, id, "in_operation", "satisfaction survey").await;
    ok(
        &app,
        &west,
        &format!("{stage}/surveys"),
        json!({"held_on": "2026-11-01", "respondents": 120, "satisfied": 102, "mean_score": 88.5,
              "verdict": "居民满意，建议增加夜间照明"}),
    )
    .await;
    refused(&app, &west, id, "in_operation", "运维").await;
    patch(
        &app,
        &west,
        &stage,
        json!({"operation_rules": "居委会与物业每周巡查，志愿者认养花草"}),
    )
    .await;
    moved(&app, &west, id, "in_operation").await;
    refused(&app, &west, id, "withdrawn", "cannot be withdrawn").await;

    // The public reads the published project: its three meetings, funding, survey, stages.
    let public = app.get(&format!("/api/projects/{id}")).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.json);
    let p = &public.json["properties"];
    let kinds: Vec<&str> = p["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["hearing", "hearing", "coordination", "review"]);
    assert_eq!(
        (p["planned_total"].as_f64(), p["spent_total"].as_f64()),
        (Some(200000.0), Some(20000.0))
    );
    assert!((p["surveys"][0]["satisfaction"].as_f64().unwrap() - 0.85).abs() < 1e-9);
    assert_eq!(p["stages"].as_array().unwrap().len(), 9);
    assert!(
        p["stages"][1].get("by").is_none(),
        "the public sees no names"
    );
    let listed = app.get("/api/projects?year=2026").await;
    assert_eq!(listed.json["projects"][0]["id"], id);

    // Each need's trail holds every public step, and so do its feed and its follower's mail.
    let expected_steps = 1 /* received */ + 1 /* answered */ + 8 /* stages */ + 4 /* meetings */
        + 1 /* publication */ + 1 /* survey */;
    for (i, n) in needs.iter().enumerate() {
        let need = app.get(&format!("/api/collections/needs/items/{n}")).await;
        let trail = need.json["properties"]["trail"].as_array().unwrap();
        // The first need was also accepted before the project answered it.
        assert_eq!(
            trail.len(),
            expected_steps + usize::from(i == 0),
            "need {n}: {trail:?}"
        );
        assert_eq!(trail.last().unwrap()["kind"], "project_stage");
        assert!(
            trail.last().unwrap()["note"]
                .as_str()
                .unwrap()
                .contains("运营中")
        );
        let (_, _, feed) = app
            .send_raw(
                Method::GET,
                &format!("/api/collections/needs/items/{n}/feed"),
                None,
                &[],
                None,
            )
            .await;
        let feed = String::from_utf8(feed).unwrap();
        assert_eq!(feed.matches("<entry>").count(), trail.len());
    }
    let sent = lantu::needs::mail::deliver(&app.store, &smtp)
        .await
        .unwrap();
    let messages = inbox.lock().await.clone();
    assert_eq!(sent, messages.len());
    for i in 0..3 {
        let to = format!("To: <resident{i}@example.cn>");
        let theirs = messages.iter().filter(|m| m.contains(&to)).count();
        assert_eq!(theirs, expected_steps + usize::from(i == 0), "{to}");
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("运营中") && m.contains("In operation"))
    );
}

async fn a_project_needs_sites_in_one_subdistrict_and_needs_that_can_be_answered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (west_site, _) = app
        .create_site(&crate::helpers::fixture("sites/point_in_west.geojson"))
        .await;
    let (east_site, _) = app
        .create_site(&crate::helpers::fixture(
            "sites/pocket_garden_in_east.geojson",
        ))
        .await;
    let base = json!({"name": "跨街道", "element_type": "pocket_garden"});
    let with = |extra: Value| {
        let mut b = base.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let planner = app.planner.clone();
    let two = post(
        &app,
        Some(&planner),
        "/api/projects",
        with(json!({"sites": [west_site, east_site]})),
    )
    .await;
    assert_eq!(two.assert_problem(422)["errors"][0]["pointer"], "/sites/1");
    post(
        &app,
        Some(&planner),
        "/api/projects",
        with(json!({"sites": []})),
    )
    .await
    .assert_problem(422);
    post(
        &app,
        Some(&planner),
        "/api/projects",
        with(json!({"sites": [999]})),
    )
    .await
    .assert_problem(422);
    post(
        &app,
        Some(&planner),
        "/api/projects",
        with(json!({"sites": [west_site], "needs": [999]})),
    )
    .await
    .assert_problem(422);
    post(
        &app,
        Some(&planner),
        "/api/projects",
        with(json!({"sites": [west_site], "colour": "red"})),
    )
    .await
    .assert_problem(400);
    post(
        &app,
        None,
        "/api/projects",
        with(json!({"sites": [west_site]})),
    )
    .await
    .assert_problem(401);
    assert_eq!(
        app.get_as("/api/projects", &planner).await.json["projects"],
        json!([]),
        "nothing was stored"
    );
}

async fn the_reserve_is_ranked_by_the_residents_each_project_brings_within_reach(backend: Backend) {
    let app = crate::coverage::grid_app(backend).await;
    let at = crate::coverage::at;
    // The grid's known answers: a kindergarten near home 4 adds its 400 residents, near home 3
    // its 300, near home 1 nobody (home 1 is covered today).
    let mut ids = Vec::new();
    for (name, (x, y)) in [
        ("近一号", (0.0, 50.0)),
        ("近三号", (400.0, 100.0)),
        ("近四号", (100.0, 300.0)),
    ] {
        let (lon, lat) = at(x, y);
        let (site, _) = app
            .create_site(&json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"name": name, "element_type": "public_facility", "status": "published"}}))
            .await;
        let p = ok(
            &app,
            &app.planner.clone(),
            "/api/projects",
            json!({"name": name, "element_type": "public_facility",
            "sites": [site], "reserve_from": 2026, "reserve_to": 2028}),
        )
        .await;
        ids.push(p["id"].as_i64().unwrap());
    }
    let ranked = app
        .get_as("/api/projects/reserve?category=kindergarten", &app.planner)
        .await;
    assert_eq!(ranked.status, StatusCode::OK, "{}", ranked.json);
    let got: Vec<(i64, f64)> = ranked.json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["people_added"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(ids[2], 400.0), (ids[1], 300.0), (ids[0], 0.0)]);
    assert_eq!(ranked.json["threshold_m"], 300.0);
    // The public sees no unpublished project in the reserve.
    assert_eq!(
        app.get("/api/projects/reserve?category=kindergarten")
            .await
            .json["projects"],
        json!([])
    );
    app.get("/api/projects/reserve?category=unicorns")
        .await
        .assert_problem(400);
    app.get("/api/projects/reserve").await.assert_problem(400);
}

async fn a_project_shows_in_the_public_tiles_once_published_with_its_stage(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (site, _) = app
        .create_site(&crate::helpers::fixture("sites/point_in_west.geojson"))
        .await;
    let planner = app.planner.clone();
    let p = ok(
        &app,
        &planner,
        "/api/projects",
        json!({"name": "西区街角更新", "element_type": "street_corner", "sites": [site]}),
    )
    .await;
    let id = p["id"].as_i64().unwrap();
    let (x, y) = crate::needs::tile_of(121.4, 31.26, 14);
    let projects = |tile: crate::tiles::Tile| -> Vec<(Option<u64>, String)> {
        tile.layer("projects")
            .iter()
            .map(|f| {
                let stage = match f.properties.as_ref().and_then(|p| p.get("stage")) {
                    Some(mvt_reader::feature::Value::String(s)) => s.clone(),
                    other => format!("{other:?}"),
                };
                (f.id, stage)
            })
            .collect()
    };
    assert_eq!(
        projects(crate::tiles::get_tile(&app, 14, x, y, None).await),
        [],
        "unpublished: not public"
    );
    assert_eq!(
        projects(crate::tiles::get_tile(&app, 14, x, y, Some(&planner)).await),
        [(Some(site as u64), "proposal".into())]
    );
    let r = patch(
        &app,
        &planner,
        &format!("/api/projects/{id}"),
        json!({"published": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        projects(crate::tiles::get_tile(&app, 14, x, y, None).await),
        [(Some(site as u64), "proposal".into())]
    );
    ok(
        &app,
        &planner,
        &format!("/api/projects/{id}/stage"),
        json!({"stage": "withdrawn"}),
    )
    .await;
    assert_eq!(
        projects(crate::tiles::get_tile(&app, 14, x, y, None).await),
        [(Some(site as u64), "withdrawn".into())]
    );
    // Another server follows.
    let other = app.replica().await;
    crate::helpers::eventually("the replica draws the project", || {
        let other = &other;
        async move {
            !crate::tiles::get_tile(other, 14, x, y, None)
                .await
                .layer("projects")
                .is_empty()
        }
    })
    .await;
}

async fn photos_before_and_after_lose_their_metadata_and_comments_are_taken_within_the_window(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (site, _) = app
        .create_site(&crate::helpers::fixture("sites/point_in_west.geojson"))
        .await;
    let planner = app.planner.clone();
    let p = ok(
        &app,
        &planner,
        "/api/projects",
        json!({"name": "街角", "element_type": "street_corner", "sites": [site]}),
    )
    .await;
    let id = p["id"].as_i64().unwrap();
    let jpeg = std::fs::read(crate::helpers::fixture_path(
        "photos/street_corner_with_gps.jpg",
    ))
    .unwrap();
    let photo = |query: &'static str, media: &'static str, bytes: Vec<u8>| {
        let (app, planner) = (&app, planner.clone());
        async move {
            app.send(
                Method::POST,
                &format!("/api/projects/{id}/photos{query}"),
                Some(&planner),
                &[("content-type", media)],
                Some(bytes),
            )
            .await
        }
    };
    let added = photo("?phase=before", "image/jpeg", jpeg.clone()).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.json);
    let photos = added.json["properties"]["photos"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["phase"], "before");
    photo("?phase=during", "image/jpeg", jpeg.clone())
        .await
        .assert_problem(400);
    photo("?phase=after", "image/gif", b"GIF89a".to_vec())
        .await
        .assert_problem(415);
    let anonymous = app
        .send(
            Method::POST,
            &format!("/api/projects/{id}/photos?phase=after"),
            None,
            &[("content-type", "image/jpeg")],
            Some(jpeg.clone()),
        )
        .await;
    anonymous.assert_problem(401);
    let href = format!("/api/projects/photos/{}", photos[0]["id"]);
    app.get(&href).await.assert_problem(404);
    patch(
        &app,
        &planner,
        &format!("/api/projects/{id}"),
        json!({"published": true}),
    )
    .await;
    let (status, _, bytes) = app.send_raw(Method::GET, &href, None, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        bytes.starts_with(&[0xFF, 0xD8])
            && !text.contains("Exif")
            && !text.contains("GPS")
            && !text.contains("Canon")
    );

    // A publication whose window closed, and one open now.
    let today = chrono::Utc::now().date_naive();
    let closed = ok(&app, &planner, &format!("/api/projects/{id}/publications"), json!({"subject": "方案公示",
        "text": "方案", "starts_on": "2026-01-01", "ends_on": "2026-01-10", "comments_until": "2026-01-10"})).await;
    let open = ok(&app, &planner, &format!("/api/projects/{id}/publications"), json!({"subject": "成果公示",
        "text": "成果", "starts_on": today.to_string(), "ends_on": "2099-01-01", "comments_until": "2099-01-01"})).await;
    let pubs = open["properties"]["publications"]
        .as_array()
        .unwrap()
        .clone();
    let (closed_id, open_id) = (
        pubs[0]["id"].as_i64().unwrap(),
        pubs[1]["id"].as_i64().unwrap(),
    );
    assert!(closed["properties"]["publications"][0]["comments"] == 0);
    let comment = |publication: i64, text: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/projects/{id}/publications/{publication}/comments"),
                None,
                &[("content-type", "application/json")],
                Some(json!({"text": text}).to_string().into_bytes()),
            )
            .await
        }
    };
    let late = comment(closed_id, "太晚了").await;
    assert!(
        late.assert_problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("2026-01-10")
    );
    assert_eq!(
        comment(open_id, "希望多种树").await.status,
        StatusCode::NO_CONTENT
    );
    comment(open_id, "").await.assert_problem(422);
    app.get(&format!("/api/projects/{id}/publications/999/comments"))
        .await
        .assert_problem(401);
    let public = app.get(&format!("/api/projects/{id}")).await;
    assert_eq!(public.json["properties"]["publications"][1]["comments"], 1);
    assert!(
        !public.json.to_string().contains("希望多种树"),
        "the public sees how many, not what"
    );
    let theirs = app
        .get_as(
            &format!("/api/projects/{id}/publications/{open_id}/comments"),
            &planner,
        )
        .await;
    assert_eq!(theirs.json[0]["text"], "希望多种树");

    // The hearing's signed minutes as a PDF; a file that is not what it says is refused.
    let m = ok(
        &app,
        &planner,
        &format!("/api/projects/{id}/meetings"),
        meeting("hearing", "2026-03-16", true),
    )
    .await;
    let meeting_id = m["properties"]["meetings"][0]["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.4\n% minutes signed by 12 representatives\n%%EOF\n".to_vec();
    let attach = |name: &'static str, media: &'static str, bytes: Vec<u8>| {
        let (app, planner) = (&app, planner.clone());
        async move {
            app.send(
                Method::POST,
                &format!("/api/projects/{id}/meetings/{meeting_id}/attachments?name={name}"),
                Some(&planner),
                &[("content-type", media)],
                Some(bytes),
            )
            .await
        }
    };
    let added = attach(
        "%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.json);
    let file = added.json["properties"]["meetings"][0]["attachments"][0].clone();
    assert_eq!(file["name"], "会议纪要.pdf");
    attach("x.pdf", "application/pdf", b"not a pdf".to_vec())
        .await
        .assert_problem(415);
    attach("x.doc", "application/msword", pdf.clone())
        .await
        .assert_problem(415);
    attach("x.pdf", "application/pdf", vec![b'%'; 70 * 1024])
        .await
        .assert_problem(413);
    let (status, headers, bytes) = app
        .send_raw(
            Method::GET,
            &format!("/api/projects/attachments/{}", file["id"]),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf));
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf"
    );
}

on_both_backends!(
    photos_before_and_after_lose_their_metadata_and_comments_are_taken_within_the_window,
    a_project_shows_in_the_public_tiles_once_published_with_its_stage,
    the_reserve_is_ranked_by_the_residents_each_project_brings_within_reach,
    a_project_walks_from_three_needs_to_operation_and_every_follower_is_told_at_each_step,
    a_project_needs_sites_in_one_subdistrict_and_needs_that_can_be_answered,
);
