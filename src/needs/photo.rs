//! Residents' photos, stripped of their metadata before anything is stored: EXIF (the place
//! it was taken, the camera, the time), XMP, IPTC and comments go; the image and its colour
//! profile stay. JPEG (ITU T.81 markers) and PNG (RFC 2083 chunks) only; anything else is
//! refused. Orientation goes with EXIF, as it does where messaging apps strip metadata.

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// Photos one need may carry.
pub const MAX_PHOTOS: usize = 3;

/// The `Content-Type` of a request, lower case (empty without one).
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a photo's body (a need's, a project's, a meeting's image): JPEG or PNG as its
/// `Content-Type` says (else 415), at most [`MAX_PHOTO_BYTES`] (413), its metadata stripped on
/// the ingest pool. The clean bytes and their media type.
pub async fn read(
    state: &crate::state::AppState,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> crate::error::AppResult<(Vec<u8>, &'static str)> {
    use crate::error::AppError;
    let declared = media_type(headers);
    if !["image/jpeg", "image/png"].contains(&declared.as_str()) {
        return Err(AppError::UnsupportedMediaType(format!(
            "send the photo as image/jpeg or image/png (got {})",
            if declared.is_empty() {
                "no Content-Type"
            } else {
                &declared
            }
        )));
    }
    let limit = MAX_PHOTO_BYTES.min(state.settings.body_limit.max(64 * 1024));
    let bytes =
        crate::http::body::raw_bytes(headers, body, limit, state.settings.body_timeout).await?;
    let (clean, kind) = crate::work::on_pool(&state.work.ingest, state, move |_| {
        strip(&bytes).map_err(|e| AppError::UnsupportedMediaType(e.0))
    })
    .await?;
    if kind != declared {
        return Err(AppError::UnsupportedMediaType(format!(
            "the body is {kind}, not the {declared} its Content-Type says"
        )));
    }
    Ok((clean, kind))
}

/// Why a photo was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct NotAnImage(pub String);

/// `bytes` without metadata, and its media type.
pub fn strip(bytes: &[u8]) -> Result<(Vec<u8>, &'static str), NotAnImage> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        Ok((strip_jpeg(bytes)?, "image/jpeg"))
    } else if bytes.starts_with(PNG) {
        Ok((strip_png(bytes)?, "image/png"))
    } else {
        Err(NotAnImage("a photo must be a JPEG or PNG image".into()))
    }
}

fn cut(what: &str) -> NotAnImage {
    NotAnImage(format!("the image is cut short or damaged ({what})"))
}

/// JPEG: keep APP0 (JFIF), APP2 `ICC_PROFILE`, APP14 (Adobe colour) and every coding segment;
/// drop every other APPn and COM; stop at EOI (what follows it, such as a second embedded
/// image with its own EXIF, goes too).
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, NotAnImage> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let (mut frame, mut scan) = (false, false);
    loop {
        // A marker: 0xFF (fill bytes allowed), then its code.
        if bytes.get(i) != Some(&0xFF) {
            return Err(cut("a marker was expected"));
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let code = *bytes.get(i).ok_or_else(|| cut("the end came before EOI"))?;
        i += 1;
        if code == 0xD9 {
            if !(frame && scan) {
                return Err(cut("no image data"));
            }
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Ok(out);
        }
        let len = match bytes.get(i..i + 2) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(cut("a segment's length")),
        };
        let segment = bytes
            .get(i - 2..i + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| cut("a segment longer than the file"))?;
        let body = &segment[4..];
        let keep = match code {
            0xE0 => true,
            0xE2 => body.starts_with(b"ICC_PROFILE\0"),
            0xEE => body.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.push(0xFF);
            out.extend_from_slice(&segment[1..]);
        }
        i += len;
        frame |= matches!(code, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if code == 0xDA {
            scan = true;
            // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a
            // restart marker.
            let start = i;
            while i + 1 < bytes.len() {
                if bytes[i] == 0xFF
                    && bytes[i + 1] != 0x00
                    && !(0xD0..=0xD7).contains(&bytes[i + 1])
                {
                    break;
                }
                i += 1;
            }
            if i + 1 >= bytes.len() {
                return Err(cut("the image data has no end"));
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// PNG: keep the critical chunks and those that say how to show the pixels; drop text,
/// time and EXIF chunks and anything unknown; stop at IEND.
fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, NotAnImage> {
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"bKGD", b"pHYs",
    ];
    let mut out = PNG.to_vec();
    let mut i = PNG.len();
    let mut first = true;
    loop {
        let head = bytes.get(i..i + 8).ok_or_else(|| cut("a chunk's header"))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        let chunk = bytes
            .get(i..i + 12 + len)
            .ok_or_else(|| cut("a chunk longer than the file"))?;
        if first && &kind != b"IHDR" {
            return Err(cut("IHDR is not first"));
        }
        first = false;
        if KEEP.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        i += 12 + len;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = include_bytes!("../../fixtures/photos/street_corner_with_gps.jpg");
    const PNG_FILE: &[u8] = include_bytes!("../../fixtures/photos/street_corner_with_text.png");

    fn has(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_exif_xmp_and_comment_and_keeps_its_image() {
        assert!(has(JPEG, b"Exif") && has(JPEG, b"GPSLatitude") && has(JPEG, b"Zhang San"));
        let (clean, media_type) = strip(JPEG).unwrap();
        assert_eq!(media_type, "image/jpeg");
        for secret in [
            &b"Exif"[..],
            b"Canon",
            b"GPSLatitude",
            b"Zhang San",
            b"xmpmeta",
        ] {
            assert!(!has(&clean, secret), "{}", String::from_utf8_lossy(secret));
        }
        assert!(has(&clean, b"JFIF"), "APP0 stays");
        assert!(clean.len() < JPEG.len() && clean.ends_with(&[0xFF, 0xD9]));
        assert_eq!(
            strip(&clean).unwrap().0,
            clean,
            "a clean image is left as it is"
        );
    }

    #[test]
    fn what_follows_the_end_of_a_jpeg_goes_too() {
        let mut with_trailer = JPEG.to_vec();
        with_trailer.extend_from_slice(b"\xFF\xD8\xFF\xE1 trailing Exif GPS");
        let (clean, _) = strip(&with_trailer).unwrap();
        assert_eq!(clean, strip(JPEG).unwrap().0);
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        assert!(has(PNG_FILE, b"Zhang San") && has(PNG_FILE, b"eXIf"));
        let (clean, media_type) = strip(PNG_FILE).unwrap();
        assert_eq!(media_type, "image/png");
        assert!(!has(&clean, b"Zhang San") && !has(&clean, b"eXIf") && !has(&clean, b"Canon"));
        for kept in [b"IHDR", b"IDAT", b"IEND"] {
            assert!(has(&clean, kept));
        }
    }

    #[test]
    fn anything_but_a_whole_jpeg_or_png_is_refused() {
        assert!(strip(b"GIF89a").is_err());
        assert!(strip(&JPEG[..JPEG.len() / 2]).is_err());
        assert!(strip(&PNG_FILE[..PNG_FILE.len() - 20]).is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    }
}
