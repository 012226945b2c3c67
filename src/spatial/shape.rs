//! Points, lines or polygons: the one kind of geometry a layer holds.

use geo::Geometry;

/// The kind of a geometry, as a layer holds one kind (a sites collection per type, a
/// Shapefile): points, lines or polygons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Point and MultiPoint.
    Points,
    /// LineString and MultiLineString.
    Lines,
    /// Polygon and MultiPolygon.
    Polygons,
}

impl Shape {
    /// The shape of `geometry`; none for a GeometryCollection, which holds several.
    pub fn of(geometry: &Geometry) -> Option<Self> {
        match geometry {
            Geometry::Point(_) | Geometry::MultiPoint(_) => Some(Self::Points),
            Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => {
                Some(Self::Lines)
            }
            Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_) => Some(Self::Polygons),
            Geometry::GeometryCollection(_) => None,
        }
    }

    /// The GeoJSON types it covers.
    pub fn geojson_types(self) -> &'static [&'static str] {
        match self {
            Self::Points => &["Point", "MultiPoint"],
            Self::Lines => &["LineString", "MultiLineString"],
            Self::Polygons => &["Polygon", "MultiPolygon"],
        }
    }
}
