//! Absolute links (OGC API Features wants them resolvable by any client, QGIS included).

use axum::extract::FromRequestParts;
use axum::http::header::HOST;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::state::AppState;

/// The base URL the client reached us at, without a trailing slash.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(url) = &state.settings.public_url {
            return Ok(Self(url.trim_end_matches('/').to_string()));
        }
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        // Without a configured public URL the links echo the Host header: only a well-formed
        // host name or address (with an optional port) is echoed, so a forged header cannot
        // put markup or another scheme into the links.
        if !valid_host(host) {
            return Err(AppError::bad_request(
                "Invalid Host header",
                "Host",
                "the Host header must be a host name or address with an optional port; an operator can set --public-url",
            ));
        }
        let scheme = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        Ok(Self(format!("{scheme}://{host}")))
    }
}

/// `name[:port]` or `[v6]:port`, with letters, digits, dots, hyphens (RFC 3986 §3.2.2, loosely).
fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(':') && !p.contains(']') => (n, Some(p)),
        _ => (host, None),
    };
    let name_ok = if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        !v6.is_empty()
            && v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !name.is_empty()
            && name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    name_ok && port_ok
}

impl BaseUrl {
    /// `base + path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::valid_host;

    #[test]
    fn only_well_formed_hosts_are_echoed_in_links() {
        for good in [
            "lantu.test",
            "127.0.0.1:8080",
            "[::1]:8080",
            "gis.putuo.gov.cn",
        ] {
            assert!(valid_host(good), "{good}");
        }
        for bad in [
            "evil.com/x",
            "a b",
            "<script>",
            "host:port",
            "",
            "x.com:99999999",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }
}
