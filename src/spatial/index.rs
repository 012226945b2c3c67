//! The in-memory spatial index: an R-tree of bounding boxes keyed by feature.
//!
//! Boxes are kept beside the tree so a feature can be moved or removed by key alone.

use std::collections::HashMap;
use std::hash::Hash;

use geo::{BoundingRect, Geometry, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry<K> = GeomWithData<Rectangle<[f64; 2]>, K>;

/// An R-tree over the bounding boxes of keyed geometries.
pub struct SpatialIndex<K: Clone + Eq + Hash> {
    tree: RTree<Entry<K>>,
    boxes: HashMap<K, Rect>,
}

impl<K: Clone + Eq + Hash> Default for SpatialIndex<K> {
    fn default() -> Self {
        Self {
            tree: RTree::new(),
            boxes: HashMap::new(),
        }
    }
}

fn entry<K>(key: K, r: Rect) -> Entry<K> {
    GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        key,
    )
}

impl<K: Clone + Eq + Hash> SpatialIndex<K> {
    /// Builds the tree in one pass (bulk loading packs it better than repeated inserts).
    pub fn bulk_load(items: impl IntoIterator<Item = (K, Rect)>) -> Self {
        let boxes: HashMap<K, Rect> = items.into_iter().collect();
        let entries = boxes.iter().map(|(k, r)| entry(k.clone(), *r)).collect();
        Self {
            tree: RTree::bulk_load(entries),
            boxes,
        }
    }

    /// Puts `key` at `rect`, moving it if it was elsewhere.
    pub fn insert(&mut self, key: K, rect: Rect) {
        self.remove(&key);
        self.tree.insert(entry(key.clone(), rect));
        self.boxes.insert(key, rect);
    }

    /// Takes `key` out of the index; a key that is not there is ignored.
    pub fn remove(&mut self, key: &K) {
        if let Some(old) = self.boxes.remove(key) {
            self.tree.remove(&entry(key.clone(), old));
        }
    }

    /// Keys whose boxes intersect `rect`.
    pub fn query(&self, rect: Rect) -> impl Iterator<Item = &K> {
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| &e.data)
    }

    /// How many keys the index holds.
    pub fn len(&self) -> usize {
        self.boxes.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }
}

/// The bounding box of a geometry; `None` only for an empty collection.
pub fn bbox(g: &Geometry) -> Option<Rect> {
    g.bounding_rect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1})
    }

    #[test]
    fn a_moved_key_is_found_only_at_its_new_place() {
        let mut index =
            SpatialIndex::bulk_load([(1, rect(0.0, 0.0, 1.0, 1.0)), (2, rect(5.0, 5.0, 6.0, 6.0))]);
        index.insert(1, rect(10.0, 10.0, 11.0, 11.0));
        assert_eq!(index.query(rect(0.0, 0.0, 2.0, 2.0)).count(), 0);
        assert_eq!(
            index
                .query(rect(9.0, 9.0, 12.0, 12.0))
                .copied()
                .collect::<Vec<_>>(),
            vec![1]
        );
        index.remove(&2);
        assert_eq!(index.len(), 1);
    }
}
