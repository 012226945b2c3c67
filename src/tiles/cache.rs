//! The tile cache: encoded tiles (raw and gzipped, with their ETag) by tile and the
//! [`Visibility`] they were rendered for, bounded in bytes, least recently used out first. The
//! public's tiles are one shared set; a tile is only ever filed under the visibility it was
//! rendered with, so no draft can enter the public's.
//!
//! An edit invalidates exactly the cached tiles, at every zoom, whose buffered extent touches
//! the old or the new geometry. A tile rendered while an edit was committing is not cached (an
//! epoch counter tells), so the cache never keeps a tile older than the data it was read from.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::http::HeaderValue;
use geo::{Intersects, Rect};
use lru::LruCache;

use super::math::{BUFFER, TileId};
use crate::visibility::Visibility;

/// An encoded tile.
#[derive(Debug)]
pub struct EncodedTile {
    /// The MVT bytes (empty: nothing in this tile).
    pub raw: Bytes,
    /// The same, gzipped, when it was worth keeping.
    pub gzip: Option<Bytes>,
    /// Strong ETag of the content, ready to send.
    pub etag: HeaderValue,
}

impl EncodedTile {
    /// Wraps freshly encoded bytes, gzipping them at `level` when asked.
    pub fn new(raw: Vec<u8>, gzip_level: Option<u32>) -> Self {
        let tag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&raw));
        // Hex digits in quotes are always a valid header value.
        let etag = HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        let gzip = gzip_level
            .filter(|_| !raw.is_empty())
            .map(|level| Bytes::from(gzip(&raw, level)));
        Self {
            raw: Bytes::from(raw),
            gzip,
            etag,
        }
    }

    fn bytes(&self) -> usize {
        self.raw.len() + self.gzip.as_ref().map_or(0, Bytes::len) + 64
    }
}

/// Gzips `bytes`.
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::new(level),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

struct Inner<L> {
    tiles: LruCache<(TileId, L), Arc<EncodedTile>>,
    bytes: usize,
}

/// The cache. Capacity 0 turns it off.
///
/// Tiles are keyed by address and a layer key `L`: the [`Visibility`] they were rendered for
/// (blueprint tiles), or the category and threshold (coverage tiles).
pub struct TileCache<L = Visibility> {
    capacity: usize,
    epoch: AtomicU64,
    inner: Mutex<Inner<L>>,
}

impl<L: Clone + Eq + std::hash::Hash> TileCache<L> {
    /// A cache of at most `capacity_bytes`.
    pub fn new(capacity_bytes: usize) -> Self {
        Self {
            capacity: capacity_bytes,
            epoch: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                tiles: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<L>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether tiles are cached at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The invalidation count; read it before reading the catalog for a tile.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// A cached tile.
    pub fn get(&self, tile: TileId, visibility: &L) -> Option<Arc<EncodedTile>> {
        if !self.enabled() {
            return None;
        }
        self.lock().tiles.get(&(tile, visibility.clone())).cloned()
    }

    /// Every cached tile rendered for `visibility` (for tests and diagnostics).
    pub fn held_for(&self, visibility: &L) -> Vec<(TileId, Arc<EncodedTile>)> {
        self.lock()
            .tiles
            .iter()
            .filter(|((_, v), _)| v == visibility)
            .map(|((t, _), e)| (*t, e.clone()))
            .collect()
    }

    /// Keeps a tile rendered from data read at `epoch`, unless an edit has come since.
    pub fn insert(&self, tile: TileId, visibility: &L, encoded: Arc<EncodedTile>, epoch: u64) {
        if !self.enabled() || encoded.bytes() > self.capacity {
            return;
        }
        let mut inner = self.lock();
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        inner.bytes += encoded.bytes();
        if let Some(old) = inner.tiles.put((tile, visibility.clone()), encoded) {
            inner.bytes -= old.bytes();
        }
        while inner.bytes > self.capacity {
            match inner.tiles.pop_lru() {
                Some((_, old)) => inner.bytes -= old.bytes(),
                None => break,
            }
        }
    }

    /// Drops every cached tile whose buffered extent touches one of `rects` (longitude/latitude).
    pub fn invalidate(&self, rects: &[Rect]) {
        let mut inner = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let stale: Vec<(TileId, L)> = inner
            .tiles
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|(tile, _)| {
                let extent = tile.lon_lat_box(BUFFER + 1);
                rects.iter().any(|r| r.intersects(&extent))
            })
            .collect();
        for key in stale {
            if let Some(old) = inner.tiles.pop(&key) {
                inner.bytes -= old.bytes();
            }
        }
    }

    /// Drops every cached tile whose layer key `stale` picks (a category whose facilities
    /// changed: any of its coverage tiles may show the change).
    pub fn invalidate_layers(&self, stale: impl Fn(&L) -> bool) {
        let mut inner = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let keys: Vec<(TileId, L)> = inner
            .tiles
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|(_, layer)| stale(layer))
            .collect();
        for key in keys {
            if let Some(old) = inner.tiles.pop(&key) {
                inner.bytes -= old.bytes();
            }
        }
    }

    /// Drops every cached tile (units changed: any tile may show them).
    pub fn clear(&self) {
        let mut inner = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        inner.tiles.clear();
        inner.bytes = 0;
    }

    /// Tiles and bytes held now.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.tiles.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(z: u32, x: u32, y: u32) -> TileId {
        TileId::new(z, x, y).unwrap()
    }

    #[test]
    fn an_edit_drops_the_tiles_it_touches_and_keeps_the_others() {
        let cache = TileCache::new(1 << 20);
        let near = tile(14, 13718, 6694);
        let far = tile(14, 0, 0);
        for t in [near, far] {
            cache.insert(
                t,
                &Visibility::Public,
                Arc::new(EncodedTile::new(vec![1, 2, 3], None)),
                cache.epoch(),
            );
        }
        cache.invalidate(&[Rect::new((121.43, 31.24), (121.43, 31.24))]);
        assert!(cache.get(near, &Visibility::Public).is_none());
        assert!(cache.get(far, &Visibility::Public).is_some());
    }

    #[test]
    fn a_tile_rendered_before_an_edit_is_not_kept() {
        let cache = TileCache::new(1 << 20);
        let epoch = cache.epoch();
        cache.invalidate(&[]);
        cache.insert(
            tile(1, 0, 0),
            &Visibility::Public,
            Arc::new(EncodedTile::new(vec![1], None)),
            epoch,
        );
        assert!(cache.get(tile(1, 0, 0), &Visibility::Public).is_none());
    }

    #[test]
    fn the_cache_stays_within_its_byte_budget() {
        let cache = TileCache::new(10_000);
        for x in 0..100 {
            cache.insert(
                tile(10, x, 0),
                &Visibility::Public,
                Arc::new(EncodedTile::new(vec![0; 1000], None)),
                cache.epoch(),
            );
        }
        let (count, bytes) = cache.usage();
        assert!(bytes <= 10_000 && count > 0, "{count} tiles, {bytes} bytes");
        assert!(
            cache.get(tile(10, 99, 0), &Visibility::Public).is_some(),
            "the newest stays"
        );
    }
}
