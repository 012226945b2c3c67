//! Needs (需求清单): what a resident asks for, where, and what became of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::units::UnitCode;

/// Where a need stands. The codes are the API's and the store's, the same in every language;
/// [`NeedStatus::label`] gives the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    /// Submitted, waiting for the sub-district's planners (收到).
    Received,
    /// Taken onto the needs list (已受理).
    Accepted,
    /// The same as another need, which carries it on (已合并).
    Merged,
    /// Not taken up, with a reason (不予采纳).
    Declined,
    /// A project answers it (已立项).
    Answered,
}

impl NeedStatus {
    /// Every status, in the order a need moves through them.
    pub const ALL: [Self; 5] = [
        Self::Received,
        Self::Accepted,
        Self::Merged,
        Self::Declined,
        Self::Answered,
    ];

    /// The API and storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Merged => "merged",
            Self::Declined => "declined",
            Self::Answered => "answered",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The status in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Received => ("已收到", "Received"),
            Self::Accepted => ("已受理", "Accepted"),
            Self::Merged => ("已合并", "Merged into another need"),
            Self::Declined => ("不予采纳", "Declined"),
            Self::Answered => ("已立项", "Answered by a project"),
        }
    }
}

/// Why someone flags a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Advertising, nonsense, repeated posts.
    Spam,
    /// Insults, threats.
    Abuse,
    /// Someone's name, phone number or address in the text or a photo.
    PersonalData,
}

impl FlagReason {
    /// The API and storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Abuse => "abuse",
            Self::PersonalData => "personal_data",
        }
    }
}

/// Distinct flags that hide a need until a moderator decides.
pub const FLAGS_TO_HIDE: i64 = 3;

/// A need as the server holds it in memory (its contact and receipt stay in the store).
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// Its id.
    pub id: i64,
    /// +1 at each change (status, support, flag).
    pub version: i64,
    /// Its category in the needs catalogue.
    pub category: String,
    /// What the resident wrote.
    pub text: String,
    /// Where: a point, a short line or a small area.
    pub geometry: geo::Geometry,
    /// The units it falls in (every level), found when it was submitted.
    pub units: Vec<UnitCode>,
    /// Where it stands.
    pub status: NeedStatus,
    /// Why it was declined, or a moderator's note.
    pub reason: Option<String>,
    /// The need it was merged into.
    pub merged_into: Option<i64>,
    /// The project that answers it.
    pub project: Option<i64>,
    /// Hidden by flags or by a moderator, until a moderator restores it.
    pub hidden: bool,
    /// Supports (+1), one per device or contact.
    pub supports: i64,
    /// Flags not yet reviewed.
    pub flags: i64,
    /// Photos, by id.
    pub photos: Vec<i64>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When a moderator first answered it (accepted, merged or declined).
    pub answered_at: Option<DateTime<Utc>>,
}

impl Need {
    /// Whether the public may see it: not hidden, not declined.
    pub fn is_public(&self) -> bool {
        !self.hidden && self.status != NeedStatus::Declined
    }
}

/// What a resident submits.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNeed {
    /// Its category.
    pub category: String,
    /// The text.
    pub text: String,
    /// Where.
    pub geometry: geo::Geometry,
    /// The units it falls in.
    pub units: Vec<UnitCode>,
    /// A phone number or e-mail address, never public.
    pub contact: Option<String>,
    /// Whether the contact (an e-mail address) follows the need.
    pub follow: bool,
}

/// One step of a need's trail (what became of it).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NeedEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened: `received`, `accepted`, `merged`, `declined`, `answered`, `reopened`,
    /// `supported` is not recorded; `hidden` and `restored` are for moderators only.
    pub kind: String,
    /// The need's status after it.
    pub status: NeedStatus,
    /// The moderator's reason or note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The need it was merged into, or the project that answers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<i64>,
}

/// A moderator's decision on a need.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Take it onto the needs list.
    Accept,
    /// Not taken up, for this reason.
    Decline(String),
    /// The same as need `into`.
    Merge(i64),
    /// Hide it (personal data, abuse) until restored.
    Hide(String),
    /// Show it again; its flags are reviewed.
    Restore,
}

impl Decision {
    /// The trail's name for it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline(_) => "declined",
            Self::Merge(_) => "merged",
            Self::Hide(_) => "hidden",
            Self::Restore => "restored",
        }
    }

    /// The status a need at `from` moves to, or why it may not.
    pub fn next(&self, from: NeedStatus) -> Result<NeedStatus, String> {
        use NeedStatus::*;
        let to = match self {
            Self::Accept => Accepted,
            Self::Decline(_) => Declined,
            Self::Merge(_) => Merged,
            Self::Hide(_) | Self::Restore => return Ok(from),
        };
        let allowed = match (from, to) {
            (Received, Accepted | Declined | Merged) => true,
            (Accepted, Declined | Merged) => true,
            // Reconsidered: a declined need may be taken up after all.
            (Declined, Accepted) => true,
            _ => false,
        };
        if allowed {
            Ok(to)
        } else {
            Err(format!(
                "a need that is {} cannot become {}{}",
                from.as_str(),
                to.as_str(),
                match from {
                    Merged => ": it lives on in the need it was merged into",
                    Answered => ": a project answers it already",
                    _ => "",
                }
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_need_may_be_accepted_declined_or_merged_and_a_merged_one_nothing() {
        for d in [
            Decision::Accept,
            Decision::Decline("x".into()),
            Decision::Merge(2),
        ] {
            assert!(d.next(NeedStatus::Received).is_ok(), "{d:?}");
            assert!(d.next(NeedStatus::Merged).is_err(), "{d:?}");
            assert!(d.next(NeedStatus::Answered).is_err(), "{d:?}");
        }
        assert_eq!(
            Decision::Accept.next(NeedStatus::Declined),
            Ok(NeedStatus::Accepted)
        );
        assert!(Decision::Accept.next(NeedStatus::Accepted).is_err());
        assert_eq!(
            Decision::Restore.next(NeedStatus::Declined),
            Ok(NeedStatus::Declined)
        );
    }

    #[test]
    fn every_status_code_reads_back_and_has_both_labels() {
        for s in NeedStatus::ALL {
            assert_eq!(NeedStatus::parse(s.as_str()), Some(s));
            let (zh, en) = s.label();
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
