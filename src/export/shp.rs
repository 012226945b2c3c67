//! A table as a Shapefile, zipped: `.shp`, `.shx`, `.dbf` (UTF-8, told by its `.cpg`) and
//! `.prj` (Esri WKT). A Shapefile holds one kind of shape, so a table of points, lines and
//! polygons becomes one Shapefile per kind in the same archive (`sites_points.shp`, …); a
//! feature whose geometry is a collection of several kinds (a project's sites) is in each of
//! them with its parts of that kind; features without a geometry are null shapes in the first.
//!
//! The format's own limits apply, as they do in every GIS: field names of at most 10 bytes
//! (`element_type` becomes `element_ty`; a clash is numbered), text of at most 254 bytes (cut
//! at a character boundary), numbers as decimal text.

use std::io::Cursor;

use geo::Geometry;
use shapefile::dbase::{self, FieldName, FieldValue, FieldWriter, TableWriterBuilder};
use shapefile::{Multipoint, Point, Polygon, Polyline, ShapeWriter};

use super::{Cell, Kind, Row, Table};
use crate::spatial::shape::Shape;

/// The longest text a `.dbf` character field holds, in bytes.
const MAX_TEXT: usize = 254;

/// The file name's suffix for one kind of shape, when an archive holds several.
fn suffix(shape: Shape) -> &'static str {
    match shape {
        Shape::Points => "points",
        Shape::Lines => "lines",
        Shape::Polygons => "polygons",
    }
}

/// The parts of `g` of kind `family`, as one geometry (a collection's parts combined into a
/// multi-geometry), if it has any.
fn part(g: &Geometry, family: Shape) -> Option<Geometry> {
    let Geometry::GeometryCollection(collection) = g else {
        return (Shape::of(g) == Some(family)).then(|| g.clone());
    };
    let parts: Vec<Geometry> = collection
        .iter()
        .filter_map(|member| part(member, family))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let flat = |g: &Geometry| -> Vec<Geometry> {
        match g {
            Geometry::MultiPoint(m) => m.iter().map(|p| Geometry::Point(*p)).collect(),
            Geometry::MultiLineString(m) => m.iter().cloned().map(Geometry::LineString).collect(),
            Geometry::MultiPolygon(m) => m.iter().cloned().map(Geometry::Polygon).collect(),
            other => vec![other.clone()],
        }
    };
    let singles: Vec<Geometry> = parts.iter().flat_map(flat).collect();
    Some(match family {
        Shape::Points => geo::MultiPoint(
            singles
                .iter()
                .filter_map(|g| geo::Point::try_from(g.clone()).ok())
                .collect(),
        )
        .into(),
        Shape::Lines => geo::MultiLineString(
            singles
                .iter()
                .filter_map(|g| match g {
                    Geometry::LineString(l) => Some(l.clone()),
                    Geometry::Line(l) => Some(geo::LineString::from(*l)),
                    _ => None,
                })
                .collect(),
        )
        .into(),
        Shape::Polygons => geo::MultiPolygon(
            singles
                .iter()
                .filter_map(|g| match g {
                    Geometry::Polygon(p) => Some(p.clone()),
                    Geometry::Rect(r) => Some(r.to_polygon()),
                    Geometry::Triangle(t) => Some(t.to_polygon()),
                    _ => None,
                })
                .collect(),
        )
        .into(),
    })
}

/// The zip archive of the table's Shapefile(s), each named `stem` (with its shape kind when
/// there are several).
pub fn write_zip(table: &Table, stem: &str) -> Result<Vec<u8>, String> {
    let families: Vec<Shape> = [Shape::Points, Shape::Lines, Shape::Polygons]
        .into_iter()
        .filter(|f| {
            table
                .rows
                .iter()
                .any(|r| r.geometry.as_ref().and_then(|g| part(g, *f)).is_some())
        })
        .collect();
    let prj = table.crs.wkt(true)?;
    let mut files = Vec::new();
    for &family in &families {
        let name = if families.len() == 1 {
            stem.to_string()
        } else {
            format!("{stem}_{}", suffix(family))
        };
        let first = family == families[0];
        let with_none = |g: &Geometry| families.iter().all(|f| part(g, *f).is_none());
        let rows: Vec<Row> = table
            .rows
            .iter()
            .filter_map(|r| match r.geometry.as_ref() {
                Some(g) => match part(g, family) {
                    Some(p) => Some(Row {
                        cells: r.cells.clone(),
                        geometry: Some(p),
                    }),
                    None if first && with_none(g) => Some(Row {
                        cells: r.cells.clone(),
                        geometry: None,
                    }),
                    None => None,
                },
                None => first.then(|| r.clone()),
            })
            .collect();
        let rows: Vec<&Row> = rows.iter().collect();
        let (shp, shx, dbf) = shapefile(table, family, &rows)?;
        files.push((format!("{name}.shp"), shp));
        files.push((format!("{name}.shx"), shx));
        files.push((format!("{name}.dbf"), dbf));
        files.push((format!("{name}.prj"), prj.clone().into_bytes()));
        files.push((format!("{name}.cpg"), b"UTF-8".to_vec()));
    }
    if files.is_empty() {
        return Err(
            "there are no features with a geometry to write; ask for GeoPackage or CSV".into(),
        );
    }
    super::zip::archive(&files).map_err(|e| e.to_string())
}

/// The field names a `.dbf` can hold: at most 10 bytes, unique.
pub fn field_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let mut short: String = name.chars().filter(char::is_ascii).take(10).collect();
        if short.is_empty() {
            short = "field".into();
        }
        let mut n = 1;
        let base: String = short.chars().take(7).collect();
        while out.iter().any(|o| o.eq_ignore_ascii_case(&short)) {
            short = format!("{base}_{n}");
            n += 1;
        }
        out.push(short);
    }
    out
}

/// Text cut to what a `.dbf` field holds, at a character boundary.
fn fit(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// How a column is laid out in the `.dbf`.
enum Layout {
    Text(u8),
    /// Numeric with this width and these decimals.
    Number(u8, u8),
    Logical,
}

fn layouts(table: &Table, rows: &[&Row]) -> Vec<Layout> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cells = rows.iter().map(|r| &r.cells[i]);
            match c.kind {
                Kind::Boolean => Layout::Logical,
                Kind::Integer => {
                    let width = cells
                        .filter_map(|v| match v {
                            Cell::Integer(n) => Some(n.to_string().len()),
                            _ => None,
                        })
                        .max()
                        .unwrap_or(1);
                    Layout::Number(width.clamp(1, 18) as u8, 0)
                }
                Kind::Real => {
                    // As GDAL: 24 characters, as many of them decimals as the largest value
                    // leaves room for (up to 15).
                    let whole = cells
                        .filter_map(|v| match v {
                            Cell::Real(x) => Some(format!("{:.0}", x.abs()).len() + 1),
                            Cell::Integer(n) => Some(n.to_string().len()),
                            _ => None,
                        })
                        .max()
                        .unwrap_or(1);
                    let decimals = 24usize.saturating_sub(whole + 1).min(15);
                    Layout::Number(24, decimals as u8)
                }
                Kind::Text => {
                    let width = cells
                        .map(|v| fit(&v.text()).len())
                        .max()
                        .unwrap_or(1)
                        .clamp(1, MAX_TEXT);
                    Layout::Text(width as u8)
                }
            }
        })
        .collect()
}

/// One `.dbf` record, in column order.
struct Record<'a> {
    cells: &'a [Cell],
    layouts: &'a [Layout],
}

impl dbase::WritableRecord for Record<'_> {
    fn write_using<W: std::io::Write>(
        &self,
        writer: &mut FieldWriter<'_, W>,
    ) -> Result<(), dbase::FieldError> {
        for (cell, layout) in self.cells.iter().zip(self.layouts) {
            let value = match (layout, cell) {
                (Layout::Logical, Cell::Boolean(b)) => FieldValue::Logical(Some(*b)),
                (Layout::Logical, _) => FieldValue::Logical(None),
                (Layout::Number(..), Cell::Integer(n)) => FieldValue::Numeric(Some(*n as f64)),
                (Layout::Number(..), Cell::Real(x)) => FieldValue::Numeric(Some(*x)),
                (Layout::Number(..), _) => FieldValue::Numeric(None),
                (Layout::Text(_), Cell::Null) => FieldValue::Character(None),
                (Layout::Text(_), c) => FieldValue::Character(Some(fit(&c.text()).to_string())),
            };
            writer.write_next_field_value(&value)?;
        }
        Ok(())
    }
}

type Files = (Vec<u8>, Vec<u8>, Vec<u8>);

fn shapefile(table: &Table, family: Shape, rows: &[&Row]) -> Result<Files, String> {
    let names = field_names(
        &table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>(),
    );
    let layouts = layouts(table, rows);
    let mut builder = TableWriterBuilder::with_encoding(dbase::encoding::UnicodeLossy);
    for (name, layout) in names.iter().zip(&layouts) {
        let name = FieldName::try_from(name.as_str()).map_err(|e| format!("{name}: {e:?}"))?;
        builder = match layout {
            Layout::Text(width) => builder.add_character_field(name, *width),
            Layout::Number(width, decimals) => builder.add_numeric_field(name, *width, *decimals),
            Layout::Logical => builder.add_logical_field(name),
        };
    }
    let (mut shp, mut shx, mut dbf) = (Cursor::new(Vec::new()), Cursor::new(Vec::new()), {
        Cursor::new(Vec::new())
    });
    let mut nulls = 0;
    {
        let mut shapes = ShapeWriter::with_shx(&mut shp, &mut shx);
        let mut records = builder.build_with_dest(&mut dbf);
        let all_single_points = rows
            .iter()
            .all(|r| matches!(r.geometry, Some(Geometry::Point(_))));
        for row in rows {
            let record = Record {
                cells: &row.cells,
                layouts: &layouts,
            };
            // Null shapes go last, after the library has written the shapes (it writes none).
            let Some(g) = &row.geometry else { continue };
            records
                .write_record(&record)
                .map_err(|e| format!("the .dbf cannot be written: {e}"))?;
            let written = match (family, g) {
                (Shape::Points, Geometry::Point(p)) if all_single_points => {
                    shapes.write_shape(&Point::new(p.x(), p.y()))
                }
                (Shape::Points, g) => {
                    let points: Vec<Point> = geo::CoordsIter::coords_iter(g)
                        .map(|c| Point::new(c.x, c.y))
                        .collect();
                    shapes.write_shape(&Multipoint::new(points))
                }
                (Shape::Lines, g) => {
                    let parts: Vec<Vec<Point>> = match g {
                        Geometry::MultiLineString(m) => m.0.iter().map(points).collect(),
                        Geometry::LineString(l) => vec![points(l)],
                        Geometry::Line(l) => vec![points(&geo::LineString::from(*l))],
                        _ => Vec::new(),
                    };
                    shapes.write_shape(&Polyline::with_parts(parts))
                }
                (Shape::Polygons, g) => {
                    let multi: geo::MultiPolygon = match g {
                        Geometry::MultiPolygon(m) => m.clone(),
                        Geometry::Polygon(p) => p.clone().into(),
                        Geometry::Rect(r) => r.to_polygon().into(),
                        Geometry::Triangle(t) => t.to_polygon().into(),
                        _ => geo::MultiPolygon::new(Vec::new()),
                    };
                    shapes.write_shape(&Polygon::from(multi))
                }
            };
            written.map_err(|e| format!("the Shapefile cannot be written: {e}"))?;
        }
        for row in rows.iter().filter(|r| r.geometry.is_none()) {
            let record = Record {
                cells: &row.cells,
                layouts: &layouts,
            };
            records
                .write_record(&record)
                .map_err(|e| format!("the .dbf cannot be written: {e}"))?;
            nulls += 1;
        }
    }
    let (mut shp, mut shx) = (shp.into_inner(), shx.into_inner());
    append_null_shapes(&mut shp, &mut shx, nulls);
    Ok((shp, shx, dbf.into_inner()))
}

/// Appends `count` null shapes (ESRI Shapefile Technical Description, 1998: shape type 0,
/// allowed in a file of any type) to a finished `.shp` and its `.shx`, and their lengths to
/// both headers.
fn append_null_shapes(shp: &mut Vec<u8>, shx: &mut Vec<u8>, count: usize) {
    if count == 0 {
        return;
    }
    const HEADER: usize = 100;
    let mut number = ((shx.len() - HEADER) / 8) as i32;
    for _ in 0..count {
        number += 1;
        let offset_words = (shp.len() / 2) as i32;
        shp.extend(number.to_be_bytes());
        shp.extend(2i32.to_be_bytes()); // content: 2 words
        shp.extend(0i32.to_le_bytes()); // shape type: null
        shx.extend(offset_words.to_be_bytes());
        shx.extend(2i32.to_be_bytes());
    }
    for file in [shp, shx] {
        let words = (file.len() / 2) as i32;
        file[24..28].copy_from_slice(&words.to_be_bytes());
    }
}

fn points(l: &geo::LineString) -> Vec<Point> {
    l.0.iter().map(|c| Point::new(c.x, c.y)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_field_names_are_cut_to_ten_bytes_and_kept_apart() {
        let names: Vec<String> = ["element_type", "element_tyre", "name", "区"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            field_names(&names),
            ["element_ty", "element_1", "name", "field"]
        );
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        let long = "长".repeat(100); // 300 bytes
        let cut = fit(&long);
        assert_eq!(cut.len(), 252);
        assert!(cut.chars().all(|c| c == '长'));
    }
}
