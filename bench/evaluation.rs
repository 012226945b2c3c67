//! Filling evaluation sheets at Putuo's scale: the real Putuo units; 10 sub-district planner
//! teams and 290 planners appointed in person to neighbourhood committees, each with 60 service
//! records over two years (18,000 in all) and a Binjiang term evaluation with five items scored.
//! Through the HTTP router as an analyst: one sheet (`GET /api/evaluations/{id}`), the district
//! table (`GET /api/evaluations/table`, all 300 sheets filled) and its CSV.
//!
//! `cargo bench --bench evaluation` (needs `../shared/data/putuo/units`). Prints the mean and
//! p95 of each request in milliseconds. There is no software to compare with: Binjiang and
//! Putuo fill these sheets by hand, from folders.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use chrono::{Duration, Utc};
use lantu::auth::{Role, generate_token};
use lantu::evaluation::record_store::NewRecord;
use lantu::evaluation::records::ServiceKind;
use lantu::import::OnRefusal;
use lantu::planners::{Contact, Holder, MemberRole, NewAppointment, NewUser, TeamKind, china_day};
use lantu::state::AppState;
use lantu::store::{self, Storage};
use lantu::units::UnitLevel;
use lantu::units::import::import_units;
use lantu::version::Edit;
use tower::ServiceExt;

fn stats(mut millis: Vec<f64>) -> (f64, f64) {
    millis.sort_by(f64::total_cmp);
    let mean = millis.iter().sum::<f64>() / millis.len() as f64;
    (
        mean,
        millis[(millis.len() * 95 / 100).min(millis.len() - 1)],
    )
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
    let of_level = |level: UnitLevel| -> Vec<lantu::units::UnitCode> {
        units
            .iter()
            .filter(|u| u.fields.level == level)
            .map(|u| u.fields.code.clone())
            .collect()
    };
    let (subdistricts, committees) = (
        of_level(UnitLevel::Subdistrict),
        of_level(UnitLevel::Committee),
    );

    let started = Instant::now();
    let today = china_day(Utc::now());
    let (from, to) = (today - Duration::days(730), today + Duration::days(365));
    let mut appointments = Vec::new();
    for i in 0..300 {
        let user = store
            .create_user(
                &NewUser {
                    login: format!("planner{i:03}"),
                    display_zh: format!("规划师 {i}"),
                    display_en: None,
                    organisation: None,
                    roles: vec![Role::Planner],
                    contact: Contact::default(),
                },
                None,
                &edit,
            )
            .await?;
        let (holder, unit) = if i < 10 {
            let team = store
                .create_team(
                    TeamKind::Subdistrict,
                    (&format!("街镇团队 {i}"), None),
                    None,
                    &edit,
                )
                .await?;
            store
                .add_member(team.id, user.id, MemberRole::Leader, None, &edit)
                .await?;
            (
                Holder::Team(team.id),
                subdistricts[i % subdistricts.len()].clone(),
            )
        } else {
            (
                Holder::User(user.id),
                committees[i % committees.len()].clone(),
            )
        };
        let appointment = store
            .appoint(
                &NewAppointment {
                    kind: TeamKind::Subdistrict,
                    holder,
                    units: vec![unit.clone()],
                    starts_on: from,
                    ends_on: to,
                    terms: lantu::planners::AgreementTerms {
                        onsite_hours: Some(16.0),
                        ..Default::default()
                    },
                    appointed_by: "bench".into(),
                    contract_signed_on: None,
                    renews: None,
                },
                &edit,
            )
            .await?;
        for j in 0..60_i64 {
            let record = NewRecord {
                appointment: appointment.id,
                kind: ServiceKind::ALL[(j as usize) % ServiceKind::ALL.len()],
                held_on: from + Duration::days(j * 12),
                hours: 2.5,
                title: format!("服务 {j}"),
                notes: None,
                place: None,
                units: vec![unit.as_str().to_owned()],
                present: vec!["街道城建办".into()],
                attendance: Some(10),
                project: None,
            };
            store.add_service_record(&record, &edit).await?;
        }
        let e = store
            .create_evaluation((appointment.id, "binjiang"), (from, to, None), &edit)
            .await?;
        for item in ["1.1", "1.2", "2.1", "2.2", "7.1"] {
            store
                .set_score((e.id, item), Some(4.0), None, None, &edit)
                .await?;
        }
        appointments.push(e.id);
    }
    println!(
        "store: 300 appointments, 18,000 service records, 300 evaluations, made in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let (token, hash) = generate_token()?;
    store
        .create_token("bench analyst", Role::Analyst, &hash, None, None)
        .await?;
    let state = AppState::load(store, Default::default()).await?;
    let app = lantu::app(state);
    let get = |path: String| {
        let app = app.clone();
        let token = token.clone();
        async move {
            let request = Request::get(path)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let t = Instant::now();
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            assert!(
                status.is_success(),
                "{status}: {}",
                String::from_utf8_lossy(&body)
            );
            (t.elapsed().as_secs_f64() * 1e3, body.len())
        }
    };
    for (what, path, runs) in [
        (
            "one sheet",
            format!("/api/evaluations/{}", appointments[0]),
            50,
        ),
        (
            "the district table (300 sheets)",
            "/api/evaluations/table".to_string(),
            10,
        ),
        (
            "the district table as CSV",
            "/api/evaluations/table.csv".to_string(),
            10,
        ),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let (ms, size) = get(path.clone()).await;
            times.push(ms);
            bytes = size;
        }
        let (mean, p95) = stats(times);
        println!("{what}: mean {mean:.1} ms, p95 {p95:.1} ms ({bytes} bytes, {runs} runs)");
    }
    Ok(())
}
