//! The store's conformance suite: every store operation, straight on the store, on both
//! backends: results, versions, typed errors and the change log each write appends.

use geo::{Geometry, MultiPolygon, Point, polygon};
use lantu::auth::{Role, hash_token};
use lantu::network::extract::{FoundFacility, FoundHome};
use lantu::network::graph::WalkGraph;
use lantu::network::store::{API_SOURCE, OsmImport};
use lantu::sites::{ElementType, SiteFields, SiteStatus};
use lantu::store::changes::{Collection, Operation};
use lantu::store::{Store, StoreError};
use lantu::units::{UnitCode, UnitFields, UnitLevel};
use lantu::version::{Change, Edit};

use crate::helpers::{Backend, fresh_storage};
use crate::on_both_backends;

fn site(name: &str, status: SiteStatus) -> SiteFields {
    SiteFields {
        name: name.into(),
        description: Some("测试".into()),
        element_type: ElementType::PocketGarden,
        status,
        geometry: Geometry::Point(Point::new(121.43, 31.25)),
    }
}

fn unit(code: &str, population: Option<i64>) -> UnitFields {
    UnitFields {
        code: UnitCode::parse(code).unwrap(),
        name_zh: "示范街道".into(),
        name_en: Some("Demo Subdistrict".into()),
        level: UnitLevel::Subdistrict,
        parent: None,
        population,
        geometry: Some(MultiPolygon(vec![polygon![
            (x: 121.40, y: 31.24), (x: 121.42, y: 31.24), (x: 121.42, y: 31.26), (x: 121.40, y: 31.24)
        ]])),
    }
}

fn facility(category: &str, lon: f64) -> FoundFacility {
    FoundFacility {
        category: category.into(),
        name: Some("幼儿园".into()),
        position: Point::new(lon, 31.25),
        osm: None,
    }
}

/// The change log from `after` on: (collection, key, version, operation).
async fn logged(store: &Store, after: i64) -> Vec<(Collection, String, i64, Operation)> {
    let changes = store.changes_after(after, 1000).await.unwrap().entries;
    for pair in changes.windows(2) {
        assert!(pair[0].seq < pair[1].seq, "the log is in sequence order");
    }
    changes
        .into_iter()
        .map(|c| (c.collection, c.key, c.version, c.operation))
        .collect()
}

async fn open(backend: Backend) -> (std::sync::Arc<Store>, Option<tempfile::TempDir>) {
    let (_, store, dir) = open_storage(backend).await;
    (store, dir)
}

async fn open_storage(
    backend: Backend,
) -> (
    lantu::store::Storage,
    std::sync::Arc<Store>,
    Option<tempfile::TempDir>,
) {
    let (storage, dir) = fresh_storage(backend).await;
    let store = lantu::store::open(&storage).await.unwrap();
    (storage, store, dir)
}

/// Runs `sql` on the store's database behind lantu's back.
async fn run_sql(storage: &lantu::store::Storage, sql: &str) {
    try_sql(storage, sql).await.unwrap();
}

/// Runs `sql` on the store's database behind lantu's back; what the database said.
pub async fn try_sql(storage: &lantu::store::Storage, sql: &str) -> Result<u64, sqlx::Error> {
    use sqlx::Connection;
    Ok(match storage {
        lantu::store::Storage::Sqlite { dir } => {
            let url = format!("sqlite://{}", dir.join("lantu.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await?;
            sqlx::query(sql).execute(&mut conn).await?.rows_affected()
        }
        lantu::store::Storage::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::query(sql).execute(&mut conn).await?.rows_affected()
        }
    })
}

async fn a_change_this_build_cannot_read_is_skipped_and_read_past(backend: Backend) {
    let (storage, store, _dir) = open_storage(backend).await;
    let edit = Edit::by("测试者");
    store
        .create_sites(&[site("甲", SiteStatus::Draft)], &edit)
        .await
        .unwrap();
    // What a newer build might log: a collection this one does not know.
    run_sql(
        &storage,
        "INSERT INTO changes (collection, key, version, operation, at, author)
         VALUES ('a_later_collection', '7', 1, 'create', '2026-12-01T00:00:00Z', 'x')",
    )
    .await;
    store
        .create_sites(&[site("乙", SiteStatus::Draft)], &edit)
        .await
        .unwrap();
    let batch = store.changes_after(0, 1000).await.unwrap();
    assert_eq!(
        (batch.read, batch.entries.len()),
        (3, 2),
        "read all three, kept two"
    );
    assert_eq!(
        batch.last,
        Some(batch.entries[1].seq),
        "the cursor moves past the unknown row"
    );
    assert!(
        batch
            .entries
            .iter()
            .all(|c| c.collection == Collection::Sites)
    );
}

async fn sites_are_versioned_compared_and_swapped_tombstoned_and_logged(backend: Backend) {
    let (store, _dir) = open(backend).await;
    assert_eq!(
        store.last_change().await.unwrap(),
        0,
        "a fresh log is empty"
    );
    let edit = Edit::by("测试者");
    let created = store
        .create_sites(
            &[
                site("甲", SiteStatus::Draft),
                site("乙", SiteStatus::Published),
            ],
            &edit,
        )
        .await
        .unwrap();
    let (a, b) = (created[0].id, created[1].id);
    assert_eq!(
        (created[0].stamp.version, created[0].stamp.by.as_str()),
        (1, "测试者")
    );
    let renamed = store
        .write_site(
            a,
            1,
            Change::Update,
            &site("甲二", SiteStatus::Published),
            &edit,
        )
        .await
        .unwrap();
    assert_eq!(renamed.stamp.version, 2);
    assert!(matches!(
        store
            .write_site(a, 1, Change::Replace, &site("迟", SiteStatus::Draft), &edit)
            .await,
        Err(StoreError::Stale { current: 2 })
    ));
    assert!(matches!(
        store
            .write_site(
                999_999,
                1,
                Change::Replace,
                &site("无", SiteStatus::Draft),
                &edit
            )
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .write_site(b, 1, Change::Delete, &created[1].fields, &edit)
        .await
        .unwrap();
    assert!(matches!(
        store
            .write_site(
                b,
                2,
                Change::Replace,
                &site("复活", SiteStatus::Draft),
                &edit
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let live = store.load_sites().await.unwrap();
    assert_eq!(live.iter().map(|s| s.id).collect::<Vec<_>>(), vec![a]);
    let (found, deleted) = store.find_site(b).await.unwrap().unwrap();
    assert!(
        deleted && found.stamp.version == 2,
        "a tombstone is found, marked deleted"
    );
    assert!(store.find_site(999_999).await.unwrap().is_none());
    let history = store.site_history(a).await.unwrap();
    let changes: Vec<(i64, Change, &str)> = history
        .iter()
        .map(|v| (v.stamp.version, v.change, v.fields.name.as_str()))
        .collect();
    assert_eq!(
        changes,
        vec![(1, Change::Create, "甲"), (2, Change::Update, "甲二")]
    );
    let w = |c| Operation::Write(c);
    assert_eq!(
        logged(&store, 0).await,
        vec![
            (Collection::Sites, a.to_string(), 1, w(Change::Create)),
            (Collection::Sites, b.to_string(), 1, w(Change::Create)),
            (Collection::Sites, a.to_string(), 2, w(Change::Update)),
            (Collection::Sites, b.to_string(), 2, w(Change::Delete)),
        ],
        "one entry per committed write, none for the refused ones"
    );
}

async fn units_are_saved_by_code_with_a_version_only_when_changed_and_a_broken_rule_is_invalid(
    backend: Backend,
) {
    let (store, _dir) = open(backend).await;
    let edit = Edit::by("cli:test");
    let first = store
        .save_units(&[unit("990101001", Some(100))], &edit)
        .await
        .unwrap();
    assert_eq!((first.created, first.updated, first.unchanged), (1, 0, 0));
    let again = store
        .save_units(
            &[unit("990101001", Some(100)), unit("990101002", None)],
            &edit,
        )
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (1, 0, 1));
    let changed = store
        .save_units(&[unit("990101001", Some(120))], &edit)
        .await
        .unwrap();
    assert_eq!((changed.updated, changed.written[0].stamp.version), (1, 2));
    let code = UnitCode::parse("990101001").unwrap();
    let found = store.find_unit(&code).await.unwrap().unwrap();
    assert_eq!(
        (found.fields.population, found.fields.geometry.is_some()),
        (Some(120), true)
    );
    assert_eq!(store.unit_history(&code).await.unwrap().len(), 2);
    assert_eq!(store.load_units().await.unwrap().len(), 2);
    let before = store.last_change().await.unwrap();
    let refused = store
        .save_units(&[unit("990101003", Some(-5))], &edit)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "a negative population breaks a check: {refused:?}"
    );
    assert_eq!(store.last_change().await.unwrap(), before, "nothing logged");
    assert_eq!(
        store.load_units().await.unwrap().len(),
        2,
        "nothing written"
    );
    let w = |c| Operation::Write(c);
    assert_eq!(
        logged(&store, 0).await,
        vec![
            (Collection::Units, "990101001".into(), 1, w(Change::Create)),
            (Collection::Units, "990101002".into(), 1, w(Change::Create)),
            (Collection::Units, "990101001".into(), 2, w(Change::Replace)),
        ]
    );
}

async fn tokens_are_found_by_hash_until_revoked_or_expired_and_a_duplicate_is_a_conflict(
    backend: Backend,
) {
    let (store, _dir) = open(backend).await;
    let (live, old) = (hash_token("lantu_live"), hash_token("lantu_old"));
    store
        .create_token("王规划", Role::Planner, &live, None, None)
        .await
        .unwrap();
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    store
        .create_token("旧", Role::Analyst, &old, Some(yesterday), None)
        .await
        .unwrap();
    let found = store.find_token(&live).await.unwrap().unwrap();
    assert_eq!(
        (found.0.as_str(), found.1, found.2),
        ("王规划", Role::Planner, None)
    );
    assert!(store.find_token(&old).await.unwrap().is_none(), "expired");
    assert!(matches!(
        store
            .create_token("重复", Role::Admin, &live, None, None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.revoke_tokens("王规划").await.unwrap(), 1);
    assert!(store.find_token(&live).await.unwrap().is_none(), "revoked");
    let listed = store.list_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].revoked_at.is_some() && listed[1].expires_at.is_some());
}

async fn life_circle_data_is_replaced_by_source_and_facilities_are_versioned(backend: Backend) {
    let (store, _dir) = open(backend).await;
    let graph = WalkGraph::from_segments(
        vec![[121.43, 31.25], [121.431, 31.25]],
        vec![1, 2],
        &[(0, 1, 95.0)],
    );
    let home = FoundHome {
        name: Some("一号楼".into()),
        shape: Geometry::Point(Point::new(121.4305, 31.2501)),
        population: 40.0,
        estimated: true,
        osm: Some("way/1".into()),
    };
    let import = OsmImport {
        source: "block".into(),
        graph: graph.clone(),
        facilities: vec![facility("kindergarten", 121.43)],
        homes: vec![home.clone()],
        streets: vec![lantu::network::extract::FoundStreet {
            name: "长寿路".into(),
            class: "primary".into(),
            line: geo::LineString::from(vec![(121.43, 31.25), (121.431, 31.25)]),
        }],
        estimate_rule: "2.5 per flat".into(),
    };
    store.replace_import(&import).await.unwrap();
    store.replace_import(&import).await.unwrap();
    assert_eq!(
        store.count_imported("block").await.unwrap(),
        (1, 1),
        "a re-import replaces"
    );
    assert_eq!(store.load_networks().await.unwrap()[0].graph, graph);
    let streets = store.load_streets().await.unwrap();
    assert_eq!(streets.len(), 1, "a re-import replaces its streets too");
    assert_eq!(
        (streets[0].name.as_str(), streets[0].line.0.len()),
        ("长寿路", 2)
    );
    store
        .replace_facilities(
            "geojson",
            &[facility("clinic", 121.44), facility("clinic", 121.45)],
        )
        .await
        .unwrap();
    store
        .replace_homes("extra", &[home], "given")
        .await
        .unwrap();
    assert_eq!(store.load_facilities().await.unwrap().len(), 3);
    let homes = store.load_homes().await.unwrap();
    assert_eq!((homes.len(), homes[0].estimated), (2, true));

    let edit = Edit::by("管理员");
    let added = store
        .insert_facility(&facility("kindergarten", 121.46), &edit)
        .await
        .unwrap();
    assert_eq!((added.source.as_str(), added.version), (API_SOURCE, 1));
    let moved = store
        .write_facility(
            added.id,
            1,
            Change::Replace,
            &facility("kindergarten", 121.47),
            &edit,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((moved.version, moved.position.x()), (2, 121.47));
    assert!(matches!(
        store
            .write_facility(added.id, 1, Change::Delete, &facility("x", 0.0), &edit)
            .await,
        Err(StoreError::Stale { current: 2 })
    ));
    let gone = store
        .write_facility(
            added.id,
            2,
            Change::Delete,
            &facility("kindergarten", 121.47),
            &edit,
        )
        .await
        .unwrap();
    assert!(gone.is_none() && store.find_facility(added.id).await.unwrap().is_none());
    let history = store.facility_history(added.id).await.unwrap();
    let changes: Vec<Change> = history.iter().map(|v| v.change).collect();
    assert_eq!(
        changes,
        vec![Change::Create, Change::Replace, Change::Delete]
    );
    let id = added.id.to_string();
    let w = |c| Operation::Write(c);
    assert_eq!(
        logged(&store, 0).await,
        vec![
            (Collection::LifeCircle, "block".into(), 0, Operation::Import),
            (Collection::LifeCircle, "block".into(), 0, Operation::Import),
            (
                Collection::Facilities,
                "geojson".into(),
                0,
                Operation::Import
            ),
            (Collection::LifeCircle, "extra".into(), 0, Operation::Import),
            (Collection::Facilities, id.clone(), 1, w(Change::Create)),
            (Collection::Facilities, id.clone(), 2, w(Change::Replace)),
            (Collection::Facilities, id, 3, w(Change::Delete)),
        ]
    );
}

on_both_backends!(
    a_change_this_build_cannot_read_is_skipped_and_read_past,
    sites_are_versioned_compared_and_swapped_tombstoned_and_logged,
    units_are_saved_by_code_with_a_version_only_when_changed_and_a_broken_rule_is_invalid,
    tokens_are_found_by_hash_until_revoked_or_expired_and_a_duplicate_is_a_conflict,
    life_circle_data_is_replaced_by_source_and_facilities_are_versioned,
);
