//! The demo's service log: the 长寿路 team's planner logs a season's work (talks, a
//! consultation, a petition answered, a quarterly work meeting, site visits), and the chief
//! planner starts a Binjiang evaluation of its term, so the service and evaluation pages open
//! on something. Made once, with the demo people.

use chrono::{Duration, Utc};

use super::record_store::NewRecord;
use super::records::ServiceKind;
use crate::planners::{Holder, TeamKind, china_day};
use crate::store::Store;
use crate::version::Edit;

/// Logs the demo records if the demo's sub-district appointment has none.
pub async fn load(store: &Store) -> anyhow::Result<()> {
    let Some(appointment) = store
        .appointments()
        .await?
        .into_iter()
        .find(|a| a.kind == TeamKind::Subdistrict && matches!(a.holder, Holder::Team(_)))
    else {
        return Ok(());
    };
    if !store
        .service_records(Some(appointment.id))
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let today = china_day(Utc::now());
    let edit = Edit::by("changshou");
    let records: [(ServiceKind, i64, f64, &str); 6] = [
        (ServiceKind::Training, 60, 3.0, "社区规划政策宣讲会"),
        (
            ServiceKind::Consultation,
            45,
            4.0,
            "小区综合提升改造方案咨询",
        ),
        (ServiceKind::Petition, 30, 2.0, "信访答疑：加装电梯选址"),
        (
            ServiceKind::WorkMeeting,
            20,
            2.5,
            "区规划资源局季度工作例会",
        ),
        (ServiceKind::SiteVisit, 10, 3.5, "口袋花园施工现场指导"),
        (ServiceKind::Training, 5, 2.0, "居民规划工作坊"),
    ];
    for (kind, days_ago, hours, title) in records {
        let held_on = (today - Duration::days(days_ago)).max(appointment.starts_on);
        let record = NewRecord {
            appointment: appointment.id,
            kind,
            held_on,
            hours,
            title: title.into(),
            notes: None,
            place: None,
            units: appointment
                .units
                .iter()
                .map(|u| u.as_str().to_owned())
                .collect(),
            present: vec!["街道城建办".into(), "居委会".into()],
            attendance: Some(20),
            project: None,
        };
        store.add_service_record(&record, &edit).await?;
    }
    store
        .create_evaluation(
            (appointment.id, "binjiang"),
            (appointment.starts_on, appointment.ends_on, None),
            &Edit::by("chief"),
        )
        .await?;
    println!("demo: a season of service logged for 长寿路, and its term's evaluation started");
    Ok(())
}
