//! Where projects live: `projects`, their links (`project_sites`, `project_needs`), their
//! stages, meetings, publications, funding and surveys. Every write is audited and logged
//! (`projects` in the change log), and a step that residents should hear of is told to the
//! needs the project answers (`needs::store::tell_needs`) in the same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::api::{
    Funding, FundingInput, Meeting, MeetingInput, NewProject, Project, ProjectPatch,
    ProjectSummary, Publication, PublicationInput, StageStep, Survey, SurveyInput,
};
use super::model::{FundingSource, MeetingKind, Record, Stage};
use crate::needs::Need;
use crate::needs::store::tell_needs;
use crate::store::changes::{Collection, Logged};
use crate::store::rows::now;
use crate::store::{Conn, Store, StoreError, StoreResult, vals};
use crate::version::{Change, Edit};

const COLUMNS: &str = "id, version, name, description, element_type, subdistrict, stage, published, \
     lead_team_id, designer_team_id, operations_team_id, reserve_from, reserve_to, plan_year, result, \
     operation_rules, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    version: i64,
    name: String,
    description: Option<String>,
    element_type: String,
    subdistrict: String,
    stage: String,
    published: bool,
    lead_team_id: Option<i64>,
    designer_team_id: Option<i64>,
    operations_team_id: Option<i64>,
    reserve_from: Option<i64>,
    reserve_to: Option<i64>,
    plan_year: Option<i64>,
    result: Option<String>,
    operation_rules: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct StageRow {
    stage: String,
    at: DateTime<Utc>,
    actor: String,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    kind: String,
    held_on: NaiveDate,
    place: String,
    attendance: String,
    motion: Option<String>,
    votes_for: Option<i64>,
    votes_against: Option<i64>,
    votes_abstain: Option<i64>,
    minutes: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PublicationRow {
    id: i64,
    subject: String,
    text: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    comments_until: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    meeting_id: i64,
    name: String,
    media_type: String,
}

/// A stored meeting file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAttachment {
    /// The project.
    pub project_id: i64,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: i64,
    phase: String,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    id: i64,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    at: DateTime<Utc>,
    text: String,
}

/// A stored project photo.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredProjectPhoto {
    /// The project.
    pub project_id: i64,
    /// Its media type.
    pub media_type: String,
    /// The image, metadata stripped.
    pub bytes: Vec<u8>,
}

/// Where a publication belongs and when it takes comments.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicationWindow {
    /// The project.
    pub project_id: i64,
    /// First day.
    pub starts_on: NaiveDate,
    /// Comments until (none: no comments taken).
    pub comments_until: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct FundingRow {
    id: i64,
    source: String,
    planned: f64,
    spent: f64,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    held_on: NaiveDate,
    respondents: i64,
    satisfied: i64,
    mean_score: f64,
    verdict: Option<String>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(anyhow::anyhow!("stored {what} {value:?} is unknown"))
}

fn year(v: Option<i64>) -> Option<i32> {
    v.and_then(|y| i32::try_from(y).ok())
}

async fn load(tx: &mut Conn<'_>, id: i64, lock: bool) -> StoreResult<Project> {
    let sql = format!(
        "SELECT {COLUMNS} FROM projects WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let r: ProjectRow = tx
        .fetch_optional(&sql, vals![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage = Stage::parse(&r.stage).ok_or_else(|| corrupt("stage", &r.stage))?;
    let ids = |rows: Vec<LinkRow>| rows.into_iter().map(|l| l.id).collect::<Vec<i64>>();
    let sites = ids(tx
        .fetch_all(
            "SELECT site_id AS id FROM project_sites WHERE project_id = $1 ORDER BY site_id",
            vals![id],
        )
        .await?);
    let needs = ids(tx
        .fetch_all(
            "SELECT need_id AS id FROM project_needs WHERE project_id = $1 ORDER BY need_id",
            vals![id],
        )
        .await?);
    let stages: Vec<StageRow> = tx
        .fetch_all(
            "SELECT stage, at, actor, note FROM project_stages WHERE project_id = $1 ORDER BY id",
            vals![id],
        )
        .await?;
    let meetings: Vec<MeetingRow> = tx
        .fetch_all(
            "SELECT id, kind, held_on, place, attendance, motion, votes_for, votes_against, votes_abstain, minutes
             FROM meetings WHERE project_id = $1 ORDER BY held_on, id",
            vals![id],
        )
        .await?;
    let publications: Vec<PublicationRow> = tx
        .fetch_all(
            "SELECT id, subject, text, starts_on, ends_on, comments_until FROM publications
             WHERE project_id = $1 ORDER BY starts_on, id",
            vals![id],
        )
        .await?;
    let funding: Vec<FundingRow> = tx
        .fetch_all("SELECT id, source, planned, spent, note FROM funding WHERE project_id = $1 ORDER BY id", vals![id])
        .await?;
    let surveys: Vec<SurveyRow> = tx
        .fetch_all(
            "SELECT id, held_on, respondents, satisfied, mean_score, verdict FROM surveys
             WHERE project_id = $1 ORDER BY held_on, id",
            vals![id],
        )
        .await?;
    let attachments: Vec<AttachmentRow> = tx
        .fetch_all(
            "SELECT a.id AS id, a.meeting_id AS meeting_id, a.name AS name, a.media_type AS media_type
             FROM meeting_attachments a JOIN meetings m ON m.id = a.meeting_id
             WHERE m.project_id = $1 ORDER BY a.id",
            vals![id],
        )
        .await?;
    let photos: Vec<PhotoRow> = tx
        .fetch_all(
            "SELECT id, phase FROM project_photos WHERE project_id = $1 ORDER BY id",
            vals![id],
        )
        .await?;
    let comment_counts: Vec<CountRow> = tx
        .fetch_all(
            "SELECT p.id AS id, count(c.id) AS n FROM publications p
             LEFT JOIN publication_comments c ON c.publication_id = p.id
             WHERE p.project_id = $1 GROUP BY p.id",
            vals![id],
        )
        .await?;
    let comments_of = |publication: i64| {
        comment_counts
            .iter()
            .find(|c| c.id == publication)
            .map_or(0, |c| c.n)
    };
    let (stage_zh, stage_en) = stage.label();
    let funding: Vec<Funding> = funding
        .into_iter()
        .map(|f| {
            Ok(Funding {
                id: f.id,
                source: FundingSource::parse(&f.source)
                    .ok_or_else(|| corrupt("source", &f.source))?,
                planned: f.planned,
                spent: f.spent,
                note: f.note,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Project {
        id: r.id,
        version: r.version,
        name: r.name,
        description: r.description,
        element_type: r.element_type,
        subdistrict: r.subdistrict,
        stage,
        stage_zh: stage_zh.into(),
        stage_en: stage_en.into(),
        published: r.published,
        lead_team: r.lead_team_id,
        designer_team: r.designer_team_id,
        operations_team: r.operations_team_id,
        reserve_from: year(r.reserve_from),
        reserve_to: year(r.reserve_to),
        plan_year: year(r.plan_year),
        result: r.result,
        operation_rules: r.operation_rules,
        sites,
        needs,
        stages: stages
            .into_iter()
            .map(|s| {
                Ok(StageStep {
                    stage: Stage::parse(&s.stage).ok_or_else(|| corrupt("stage", &s.stage))?,
                    at: s.at,
                    by: Some(s.actor),
                    note: s.note,
                })
            })
            .collect::<StoreResult<_>>()?,
        meetings: meetings
            .into_iter()
            .map(|m| {
                let kind =
                    MeetingKind::parse(&m.kind).ok_or_else(|| corrupt("meeting kind", &m.kind))?;
                let (kind_zh, kind_en) = kind.label();
                Ok(Meeting {
                    id: m.id,
                    kind,
                    kind_zh: kind_zh.into(),
                    kind_en: kind_en.into(),
                    held_on: m.held_on,
                    place: m.place,
                    attendance: serde_json::from_str(&m.attendance).unwrap_or_default(),
                    passed: m
                        .motion
                        .as_ref()
                        .map(|_| m.votes_for.unwrap_or(0) > m.votes_against.unwrap_or(0)),
                    motion: m.motion,
                    votes_for: m.votes_for,
                    votes_against: m.votes_against,
                    votes_abstain: m.votes_abstain,
                    minutes: m.minutes,
                    attachments: attachments
                        .iter()
                        .filter(|a| a.meeting_id == m.id)
                        .map(|a| super::api::Attachment {
                            id: a.id,
                            name: a.name.clone(),
                            media_type: a.media_type.clone(),
                        })
                        .collect(),
                })
            })
            .collect::<StoreResult<_>>()?,
        publications: publications
            .into_iter()
            .map(|p| Publication {
                comments: comments_of(p.id),
                id: p.id,
                subject: p.subject,
                text: p.text,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
                comments_until: p.comments_until,
            })
            .collect(),
        // An empty f64 `sum()` is -0.0.
        planned_total: funding.iter().map(|f| f.planned).fold(0.0, |a, b| a + b),
        spent_total: funding.iter().map(|f| f.spent).fold(0.0, |a, b| a + b),
        funding,
        surveys: surveys
            .into_iter()
            .map(|s| Survey {
                id: s.id,
                held_on: s.held_on,
                respondents: s.respondents,
                satisfied: s.satisfied,
                satisfaction: s.satisfied as f64 / s.respondents.max(1) as f64,
                mean_score: s.mean_score,
                verdict: s.verdict,
            })
            .collect(),
        photos: photos
            .into_iter()
            .map(|p| super::api::ProjectPhoto {
                id: p.id,
                phase: p.phase,
            })
            .collect(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// What [`Stage::check`] reads from `project`, on `today`.
pub fn record(project: &Project, today: NaiveDate) -> Record {
    Record {
        meetings: project.meetings.iter().map(|m| m.kind).collect(),
        hearing_passed: project
            .meetings
            .iter()
            .any(|m| m.kind == MeetingKind::Hearing && m.passed == Some(true)),
        planned: project.planned_total,
        result_published: project.result.is_some()
            && project.publications.iter().any(|p| p.starts_on <= today),
        surveyed: !project.surveys.is_empty(),
        operation_rules: project.operation_rules.is_some(),
    }
}

/// Audits and logs `edit`'s `action` on `after` (the project after it), bumping its version.
async fn written(
    tx: &mut Conn<'_>,
    id: i64,
    action: &str,
    before: Option<&Project>,
    edit: &Edit,
    at: DateTime<Utc>,
) -> StoreResult<Project> {
    let sql =
        "UPDATE projects SET version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $1";
    if before.is_some() {
        tx.execute(sql, vals![id, at, &edit.author]).await?;
    }
    let after = load(tx, id, false).await?;
    let json = |p: &Project| serde_json::to_value(p).ok();
    let key = id.to_string();
    tx.audit(
        edit,
        action,
        (Collection::Projects.as_str(), &key),
        before.and_then(json),
        json(&after),
        at,
    )
    .await?;
    let change = if before.is_some() {
        Change::Update
    } else {
        Change::Create
    };
    tx.log(
        Logged::write(Collection::Projects, id, after.version, change),
        at,
        &edit.author,
    )
    .await?;
    Ok(after)
}

/// A project after a write, and the needs it told.
pub struct Written {
    /// The project now.
    pub project: Project,
    /// The needs it answers, as they are now.
    pub needs: Vec<Need>,
}

impl Store {
    /// Every project, newest first.
    pub async fn projects(&self) -> StoreResult<Vec<ProjectSummary>> {
        Ok(self
            .all_projects()
            .await?
            .into_iter()
            .map(|p| ProjectSummary {
                id: p.id,
                name: p.name,
                element_type: p.element_type,
                subdistrict: p.subdistrict,
                stage: p.stage,
                published: p.published,
                plan_year: p.plan_year,
                reserve_from: p.reserve_from,
                reserve_to: p.reserve_to,
                planned_total: p.planned_total,
                spent_total: p.spent_total,
            })
            .collect())
    }

    /// Every project with its whole record, newest first (each read once, on one connection).
    pub async fn all_projects(&self) -> StoreResult<Vec<Project>> {
        let rows: Vec<IdRow> = self
            .fetch_all("SELECT id FROM projects ORDER BY id DESC", vec![])
            .await?;
        let mut conn = self.read().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(load(&mut conn, r.id, false).await?);
        }
        Ok(out)
    }

    /// Project `id`.
    pub async fn find_project(&self, id: i64) -> StoreResult<Option<Project>> {
        match load(&mut self.read().await?, id, false).await {
            Err(StoreError::NotFound) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Creates a project in `subdistrict` at its first stage; the needs it answers become
    /// answered.
    pub async fn create_project(
        &self,
        new: &NewProject,
        subdistrict: &str,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let sql = "INSERT INTO projects (version, name, description, element_type, subdistrict, stage,
                       lead_team_id, designer_team_id, operations_team_id, reserve_from, reserve_to, plan_year,
                       created_at, created_by, updated_at, updated_by)
                   VALUES (1, $1, $2, $3, $4, 'proposal', $5, $6, $7, $8, $9, $10, $11, $12, $11, $12) RETURNING id";
        let values = vals![
            &new.name,
            &new.description,
            &new.element_type,
            subdistrict,
            new.lead_team,
            new.designer_team,
            new.operations_team,
            new.reserve_from.map(i64::from),
            new.reserve_to.map(i64::from),
            new.plan_year.map(i64::from),
            at,
            &edit.author
        ];
        let mut tx = self.begin().await?;
        let IdRow { id } = tx.fetch_one(sql, values).await?;
        for site in &new.sites {
            tx.execute(
                "INSERT INTO project_sites (project_id, site_id) VALUES ($1, $2)",
                vals![id, *site],
            )
            .await?;
        }
        for need in &new.needs {
            tx.execute(
                "INSERT INTO project_needs (project_id, need_id) VALUES ($1, $2)",
                vals![id, *need],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO project_stages (project_id, stage, at, actor) VALUES ($1, 'proposal', $2, $3)",
            vals![id, at, &edit.author],
        )
        .await?;
        // A new project is not yet published: its needs hear that it exists, not its name.
        let note = Stage::Proposal.label().0.to_string();
        let needs = tell_needs(
            &mut tx,
            &new.needs,
            ("answered", Some(&note)),
            Some(id),
            id,
            edit,
            at,
        )
        .await?;
        let project = written(&mut tx, id, "create", None, edit, at).await?;
        tx.commit().await?;
        Ok(Written { project, needs })
    }

    /// Changes a project's own fields.
    pub async fn patch_project(
        &self,
        id: i64,
        patch: &ProjectPatch,
        edit: &Edit,
    ) -> StoreResult<Project> {
        let at = now();
        let mut tx = self.begin().await?;
        let before = load(&mut tx, id, true).await?;
        let sql = "UPDATE projects SET name = COALESCE($2, name), description = COALESCE($3, description),
                       result = COALESCE($4, result),
                       operation_rules = COALESCE($5, operation_rules), reserve_from = COALESCE($6, reserve_from),
                       reserve_to = COALESCE($7, reserve_to), plan_year = COALESCE($8, plan_year),
                       designer_team_id = COALESCE($9, designer_team_id),
                       operations_team_id = COALESCE($10, operations_team_id)
                   WHERE id = $1";
        let values = vals![
            id,
            &patch.name,
            &patch.description,
            &patch.result,
            &patch.operation_rules,
            patch.reserve_from.map(i64::from),
            patch.reserve_to.map(i64::from),
            patch.plan_year.map(i64::from),
            patch.designer_team,
            patch.operations_team
        ];
        tx.execute(sql, values).await?;
        if let Some(published) = patch.published {
            tx.execute(
                "UPDATE projects SET published = $2 WHERE id = $1",
                vals![id, published],
            )
            .await?;
        }
        let after = written(&mut tx, id, "update", Some(&before), edit, at).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Moves project `id` to `to`, if [`Stage::check`] allows it on what is on record today
    /// (else [`StoreError::Conflict`] naming the missing step); its needs are told.
    pub async fn move_project(
        &self,
        id: i64,
        to: Stage,
        note: Option<&str>,
        today: NaiveDate,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let mut tx = self.begin().await?;
        let before = load(&mut tx, id, true).await?;
        before
            .stage
            .check(to, &record(&before, today))
            .map_err(StoreError::Conflict)?;
        tx.execute(
            "UPDATE projects SET stage = $2 WHERE id = $1",
            vals![id, to.as_str()],
        )
        .await?;
        tx.execute(
            "INSERT INTO project_stages (project_id, stage, at, actor, note) VALUES ($1, $2, $3, $4, $5)",
            vals![id, to.as_str(), at, &edit.author, note],
        )
        .await?;
        let (zh, en) = to.label();
        // An unpublished project is a draft: its name stays out of the trail and the e-mails.
        let told = if before.published {
            format!("{}: {zh} · {en}", before.name)
        } else {
            format!("{zh} · {en}")
        };
        let needs = tell_needs(
            &mut tx,
            &before.needs,
            ("project_stage", Some(&told)),
            None,
            id,
            edit,
            at,
        )
        .await?;
        let project = written(&mut tx, id, to.as_str(), Some(&before), edit, at).await?;
        tx.commit().await?;
        Ok(Written { project, needs })
    }

    /// Puts a meeting on record; its needs are told.
    pub async fn add_meeting(
        &self,
        id: i64,
        m: &MeetingInput,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let attendance: BTreeMap<&String, &i64> = m.attendance.iter().collect();
        let sql =
            "INSERT INTO meetings (project_id, kind, held_on, place, attendance, motion, votes_for,
                       votes_against, votes_abstain, minutes, created_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        let at = now();
        let values = vals![
            id,
            m.kind.as_str(),
            m.held_on,
            &m.place,
            serde_json::to_string(&attendance).unwrap_or_default(),
            &m.motion,
            m.votes_for,
            m.votes_against,
            m.votes_abstain,
            &m.minutes,
            at,
            &edit.author
        ];
        let (zh, en) = m.kind.label();
        let told = format!("{zh} · {en} {}", m.held_on);
        self.add_record(id, (sql, values), ("meeting", &told), edit, at)
            .await
    }

    /// Puts a publication (公示) on record; its needs are told.
    pub async fn add_publication(
        &self,
        id: i64,
        p: &PublicationInput,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let sql = "INSERT INTO publications (project_id, subject, text, starts_on, ends_on, comments_until,
                       created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let values = vals![
            id,
            &p.subject,
            &p.text,
            p.starts_on,
            p.ends_on,
            p.comments_until,
            at,
            &edit.author
        ];
        let told = format!(
            "公示 · Published: {} ({} – {})",
            p.subject, p.starts_on, p.ends_on
        );
        self.add_record(id, (sql, values), ("publication", &told), edit, at)
            .await
    }

    /// Puts funding from one source on record.
    pub async fn add_funding(
        &self,
        id: i64,
        f: &FundingInput,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let sql =
            "INSERT INTO funding (project_id, source, planned, spent, note, created_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let values = vals![
            id,
            f.source.as_str(),
            f.planned,
            f.spent,
            &f.note,
            at,
            &edit.author
        ];
        self.add_record(id, (sql, values), ("", ""), edit, at).await
    }

    /// Puts a satisfaction survey on record; its needs are told.
    pub async fn add_survey(&self, id: i64, s: &SurveyInput, edit: &Edit) -> StoreResult<Written> {
        let at = now();
        let sql =
            "INSERT INTO surveys (project_id, held_on, respondents, satisfied, mean_score, verdict,
                       created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let values = vals![
            id,
            s.held_on,
            s.respondents,
            s.satisfied,
            s.mean_score,
            &s.verdict,
            at,
            &edit.author
        ];
        let told = format!(
            "满意度 · Satisfaction: {}/{} ({:.0})",
            s.satisfied, s.respondents, s.mean_score
        );
        self.add_record(id, (sql, values), ("survey", &told), edit, at)
            .await
    }

    /// Stores a photo of project `id`, `before` or `after` (its metadata already stripped).
    pub async fn add_project_photo(
        &self,
        id: i64,
        phase: &str,
        (media_type, bytes): (&str, Vec<u8>),
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let sql = "INSERT INTO project_photos (project_id, phase, media_type, bytes, created_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let values = vals![id, phase, media_type, bytes, at, &edit.author];
        self.add_record(id, (sql, values), ("", ""), edit, at).await
    }

    /// Stores a file of meeting `meeting` of project `id`.
    pub async fn add_attachment(
        &self,
        (id, meeting): (i64, i64),
        name: &str,
        (media_type, bytes): (&str, Vec<u8>),
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let sql = "INSERT INTO meeting_attachments (meeting_id, name, media_type, bytes, created_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let values = vals![meeting, name, media_type, bytes, at, &edit.author];
        self.add_record(id, (sql, values), ("", ""), edit, at).await
    }

    /// One meeting file.
    pub async fn attachment(&self, id: i64) -> StoreResult<Option<StoredAttachment>> {
        let sql = "SELECT m.project_id AS project_id, a.name AS name, a.media_type AS media_type, a.bytes AS bytes
                   FROM meeting_attachments a JOIN meetings m ON m.id = a.meeting_id WHERE a.id = $1";
        self.fetch_optional(sql, vals![id]).await
    }

    /// One project photo.
    pub async fn project_photo(&self, photo: i64) -> StoreResult<Option<StoredProjectPhoto>> {
        let sql = "SELECT project_id, media_type, bytes FROM project_photos WHERE id = $1";
        self.fetch_optional(sql, vals![photo]).await
    }

    /// Publication `id`'s project and comment window.
    pub async fn publication_window(&self, id: i64) -> StoreResult<Option<PublicationWindow>> {
        let sql = "SELECT project_id, starts_on, comments_until FROM publications WHERE id = $1";
        self.fetch_optional(sql, vals![id]).await
    }

    /// Records a comment on publication `id`.
    pub async fn add_comment(&self, id: i64, text: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "INSERT INTO publication_comments (publication_id, text, at) VALUES ($1, $2, $3)",
            vals![id, text, now()],
        )
        .await?;
        tx.commit().await
    }

    /// The comments on publication `id`, oldest first.
    pub async fn comments(&self, id: i64) -> StoreResult<Vec<super::api::Comment>> {
        let sql = "SELECT at, text FROM publication_comments WHERE publication_id = $1 ORDER BY id";
        let rows: Vec<CommentRow> = self.fetch_all(sql, vals![id]).await?;
        Ok(rows
            .into_iter()
            .map(|r| super::api::Comment {
                at: r.at,
                text: r.text,
            })
            .collect())
    }

    async fn add_record(
        &self,
        id: i64,
        (sql, values): (&str, Vec<crate::store::Value>),
        (kind, told): (&str, &str),
        edit: &Edit,
        at: DateTime<Utc>,
    ) -> StoreResult<Written> {
        let mut tx = self.begin().await?;
        let before = load(&mut tx, id, true).await?;
        tx.execute(sql, values).await?;
        let needs = if kind.is_empty() {
            Vec::new()
        } else {
            tell_needs(
                &mut tx,
                &before.needs,
                (kind, Some(told)),
                None,
                id,
                edit,
                at,
            )
            .await?
        };
        let action = if kind.is_empty() {
            sql.split_whitespace().nth(2).unwrap_or("record")
        } else {
            kind
        };
        let project = written(&mut tx, id, action, Some(&before), edit, at).await?;
        tx.commit().await?;
        Ok(Written { project, needs })
    }
}
