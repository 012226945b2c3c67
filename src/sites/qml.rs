//! The blueprint's site colours for QGIS: a QML style per per-type sites collection, which
//! QGIS 3.22 reads (it reads neither MapLibre `match` expressions nor `font-faces`).
//! Categorised by element type with the style's colours (polygons filled at the map's
//! published opacity), labelled with the site's name in a CJK font Debian packages
//! (`fonts-noto-cjk`). `GET /api/collections/{sites_points|sites_lines|sites_polygons}/style.qml`.

use axum::Extension;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::query::Shape;
use super::routes::SiteView;
use crate::error::{AppError, AppResult};

/// The label font: Noto Sans CJK SC (Debian's fonts-noto-cjk), the family the map's web font
/// (Noto Sans SC) belongs to.
pub const LABEL_FONT: &str = "Noto Sans CJK SC";

/// `#rrggbb` as QGIS's `r,g,b,a`.
fn rgba(hex: &str, alpha: u8) -> String {
    let channel =
        |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    format!("{},{},{},{alpha}", channel(1), channel(3), channel(5))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One symbol of `shape` in `colour`.
fn symbol(shape: Shape, name: usize, colour: &str) -> String {
    let (kind, class, props) = match shape {
        Shape::Polygons => (
            "fill",
            "SimpleFill",
            vec![
                ("color", rgba(colour, 153)),
                ("style", "solid".into()),
                ("outline_color", rgba(colour, 255)),
                ("outline_style", "solid".into()),
                ("outline_width", "0.4".into()),
            ],
        ),
        Shape::Lines => (
            "line",
            "SimpleLine",
            vec![
                ("line_color", rgba(colour, 255)),
                ("line_style", "solid".into()),
                ("line_width", "1.2".into()),
                ("capstyle", "round".into()),
                ("joinstyle", "round".into()),
            ],
        ),
        Shape::Points => (
            "marker",
            "SimpleMarker",
            vec![
                ("name", "circle".into()),
                ("color", rgba(colour, 255)),
                ("size", "3".into()),
                ("outline_color", "255,255,255,255".into()),
                ("outline_width", "0.4".into()),
            ],
        ),
    };
    let props: String = props
        .iter()
        .map(|(k, v)| format!("<prop k=\"{k}\" v=\"{v}\"/>"))
        .collect();
    format!(
        "<symbol type=\"{kind}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"{class}\" enabled=\"1\" locked=\"0\" pass=\"0\">{props}</layer></symbol>"
    )
}

/// The QML of `shape`'s sites.
pub fn qml(shape: Shape) -> String {
    let types = crate::web::element_type_colours();
    let categories: String = types
        .iter()
        .enumerate()
        .map(|(i, (id, _, zh, en))| {
            format!(
                "<category render=\"true\" value=\"{}\" symbol=\"{i}\" label=\"{} {}\"/>",
                escape(id),
                escape(zh),
                escape(en)
            )
        })
        .collect();
    let symbols: String = types
        .iter()
        .enumerate()
        .map(|(i, (_, colour, _, _))| symbol(shape, i, colour))
        .collect();
    let fallback = symbol(shape, types.len(), "#7d7d7d");
    let placement = match shape {
        Shape::Polygons => "1",
        Shape::Lines => "2",
        Shape::Points => "6",
    };
    format!(
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology|Labeling">
  <renderer-v2 type="categorizedSymbol" attr="element_type" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>{categories}</categories>
    <symbols>{symbols}</symbols>
    <source-symbol>{fallback}</source-symbol>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fontFamily="{LABEL_FONT}" fontSize="9" fontSizeUnit="Point" fieldName="name" isExpression="0" textColor="51,51,51,255" textOpacity="1" fontWeight="50" fontItalic="0" multilineHeight="1" namedStyle="Regular">
        <text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferJoinStyle="128"/>
      </text-style>
      <text-format wrapChar="" multilineAlign="1"/>
      <placement placement="{placement}" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" scaleVisibility="0" fontLimitPixelSize="0"/>
    </settings>
  </labeling>
</qgis>
"#
    )
}

/// The QGIS style (QML) of a per-type sites collection.
#[utoipa::path(get, path = "/api/collections/sites_polygons/style.qml", tag = "Sites",
    responses(
        (status = 200, description = "A QGIS layer style (QML): the blueprint's element-type colours and labels; also under sites_points and sites_lines", content_type = "text/xml"),
        (status = 404, description = "The mixed sites collection has no one geometry type to style", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn style(Extension(view): Extension<&'static SiteView>) -> AppResult<Response> {
    let shape = view.shape.ok_or_else(|| {
        AppError::NotFound(
            "a QGIS style is per geometry type: use sites_points, sites_lines or sites_polygons"
                .into(),
        )
    })?;
    Ok((
        [
            (CONTENT_TYPE, "text/xml; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("inline; filename=\"{}.qml\"", view.id),
            ),
        ],
        qml(shape),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_element_type_gets_the_styles_colour_in_qgis_notation() {
        let polygons = qml(Shape::Polygons);
        assert!(polygons.contains(r#"value="pocket_garden""#));
        // #3bb273 at the map's published fill opacity (0.6).
        assert!(
            polygons.contains(r#"<prop k="color" v="59,178,115,153"/>"#),
            "{polygons}"
        );
        assert!(qml(Shape::Points).contains("SimpleMarker"));
        assert!(qml(Shape::Lines).contains(r#"<prop k="line_color" v="46,134,171,255"/>"#));
        assert!(polygons.contains(LABEL_FONT));
    }
}
