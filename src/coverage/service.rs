//! The coverage state a server holds: the analysis (network, homes, facilities) loaded from the
//! store at start, and each category's home distances computed on first use and kept until a
//! facility of that category changes.

use std::sync::{Arc, Mutex, RwLock};

use lru::LruCache;
use std::time::Instant;

use super::analysis::{Analysis, Distances, Facility, HomeSet, MAX_SNAP_M, Network, distances};
use super::catalogue::Catalogue;
use crate::network::store::{StoredFacility, StoredHome, StoredNetwork};
use crate::store::Store;
use crate::tiles::TileCache;

/// How far a coverage search goes, as a multiple of the threshold: far enough to band the gaps
/// by how much they miss.
pub const REACH_FACTOR: f32 = 2.0;

/// Coverage state shared by every request.
pub struct CoverageState {
    /// The facility catalogue.
    pub catalogue: Catalogue,
    analysis: RwLock<Option<Analysis>>,
    /// Distances by (category, threshold in cm), dropped when the category's facilities change.
    cache: Mutex<DistanceCache>,
    /// The last version of each facility applied through the API.
    applied: Mutex<std::collections::HashMap<i64, i64>>,
    /// Encoded coverage tiles by category and threshold (whole metres).
    pub tiles: TileCache<(String, u32)>,
}

/// Distance tables, least recently used first out, within a byte bound: every distinct
/// threshold anyone asks for makes a table of one `f32` per home, so without a bound a script
/// asking 3,000 thresholds would grow the server by gigabytes.
///
/// Each table is kept with the home set it was computed for: after an import swapped the homes,
/// a table of the old set is never handed to a request holding the new one (or the reverse).
struct DistanceCache {
    tables: LruCache<(String, u32), (Arc<Distances>, Arc<HomeSet>)>,
    bytes: usize,
    limit: usize,
}

impl DistanceCache {
    fn size(d: &Distances) -> usize {
        std::mem::size_of::<Distances>() + d.homes.capacity() * std::mem::size_of::<f32>() + 64
    }

    fn get(&mut self, key: &(String, u32), homes: &Arc<HomeSet>) -> Option<Arc<Distances>> {
        self.tables
            .get(key)
            .filter(|(_, of)| Arc::ptr_eq(of, homes))
            .map(|(table, _)| table.clone())
    }

    /// The tables may fill 7/8 of the bound: the rest is headroom for the table being
    /// computed, the answers in flight and the allocator's slack, so the process grows by less
    /// than the bound.
    fn budget(&self) -> usize {
        self.limit / 8 * 7
    }

    fn insert(&mut self, key: (String, u32), table: Arc<Distances>, homes: Arc<HomeSet>) {
        let size = Self::size(&table);
        if size > self.budget() {
            return; // computed and answered, but not kept
        }
        if let Some((old, _)) = self.tables.put(key, (table, homes)) {
            self.bytes -= Self::size(&old);
        }
        self.bytes += size;
        while self.bytes > self.budget() {
            match self.tables.pop_lru() {
                Some((_, (old, _))) => self.bytes -= Self::size(&old),
                None => break,
            }
        }
    }

    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let drop: Vec<(String, u32)> = self
            .tables
            .iter()
            .filter(|((category, _), _)| !keep(category))
            .map(|(k, _)| k.clone())
            .collect();
        for key in drop {
            if let Some((old, _)) = self.tables.pop(&key) {
                self.bytes -= Self::size(&old);
            }
        }
    }

    /// Bytes held now.
    fn bytes(&self) -> usize {
        self.bytes
    }
}

fn facility(network: &Network, f: StoredFacility) -> Facility {
    Facility {
        snap: network
            .index
            .snap(f.position)
            .filter(|s| s.offset <= MAX_SNAP_M),
        id: f.id,
        category: f.category,
        name: f.name,
        position: f.position,
    }
}

/// What an analysis is built from: the largest stored network, every facility and home.
type Inputs = (StoredNetwork, Vec<StoredFacility>, Vec<StoredHome>);

async fn read_inputs(store: &Store) -> anyhow::Result<Option<Inputs>> {
    let networks = store.load_networks().await?;
    let Some(network) = networks
        .into_iter()
        .max_by_key(|n| (n.graph.node_count(), std::cmp::Reverse(n.source.clone())))
    else {
        return Ok(None);
    };
    Ok(Some((
        network,
        store.load_facilities().await?,
        store.load_homes().await?,
    )))
}

/// Snaps facilities and homes to the network: CPU work, seconds for a city.
fn build_analysis((stored, facilities, homes): Inputs) -> Analysis {
    let started = Instant::now();
    let network = Network::new(stored.source, stored.graph);
    let facilities: Vec<Facility> = facilities
        .into_iter()
        .map(|f| facility(&network, f))
        .collect();
    let homes = HomeSet::new(&network, homes);
    tracing::info!(
        network = %network.source,
        nodes = network.graph.node_count(),
        facilities = facilities.len(),
        homes = homes.homes.len(),
        seconds = started.elapsed().as_secs_f64(),
        "life-circle data loaded"
    );
    Analysis {
        network: Arc::new(network),
        homes: Arc::new(homes),
        facilities: Arc::new(facilities),
    }
}

impl CoverageState {
    /// Loads the largest stored network with every facility and home; without a network the
    /// state is empty and coverage requests say how to import one.
    /// `cache_bytes` bounds the distance tables, `tile_bytes` the coverage tiles.
    pub async fn load(
        store: &Store,
        catalogue: Catalogue,
        cache_bytes: usize,
        tile_bytes: usize,
    ) -> anyhow::Result<Self> {
        let inputs = read_inputs(store).await?;
        Ok(Self {
            catalogue,
            analysis: RwLock::new(inputs.map(build_analysis)),
            cache: Mutex::new(DistanceCache {
                tables: LruCache::unbounded(),
                bytes: 0,
                limit: cache_bytes,
            }),
            applied: Mutex::new(std::collections::HashMap::new()),
            tiles: TileCache::new(tile_bytes),
        })
    }

    /// After an import replaced a source's network, facilities or homes: reads everything
    /// again and swaps it in, building on a blocking thread; distances are recomputed on use.
    pub async fn reload(&self, store: &Store) -> anyhow::Result<()> {
        let inputs = read_inputs(store).await?;
        let analysis = tokio::task::spawn_blocking(move || inputs.map(build_analysis)).await?;
        // Everything derived from the old analysis goes under the same write guard, so no
        // request meets the new analysis with the old tables or tiles.
        let mut guard = self.analysis.write().unwrap_or_else(|e| e.into_inner());
        *guard = analysis;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_| false);
        self.applied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.tiles.clear();
        Ok(())
    }

    /// Whether facility `id` is known here at `version` or later (so a logged change to it
    /// needs no reading).
    pub fn knows_facility(&self, id: i64, version: i64) -> bool {
        let applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        applied.get(&id).is_some_and(|&v| v >= version)
            || self
                .analysis()
                .is_some_and(|a| a.facilities.iter().any(|f| f.id == id) && version <= 1)
    }

    /// The current analysis, if a network is loaded.
    pub fn analysis(&self) -> Option<Analysis> {
        self.analysis
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Home distances for `category` at `threshold_m`, computed once and kept.
    pub fn distances(
        &self,
        analysis: &Analysis,
        category: &str,
        threshold_m: f32,
    ) -> Arc<Distances> {
        let key = (category.to_string(), (threshold_m * 100.0).round() as u32);
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key, &analysis.homes)
        {
            return hit;
        }
        let computed = Arc::new(distances(
            &analysis.network,
            &analysis.homes,
            &analysis.sources(category),
            threshold_m,
            threshold_m * REACH_FACTOR,
        ));
        // Kept only if the facilities did not change meanwhile: a change swaps the list and
        // clears the cache under the write lock, so checking under the read lock is enough.
        let guard = self.analysis.read().unwrap_or_else(|e| e.into_inner());
        if guard
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.facilities, &analysis.facilities))
        {
            self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
                key,
                computed.clone(),
                analysis.homes.clone(),
            );
        }
        computed
    }

    /// Bytes the distance tables hold now (at most the configured bound).
    pub fn cached_bytes(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).bytes()
    }

    /// After a facility was stored, changed or deleted: the analysis takes the new list and the
    /// categories touched are recomputed on next use. `old` is the category the writer read;
    /// the category the analysis held is dropped too, in case it differs (a change made
    /// elsewhere not applied here yet).
    ///
    /// `version` is the facility's version after the change (a delete's is its tombstone's):
    /// a change older than one already applied is ignored, so two edits applied out of order
    /// cannot bring back a deleted facility or an old position.
    pub fn facility_changed(
        &self,
        id: i64,
        version: i64,
        now: Option<StoredFacility>,
        old: Option<&str>,
    ) {
        {
            let mut applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
            if applied.get(&id).is_some_and(|&v| v >= version) {
                return;
            }
            applied.insert(id, version);
        }
        let mut guard = self.analysis.write().unwrap_or_else(|e| e.into_inner());
        let Some(analysis) = guard.as_mut() else {
            return;
        };
        let mut list: Vec<Facility> = analysis
            .facilities
            .iter()
            .filter(|f| f.id != id)
            .cloned()
            .collect();
        let held = analysis
            .facilities
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.category.clone());
        let mut touched: Vec<String> = old.map(str::to_string).into_iter().chain(held).collect();
        if let Some(f) = now {
            touched.push(f.category.clone());
            list.push(facility(&analysis.network, f));
        }
        analysis.facilities = Arc::new(list);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|category| !touched.iter().any(|t| t == category));
        self.tiles
            .invalidate_layers(|(category, _)| touched.iter().any(|t| t == category));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::analysis::tests::{at, grid, home};

    #[test]
    fn three_thousand_thresholds_stay_within_the_cache_bound_and_the_last_are_kept() {
        let network = grid();
        // 5,000 homes here (a debug build walks slowly); bench/accessibility.rs measures 50,000.
        let inputs = (0..5_000)
            .map(|i| {
                let (x, y) = (f64::from(i % 100) * 4.0, f64::from(i / 100) * 8.0);
                home(i64::from(i), [x, y], 1.0)
            })
            .collect();
        let homes = HomeSet::new(&network, inputs);
        let kindergarten = at([0.0, 0.0]);
        let facilities = vec![Facility {
            id: 1,
            category: "kindergarten".into(),
            name: None,
            snap: network.index.snap(kindergarten),
            position: kindergarten,
        }];
        let analysis = Analysis {
            network: Arc::new(network),
            homes: Arc::new(homes),
            facilities: Arc::new(facilities),
        };
        let bound = 1 << 20; // one table is 20 kB: about 50 fit
        let state = CoverageState {
            catalogue: Catalogue::parse(crate::coverage::catalogue::DEFAULT).unwrap(),
            analysis: RwLock::new(Some(analysis.clone())),
            cache: Mutex::new(DistanceCache {
                tables: LruCache::unbounded(),
                bytes: 0,
                limit: bound,
            }),
            applied: Mutex::new(std::collections::HashMap::new()),
            tiles: TileCache::new(0),
        };
        let mut most = 0;
        for threshold in 1..=3_000 {
            let d = state.distances(&analysis, "kindergarten", threshold as f32 * 0.5);
            assert_eq!(d.homes.len(), 5_000);
            most = most.max(state.cached_bytes());
        }
        assert!(most <= bound, "the cache held {most} bytes, over {bound}");
        assert!(
            most > bound / 2,
            "the cache kept almost nothing ({most} bytes)"
        );
        // The most recent threshold is a hit: the same table comes back.
        let again = state.distances(&analysis, "kindergarten", 1_500.0);
        let last = state.distances(&analysis, "kindergarten", 1_500.0);
        assert!(Arc::ptr_eq(&again, &last));
    }
}
