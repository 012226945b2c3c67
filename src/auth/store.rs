//! Where token hashes live, one SQL text for both backends.

use chrono::{DateTime, Utc};

use super::{Principal, Role, TokenInfo};
use crate::store::rows::{TokenInfoRow, decode, now, principal};
use crate::store::{Store, StoreResult, vals};

impl Store {
    /// Stores the hash of a new token, valid until `expires_at` (or until revoked).
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let sql = "INSERT INTO tokens (name, role, token_hash, created_at, expires_at)
                   VALUES ($1, $2, $3, $4, $5)";
        let values = vals![name, role.as_str(), token_hash, now(), expires_at];
        let mut tx = self.begin().await?;
        tx.execute(sql, values).await?;
        tx.commit().await
    }

    /// The holder of the unrevoked, unexpired token with this hash.
    pub async fn find_token(&self, token_hash: &str) -> StoreResult<Option<Principal>> {
        let sql = "SELECT name, role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL
                   AND (expires_at IS NULL OR expires_at > $2)";
        Ok(principal(
            self.fetch_optional(sql, vals![token_hash, now()]).await?,
        )?)
    }

    /// Revokes every live token of `name`; how many were revoked.
    pub async fn revoke_tokens(&self, name: &str) -> StoreResult<u64> {
        let sql = "UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL";
        let mut tx = self.begin().await?;
        let revoked = tx.execute(sql, vals![now(), name]).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Every token, oldest first.
    pub async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let sql = "SELECT name, role, created_at, expires_at, revoked_at FROM tokens ORDER BY id";
        decode(self.fetch_all(sql, vec![]).await?, TokenInfoRow::into_info)
    }
}
