//! Planning units (规划单元): district 区 → sub-district 街道 / town 镇 → neighbourhood committee
//! 居委会 / village 村委会, named by their national statistics division codes.

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::version::{Change, Stamp};

/// The level of a planning unit in the hierarchy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// District 区 (6-digit code).
    District,
    /// Sub-district 街道 or town 镇 (9-digit code).
    Subdistrict,
    /// Neighbourhood committee 居委会 or village committee 村委会 (12-digit code).
    Committee,
}

impl UnitLevel {
    /// The name used in the API and the stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Subdistrict => "subdistrict",
            Self::Committee => "committee",
        }
    }

    /// Reads a level name, English or Chinese.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "district" | "区" => Some(Self::District),
            "subdistrict" | "town" | "街道" | "镇" => Some(Self::Subdistrict),
            "committee" | "village" | "居委会" | "村委会" => Some(Self::Committee),
            _ => None,
        }
    }
}

/// A statistics division code in its shortest form: `310107` (district), `310107015`
/// (sub-district), `310107015001` (committee). The 12-digit forms of district and sub-district
/// codes (`310107000000`, `310107015000`) name the same units and are accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    /// Reads a code in its 6-, 9- or 12-digit form.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) || ![6, 9, 12].contains(&s.len()) {
            return Err(format!(
                "\"{s}\" is not a statistics division code (6, 9 or 12 digits, e.g. 310107015)"
            ));
        }
        let mut code = s;
        if code.len() == 12 && code.ends_with("000") {
            code = &code[..9];
        }
        if code.len() == 9 && code.ends_with("000") {
            code = &code[..6];
        }
        Ok(Self(code.to_string()))
    }

    /// The canonical (shortest) form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level a code of this length names.
    pub fn level(&self) -> UnitLevel {
        match self.0.len() {
            6 => UnitLevel::District,
            9 => UnitLevel::Subdistrict,
            _ => UnitLevel::Committee,
        }
    }

    /// The code of the unit one level up, derived from the digits (`None` for a district).
    pub fn parent(&self) -> Option<Self> {
        match self.0.len() {
            9 => Some(Self(self.0[..6].to_string())),
            12 => Some(Self(self.0[..9].to_string())),
            _ => None,
        }
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a unit is, without its version stamp: what an import brings and a store saves.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFields {
    /// Canonical statistics code.
    pub code: UnitCode,
    /// Chinese name (e.g. 长寿路街道).
    pub name_zh: String,
    /// English name where known.
    pub name_en: Option<String>,
    /// Level in the hierarchy.
    pub level: UnitLevel,
    /// The unit one level up (a district's parent is the city, which lantu does not hold).
    pub parent: Option<UnitCode>,
    /// Resident population where known.
    pub population: Option<i64>,
    /// Boundary in WGS84; committees have none yet.
    pub geometry: Option<MultiPolygon>,
}

/// A stored planning unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Its content.
    pub fields: UnitFields,
    /// Its current version.
    pub stamp: Stamp,
}

/// One entry in a unit's history.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitVersion {
    /// The state after this version.
    pub fields: UnitFields,
    /// Version number, time and author.
    pub stamp: Stamp,
    /// What the version did.
    pub change: Change,
    /// Why, if the author said.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_and_twelve_digit_forms_name_the_same_subdistrict() {
        assert_eq!(
            UnitCode::parse("310107015").unwrap(),
            UnitCode::parse("310107015000").unwrap()
        );
        assert_eq!(UnitCode::parse("310107000000").unwrap().as_str(), "310107");
    }

    #[test]
    fn a_committee_code_keeps_twelve_digits_and_knows_its_parent() {
        let code = UnitCode::parse("310107015001").unwrap();
        assert_eq!(code.level(), UnitLevel::Committee);
        assert_eq!(code.parent().unwrap().as_str(), "310107015");
    }

    #[test]
    fn letters_and_odd_lengths_are_not_codes() {
        assert!(UnitCode::parse("31010701500x").is_err());
        assert!(UnitCode::parse("3101070").is_err());
    }
}
