//! Who may do what: the one place that decides, from the caller's roles and the appointments
//! (聘任) in force today, whether an action on a record is allowed. Every route asks it.
//!
//! - The public reads published records only.
//! - A person appointed to units (a sub-district planner team, or a planner in person) creates,
//!   edits, publishes and deletes sites that lie inside those units, and reads drafts there.
//!   Designer and operations teams read drafts in their units and edit no sites (projects come
//!   later).
//! - The chief planner team reads and edits across the district; the advisory team and bureau
//!   analysts read everything and edit no sites; analysts edit facilities.
//! - Admins do everything, and alone manage users, teams and appointments.
//! - A service token (`lantu token create --role ROLE --name NAME`, no user) acts district-wide
//!   in its role: it belongs to a script the bureau runs, not to a person with a mandate.

use chrono::{DateTime, Utc};
use geo::{Contains, CoordsIter, Geometry, Point, Relate};

use crate::auth::{Principal, Role};
use crate::catalog::Catalog;
use crate::error::AppError;
use crate::planners::{Appointment, TeamKind, china_day};
use crate::units::UnitCode;
use crate::visibility::Visibility;

/// How far (in metres) a site may stray over its appointed boundary: boundary noise between
/// datasets drawn at different scales.
pub const BOUNDARY_TOLERANCE_M: f64 = 1.0;

/// What the caller may do beyond reading published records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, change or delete a site (where, [`may_edit_site`] decides).
    EditSites,
    /// Create, change or delete a facility of the life circle.
    EditFacilities,
    /// Manage users, teams and appointments.
    ManageAccounts,
    /// Read the audit log.
    ReadAudit,
    /// Moderate residents' needs: accept, decline, merge, hide and restore, and read their
    /// contacts (where, [`may_moderate`] decides).
    ModerateNeeds,
    /// Evaluate planners (考评): start evaluations, score, submit and confirm them, and read
    /// every appointment's evaluations and service records: the bureau (admins, analysts) and
    /// the chief planner team, who organise evaluation (seed `000_…`).
    Evaluate,
}

/// The appointments of `principal` in force at `now` (China Standard Time days).
pub fn in_force(principal: &Principal, now: DateTime<Utc>) -> Vec<&Appointment> {
    let today = china_day(now);
    principal
        .mandates
        .iter()
        .filter(|a| a.in_force(today))
        .collect()
}

fn is_service(p: &Principal) -> bool {
    p.user.is_none()
}

fn has(p: &Principal, role: Role) -> bool {
    p.roles.contains(&role)
}

fn holds(p: &Principal, now: DateTime<Utc>, kinds: &[TeamKind]) -> bool {
    in_force(p, now).iter().any(|a| kinds.contains(&a.kind))
}

/// What `principal` (none: the public) may see at `now`.
pub fn visibility(principal: Option<&Principal>, now: DateTime<Utc>) -> Visibility {
    let Some(p) = principal else {
        return Visibility::Public;
    };
    if is_service(p)
        || has(p, Role::Admin)
        || has(p, Role::Analyst)
        || holds(p, now, &[TeamKind::Chief, TeamKind::Advisory])
    {
        return Visibility::Everything;
    }
    let mut areas: Vec<UnitCode> = in_force(p, now)
        .iter()
        .flat_map(|a| a.units.iter().cloned())
        .collect();
    if areas.is_empty() {
        return Visibility::Public;
    }
    areas.sort();
    areas.dedup();
    Visibility::Areas(areas.into())
}

/// Whether `principal` may do `action` at all (for sites, somewhere).
pub fn may(principal: &Principal, action: Action, now: DateTime<Utc>) -> Result<(), AppError> {
    let admin = has(principal, Role::Admin);
    let allowed = match action {
        Action::ManageAccounts => admin,
        Action::ReadAudit => admin || holds(principal, now, &[TeamKind::Chief]),
        Action::EditFacilities => {
            admin
                || has(principal, Role::Analyst)
                || (is_service(principal) && has(principal, Role::Planner))
        }
        Action::Evaluate => {
            admin || has(principal, Role::Analyst) || holds(principal, now, &[TeamKind::Chief])
        }
        Action::EditSites | Action::ModerateNeeds => {
            admin
                || (is_service(principal) && has(principal, Role::Planner))
                || holds(principal, now, &[TeamKind::Chief, TeamKind::Subdistrict])
        }
    };
    if allowed {
        return Ok(());
    }
    Err(AppError::Forbidden(match action {
        Action::ManageAccounts => "only an admin manages users, teams and appointments".into(),
        Action::ReadAudit => {
            "the audit log is for admins and the chief planner team (总规划师团队)".into()
        }
        Action::EditFacilities => "facilities are edited by bureau analysts and admins".into(),
        Action::Evaluate => format!(
            "{} may not evaluate planners: evaluation is for the bureau (admins, analysts) and the chief planner team (总规划师团队)",
            principal.author
        ),
        Action::ModerateNeeds => format!(
            "{} holds no appointment in force to moderate needs (聘任: a sub-district planner team or the chief planner team); ask an admin to appoint you",
            principal.author
        ),
        Action::EditSites => format!(
            "{} holds no appointment in force to edit sites (聘任: a sub-district planner team or the chief planner team); ask an admin to appoint you",
            principal.author
        ),
    }))
}

/// Whether `principal` holds appointment `id` (in person or through a team), in force or not:
/// its own service records and evaluations are theirs to read.
pub fn holds_appointment(principal: &Principal, id: i64) -> bool {
    principal.mandates.iter().any(|a| a.id == id)
}

/// Checks that `principal` may read the evaluations and service records of appointment `id`:
/// evaluators every appointment's, a planner their own. 404 otherwise (another planner's
/// evaluation is not theirs to know of).
pub fn may_read_evaluation(
    principal: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if holds_appointment(principal, id) || may(principal, Action::Evaluate, now).is_ok() {
        return Ok(());
    }
    Err(AppError::NotFound(format!(
        "no evaluation or service record of appointment {id} that {} may read",
        principal.author
    )))
}

/// The units `principal` may edit sites in at `now`: `None` for the whole district.
fn site_areas(principal: &Principal, now: DateTime<Utc>) -> Option<Vec<(&Appointment, &UnitCode)>> {
    if has(principal, Role::Admin)
        || (is_service(principal) && has(principal, Role::Planner))
        || holds(principal, now, &[TeamKind::Chief])
    {
        return None;
    }
    Some(
        in_force(principal, now)
            .into_iter()
            .filter(|a| a.kind == TeamKind::Subdistrict)
            .flat_map(|a| a.units.iter().map(move |u| (a, u)))
            .collect(),
    )
}

/// The units whose needs `principal` moderates at `now`: `None` for the whole district.
pub fn moderated_units(principal: &Principal, now: DateTime<Utc>) -> Option<Vec<UnitCode>> {
    site_areas(principal, now).map(|areas| areas.into_iter().map(|(_, u)| u.clone()).collect())
}

/// Checks that `principal` may moderate a need falling in `units` at `now`: the chief planner
/// team and admins anywhere, a sub-district planner team in the units it is appointed to (the
/// need lands in that unit's queue). 403 naming the units otherwise.
pub fn may_moderate(
    principal: &Principal,
    units: &[UnitCode],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    may(principal, Action::ModerateNeeds, now)?;
    let Some(areas) = moderated_units(principal, now) else {
        return Ok(());
    };
    if units.iter().any(|u| areas.iter().any(|a| within(u, a))) {
        return Ok(());
    }
    let named: Vec<&str> = units.iter().map(UnitCode::as_str).collect();
    Err(AppError::Forbidden(format!(
        "this need lies in {}, outside the units you are appointed to moderate ({}); it is in that sub-district's queue",
        if named.is_empty() {
            "no planning unit".to_string()
        } else {
            named.join(", ")
        },
        areas
            .iter()
            .map(UnitCode::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Checks that `principal` may create or change a project in sub-district `subdistrict` at
/// `now`: its sub-district planner team (the project's lead), the chief planner team, admins.
pub fn may_edit_project(
    principal: &Principal,
    subdistrict: &UnitCode,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    may(principal, Action::EditSites, now).map_err(|_| {
        AppError::Forbidden(format!(
            "{} holds no appointment in force to run projects (a sub-district planner team or the chief planner team)",
            principal.author
        ))
    })?;
    let Some(areas) = moderated_units(principal, now) else {
        return Ok(());
    };
    if areas
        .iter()
        .any(|a| within(subdistrict, a) || within(a, subdistrict))
    {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "the project lies in {subdistrict}, outside the units you are appointed to ({})",
        areas
            .iter()
            .map(UnitCode::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Whether `unit` lies in (or is) `area`: codes nest by prefix (district, sub-district,
/// committee).
fn within(unit: &UnitCode, area: &UnitCode) -> bool {
    unit.as_str().starts_with(area.as_str())
}

/// Checks that `principal` may write a site with geometry `geometries` (the stored one and the
/// new one, for an edit) at `now`: every geometry is covered by the union of the units of the
/// appointments in force, grown by [`BOUNDARY_TOLERANCE_M`]. On refusal, 403 naming the units
/// outside and the appointments held. Allowed, the units the geometries fall in (for the audit
/// log: a move is found under both its old and its new units).
pub fn may_edit_site(
    principal: &Principal,
    catalog: &Catalog,
    geometries: &[&Geometry],
    now: DateTime<Utc>,
) -> Result<Vec<UnitCode>, AppError> {
    may(principal, Action::EditSites, now)?;
    let mut distinct: Vec<&Geometry> = geometries.to_vec();
    distinct.dedup();
    let Some(areas) = site_areas(principal, now) else {
        return Ok(units_of(catalog, &distinct));
    };
    // The common case, cheaply: each geometry wholly inside one appointed unit. Its units
    // for the audit log are that unit and the units above it.
    let containing: Vec<&UnitCode> = distinct
        .iter()
        .map_while(|g| {
            areas.iter().map(|(_, code)| *code).find(|code| {
                catalog
                    .unit(code)
                    .and_then(|e| e.unit.fields.geometry.as_ref())
                    .is_some_and(|boundary| lies_inside(g, boundary))
            })
        })
        .collect();
    if containing.len() == distinct.len() {
        let mut units: Vec<UnitCode> = Vec::new();
        for code in containing {
            let mut chain = vec![code.clone()];
            while let Some(parent) = chain[0].parent() {
                chain.insert(0, parent);
            }
            units.extend(chain);
        }
        units.sort();
        units.dedup();
        return Ok(units);
    }
    // Otherwise exactly: the appointed units' union, grown by the tolerance, must cover every
    // geometry (a site in no unit at all, or in a gap between units, is outside too).
    let appointed = geo::MultiPolygon(
        areas
            .iter()
            .filter_map(|(_, code)| catalog.unit(code)?.unit.fields.geometry.clone())
            .flat_map(|m| m.0)
            .collect(),
    );
    let grown = {
        use geo::Buffer;
        // Degrees of latitude: the smaller side of the tolerance, never more than a metre.
        appointed.buffer(BOUNDARY_TOLERANCE_M / 110_574.0)
    };
    let uncovered: Vec<&Geometry> = distinct
        .iter()
        .copied()
        .filter(|g| !grown.relate(*g).is_covers())
        .collect();
    if uncovered.is_empty() {
        return Ok(units_of(catalog, &distinct));
    }
    let mut outside: Vec<UnitCode> = units_of(catalog, &uncovered)
        .into_iter()
        .filter(|unit| {
            let covered = areas.iter().any(|(_, a)| within(unit, a));
            let container = areas.iter().any(|(_, a)| within(a, unit));
            !covered && !container
        })
        .collect();
    outside.dedup();
    let names: Vec<String> = if outside.is_empty() {
        vec!["land outside every planning unit".to_string()]
    } else {
        outside
            .iter()
            .map(|code| match catalog.unit(code) {
                Some(e) => format!("{} {}", e.unit.fields.name_zh, code),
                None => code.to_string(),
            })
            .collect()
    };
    let mut held: Vec<String> = areas
        .iter()
        .map(|(a, _)| format!("appointment {}", a.id))
        .collect();
    held.dedup();
    Err(AppError::Forbidden(format!(
        "the site lies outside the units you are appointed to: {} is outside {}",
        names.join(", "),
        if held.is_empty() {
            "any appointment in force".to_string()
        } else {
            held.join(", ")
        }
    )))
}

/// The units (of every level) the geometries fall in, sorted.
fn units_of(catalog: &Catalog, geometries: &[&Geometry]) -> Vec<UnitCode> {
    let mut units: Vec<UnitCode> = geometries
        .iter()
        .flat_map(|g| crate::catalog::units_in(&catalog.units_near(g), g))
        .collect();
    units.sort();
    units.dedup();
    units
}

/// Whether `g` lies strictly inside `boundary`: every position inside it and no edge meeting
/// its rings. Only the rings' segments near `g` are tested, so a detailed boundary costs
/// little more than a coarse one.
fn lies_inside(g: &Geometry, boundary: &geo::MultiPolygon) -> bool {
    use geo::{BoundingRect, Intersects};
    let (Some(site), Some(unit)) = (g.bounding_rect(), boundary.bounding_rect()) else {
        return false;
    };
    let within_box = unit.min().x < site.min().x
        && unit.min().y < site.min().y
        && site.max().x < unit.max().x
        && site.max().y < unit.max().y;
    if !within_box || !g.coords_iter().all(|c| boundary.contains(&Point::from(c))) {
        return false;
    }
    // A hole of the unit (an enclave of another) inside the site: the site covers it.
    let holes = boundary.0.iter().flat_map(|p| p.interiors());
    if matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_))
        && holes
            .filter_map(|ring| ring.0.first())
            .any(|c| g.contains(&Point::from(*c)))
    {
        return false;
    }
    let edges: Vec<geo::Line> = lines_of(g).flat_map(|l| l.lines()).collect();
    let rings = boundary
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    for ring in rings {
        for segment in ring.lines() {
            let (a, b) = (segment.start, segment.end);
            let apart = a.x.max(b.x) < site.min().x
                || a.x.min(b.x) > site.max().x
                || a.y.max(b.y) < site.min().y
                || a.y.min(b.y) > site.max().y;
            if !apart && edges.iter().any(|e| e.intersects(&segment)) {
                return false;
            }
        }
    }
    true
}

/// The line strings of `g` (a polygon's rings).
fn lines_of(g: &Geometry) -> impl Iterator<Item = &geo::LineString> {
    let mut lines: Vec<&geo::LineString> = Vec::new();
    match g {
        Geometry::LineString(l) => lines.push(l),
        Geometry::MultiLineString(m) => lines.extend(&m.0),
        Geometry::Polygon(p) => lines.extend(std::iter::once(p.exterior()).chain(p.interiors())),
        Geometry::MultiPolygon(m) => {
            for p in &m.0 {
                lines.extend(std::iter::once(p.exterior()).chain(p.interiors()));
            }
        }
        _ => {}
    }
    lines.into_iter()
}
