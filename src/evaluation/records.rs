//! Service records (服务记录): what a planner did under an appointment — on-site hours and
//! activities, each with a date, a place on the map or a unit, the people present and files.
//! The evaluation sheets count them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of service a planner logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Training and talks: policy, the plans' results, technical standards, shared
    /// experience (培训宣讲): a participation event.
    Training,
    /// A consultation on a project or a question (专业咨询).
    Consultation,
    /// A scheme or preliminary design review (方案审查).
    DesignReview,
    /// A meeting attended: the street's office meetings, departments' coordination (会议).
    Meeting,
    /// A site visit or on-site guidance (现场踏勘与指导).
    SiteVisit,
    /// A petition answered (信访答疑).
    Petition,
    /// A letter of the planner mailbox answered (规划师信箱).
    Mailbox,
    /// The bureau's quarterly work meeting (工作例会).
    WorkMeeting,
    /// Research: a study of the street, a report, a list of problems (调研).
    Research,
    /// A guidance opinion: near- and long-term construction, industry (指导意见).
    Guidance,
}

impl ServiceKind {
    /// Every kind, in the order the pages offer them.
    pub const ALL: [Self; 10] = [
        Self::Training,
        Self::Consultation,
        Self::DesignReview,
        Self::Meeting,
        Self::SiteVisit,
        Self::Petition,
        Self::Mailbox,
        Self::WorkMeeting,
        Self::Research,
        Self::Guidance,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Consultation => "consultation",
            Self::DesignReview => "design_review",
            Self::Meeting => "meeting",
            Self::SiteVisit => "site_visit",
            Self::Petition => "petition",
            Self::Mailbox => "mailbox",
            Self::WorkMeeting => "work_meeting",
            Self::Research => "research",
            Self::Guidance => "guidance",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Its names in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Training => ("培训宣讲", "Training and talks"),
            Self::Consultation => ("专业咨询", "Consultation"),
            Self::DesignReview => ("方案审查", "Design review"),
            Self::Meeting => ("会议", "Meeting"),
            Self::SiteVisit => ("现场指导", "Site visit"),
            Self::Petition => ("信访答疑", "Petition answered"),
            Self::Mailbox => ("规划师信箱", "Planner mailbox answered"),
            Self::WorkMeeting => ("工作例会", "Quarterly work meeting"),
            Self::Research => ("调研", "Research"),
            Self::Guidance => ("指导意见", "Guidance opinion"),
        }
    }
}

/// A service record to log.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// The appointment it was done under (one the caller holds).
    pub appointment: i64,
    /// What kind of service.
    pub kind: ServiceKind,
    /// The day (China Standard Time), within the appointment's term and not in the future.
    pub held_on: NaiveDate,
    /// Hours spent, more than 0 and at most 24.
    pub hours: f64,
    /// What it was (at most 200 characters).
    pub title: String,
    /// Notes (at most 4000 characters).
    pub notes: Option<String>,
    /// Where, on the map: `[longitude, latitude]` (WGS 84), inside the appointment's units.
    pub place: Option<[f64; 2]>,
    /// Where, as planning units of the appointment (a place, units, or both).
    #[serde(default)]
    pub units: Vec<String>,
    /// The people present (names or roles, at most 50).
    #[serde(default)]
    pub present: Vec<String>,
    /// How many people took part.
    pub attendance: Option<i64>,
    /// The project it concerns.
    pub project: Option<i64>,
}

/// A file of a record (or an evaluation's annual summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordFile {
    /// Its id (`GET /api/evaluations/files/{id}`).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub media_type: String,
}

/// A service record as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRecord {
    /// Its id.
    pub id: i64,
    /// The appointment.
    pub appointment: i64,
    /// What kind.
    pub kind: ServiceKind,
    /// The kind's name in Chinese.
    pub kind_zh: String,
    /// The kind's name in English.
    pub kind_en: String,
    /// The day.
    pub held_on: NaiveDate,
    /// Hours.
    pub hours: f64,
    /// What it was.
    pub title: String,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Where on the map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<[f64; 2]>,
    /// Where, as units.
    pub units: Vec<String>,
    /// The people present.
    pub present: Vec<String>,
    /// How many took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<i64>,
    /// The project it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<i64>,
    /// Its files.
    pub files: Vec<RecordFile>,
    /// Who logged it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Service records.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRecordList {
    /// Newest day first.
    pub records: Vec<ServiceRecord>,
    /// Their hours.
    pub hours: f64,
}
