//! People and their mandates: who may do what, where and when, on both backends, through the
//! API and through tiles; HTTP Basic and its throttle; the audit log.
//!
//! The demo district 示范区 has two sub-districts split at longitude 121.415: 示范西街道
//! (990101001, west) and 示范东街道 (990101002, east).

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, Mandate, PASSWORD, TestApp, basic};
use crate::on_both_backends;

const WEST: &str = "990101001";
const DISTRICT: &str = "990101";

/// A small square site centred at (lon, lat), `half` degrees wide each way.
fn square(lon: f64, lat: f64, half: f64, name: &str, status: &str) -> Value {
    json!({"type": "Feature",
           "geometry": {"type": "Polygon", "coordinates": [[
               [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
               [lon - half, lat + half], [lon - half, lat - half]]]},
           "properties": {"name": name, "element_type": "pocket_garden", "status": status}})
}

fn day(offset: i64) -> String {
    lantu::planners::china_day(Utc::now() + Duration::days(offset)).to_string()
}

/// Where a site lies.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    West,
    East,
    Crossing,
}

impl Place {
    fn site(self, name: &str, status: &str) -> Value {
        match self {
            Self::West => square(121.40, 31.25, 0.002, name, status),
            Self::East => square(121.43, 31.25, 0.002, name, status),
            Self::Crossing => square(121.415, 31.25, 0.002, name, status),
        }
    }
}

/// The cases of the table: where the site lies, and when the appointment holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Inside,
    Outside,
    Crossing,
    BeforeTerm,
    AfterTerm,
    AfterTermination,
    AfterRenewal,
}

const CASES: [Case; 7] = [
    Case::Inside,
    Case::Outside,
    Case::Crossing,
    Case::BeforeTerm,
    Case::AfterTerm,
    Case::AfterTermination,
    Case::AfterRenewal,
];

impl Case {
    fn place(self) -> Place {
        match self {
            Self::Outside => Place::East,
            Self::Crossing => Place::Crossing,
            _ => Place::West,
        }
    }

    /// Whether an appointment made for this case is in force today.
    fn in_force(self) -> bool {
        !matches!(
            self,
            Self::BeforeTerm | Self::AfterTerm | Self::AfterTermination
        )
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Actor {
    Public,
    WestPlanner,
    Chief,
    Advisory,
    Designer,
    Operations,
    Analyst,
    Admin,
}

const ACTORS: [Actor; 8] = [
    Actor::Public,
    Actor::WestPlanner,
    Actor::Chief,
    Actor::Advisory,
    Actor::Designer,
    Actor::Operations,
    Actor::Analyst,
    Actor::Admin,
];

impl Actor {
    /// The appointment kind and units the actor holds, if any.
    fn mandate(self) -> Option<(TeamKind, &'static str)> {
        match self {
            Self::WestPlanner => Some((TeamKind::Subdistrict, WEST)),
            Self::Chief => Some((TeamKind::Chief, DISTRICT)),
            Self::Advisory => Some((TeamKind::Advisory, DISTRICT)),
            Self::Designer => Some((TeamKind::Designer, WEST)),
            Self::Operations => Some((TeamKind::Operations, WEST)),
            _ => None,
        }
    }

    /// Whether the actor sees a draft at `case`'s place (the expected answer, written out).
    fn sees_draft(self, case: Case) -> bool {
        match self {
            Self::Public => false,
            Self::Analyst | Self::Admin => true,
            Self::Chief | Self::Advisory => case.in_force(),
            // West teams see drafts touching the west: inside and crossing.
            Self::WestPlanner | Self::Designer | Self::Operations => {
                case.in_force() && case.place() != Place::East
            }
        }
    }

    /// Whether the actor may create, edit and delete a site at `case`'s place.
    fn may_edit(self, case: Case) -> bool {
        match self {
            Self::Admin => true,
            Self::Chief => case.in_force(),
            Self::WestPlanner => case.in_force() && case.place() == Place::West,
            _ => false,
        }
    }
}

/// Makes `actor`'s account (with `case`'s appointment); its credentials.
async fn credentials(app: &TestApp, actor: Actor, case: Case, n: usize) -> Option<String> {
    let login = format!("{actor:?}-{case:?}-{n}").to_lowercase();
    let roles = match actor {
        Actor::Public => return None,
        Actor::Admin => vec![Role::Admin],
        Actor::Analyst => vec![Role::Analyst],
        _ => vec![Role::Planner],
    };
    let Some((kind, unit)) = actor.mandate() else {
        return Some(app.person(&login, &roles, &[]).await);
    };
    let units = [unit];
    let (from, to) = match case {
        Case::BeforeTerm => (day(1), day(1000)),
        Case::AfterTerm => (day(-1000), day(-1)),
        Case::AfterRenewal => (day(-1000), day(-1)),
        _ => (day(-1000), day(1000)),
    };
    let mandate: Mandate = (kind, &units, &from, &to);
    let token = app.person(&login, &roles, &[mandate]).await;
    let (user, _) = app.store.user_by_login(&login).await.unwrap().unwrap();
    let held = app.store.mandates(user.id).await.unwrap();
    let edit = lantu::version::Edit::by("test-setup");
    match case {
        Case::AfterTermination => {
            let today = day(0).parse().unwrap();
            app.store
                .terminate(held[0].id, today, "合同解除 contract ended", &edit)
                .await
                .unwrap();
        }
        Case::AfterRenewal => {
            let renewal = lantu::planners::NewAppointment {
                kind,
                holder: lantu::planners::Holder::User(user.id),
                units: vec![lantu::units::UnitCode::parse(unit).unwrap()],
                starts_on: day(0).parse().unwrap(),
                ends_on: day(1000).parse().unwrap(),
                terms: Default::default(),
                appointed_by: "示范区规划局".into(),
                contract_signed_on: None,
                renews: Some(held[0].id),
            };
            app.store.appoint(&renewal, &edit).await.unwrap();
        }
        _ => {}
    }
    Some(token)
}

/// The tile at zoom 14 holding (lon, lat).
fn tile_path(lon: f64, lat: f64) -> String {
    let z = 14;
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("/tiles/blueprint/{z}/{x}/{y}.mvt")
}

/// Whether the decoded tile at `path` holds site `id`.
async fn tile_holds(app: &TestApp, path: &str, token: Option<&str>, id: i64) -> bool {
    let (status, _, bytes) = app.send_raw(Method::GET, path, token, &[], None).await;
    if status == StatusCode::NO_CONTENT {
        return false;
    }
    assert_eq!(status, StatusCode::OK, "{path}");
    let reader = mvt_reader::Reader::new(bytes).expect("a tile");
    let names = reader.get_layer_names().unwrap();
    let Some(i) = names.iter().position(|n| n == "sites") else {
        return false;
    };
    reader
        .get_features(i)
        .unwrap()
        .iter()
        .any(|f| f.id == Some(id as u64))
}

async fn every_role_may_do_exactly_what_its_mandate_allows_where_and_when_it_holds(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let mut n = 0;
    for case in CASES {
        let place = case.place();
        let (draft, _) = app
            .create_site(&place.site(&format!("草稿 {case:?}"), "draft"))
            .await;
        let (lon, lat) = match place {
            Place::West => (121.40, 31.25),
            Place::East => (121.43, 31.25),
            Place::Crossing => (121.415, 31.25),
        };
        let tile = tile_path(lon, lat);
        for actor in ACTORS {
            n += 1;
            let who = format!("{actor:?} × {case:?}");
            let token = credentials(&app, actor, case, n).await;
            let token = token.as_deref();
            let sees = actor.sees_draft(case);

            // Reading: the single item, the items list, the tile.
            let one = app
                .send(
                    Method::GET,
                    &format!("/api/collections/sites/items/{draft}"),
                    token,
                    &[],
                    None,
                )
                .await;
            assert_eq!(
                one.status == StatusCode::OK,
                sees,
                "{who}: GET the draft: {}",
                one.status
            );
            let items = app
                .send(
                    Method::GET,
                    "/api/collections/sites/items?limit=1000",
                    token,
                    &[],
                    None,
                )
                .await;
            let listed = items.json["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == json!(draft));
            assert_eq!(listed, sees, "{who}: the draft in the items list");
            assert_eq!(
                tile_holds(&app, &tile, token, draft).await,
                sees,
                "{who}: the draft in the tile"
            );

            // Writing: create, edit, delete a site at the case's place.
            let may = actor.may_edit(case);
            let refused = if token.is_none() { 401 } else { 403 };
            let body = place
                .site(&format!("{who} 新建"), "draft")
                .to_string()
                .into_bytes();
            let created = app
                .send(
                    Method::POST,
                    "/api/collections/sites/items",
                    token,
                    &[],
                    Some(body),
                )
                .await;
            if may {
                assert_eq!(
                    created.status,
                    StatusCode::CREATED,
                    "{who}: create: {}",
                    created.json
                );
            } else {
                created.assert_problem(refused);
            }
            let (target, etag) = app
                .create_site(&place.site(&format!("{who} 已发布"), "published"))
                .await;
            let patch = json!({"properties": {"name": format!("{who} 改名")}}).to_string();
            let edited = app
                .send(
                    Method::PATCH,
                    &format!("/api/collections/sites/items/{target}"),
                    token,
                    &[
                        ("if-match", &etag),
                        ("content-type", "application/merge-patch+json"),
                    ],
                    Some(patch.into_bytes()),
                )
                .await;
            let etag = if may {
                assert_eq!(
                    edited.status,
                    StatusCode::OK,
                    "{who}: edit: {}",
                    edited.json
                );
                edited.etag()
            } else {
                edited.assert_problem(refused);
                etag
            };
            let deleted = app
                .send(
                    Method::DELETE,
                    &format!("/api/collections/sites/items/{target}"),
                    token,
                    &[("if-match", &etag)],
                    None,
                )
                .await;
            if may {
                assert_eq!(
                    deleted.status,
                    StatusCode::NO_CONTENT,
                    "{who}: delete: {}",
                    deleted.json
                );
            } else {
                deleted.assert_problem(refused);
            }
        }
    }
}

async fn a_west_planner_draws_in_the_west_only_and_only_during_the_term(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let term = (
        TeamKind::Subdistrict,
        &[WEST][..],
        "2020-01-01",
        "2099-12-31",
    );
    let planner = app.person("wang.west", &[Role::Planner], &[term]).await;
    let post = |feature: Value| {
        let app = &app;
        let planner = planner.clone();
        async move {
            app.send(
                Method::POST,
                "/api/collections/sites/items",
                Some(&planner),
                &[],
                Some(feature.to_string().into_bytes()),
            )
            .await
        }
    };
    let inside = post(Place::West.site("西街口袋公园", "draft")).await;
    assert_eq!(inside.status, StatusCode::CREATED, "{}", inside.json);
    for place in [Place::East, Place::Crossing] {
        let refused = post(place.site("越界", "draft")).await;
        let problem = refused.assert_problem(403);
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("示范东街道") && detail.contains("990101002"),
            "{detail}"
        );
        assert!(
            detail.contains("appointment"),
            "names the appointment: {detail}"
        );
    }
    // Beyond every unit (east of the district) is outside too, though no other unit is there.
    let nowhere = post(square(121.47, 31.25, 0.002, "区外", "draft")).await;
    let detail = nowhere.assert_problem(403)["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("outside every planning unit"), "{detail}");
    // A vertex a few centimetres over the boundary is boundary noise, not a breach.
    let grazing = square(121.413, 31.25, 0.0020003, "贴边", "draft");
    let grazing = post(grazing).await;
    assert_eq!(grazing.status, StatusCode::CREATED, "{}", grazing.json);

    let ended = (
        TeamKind::Subdistrict,
        &[WEST][..],
        "2020-01-01",
        "2024-12-31",
    );
    let former = app.person("li.former", &[Role::Planner], &[ended]).await;
    let after = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&former),
            &[],
            Some(
                Place::West
                    .site("期满之后", "draft")
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    let detail = after.assert_problem(403)["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("no appointment in force"), "{detail}");
}

/// The real Putuo units (from `../shared/data`, beside the clone as in CI).
async fn with_putuo_units(app: &TestApp) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/putuo/units");
    let files: Vec<_> = ["district.geojson", "subdistricts.geojson", "committees.csv"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    assert!(
        files.iter().all(|f| f.is_file()),
        "this test needs the shared Putuo data at {}",
        dir.display()
    );
    lantu::units::import::import_units(
        app.store.as_ref(),
        &files,
        &lantu::version::Edit::by("test-setup"),
        lantu::import::OnRefusal::WriteNothing,
    )
    .await
    .unwrap();
    let units = app.store.load_units().await.unwrap();
    app.state.units_written(units);
}

async fn a_planner_appointed_to_changshou_road_draws_there_and_not_in_yichuan_road_nor_after_the_term(
    backend: Backend,
) {
    use geo::{Centroid, Contains};
    let app = TestApp::spawn_empty(backend).await;
    with_putuo_units(&app).await;
    let boundary = |code: &str| {
        let code = lantu::units::UnitCode::parse(code).unwrap();
        app.state
            .catalog()
            .unit(&code)
            .unwrap()
            .unit
            .fields
            .geometry
            .clone()
            .unwrap()
    };
    let (changshou, yichuan) = (boundary("310107015"), boundary("310107020"));
    let (a, b) = (changshou.centroid().unwrap(), yichuan.centroid().unwrap());
    // Where 长寿路街道 ends on the line from its centre to 宜川路街道's.
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        let p = geo::Point::new(a.x() + (b.x() - a.x()) * mid, a.y() + (b.y() - a.y()) * mid);
        if changshou.contains(&p) {
            lo = mid
        } else {
            hi = mid
        }
    }
    let edge = (a.x() + (b.x() - a.x()) * lo, a.y() + (b.y() - a.y()) * lo);
    let (from, to) = (day(-365), day(730));
    let term = (
        TeamKind::Subdistrict,
        &["310107015"][..],
        from.as_str(),
        to.as_str(),
    );
    let planner = app
        .person("changshou.planner", &[Role::Planner], &[term])
        .await;
    let post = |feature: Value, token: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/collections/sites/items",
                Some(&token),
                &[],
                Some(feature.to_string().into_bytes()),
            )
            .await
        }
    };
    let inside = post(
        square(a.x(), a.y(), 0.0005, "长寿路口袋花园", "draft"),
        planner.clone(),
    )
    .await;
    assert_eq!(inside.status, StatusCode::CREATED, "{}", inside.json);
    for (feature, what) in [
        (
            square(b.x(), b.y(), 0.0005, "宜川路点位", "draft"),
            "in 宜川路街道",
        ),
        (
            square(edge.0, edge.1, 0.0005, "跨界点位", "draft"),
            "crossing the boundary",
        ),
    ] {
        let refused = post(feature, planner.clone()).await;
        let detail = refused.assert_problem(403)["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(detail.contains("宜川路街道"), "{what}: {detail}");
    }
    let (from, to) = (day(-1000), day(-1));
    let ended = (
        TeamKind::Subdistrict,
        &["310107015"][..],
        from.as_str(),
        to.as_str(),
    );
    let former = app
        .person("former.planner", &[Role::Planner], &[ended])
        .await;
    let after = post(square(a.x(), a.y(), 0.0005, "期满之后", "draft"), former).await;
    after.assert_problem(403);
}

async fn basic_auth_reads_the_users_drafts_a_wrong_password_is_401_and_the_eleventh_failure_429(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let term = (
        TeamKind::Subdistrict,
        &[WEST][..],
        "2020-01-01",
        "2099-12-31",
    );
    app.person("zhang.qgis", &[Role::Planner], &[term]).await;
    let (draft, _) = app
        .create_site(&Place::West.site("QGIS 草稿", "draft"))
        .await;
    let path = format!("/api/collections/sites/items/{draft}");
    let good = basic("zhang.qgis", PASSWORD);
    let read = app.send(Method::GET, &path, Some(&good), &[], None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.json);
    let me = app
        .send(Method::GET, "/api/me", Some(&good), &[], None)
        .await;
    assert_eq!(me.json["author"], "zhang.qgis", "{}", me.json);
    assert_eq!(me.json["appointments"][0]["in_force"], true, "{}", me.json);
    assert!(
        me.json.to_string().find("@example.cn").is_none(),
        "no contact in /api/me"
    );

    let wrong = basic("zhang.qgis", "not the password");
    for attempt in 1..=10 {
        let refused = app.send(Method::GET, &path, Some(&wrong), &[], None).await;
        let problem = refused.assert_problem(401);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("wrong login name or password"),
            "attempt {attempt}"
        );
    }
    let eleventh = app.send(Method::GET, &path, Some(&wrong), &[], None).await;
    eleventh.assert_problem(429);
    let wait: u64 = eleventh.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Credentials already verified are not throttled (the throttle counts failures only).
    let still = app.send(Method::GET, &path, Some(&good), &[], None).await;
    assert_eq!(still.status, StatusCode::OK);
}

async fn every_write_leaves_one_audit_entry_with_before_and_after_and_the_log_refuses_changes(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let term = (TeamKind::Chief, &[DISTRICT][..], "2020-01-01", "2099-12-31");
    let chief = app.person("chief", &[Role::Planner], &[term]).await;
    let audit = |query: String| {
        let app = &app;
        let chief = chief.clone();
        async move {
            let r = app
                .send(
                    Method::GET,
                    &format!("/api/audit?{query}"),
                    Some(&chief),
                    &[],
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.json);
            r.json["entries"].as_array().unwrap().clone()
        }
    };
    let (id, etag) = app
        .create_site(&Place::West.site("审计花园", "draft"))
        .await;
    let patched = app
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"properties": {"status": "published"}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let deleted = app
        .write_site(Method::DELETE, id, Some(&patched.etag()), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let entries = audit(format!("collection=sites&key={id}")).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["delete", "update", "create"],
        "one entry per write, newest first"
    );
    let json_of = |v: &Value| -> Value {
        v.as_str()
            .map(|s| serde_json::from_str(s).unwrap())
            .unwrap_or(Value::Null)
    };
    let (delete, update, create) = (&entries[0], &entries[1], &entries[2]);
    assert_eq!(create["before"], Value::Null);
    assert_eq!(json_of(&create["after"])["status"], "draft");
    assert_eq!(json_of(&update["before"])["status"], "draft");
    assert_eq!(json_of(&update["after"])["status"], "published");
    assert_eq!(json_of(&delete["after"])["deleted"], true);
    assert!(create["units"].as_str().unwrap().contains(WEST), "{create}");
    assert!(
        create["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{create}"
    );
    assert_eq!(
        create["actor"], "王规划 planner",
        "the service token that wrote it"
    );
    let history = app
        .send(
            Method::GET,
            &format!("/api/collections/sites/items/{id}/history"),
            Some(&chief),
            &[],
            None,
        )
        .await;
    assert_eq!(
        history.json["audit"].as_array().map(Vec::len),
        Some(3),
        "{}",
        history.json
    );
    let planner_history = app
        .get_as(
            &format!("/api/collections/sites/items/{id}/history"),
            &app.planner,
        )
        .await;
    assert!(
        planner_history.json.get("audit").is_none(),
        "only audit readers see the entries"
    );
    let by_unit = audit(format!("unit={WEST}&collection=sites")).await;
    assert_eq!(by_unit.len(), 3);

    // A facility's write is audited the same way.
    let facility = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
                          "properties": {"category": "kindergarten", "name": "审计幼儿园"}});
    let made = app
        .send(
            Method::POST,
            "/api/facilities",
            Some(&app.analyst),
            &[],
            Some(facility.to_string().into_bytes()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let key = made.json["id"].as_i64().unwrap();
    let entries = audit(format!("collection=facilities&key={key}")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(json_of(&entries[0]["after"])["name"], "审计幼儿园");
    assert!(
        entries[0]["request_id"].as_str().is_some(),
        "{}",
        entries[0]
    );

    // The people behind it are audited too, and nobody but admins and the chief team reads it.
    let accounts = audit("collection=accounts&actor=test-setup".into()).await;
    assert!(
        accounts
            .iter()
            .any(|e| e["key"].as_str().unwrap().starts_with("user:"))
    );
    assert!(
        !accounts.iter().any(|e| e.to_string().contains("$argon2")),
        "no hash in the audit log"
    );
    app.send(Method::GET, "/api/audit", Some(&app.analyst), &[], None)
        .await
        .assert_problem(403);
    app.send(Method::GET, "/api/audit", None, &[], None)
        .await
        .assert_problem(401);

    // The log refuses to be changed, whoever asks the database.
    for sql in [
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM audit",
    ] {
        let refused = crate::store::try_sql(&app.storage, sql).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    assert_eq!(audit(format!("collection=sites&key={id}")).await.len(), 3);
}

async fn a_browser_session_signs_in_writes_only_with_its_csrf_token_changes_password_and_signs_out(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let term = (
        TeamKind::Subdistrict,
        &[WEST][..],
        "2020-01-01",
        "2099-12-31",
    );
    app.person("liu.browser", &[Role::Planner], &[term]).await;
    let (draft, _) = app
        .create_site(&Place::West.site("会话草稿", "draft"))
        .await;
    let sign_in = |password: &str| {
        let body = json!({"login": "liu.browser", "password": password}).to_string();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/session",
                None,
                &[
                    ("content-type", "application/json"),
                    ("x-forwarded-proto", "https"),
                ],
                Some(body.into_bytes()),
            )
            .await
        }
    };
    sign_in("wrong password!").await.assert_problem(401);
    let signed = sign_in(PASSWORD).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.json);
    let cookies: Vec<String> = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("lantu_signed_in=1") && !c.contains("HttpOnly")),
        "{cookies:?}"
    );
    let set_cookie = cookies
        .iter()
        .find(|c| c.starts_with("lantu_session="))
        .unwrap()
        .clone();
    for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = signed.json["csrf_token"].as_str().unwrap().to_string();
    assert!(
        !signed.json.to_string().contains("lantu_"),
        "the token stays in the cookie"
    );

    let read = app
        .send(
            Method::GET,
            &format!("/api/collections/sites/items/{draft}"),
            None,
            &[("cookie", &cookie)],
            None,
        )
        .await;
    assert_eq!(
        read.status,
        StatusCode::OK,
        "the session reads the planner's drafts"
    );
    let me = app
        .send(Method::GET, "/api/me", None, &[("cookie", &cookie)], None)
        .await;
    assert_eq!(me.json["csrf_token"], json!(csrf));

    let site = Place::West.site("会话新建", "draft").to_string();
    let forged = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            None,
            &[("cookie", &cookie)],
            Some(site.clone().into_bytes()),
        )
        .await;
    assert!(
        forged.assert_problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("CSRF")
    );
    let wrong = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            None,
            &[("cookie", &cookie), ("x-csrf-token", "0000")],
            Some(site.clone().into_bytes()),
        )
        .await;
    wrong.assert_problem(403);
    let made = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            None,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(site.into_bytes()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    assert_eq!(made.json["properties"]["created_by"], "liu.browser");

    // A second session of the same account (another browser) ends with the password change.
    let other = sign_in(PASSWORD).await;
    let other_cookies: Vec<String> = other
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let other_cookie = other_cookies
        .iter()
        .find(|c| c.starts_with("lantu_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let change = json!({"current": PASSWORD, "new": "新的密码 new password"}).to_string();
    let changed = app
        .send(
            Method::POST,
            "/api/me/password",
            None,
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &csrf),
                ("content-type", "application/json"),
            ],
            Some(change.into_bytes()),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.json);
    let me_here = app
        .send(Method::GET, "/api/me", None, &[("cookie", &cookie)], None)
        .await;
    assert_eq!(
        me_here.status,
        StatusCode::OK,
        "the session that changed it stays"
    );
    let me_there = app
        .send(
            Method::GET,
            "/api/me",
            None,
            &[("cookie", &other_cookie)],
            None,
        )
        .await;
    me_there.assert_problem(401);
    app.send(
        Method::GET,
        "/api/me",
        Some(&basic("liu.browser", PASSWORD)),
        &[],
        None,
    )
    .await
    .assert_problem(401);
    let me = app
        .send(
            Method::GET,
            "/api/me",
            Some(&basic("liu.browser", "新的密码 new password")),
            &[],
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);

    let out = app
        .send(
            Method::DELETE,
            "/api/session",
            None,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.json);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = app
        .send(
            Method::GET,
            &format!("/api/collections/sites/items/{draft}"),
            None,
            &[("cookie", &cookie)],
            None,
        )
        .await;
    after.assert_problem(404);
}

async fn admins_manage_people_teams_and_appointments_over_http_and_the_conflict_rule_holds(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let post = |path: &'static str, token: String, body: Value| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                path,
                Some(&token),
                &[("content-type", "application/json")],
                Some(body.to_string().into_bytes()),
            )
            .await
        }
    };
    let admin = app.admin.clone();
    let user = json!({"login": "sun.new", "display_zh": "孙规划", "roles": ["planner"],
                      "organisation": "甲设计院", "email": "sun@example.cn"});
    post("/api/users", app.planner.clone(), user.clone())
        .await
        .assert_problem(403);
    let created = post("/api/users", admin.clone(), user.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert!(
        !created.json.to_string().contains("sun@example.cn"),
        "no contact in the answer"
    );
    let secret = created.json["one_time_password"]
        .as_str()
        .unwrap()
        .to_string();
    post("/api/users", admin.clone(), user)
        .await
        .assert_problem(409);
    let unknown =
        json!({"login": "sun.new", "display_zh": "x", "roles": ["planner"], "shoe_size": 42});
    post("/api/users", admin.clone(), unknown)
        .await
        .assert_problem(400);
    let me = app
        .send(
            Method::GET,
            "/api/me",
            Some(&basic("sun.new", &secret)),
            &[],
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "the one-time password signs in");

    let team = json!({"kind": "subdistrict", "name_zh": "示范西街道社区规划师团队", "organisation": "甲设计院"});
    let team = post("/api/teams", admin.clone(), team).await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.json);
    let team_id = team.json["id"].as_i64().unwrap();
    let join = json!({"login": "sun.new", "role": "leader"});
    let joined = app
        .send(
            Method::POST,
            &format!("/api/teams/{team_id}/members"),
            Some(&admin),
            &[("content-type", "application/json")],
            Some(join.to_string().into_bytes()),
        )
        .await;
    assert_eq!(joined.status, StatusCode::NO_CONTENT, "{}", joined.json);
    let appointment = json!({"team": team_id, "units": [WEST], "starts_on": day(-30), "ends_on": day(1000),
        "appointed_by": "示范西街道办事处", "terms": {"service": "社区规划", "onsite_hours": 8.0}});
    let appointed = post("/api/appointments", admin.clone(), appointment).await;
    assert_eq!(appointed.status, StatusCode::CREATED, "{}", appointed.json);
    let appointment_id = appointed.json["id"].as_i64().unwrap();

    // The team's leader now draws in the west.
    let sun = basic("sun.new", &secret);
    let drawn = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&sun),
            &[],
            Some(
                Place::West
                    .site("孙的草稿", "draft")
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(drawn.status, StatusCode::CREATED, "{}", drawn.json);

    // 回避制度: the same organisation as a designer team in the same sub-district.
    let designers = json!({"kind": "designer", "name_zh": "甲设计院项目设计师团队", "organisation": "甲设计院"});
    let designers = post("/api/teams", admin.clone(), designers).await.json["id"]
        .as_i64()
        .unwrap();
    let designer = |signed: Option<String>| {
        json!({"team": designers, "units": ["990101001001"], "starts_on": day(0), "ends_on": day(300),
               "appointed_by": "示范区规划局", "contract_signed_on": signed})
    };
    let conflict = post("/api/appointments", admin.clone(), designer(None)).await;
    let detail = conflict.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains("回避制度") && detail.contains(&appointment_id.to_string()),
        "{detail}"
    );
    let earlier = post(
        "/api/appointments",
        admin.clone(),
        designer(Some(day(-400))),
    )
    .await;
    assert_eq!(
        earlier.status,
        StatusCode::CREATED,
        "a contract that predates it: {}",
        earlier.json
    );

    // Terminated today, the team draws no more; disabled, the account signs in no more.
    let end = json!({"on": day(0), "reason": "考核不合格"});
    let ended = app
        .send(
            Method::POST,
            &format!("/api/appointments/{appointment_id}/terminate"),
            Some(&admin),
            &[("content-type", "application/json")],
            Some(end.to_string().into_bytes()),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.json);
    let refused = app
        .send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&sun),
            &[],
            Some(
                Place::West
                    .site("终止之后", "draft")
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    refused.assert_problem(403);
    let disabled = app
        .send(
            Method::POST,
            "/api/users/sun.new/disable",
            Some(&admin),
            &[],
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT);
    app.send(Method::GET, "/api/me", Some(&sun), &[], None)
        .await
        .assert_problem(401);
}

async fn a_planner_sees_only_the_draft_versions_that_lay_in_their_units(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let east = (
        TeamKind::Subdistrict,
        &["990101002"][..],
        "2020-01-01",
        "2099-12-31",
    );
    let planner = app.person("east.history", &[Role::Planner], &[east]).await;
    // Drawn as a draft in the west, then moved east (still a draft).
    let (id, etag) = app
        .create_site(&Place::West.site("西来的草稿", "draft"))
        .await;
    let moved = app
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"geometry": Place::East.site("", "draft")["geometry"]})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.json);
    let history = app
        .get_as(
            &format!("/api/collections/sites/items/{id}/history"),
            &planner,
        )
        .await;
    let versions: Vec<i64> = history.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions,
        [2],
        "the west version stays hidden: {}",
        history.json
    );
    let everything = app
        .get_as(
            &format!("/api/collections/sites/items/{id}/history"),
            &app.admin,
        )
        .await;
    assert_eq!(everything.json["features"].as_array().unwrap().len(), 2);
}

on_both_backends!(
    a_planner_sees_only_the_draft_versions_that_lay_in_their_units,
    a_planner_appointed_to_changshou_road_draws_there_and_not_in_yichuan_road_nor_after_the_term,
    admins_manage_people_teams_and_appointments_over_http_and_the_conflict_rule_holds,
    a_browser_session_signs_in_writes_only_with_its_csrf_token_changes_password_and_signs_out,
    every_role_may_do_exactly_what_its_mandate_allows_where_and_when_it_holds,
    a_west_planner_draws_in_the_west_only_and_only_during_the_term,
    basic_auth_reads_the_users_drafts_a_wrong_password_is_401_and_the_eleventh_failure_429,
    every_write_leaves_one_audit_entry_with_before_and_after_and_the_log_refuses_changes,
);
