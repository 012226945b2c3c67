//! Metric measures of WGS84 geometries, computed on the ellipsoid (Karney's geodesic
//! algorithms via `geographiclib`), never in degrees.

use geo::{Geodesic, GeodesicArea, Geometry, Length};

/// Geodesic area in m² of the polygonal parts of `g`; `None` for points and lines.
pub fn area_m2(g: &Geometry) -> Option<f64> {
    match g {
        Geometry::Polygon(_)
        | Geometry::MultiPolygon(_)
        | Geometry::Rect(_)
        | Geometry::Triangle(_) => Some(g.geodesic_area_unsigned()),
        _ => None,
    }
}

/// Geodesic length in m of the linear parts of `g`; `None` for points and polygons.
pub fn length_m(g: &Geometry) -> Option<f64> {
    match g {
        Geometry::LineString(l) => Some(Geodesic.length(l)),
        Geometry::MultiLineString(m) => Some(m.0.iter().map(|l| Geodesic.length(l)).sum()),
        Geometry::Line(l) => Some(Geodesic.length(l)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, polygon};

    #[test]
    fn a_100m_square_near_putuo_measures_10000_m2() {
        // 100 m of latitude is 0.000_901_9°; of longitude at 31.25°N, 0.001_054_4°.
        let (x, y, dx, dy) = (121.43, 31.25, 0.001_054_4, 0.000_901_9);
        let square: Polygon =
            polygon![(x: x, y: y), (x: x + dx, y: y), (x: x + dx, y: y + dy), (x: x, y: y + dy)];
        let area = area_m2(&square.into()).unwrap();
        assert!((area - 10_000.0).abs() < 60.0, "area {area}");
    }

    #[test]
    fn one_minute_of_latitude_is_about_1848_m() {
        let line = LineString::from(vec![(121.43, 31.0), (121.43, 31.0 + 1.0 / 60.0)]);
        let length = length_m(&line.into()).unwrap();
        assert!((length - 1848.0).abs() < 3.0, "length {length}");
    }

    #[test]
    fn points_have_neither_area_nor_length() {
        let p: Geometry = geo::Point::new(121.4, 31.2).into();
        assert_eq!((area_m2(&p), length_m(&p)), (None, None));
    }
}
