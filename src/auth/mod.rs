//! Bearer tokens and roles. Reads of published data are public; every write needs a token;
//! drafts are visible only with one. Only a token's SHA-256 is stored: the token itself is
//! printed once, by `lantu token create`.

pub mod extract;
mod store;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use extract::{Editor, Viewer};

/// What a token holder may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including other people's sites.
    Admin,
    /// Community planner 社区规划师: draws and edits sites.
    Planner,
    /// Bureau analyst: reads everything, drafts included; edits nothing.
    Analyst,
}

impl Role {
    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Planner => "planner",
            Self::Analyst => "analyst",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "planner" => Some(Self::Planner),
            "analyst" => Some(Self::Analyst),
            _ => None,
        }
    }

    /// Whether this role may create, change or delete sites.
    pub fn can_edit_sites(self) -> bool {
        matches!(self, Self::Admin | Self::Planner)
    }
}

/// The holder of a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The name given at `lantu token create`; recorded as the author of edits.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// A token as `lantu token list` shows it (never the token itself, nor its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Who holds it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new random token (`lantu_` and 64 hex digits) and its hash.
pub fn generate_token() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let token = format!("lantu_{}", hex(&bytes));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// SHA-256 of a token, hex-encoded: what the store keeps.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_hashes_to_its_stored_hash_and_no_two_are_alike() {
        let (token, hash) = generate_token().unwrap();
        assert_eq!(hash_token(&token), hash);
        assert_eq!(token.len(), "lantu_".len() + 64);
        assert_ne!(generate_token().unwrap().0, token);
    }
}
