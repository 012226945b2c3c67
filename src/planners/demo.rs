//! The demo's people, created on an empty store by `lantu serve --demo` (`make run`): an
//! admin, a chief planner (the district's chief planner team), a planner appointed to
//! 长寿路街道 through its sub-district team, one appointed in person to 宜川路街道, and an
//! analyst. Their one-time passwords are printed once; with the small demo district instead of
//! Putuo, its two sub-districts stand in for the two streets.

use chrono::{Duration, Utc};

use super::{
    AgreementTerms, Contact, Holder, MemberRole, NewAppointment, NewUser, TeamKind, china_day,
    password,
};
use crate::auth::Role;
use crate::store::Store;
use crate::units::{Unit, UnitLevel};
use crate::version::Edit;

fn find<'a>(units: &'a [Unit], level: UnitLevel, names: &[&str]) -> Option<&'a Unit> {
    names.iter().find_map(|name| {
        units
            .iter()
            .find(|u| u.fields.level == level && u.fields.name_zh == *name)
    })
}

/// Creates the demo people if the store has none; prints their one-time passwords.
pub async fn load(store: &Store) -> anyhow::Result<()> {
    if !store.users().await?.is_empty() {
        return Ok(());
    }
    let units = store.load_units().await?;
    let sub = UnitLevel::Subdistrict;
    let (Some(district), Some(changshou), Some(yichuan)) = (
        units.iter().find(|u| u.fields.level == UnitLevel::District),
        find(&units, sub, &["长寿路街道", "示范西街道"]),
        find(&units, sub, &["宜川路街道", "示范东街道"]),
    ) else {
        println!("demo: no district with two sub-districts is loaded; no demo people created");
        return Ok(());
    };
    let edit = Edit::by("demo");
    let today = china_day(Utc::now());
    let (from, to) = (today - Duration::days(365), today + Duration::days(730));
    // (login, name, role, appointment: kind, unit, through a team rather than in person)
    type Mandate<'a> = Option<(TeamKind, &'a Unit, bool)>;
    let people: [(&str, &str, Role, Mandate); 5] = [
        ("admin", "系统管理员", Role::Admin, None),
        (
            "chief",
            "总规划师",
            Role::Planner,
            Some((TeamKind::Chief, district, true)),
        ),
        (
            "changshou",
            "长寿路社区规划师",
            Role::Planner,
            Some((TeamKind::Subdistrict, changshou, true)),
        ),
        (
            "yichuan",
            "宜川路社区规划师",
            Role::Planner,
            Some((TeamKind::Subdistrict, yichuan, false)),
        ),
        ("analyst", "规划局分析员", Role::Analyst, None),
    ];
    println!("demo: people created; their one-time passwords are shown only now:");
    for (login, name, role, mandate) in people {
        let secret = password::generate()?;
        let new = NewUser {
            login: login.into(),
            display_zh: name.into(),
            display_en: None,
            organisation: Some("普陀区规划和自然资源局 (demo)".into()),
            roles: vec![role],
            contact: Contact::default(),
        };
        let user = store
            .create_user(&new, Some(&password::hash(&secret)?), &edit)
            .await?;
        let mut place = String::new();
        if let Some((kind, unit, through_team)) = mandate {
            let holder = if through_team {
                let team_name = format!("{}{}", unit.fields.name_zh, kind.name_zh());
                let team = store
                    .create_team(kind, (&team_name, None), None, &edit)
                    .await?;
                store
                    .add_member(team.id, user.id, MemberRole::Leader, None, &edit)
                    .await?;
                Holder::Team(team.id)
            } else {
                Holder::User(user.id)
            };
            let appointment = NewAppointment {
                kind,
                holder,
                units: vec![unit.fields.code.clone()],
                starts_on: from,
                ends_on: to,
                terms: AgreementTerms {
                    service: Some("社区规划服务 (demo)".into()),
                    onsite_hours: Some(16.0),
                    responsibilities: None,
                },
                appointed_by: "普陀区规划和自然资源局".into(),
                contract_signed_on: None,
                renews: None,
            };
            store.appoint(&appointment, &edit).await?;
            place = format!(", {} in {} until {to}", kind.name_zh(), unit.fields.name_zh);
        }
        println!("  {login:<10} {secret}  ({}{place})", role.as_str());
    }
    Ok(())
}
