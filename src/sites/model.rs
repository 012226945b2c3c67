//! Sites (点位): the places where micro-renewal projects happen, drawn by planners as a point,
//! a line or a polygon.

use geo::Geometry;
use serde::{Deserialize, Serialize};

use crate::version::{Change, Stamp};

/// The element types of Pudong's micro-renewal guidance (九大类要素), plus `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ElementType {
    /// Vibrant alley 活力街巷.
    VibrantAlley,
    /// Street corner 街角空间.
    StreetCorner,
    /// Slow-traffic network 慢行网络.
    SlowTraffic,
    /// Pocket garden 口袋花园.
    PocketGarden,
    /// Art space 艺术空间.
    ArtSpace,
    /// Tree-lined street 林荫街道.
    TreeLinedStreet,
    /// Wall opening 破墙行动.
    WallOpening,
    /// Public facility 公共设施.
    PublicFacility,
    /// Sports ground 运动场所.
    SportsGround,
    /// Anything else 其他.
    Other,
}

impl ElementType {
    /// Every type, in the guidance's order.
    pub const ALL: [Self; 10] = [
        Self::VibrantAlley,
        Self::StreetCorner,
        Self::SlowTraffic,
        Self::PocketGarden,
        Self::ArtSpace,
        Self::TreeLinedStreet,
        Self::WallOpening,
        Self::PublicFacility,
        Self::SportsGround,
        Self::Other,
    ];

    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VibrantAlley => "vibrant_alley",
            Self::StreetCorner => "street_corner",
            Self::SlowTraffic => "slow_traffic",
            Self::PocketGarden => "pocket_garden",
            Self::ArtSpace => "art_space",
            Self::TreeLinedStreet => "tree_lined_street",
            Self::WallOpening => "wall_opening",
            Self::PublicFacility => "public_facility",
            Self::SportsGround => "sports_ground",
            Self::Other => "other",
        }
    }

    /// Reads an API or storage name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Whether the public may see a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    /// Work in progress: visible only with a token, never in a public response or tile.
    Draft,
    /// On the public blueprint.
    Published,
}

impl SiteStatus {
    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    /// Reads an API or storage name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            _ => None,
        }
    }
}

/// What a planner says about a site: its geometry and its editable properties.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFields {
    /// Short name shown on the map.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Element type.
    pub element_type: ElementType,
    /// Draft or published.
    pub status: SiteStatus,
    /// WGS84 geometry, validated.
    pub geometry: Geometry,
}

/// A stored site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Server-assigned id.
    pub id: i64,
    /// Its content.
    pub fields: SiteFields,
    /// When and by whom it was created.
    pub created: Stamp,
    /// Its current version.
    pub stamp: Stamp,
}

/// One entry of a site's history: the state after the version.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteVersion {
    /// The site.
    pub site_id: i64,
    /// The state after the version (for a tombstone, the state it deleted).
    pub fields: SiteFields,
    /// Version number, time and author.
    pub stamp: Stamp,
    /// What the version did.
    pub change: Change,
    /// Why, if the author said.
    pub message: Option<String>,
}
