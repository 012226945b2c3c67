//! The permission check of a site write (`policy::may_edit_site`), with 10,000 appointments in
//! the store: the real Putuo units, 100 planners holding 100 appointments each (most of them
//! outside their term), and a 100 m square site in 长寿路街道, inside, then crossing into
//! 宜川路街道 (the refusal path with its tolerance check).
//!
//! `cargo bench --bench policy` (needs `../shared/data/putuo/units`). Prints, per case, the
//! mean and p99 of one check in microseconds over 20,000 checks, and what the store lookup of
//! a principal's appointments costs (done once per request, then cached).

use std::time::Instant;

use chrono::{Duration, Utc};
use geo::{Geometry, LineString, Polygon};
use lantu::auth::{Principal, Role};
use lantu::catalog::Catalog;
use lantu::import::OnRefusal;
use lantu::planners::{Contact, Holder, NewAppointment, NewUser, TeamKind, china_day};
use lantu::store::{self, Storage};
use lantu::units::UnitCode;
use lantu::units::import::import_units;
use lantu::version::Edit;

fn square(lon: f64, lat: f64, half: f64) -> Geometry {
    Geometry::Polygon(Polygon::new(
        LineString::from(vec![
            (lon - half, lat - half),
            (lon + half, lat - half),
            (lon + half, lat + half),
            (lon - half, lat + half),
            (lon - half, lat - half),
        ]),
        vec![],
    ))
}

fn stats(mut micros: Vec<f64>) -> (f64, f64) {
    micros.sort_by(f64::total_cmp);
    let mean = micros.iter().sum::<f64>() / micros.len() as f64;
    (mean, micros[micros.len() * 99 / 100])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let units_dir = std::path::Path::new("../shared/data/putuo/units");
    let files: Vec<_> = ["district.geojson", "subdistricts.geojson", "committees.csv"]
        .iter()
        .map(|f| units_dir.join(f))
        .collect();
    anyhow::ensure!(
        files.iter().all(|f| f.is_file()),
        "needs {}",
        units_dir.display()
    );
    let dir = tempfile::tempdir()?;
    let store = store::open(&Storage::Sqlite {
        dir: dir.path().into(),
    })
    .await?;
    let edit = Edit::by("bench");
    import_units(&store, &files, &edit, OnRefusal::WriteNothing).await?;
    let units = store.load_units().await?;
    let code_of = |name: &str| {
        units
            .iter()
            .find(|u| u.fields.name_zh == name)
            .map(|u| u.fields.code.clone())
            .expect("a Putuo sub-district")
    };
    let (changshou, yichuan) = (code_of("长寿路街道"), code_of("宜川路街道"));
    let subdistricts: Vec<UnitCode> = units
        .iter()
        .filter(|u| u.fields.level == lantu::units::UnitLevel::Subdistrict)
        .map(|u| u.fields.code.clone())
        .collect();

    let started = Instant::now();
    let today = china_day(Utc::now());
    let mut tx_users = Vec::new();
    for i in 0..100 {
        let user = NewUser {
            login: format!("planner{i:03}"),
            display_zh: format!("规划师 {i}"),
            display_en: None,
            organisation: None,
            roles: vec![Role::Planner],
            contact: Contact::default(),
        };
        tx_users.push(store.create_user(&user, None, &edit).await?);
    }
    for (i, user) in tx_users.iter().enumerate() {
        for j in 0..100 {
            // One appointment in force to 长寿路街道 for planner 0; the rest past terms.
            let in_force = i == 0 && j == 99;
            let unit = if in_force {
                changshou.clone()
            } else {
                subdistricts[j % subdistricts.len()].clone()
            };
            let (from, to) = if in_force {
                (today - Duration::days(365), today + Duration::days(730))
            } else {
                (
                    today - Duration::days(3000 + j as i64),
                    today - Duration::days(1000 + j as i64),
                )
            };
            let appointment = NewAppointment {
                kind: TeamKind::Subdistrict,
                holder: Holder::User(user.id),
                units: vec![unit],
                starts_on: from,
                ends_on: to,
                terms: Default::default(),
                appointed_by: "bench".into(),
                contract_signed_on: None,
                renews: None,
            };
            store.appoint(&appointment, &edit).await?;
        }
    }
    let count = store.appointments().await?.len();
    println!(
        "store: {count} appointments of {} users, made in {:.1} s",
        tx_users.len(),
        started.elapsed().as_secs_f64()
    );

    let lookups: Vec<f64> = {
        let mut v = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let _ = store.mandates(tx_users[0].id).await?;
            v.push(t.elapsed().as_secs_f64() * 1e6);
        }
        v
    };
    let (mean, p99) = stats(lookups);
    println!(
        "resolving a planner's 100 appointments from the store (once per request, then cached 30 s): mean {mean:.0} µs, p99 {p99:.0} µs"
    );

    let mandates = store.mandates(tx_users[0].id).await?;
    let principal = Principal {
        author: tx_users[0].login.clone(),
        user: Some(tx_users[0].id),
        roles: vec![Role::Planner],
        mandates: mandates.into(),
    };
    let catalog = Catalog::new(units.clone(), vec![]);
    let centre = |code: &UnitCode| {
        use geo::Centroid;
        let entry = catalog.unit(code).expect("loaded");
        entry
            .unit
            .fields
            .geometry
            .as_ref()
            .and_then(|g| g.centroid())
            .expect("a boundary")
    };
    let inside = square(centre(&changshou).x(), centre(&changshou).y(), 0.0005);
    // A square over the boundary between the two: bisect the line between their centres for
    // the point where 长寿路街道 ends.
    let crossing = {
        use geo::Contains;
        let boundary = catalog
            .unit(&changshou)
            .unwrap()
            .unit
            .fields
            .geometry
            .clone()
            .unwrap();
        let (a, b) = (centre(&changshou), centre(&yichuan));
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            let p = geo::Point::new(a.x() + (b.x() - a.x()) * mid, a.y() + (b.y() - a.y()) * mid);
            if boundary.contains(&p) {
                lo = mid
            } else {
                hi = mid
            }
        }
        square(
            a.x() + (b.x() - a.x()) * lo,
            a.y() + (b.y() - a.y()) * lo,
            0.0005,
        )
    };
    println!("| case | mean µs | p99 µs | verdict |");
    println!("|---|---:|---:|---|");
    for (name, g) in [
        ("inside 长寿路街道", &inside),
        (
            "crossing the boundary of 长寿路街道 towards 宜川路街道",
            &crossing,
        ),
    ] {
        let now = Utc::now();
        let verdict = lantu::policy::may_edit_site(&principal, &catalog, &[g, g], now).map(|_| ());
        let mut times = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let t = Instant::now();
            let r = lantu::policy::may_edit_site(&principal, &catalog, &[g, g], now);
            times.push(t.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(r.is_ok());
        }
        let (mean, p99) = stats(times);
        let verdict = match verdict {
            Ok(()) => "allowed".to_string(),
            Err(e) => format!("refused: {e}"),
        };
        println!("| {name} (stored and new geometry) | {mean:.1} | {p99:.1} | {verdict} |");
    }
    store.close().await;
    Ok(())
}
