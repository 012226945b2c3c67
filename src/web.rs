//! The public map page and what it loads, all from this server (no CDN, no glyph server):
//! `/` (the page), `/app/*` (its script and styles), `/vendor/maplibre-gl/*` (maplibre-gl from
//! npm), `/fonts/noto-sans-sc/*` (the CJK font's npm package: `400.css` for the page, woff2
//! subsets by unicode-range in `files/`, fetched only as characters need them) and `/style.json`
//! (the MapLibre style in `style/`, with absolute URLs and its `font-faces`).

use std::path::Path;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::links::BaseUrl;
use crate::state::AppState;

/// The style, kept in `style/style.json`.
pub const STYLE: &str = include_str!("../style/style.json");

/// The element types' colours and names, as the style's legend holds them:
/// `(id, "#rrggbb", zh, en)`.
pub fn element_type_colours() -> Vec<(String, String, String, String)> {
    let style: Value = serde_json::from_str(STYLE).unwrap_or(Value::Null);
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    style["metadata"]["lantu:element_types"]
        .as_array()
        .map(|types| {
            types
                .iter()
                .map(|t| {
                    (
                        text(t, "id"),
                        text(t, "colour"),
                        text(t, "zh"),
                        text(t, "en"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The font name the style's labels use.
pub const FONT: &str = "Noto Sans SC Regular";

/// Where npm puts the font's subsets and their stylesheet.
const FONT_PACKAGE: &str = "node_modules/@fontsource/noto-sans-sc";

/// The page routes.
pub fn router(state: &AppState) -> Router<AppState> {
    let web = &state.settings.web_dir;
    let modules = web.join("node_modules");
    let cache_day = SetResponseHeaderLayer::overriding(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    let assets = Router::new()
        .nest_service(
            "/vendor/maplibre-gl",
            ServeDir::new(modules.join("maplibre-gl/dist")),
        )
        .nest_service("/fonts/noto-sans-sc", ServeDir::new(web.join(FONT_PACKAGE)))
        // The site editor's drawing library, for planners' browsers only.
        .nest_service(
            "/vendor/terra-draw",
            ServeDir::new(modules.join("terra-draw/dist")),
        )
        .route(
            "/vendor/terra-draw-maplibre-gl-adapter.js",
            get(draw_adapter(&modules)),
        )
        .layer(cache_day);
    let page = Router::new()
        .route_service("/", ServeFile::new(web.join("public/index.html")))
        .route_service("/login", ServeFile::new(web.join("public/login.html")))
        .route_service(
            "/dashboard",
            ServeFile::new(web.join("public/dashboard.html")),
        )
        // The sub-district planners' moderation queue.
        .route_service(
            "/moderation",
            ServeFile::new(web.join("public/moderation.html")),
        )
        // A project's public page.
        .route_service(
            "/projects/{projectId}",
            ServeFile::new(web.join("public/project.html")),
        )
        // A sub-district's community blueprint as a printable poster (?unit=CODE).
        .route_service("/poster", ServeFile::new(web.join("public/poster.html")))
        // The residents' page: submit a need, and follow one by its receipt code.
        .route_service("/needs", ServeFile::new(web.join("public/needs.html")))
        .route_service(
            "/needs/track/{receipt}",
            ServeFile::new(web.join("public/needs.html")),
        )
        // Planners log their service; evaluators and planners read the evaluations.
        .route_service("/service", ServeFile::new(web.join("public/service.html")))
        .route_service(
            "/evaluations",
            ServeFile::new(web.join("public/evaluations.html")),
        )
        .route_service(
            "/evaluations/{evaluationId}",
            ServeFile::new(web.join("public/evaluation.html")),
        )
        .nest_service("/app", ServeDir::new(web.join("public")))
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    if !modules.join("maplibre-gl/dist/maplibre-gl.mjs").is_file() {
        tracing::warn!(
            "{} has no maplibre-gl: the map page will not load. Run `npm ci` in {} (make run does)",
            modules.display(),
            web.display()
        );
    }
    Router::new()
        .route("/style.json", get(style))
        .merge(assets)
        .merge(page)
        .layer(CompressionLayer::new())
}

/// terra-draw's maplibre adapter, with its bare `import … from "terra-draw"` pointed at the
/// module this server serves: browsers resolve bare specifiers only through an import map,
/// which the pages' Content-Security-Policy (no inline scripts) does not allow.
fn draw_adapter(modules: &Path) -> impl Fn() -> std::future::Ready<Response> + Clone + use<> {
    let file = modules
        .join("terra-draw-maplibre-gl-adapter/dist/terra-draw-maplibre-gl-adapter.module.js");
    let source = match std::fs::read_to_string(&file) {
        Ok(text) => Some(text.replace(
            "from\"terra-draw\"",
            "from\"/vendor/terra-draw/terra-draw.module.js\"",
        )),
        Err(e) => {
            tracing::warn!(
                "cannot read {} ({e}): planners cannot draw. Run `npm ci` in web/ (make run does)",
                file.display()
            );
            None
        }
    };
    let source: std::sync::Arc<Option<String>> = std::sync::Arc::new(source);
    move || {
        let response = match source.as_ref() {
            Some(text) => (
                [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
                text.clone(),
            )
                .into_response(),
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        };
        std::future::ready(response)
    }
}

/// `(file name, unicode ranges)` of each woff2 subset of the font, read once from its npm
/// package's stylesheet.
fn font_subsets(web: &Path) -> &'static [(String, Vec<String>)] {
    static SUBSETS: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    SUBSETS.get_or_init(|| {
        let css = web.join(FONT_PACKAGE).join("400.css");
        match std::fs::read_to_string(&css) {
            Ok(text) => parse_font_css(&text),
            Err(e) => {
                tracing::warn!("cannot read {} ({e}): labels fall back to the system font. Run `npm ci` in web/", css.display());
                Vec::new()
            }
        }
    })
}

/// Reads `@font-face` rules: the woff2 file of each and its `unicode-range`.
fn parse_font_css(css: &str) -> Vec<(String, Vec<String>)> {
    css.split("@font-face")
        .skip(1)
        .filter_map(|rule| {
            let file = rule.split("url(./files/").nth(1)?.split(')').next()?;
            let ranges = rule.split("unicode-range:").nth(1)?.split(';').next()?;
            file.ends_with(".woff2").then(|| {
                (
                    file.to_string(),
                    ranges.split(',').map(|r| r.trim().to_string()).collect(),
                )
            })
        })
        .collect()
}

async fn style(State(state): State<AppState>, base: BaseUrl) -> Response {
    let mut style: Value = serde_json::from_str(STYLE).unwrap_or(Value::Null);
    style["sources"]["blueprint"]["url"] = json!(base.at("/tiles/blueprint.json"));
    let faces: Vec<Value> = font_subsets(&state.settings.web_dir)
        .iter()
        .map(|(file, ranges)| json!({"url": base.at(&format!("/fonts/noto-sans-sc/files/{file}")), "unicode-range": ranges}))
        .collect();
    style["font-faces"] = json!({ FONT: faces });
    let mut response = axum::Json(style).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::ElementType;

    #[test]
    fn font_face_rules_give_each_woff2_file_its_ranges() {
        let css = "/* x */\n@font-face {\n  src: url(./files/a-4-400-normal.woff2) format('woff2'), url(./files/a-4-400-normal.woff) format('woff');\n  unicode-range: U+1f1e9-1f1f5,U+4e00;\n}\n";
        assert_eq!(
            parse_font_css(css),
            vec![(
                "a-4-400-normal.woff2".to_string(),
                vec!["U+1f1e9-1f1f5".to_string(), "U+4e00".to_string()]
            )]
        );
    }

    /// The legend (the style's metadata) and the layers' colours come from one table; this
    /// keeps them, and the element types, in step.
    #[test]
    fn the_style_colours_every_element_type_as_its_legend_says() {
        let style: Value = serde_json::from_str(STYLE).unwrap();
        let legend = style["metadata"]["lantu:element_types"].as_array().unwrap();
        let names: Vec<&str> = legend.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(names, ElementType::ALL.map(ElementType::as_str));
        let coloured: Vec<(&Value, &Value)> = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["source-layer"] == "sites")
            .filter_map(|l| {
                ["fill-color", "line-color", "circle-color"]
                    .iter()
                    .find_map(|k| l["paint"].get(*k))
                    .map(|c| (l, c))
            })
            .collect();
        assert_eq!(coloured.len(), 4, "fill, outline, line and point layers");
        for (layer, colour) in coloured {
            let pairs = colour.as_array().unwrap();
            assert_eq!(pairs[0], "match", "{}", layer["id"]);
            for entry in legend {
                let i = pairs
                    .iter()
                    .position(|v| *v == entry["id"])
                    .unwrap_or_else(|| panic!("{} lacks {}", layer["id"], entry["id"]));
                assert_eq!(
                    pairs[i + 1],
                    entry["colour"],
                    "{} colours {} differently",
                    layer["id"],
                    entry["id"]
                );
            }
        }
        assert!(
            style.get("glyphs").is_none(),
            "no glyph server: labels use the served font"
        );
    }
}
