//! Receipt codes (回执码): what a resident keeps to follow their need without an account.
//! Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 49 bits: too
//! many to guess at any rate the submission throttle allows. Written `K7QWM-3XP9T`; read in
//! any case, with or without the hyphen.

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH: usize = 10;

/// A fresh code.
pub fn generate() -> anyhow::Result<String> {
    let mut bytes = [0u8; LENGTH];
    let mut out = String::with_capacity(LENGTH + 1);
    let mut i = 0;
    // Rejection sampling keeps every character equally likely.
    while i < LENGTH {
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("randomness: {e}"))?;
        for b in bytes {
            if i == LENGTH {
                break;
            }
            if usize::from(b) < 256 / ALPHABET.len() * ALPHABET.len() {
                if i == LENGTH / 2 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `text` as a code in its written form, if it is one.
pub fn normalise(text: &str) -> Option<String> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != LENGTH
        || !chars
            .iter()
            .all(|c| c.is_ascii() && ALPHABET.contains(&(*c as u8)))
    {
        return None;
    }
    let mut out: String = chars[..LENGTH / 2].iter().collect();
    out.push('-');
    out.extend(&chars[LENGTH / 2..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_in_any_case_and_look_alikes_are_not_codes() {
        let code = generate().unwrap();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalise(&code.to_lowercase().replace('-', "")),
            Some(code.clone())
        );
        assert_ne!(generate().unwrap(), code);
        assert_eq!(normalise("O1ILO-23456"), None);
        assert_eq!(normalise("ABC"), None);
    }
}
