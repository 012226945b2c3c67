//! Projects' records and requests, as the API sends and receives them (and the store returns).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{FundingSource, MeetingKind, Stage};

/// A meeting on record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Meeting {
    /// Its id.
    pub id: i64,
    /// Its kind.
    pub kind: MeetingKind,
    /// The kind in Chinese.
    pub kind_zh: String,
    /// The kind in English.
    pub kind_en: String,
    /// The day it was held.
    pub held_on: NaiveDate,
    /// Where.
    pub place: String,
    /// Who came, by group (residents, representatives, owners_committee, property_manager,
    /// committee, planners, designers, subdistrict, other).
    pub attendance: BTreeMap<String, i64>,
    /// The motion put to the vote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion: Option<String>,
    /// Votes for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_for: Option<i64>,
    /// Votes against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_against: Option<i64>,
    /// Abstentions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_abstain: Option<i64>,
    /// Whether the motion passed (more for than against).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<String>,
    /// Its files (`GET /api/projects/attachments/{id}`).
    pub attachments: Vec<Attachment>,
}

/// A meeting's file: signed minutes, a sign-in sheet, the plans shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub media_type: String,
}

/// A publication (公示): a period in which the public reads it and may comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publication {
    /// Its id.
    pub id: i64,
    /// What is published (the project, its design, its result).
    pub subject: String,
    /// The text.
    pub text: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Comments are taken until this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments_until: Option<NaiveDate>,
    /// Comments received.
    pub comments: i64,
}

/// A photo of a project, before or after (`GET /api/projects/photos/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectPhoto {
    /// Its id.
    pub id: i64,
    /// `before` or `after`.
    pub phase: String,
}

/// A comment on a publication.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    /// When.
    pub at: DateTime<Utc>,
    /// What was said.
    pub text: String,
}

/// A comment to put on record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// What to say (at most 2,000 characters).
    pub text: String,
}

/// Money from one source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Funding {
    /// Its id.
    pub id: i64,
    /// The source.
    pub source: FundingSource,
    /// Planned, in yuan.
    pub planned: f64,
    /// Spent so far, in yuan.
    pub spent: f64,
    /// A note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A residents' satisfaction survey.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Survey {
    /// Its id.
    pub id: i64,
    /// The day it closed.
    pub held_on: NaiveDate,
    /// Residents who answered.
    pub respondents: i64,
    /// Of them, satisfied.
    pub satisfied: i64,
    /// The share satisfied, 0–1.
    pub satisfaction: f64,
    /// The mean score, 0–100.
    pub mean_score: f64,
    /// The review meeting's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// One move of a project's stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageStep {
    /// The stage it moved to.
    pub stage: Stage,
    /// When.
    pub at: DateTime<Utc>,
    /// Who moved it (team view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A project with everything on record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    /// Its id.
    pub id: i64,
    /// +1 at each change.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// What it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its element type (the nine of the guidance, or other).
    pub element_type: String,
    /// The sub-district it lies in (derived from its sites).
    pub subdistrict: String,
    /// Where it stands.
    pub stage: Stage,
    /// The stage in Chinese.
    pub stage_zh: String,
    /// The stage in English.
    pub stage_en: String,
    /// On the public blueprint.
    pub published: bool,
    /// The lead team (the sub-district planner team).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_team: Option<i64>,
    /// The project designer team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub designer_team: Option<i64>,
    /// The operations planner team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations_team: Option<i64>,
    /// First year in the sub-district's 3-year reserve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserve_from: Option<i32>,
    /// Last year in the reserve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserve_to: Option<i32>,
    /// The annual action plan's year it is scheduled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_year: Option<i32>,
    /// The result, as published after completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Its operation and maintenance rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_rules: Option<String>,
    /// Its sites.
    pub sites: Vec<i64>,
    /// The needs it answers.
    pub needs: Vec<i64>,
    /// Its stages, oldest first.
    pub stages: Vec<StageStep>,
    /// Its meetings, by day.
    pub meetings: Vec<Meeting>,
    /// Its publications.
    pub publications: Vec<Publication>,
    /// Its funding.
    pub funding: Vec<Funding>,
    /// Funding planned, in yuan.
    pub planned_total: f64,
    /// Spent, in yuan.
    pub spent_total: f64,
    /// Its satisfaction surveys.
    pub surveys: Vec<Survey>,
    /// Its photos, before and after.
    pub photos: Vec<ProjectPhoto>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new project.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its element type.
    pub element_type: String,
    /// Its sites (at least one, all in one sub-district).
    pub sites: Vec<i64>,
    /// The needs it answers (they become answered, and their followers are told).
    #[serde(default)]
    pub needs: Vec<i64>,
    /// The lead team.
    pub lead_team: Option<i64>,
    /// The designer team.
    pub designer_team: Option<i64>,
    /// The operations team.
    pub operations_team: Option<i64>,
    /// First reserve year.
    pub reserve_from: Option<i32>,
    /// Last reserve year.
    pub reserve_to: Option<i32>,
    /// Annual plan year.
    pub plan_year: Option<i32>,
}

/// A change to a project's own fields (members present replace).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    /// Its name.
    pub name: Option<String>,
    /// What it does.
    pub description: Option<String>,
    /// On the public blueprint.
    pub published: Option<bool>,
    /// The result after completion.
    pub result: Option<String>,
    /// Operation and maintenance rules.
    pub operation_rules: Option<String>,
    /// First reserve year.
    pub reserve_from: Option<i32>,
    /// Last reserve year.
    pub reserve_to: Option<i32>,
    /// Annual plan year.
    pub plan_year: Option<i32>,
    /// The designer team.
    pub designer_team: Option<i64>,
    /// The operations team.
    pub operations_team: Option<i64>,
}

/// A move to another stage.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// The stage to move to.
    pub stage: Stage,
    /// Why.
    pub note: Option<String>,
}

/// A meeting to put on record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Its kind.
    pub kind: MeetingKind,
    /// The day.
    pub held_on: NaiveDate,
    /// Where.
    pub place: String,
    /// Who came, by group.
    pub attendance: BTreeMap<String, i64>,
    /// The motion.
    pub motion: Option<String>,
    /// Votes for.
    pub votes_for: Option<i64>,
    /// Votes against.
    pub votes_against: Option<i64>,
    /// Abstentions.
    pub votes_abstain: Option<i64>,
    /// The minutes.
    pub minutes: Option<String>,
}

/// A publication to put on record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    /// What is published.
    pub subject: String,
    /// The text.
    pub text: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Comments until.
    pub comments_until: Option<NaiveDate>,
}

/// Funding to put on record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingInput {
    /// The source.
    pub source: FundingSource,
    /// Planned, in yuan.
    pub planned: f64,
    /// Spent, in yuan.
    #[serde(default)]
    pub spent: f64,
    /// A note.
    pub note: Option<String>,
}

/// A survey to put on record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// The day it closed.
    pub held_on: NaiveDate,
    /// Residents who answered.
    pub respondents: i64,
    /// Of them, satisfied.
    pub satisfied: i64,
    /// The mean score, 0–100.
    pub mean_score: f64,
    /// The review meeting's verdict.
    pub verdict: Option<String>,
}

/// A project in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectSummary {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its element type.
    pub element_type: String,
    /// Its sub-district.
    pub subdistrict: String,
    /// Its stage.
    pub stage: Stage,
    /// On the public blueprint.
    pub published: bool,
    /// Annual plan year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_year: Option<i32>,
    /// First reserve year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserve_from: Option<i32>,
    /// Last reserve year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserve_to: Option<i32>,
    /// Funding planned.
    pub planned_total: f64,
    /// Funding spent.
    pub spent_total: f64,
}

/// Projects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    /// The projects.
    pub projects: Vec<ProjectSummary>,
}
