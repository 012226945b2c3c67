//! Tables as CSV (RFC 4180), UTF-8 with a byte-order mark so that spreadsheet programs read the
//! Chinese right.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One field, quoted when it must be.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `rows` under `header` as a CSV download named `name`.
pub fn download(name: &str, header_row: &[&str], rows: &[Vec<String>]) -> Response {
    let mut csv = String::from("\u{feff}");
    let line = |fields: Vec<String>| fields.join(",") + "\r\n";
    csv.push_str(&line(header_row.iter().map(|h| field(h)).collect()));
    for r in rows {
        csv.push_str(&line(r.iter().map(|f| field(f)).collect()));
    }
    attachment(name, "text/csv; charset=utf-8", csv.into_bytes())
}

/// `bytes` as a download of type `media_type` named `name`.
pub fn attachment(name: &str, media_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_or_quotes_are_quoted_and_chinese_is_left_alone() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("长寿路"), "长寿路");
    }
}
