//! What every handler shares.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::catalog::Catalog;
use crate::store::Store;

/// Settings the HTTP layer needs at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The public base URL (e.g. `https://lantu.example.gov.cn`) used in links; when unset,
    /// links are built from the request's `Host`.
    pub public_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 4 * 1024 * 1024,
            public_url: None,
        }
    }
}

/// Shared state: the store (system of record) and the in-memory catalog serving reads.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    catalog: Arc<RwLock<Catalog>>,
    /// Run-time settings.
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Loads every unit and site from `store` into a fresh catalog.
    pub async fn load(store: Arc<dyn Store>, settings: Settings) -> anyhow::Result<Self> {
        let units = store.load_units().await?;
        let sites = store.load_sites().await?;
        Ok(Self {
            store,
            catalog: Arc::new(RwLock::new(Catalog::new(units, sites))),
            settings: Arc::new(settings),
        })
    }

    /// Reads the catalog. Hold the guard briefly and never across an `.await`.
    pub fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        // A panic while holding the lock cannot leave the catalog half-updated in a way that
        // matters more than refusing every later request, so poisoning is ignored.
        self.catalog.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Updates the catalog after a committed write.
    pub fn catalog_mut(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.catalog.write().unwrap_or_else(|e| e.into_inner())
    }
}
