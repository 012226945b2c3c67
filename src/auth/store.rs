//! Where token hashes live, one SQL text for both backends. Creating and revoking a token is
//! audited and logged (collection `accounts`), so every replica's access cache forgets it.

use chrono::{DateTime, Utc};

use super::{Role, TokenInfo};
use crate::store::changes::Collection;
use crate::store::rows::{TokenInfoRow, decode, now};
use crate::store::{Store, StoreResult, vals};
use crate::version::{Change, Edit};

impl Store {
    /// Stores the hash of a new token for `user` (or a service token, `None`), valid until
    /// `expires_at` (or until revoked).
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        expires_at: Option<DateTime<Utc>>,
        user: Option<i64>,
    ) -> StoreResult<()> {
        let at = now();
        let sql = "INSERT INTO tokens (name, role, token_hash, created_at, expires_at, user_id)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let values = vals![name, role.as_str(), token_hash, at, expires_at, user];
        let edit = Edit::by("cli:token");
        let key = format!("token:{name}");
        let after = serde_json::json!({"name": name, "role": role.as_str(), "user": user, "expires_at": expires_at});
        let mut tx = self.begin().await?;
        tx.execute(sql, values).await?;
        tx.account_changed(&edit, Change::Create, &key, (None, Some(after)), at)
            .await?;
        tx.commit().await
    }

    /// The unrevoked, unexpired token with this hash: its name, role and user.
    pub async fn find_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(String, Role, Option<i64>)>> {
        let sql = "SELECT name, role, user_id FROM tokens WHERE token_hash = $1
                   AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)";
        let row: Option<(String, String, Option<i64>)> =
            self.fetch_optional(sql, vals![token_hash, now()]).await?;
        row.map(|(name, role, user)| {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("stored role {role:?} is unknown"))?;
            Ok((name, role, user))
        })
        .transpose()
    }

    /// Revokes every live token named `name`; how many were revoked.
    pub async fn revoke_tokens(&self, name: &str) -> StoreResult<u64> {
        let at = now();
        let sql = "UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL";
        let edit = Edit::by("cli:token");
        let key = format!("token:{name}");
        let mut tx = self.begin().await?;
        let revoked = tx.execute(sql, vals![at, name]).await?;
        if revoked > 0 {
            let after = serde_json::json!({"name": name, "revoked": revoked});
            tx.account_changed(&edit, Change::Delete, &key, (None, Some(after)), at)
                .await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    /// Every token, oldest first.
    pub async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let sql = "SELECT t.name, t.role, t.created_at, t.expires_at, t.revoked_at, u.login
                   FROM tokens t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.id";
        decode(self.fetch_all(sql, vec![]).await?, TokenInfoRow::into_info)
    }

    /// Opens a browser session for `login` (user `user`): a token row named `session:LOGIN`,
    /// audited as a `login`.
    pub async fn create_session(
        &self,
        user: i64,
        login: &str,
        role: Role,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        edit: &Edit,
    ) -> StoreResult<()> {
        let at = now();
        let name = format!("session:{login}");
        let sql = "INSERT INTO tokens (name, role, token_hash, created_at, expires_at, user_id)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let mut tx = self.begin().await?;
        tx.execute(
            sql,
            vals![&name, role.as_str(), token_hash, at, expires_at, user],
        )
        .await?;
        let after = serde_json::json!({"session": name, "expires_at": expires_at});
        let record = (Collection::Accounts.as_str(), name.as_str());
        tx.audit(edit, "login", record, None, Some(after), at)
            .await?;
        tx.commit().await
    }

    /// Ends the session whose token has this hash (a logout); whether one was open.
    pub async fn end_session(&self, token_hash: &str, edit: &Edit) -> StoreResult<bool> {
        let at = now();
        let sql = "UPDATE tokens SET revoked_at = $1
                   WHERE token_hash = $2 AND revoked_at IS NULL AND name LIKE 'session:%'";
        let mut tx = self.begin().await?;
        let ended = tx.execute(sql, vals![at, token_hash]).await? > 0;
        if ended {
            let key = format!("session:{}", edit.author);
            tx.account_changed_as(edit, "logout", Change::Delete, &key, (None, None), at)
                .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// Ends every session of `login` but the one whose token has hash `keep`; how many.
    pub async fn end_other_sessions(
        &self,
        login: &str,
        keep: Option<&str>,
        edit: &Edit,
    ) -> StoreResult<u64> {
        let at = now();
        let name = format!("session:{login}");
        let sql = "UPDATE tokens SET revoked_at = $1
                   WHERE name = $2 AND revoked_at IS NULL AND token_hash <> $3";
        let mut tx = self.begin().await?;
        let ended = tx
            .execute(sql, vals![at, &name, keep.unwrap_or("")])
            .await?;
        if ended > 0 {
            let after = serde_json::json!({"sessions_ended": ended});
            tx.account_changed_as(
                edit,
                "logout",
                Change::Delete,
                &name,
                (None, Some(after)),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}
