//! What lantu holds about an appointment over a period, counted for the sheets: its service
//! records, its projects (their meetings, completion and satisfaction surveys), the needs of its
//! units, and the annual summary. Each count comes with the records behind it, linked.
//!
//! An appointment's projects: a sub-district team's are its sub-district's projects (it leads
//! them, as [`crate::policy::may_edit_project`] has it); a designer or operations team's, the
//! projects naming it; any team's, the projects it leads. A project counts for a period if it
//! was created in it or something happened to it then (a stage, a meeting, a publication, a
//! survey); projects a service record of the period names count too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::records::{ServiceKind, ServiceRecord};
use crate::needs::NeedStatus;
use crate::needs::model::Need;
use crate::planners::{Appointment, Holder, TeamKind, china_day};
use crate::projects::MeetingKind;
use crate::projects::Stage;
use crate::projects::api::Project;

/// What a sheet can count.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Projects taken part in (the appointment's projects active in the period, and those its
    /// records name).
    ProjectsConsulted,
    /// Participation events held: training and talks logged, and the residents' meetings of
    /// its projects (hearings, coordination, review, representatives).
    ParticipationEvents,
    /// Needs of its units received in the period and taken onto the needs list (accepted,
    /// merged or answered).
    NeedsCompiled,
    /// Needs of its units a project answered in the period.
    NeedsAnswered,
    /// Petitions (信访答疑) and mailbox letters (规划师信箱) answered.
    PetitionsAnswered,
    /// Guidance opinions offered.
    GuidanceOpinions,
    /// Research logged (reports, lists of problems).
    ResearchReports,
    /// Design reviews.
    DesignReviews,
    /// Site visits.
    SiteVisits,
    /// Meetings attended, work meetings included.
    MeetingsAttended,
    /// The bureau's quarterly work meetings attended.
    WorkMeetings,
    /// Hours logged.
    Hours,
    /// Its projects completed (竣工) in the period.
    ProjectsCompleted,
    /// Residents' satisfaction surveys of its projects in the period (the value: percent
    /// satisfied over all respondents).
    Satisfaction,
    /// The annual summary attached to the evaluation.
    AnnualSummary,
}

impl Metric {
    /// Its names in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::ProjectsConsulted => ("参与项目", "Projects taken part in"),
            Self::ParticipationEvents => ("公众参与活动", "Participation events"),
            Self::NeedsCompiled => ("纳入需求清单的需求", "Needs on the needs list"),
            Self::NeedsAnswered => ("已立项回应的需求", "Needs a project answers"),
            Self::PetitionsAnswered => ("信访答疑与信箱回复", "Petitions and letters answered"),
            Self::GuidanceOpinions => ("指导意见", "Guidance opinions"),
            Self::ResearchReports => ("调研", "Research"),
            Self::DesignReviews => ("方案审查", "Design reviews"),
            Self::SiteVisits => ("现场指导", "Site visits"),
            Self::MeetingsAttended => ("参加会议", "Meetings attended"),
            Self::WorkMeetings => ("工作例会", "Work meetings"),
            Self::Hours => ("服务时长（小时）", "Hours logged"),
            Self::ProjectsCompleted => ("竣工项目", "Projects completed"),
            Self::Satisfaction => ("居民满意度（%）", "Residents satisfied (%)"),
            Self::AnnualSummary => ("年度工作总结", "Annual summary"),
        }
    }

    /// The service kinds it counts, for metrics that count records.
    fn kinds(self) -> &'static [ServiceKind] {
        match self {
            Self::PetitionsAnswered => &[ServiceKind::Petition, ServiceKind::Mailbox],
            Self::GuidanceOpinions => &[ServiceKind::Guidance],
            Self::ResearchReports => &[ServiceKind::Research],
            Self::DesignReviews => &[ServiceKind::DesignReview],
            Self::SiteVisits => &[ServiceKind::SiteVisit],
            Self::MeetingsAttended => &[ServiceKind::Meeting, ServiceKind::WorkMeeting],
            Self::WorkMeetings => &[ServiceKind::WorkMeeting],
            _ => &[],
        }
    }
}

/// One record behind a count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// What it is: `service_record`, `project`, `meeting`, `need`, `survey`, `summary`.
    pub source: String,
    /// Its id.
    pub id: i64,
    /// Its day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// What it says.
    pub title: String,
    /// Why it counts, or its figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Where to read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// A metric's value and the records behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Count {
    /// The value: how many, or hours, or percent satisfied (none without surveys).
    pub value: Option<f64>,
    /// The records.
    pub evidence: Vec<Evidence>,
}

/// What the evaluation is of.
pub struct Scope<'a> {
    /// The appointment.
    pub appointment: &'a Appointment,
    /// The first day counted.
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
}

impl Scope<'_> {
    fn holds(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    fn team(&self) -> Option<i64> {
        match self.appointment.holder {
            Holder::Team(t) => Some(t),
            Holder::User(_) => None,
        }
    }

    fn in_units(&self, unit: &str) -> bool {
        self.appointment
            .units
            .iter()
            .any(|a| unit.starts_with(a.as_str()) || a.as_str().starts_with(unit))
    }

    /// Whether `project` is the appointment's.
    fn owns(&self, project: &Project) -> bool {
        let team = self.team();
        let named = |t: Option<i64>| t.is_some() && t == team;
        named(project.lead_team)
            || match self.appointment.kind {
                TeamKind::Subdistrict => self.in_units(&project.subdistrict),
                TeamKind::Designer => named(project.designer_team),
                TeamKind::Operations => named(project.operations_team),
                TeamKind::Chief | TeamKind::Advisory => false,
            }
    }

    /// Whether something happened to `project` in the period.
    fn active(&self, project: &Project) -> bool {
        self.holds(china_day(project.created_at))
            || project.stages.iter().any(|s| self.holds(china_day(s.at)))
            || project.meetings.iter().any(|m| self.holds(m.held_on))
            || project.publications.iter().any(|p| self.holds(p.starts_on))
            || project.surveys.iter().any(|s| self.holds(s.held_on))
    }
}

/// What is recorded, gathered once for a sheet.
pub struct Records<'a> {
    /// The appointment's service records (any day: the scope picks).
    pub service: &'a [ServiceRecord],
    /// Every project.
    pub projects: &'a [Project],
    /// Every need.
    pub needs: &'a [std::sync::Arc<Need>],
    /// The annual summary attached, if any: (file id, name).
    pub summary: Option<(i64, String)>,
}

fn record_evidence(r: &ServiceRecord) -> Evidence {
    Evidence {
        source: "service_record".into(),
        id: r.id,
        date: Some(r.held_on),
        title: r.title.clone(),
        detail: Some(format!("{} · {} · {} h", r.kind_zh, r.kind_en, r.hours)),
        href: Some(format!("/service?record={}", r.id)),
    }
}

fn project_evidence(p: &Project, why: &str) -> Evidence {
    Evidence {
        source: "project".into(),
        id: p.id,
        date: Some(china_day(p.created_at)),
        title: p.name.clone(),
        detail: Some(why.into()),
        href: Some(format!("/projects/{}", p.id)),
    }
}

fn counted(evidence: Vec<Evidence>) -> Count {
    Count {
        value: Some(evidence.len() as f64),
        evidence,
    }
}

/// Every metric for `scope`, from `records`.
pub fn gather(scope: &Scope, records: &Records) -> BTreeMap<Metric, Count> {
    let service: Vec<&ServiceRecord> = records
        .service
        .iter()
        .filter(|r| r.appointment == scope.appointment.id && scope.holds(r.held_on))
        .collect();
    let of_kinds = |kinds: &[ServiceKind]| -> Vec<Evidence> {
        service
            .iter()
            .filter(|r| kinds.contains(&r.kind))
            .map(|r| record_evidence(r))
            .collect()
    };
    let own: Vec<&Project> = records
        .projects
        .iter()
        .filter(|p| scope.owns(p) && scope.active(p))
        .collect();
    let mut out = BTreeMap::new();

    // Projects taken part in: its own, active in the period, then those its records name.
    let mut consulted: Vec<Evidence> = own
        .iter()
        .map(|p| project_evidence(p, "由本聘任团队负责 · led under this appointment"))
        .collect();
    for r in &service {
        let Some(id) = r.project else { continue };
        if consulted.iter().any(|e| e.id == id) {
            continue;
        }
        if let Some(p) = records.projects.iter().find(|p| p.id == id) {
            let why = format!("服务记录 · service record {}: {}", r.id, r.title);
            consulted.push(project_evidence(p, &why));
        }
    }
    out.insert(Metric::ProjectsConsulted, counted(consulted));

    // Participation events: training and talks, and residents' meetings of its projects.
    let mut events = of_kinds(&[ServiceKind::Training]);
    for p in &own {
        for m in &p.meetings {
            let residents = matches!(
                m.kind,
                MeetingKind::Hearing
                    | MeetingKind::Coordination
                    | MeetingKind::Review
                    | MeetingKind::ResidentsRepresentatives
            );
            if residents && scope.holds(m.held_on) {
                let people: i64 = m.attendance.values().sum();
                events.push(Evidence {
                    source: "meeting".into(),
                    id: m.id,
                    date: Some(m.held_on),
                    title: format!("{} · {}", p.name, m.kind_zh),
                    detail: Some(format!("{} · {people} 人 people", m.kind_en)),
                    href: Some(format!("/projects/{}", p.id)),
                });
            }
        }
    }
    events.sort_by_key(|e| e.date);
    out.insert(Metric::ParticipationEvents, counted(events));

    // Needs of its units.
    let mine =
        |n: &&std::sync::Arc<Need>| !n.hidden && n.units.iter().any(|u| scope.in_units(u.as_str()));
    let need_evidence = |n: &Need, day: NaiveDate| {
        let (zh, en) = n.status.label();
        Evidence {
            source: "need".into(),
            id: n.id,
            date: Some(day),
            title: n.text.chars().take(60).collect(),
            detail: Some(format!("{} · {zh} · {en}", n.category)),
            href: Some(format!("/needs?need={}", n.id)),
        }
    };
    let compiled: Vec<Evidence> = records
        .needs
        .iter()
        .filter(mine)
        .filter(|n| {
            matches!(
                n.status,
                NeedStatus::Accepted | NeedStatus::Merged | NeedStatus::Answered
            ) && scope.holds(china_day(n.submitted_at))
        })
        .map(|n| need_evidence(n, china_day(n.submitted_at)))
        .collect();
    out.insert(Metric::NeedsCompiled, counted(compiled));
    let answered: Vec<Evidence> = records
        .needs
        .iter()
        .filter(mine)
        .filter_map(|n| {
            let day = china_day(n.answered_at?);
            (n.status == NeedStatus::Answered && scope.holds(day)).then(|| need_evidence(n, day))
        })
        .collect();
    out.insert(Metric::NeedsAnswered, counted(answered));

    for metric in [
        Metric::PetitionsAnswered,
        Metric::GuidanceOpinions,
        Metric::ResearchReports,
        Metric::DesignReviews,
        Metric::SiteVisits,
        Metric::MeetingsAttended,
        Metric::WorkMeetings,
    ] {
        out.insert(metric, counted(of_kinds(metric.kinds())));
    }

    let hours = service.iter().fold(0.0, |sum, r| sum + r.hours);
    out.insert(
        Metric::Hours,
        Count {
            value: Some(hours),
            evidence: service.iter().map(|r| record_evidence(r)).collect(),
        },
    );

    let completed: Vec<Evidence> = own
        .iter()
        .filter_map(|p| {
            let step = p
                .stages
                .iter()
                .find(|s| s.stage == Stage::Completed && scope.holds(china_day(s.at)))?;
            let mut e = project_evidence(p, "竣工 · completed");
            e.date = Some(china_day(step.at));
            Some(e)
        })
        .collect();
    out.insert(Metric::ProjectsCompleted, counted(completed));

    let mut surveyed = (0_i64, 0_i64);
    let mut surveys = Vec::new();
    for p in &own {
        for s in p.surveys.iter().filter(|s| scope.holds(s.held_on)) {
            surveyed = (surveyed.0 + s.satisfied, surveyed.1 + s.respondents);
            surveys.push(Evidence {
                source: "survey".into(),
                id: s.id,
                date: Some(s.held_on),
                title: p.name.clone(),
                detail: Some(format!(
                    "{}/{} 满意 satisfied ({:.0}%), 平均 mean {:.0}",
                    s.satisfied,
                    s.respondents,
                    s.satisfaction * 100.0,
                    s.mean_score
                )),
                href: Some(format!("/projects/{}", p.id)),
            });
        }
    }
    out.insert(
        Metric::Satisfaction,
        Count {
            value: (surveyed.1 > 0)
                .then(|| (1000.0 * surveyed.0 as f64 / surveyed.1 as f64).round() / 10.0),
            evidence: surveys,
        },
    );

    let summary: Vec<Evidence> = records
        .summary
        .iter()
        .map(|(id, name)| Evidence {
            source: "summary".into(),
            id: *id,
            date: None,
            title: name.clone(),
            detail: None,
            href: Some(format!("/api/evaluations/files/{id}")),
        })
        .collect();
    out.insert(Metric::AnnualSummary, counted(summary));
    out
}
