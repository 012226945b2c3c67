//! People and their mandates: accounts, the five kinds of team of the "2+10+N+X" system
//! (seed `000_…`), and appointments (聘任) of a team or a person to planning units for a term.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::units::UnitCode;

/// The kinds of team (and of a person's appointment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Chief planner team (总规划师团队), district-wide.
    Chief,
    /// Community-building advisory team (总社区营造顾问团队), district-wide.
    Advisory,
    /// Sub-district planner team (街镇社区规划师团队), one sub-district or town.
    Subdistrict,
    /// Project designer team (项目设计师团队), one unit (a project, once projects exist).
    Designer,
    /// Operations planner team (运营策划师团队), one unit (a project, once projects exist).
    Operations,
}

impl TeamKind {
    /// Every kind, in the order of the system's name.
    pub const ALL: [Self; 5] = [
        Self::Chief,
        Self::Advisory,
        Self::Subdistrict,
        Self::Designer,
        Self::Operations,
    ];

    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chief => "chief",
            Self::Advisory => "advisory",
            Self::Subdistrict => "subdistrict",
            Self::Designer => "designer",
            Self::Operations => "operations",
        }
    }

    /// Reads a kind's name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Chief => "总规划师团队",
            Self::Advisory => "总社区营造顾问团队",
            Self::Subdistrict => "街镇社区规划师团队",
            Self::Designer => "项目设计师团队",
            Self::Operations => "运营策划师团队",
        }
    }
}

/// An account (private contact kept apart, in [`Contact`]).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Its id.
    pub id: i64,
    /// The login name: lower-case letters, digits, `.`, `_`, `-`; recorded as the author.
    pub login: String,
    /// Display name in Chinese.
    pub display_zh: String,
    /// Display name in English.
    pub display_en: Option<String>,
    /// The organisation (a design institute, a university, a bureau).
    pub organisation: Option<String>,
    /// What the account may do beyond its appointments.
    #[schema(value_type = Vec<String>)]
    #[serde(serialize_with = "roles_as_names")]
    pub roles: Vec<Role>,
    /// Whether the account is disabled (it can no longer sign in or use its tokens).
    pub disabled: bool,
}

fn roles_as_names<S: serde::Serializer>(roles: &[Role], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(roles.iter().map(|r| r.as_str()))
}

/// A user's private contact: never on a public route, never in a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// An account to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// The login name.
    pub login: String,
    /// Display name in Chinese.
    pub display_zh: String,
    /// Display name in English.
    pub display_en: Option<String>,
    /// The organisation.
    pub organisation: Option<String>,
    /// Its roles.
    pub roles: Vec<Role>,
    /// Its private contact.
    pub contact: Contact,
}

/// Whether `login` is a valid login name (what the PostGIS check enforces too).
pub fn valid_login(login: &str) -> bool {
    let mut chars = login.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    first_ok
        && (2..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// A team member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Team leader (团队负责人).
    Leader,
    /// Member.
    Member,
}

impl MemberRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::Member => "member",
        }
    }

    /// Reads a member role.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Leader, Self::Member]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A team.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Team {
    /// Its id.
    pub id: i64,
    /// Its kind.
    pub kind: TeamKind,
    /// Its name in Chinese (unique).
    pub name_zh: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// The organisation leading it.
    pub organisation: Option<String>,
}

/// Who holds an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A team (its members act under it).
    Team(i64),
    /// One person.
    User(i64),
}

/// The agreement's terms (聘任协议).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementTerms {
    /// Service content.
    pub service: Option<String>,
    /// On-site hours (per month, as the agreement states them).
    pub onsite_hours: Option<f64>,
    /// Responsibilities.
    pub responsibilities: Option<String>,
}

/// An appointment to create (or a renewal's new term).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAppointment {
    /// As what.
    pub kind: TeamKind,
    /// Who.
    pub holder: Holder,
    /// Where: the planning units.
    pub units: Vec<UnitCode>,
    /// The first day in force (China Standard Time).
    pub starts_on: NaiveDate,
    /// The last day in force, inclusive (China Standard Time).
    pub ends_on: NaiveDate,
    /// The agreement's terms.
    pub terms: AgreementTerms,
    /// The appointing body (a sub-district office, the district bureau).
    pub appointed_by: String,
    /// When the holder's contract was signed, if it predates the appointment (回避制度).
    pub contract_signed_on: Option<NaiveDate>,
    /// The appointment this one renews.
    pub renews: Option<i64>,
}

/// An appointment as stored: never overwritten; renewal makes a new one, termination
/// records a date and a reason.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Appointment {
    /// Its id.
    pub id: i64,
    /// As what.
    pub kind: TeamKind,
    /// Who.
    pub holder: Holder,
    /// Where.
    #[schema(value_type = Vec<String>)]
    pub units: Vec<UnitCode>,
    /// First day in force.
    pub starts_on: NaiveDate,
    /// Last day in force, inclusive.
    pub ends_on: NaiveDate,
    /// The agreement's terms.
    pub terms: AgreementTerms,
    /// The appointing body.
    pub appointed_by: String,
    /// When the holder's contract was signed.
    pub contract_signed_on: Option<NaiveDate>,
    /// The appointment this one renews.
    pub renews: Option<i64>,
    /// The day the termination took effect: from that day on it is not in force.
    pub terminated_on: Option<NaiveDate>,
    /// Why it was terminated.
    pub termination_reason: Option<String>,
}

impl Appointment {
    /// Whether it is in force on `day` (a calendar day in China Standard Time).
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on && self.terminated_on.is_none_or(|t| day < t)
    }
}

/// The calendar day in China Standard Time (UTC+8, no daylight saving) at `at`: a term
/// ending 2027-12-31 is in force through 2027-12-31 23:59:59 +08:00.
pub fn china_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_term_ending_on_the_last_of_december_holds_until_midnight_in_shanghai() {
        let last_second: DateTime<Utc> = "2027-12-31T15:59:59Z".parse().unwrap();
        let next_day: DateTime<Utc> = "2027-12-31T16:00:00Z".parse().unwrap();
        assert_eq!(china_day(last_second), day("2027-12-31"));
        assert_eq!(china_day(next_day), day("2028-01-01"));
        let a = Appointment {
            id: 1,
            kind: TeamKind::Subdistrict,
            holder: Holder::Team(1),
            units: vec![],
            starts_on: day("2025-01-01"),
            ends_on: day("2027-12-31"),
            terms: AgreementTerms::default(),
            appointed_by: "长寿路街道办事处".into(),
            contract_signed_on: None,
            renews: None,
            terminated_on: None,
            termination_reason: None,
        };
        assert!(!a.in_force(day("2024-12-31")));
        assert!(a.in_force(day("2025-01-01")));
        assert!(a.in_force(china_day(last_second)));
        assert!(!a.in_force(china_day(next_day)));
        let ended = Appointment {
            terminated_on: Some(day("2026-06-30")),
            ..a
        };
        assert!(ended.in_force(day("2026-06-29")));
        assert!(!ended.in_force(day("2026-06-30")));
    }

    #[test]
    fn login_names_are_lower_case_words_of_two_to_sixty_four_characters() {
        assert!(valid_login("wang.planner"));
        assert!(valid_login("a1"));
        assert!(!valid_login("Wang"));
        assert!(!valid_login("a"));
        assert!(!valid_login("-x"));
        assert!(!valid_login("王"));
    }
}
