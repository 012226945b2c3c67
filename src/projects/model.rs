//! Community renewal projects (社区更新项目) and the steps the guidance (seed 002) and Pudong's
//! "one blueprint, three meetings" (一图三会, seed 001) require of them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a project stands. Each move is checked ([`Stage::check`]): a stage that needs a
/// meeting, funding or a published result on record is refused without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Proposed (项目提议), from residents' needs and the planner's diagnosis.
    Proposal,
    /// The hearing before approval held (事前听证会).
    HearingHeld,
    /// Approved (立项).
    Approved,
    /// Being designed, with its coordination meeting (事中协调会).
    Design,
    /// Funded (资金落实).
    Funded,
    /// Being built (施工).
    InConstruction,
    /// Built (竣工).
    Completed,
    /// Reviewed by residents (事后评议会), its result published.
    Reviewed,
    /// In operation under its rules (运维).
    InOperation,
    /// Withdrawn (撤销).
    Withdrawn,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Self; 10] = [
        Self::Proposal,
        Self::HearingHeld,
        Self::Approved,
        Self::Design,
        Self::Funded,
        Self::InConstruction,
        Self::Completed,
        Self::Reviewed,
        Self::InOperation,
        Self::Withdrawn,
    ];

    /// The API and storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposal => "proposal",
            Self::HearingHeld => "hearing_held",
            Self::Approved => "approved",
            Self::Design => "design",
            Self::Funded => "funded",
            Self::InConstruction => "in_construction",
            Self::Completed => "completed",
            Self::Reviewed => "reviewed",
            Self::InOperation => "in_operation",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The stage in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Proposal => ("项目提议", "Proposal"),
            Self::HearingHeld => ("已召开听证会", "Hearing held"),
            Self::Approved => ("已立项", "Approved"),
            Self::Design => ("设计中", "In design"),
            Self::Funded => ("资金落实", "Funded"),
            Self::InConstruction => ("施工中", "In construction"),
            Self::Completed => ("已竣工", "Completed"),
            Self::Reviewed => ("已评议", "Reviewed"),
            Self::InOperation => ("运营中", "In operation"),
            Self::Withdrawn => ("已撤销", "Withdrawn"),
        }
    }

    /// The stage after this one on the way to operation.
    fn next(self) -> Option<Self> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL
            .get(i + 1)
            .copied()
            .filter(|s| *s != Self::Withdrawn)
    }

    /// Whether a project at `self` with `record` on file may move to `to`; if not, the missing
    /// step, said so that the planner knows what to do.
    pub fn check(self, to: Self, record: &Record) -> Result<(), String> {
        if to == Self::Withdrawn {
            return match self {
                Self::Completed | Self::Reviewed | Self::InOperation | Self::Withdrawn => Err(
                    format!("a project that is {} cannot be withdrawn", self.as_str()),
                ),
                _ => Ok(()),
            };
        }
        if self.next() != Some(to) {
            let (zh, en) = self.next().map_or(("—", "none"), Stage::label);
            return Err(format!(
                "a project that is {} moves next to {} ({zh}, {en}), not to {}: stages are not skipped",
                self.as_str(),
                self.next().map_or("nothing", Stage::as_str),
                to.as_str()
            ));
        }
        let missing = match to {
            Self::HearingHeld if !record.has(MeetingKind::Hearing) => Some(
                "the hearing (事前听证会) is not on record: record it (POST …/meetings, kind hearing) first",
            ),
            Self::Approved if !record.hearing_passed => Some(
                "approval needs a hearing (事前听证会) whose motion passed (more votes for than against)",
            ),
            Self::Funded if !record.has(MeetingKind::Coordination) => {
                Some("the coordination meeting during design (事中协调会) is not on record")
            }
            Self::Funded if record.planned <= 0.0 => {
                Some("no funding is planned: record its sources (POST …/funding) first")
            }
            Self::Reviewed if !record.has(MeetingKind::Review) => {
                Some("closing needs the review meeting after completion (事后评议会) on record")
            }
            Self::Reviewed if !record.result_published => Some(
                "closing needs a published result: set the result and publish it (公示, POST …/publications)",
            ),
            Self::InOperation if !record.surveyed => Some(
                "operation starts after the residents' satisfaction survey is on record (POST …/surveys)",
            ),
            Self::InOperation if !record.operation_rules => {
                Some("operation needs its operation and maintenance rules (运维制度) set")
            }
            _ => None,
        };
        missing.map_or(Ok(()), |m| Err(m.to_string()))
    }
}

/// What is on file for a project, as [`Stage::check`] reads it.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// The kinds of meeting held.
    pub meetings: Vec<MeetingKind>,
    /// A hearing's motion passed.
    pub hearing_passed: bool,
    /// Funding planned, in yuan.
    pub planned: f64,
    /// A result is set and a publication of it has begun.
    pub result_published: bool,
    /// A satisfaction survey is on record.
    pub surveyed: bool,
    /// Operation rules are set.
    pub operation_rules: bool,
}

impl Record {
    fn has(&self, kind: MeetingKind) -> bool {
        self.meetings.contains(&kind)
    }
}

/// A kind of meeting (seed 001 and 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// The hearing before approval (事前听证会).
    Hearing,
    /// The coordination meeting during design (事中协调会).
    Coordination,
    /// The review meeting after completion (事后评议会).
    Review,
    /// Residents' representatives' meeting (居民代表会议).
    ResidentsRepresentatives,
    /// Owners' general meeting (业主大会).
    Owners,
    /// Owners' committee meeting (业委会会议).
    OwnersCommittee,
    /// Joint meeting of committee, owners' committee and property manager (三驾马车联席会议).
    Joint,
    /// Any other.
    Other,
}

impl MeetingKind {
    /// Every kind.
    pub const ALL: [Self; 8] = [
        Self::Hearing,
        Self::Coordination,
        Self::Review,
        Self::ResidentsRepresentatives,
        Self::Owners,
        Self::OwnersCommittee,
        Self::Joint,
        Self::Other,
    ];

    /// The API and storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hearing => "hearing",
            Self::Coordination => "coordination",
            Self::Review => "review",
            Self::ResidentsRepresentatives => "residents_representatives",
            Self::Owners => "owners",
            Self::OwnersCommittee => "owners_committee",
            Self::Joint => "joint",
            Self::Other => "other",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The kind in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Hearing => ("事前听证会", "Hearing"),
            Self::Coordination => ("事中协调会", "Coordination meeting"),
            Self::Review => ("事后评议会", "Review meeting"),
            Self::ResidentsRepresentatives => {
                ("居民代表会议", "Residents' representatives' meeting")
            }
            Self::Owners => ("业主大会", "Owners' general meeting"),
            Self::OwnersCommittee => ("业委会会议", "Owners' committee meeting"),
            Self::Joint => ("联席会议", "Joint meeting"),
            Self::Other => ("其他会议", "Other meeting"),
        }
    }
}

/// Where a project's money comes from (多渠道筹资, seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// Autonomy fund (自治金).
    AutonomyFund,
    /// Community foundation (社区基金会).
    CommunityFoundation,
    /// Housing maintenance fund (维修资金).
    MaintenanceFund,
    /// Fiscal funds (财政资金).
    Fiscal,
    /// Partner units (共建单位).
    PartnerUnits,
    /// Residents' contributions (居民自筹).
    Residents,
    /// The property owner (产权单位).
    PropertyOwner,
}

impl FundingSource {
    /// Every source.
    pub const ALL: [Self; 7] = [
        Self::AutonomyFund,
        Self::CommunityFoundation,
        Self::MaintenanceFund,
        Self::Fiscal,
        Self::PartnerUnits,
        Self::Residents,
        Self::PropertyOwner,
    ];

    /// The API and storage code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AutonomyFund => "autonomy_fund",
            Self::CommunityFoundation => "community_foundation",
            Self::MaintenanceFund => "maintenance_fund",
            Self::Fiscal => "fiscal",
            Self::PartnerUnits => "partner_units",
            Self::Residents => "residents",
            Self::PropertyOwner => "property_owner",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_without_a_hearing_and_closing_without_a_review_are_refused_naming_the_step() {
        let empty = Record::default();
        let skip = Stage::Proposal.check(Stage::Approved, &empty).unwrap_err();
        assert!(skip.contains("hearing_held"), "{skip}");
        let hearing = Stage::Proposal
            .check(Stage::HearingHeld, &empty)
            .unwrap_err();
        assert!(hearing.contains("事前听证会"), "{hearing}");
        let held = Record {
            meetings: vec![MeetingKind::Hearing],
            ..Record::default()
        };
        assert!(Stage::Proposal.check(Stage::HearingHeld, &held).is_ok());
        let failed_vote = Stage::HearingHeld
            .check(Stage::Approved, &held)
            .unwrap_err();
        assert!(failed_vote.contains("passed"), "{failed_vote}");
        let review = Stage::Completed.check(Stage::Reviewed, &held).unwrap_err();
        assert!(review.contains("事后评议会"), "{review}");
        let reviewed = Record {
            meetings: vec![MeetingKind::Review],
            ..Record::default()
        };
        let unpublished = Stage::Completed
            .check(Stage::Reviewed, &reviewed)
            .unwrap_err();
        assert!(unpublished.contains("published result"), "{unpublished}");
        assert!(Stage::Design.check(Stage::Withdrawn, &empty).is_ok());
        assert!(Stage::Completed.check(Stage::Withdrawn, &empty).is_err());
        assert!(Stage::InOperation.check(Stage::Proposal, &empty).is_err());
    }

    #[test]
    fn every_code_reads_back() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse(k.as_str()), Some(k));
        }
        for f in FundingSource::ALL {
            assert_eq!(FundingSource::parse(f.as_str()), Some(f));
        }
    }
}
