//! One write path, followed: what one server writes reaches another over the same store (a
//! replica), and what a CLI import writes reaches a running server, through the change log,
//! without a restart. Also after the follower's database connections are cut mid-burst.

use axum::http::{Method, StatusCode};
use mvt_reader::Reader;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, eventually, fixture, fixture_path};
use crate::on_both_backends;

/// The ids in the `sites` layer, and the `name_zh` values in the `units` layer, of the z14
/// tile over the demo district's east (121.43, 31.25) as `token` sees it.
async fn tile_contents(app: &TestApp, token: &str) -> (Vec<u64>, Vec<String>) {
    let (status, _, bytes) = app
        .send_raw(
            Method::GET,
            "/tiles/blueprint/14/13718/6693.mvt",
            Some(token),
            &[],
            None,
        )
        .await;
    if status == StatusCode::NO_CONTENT {
        return (Vec::new(), Vec::new());
    }
    assert_eq!(status, StatusCode::OK);
    let reader = Reader::new(bytes).expect("a tile that decodes");
    let names = reader.get_layer_names().unwrap();
    let mut sites = Vec::new();
    let mut units = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for f in reader.get_features(i).unwrap() {
            match name.as_str() {
                "sites" => sites.extend(f.id),
                "units" => {
                    if let Some(mvt_reader::feature::Value::String(s)) =
                        f.properties.as_ref().and_then(|p| p.get("name_zh"))
                    {
                        units.push(s.clone());
                    }
                }
                _ => {}
            }
        }
    }
    (sites, units)
}

async fn status_of(app: &TestApp, path: &str) -> StatusCode {
    app.get_as(path, &app.admin).await.status
}

async fn a_site_created_edited_and_deleted_on_one_replica_shows_on_the_other_in_items_history_and_tiles(
    backend: Backend,
) {
    let primary = TestApp::spawn(backend).await.following();
    let replica = primary.replica().await;
    let (id, etag) = primary
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    let item = format!("/api/collections/sites/items/{id}");
    eventually("the replica serves the new site", || async {
        status_of(&replica, &item).await == StatusCode::OK
    })
    .await;
    assert!(
        tile_contents(&replica, &replica.admin)
            .await
            .0
            .contains(&(id as u64))
    );

    let patched = primary
        .write_site(
            Method::PATCH,
            id,
            Some(&etag),
            Some(&json!({"properties": {"name": "东区口袋花园（二期）"}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.json);
    eventually("the replica serves the edit", || async {
        replica.get_as(&item, &replica.admin).await.json["properties"]["name"]
            == "东区口袋花园（二期）"
    })
    .await;
    let history = replica
        .get_as(&format!("{item}/history"), &replica.admin)
        .await;
    assert_eq!(
        history.json["features"].as_array().map(Vec::len),
        Some(2),
        "{}",
        history.json
    );

    let deleted = primary
        .write_site(Method::DELETE, id, Some(&patched.etag()), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    eventually("the replica forgets the deleted site", || async {
        status_of(&replica, &item).await == StatusCode::NOT_FOUND
    })
    .await;
    assert!(
        !tile_contents(&replica, &replica.admin)
            .await
            .0
            .contains(&(id as u64))
    );
}

/// Every live site as `app` serves it to an admin, by id.
async fn served_sites(app: &TestApp) -> Vec<Value> {
    let page = app
        .get_as("/api/collections/sites/items?limit=1000", &app.admin)
        .await;
    let mut features = page.json["features"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    features.sort_by_key(|f| f["id"].as_i64());
    features
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_whose_connections_are_cut_mid_burst_ends_with_exactly_the_primarys_state() {
    use sqlx::Connection;
    let primary = TestApp::spawn(Backend::Postgres)
        .await
        .writing_freely()
        .await
        .following();
    let replica = primary.replica().await;
    let lantu::store::Storage::Postgres { url } = &primary.storage else {
        panic!("a PostGIS test app")
    };
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    let mut written = Vec::new();
    for i in 0..60 {
        if i == 20 || i == 40 {
            // The replica loses every connection, its listener's included, as in a failover
            // (once it holds one again: after the first cut it reconnects on its own time).
            let mut cut: Vec<(bool,)> = Vec::new();
            let started = std::time::Instant::now();
            while cut.is_empty() {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "the replica never held a connection to cut"
                );
                cut = sqlx::query_as(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                )
                .bind(replica.store.connection_name())
                .fetch_all(&mut admin)
                .await
                .unwrap();
                if cut.is_empty() {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
        let site = json!({"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [121.40 + f64::from(i) * 1e-4, 31.25]},
            "properties": {"name": format!("站点 {i}"), "element_type": "other"}});
        written.push(primary.create_site(&site).await);
        let (id, mut etag) = written[i as usize].clone();
        if i % 3 == 2 {
            let renamed = json!({"properties": {"name": format!("改名 {i}")}});
            let r = primary
                .write_site(Method::PATCH, id, Some(&etag), Some(&renamed))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.json);
            etag = r.etag();
        }
        if i % 7 == 6 {
            let r = primary
                .write_site(Method::DELETE, id, Some(&etag), None)
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
        }
    }
    let expected = served_sites(&primary).await;
    assert!(expected.len() > 40, "{} sites", expected.len());
    eventually("the replica catches up with every write", || async {
        served_sites(&replica).await == expected
    })
    .await;
}

async fn lantu_import_of_sites_and_units_into_a_running_servers_store_shows_without_a_restart(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await.following();
    app.lantu_ok(
        &["import", "sites"],
        &[&fixture_path("sites/pocket_garden_in_east.geojson")],
    );
    eventually("the imported site is served", || async {
        served_sites(&app).await.len() == 1
    })
    .await;
    assert_eq!(tile_contents(&app, &app.admin).await.0.len(), 1);

    // The east sub-district renamed, in a copy of the demo units.
    let dir = tempfile::tempdir().unwrap();
    let csv = std::fs::read_to_string(fixture_path("demo/demo_units.csv"))
        .unwrap()
        .replace("示范东街道", "示范东新街道");
    let renamed = dir.path().join("demo_units.csv");
    std::fs::write(&renamed, csv).unwrap();
    app.lantu_ok(
        &["import", "units"],
        &[&fixture_path("demo/demo_units.geojson"), &renamed],
    );
    eventually("the renamed unit is served", || async {
        app.get("/api/collections/units/items/990101002").await.json["properties"]["name_zh"]
            == "示范东新街道"
    })
    .await;
    let (_, units) = tile_contents(&app, &app.admin).await;
    assert!(units.iter().any(|n| n == "示范东新街道"), "{units:?}");
    // The site's units are decided again with the renamed unit.
    let site = &served_sites(&app).await[0];
    assert_eq!(
        site["properties"]["unit_names"],
        json!(["示范区", "示范东新街道"])
    );
}

async fn lantu_import_osm_into_a_running_servers_store_loads_its_walking_network_without_a_restart(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await.following();
    let before = app.get("/api/coverage?category=kindergarten").await;
    assert_eq!(
        before.status,
        StatusCode::CONFLICT,
        "no network yet: {}",
        before.json
    );
    app.lantu_ok(
        &["import", "osm", "--source", "block"],
        &[&fixture_path(
            "network/block_with_kindergarten_and_compound.osm",
        )],
    );
    eventually(
        "the running server answers coverage from the imported network",
        || async {
            let now = app.get("/api/coverage?category=kindergarten").await;
            now.status == StatusCode::OK
                && now.json["network"] == "block"
                && now.json["facilities"] == 1
        },
    )
    .await;
}

async fn lantu_import_of_facilities_and_homes_into_a_running_servers_store_reaches_its_coverage(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await.following();
    let cli = |args: &[&str], file: &str| app.lantu_ok(args, &[&fixture_path(file)]);
    cli(
        &["import", "osm", "--source", "grid"],
        "network/grid_5x5.osm",
    );
    eventually("the grid network is loaded", || async {
        app.get("/api/coverage?category=kindergarten").await.status == StatusCode::OK
    })
    .await;
    cli(
        &["import", "facilities", "--category", "kindergarten"],
        "coverage/grid_kindergarten.geojson",
    );
    cli(&["import", "homes"], "coverage/grid_homes.geojson");
    eventually("the kindergarten and the homes count", || async {
        let coverage = app.get("/api/coverage?category=kindergarten").await.json;
        coverage["facilities"] == 1
            && coverage["homes_total"] == 4
            && coverage["homes_covered"] == 2
    })
    .await;
}

/// What drawing `site` as `token` on `app` is answered.
async fn draw_as(app: &TestApp, token: &str, site: &str) -> StatusCode {
    let body = Some(site.as_bytes().to_vec());
    app.send(
        Method::POST,
        "/api/collections/sites/items",
        Some(token),
        &[],
        body,
    )
    .await
    .status
}

async fn disabling_an_account_or_ending_an_appointment_on_one_replica_takes_effect_on_the_other(
    backend: Backend,
) {
    use lantu::planners::TeamKind;
    let primary = TestApp::spawn(backend).await.following();
    let replica = primary.replica().await.following();
    let term = (
        TeamKind::Subdistrict,
        &["990101002"][..],
        "2020-01-01",
        "2099-12-31",
    );
    let planner = primary
        .person("east.planner", &[lantu::auth::Role::Planner], &[term])
        .await;
    let site = fixture("sites/pocket_garden_in_east.geojson").to_string();
    // The replica resolves the planner once (and caches it), then the appointment ends.
    assert_eq!(
        draw_as(&replica, &planner, &site).await,
        StatusCode::CREATED
    );
    let (user, _) = primary
        .store
        .user_by_login("east.planner")
        .await
        .unwrap()
        .unwrap();
    let held = primary.store.mandates(user.id).await.unwrap();
    let today = lantu::planners::china_day(chrono::Utc::now());
    let end = json!({"on": today.to_string(), "reason": "调任 reassigned"}).to_string();
    let ended = primary
        .send(
            Method::POST,
            &format!("/api/appointments/{}/terminate", held[0].id),
            Some(&primary.admin),
            &[("content-type", "application/json")],
            Some(end.into_bytes()),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.json);
    eventually("the replica refuses the planner's drawing", || async {
        draw_as(&replica, &planner, &site).await == StatusCode::FORBIDDEN
    })
    .await;
    let disabled = primary
        .send(
            Method::POST,
            "/api/users/east.planner/disable",
            Some(&primary.admin),
            &[],
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT);
    eventually(
        "the replica refuses the disabled account's token",
        || async { draw_as(&replica, &planner, &site).await == StatusCode::UNAUTHORIZED },
    )
    .await;
}

on_both_backends!(
    disabling_an_account_or_ending_an_appointment_on_one_replica_takes_effect_on_the_other,
    lantu_import_of_facilities_and_homes_into_a_running_servers_store_reaches_its_coverage,
    lantu_import_osm_into_a_running_servers_store_loads_its_walking_network_without_a_restart,
    a_site_created_edited_and_deleted_on_one_replica_shows_on_the_other_in_items_history_and_tiles,
    lantu_import_of_sites_and_units_into_a_running_servers_store_shows_without_a_restart,
);
