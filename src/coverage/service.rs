//! The coverage state a server holds: the analysis (network, homes, facilities) loaded from the
//! store at start, and each category's home distances computed on first use and kept until a
//! facility of that category changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use super::analysis::{
    Analysis, Distances, Facility, HomeInput, HomeSet, MAX_SNAP_M, Network, distances,
};
use super::catalogue::Catalogue;
use crate::network::store::StoredFacility;
use crate::store::Store;

/// How far a coverage search goes, as a multiple of the threshold: far enough to band the gaps
/// by how much they miss.
pub const REACH_FACTOR: f32 = 2.0;

/// Coverage state shared by every request.
pub struct CoverageState {
    /// The facility catalogue.
    pub catalogue: Catalogue,
    analysis: RwLock<Option<Analysis>>,
    /// Distances by (category, threshold in cm), dropped when the category's facilities change.
    cache: Mutex<HashMap<(String, u32), Arc<Distances>>>,
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

impl CoverageState {
    /// Loads the largest stored network with every facility and home; without a network the
    /// state is empty and coverage requests say how to import one.
    pub async fn load(store: &dyn Store, catalogue: Catalogue) -> anyhow::Result<Self> {
        let started = Instant::now();
        let networks = store.load_networks().await?;
        let analysis = match networks
            .into_iter()
            .max_by_key(|n| (n.graph.node_count(), std::cmp::Reverse(n.source.clone())))
        {
            None => None,
            Some(stored) => {
                let facilities = store.load_facilities().await?;
                let homes = store.load_homes().await?;
                let network = Network::new(stored.source, stored.graph);
                let facilities: Vec<Facility> = facilities
                    .into_iter()
                    .map(|f| facility(&network, f))
                    .collect();
                let inputs = homes
                    .into_iter()
                    .map(|h| HomeInput {
                        id: h.id,
                        name: h.name,
                        population: h.population,
                        estimated: h.estimated,
                        shape: h.shape,
                    })
                    .collect();
                let homes = HomeSet::new(&network, inputs);
                tracing::info!(
                    network = %network.source,
                    nodes = network.graph.node_count(),
                    facilities = facilities.len(),
                    homes = homes.homes.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "life-circle data loaded"
                );
                Some(Analysis {
                    network: Arc::new(network),
                    homes: Arc::new(homes),
                    facilities: Arc::new(facilities),
                })
            }
        };
        Ok(Self {
            catalogue,
            analysis: RwLock::new(analysis),
            cache: Mutex::new(HashMap::new()),
        })
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
            .get(&key)
        {
            return hit.clone();
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
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, computed.clone());
        }
        computed
    }

    /// After a facility was stored, changed or deleted: the analysis takes the new list and the
    /// categories touched are recomputed on next use. `old` is the category it had before.
    pub fn facility_changed(&self, id: i64, now: Option<StoredFacility>, old: Option<&str>) {
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
        let mut touched: Vec<String> = old.map(str::to_string).into_iter().collect();
        if let Some(f) = now {
            touched.push(f.category.clone());
            list.push(facility(&analysis.network, f));
        }
        analysis.facilities = Arc::new(list);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(category, _), _| !touched.contains(category));
    }
}
