//! The basemap lantu serves itself, so that a resident finds their street and compound on the
//! needs page without any tile provider: the named streets of the imported OpenStreetMap
//! network (layer `streets`, from z13) and the residential compounds of the life circle's homes
//! (layer `compounds`, from z14).

use std::sync::Arc;

use geo::Rect;

use super::shape::Prepared;
use crate::network::extract::FoundStreet;
use crate::spatial::index::{SpatialIndex, bbox};

/// Streets appear from this zoom (below it a tile would carry the whole district's).
pub const STREETS_FROM_ZOOM: u8 = 13;
/// Compounds appear from this zoom.
pub const COMPOUNDS_FROM_ZOOM: u8 = 14;

/// One street, projected for tiles.
pub struct Street {
    /// Its name.
    pub name: String,
    /// Its `highway` class.
    pub class: String,
    /// Its line, projected.
    pub shape: Prepared,
}

/// Every named street, with an R-tree of their boxes.
#[derive(Default)]
pub struct Streets {
    streets: Vec<Arc<Street>>,
    index: SpatialIndex<usize, ()>,
}

impl Streets {
    /// The streets of `found`.
    pub fn new(found: Vec<FoundStreet>) -> Self {
        let mut out = Self::default();
        for street in found {
            let geometry = geo::Geometry::LineString(street.line);
            let Some(rect) = bbox(&geometry) else {
                continue;
            };
            out.index.insert(out.streets.len(), (), rect);
            out.streets.push(Arc::new(Street {
                name: street.name,
                class: street.class,
                shape: Prepared::new(&geometry),
            }));
        }
        out
    }

    /// The streets whose boxes meet `rect`, in a stable order.
    pub fn touching(&self, rect: Rect) -> Vec<Arc<Street>> {
        let mut found: Vec<usize> = self.index.query(rect).map(|(i, _)| *i).collect();
        found.sort_unstable();
        found.into_iter().map(|i| self.streets[i].clone()).collect()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.streets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.streets.is_empty()
    }
}
