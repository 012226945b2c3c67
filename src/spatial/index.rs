//! The in-memory spatial index: an R-tree of bounding boxes, each carrying its feature, so a
//! query hands back the features themselves with no second lookup.
//!
//! Keys and boxes are kept beside the tree so a feature can be moved or removed by key alone.

use std::collections::HashMap;
use std::hash::Hash;

use geo::{BoundingRect, Geometry, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A tree entry's payload, equal to another by key alone (what removal compares).
#[derive(Debug, Clone)]
struct Slot<K, V> {
    key: K,
    value: V,
}

impl<K: PartialEq, V> PartialEq for Slot<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

type Entry<K, V> = GeomWithData<Rectangle<[f64; 2]>, Slot<K, V>>;

/// An R-tree over the bounding boxes of keyed values.
pub struct SpatialIndex<K: Clone + Eq + Hash, V: Clone> {
    tree: RTree<Entry<K, V>>,
    boxes: HashMap<K, (Rect, V)>,
}

impl<K: Clone + Eq + Hash, V: Clone> Default for SpatialIndex<K, V> {
    fn default() -> Self {
        Self {
            tree: RTree::new(),
            boxes: HashMap::new(),
        }
    }
}

fn entry<K, V>(key: K, value: V, r: Rect) -> Entry<K, V> {
    GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        Slot { key, value },
    )
}

impl<K: Clone + Eq + Hash, V: Clone> SpatialIndex<K, V> {
    /// Puts `value` under `key` at `rect`, replacing what the key held.
    pub fn insert(&mut self, key: K, value: V, rect: Rect) {
        self.remove(&key);
        self.tree.insert(entry(key.clone(), value.clone(), rect));
        self.boxes.insert(key, (rect, value));
    }

    /// Takes `key` out of the index; a key that is not there is ignored.
    pub fn remove(&mut self, key: &K) {
        if let Some((rect, value)) = self.boxes.remove(key) {
            self.tree.remove(&entry(key.clone(), value, rect));
        }
    }

    /// Keys and values whose boxes intersect `rect`.
    pub fn query(&self, rect: Rect) -> impl Iterator<Item = (&K, &V)> {
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| (&e.data.key, &e.data.value))
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
    fn a_moved_key_is_found_only_at_its_new_place_with_its_new_value() {
        let mut index = SpatialIndex::default();
        index.insert(1, "a", rect(0.0, 0.0, 1.0, 1.0));
        index.insert(2, "b", rect(5.0, 5.0, 6.0, 6.0));
        index.insert(1, "a2", rect(10.0, 10.0, 11.0, 11.0));
        assert_eq!(index.query(rect(0.0, 0.0, 2.0, 2.0)).count(), 0);
        assert_eq!(
            index
                .query(rect(9.0, 9.0, 12.0, 12.0))
                .map(|(k, v)| (*k, *v))
                .collect::<Vec<_>>(),
            vec![(1, "a2")]
        );
        index.remove(&2);
        assert_eq!(index.len(), 1);
    }
}
