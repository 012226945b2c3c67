//! What every handler shares.

use std::path::PathBuf;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::catalog::{Catalog, SiteEntry};
use crate::coverage::Catalogue;
use crate::coverage::service::CoverageState;
use crate::http::rate::{Budget, Limits};
use crate::needs::{Need, NeedCatalogue, NeedIndex};
use crate::sites::Site;
use crate::spatial::index::bbox;
use crate::store::Store;
use crate::tiles::TileCache;
use crate::units::Unit;
use crate::work::Pools;

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
    /// Headers must arrive within this; an idle keep-alive connection is closed after it.
    pub header_timeout: Duration,
    /// A request body must arrive within this.
    pub body_timeout: Duration,
    /// Connections open at once, from everyone.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub max_connections_per_address: usize,
    /// Anonymous requests per address (a read costs 1, an analysis 10–30, tiles nothing).
    pub anonymous_rate: Budget,
    /// Writes per token.
    pub write_rate: Budget,
    /// Residents' submissions (needs, photos) per address.
    pub submission_rate: Budget,
    /// Residents' submissions from everyone together.
    pub all_submissions_rate: Budget,
    /// Bytes the life-circle distance tables may hold (least recently used are dropped).
    pub distance_cache_bytes: usize,
    /// Refuse PUT, PATCH and DELETE without `If-Match` (428) instead of applying them to the
    /// current version.
    pub require_if_match: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 4 * 1024 * 1024,
            public_url: None,
            tile_cache_bytes: 256 * 1024 * 1024,
            web_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 8_192,
            max_connections_per_address: 256,
            anonymous_rate: Budget {
                per_second: 300.0,
                burst: 3_000.0,
            },
            write_rate: Budget {
                per_second: 10.0,
                burst: 100.0,
            },
            // Ten at once, then one every six seconds: a family at a meeting, not a script.
            submission_rate: Budget {
                per_second: 1.0 / 6.0,
                burst: 10.0,
            },
            // A district's whole week of needs in an afternoon, at most.
            all_submissions_rate: Budget {
                per_second: 10.0,
                burst: 300.0,
            },
            distance_cache_bytes: 256 * 1024 * 1024,
            require_if_match: false,
        }
    }
}

/// Shared state: the store (system of record) and the in-memory catalog serving reads.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
    catalog: Arc<RwLock<Catalog>>,
    /// Run-time settings.
    pub settings: Arc<Settings>,
    /// Encoded tiles.
    pub tiles: Arc<TileCache>,
    /// Life-circle coverage: network, homes, facilities and computed distances.
    pub coverage: Arc<CoverageState>,
    /// Thread pools for CPU-heavy work.
    pub work: Arc<Pools>,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Resolved credentials, briefly, and the sign-in throttle.
    pub access: Arc<crate::auth::Access>,
    /// Residents' needs, in memory.
    needs: Arc<RwLock<NeedIndex>>,
    /// The needs catalogue.
    pub need_catalogue: Arc<NeedCatalogue>,
    /// The evaluation sheets.
    pub evaluation_templates: Arc<crate::evaluation::Templates>,
    /// The named streets of the imported networks (the basemap).
    streets: Arc<RwLock<Arc<crate::tiles::basemap::Streets>>>,
    /// Projects, as the tiles draw them.
    projects: Arc<RwLock<crate::projects::index::ProjectIndex>>,
    /// Serialises changes to the catalog (a site's swap, a rebuild for changed units), so a
    /// rebuild made outside the lock never drops a site written meanwhile. Readers never take it.
    catalog_writer: Arc<Mutex<()>>,
    /// The last change-log entry applied here (see [`crate::apply`]).
    pub applied: Arc<AtomicI64>,
}

impl AppState {
    /// Loads every unit and site from `store` into a fresh catalog.
    pub async fn load(store: Arc<Store>, settings: Settings) -> anyhow::Result<Self> {
        // Read before the data: a change committed while loading is applied again (harmless),
        // never missed.
        let applied = store.last_change().await?;
        let units = store.load_units().await?;
        let sites = store.load_sites().await?;
        let needs = store.load_needs().await?;
        let streets = crate::tiles::basemap::Streets::new(store.load_streets().await?);
        let mut projects = crate::projects::index::ProjectIndex::default();
        for p in store.all_projects().await? {
            projects.put(crate::projects::index::ProjectTile::of(&p));
        }
        let catalogue =
            Catalogue::parse(crate::coverage::catalogue::DEFAULT).map_err(anyhow::Error::msg)?;
        let facility_ids: Vec<&str> = catalogue.categories.iter().map(|c| c.id.as_str()).collect();
        let need_catalogue = NeedCatalogue::parse(crate::needs::catalogue::DEFAULT, &facility_ids)
            .map_err(anyhow::Error::msg)?;
        let evaluation_templates =
            crate::evaluation::Templates::parse(crate::evaluation::template::DEFAULT)
                .map_err(anyhow::Error::msg)?;
        let coverage = CoverageState::load(
            store.as_ref(),
            catalogue,
            settings.distance_cache_bytes,
            settings.tile_cache_bytes / 5,
        )
        .await?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            coverage: Arc::new(coverage),
            work: Arc::new(Pools::for_cores(cores)?),
            limits: Arc::new(Limits::new(
                settings.anonymous_rate,
                settings.write_rate,
                (settings.submission_rate, settings.all_submissions_rate),
                store.clone(),
            )),
            access: Arc::new(crate::auth::Access::default()),
            store,
            catalog: Arc::new(RwLock::new(Catalog::new(units, sites))),
            // Four fifths for the blueprint, one fifth for coverage tiles (above).
            tiles: Arc::new(TileCache::new(settings.tile_cache_bytes / 5 * 4)),
            settings: Arc::new(settings),
            needs: Arc::new(RwLock::new(NeedIndex::new(needs))),
            need_catalogue: Arc::new(need_catalogue),
            evaluation_templates: Arc::new(evaluation_templates),
            projects: Arc::new(RwLock::new(projects)),
            streets: Arc::new(RwLock::new(Arc::new(streets))),
            catalog_writer: Arc::new(Mutex::new(())),
            applied: Arc::new(AtomicI64::new(applied)),
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
    ///
    /// The derived values (units, measures, tile shape) are computed without holding the
    /// catalog's lock (a waiting writer would stall every reader), so tiles keep being served
    /// while a large polygon is prepared; only the swap takes the write lock. CPU-heavy: call
    /// it off the async workers.
    pub fn site_written(&self, site: Site) -> Arc<SiteEntry> {
        let _writer = self
            .catalog_writer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let new = bbox(&site.fields.geometry);
        // The read guard only for the candidates: the deriving holds no lock at all.
        let candidates = self.catalog().units_near(&site.fields.geometry);
        let derived = crate::catalog::derive_site(site, &candidates);
        let (entry, old) = {
            let mut catalog = self.catalog_mut();
            let old = catalog
                .site(derived.site.id)
                .and_then(|e| bbox(&e.site.fields.geometry));
            (catalog.put_derived(derived), old)
        };
        self.tiles
            .invalidate(&[old, new].into_iter().flatten().collect::<Vec<_>>());
        entry
    }

    /// After a committed delete at `version`.
    pub fn site_deleted(&self, id: i64, version: i64) {
        let _writer = self
            .catalog_writer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let removed = self.catalog_mut().remove_site(id, version);
        if let Some(old) = removed.and_then(|e| bbox(&e.site.fields.geometry)) {
            self.tiles.invalidate(&[old]);
        }
    }

    /// Reads the needs. Hold the guard briefly and never across an `.await`.
    pub fn needs(&self) -> RwLockReadGuard<'_, NeedIndex> {
        self.needs.read().unwrap_or_else(|e| e.into_inner())
    }

    /// After a committed change to a need: the index learns it (an older version than it
    /// holds is ignored) and the tiles it touches are dropped.
    pub fn need_written(&self, need: Need) {
        let rect = self
            .needs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .put(need);
        if let Some(rect) = rect {
            self.tiles.invalidate(&[rect]);
        }
    }

    /// The basemap's streets now.
    pub fn streets(&self) -> Arc<crate::tiles::basemap::Streets> {
        self.streets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// After an import replaced a network: the streets are read again and every tile drawn
    /// afresh.
    pub async fn reload_streets(&self) -> anyhow::Result<()> {
        let found = self.store.load_streets().await?;
        let streets =
            tokio::task::spawn_blocking(move || crate::tiles::basemap::Streets::new(found)).await?;
        *self.streets.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(streets);
        self.tiles.clear();
        Ok(())
    }

    /// Reads the projects' tile records. Hold the guard briefly and never across an `.await`.
    pub fn projects(&self) -> RwLockReadGuard<'_, crate::projects::index::ProjectIndex> {
        self.projects.read().unwrap_or_else(|e| e.into_inner())
    }

    /// After a committed change to a project: the tiles of its old and new sites are dropped.
    pub fn project_written(&self, project: &crate::projects::api::Project) {
        let touched = self
            .projects
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .put(crate::projects::index::ProjectTile::of(project));
        let rects: Vec<_> = {
            let catalog = self.catalog();
            touched
                .iter()
                .filter_map(|id| catalog.site(*id))
                .filter_map(|e| bbox(&e.site.fields.geometry))
                .collect()
        };
        self.tiles.invalidate(&rects);
    }

    /// After units were created or changed: the catalog is rebuilt with them outside its lock
    /// (every site's units are decided again) and swapped in; every cached tile is dropped.
    /// CPU-heavy: call it off the async workers.
    pub fn units_written(&self, units: Vec<Unit>) {
        let _writer = self
            .catalog_writer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (mut all, sites) = self.catalog().contents();
        for unit in units {
            match all.iter_mut().find(|u| u.fields.code == unit.fields.code) {
                Some(known) if known.stamp.version >= unit.stamp.version => {}
                Some(known) => *known = unit,
                None => all.push(unit),
            }
        }
        let mut rebuilt = Catalog::new(all, sites);
        {
            let mut catalog = self.catalog_mut();
            rebuilt.keep_tombstones(&catalog);
            *catalog = rebuilt;
        }
        self.tiles.clear();
    }
}
