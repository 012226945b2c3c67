//! What sheets are filled from, read once a request, and filling them: a confirmed sheet is
//! read back as it was frozen; any other is built afresh from the records.

use chrono::Utc;

use super::evidence::Records;
use super::records::ServiceRecord;
use super::sheet::{Evaluated, Inputs, Sheet, build};
use super::store::Evaluation;
use crate::error::{AppError, AppResult};
use crate::planners::{Appointment, Holder, china_day};
use crate::state::AppState;

/// What a sheet is filled from, read once for as many sheets as a request fills.
pub(super) struct Loaded {
    service: Vec<ServiceRecord>,
    projects: Vec<crate::projects::api::Project>,
    needs: Vec<std::sync::Arc<crate::needs::Need>>,
    appointments: Vec<Appointment>,
    teams: Vec<crate::planners::Team>,
    users: Vec<crate::planners::User>,
    scores: Vec<super::store::Score>,
    summaries: std::collections::BTreeMap<i64, super::records::RecordFile>,
}

impl Loaded {
    /// Reads the service records of `appointment` (of every one, with none), and every
    /// project, need, appointment, team, user, score and summary.
    pub(super) async fn read(state: &AppState, appointment: Option<i64>) -> AppResult<Self> {
        let service = state.store.service_records(appointment).await?;
        let projects = state.store.all_projects().await?;
        let appointments = state.store.appointments().await?;
        let teams = state.store.teams().await?;
        let users = state.store.users().await?;
        let scores = state.store.scores().await?;
        let summaries = state.store.evaluation_summaries().await?;
        let needs = state.needs().all();
        Ok(Self {
            service,
            projects,
            needs,
            appointments,
            teams,
            users,
            scores,
            summaries,
        })
    }

    /// The appointments.
    pub(super) fn appointments(&self) -> &[Appointment] {
        &self.appointments
    }

    /// The hours logged under appointment `id`.
    pub(super) fn hours(&self, id: i64) -> f64 {
        self.service
            .iter()
            .filter(|r| r.appointment == id)
            .fold(0.0, |s, r| s + r.hours)
    }

    /// Names appointment `a`: its holder, its units.
    pub(super) fn evaluated(&self, state: &AppState, a: &Appointment) -> Evaluated {
        let holder = match a.holder {
            Holder::Team(t) => self
                .teams
                .iter()
                .find(|x| x.id == t)
                .map_or_else(|| format!("team {t}"), |x| x.name_zh.clone()),
            Holder::User(u) => self
                .users
                .iter()
                .find(|x| x.id == u)
                .map_or_else(|| format!("user {u}"), |x| x.display_zh.clone()),
        };
        let catalog = state.catalog();
        let units = a
            .units
            .iter()
            .map(|u| match catalog.unit(u) {
                Some(e) => format!("{} {u}", e.unit.fields.name_zh),
                None => u.to_string(),
            })
            .collect();
        Evaluated {
            appointment: a.id,
            kind: a.kind.as_str().into(),
            holder,
            units,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            appointed_by: a.appointed_by.clone(),
            onsite_hours: a.terms.onsite_hours,
        }
    }
}

/// The sheet of evaluation `e`: frozen once confirmed, else filled afresh.
pub(super) async fn sheet_of(state: &AppState, e: &Evaluation) -> AppResult<Sheet> {
    if let Some(frozen) = frozen(e) {
        return frozen;
    }
    fill(state, e, &Loaded::read(state, Some(e.appointment)).await?)
}

fn frozen(e: &Evaluation) -> Option<AppResult<Sheet>> {
    e.frozen.as_ref().map(|text| {
        serde_json::from_str(text).map_err(|err| {
            AppError::Internal(anyhow::anyhow!("evaluation {}'s frozen sheet: {err}", e.id))
        })
    })
}

/// [`sheet_of`], from what is loaded already.
pub(super) fn fill(state: &AppState, e: &Evaluation, loaded: &Loaded) -> AppResult<Sheet> {
    if let Some(frozen) = frozen(e) {
        return frozen;
    }
    let template = state.evaluation_templates.get(&e.template).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "evaluation {} names template {}, which the catalogue lacks",
            e.id,
            e.template
        ))
    })?;
    let a = loaded
        .appointments
        .iter()
        .find(|a| a.id == e.appointment)
        .ok_or_else(|| AppError::NotFound(format!("no appointment {}", e.appointment)))?;
    let scores: Vec<super::store::Score> = loaded
        .scores
        .iter()
        .filter(|s| s.evaluation_id == e.id)
        .cloned()
        .collect();
    let summary = loaded.summaries.get(&e.id).cloned();
    Ok(build(Inputs {
        evaluation: e,
        template,
        evaluated: loaded.evaluated(state, a),
        appointment: a,
        records: Records {
            service: &loaded.service,
            projects: &loaded.projects,
            needs: &loaded.needs,
            summary: summary.as_ref().map(|s| (s.id, s.name.clone())),
        },
        scores: &scores,
        summary,
        today: china_day(Utc::now()),
    }))
}
