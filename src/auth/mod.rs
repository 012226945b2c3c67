//! Who is asking: a user (signed in with a password over HTTP Basic, or holding one of their
//! tokens) or a service token. Reads of published data are public; what else a caller may do
//! is [`crate::policy`]'s to decide. Only a token's SHA-256 is stored: the token itself is
//! printed once, by `lantu token create`.

pub mod access;
pub mod extract;
pub mod session;
mod store;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use access::Access;
pub use extract::{Editor, FacilityEditor, Viewer};

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
}

/// A caller with valid credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The author id recorded on edits: the user's login name, or a service token's name.
    pub author: String,
    /// The user, for a person (`None` for a service token).
    pub user: Option<i64>,
    /// The roles: a user's, or a service token's one.
    pub roles: Vec<Role>,
    /// The user's appointments, in force or not (the policy reads the dates).
    pub mandates: Arc<[crate::planners::Appointment]>,
}

impl Principal {
    /// A service token's holder.
    pub fn service(name: String, role: Role) -> Self {
        Self {
            author: name,
            user: None,
            roles: vec![role],
            mandates: Arc::from([]),
        }
    }
}

/// A token as `lantu token list` shows it (never the token itself, nor its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its name (a service's, or `USER-…` for a user's token).
    pub name: String,
    /// The user it acts for, if any.
    pub user: Option<String>,
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
