//! Polygon and multipolygon validity (OGC Simple Features rules, as geo's `Validation`)
//! in O(n log n) for every input, where geo's own check is O(n²) per ring.
//!
//! Rules, after removing consecutive repeated positions:
//! - each ring has at least 3 distinct positions and they are not all collinear;
//! - no ring crosses or touches itself (no spikes, loops or "inverted holes");
//! - rings of one polygon may touch at points, but not cross or share a segment;
//! - every interior ring lies inside the exterior ring and not inside another interior;
//! - polygons of a multipolygon may touch at points only: no crossing, no shared segment,
//!   and none lies in another's interior (inside one of its holes is fine).
//!
//! As in geo, whether touching rings split a polygon's interior into pieces is not checked:
//! a hole may touch the exterior at two points. A polygon with no positions at all is
//! valid (OGC's `POLYGON EMPTY`, and skipped in a multipolygon); otherwise an empty ring,
//! even an interior one, has too few points (geo skips empty interior rings).
//!
//! All work is one sweep over every segment (module `sweep`); its nesting output decides
//! the containment rules in O(number of rings). A multipolygon is checked polygon by
//! polygon first, so a fault inside one polygon is named as such, then in one more sweep.
use geo::{Coord, LineString, MultiPolygon, Polygon};
use std::fmt;

mod sweep;
use sweep::{Hit, RingInfo, Rings};

/// Where a polygon breaks a rule: the ring (0 = exterior, i = interior i-1), and for a
/// multipolygon the polygon index; plus a coordinate near the fault for the message.
#[derive(Debug, Clone, PartialEq)]
pub struct PolygonFault {
    /// Index of the polygon in the multipolygon (0 for a single polygon).
    pub polygon: usize,
    /// Ring of that polygon: 0 is the exterior, i is interior ring i-1.
    pub ring: usize,
    /// Which rule is broken.
    pub kind: FaultKind,
    /// A position at or near the fault.
    pub at: Option<Coord>,
}

/// The rule a polygon breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Fewer than 3 distinct positions.
    TooFewPoints,
    /// All positions are collinear, so the ring encloses nothing.
    ZeroArea,
    /// The ring crosses or touches itself, including spikes and a vertex on a non-adjacent edge.
    SelfIntersection,
    /// The ring crosses ring `other` of the same polygon, or shares a segment with it.
    RingsCross {
        /// The other ring of the same polygon.
        other: usize,
    },
    /// The interior ring is not inside the exterior ring.
    HoleOutsideShell,
    /// The interior ring is inside interior ring `other`.
    HoleInsideHole {
        /// The enclosing interior ring.
        other: usize,
    },
    /// The polygon's interior meets polygon `other`'s: they cross, share a segment, or one
    /// lies inside the other (but not inside one of its holes).
    PolygonsOverlap {
        /// The other polygon of the multipolygon.
        other: usize,
    },
}

impl FaultKind {
    fn phrase(&self, f: &mut fmt::Formatter<'_>, ring: &str, polygon: &str) -> fmt::Result {
        match self {
            Self::TooFewPoints => write!(f, "{ring} has fewer than 3 distinct points"),
            Self::ZeroArea => write!(f, "{ring} has zero area (all its points are collinear)"),
            Self::SelfIntersection => write!(f, "{ring} intersects itself"),
            Self::RingsCross { other } => write!(f, "{ring} crosses ring {other}"),
            Self::HoleOutsideShell => write!(f, "{ring} is not inside the exterior ring"),
            Self::HoleInsideHole { other } => write!(f, "{ring} is inside interior ring {other}"),
            Self::PolygonsOverlap { other } => write!(f, "{polygon} overlaps polygon {other}"),
        }
    }
}

/// The bare rule in English, e.g. "ring intersects itself", "ring crosses ring 0".
impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.phrase(f, "ring", "polygon")
    }
}

/// Names the polygon and ring, e.g. "polygon 0: interior ring 2 crosses ring 0 near (1, 2)".
impl fmt::Display for PolygonFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ring = match self.ring {
            0 => "exterior ring 0".to_string(),
            i => format!("interior ring {i}"),
        };
        write!(f, "polygon {}: ", self.polygon)?;
        self.kind
            .phrase(f, &ring, &format!("polygon {}", self.polygon))?;
        match self.at {
            Some(c) => write!(f, " near ({}, {})", c.x, c.y),
            None => Ok(()),
        }
    }
}

/// So a fault can travel as an error (`?` into `anyhow`, `thiserror` sources).
impl std::error::Error for PolygonFault {}

/// Which (polygon, ring) each swept ring is.
struct Tagged {
    g: Rings,
    tag: Vec<(usize, usize)>,
}

impl Tagged {
    /// Adds a ring without consecutive repeats or closing repeat; checks its own size and
    /// area first (O(ring length)).
    fn add(&mut self, polygon: usize, ring: usize, ls: &LineString) -> Result<(), PolygonFault> {
        let start = self.g.pts.len();
        for &c in &ls.0 {
            if self.g.pts.len() == start || self.g.pts.last() != Some(&c) {
                self.g.pts.push(c);
            }
        }
        if self.g.pts.len() - start > 1 && self.g.pts.last() == self.g.pts.get(start) {
            self.g.pts.pop();
        }
        let p = &self.g.pts[start..];
        let fault = |kind| PolygonFault {
            polygon,
            ring,
            kind,
            at: p.first().copied(),
        };
        if p.len() < 3 {
            return Err(fault(FaultKind::TooFewPoints));
        }
        let rc = |c: Coord| robust::Coord { x: c.x, y: c.y };
        if p.iter()
            .all(|&c| robust::orient2d(rc(p[0]), rc(p[1]), rc(c)) == 0.0)
        {
            let two = p.iter().all(|&c| c == p[0] || c == p[1]);
            return Err(fault(if two {
                FaultKind::TooFewPoints
            } else {
                FaultKind::ZeroArea
            }));
        }
        let id = self.g.rings.len() as u32;
        self.g.ring_of.resize(self.g.pts.len(), id);
        self.g.rings.push(RingInfo {
            start: start as u32,
            len: (self.g.pts.len() - start) as u32,
        });
        self.tag.push((polygon, ring));
        Ok(())
    }

    fn add_polygon(&mut self, i: usize, p: &Polygon) -> Result<(), PolygonFault> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
            .try_for_each(|(r, ls)| self.add(i, r, ls))
    }

    /// Turns a sweep hit into a fault of the later-numbered ring.
    fn fault(&self, hit: Hit) -> PolygonFault {
        let (ring, other, at) = match hit {
            Hit::SelfTouch { ring, at } => (ring, ring, at),
            Hit::Cross { a, b, at } => (a.max(b), a.min(b), at),
        };
        let ((p, r), (q, s)) = (self.tag[ring as usize], self.tag[other as usize]);
        let kind = match () {
            _ if ring == other => FaultKind::SelfIntersection,
            _ if p == q => FaultKind::RingsCross { other: s },
            _ => FaultKind::PolygonsOverlap { other: q },
        };
        PolygonFault {
            polygon: p,
            ring: r,
            kind,
            at: Some(at),
        }
    }
}

/// An empty polygon (no positions at all) is valid, as OGC's `POLYGON EMPTY`.
fn is_empty(p: &Polygon) -> bool {
    p.exterior().0.is_empty() && p.interiors().iter().all(|r| r.0.is_empty())
}

/// Checks one polygon: O(n log n) time and O(n) memory for n vertices, in the worst case.
pub fn check_polygon(p: &Polygon) -> Result<(), PolygonFault> {
    if is_empty(p) {
        return Ok(());
    }
    let mut t = Tagged {
        g: Rings::default(),
        tag: Vec::new(),
    };
    t.add_polygon(0, p)?;
    let nest = sweep::sweep(&t.g).map_err(|h| t.fault(h))?;
    // Swept ring r is ring r of the polygon; each interior must be directly inside ring 0.
    for (r, parent) in nest.parent.iter().enumerate().skip(1) {
        let kind = match *parent {
            Some(0) => continue,
            Some(k) => FaultKind::HoleInsideHole { other: k as usize },
            None => FaultKind::HoleOutsideShell,
        };
        let at = Some(t.g.pts[nest.lexmin[r] as usize]);
        return Err(PolygonFault {
            polygon: 0,
            ring: r,
            kind,
            at,
        });
    }
    Ok(())
}

/// Checks a multipolygon: each polygon alone (so a fault inside one polygon is named as
/// such), then all together in one more sweep; O(n log n) time overall in the worst case.
pub fn check_multi_polygon(m: &MultiPolygon) -> Result<(), PolygonFault> {
    let mut t = Tagged {
        g: Rings::default(),
        tag: Vec::new(),
    };
    let mut shell = vec![None; m.0.len()]; // swept number of each polygon's exterior ring
    for (i, p) in m.0.iter().enumerate() {
        check_polygon(p).map_err(|f| PolygonFault { polygon: i, ..f })?;
        if !is_empty(p) {
            shell[i] = Some(t.g.rings.len() as u32);
            t.add_polygon(i, p)?;
        }
    }
    if shell.iter().flatten().count() < 2 {
        return Ok(());
    }
    let nest = sweep::sweep(&t.g).map_err(|h| t.fault(h))?;
    // With each polygon valid alone, the whole is valid exactly when every exterior ring is
    // directly enclosed by nothing or by an interior ring, and every interior ring directly
    // by its own exterior; any other enclosing ring belongs to an overlapping polygon.
    for (g, parent) in nest.parent.iter().enumerate() {
        let (p, r) = t.tag[g];
        let kind = match parent.map(|q| t.tag[q as usize]) {
            None if r == 0 => continue,
            Some((_, s)) if r == 0 && s != 0 => continue,
            _ if r != 0 && *parent == shell[p] => continue,
            Some((q, _)) if q != p => FaultKind::PolygonsOverlap { other: q },
            _ => FaultKind::HoleOutsideShell, // unreachable once each polygon passed
        };
        let at = Some(t.g.pts[nest.lexmin[g] as usize]);
        return Err(PolygonFault {
            polygon: p,
            ring: r,
            kind,
            at,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
