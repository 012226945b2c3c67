//! Passwords: argon2id (RFC 9106's second recommended option: 19 MiB, 2 passes, 1 lane, as
//! OWASP advises), stored as a PHC string; a verification never says which part was wrong.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let phc = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2id: {e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string (false for an unreadable one).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Why a new password is refused, if it is.
pub fn weakness(password: &str) -> Option<String> {
    if password.starts_with("lantu_") {
        // Over HTTP Basic a password so spelled is taken for a token.
        return Some("a password may not begin with lantu_ (tokens do)".into());
    }
    (password.chars().count() < MIN_LENGTH)
        .then(|| format!("a password needs at least {MIN_LENGTH} characters"))
}

/// A random one-time password (the demo's, and an admin's reset): 16 letters and digits.
pub fn generate() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_argon2id_hash_and_nothing_else_does() {
        let phc = hash("长寿路 correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("长寿路 correct horse", &phc));
        assert!(!verify("长寿路 correct hors", &phc));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(hash("长寿路 correct horse").unwrap(), phc, "salted");
    }
}
