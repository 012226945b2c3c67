//! Appointing, with the rules an appointment must keep: its units exist, its term is a real
//! span, and Binjiang's conflict-of-interest rule (回避制度, seed `003_…`): an organisation
//! holding a sub-district appointment is not appointed as a project designer team in that
//! sub-district, unless the new appointment records a contract that predates the
//! sub-district appointment.

use super::{Appointment, Holder, NewAppointment, TeamKind};
use crate::error::AppError;
use crate::store::Store;
use crate::version::Edit;

/// The organisation behind `holder` (a team's, or a person's).
async fn organisation(store: &Store, holder: Holder) -> Result<Option<String>, AppError> {
    Ok(match holder {
        Holder::Team(id) => {
            store
                .teams()
                .await?
                .into_iter()
                .find(|t| t.id == id)
                .ok_or_else(|| AppError::NotFound(format!("no team {id}")))?
                .organisation
        }
        Holder::User(id) => {
            store
                .user(id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no user {id}")))?
                .organisation
        }
    })
}

/// Whether two unit lists share ground (one code lies in the other: codes nest by prefix).
fn overlap(a: &[crate::units::UnitCode], b: &[crate::units::UnitCode]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| x.as_str().starts_with(y.as_str()) || y.as_str().starts_with(x.as_str()))
    })
}

/// Records `new` after checking it; 422 for a unit that does not exist or an inverted term,
/// 409 for a conflict of interest (naming the appointment it conflicts with).
pub async fn appoint(
    store: &Store,
    new: &NewAppointment,
    edit: &Edit,
) -> Result<Appointment, AppError> {
    if new.ends_on < new.starts_on {
        return Err(AppError::unprocessable(
            "Inverted term",
            "/ends_on",
            format!(
                "the term ends ({}) before it starts ({})",
                new.ends_on, new.starts_on
            ),
        ));
    }
    for (i, code) in new.units.iter().enumerate() {
        if store.find_unit(code).await?.is_none() {
            return Err(AppError::unprocessable(
                "Unknown unit",
                format!("/units/{i}"),
                format!("no planning unit {code}; import the units first"),
            ));
        }
    }
    if let Some(previous) = new.renews
        && let Some(refusal) = crate::evaluation::renewal_refusal(store, previous).await?
    {
        return Err(AppError::Conflict(refusal));
    }
    if new.kind == TeamKind::Designer
        && let Some(org) = organisation(store, new.holder).await?
    {
        for held in store.appointments().await? {
            let same_org = organisation(store, held.holder).await?.as_deref() == Some(org.as_str());
            let overlapping_term = held.starts_on <= new.ends_on
                && new.starts_on <= held.ends_on
                && held.terminated_on.is_none_or(|t| new.starts_on < t);
            let predates = new.contract_signed_on.is_some_and(|c| c < held.starts_on);
            if held.kind == TeamKind::Subdistrict
                && same_org
                && overlapping_term
                && overlap(&held.units, &new.units)
                && !predates
            {
                return Err(AppError::Conflict(format!(
                    "回避制度 (conflict of interest): {org} holds sub-district appointment {} there ({} to {}); it may be appointed as a project designer team only with a contract signed before {} (contract_signed_on)",
                    held.id, held.starts_on, held.ends_on, held.starts_on
                )));
            }
        }
    }
    Ok(store.appoint(new, edit).await?)
}
