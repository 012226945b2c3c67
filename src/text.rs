//! Clean text: what a name, a description or a message may hold before it is stored and shown
//! on the public map.
//!
//! Refused: NUL (PostgreSQL cannot store it in `text`), other control characters (only tab and
//! line breaks in multi-line text), the explicit bidirectional embeddings, overrides and
//! isolates U+202A–U+202E and U+2066–U+2069 (they reorder what follows them, the "Trojan
//! Source" trick, CVE-2021-42574), line and paragraph separators in one-line text, and text
//! with no visible character at all (a name of zero-width spaces). Accepted text is stored in
//! Unicode Normalization Form C, so 'é' typed two ways is one name (UAX #15).

use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

/// How a text field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A name or a title: one line.
    One,
    /// A description or a message: tabs and line breaks allowed.
    Many,
}

/// Characters that take no space and show nothing: they do not make a name visible.
pub fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}'
            | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}')
}

fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The reason `c` may not appear in a field written as `lines`.
fn refusal(c: char, lines: Lines) -> Option<&'static str> {
    match c {
        '\0' => Some("a NUL character"),
        '\t' | '\n' | '\r' if lines == Lines::Many => None,
        '\u{2028}' | '\u{2029}' if lines == Lines::Many => None,
        '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some("a tab or line break"),
        c if c.is_control() => Some("a control character"),
        c if bidi_control(c) => Some("a bidirectional override or isolate"),
        _ => None,
    }
}

/// `text` checked and normalised, or a 422 naming `pointer`, the character and its position.
/// `max_chars` counts characters after normalisation.
pub fn clean(
    text: &str,
    pointer: &str,
    lines: Lines,
    max_chars: usize,
) -> Result<String, AppError> {
    if let Some((i, c, why)) = text
        .chars()
        .enumerate()
        .find_map(|(i, c)| refusal(c, lines).map(|why| (i, c, why)))
    {
        return Err(AppError::unprocessable(
            "Invalid text",
            pointer,
            format!(
                "character {} is {why} (U+{:04X}); remove it",
                i + 1,
                u32::from(c)
            ),
        ));
    }
    let normal: String = text.nfc().collect();
    if normal.chars().count() > max_chars {
        return Err(AppError::unprocessable(
            "Invalid property",
            pointer,
            format!("at most {max_chars} characters are allowed"),
        ));
    }
    Ok(normal)
}

/// A name: one clean line with at least one visible character, trimmed.
pub fn name(text: &str, pointer: &str, max_chars: usize) -> Result<String, AppError> {
    let cleaned = clean(text.trim(), pointer, Lines::One, max_chars)?;
    if cleaned.chars().all(invisible) {
        return Err(AppError::unprocessable(
            "Missing property",
            pointer,
            "a name needs at least one visible character",
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointer_and_detail(e: AppError) -> (String, String) {
        let p = e.problem();
        (
            p["pointer"].as_str().unwrap().to_string(),
            p["detail"].as_str().unwrap().to_string(),
        )
    }

    #[test]
    fn a_nul_in_a_name_is_refused_at_its_field_and_position() {
        let (pointer, detail) =
            pointer_and_detail(name("口袋\0花园", "/properties/name", 200).unwrap_err());
        assert_eq!(pointer, "/properties/name");
        assert!(detail.contains("character 3 is a NUL"), "{detail}");
    }

    #[test]
    fn a_right_to_left_override_is_refused() {
        let err = clean("abc\u{202E}def", "/m", Lines::Many, 100).unwrap_err();
        assert!(pointer_and_detail(err).1.contains("U+202E"));
    }

    #[test]
    fn a_name_of_zero_width_spaces_has_nothing_visible() {
        assert!(name("\u{200B}\u{200B}\u{FEFF}", "/n", 200).is_err());
        assert!(name(" 街角 ", "/n", 200).unwrap() == "街角");
    }

    #[test]
    fn a_description_keeps_line_breaks_but_a_name_may_not() {
        assert!(clean("第一行\n第二行\t", "/d", Lines::Many, 100).is_ok());
        assert!(name("第一行\n第二行", "/n", 100).is_err());
        assert!(clean("bell\u{7}", "/d", Lines::Many, 100).is_err());
    }

    #[test]
    fn text_is_stored_in_normal_form_c() {
        let decomposed = "Cafe\u{301}";
        assert_eq!(
            clean(decomposed, "/d", Lines::One, 100).unwrap(),
            "Caf\u{e9}"
        );
    }
}
