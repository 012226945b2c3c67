//! Every need in memory, with an R-tree of their boxes: lists, one need's page, the moderation
//! queue, the dashboard and the tiles read here, never the store. Written by
//! [`crate::apply`] (this server's writes at once, others' through the change log).

use std::collections::HashMap;
use std::sync::Arc;

use geo::Rect;

use super::model::Need;
use crate::spatial::index::{SpatialIndex, bbox};
use crate::units::UnitCode;
use crate::visibility::Visibility;

/// The needs.
#[derive(Default)]
pub struct NeedIndex {
    needs: HashMap<i64, Arc<Need>>,
    index: SpatialIndex<i64, ()>,
}

impl NeedIndex {
    /// An index of `needs`.
    pub fn new(needs: Vec<Need>) -> Self {
        let mut index = Self::default();
        for need in needs {
            index.put(need);
        }
        index
    }

    /// Puts `need` in, unless a newer version is held; the box it had before, if it moved or
    /// is new (for the tiles to drop).
    pub fn put(&mut self, need: Need) -> Option<Rect> {
        if self
            .needs
            .get(&need.id)
            .is_some_and(|held| held.version >= need.version)
        {
            return None;
        }
        let rect = bbox(&need.geometry)?;
        self.index.insert(need.id, (), rect);
        self.needs.insert(need.id, Arc::new(need));
        Some(rect)
    }

    /// The version held of need `id`.
    pub fn version(&self, id: i64) -> Option<i64> {
        self.needs.get(&id).map(|n| n.version)
    }

    /// Need `id`.
    pub fn get(&self, id: i64) -> Option<&Arc<Need>> {
        self.needs.get(&id)
    }

    /// The needs `visibility` may see, intersecting `rect` when given, by id.
    pub fn visible(&self, visibility: &Visibility, rect: Option<Rect>) -> Vec<Arc<Need>> {
        let mut out: Vec<Arc<Need>> = match rect {
            Some(r) => self
                .index
                .query(r)
                .filter_map(|(id, _)| self.needs.get(id))
                .cloned()
                .collect(),
            None => self.needs.values().cloned().collect(),
        };
        out.retain(|n| visibility.sees_need(n));
        out.sort_by_key(|n| n.id);
        out
    }

    /// The needs a tile for `visibility` shows within `rect`: for the public, those on the
    /// needs list (accepted, or answered by a project) and not hidden; for planners, every
    /// need they may see.
    pub fn in_tile(&self, rect: Rect, visibility: &Visibility) -> Vec<Arc<Need>> {
        use super::model::NeedStatus;
        let mut out: Vec<Arc<Need>> = self
            .index
            .query(rect)
            .filter_map(|(id, _)| self.needs.get(id))
            .filter(|n| visibility.sees_need(n))
            .filter(|n| {
                !visibility.is_public()
                    || matches!(n.status, NeedStatus::Accepted | NeedStatus::Answered)
            })
            .cloned()
            .collect();
        out.sort_by_key(|n| n.id);
        out
    }

    /// Every need in `unit` (or below it), hidden and declined ones included: a moderation
    /// queue's, or a dashboard's.
    pub fn in_unit(&self, unit: &UnitCode) -> Vec<Arc<Need>> {
        let mut out: Vec<Arc<Need>> = self
            .needs
            .values()
            .filter(|n| n.units.contains(unit))
            .cloned()
            .collect();
        out.sort_by_key(|n| n.id);
        out
    }

    /// Every need.
    pub fn all(&self) -> Vec<Arc<Need>> {
        let mut out: Vec<Arc<Need>> = self.needs.values().cloned().collect();
        out.sort_by_key(|n| n.id);
        out
    }

    /// Where and when the needs `visibility` sees lie.
    pub fn extents(&self, visibility: &Visibility) -> crate::catalog::Extents {
        let seen: Vec<&Arc<Need>> = self
            .needs
            .values()
            .filter(|n| visibility.sees_need(n))
            .collect();
        let first = seen.iter().map(|n| n.submitted_at).min();
        let last = seen.iter().map(|n| n.submitted_at).max();
        crate::catalog::Extents {
            bbox: seen
                .iter()
                .filter_map(|n| bbox(&n.geometry))
                .reduce(|a, b| {
                    Rect::new(
                        geo::coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
                        geo::coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
                    )
                }),
            interval: first.zip(last),
        }
    }

    /// How many needs are held.
    pub fn len(&self) -> usize {
        self.needs.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.needs.is_empty()
    }
}
