//! The needs API's response and request types (serialised by the handlers, described in the
//! OpenAPI document from the same types).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalogue::NeedCategory;
use super::model::{FlagReason, NeedEvent, NeedStatus};
use crate::ogc::contract::{FeatureType, Geometry, Link};

/// A need's properties. Its contact never appears here except for its moderators.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedProperties {
    /// Its category's id.
    pub category: String,
    /// The category in Chinese.
    pub category_zh: String,
    /// The category in English.
    pub category_en: String,
    /// What the resident wrote.
    pub text: String,
    /// Where it stands (a code, the same in every language).
    pub status: NeedStatus,
    /// The status in Chinese.
    pub status_zh: String,
    /// The status in English.
    pub status_en: String,
    /// Why it was declined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The need it was merged into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<i64>,
    /// The project that answers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<i64>,
    /// Supports (+1).
    pub supports: i64,
    /// The units it falls in (derived).
    pub units: Vec<String>,
    /// Their Chinese names (derived).
    pub unit_names: Vec<String>,
    /// Its photos' addresses.
    pub photos: Vec<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// +1 at each change.
    pub version: i64,
    /// How far it is to walk to the nearest facility of each kind it concerns (one need only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest: Option<Vec<Nearest>>,
    /// What became of it, oldest first (one need only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<Vec<NeedEvent>>,
    /// For its moderators: hidden from the public (flags or a moderator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// For its moderators: flags not yet reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<i64>,
    /// For its moderators: the contact the resident gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The walk to the nearest facility of one category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Nearest {
    /// The facility category.
    pub facility: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// The life circle's walking threshold for it, in metres.
    pub threshold_m: f64,
    /// Metres along the streets to the nearest one; null when none is within `searched_m`.
    pub distance_m: Option<f64>,
    /// How far the search went.
    pub searched_m: f64,
    /// Whether the nearest is within the threshold (false: a life-circle gap).
    pub within: bool,
}

/// A need as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// Its id.
    pub id: i64,
    /// Where.
    pub geometry: Geometry,
    /// Its properties.
    pub properties: NeedProperties,
    /// self, the collection, its feed.
    pub links: Vec<Link>,
}

/// What a submission answers: the need, and how to follow it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The receipt code (回执码): keep it to follow the need.
    pub receipt: String,
    /// The tracking page for people.
    pub tracking_url: String,
    /// The tracking resource for programs.
    pub tracking_api: String,
    /// The need as stored.
    pub need: NeedFeature,
}

/// A support (+1).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportInput {
    /// An id the device keeps (the page makes one), or the supporter's phone or e-mail: each
    /// counts once.
    pub supporter: String,
}

/// What a support answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Supported {
    /// Supports now.
    pub supports: i64,
    /// Whether this one counted (false: this device or contact supported it before).
    pub counted: bool,
}

/// A flag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagInput {
    /// Why.
    pub reason: FlagReason,
    /// An id the device keeps.
    pub reporter: String,
}

/// What a flag answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Flagged {
    /// Whether this flag counted (one per address or device).
    pub counted: bool,
}

/// A moderator's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `accept`, `decline` (with a reason), `merge` (with `into`), `hide` (with a reason) or
    /// `restore`.
    pub action: String,
    /// Why: required to decline or hide; shown to the public with a decline.
    pub reason: Option<String>,
    /// The need this one is merged into.
    pub into: Option<i64>,
}

/// A follower by e-mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowInput {
    /// Where to tell them.
    pub email: String,
}

/// A status with its words.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusLabel {
    /// The code.
    pub id: NeedStatus,
    /// In Chinese.
    pub name_zh: String,
    /// In English.
    pub name_en: String,
}

/// The needs catalogue and the status codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedCategories {
    /// Every category.
    pub categories: Vec<NeedCategory>,
    /// Every status.
    pub statuses: Vec<StatusLabel>,
}

/// One group of the moderation queue: needs that sit beyond a facility's threshold.
#[derive(Debug, Serialize, ToSchema)]
pub struct Gap {
    /// The facility category.
    pub facility: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// Its walking threshold.
    pub threshold_m: f64,
    /// The needs concerning it that sit further than the threshold from any of them.
    pub needs: Vec<i64>,
}

/// A moderation queue (审核队列): the needs in the caller's units, hidden and flagged ones
/// included, newest first, with their contacts, and grouped by life-circle gap.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    /// The needs.
    pub needs: Vec<NeedFeature>,
    /// Needs beyond each facility's threshold.
    pub gaps: Vec<Gap>,
}
