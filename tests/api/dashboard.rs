//! The dashboard's figures for the demo district, checked against a count made here from what
//! the test itself created; the public's figures leave out unpublished projects and hidden or
//! declined needs; every table comes as CSV.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, fixture};
use crate::on_both_backends;

const WEST: &str = "990101001";
const EAST: &str = "990101002";

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app
        .send(
            Method::POST,
            path,
            Some(token),
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.json);
    r.json
}

/// `(key, count)` of a dashboard table.
fn counts(board: &Value, table: &str) -> BTreeMap<String, u64> {
    board["tables"][table]
        .as_array()
        .unwrap_or_else(|| panic!("no table {table}: {board}"))
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn tally<'a>(keys: impl Iterator<Item = &'a str>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for k in keys {
        *out.entry(k.to_string()).or_insert(0) += 1;
    }
    out
}

/// A need as the test made it: unit, category, status, published to all.
struct Made {
    unit: &'static str,
    category: &'static str,
    status: &'static str,
}

async fn the_dashboard_matches_a_count_of_what_was_made_and_the_public_sees_only_public_things(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let empty = app.get("/api/dashboard").await;
    assert_eq!(
        (
            empty.json["projects"].as_u64(),
            empty.json["planned"].as_f64()
        ),
        (Some(0), Some(0.0))
    );
    assert!(
        !empty.json.to_string().contains("-0"),
        "no negative zeros: {}",
        empty.json
    );
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
    // Seven needs: five in the west, two in the east.
    let plan: [(f64, &str, &str, &str); 7] = [
        (121.390, WEST, "greenery", "accept"),
        (121.392, WEST, "greenery", "decline"),
        (121.394, WEST, "elderly_care", "project"),
        (121.396, WEST, "pocket_garden", "project"),
        (121.398, WEST, "safety", ""),
        (121.430, EAST, "safety", "accept"),
        (121.432, EAST, "traffic", ""),
    ];
    let mut made = Vec::new();
    let mut for_project = Vec::new();
    for (i, (lon, unit, category, fate)) in plan.iter().enumerate() {
        let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 31.25]},
                          "properties": {"category": category, "text": format!("需求 {i}")}});
        let r = app
            .send_from(
                &format!("10.8.0.{i}"),
                Method::POST,
                "/api/collections/needs/items",
                Some(body.to_string().into_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        let id = r.json["need"]["id"].as_i64().unwrap();
        let token = if *unit == WEST { &west } else { &east };
        let decision = format!("/api/collections/needs/items/{id}/decision");
        let status = match *fate {
            "accept" => {
                post(&app, token, &decision, json!({"action": "accept"})).await;
                "accepted"
            }
            "decline" => {
                post(
                    &app,
                    token,
                    &decision,
                    json!({"action": "decline", "reason": "重复"}),
                )
                .await;
                "declined"
            }
            "project" => {
                for_project.push(id);
                "answered"
            }
            _ => "received",
        };
        made.push(Made {
            unit,
            category,
            status,
        });
    }
    let (west_site, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let (east_site, _) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let garden = post(
        &app,
        &west,
        "/api/projects",
        json!({"name": "西区花园", "element_type": "pocket_garden",
        "sites": [west_site], "needs": for_project, "plan_year": 2026}),
    )
    .await;
    let g = garden["id"].as_i64().unwrap();
    post(
        &app,
        &west,
        &format!("/api/projects/{g}/funding"),
        json!({"source": "autonomy_fund", "planned": 30000.0, "spent": 10000.0}),
    )
    .await;
    post(
        &app,
        &west,
        &format!("/api/projects/{g}/funding"),
        json!({"source": "fiscal", "planned": 70000.0}),
    )
    .await;
    let published = app
        .send(
            Method::PATCH,
            &format!("/api/projects/{g}"),
            Some(&west),
            &[("content-type", "application/json")],
            Some(br#"{"published": true}"#.to_vec()),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK);
    let corner = post(
        &app,
        &east,
        "/api/projects",
        json!({"name": "东区街角", "element_type": "street_corner",
        "sites": [east_site], "plan_year": 2027}),
    )
    .await;
    let c = corner["id"].as_i64().unwrap();
    post(
        &app,
        &east,
        &format!("/api/projects/{c}/funding"),
        json!({"source": "residents", "planned": 5000.0}),
    )
    .await;

    // The district, as an admin sees it: everything.
    let all = app.get_as("/api/dashboard", &app.admin).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json);
    assert_eq!(all.json["needs"], made.len());
    assert_eq!(
        counts(&all.json, "needs_by_status"),
        tally(made.iter().map(|m| m.status))
    );
    assert_eq!(
        counts(&all.json, "needs_by_category"),
        tally(made.iter().map(|m| m.category))
    );
    assert_eq!(all.json["projects"], 2);
    assert_eq!(all.json["planned"], 105000.0);
    assert_eq!(all.json["spent"], 10000.0);
    assert_eq!(
        counts(&all.json, "projects_by_year"),
        tally(["2026", "2027"].into_iter())
    );
    assert_eq!(
        counts(&all.json, "funding_by_source"),
        tally(["autonomy_fund", "fiscal", "residents"].into_iter())
    );
    let fiscal = all.json["tables"]["funding_by_source"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "fiscal")
        .unwrap()
        .clone();
    assert_eq!(
        (fiscal["planned"].as_f64(), fiscal["spent"].as_f64()),
        (Some(70000.0), Some(0.0))
    );
    let days = all.json["median_days_to_first_answer"].as_f64().unwrap();
    assert!((0.0..0.01).contains(&days), "answered at once: {days}");

    // One sub-district.
    let west_board = app
        .get_as(&format!("/api/dashboard?unit={WEST}"), &app.admin)
        .await;
    let in_west = made.iter().filter(|m| m.unit == WEST);
    assert_eq!(
        counts(&west_board.json, "needs_by_status"),
        tally(in_west.map(|m| m.status))
    );
    assert_eq!(
        counts(&west_board.json, "projects_by_stage"),
        tally(["proposal"].into_iter())
    );

    // The public: no declined need, no unpublished project.
    let public = app.get("/api/dashboard").await;
    let seen = made.iter().filter(|m| m.status != "declined");
    assert_eq!(
        counts(&public.json, "needs_by_status"),
        tally(seen.map(|m| m.status))
    );
    assert_eq!(public.json["projects"], 1);
    assert_eq!(public.json["planned"], 100000.0);

    // Every table as CSV, with the same rows.
    for table in [
        "projects_by_stage",
        "projects_by_element_type",
        "projects_by_year",
        "funding_by_source",
        "needs_by_status",
        "needs_by_category",
        "needs_by_gap",
    ] {
        let (status, headers, bytes) = app
            .send_raw(
                Method::GET,
                &format!("/api/dashboard/{table}.csv"),
                Some(&app.admin),
                &[],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{table}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert!(lines.next().unwrap().starts_with("key,count"), "{text}");
        let rows: BTreeMap<String, u64> = lines
            .map(|l| {
                let mut f = l.split(',');
                (
                    f.next().unwrap().to_string(),
                    f.next().unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows, counts(&all.json, table), "{table}");
    }
    app.get("/api/dashboard/nothing.csv")
        .await
        .assert_problem(404);
    app.get("/api/dashboard?unit=x").await.assert_problem(400);
}

on_both_backends!(
    the_dashboard_matches_a_count_of_what_was_made_and_the_public_sees_only_public_things,
);
