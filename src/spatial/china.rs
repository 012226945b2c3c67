//! China's offset coordinate systems: GCJ-02 (国测局坐标, used by Amap 高德, Tencent and the
//! mainland's map services) and BD-09 (Baidu 百度), each to and from WGS84, and GCJ-02 to and
//! from BD-09 directly.
//!
//! GCJ-02 is WGS84 moved by a published nonlinear offset of a few hundred metres; it applies on
//! the mainland only ([`offset_applies`]): Hong Kong, Macau, Taiwan and other countries are
//! unshifted. The forward direction is a formula; the inverse has no closed form and is found by
//! iterating the forward one until the round trip closes to under a millimetre
//! ([`INVERSE_TOLERANCE_DEG`]). BD-09 is GCJ-02 turned and moved once more, with its own
//! iterated inverse.

use std::f64::consts::PI;

/// The Krasovsky 1940 ellipsoid the GCJ-02 offset is computed on: semi-major axis (m).
const A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const EE: f64 = 0.006_693_421_622_965_943;
/// BD-09's angular frequency (3000 × π / 180).
const BD_FREQUENCY: f64 = PI * 3000.0 / 180.0;

/// The inverses stop when a forward step lands within this of the target, in degrees (about
/// 0.1 mm).
pub const INVERSE_TOLERANCE_DEG: f64 = 1e-9;

/// Longest edge, in degrees (about 100 m), taken through the offset (either way) without a
/// vertex in between. The offset bends by up to about 10⁵ m per degree², so a 100 m edge
/// strays at most about 1 cm from where its shifted line should run.
pub const DENSIFY_DEGREES: f64 = 0.001;

/// Rectangles (west, south, east, north) covering the mainland, after the rectangles mapping
/// libraries commonly use; [`OUTSIDE`] is cut out of them.
const MAINLAND: [[f64; 4]; 6] = [
    [79.4462, 42.8899, 96.3300, 49.2204],
    [109.6872, 39.3742, 135.0002, 54.1415],
    [73.1246, 29.5297, 124.143255, 42.8899],
    [82.9684, 26.7186, 97.0352, 29.5297],
    [97.0253, 20.414096, 124.367395, 29.5297],
    [107.975793, 17.871542, 111.744104, 20.414096],
];

/// Rectangles inside [`MAINLAND`] that are not the mainland: Taiwan, and the neighbours north
/// and south of the border (Mongolia, Russia, Vietnam).
const OUTSIDE: [[f64; 4]; 6] = [
    [119.921265, 21.785006, 122.497559, 25.398623],
    [101.8652, 20.0988, 106.665, 22.284],
    [106.4525, 20.4878, 108.051, 21.5422],
    [109.0323, 50.3257, 119.127, 55.8175],
    [127.4568, 49.5574, 137.0227, 55.8175],
    [131.2662, 42.5692, 137.0227, 44.8922],
];

/// Hong Kong, its border with Shenzhen traced along the Shenzhen River and Deep Bay (to about
/// 200 m), and the waters it holds.
const HONG_KONG: [(f64, f64); 11] = [
    (113.82, 22.13),
    (114.50, 22.13),
    (114.50, 22.57),
    (114.22, 22.565),
    (114.15, 22.535),
    (114.08, 22.528),
    (114.03, 22.508),
    (113.96, 22.48),
    (113.91, 22.42),
    (113.82, 22.30),
    (113.82, 22.13),
];

/// Macau: the peninsula, Taipa, Cotai and Coloane (Hengqin to the west is the mainland).
const MACAU: [(f64, f64); 8] = [
    (113.528, 22.214),
    (113.556, 22.218),
    (113.60, 22.20),
    (113.60, 22.105),
    (113.548, 22.105),
    (113.548, 22.16),
    (113.528, 22.185),
    (113.528, 22.214),
];

fn in_box(b: &[f64; 4], lon: f64, lat: f64) -> bool {
    b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3]
}

/// Whether (lon, lat) lies inside `ring` (even-odd rule).
fn in_ring(ring: &[(f64, f64)], lon: f64, lat: f64) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

/// Whether the GCJ-02 offset applies at WGS84 (lon, lat): on the mainland, not in Hong Kong,
/// Macau, Taiwan or another country. The mainland is approximated by rectangles; near a land
/// border the answer can be wrong within a few kilometres (where Chinese map services differ
/// among themselves too).
pub fn offset_applies(lon: f64, lat: f64) -> bool {
    MAINLAND.iter().any(|b| in_box(b, lon, lat))
        && !OUTSIDE.iter().any(|b| in_box(b, lon, lat))
        && !in_ring(&HONG_KONG, lon, lat)
        && !in_ring(&MACAU, lon, lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut d = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    d += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    d
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut d = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    d += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    d
}

/// WGS84 → GCJ-02, as (lon, lat) in degrees; unshifted where the offset does not apply.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !offset_applies(lon, lat) {
        return (lon, lat);
    }
    shifted(lon, lat)
}

/// The GCJ-02 offset applied, wherever the point is.
fn shifted(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let root = magic.sqrt();
    let d_lat = offset_lat(x, y) * 180.0 / ((A * (1.0 - EE)) / (magic * root) * PI);
    let d_lon = offset_lon(x, y) * 180.0 / (A / root * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// Finds `p` with `forward(p) == target` by fixed-point steps from `start`: each step moves `p`
/// by how far its image misses the target. The offsets vary slowly, so it closes in a few steps.
fn inverse(
    target: (f64, f64),
    start: (f64, f64),
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> (f64, f64) {
    let mut p = start;
    for _ in 0..30 {
        let (fx, fy) = forward(p.0, p.1);
        let (ex, ey) = (target.0 - fx, target.1 - fy);
        if ex.abs() < INVERSE_TOLERANCE_DEG && ey.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
        p = (p.0 + ex, p.1 + ey);
    }
    p
}

/// GCJ-02 → WGS84 (iterated inverse: the round trip closes to under a millimetre). Whether the
/// offset applies is decided once, at the GCJ-02 point: within a few hundred metres of the edge
/// of the mainland the two sides of the edge cannot be told apart.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !offset_applies(lon, lat) {
        return (lon, lat);
    }
    inverse((lon, lat), (lon, lat), shifted)
}

/// GCJ-02 → BD-09.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_FREQUENCY).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_FREQUENCY).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 → GCJ-02: Baidu's published approximate inverse, then iterated until the round trip
/// closes.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_FREQUENCY).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_FREQUENCY).cos();
    inverse(
        (lon, lat),
        (z * theta.cos(), z * theta.sin()),
        gcj02_to_bd09,
    )
}

/// WGS84 → BD-09 (through GCJ-02; Baidu's turn applies everywhere, as Baidu does).
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(x, y)
}

/// BD-09 → WGS84.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two WGS84 points (geodesic, on the WGS84 ellipsoid).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        use geo::{Distance, Geodesic, Point};
        Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
    }

    /// WGS84 and GCJ-02 pairs published with a widely used open implementation (eviltransform's
    /// tests), as (lon, lat).
    const PAIRS: [((f64, f64), (f64, f64)); 3] = [
        (
            (121.5272106, 31.1774276),
            (121.531541859215, 31.17530398364597),
        ),
        (
            (113.912316, 22.543847),
            (113.9171764808363, 22.540796131694766),
        ),
        (
            (116.377817, 39.911954),
            (116.38404722455657, 39.91334545536069),
        ),
    ];

    #[test]
    fn wgs84_to_gcj02_gives_the_published_offsets_in_shanghai_shenzhen_and_beijing() {
        for (wgs, gcj) in PAIRS {
            let got = wgs84_to_gcj02(wgs.0, wgs.1);
            assert!(
                metres(got, gcj) < 0.001,
                "{wgs:?}: {got:?}, expected {gcj:?}"
            );
            let back = gcj02_to_wgs84(gcj.0, gcj.1);
            assert!(metres(back, wgs) < 0.001, "{gcj:?} back: {back:?}");
        }
    }

    #[test]
    fn gcj02_and_bd09_round_trips_close_below_a_centimetre_across_the_mainland() {
        let mut worst: f64 = 0.0;
        let mut checked = 0;
        for i in 0..=40 {
            for j in 0..=30 {
                let (lon, lat) = (75.0 + 1.5 * f64::from(i), 18.5 + 1.2 * f64::from(j));
                if !offset_applies(lon, lat) {
                    continue;
                }
                checked += 1;
                let gcj = wgs84_to_gcj02(lon, lat);
                assert!(
                    metres(gcj, (lon, lat)) > 1.0,
                    "the offset moves {lon},{lat}"
                );
                if !offset_applies(gcj.0, gcj.1) {
                    // Shifted across the mainland's edge: the inverse cannot know.
                    continue;
                }
                worst = worst.max(metres(gcj02_to_wgs84(gcj.0, gcj.1), (lon, lat)));
                let bd = wgs84_to_bd09(lon, lat);
                worst = worst.max(metres(bd09_to_wgs84(bd.0, bd.1), (lon, lat)));
                let bd_direct = gcj02_to_bd09(gcj.0, gcj.1);
                worst = worst.max(metres(bd09_to_gcj02(bd_direct.0, bd_direct.1), gcj));
            }
        }
        assert!(checked > 300, "{checked} mainland points");
        assert!(worst < 0.01, "worst round trip {worst} m");
    }

    #[test]
    fn baidu_coordinates_come_back_within_metres_of_where_the_published_pair_says() {
        // A BD-09 point and its WGS84 place, from the same open implementation's tests. The
        // pair is 10 m from what Baidu's published formula and its exact inverse give (the
        // library's own approximate inverse lands 2 m from ours): BD-09 is known only to a few
        // metres outside Baidu.
        let back = bd09_to_wgs84(120.019809, 29.199786);
        let expected = (120.00877901149691, 29.196131605295484);
        let off = metres(back, expected);
        assert!(off < 12.0, "{back:?}, {off} m away");
    }

    #[test]
    fn hong_kong_macau_taiwan_and_other_countries_are_not_shifted_but_shenzhen_and_zhuhai_are() {
        for (name, lon, lat) in [
            ("Hong Kong Central", 114.158, 22.282),
            ("Hong Kong airport", 113.918, 22.308),
            ("Sheung Shui, HK", 114.128, 22.502),
            ("Macau peninsula", 113.543, 22.198),
            ("Coloane, Macau", 113.56, 22.125),
            ("Taipei", 121.565, 25.033),
            ("Hanoi", 105.854, 21.029),
            ("Ulaanbaatar", 106.917, 47.918),
            ("Seoul", 126.978, 37.566),
            ("Tokyo", 139.692, 35.69),
            ("Vladivostok", 131.886, 43.116),
            ("Paris", 2.352, 48.857),
        ] {
            assert!(!offset_applies(lon, lat), "{name} is not shifted");
            assert_eq!(wgs84_to_gcj02(lon, lat), (lon, lat), "{name}");
            assert_eq!(gcj02_to_wgs84(lon, lat), (lon, lat), "{name}");
        }
        for (name, lon, lat) in [
            ("Shenzhen Futian", 114.055, 22.541),
            ("Shenzhen Bao'an", 113.912, 22.544),
            ("Zhuhai Gongbei", 113.55, 22.225),
            ("Hengqin", 113.52, 22.13),
            ("Shanghai", 121.47, 31.23),
            ("Urumqi", 87.617, 43.826),
            ("Lhasa", 91.117, 29.65),
            ("Harbin", 126.535, 45.803),
            ("Sanya", 109.512, 18.253),
            ("Xiamen", 118.089, 24.479),
        ] {
            assert!(offset_applies(lon, lat), "{name} is shifted");
        }
    }
}
