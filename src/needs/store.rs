//! Where needs live: `needs` (the current rows; contact and receipt never leave the store
//! except to the need's moderators and its submitter), `need_supports`, `need_flags`,
//! `need_events` (the trail), `need_followers`, `need_photos`, and the `outbox` of e-mails to
//! followers. Every change is audited and logged to the change log's `needs` collection, so
//! every replica's in-memory needs follow.

use chrono::{DateTime, Utc};

use super::model::{Decision, FLAGS_TO_HIDE, FlagReason, Need, NeedEvent, NeedStatus, NewNeed};
use crate::spatial::index::bbox;
use crate::spatial::wkb;
use crate::store::changes::{Collection, Logged};
use crate::store::rows::{decode, now};
use crate::store::{Conn, Store, StoreError, StoreResult, Value, vals};
use crate::units::UnitCode;
use crate::version::{Change, Edit};

const COLUMNS: &str = "id, version, category, text, ST_AsBinary(geom) AS geom, units, status, reason, \
     merged_into, project_id, hidden, supports, flags, submitted_at, updated_at, answered_at";

#[derive(sqlx::FromRow)]
struct NeedRow {
    id: i64,
    version: i64,
    category: String,
    text: String,
    geom: Vec<u8>,
    units: String,
    status: String,
    reason: Option<String>,
    merged_into: Option<i64>,
    project_id: Option<i64>,
    hidden: bool,
    supports: i64,
    flags: i64,
    submitted_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
}

impl NeedRow {
    fn into_need(self) -> anyhow::Result<Need> {
        Ok(Need {
            id: self.id,
            version: self.version,
            category: self.category,
            text: self.text,
            geometry: wkb::decode(&self.geom)?,
            units: self
                .units
                .split_whitespace()
                .map(|c| UnitCode::parse(c).map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<_>>()?,
            status: NeedStatus::parse(&self.status).ok_or_else(|| {
                anyhow::anyhow!("stored need status {:?} is unknown", self.status)
            })?,
            reason: self.reason,
            merged_into: self.merged_into,
            project: self.project_id,
            hidden: self.hidden,
            supports: self.supports,
            flags: self.flags,
            photos: Vec::new(),
            submitted_at: self.submitted_at,
            updated_at: self.updated_at,
            answered_at: self.answered_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PhotoIdRow {
    need_id: i64,
    id: i64,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: DateTime<Utc>,
    kind: String,
    status: String,
    note: Option<String>,
    related: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct TextRow {
    value: Option<String>,
}

/// A photo as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPhoto {
    /// Its id.
    pub id: i64,
    /// The need it shows.
    pub need_id: i64,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// The image, its metadata stripped.
    pub bytes: Vec<u8>,
}

/// An e-mail waiting in the outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Mail {
    /// Its id.
    pub id: i64,
    /// To whom.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Tries so far.
    pub attempts: i64,
}

/// What a moderator's decision, a support or a flag did.
#[derive(Debug, Clone)]
pub struct Written {
    /// The need now.
    pub need: Need,
    /// Whether anything changed (a second support from one device changes nothing).
    pub changed: bool,
}

fn audit_json(need: &Need) -> serde_json::Value {
    serde_json::json!({
        "version": need.version, "category": need.category, "text": need.text,
        "status": need.status.as_str(), "reason": need.reason, "merged_into": need.merged_into,
        "hidden": need.hidden, "supports": need.supports, "flags": need.flags,
        "geometry": crate::spatial::write::geometry_json(&need.geometry),
    })
}

async fn row(tx: &mut Conn<'_>, id: i64, lock: bool) -> StoreResult<Need> {
    let sql = format!(
        "SELECT {COLUMNS} FROM needs WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row: Option<NeedRow> = tx.fetch_optional(&sql, vals![id]).await?;
    let mut need = row.ok_or(StoreError::NotFound)?.into_need()?;
    let photos: Vec<PhotoIdRow> = tx
        .fetch_all(
            "SELECT need_id, id FROM need_photos WHERE need_id = $1 ORDER BY id",
            vals![id],
        )
        .await?;
    need.photos = photos.into_iter().map(|p| p.id).collect();
    Ok(need)
}

/// Appends a step to `need`'s trail; a public step is mailed to its followers.
async fn event(
    tx: &mut Conn<'_>,
    need: &Need,
    kind: &str,
    (note, related): (Option<&str>, Option<i64>),
    public: bool,
    actor: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let sql = "INSERT INTO need_events (need_id, at, kind, status, note, related, public, actor)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let values = vals![
        need.id,
        at,
        kind,
        need.status.as_str(),
        note,
        related,
        public,
        actor
    ];
    tx.execute(sql, values).await?;
    if public {
        let (zh, en) = need.status.label();
        let subject = format!("需求 #{} {zh} · Need #{} {en}", need.id, need.id);
        let body = format!(
            "您关注的需求 #{id} 现在的状态：{zh}{note_zh}\nThe need #{id} you follow is now: {en}{note_en}\n\n{text}\n",
            id = need.id,
            note_zh = note.map(|n| format!("（{n}）")).unwrap_or_default(),
            note_en = note.map(|n| format!(" ({n})")).unwrap_or_default(),
            text = need.text,
        );
        let sql = "INSERT INTO outbox (recipient, subject, body, created_at)
                   SELECT email, $2, $3, $4 FROM need_followers WHERE need_id = $1";
        tx.execute(sql, vals![need.id, subject, body, at]).await?;
    }
    Ok(())
}

async fn logged(tx: &mut Conn<'_>, need: &Need, change: Change, edit: &Edit) -> StoreResult<()> {
    let note = Logged::write(Collection::Needs, need.id, need.version, change);
    tx.log(note, need.updated_at, &edit.author).await
}

/// Tells needs `ids` of a step of the project that answers them: each gets a public step on its
/// trail (its followers are mailed) and a new version (every replica's index re-reads it).
/// With `answered_by`, each also becomes answered by that project: a merged or declined need
/// cannot be ([`StoreError::Invalid`] naming it). The needs as they are now.
pub(crate) async fn tell_needs(
    tx: &mut Conn<'_>,
    ids: &[i64],
    (kind, note): (&str, Option<&str>),
    answered_by: Option<i64>,
    project: i64,
    edit: &Edit,
    at: DateTime<Utc>,
) -> StoreResult<Vec<Need>> {
    let mut told = Vec::with_capacity(ids.len());
    for &id in ids {
        let before = match row(tx, id, true).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::Invalid(format!("there is no need {id}")));
            }
            other => other?,
        };
        let sql = if answered_by.is_some() {
            if !matches!(before.status, NeedStatus::Received | NeedStatus::Accepted) {
                return Err(StoreError::Invalid(format!(
                    "need {id} is {}: only a received or accepted need can be answered by a project",
                    before.status.as_str()
                )));
            }
            "UPDATE needs SET status = 'answered', project_id = $3, answered_at = COALESCE(answered_at, $2),
                              version = version + 1, updated_at = $2 WHERE id = $1"
        } else {
            "UPDATE needs SET version = version + 1, updated_at = $2 WHERE id = $1 AND $3 > 0"
        };
        tx.execute(sql, vals![id, at, project]).await?;
        let need = row(tx, id, false).await?;
        event(
            tx,
            &need,
            kind,
            (note, Some(project)),
            true,
            &edit.author,
            at,
        )
        .await?;
        logged(tx, &need, Change::Update, edit).await?;
        told.push(need);
    }
    Ok(told)
}

impl Store {
    /// Every need (with its photos' ids), for the in-memory index.
    pub async fn load_needs(&self) -> StoreResult<Vec<Need>> {
        let sql = format!("SELECT {COLUMNS} FROM needs ORDER BY id");
        let mut needs = decode(self.fetch_all(&sql, vec![]).await?, NeedRow::into_need)?;
        let photos: Vec<PhotoIdRow> = self
            .fetch_all("SELECT need_id, id FROM need_photos ORDER BY id", vec![])
            .await?;
        let mut by_id: std::collections::HashMap<i64, &mut Need> =
            needs.iter_mut().map(|n| (n.id, n)).collect();
        for p in photos {
            if let Some(n) = by_id.get_mut(&p.need_id) {
                n.photos.push(p.id);
            }
        }
        Ok(needs)
    }

    /// One need as stored now.
    pub async fn find_need(&self, id: i64) -> StoreResult<Option<Need>> {
        match row(&mut self.read().await?, id, false).await {
            Err(StoreError::NotFound) => Ok(None),
            other => other.map(Some),
        }
    }

    /// The need a receipt code names.
    pub async fn need_by_receipt(&self, receipt: &str) -> StoreResult<Option<i64>> {
        let row: Option<IdRow> = self
            .fetch_optional("SELECT id FROM needs WHERE receipt = $1", vals![receipt])
            .await?;
        Ok(row.map(|r| r.id))
    }

    /// The contact a need's submitter gave (for its moderators only).
    pub async fn need_contact(&self, id: i64) -> StoreResult<Option<String>> {
        let row: Option<TextRow> = self
            .fetch_optional(
                "SELECT contact AS value FROM needs WHERE id = $1",
                vals![id],
            )
            .await?;
        Ok(row.and_then(|r| r.value))
    }

    /// Stores a resident's need with its receipt code; its first step on the trail; its
    /// contact as a follower, if asked and an e-mail address.
    pub async fn submit_need(
        &self,
        new: &NewNeed,
        receipt: &str,
        edit: &Edit,
    ) -> StoreResult<Need> {
        let at = now();
        let rect = bbox(&new.geometry).ok_or(StoreError::Invalid("an empty geometry".into()))?;
        let units: Vec<&str> = new.units.iter().map(UnitCode::as_str).collect();
        let sql = "INSERT INTO needs (version, receipt, category, text, geom, min_x, min_y, max_x, max_y,
                                      units, contact, status, submitted_at, updated_at)
                   VALUES (1, $1, $2, $3, ST_GeomFromWKB($4, 4326), $5, $6, $7, $8, $9, $10, 'received', $11, $11)
                   RETURNING id";
        let values = vec![
            receipt.into(),
            (&new.category).into(),
            (&new.text).into(),
            Value::Geometry(Some(wkb::encode(&new.geometry))),
            rect.min().x.into(),
            rect.min().y.into(),
            rect.max().x.into(),
            rect.max().y.into(),
            units.join(" ").into(),
            (&new.contact).into(),
            at.into(),
        ];
        let mut tx = self.begin().await?;
        let IdRow { id } = tx.fetch_one(sql, values).await?;
        if let Some(email) = new
            .contact
            .as_deref()
            .filter(|c| new.follow && c.contains('@'))
        {
            let sql = "INSERT INTO need_followers (need_id, email, since) VALUES ($1, $2, $3)";
            tx.execute(sql, vals![id, email, at]).await?;
        }
        let need = row(&mut tx, id, false).await?;
        event(
            &mut tx,
            &need,
            "received",
            (None, None),
            true,
            &edit.author,
            at,
        )
        .await?;
        let record = (Collection::Needs.as_str(), id.to_string());
        tx.audit(
            edit,
            "create",
            (record.0, &record.1),
            None,
            Some(audit_json(&need)),
            at,
        )
        .await?;
        logged(&mut tx, &need, Change::Create, edit).await?;
        tx.commit().await?;
        Ok(need)
    }

    /// Counts `supporter`'s support (+1) of need `id`, once.
    pub async fn support_need(
        &self,
        id: i64,
        supporter: &str,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let mut tx = self.begin().await?;
        let before = row(&mut tx, id, true).await?;
        let sql = "INSERT INTO need_supports (need_id, supporter, at) VALUES ($1, $2, $3)
                   ON CONFLICT DO NOTHING";
        if tx.execute(sql, vals![id, supporter, at]).await? == 0 {
            return Ok(Written {
                need: before,
                changed: false,
            });
        }
        let sql = "UPDATE needs SET supports = supports + 1, version = version + 1, updated_at = $2
                   WHERE id = $1";
        tx.execute(sql, vals![id, at]).await?;
        let need = row(&mut tx, id, false).await?;
        logged(&mut tx, &need, Change::Update, edit).await?;
        tx.commit().await?;
        Ok(Written {
            need,
            changed: true,
        })
    }

    /// Records `reporter`'s flag on need `id`, once; the [`FLAGS_TO_HIDE`]th unreviewed flag
    /// hides it until a moderator decides.
    pub async fn flag_need(
        &self,
        id: i64,
        reporter: &str,
        reason: FlagReason,
        edit: &Edit,
    ) -> StoreResult<Written> {
        let at = now();
        let mut tx = self.begin().await?;
        let before = row(&mut tx, id, true).await?;
        let sql = "INSERT INTO need_flags (need_id, reporter, reason, at) VALUES ($1, $2, $3, $4)
                   ON CONFLICT DO NOTHING";
        if tx
            .execute(sql, vals![id, reporter, reason.as_str(), at])
            .await?
            == 0
        {
            return Ok(Written {
                need: before,
                changed: false,
            });
        }
        let hide = !before.hidden && before.flags + 1 >= FLAGS_TO_HIDE;
        let sql =
            "UPDATE needs SET flags = flags + 1, hidden = (hidden OR $2), version = version + 1,
                          updated_at = $3 WHERE id = $1";
        tx.execute(sql, vals![id, hide, at]).await?;
        let need = row(&mut tx, id, false).await?;
        if hide {
            let note = format!("{FLAGS_TO_HIDE} flags");
            event(
                &mut tx,
                &need,
                "hidden",
                (Some(&note), None),
                false,
                "flags",
                at,
            )
            .await?;
            let record = (Collection::Needs.as_str(), id.to_string());
            let (b, a) = (Some(audit_json(&before)), Some(audit_json(&need)));
            tx.audit(edit, "hide", (record.0, &record.1), b, a, at)
                .await?;
        }
        logged(&mut tx, &need, Change::Update, edit).await?;
        tx.commit().await?;
        Ok(Written {
            need,
            changed: true,
        })
    }

    /// A moderator's `decision` on need `id`: the status moves as [`Decision::next`] allows
    /// (else [`StoreError::Invalid`] naming why), the trail and the audit log record it, and its
    /// followers are told of a public step.
    pub async fn decide_need(
        &self,
        id: i64,
        decision: &Decision,
        edit: &Edit,
    ) -> StoreResult<Need> {
        let at = now();
        let mut tx = self.begin().await?;
        let before = row(&mut tx, id, true).await?;
        let status = decision.next(before.status).map_err(StoreError::Invalid)?;
        let (mut hidden, mut reason, mut merged_into) =
            (before.hidden, before.reason.clone(), before.merged_into);
        let mut clear_flags = false;
        match decision {
            Decision::Accept => reason = None,
            Decision::Decline(why) => reason = Some(why.clone()),
            Decision::Merge(into) => {
                if *into == id {
                    return Err(StoreError::Invalid(
                        "a need cannot be merged into itself".into(),
                    ));
                }
                let target = match row(&mut tx, *into, false).await {
                    Err(StoreError::NotFound) => {
                        return Err(StoreError::Invalid(format!(
                            "there is no need {into} to merge into"
                        )));
                    }
                    other => other?,
                };
                if matches!(target.status, NeedStatus::Merged | NeedStatus::Declined) {
                    return Err(StoreError::Invalid(format!(
                        "need {into} is {} itself: merge into the need that carries it on",
                        target.status.as_str()
                    )));
                }
                merged_into = Some(*into);
            }
            Decision::Hide(why) => {
                hidden = true;
                reason = Some(why.clone());
            }
            Decision::Restore => {
                hidden = false;
                clear_flags = true;
            }
        }
        let answered = before.answered_at.or(match decision {
            Decision::Accept | Decision::Decline(_) | Decision::Merge(_) => Some(at),
            _ => None,
        });
        let sql = "UPDATE needs SET status = $2, reason = $3, merged_into = $4, hidden = $5,
                          flags = CASE WHEN $6 THEN 0 ELSE flags END, answered_at = $7,
                          version = version + 1, updated_at = $8
                   WHERE id = $1";
        let values = vals![
            id,
            status.as_str(),
            reason.clone(),
            merged_into,
            hidden,
            clear_flags,
            answered,
            at
        ];
        tx.execute(sql, values).await?;
        if clear_flags {
            let sql = "UPDATE need_flags SET reviewed = TRUE WHERE need_id = $1";
            tx.execute(sql, vals![id]).await?;
        }
        let need = row(&mut tx, id, false).await?;
        let public = !matches!(decision, Decision::Hide(_) | Decision::Restore);
        let note = match decision {
            Decision::Decline(why) | Decision::Hide(why) => Some(why.as_str()),
            _ => None,
        };
        let related = merged_into.filter(|_| matches!(decision, Decision::Merge(_)));
        event(
            &mut tx,
            &need,
            decision.kind(),
            (note, related),
            public,
            &edit.author,
            at,
        )
        .await?;
        let record = (Collection::Needs.as_str(), id.to_string());
        let (b, a) = (Some(audit_json(&before)), Some(audit_json(&need)));
        tx.audit(edit, decision.kind(), (record.0, &record.1), b, a, at)
            .await?;
        logged(&mut tx, &need, Change::Update, edit).await?;
        tx.commit().await?;
        Ok(need)
    }

    /// Need `id`'s trail, oldest first; the public's without moderators' steps.
    pub async fn need_trail(&self, id: i64, public_only: bool) -> StoreResult<Vec<NeedEvent>> {
        let sql = "SELECT at, kind, status, note, related FROM need_events
                   WHERE need_id = $1 AND (public OR NOT $2) ORDER BY id";
        let rows: Vec<EventRow> = self.fetch_all(sql, vals![id, public_only]).await?;
        decode(rows, |r| {
            Ok(NeedEvent {
                at: r.at,
                status: NeedStatus::parse(&r.status)
                    .ok_or_else(|| anyhow::anyhow!("stored status {:?} is unknown", r.status))?,
                kind: r.kind,
                note: r.note,
                related: r.related,
            })
        })
    }

    /// Adds `email` to need `id`'s followers (again: nothing changes).
    pub async fn follow_need(&self, id: i64, email: &str) -> StoreResult<()> {
        let sql = "INSERT INTO need_followers (need_id, email, since) VALUES ($1, $2, $3)
                   ON CONFLICT DO NOTHING";
        let mut tx = self.begin().await?;
        tx.execute(sql, vals![id, email, now()]).await?;
        tx.commit().await
    }

    /// Stores a photo of need `id` (its metadata already stripped).
    pub async fn add_need_photo(
        &self,
        id: i64,
        media_type: &str,
        bytes: Vec<u8>,
        edit: &Edit,
    ) -> StoreResult<(Need, i64)> {
        let at = now();
        let mut tx = self.begin().await?;
        row(&mut tx, id, true).await?;
        let sql = "INSERT INTO need_photos (need_id, media_type, bytes, created_at)
                   VALUES ($1, $2, $3, $4) RETURNING id";
        let IdRow { id: photo } = tx.fetch_one(sql, vals![id, media_type, bytes, at]).await?;
        let sql = "UPDATE needs SET version = version + 1, updated_at = $2 WHERE id = $1";
        tx.execute(sql, vals![id, at]).await?;
        let need = row(&mut tx, id, false).await?;
        logged(&mut tx, &need, Change::Update, edit).await?;
        tx.commit().await?;
        Ok((need, photo))
    }

    /// One photo.
    pub async fn need_photo(&self, photo: i64) -> StoreResult<Option<StoredPhoto>> {
        let sql = "SELECT id, need_id, media_type, bytes FROM need_photos WHERE id = $1";
        self.fetch_optional(sql, vals![photo]).await
    }

    /// E-mails not yet sent, oldest first, that have been tried fewer than `tries` times.
    pub async fn unsent_mail(&self, limit: i64, tries: i64) -> StoreResult<Vec<Mail>> {
        let sql = "SELECT id, recipient, subject, body, attempts FROM outbox
                   WHERE sent_at IS NULL AND attempts < $2 ORDER BY id LIMIT $1";
        self.fetch_all(sql, vals![limit, tries]).await
    }

    /// Claims mail `id` for `for_` (another deliverer leaves it meanwhile); whether it was free.
    pub async fn claim_mail(&self, id: i64, for_: std::time::Duration) -> StoreResult<bool> {
        let at = now();
        let until = at + chrono::Duration::from_std(for_).unwrap_or(chrono::Duration::minutes(2));
        let sql = "UPDATE outbox SET claimed_until = $2
                   WHERE id = $1 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3)";
        let mut tx = self.begin().await?;
        let claimed = tx.execute(sql, vals![id, until, at]).await? == 1;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Marks mail `id` sent, or records a failed try.
    pub async fn mail_tried(&self, id: i64, error: Option<&str>) -> StoreResult<()> {
        let (sql, values) = match error {
            None => (
                "UPDATE outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1",
                vals![id, now()],
            ),
            Some(e) => (
                "UPDATE outbox SET last_error = $2, attempts = attempts + 1 WHERE id = $1",
                vals![id, e],
            ),
        };
        let mut tx = self.begin().await?;
        tx.execute(sql, values).await?;
        tx.commit().await
    }
}
