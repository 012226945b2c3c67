//! Evaluating planners (考评): a term with known records fills Binjiang's sheet exactly as a
//! hand count does, with each item's evidence; the evaluator's changes are audited with their
//! reasons; the thresholds decide excellent, pass and fail; a confirmed sheet is frozen; a failed
//! appointment's renewal is refused naming the evaluation; nobody reads a sheet not theirs.

use axum::http::{Method, StatusCode};
use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestResponse};
use crate::on_both_backends;

const WEST: &str = "990101001";
const EAST: &str = "990101002";
const TERM: (&str, &str) = ("2024-01-01", "2026-12-31");

async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> TestResponse {
    app.send(
        method,
        path,
        token,
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = send(app, Method::POST, Some(token), path, body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.json);
    r.json
}

async fn project(app: &TestApp, token: &str, site: &str, name: &str) -> i64 {
    let (site, _) = app.create_site(&crate::helpers::fixture(site)).await;
    let body = json!({"name": name, "element_type": "pocket_garden", "sites": [site]});
    ok(app, token, "/api/projects", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn appointment_of(app: &TestApp, login: &str) -> i64 {
    let users = app.store.users().await.unwrap();
    let user = users.iter().find(|u| u.login == login).unwrap().id;
    app.store.mandates(user).await.unwrap()[0].id
}

fn record(appointment: i64, kind: &str, day: &str, hours: f64, title: &str) -> Value {
    json!({"appointment": appointment, "kind": kind, "held_on": day, "hours": hours,
           "title": title, "units": [WEST], "present": ["街道城建办", "居民代表"], "attendance": 12})
}

/// The items of a sheet by id.
fn items(sheet: &Value) -> std::collections::BTreeMap<String, Value> {
    sheet["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap().clone())
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect()
}

fn evidence_of(item: &Value, metric: &str) -> Vec<Value> {
    item["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} evidence in {item}"))["records"]
        .as_array()
        .unwrap()
        .clone()
}

async fn score(app: &TestApp, id: i64, item: &str, points: f64, reason: Option<&str>) -> Value {
    let r = send(
        app,
        Method::PUT,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/scores/{item}"),
        json!({"points": points, "reason": reason}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{item}: {}", r.json);
    r.json
}

async fn a_term_with_known_records_fills_binjiangs_sheet_as_a_hand_count_and_a_failed_term_is_not_renewed(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let west = app
        .person(
            "west",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[WEST], TERM.0, TERM.1)],
        )
        .await;
    let east = app
        .person(
            "east",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[EAST], TERM.0, TERM.1)],
        )
        .await;
    let appointment = appointment_of(&app, "west").await;

    // Four projects of west's sub-district (its own), two of east's that west consulted on.
    let mut own = Vec::new();
    for i in 0..4 {
        own.push(
            project(
                &app,
                &west,
                "sites/point_in_west.geojson",
                &format!("西区项目{i}"),
            )
            .await,
        );
    }
    let east_a = project(
        &app,
        &east,
        "sites/pocket_garden_in_east.geojson",
        "东区项目A",
    )
    .await;
    let east_b = project(
        &app,
        &east,
        "sites/pocket_garden_in_east.geojson",
        "东区项目B",
    )
    .await;
    // One residents' hearing on an own project: the fourth participation event.
    ok(
        &app,
        &west,
        &format!("/api/projects/{}/meetings", own[0]),
        json!({"kind": "hearing", "held_on": "2026-11-20", "place": "居委会活动室",
               "attendance": {"residents": 30, "planners": 2}}),
    )
    .await;
    // A need of west's units on the needs list.
    let need = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.401, 31.261]},
                      "properties": {"category": "pocket_garden", "text": "街角想要一个小花园"}});
    let r = app
        .send_from(
            "10.9.0.1",
            Method::POST,
            "/api/collections/needs/items",
            Some(need.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let need_id = r.json["need"]["id"].as_i64().unwrap();
    ok(
        &app,
        &west,
        &format!("/api/collections/needs/items/{need_id}/decision"),
        json!({"action": "accept"}),
    )
    .await;

    // Service records: 120 hours in all.
    let mut logged = Vec::new();
    for (i, day) in ["2026-03-05", "2026-05-12", "2026-09-08"]
        .iter()
        .enumerate()
    {
        logged.push(record(
            appointment,
            "training",
            day,
            4.0,
            &format!("规划政策宣讲 {i}"),
        ));
    }
    for (p, day) in [(east_a, "2026-04-01"), (east_b, "2026-06-01")] {
        let mut r = record(appointment, "consultation", day, 8.0, "跨街道项目咨询");
        r["project"] = json!(p);
        logged.push(r);
    }
    // A consultation on an own project counts it once, not twice.
    let mut again = record(
        appointment,
        "consultation",
        "2026-06-02",
        2.0,
        "本街道项目咨询",
    );
    again["project"] = json!(own[1]);
    logged.push(again);
    logged.push(record(
        appointment,
        "petition",
        "2026-07-01",
        4.0,
        "信访答疑：加装电梯",
    ));
    logged.push(record(
        appointment,
        "guidance",
        "2026-02-01",
        6.0,
        "近期建设规划意见",
    ));
    logged.push(record(
        appointment,
        "guidance",
        "2026-08-01",
        6.0,
        "产业发展意见",
    ));
    for i in 0..8 {
        let mut r = record(
            appointment,
            "site_visit",
            "2026-10-01",
            9.25,
            &format!("施工现场指导 {i}"),
        );
        r["units"] = json!([]);
        r["place"] = json!([121.400, 31.260]);
        logged.push(r);
    }
    for body in &logged {
        ok(&app, &west, "/api/service-records", body.clone()).await;
    }
    let mine = app.get_as("/api/service-records", &west).await;
    assert_eq!(mine.json["records"].as_array().unwrap().len(), logged.len());
    assert_eq!(mine.json["hours"], 120.0);

    // Only an evaluator starts an evaluation.
    let start = json!({"appointment": appointment, "template": "binjiang"});
    send(
        &app,
        Method::POST,
        Some(&west),
        "/api/evaluations",
        start.clone(),
    )
    .await
    .assert_problem(403);
    let sheet = ok(&app, &app.analyst, "/api/evaluations", start.clone()).await;
    let id = sheet["id"].as_i64().unwrap();
    send(
        &app,
        Method::POST,
        Some(&app.analyst),
        "/api/evaluations",
        start,
    )
    .await
    .assert_problem(409);
    assert_eq!(sheet["groups"].as_array().unwrap().len(), 7);
    assert_eq!(sheet["max"], 100.0);
    assert_eq!(sheet["hours"], 120.0);
    let by_id = items(&sheet);
    // The hand count: 6 projects × 3 = 18, at most 15; 4 events × 3 = 12; a needs list 5;
    // a petition answered 5; 2 guidance opinions × 2 = 4.
    for (item, points) in [
        ("3.1", 15.0),
        ("6.1", 12.0),
        ("6.2", 5.0),
        ("6.3", 5.0),
        ("2.3", 4.0),
    ] {
        assert_eq!(by_id[item]["computed"], points, "{item}: {}", by_id[item]);
        assert_eq!(by_id[item]["points"], points, "{item}");
    }
    let projects = evidence_of(&by_id["3.1"], "projects_consulted");
    let mut ids: Vec<i64> = projects.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = own.clone();
    expected.extend([east_a, east_b]);
    expected.sort_unstable();
    assert_eq!(ids, expected, "each project once, linked");
    assert!(
        projects
            .iter()
            .all(|e| e["href"].as_str().unwrap().starts_with("/projects/"))
    );
    let events = evidence_of(&by_id["6.1"], "participation_events");
    assert_eq!(events.len(), 4);
    assert_eq!(
        events.iter().filter(|e| e["source"] == "meeting").count(),
        1
    );
    assert_eq!(
        evidence_of(&by_id["6.2"], "needs_compiled")[0]["id"],
        need_id
    );
    assert_eq!(sheet["total"], 41.0);
    assert_eq!(sheet["complete"], false);
    assert_eq!(
        sheet["missing"].as_array().unwrap().len(),
        9,
        "the nine manual items"
    );

    // The sheet fills as records come in: a third guidance opinion.
    ok(
        &app,
        &west,
        "/api/service-records",
        record(
            appointment,
            "guidance",
            "2026-11-01",
            1.0,
            "街道更新时序意见",
        ),
    )
    .await;
    let filled = app
        .get_as(&format!("/api/evaluations/{id}"), &west)
        .await
        .json;
    assert_eq!(items(&filled)["2.3"]["points"], 6.0);
    assert_eq!(filled["hours"], 121.0);

    // Submitting with unscored items names them.
    let problem = send(
        &app,
        Method::POST,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/submit"),
        json!({}),
    )
    .await;
    assert!(
        problem.assert_problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("1.1")
    );

    // The evaluator scores the manual items: 43 + 47 = 90 is excellent.
    for (item, points) in [
        ("1.1", 5.0),
        ("1.2", 5.0),
        ("2.1", 5.0),
        ("2.2", 5.0),
        ("4.1", 5.0),
        ("4.2", 5.0),
        ("5.1", 4.0),
        ("5.2", 4.0),
        ("7.1", 9.0),
    ] {
        score(&app, id, item, points, None).await;
    }
    let excellent = app
        .get_as(&format!("/api/evaluations/{id}"), &app.analyst)
        .await
        .json;
    assert_eq!(excellent["total"], 90.0);
    assert_eq!(excellent["result"]["id"], "excellent");
    assert_eq!(excellent["result"]["renewal"], "eligible");
    assert_eq!(excellent["complete"], true);

    // Changing a computed item needs a reason; points outside the range are refused.
    let r = send(
        &app,
        Method::PUT,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/scores/3.1"),
        json!({"points": 9}),
    )
    .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["pointer"], "/reason");
    let r = send(
        &app,
        Method::PUT,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/scores/7.1"),
        json!({"points": 11}),
    )
    .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["pointer"], "/points");
    send(
        &app,
        Method::PUT,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/scores/9.9"),
        json!({"points": 1}),
    )
    .await
    .assert_problem(404);
    send(
        &app,
        Method::PUT,
        Some(&west),
        &format!("/api/evaluations/{id}/scores/7.1"),
        json!({"points": 10}),
    )
    .await
    .assert_problem(403);

    // 90 − 6 (two projects only consulted by phone) − 6 (attendance) − 4 (design management) = 74.
    let reason = "两个项目仅电话咨询，未到现场";
    let adjusted = score(&app, id, "3.1", 9.0, Some(reason)).await;
    assert_eq!(
        items(&adjusted)["3.1"]["computed"],
        15.0,
        "the records' count stays beside it"
    );
    assert_eq!(items(&adjusted)["3.1"]["adjusted"]["reason"], reason);
    score(&app, id, "7.1", 3.0, Some("出勤不足")).await;
    score(&app, id, "4.2", 1.0, None).await;
    let failing = app
        .get_as(&format!("/api/evaluations/{id}"), &app.analyst)
        .await
        .json;
    assert_eq!(failing["total"], 74.0);
    assert_eq!(failing["result"]["id"], "fail");
    assert_eq!(failing["result"]["renewal"], "refused");

    // The change is in the audit log with its reason.
    let audit = app
        .get_as("/api/audit?collection=evaluations", &app.admin)
        .await;
    let entry = audit.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == format!("{id}:3.1") && e["action"] == "score")
        .unwrap_or_else(|| panic!("no audit entry for 3.1 in {}", audit.json))
        .clone();
    let after: Value = serde_json::from_str(entry["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["points"], 9.0);
    assert_eq!(after["reason"], reason);
    assert_eq!(after["computed"], 15.0);
    assert!(
        entry["actor"].as_str().unwrap().contains("analyst"),
        "{entry}"
    );

    // Confirming needs a submission first; then the sheet is frozen.
    send(
        &app,
        Method::POST,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/confirm"),
        json!({}),
    )
    .await
    .assert_problem(409);
    ok(
        &app,
        &app.analyst,
        &format!("/api/evaluations/{id}/submit"),
        json!({}),
    )
    .await;
    let confirmed = ok(
        &app,
        &app.analyst,
        &format!("/api/evaluations/{id}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["total"], 74.0);
    let r = send(
        &app,
        Method::PUT,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/scores/7.1"),
        json!({"points": 10, "reason": "改判"}),
    )
    .await;
    assert!(
        r.assert_problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("frozen")
    );
    send(
        &app,
        Method::POST,
        Some(&app.analyst),
        &format!("/api/evaluations/{id}/confirm"),
        json!({}),
    )
    .await
    .assert_problem(409);
    let summary = app
        .send(
            Method::POST,
            &format!("/api/evaluations/{id}/summary?name=summary.pdf"),
            Some(&west),
            &[("content-type", "application/pdf")],
            Some(b"%PDF-1.4\n%%EOF\n".to_vec()),
        )
        .await;
    summary.assert_problem(409);
    ok(
        &app,
        &west,
        "/api/service-records",
        record(appointment, "guidance", "2026-11-02", 1.0, "确认后的记录"),
    )
    .await;
    let after_confirm = app
        .get_as(&format!("/api/evaluations/{id}"), &west)
        .await
        .json;
    assert_eq!(
        after_confirm["total"], 74.0,
        "a later record leaves the confirmed sheet alone"
    );
    assert_eq!(after_confirm["hours"], 121.0);
    assert_eq!(items(&after_confirm)["2.3"]["points"], 6.0);

    // A record the confirmed sheet counts stays as its evidence.
    let counted = mine.json["records"][0]["id"].as_i64().unwrap();
    let kept = send(
        &app,
        Method::DELETE,
        Some(&west),
        &format!("/api/service-records/{counted}"),
        json!({}),
    )
    .await;
    assert!(
        kept.assert_problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("evaluation {id}"))
    );

    // The district table shows the result.
    let table = app.get_as("/api/evaluations/table", &app.analyst).await;
    let row = table.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["appointment"] == appointment)
        .unwrap()
        .clone();
    assert_eq!(row["score"], 74.0);
    assert_eq!(row["result"], "fail");
    assert_eq!(row["renewal"], "refused");
    assert_eq!(row["hours"], 122.0);
    let csv = app
        .send(
            Method::GET,
            "/api/evaluations/table.csv",
            Some(&app.analyst),
            &[],
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.json.as_str().unwrap();
    assert!(
        text.contains(&format!("{appointment},subdistrict,"))
            && text.contains(",74,fail,不合格,refused"),
        "{text}"
    );

    // Renewing the failed appointment is refused, naming the evaluation.
    let users = app.store.users().await.unwrap();
    let west_user = users.iter().find(|u| u.login == "west").unwrap();
    let renewal = json!({"user": west_user.login, "kind": "subdistrict", "units": [WEST],
        "starts_on": "2027-01-01", "ends_on": "2029-12-31", "appointed_by": "示范西街道办事处",
        "renews": appointment});
    let refused = send(
        &app,
        Method::POST,
        Some(&app.admin),
        "/api/appointments",
        renewal,
    )
    .await;
    let detail = refused.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains(&format!("evaluation {id}")) && detail.contains("74"),
        "{detail}"
    );
    // East was not failed: its renewal goes through.
    let east_appointment = appointment_of(&app, "east").await;
    let renewal = json!({"user": "east", "kind": "subdistrict", "units": [EAST],
        "starts_on": "2027-01-01", "ends_on": "2029-12-31", "appointed_by": "示范东街道办事处",
        "renews": east_appointment});
    ok(&app, &app.admin, "/api/appointments", renewal).await;
}

async fn a_planner_reads_only_their_own_sheets_and_records_and_the_public_none(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let west = app
        .person(
            "west",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[WEST], TERM.0, TERM.1)],
        )
        .await;
    let east = app
        .person(
            "east",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[EAST], TERM.0, TERM.1)],
        )
        .await;
    let chief = app
        .person(
            "chief",
            &[Role::Planner],
            &[(TeamKind::Chief, &["990101"], TERM.0, TERM.1)],
        )
        .await;
    let appointment = appointment_of(&app, "west").await;
    let logged = ok(
        &app,
        &west,
        "/api/service-records",
        record(appointment, "mailbox", "2026-06-01", 1.5, "规划师信箱回复"),
    )
    .await;
    let file = app
        .send(
            Method::POST,
            &format!(
                "/api/service-records/{}/files?name=签到表.pdf",
                logged["id"]
            ),
            Some(&west),
            &[("content-type", "application/pdf")],
            Some(b"%PDF-1.4\nsign-in\n%%EOF\n".to_vec()),
        )
        .await;
    assert_eq!(file.status, StatusCode::CREATED, "{}", file.json);
    let file_id = file.json["id"].as_i64().unwrap();
    // The chief planner team evaluates too.
    let sheet = ok(
        &app,
        &chief,
        "/api/evaluations",
        json!({"appointment": appointment, "template": "putuo", "year": 2026}),
    )
    .await;
    let id = sheet["id"].as_i64().unwrap();
    assert_eq!(sheet["from"], "2026-01-01");
    assert_eq!(sheet["to"], "2026-12-31");
    assert_eq!(sheet["groups"].as_array().unwrap().len(), 4);

    let own = app.get_as(&format!("/api/evaluations/{id}"), &west).await;
    assert_eq!(own.status, StatusCode::OK);
    let other = app.get_as(&format!("/api/evaluations/{id}"), &east).await;
    other.assert_problem(404);
    assert!(
        !other.json.to_string().contains("west"),
        "the refusal tells nothing of the sheet"
    );
    app.get(&format!("/api/evaluations/{id}"))
        .await
        .assert_problem(401);
    app.get("/api/evaluations").await.assert_problem(401);
    app.get("/api/service-records").await.assert_problem(401);
    let listed = app.get_as("/api/evaluations", &east).await;
    assert_eq!(listed.json["evaluations"], json!([]));
    assert_eq!(
        app.get_as("/api/evaluations", &west).await.json["evaluations"][0]["id"],
        id
    );
    assert_eq!(
        app.get_as("/api/service-records", &east).await.json["records"],
        json!([])
    );
    app.get_as(
        &format!("/api/service-records?appointment={appointment}"),
        &east,
    )
    .await
    .assert_problem(404);
    app.get_as(&format!("/api/evaluations/files/{file_id}"), &east)
        .await
        .assert_problem(404);
    let download = app
        .get_as(&format!("/api/evaluations/files/{file_id}"), &west)
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    app.get_as("/api/evaluations/table", &west)
        .await
        .assert_problem(403);
    assert_eq!(
        app.get_as("/api/evaluations/table", &chief).await.status,
        StatusCode::OK
    );
    // East may not log service under west's appointment.
    send(
        &app,
        Method::POST,
        Some(&east),
        "/api/service-records",
        record(appointment, "training", "2026-06-01", 2.0, "冒名"),
    )
    .await
    .assert_problem(403);
    // Templates are public: they are the rules.
    let templates = app.get("/api/evaluations/templates").await;
    assert_eq!(templates.json["templates"][0]["id"], "binjiang");
    // Putuo's hours item is a share of the agreement's hours; the test appointment states none,
    // so it waits for the evaluator.
    assert!(sheet["missing"].as_array().unwrap().contains(&json!("3.1")));
    // West attaches the annual summary; the sheet shows it as evidence.
    let summary = app
        .send(
            Method::POST,
            &format!("/api/evaluations/{id}/summary?name=2026年度工作总结.pdf"),
            Some(&west),
            &[("content-type", "application/pdf")],
            Some(b"%PDF-1.4\nsummary\n%%EOF\n".to_vec()),
        )
        .await;
    assert_eq!(summary.status, StatusCode::CREATED, "{}", summary.json);
    let filled = app
        .get_as(&format!("/api/evaluations/{id}"), &west)
        .await
        .json;
    assert_eq!(filled["summary"]["name"], "2026年度工作总结.pdf");
    let shown = evidence_of(&items(&filled)["1.1"], "annual_summary");
    assert_eq!(shown.len(), 1);
    // A record logged by mistake is withdrawn by its planner, with its file; not by another.
    let record = format!("/api/service-records/{}", logged["id"]);
    send(&app, Method::DELETE, Some(&east), &record, json!({}))
        .await
        .assert_problem(404);
    let withdrawn = send(&app, Method::DELETE, Some(&west), &record, json!({})).await;
    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    app.get_as(&format!("/api/evaluations/files/{file_id}"), &west)
        .await
        .assert_problem(404);
    assert_eq!(
        app.get_as("/api/service-records", &west).await.json["records"],
        json!([])
    );
    let audit = app
        .get_as("/api/audit?collection=service_records", &app.admin)
        .await;
    assert!(
        audit.json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "delete"
                && e["before"].as_str().unwrap().contains("规划师信箱回复")),
        "{}",
        audit.json
    );
}

async fn a_service_record_outside_its_term_its_units_or_its_bounds_is_refused_and_nothing_is_stored(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let west = app
        .person(
            "west",
            &[Role::Planner],
            &[(TeamKind::Subdistrict, &[WEST], TERM.0, TERM.1)],
        )
        .await;
    let appointment = appointment_of(&app, "west").await;
    let good = record(appointment, "training", "2026-06-01", 2.0, "宣讲");
    let with = |key: &str, value: Value| {
        let mut b = good.clone();
        b[key] = value;
        b
    };
    for (body, pointer) in [
        (with("held_on", json!("2023-12-31")), "/held_on"),
        (with("held_on", json!("2099-01-01")), "/held_on"),
        (with("hours", json!(0)), "/hours"),
        (with("hours", json!(25)), "/hours"),
        (with("title", json!("")), "/title"),
        (with("units", json!([EAST])), "/units/0"),
        (with("place", json!([121.43, 31.25])), "/place"),
        (with("place", json!([200.0, 31.25])), "/place"),
        (with("project", json!(999_999)), "/project"),
        (with("attendance", json!(-1)), "/attendance"),
    ] {
        let r = send(
            &app,
            Method::POST,
            Some(&west),
            "/api/service-records",
            body,
        )
        .await;
        assert_eq!(
            r.assert_problem(422)["errors"][0]["pointer"],
            pointer,
            "{}",
            r.json
        );
    }
    let unknown = send(
        &app,
        Method::POST,
        Some(&west),
        "/api/service-records",
        with("minutes", json!(3)),
    )
    .await;
    assert!(unknown.status.is_client_error());
    assert!(
        unknown.json.to_string().contains("minutes"),
        "{}",
        unknown.json
    );
    let kind = send(
        &app,
        Method::POST,
        Some(&west),
        "/api/service-records",
        with("kind", json!("party")),
    )
    .await;
    assert!(kind.status.is_client_error());
    let text = app
        .send(
            Method::POST,
            "/api/service-records",
            Some(&west),
            &[("content-type", "application/json")],
            Some(b"{\"appointment\":".to_vec()),
        )
        .await;
    text.assert_problem(400);
    assert_eq!(
        app.get_as("/api/service-records", &west).await.json["records"],
        json!([])
    );
    // And the good one is stored, in the appointment's units by default.
    let mut plain = good.clone();
    plain.as_object_mut().unwrap().remove("units");
    let stored = ok(&app, &west, "/api/service-records", plain).await;
    assert_eq!(stored["units"], json!([WEST]));
    assert_eq!(stored["kind_zh"], "培训宣讲");
}

on_both_backends!(
    a_term_with_known_records_fills_binjiangs_sheet_as_a_hand_count_and_a_failed_term_is_not_renewed,
    a_planner_reads_only_their_own_sheets_and_records_and_the_public_none,
    a_service_record_outside_its_term_its_units_or_its_bounds_is_refused_and_nothing_is_stored,
);
