//! Where token hashes live, one SQL text for both backends.

use chrono::{DateTime, Utc};

use super::{Principal, Role, TokenInfo};
use crate::store::rows::{TokenInfoRow, now, principal};
use crate::store::{Store, StoreResult, fetch, in_tx, on_pool};

impl Store {
    /// Stores the hash of a new token, valid until `expires_at` (or until revoked).
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        in_tx!(self, |tx, _d| {
            sqlx::query(
                "INSERT INTO tokens (name, role, token_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(name)
            .bind(role.as_str())
            .bind(token_hash)
            .bind(now())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The holder of the unrevoked, unexpired token with this hash.
    pub async fn find_token(&self, token_hash: &str) -> StoreResult<Option<Principal>> {
        let row: Option<(String, String)> = on_pool!(self, |pool, _d| {
            sqlx::query_as(
                "SELECT name, role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(token_hash)
            .bind(now())
            .fetch_optional(pool)
            .await?
        });
        Ok(principal(row)?)
    }

    /// Revokes every live token of `name`; how many were revoked.
    pub async fn revoke_tokens(&self, name: &str) -> StoreResult<u64> {
        let done = in_tx!(self, |tx, _d| {
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// Every token, oldest first.
    pub async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let sql = "SELECT name, role, created_at, expires_at, revoked_at FROM tokens ORDER BY id";
        fetch!(self, all, TokenInfoRow::into_info, sql)
    }
}
