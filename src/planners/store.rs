//! Where people and mandates live: `users`, `teams`, `team_members`, `appointments`. Every
//! write is audited and logged to the change log's `accounts` collection, so every replica's
//! access cache forgets what changed.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{
    AgreementTerms, Appointment, Contact, Holder, MemberRole, NewAppointment, NewUser, Team,
    TeamKind, User,
};
use crate::auth::Role;
use crate::store::rows::{decode, now};
use crate::store::{Store, StoreError, StoreResult, vals};
use crate::units::UnitCode;
use crate::version::{Change, Edit};

const USER_COLUMNS: &str = "id, login, display_zh, display_en, organisation, roles, disabled_at";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    login: String,
    display_zh: String,
    display_en: Option<String>,
    organisation: Option<String>,
    roles: String,
    disabled_at: Option<DateTime<Utc>>,
}

impl UserRow {
    fn into_user(self) -> anyhow::Result<User> {
        let roles = self
            .roles
            .split_whitespace()
            .map(|r| Role::parse(r).ok_or_else(|| anyhow::anyhow!("stored role {r:?} is unknown")))
            .collect::<anyhow::Result<_>>()?;
        Ok(User {
            id: self.id,
            login: self.login,
            display_zh: self.display_zh,
            display_en: self.display_en,
            organisation: self.organisation,
            roles,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: i64,
    kind: String,
    name_zh: String,
    name_en: Option<String>,
    organisation: Option<String>,
}

impl TeamRow {
    fn into_team(self) -> anyhow::Result<Team> {
        Ok(Team {
            id: self.id,
            kind: kind(&self.kind)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            organisation: self.organisation,
        })
    }
}

fn kind(s: &str) -> anyhow::Result<TeamKind> {
    TeamKind::parse(s).ok_or_else(|| anyhow::anyhow!("stored team kind {s:?} is unknown"))
}

const APPOINTMENT_COLUMNS: &str = "id, kind, team_id, user_id, units, starts_on, ends_on, service, \
     onsite_hours, responsibilities, appointed_by, contract_signed_on, renews, terminated_on, \
     termination_reason";

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: i64,
    kind: String,
    team_id: Option<i64>,
    user_id: Option<i64>,
    units: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    service: Option<String>,
    onsite_hours: Option<f64>,
    responsibilities: Option<String>,
    appointed_by: String,
    contract_signed_on: Option<NaiveDate>,
    renews: Option<i64>,
    terminated_on: Option<NaiveDate>,
    termination_reason: Option<String>,
}

impl AppointmentRow {
    fn into_appointment(self) -> anyhow::Result<Appointment> {
        let holder = match (self.team_id, self.user_id) {
            (Some(team), None) => Holder::Team(team),
            (None, Some(user)) => Holder::User(user),
            _ => anyhow::bail!("appointment {} names no single holder", self.id),
        };
        let units = self
            .units
            .split_whitespace()
            .map(|c| UnitCode::parse(c).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?;
        Ok(Appointment {
            id: self.id,
            kind: kind(&self.kind)?,
            holder,
            units,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            terms: AgreementTerms {
                service: self.service,
                onsite_hours: self.onsite_hours,
                responsibilities: self.responsibilities,
            },
            appointed_by: self.appointed_by,
            contract_signed_on: self.contract_signed_on,
            renews: self.renews,
            terminated_on: self.terminated_on,
            termination_reason: self.termination_reason,
        })
    }
}

fn json(value: &impl serde::Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

impl Store {
    /// Creates an account; `password_hash` is an argon2id PHC string, if it has a password.
    pub async fn create_user(
        &self,
        user: &NewUser,
        password_hash: Option<&str>,
        edit: &Edit,
    ) -> StoreResult<User> {
        let at = now();
        let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
        let sql = format!(
            "INSERT INTO users (login, display_zh, display_en, organisation, roles, email, phone,
                                password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {USER_COLUMNS}"
        );
        let values = vals![
            &user.login,
            &user.display_zh,
            &user.display_en,
            &user.organisation,
            roles.join(" "),
            &user.contact.email,
            &user.contact.phone,
            password_hash,
            at
        ];
        let mut tx = self.begin().await?;
        let row: UserRow = tx.fetch_one(&sql, values).await?;
        let created = row.into_user()?;
        let key = format!("user:{}", created.id);
        tx.account_changed(edit, Change::Create, &key, (None, json(&created)), at)
            .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Every account, by login name.
    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
        decode(self.fetch_all(&sql, vec![]).await?, UserRow::into_user)
    }

    /// One account by login name, with its password hash (for signing in).
    pub async fn user_by_login(&self, login: &str) -> StoreResult<Option<(User, Option<String>)>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE login = $1");
        let found: Option<UserWithHash> = self.fetch_optional(&sql, vals![login]).await?;
        found
            .map(|f| Ok((f.user.into_user()?, f.password_hash)))
            .transpose()
            .map_err(StoreError::Corrupt)
    }

    /// One account by id.
    pub async fn user(&self, id: i64) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = self.fetch_optional(&sql, vals![id]).await?;
        Ok(row.map(UserRow::into_user).transpose()?)
    }

    /// An account's private contact (for admins only).
    pub async fn contact(&self, id: i64) -> StoreResult<Contact> {
        let row: Option<(Option<String>, Option<String>)> = self
            .fetch_optional("SELECT email, phone FROM users WHERE id = $1", vals![id])
            .await?;
        let (email, phone) = row.ok_or(StoreError::NotFound)?;
        Ok(Contact { email, phone })
    }

    /// Sets an account's password hash (the audit records that it changed, never the hash).
    pub async fn set_password(&self, id: i64, password_hash: &str, edit: &Edit) -> StoreResult<()> {
        self.update_user(
            id,
            "password_hash = $2",
            vals![password_hash],
            "password changed",
            edit,
        )
        .await
    }

    /// Disables an account: it can no longer sign in, and its tokens stop working.
    pub async fn disable_user(&self, id: i64, edit: &Edit) -> StoreResult<()> {
        self.update_user(id, "disabled_at = $2", vals![now()], "disabled", edit)
            .await
    }

    async fn update_user(
        &self,
        id: i64,
        set: &str,
        mut values: Vec<crate::store::Value>,
        what: &str,
        edit: &Edit,
    ) -> StoreResult<()> {
        let at = now();
        let sql = format!(
            "UPDATE users SET {set}, updated_at = ${} WHERE id = $1 RETURNING {USER_COLUMNS}",
            values.len() + 2
        );
        values.insert(0, id.into());
        values.push(at.into());
        let mut tx = self.begin().await?;
        let before: Option<UserRow> = tx
            .fetch_optional(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE"),
                vals![id],
            )
            .await?;
        let before = before.ok_or(StoreError::NotFound)?.into_user()?;
        let after: UserRow = tx.fetch_one(&sql, values).await?;
        let mut after = json(&after.into_user()?);
        if let Some(serde_json::Value::Object(map)) = after.as_mut() {
            map.insert("change".into(), what.into());
        }
        let key = format!("user:{id}");
        tx.account_changed(edit, Change::Update, &key, (json(&before), after), at)
            .await?;
        tx.commit().await
    }

    /// Creates a team.
    pub async fn create_team(
        &self,
        kind: TeamKind,
        (name_zh, name_en): (&str, Option<&str>),
        organisation: Option<&str>,
        edit: &Edit,
    ) -> StoreResult<Team> {
        let at = now();
        let sql = "INSERT INTO teams (kind, name_zh, name_en, organisation, created_at)
                   VALUES ($1, $2, $3, $4, $5) RETURNING id, kind, name_zh, name_en, organisation";
        let values = vals![kind.as_str(), name_zh, name_en, organisation, at];
        let mut tx = self.begin().await?;
        let row: TeamRow = tx.fetch_one(sql, values).await?;
        let team = row.into_team()?;
        let key = format!("team:{}", team.id);
        tx.account_changed(edit, Change::Create, &key, (None, json(&team)), at)
            .await?;
        tx.commit().await?;
        Ok(team)
    }

    /// Every team.
    pub async fn teams(&self) -> StoreResult<Vec<Team>> {
        let sql = "SELECT id, kind, name_zh, name_en, organisation FROM teams ORDER BY id";
        decode(self.fetch_all(sql, vec![]).await?, TeamRow::into_team)
    }

    /// Adds `user` to `team` as `role`, for `organisation`.
    pub async fn add_member(
        &self,
        team: i64,
        user: i64,
        role: MemberRole,
        organisation: Option<&str>,
        edit: &Edit,
    ) -> StoreResult<()> {
        let at = now();
        let sql = "INSERT INTO team_members (team_id, user_id, role, organisation)
                   VALUES ($1, $2, $3, $4)";
        let mut tx = self.begin().await?;
        tx.execute(sql, vals![team, user, role.as_str(), organisation])
            .await?;
        let after = serde_json::json!({"team": team, "user": user, "role": role, "organisation": organisation});
        let key = format!("team:{team}:member:{user}");
        tx.account_changed(edit, Change::Create, &key, (None, Some(after)), at)
            .await?;
        tx.commit().await
    }

    /// Records an appointment (or a renewal: `renews` names the previous one).
    pub async fn appoint(&self, a: &NewAppointment, edit: &Edit) -> StoreResult<Appointment> {
        let at = now();
        let (team, user) = match a.holder {
            Holder::Team(t) => (Some(t), None),
            Holder::User(u) => (None, Some(u)),
        };
        let units: Vec<&str> = a.units.iter().map(UnitCode::as_str).collect();
        let sql = format!(
            "INSERT INTO appointments (kind, team_id, user_id, units, starts_on, ends_on, service,
                 onsite_hours, responsibilities, appointed_by, contract_signed_on, renews,
                 created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             RETURNING {APPOINTMENT_COLUMNS}"
        );
        let values = vals![
            a.kind.as_str(),
            team,
            user,
            units.join(" "),
            a.starts_on,
            a.ends_on,
            &a.terms.service,
            a.terms.onsite_hours,
            &a.terms.responsibilities,
            &a.appointed_by,
            a.contract_signed_on,
            a.renews,
            at,
            &edit.author
        ];
        let mut tx = self.begin().await?;
        let row: AppointmentRow = tx.fetch_one(&sql, values).await?;
        let appointment = row.into_appointment()?;
        let key = format!("appointment:{}", appointment.id);
        tx.account_changed(edit, Change::Create, &key, (None, json(&appointment)), at)
            .await?;
        tx.commit().await?;
        Ok(appointment)
    }

    /// Terminates appointment `id` from `on` (its first day out of force), for `reason`.
    pub async fn terminate(
        &self,
        id: i64,
        on: NaiveDate,
        reason: &str,
        edit: &Edit,
    ) -> StoreResult<Appointment> {
        let at = now();
        let select =
            format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1 FOR UPDATE");
        let update = format!(
            "UPDATE appointments SET terminated_on = $2, termination_reason = $3
             WHERE id = $1 AND terminated_on IS NULL RETURNING {APPOINTMENT_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let before: Option<AppointmentRow> = tx.fetch_optional(&select, vals![id]).await?;
        let before = before.ok_or(StoreError::NotFound)?.into_appointment()?;
        let after: Option<AppointmentRow> =
            tx.fetch_optional(&update, vals![id, on, reason]).await?;
        let after = after
            .ok_or_else(|| StoreError::Conflict(format!("appointment {id} is terminated already")))?
            .into_appointment()?;
        let key = format!("appointment:{id}");
        tx.account_changed(
            edit,
            Change::Update,
            &key,
            (json(&before), json(&after)),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Every appointment, oldest first.
    pub async fn appointments(&self) -> StoreResult<Vec<Appointment>> {
        let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments ORDER BY id");
        decode(
            self.fetch_all(&sql, vec![]).await?,
            AppointmentRow::into_appointment,
        )
    }

    /// The appointments `user` holds, in person or through a team, in force or not.
    pub async fn mandates(&self, user: i64) -> StoreResult<Vec<Appointment>> {
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments
             WHERE user_id = $1 OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
             ORDER BY id"
        );
        decode(
            self.fetch_all(&sql, vals![user]).await?,
            AppointmentRow::into_appointment,
        )
    }
}

#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
}
