//! What every handler shares.

use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::catalog::{Catalog, SiteEntry};
use crate::coverage::Catalogue;
use crate::coverage::service::CoverageState;
use crate::sites::Site;
use crate::spatial::index::bbox;
use crate::store::Store;
use crate::tiles::TileCache;

/// Settings the HTTP layer needs at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The public base URL (e.g. `https://lantu.example.gov.cn`) used in links; when unset,
    /// links are built from the request's `Host`.
    pub public_url: Option<String>,
    /// Tile cache size in bytes; 0 turns the cache off.
    pub tile_cache_bytes: usize,
    /// The web page's folder (`web/`: the page, and `node_modules` with maplibre-gl and the font).
    pub web_dir: PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 4 * 1024 * 1024,
            public_url: None,
            tile_cache_bytes: 256 * 1024 * 1024,
            web_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"),
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
    /// Encoded tiles.
    pub tiles: Arc<TileCache>,
    /// Life-circle coverage: network, homes, facilities and computed distances.
    pub coverage: Arc<CoverageState>,
}

impl AppState {
    /// Loads every unit and site from `store` into a fresh catalog.
    pub async fn load(store: Arc<dyn Store>, settings: Settings) -> anyhow::Result<Self> {
        let units = store.load_units().await?;
        let sites = store.load_sites().await?;
        let catalogue =
            Catalogue::parse(crate::coverage::catalogue::DEFAULT).map_err(anyhow::Error::msg)?;
        let coverage = CoverageState::load(store.as_ref(), catalogue).await?;
        Ok(Self {
            coverage: Arc::new(coverage),
            store,
            catalog: Arc::new(RwLock::new(Catalog::new(units, sites))),
            tiles: Arc::new(TileCache::new(settings.tile_cache_bytes)),
            settings: Arc::new(settings),
        })
    }

    /// Reads the catalog. Hold the guard briefly and never across an `.await`.
    pub fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        // A panic while holding the lock cannot leave the catalog half-updated in a way that
        // matters more than refusing every later request, so poisoning is ignored.
        self.catalog.read().unwrap_or_else(|e| e.into_inner())
    }

    fn catalog_mut(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.catalog.write().unwrap_or_else(|e| e.into_inner())
    }

    /// After a committed create or edit: the catalog learns the new version, then every cached
    /// tile the old or the new geometry touches is dropped, so the next read shows the change.
    pub fn site_written(&self, site: Site) -> Arc<SiteEntry> {
        let new = bbox(&site.fields.geometry);
        let (entry, old) = {
            let mut catalog = self.catalog_mut();
            let old = catalog
                .site(site.id)
                .and_then(|e| bbox(&e.site.fields.geometry));
            (catalog.put_site(site), old)
        };
        self.tiles
            .invalidate(&[old, new].into_iter().flatten().collect::<Vec<_>>());
        entry
    }

    /// After a committed delete at `version`.
    pub fn site_deleted(&self, id: i64, version: i64) {
        let removed = self.catalog_mut().remove_site(id, version);
        if let Some(old) = removed.and_then(|e| bbox(&e.site.fields.geometry)) {
            self.tiles.invalidate(&[old]);
        }
    }
}
