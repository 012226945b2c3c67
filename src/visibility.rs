//! What a caller may see: resolved once per request from who they are ([`crate::auth::Viewer`])
//! and passed to the catalog, tiles, coverage and histories. The draft rule lives here and
//! nowhere else: [`Visibility::sees`].

use std::sync::Arc;

use crate::catalog::SiteEntry;
use crate::sites::SiteStatus;
use crate::units::UnitCode;
use crate::version::Audience;

/// Which records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// The public: published records only.
    Public,
    /// Published records, and drafts falling in these units (an appointed area).
    Areas(Arc<[UnitCode]>),
    /// Everything, drafts included.
    Everything,
}

impl Visibility {
    /// The draft rule: whether a record at `status`, falling in `units`, may be shown. A
    /// published record is everyone's; a draft only its area's and everything-viewers'.
    pub fn sees(&self, status: SiteStatus, units: &[UnitCode]) -> bool {
        match self {
            _ if status == SiteStatus::Published => true,
            Self::Public => false,
            Self::Areas(areas) => units.iter().any(|u| areas.contains(u)),
            Self::Everything => true,
        }
    }

    /// [`Visibility::sees`] for a site in the catalog.
    pub fn sees_site(&self, entry: &SiteEntry) -> bool {
        self.sees(entry.site.fields.status, &entry.units)
    }

    /// [`Visibility::sees`] for a project: a published one is everyone's, an unpublished one
    /// its sub-district's planners' and everything-viewers' (the draft rule).
    pub fn sees_project(&self, published: bool, subdistrict: &str) -> bool {
        let units: Vec<UnitCode> = UnitCode::parse(subdistrict).into_iter().collect();
        self.sees_project_in(published, &units)
    }

    /// [`Visibility::sees_project`] with the sub-district already read.
    pub fn sees_project_in(&self, published: bool, units: &[UnitCode]) -> bool {
        let status = if published {
            SiteStatus::Published
        } else {
            SiteStatus::Draft
        };
        self.sees(status, units)
    }

    /// Whether a resident's need may be shown: a public one (not hidden, not declined) to
    /// everyone; hidden and declined ones to its area's planners and everything-viewers.
    pub fn sees_need(&self, need: &crate::needs::Need) -> bool {
        match self {
            _ if need.is_public() => true,
            Self::Public => false,
            Self::Areas(areas) => need.units.iter().any(|u| areas.contains(u)),
            Self::Everything => true,
        }
    }

    /// Whether this is the public's view (shared caches, public `Cache-Control`).
    pub fn is_public(&self) -> bool {
        *self == Self::Public
    }

    /// Whom answers are shaped for: the public sees no names and no draft version numbers.
    pub fn audience(&self) -> Audience {
        if self.is_public() {
            Audience::Public
        } else {
            Audience::Team
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<UnitCode> {
        list.iter().map(|c| UnitCode::parse(c).unwrap()).collect()
    }

    #[test]
    fn a_draft_is_seen_by_everything_viewers_and_its_own_area_only() {
        let east = codes(&["990101", "990101002"]);
        let west_area = Visibility::Areas(codes(&["990101001"]).into());
        let east_area = Visibility::Areas(codes(&["990101002"]).into());
        assert!(!Visibility::Public.sees(SiteStatus::Draft, &east));
        assert!(!west_area.sees(SiteStatus::Draft, &east));
        assert!(east_area.sees(SiteStatus::Draft, &east));
        assert!(Visibility::Everything.sees(SiteStatus::Draft, &east));
        for v in [
            Visibility::Public,
            west_area,
            east_area,
            Visibility::Everything,
        ] {
            assert!(v.sees(SiteStatus::Published, &east), "{v:?}");
        }
    }
}
