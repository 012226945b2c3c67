//! `/api/collections/sites/items`: sites as GeoJSON, with OGC API Features Part 4 writes.
//!
//! A write goes: size-limited body → GeoJSON parse and validation → authorisation → one store
//! transaction (compare-and-swap on the `If-Match` version, version row appended) → catalog
//! update → response with the new `ETag`. Nothing before the commit changes anything.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value;
use utoipa::OpenApi;

use super::api::{
    SiteContent, SiteFeature, SiteInput, SiteInputProperties, SiteProperties, SiteVersionFeature,
    SiteVersionProperties,
};
use super::model::{ElementType, Site, SiteStatus, SiteVersion};
use super::parse::{ParsedSite, apply_patch, parse_site_feature};
use super::query::{QUERYABLES, Shape, queryables_of};
use crate::auth::{Editor, Viewer};
use crate::catalog::{SiteEntry, SiteFilter};
use crate::error::{AppError, AppResult};
use crate::http::body::JsonBody;
use crate::http::links::BaseUrl;
use crate::http::query::{pairs, parse_items_query};
use crate::http::request::RequestInfo;
use crate::http::{Expected, expected_from};
use crate::ogc::CollectionSpec;
use crate::ogc::contract::{FeatureType, Geometry, History, Link, SiteHistory, SitePage};
use crate::ogc::filter::Queryables;
use crate::ogc::items::{GEOJSON, feature_response, geojson, page, tag_for};
use crate::spatial::crs::Crs;
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::units::UnitCode;
use crate::version::{Audience, Change, Edit, VersionStamp, etag};
use crate::visibility::Visibility;
use crate::work::on_pool;

/// A sites collection: every site, or the sites of one shape. QGIS gives a layer the geometry
/// type of its first feature, so it shows every site only through the per-type collections;
/// all four read and write the same sites, with the same ids.
#[derive(Debug)]
pub struct SiteView {
    /// Its collection id.
    pub id: &'static str,
    /// The shape it holds; every shape when none.
    pub shape: Option<Shape>,
    /// What it can be filtered and sorted on.
    pub queryables: Queryables,
}

/// Every site.
pub static SITES: SiteView = SiteView {
    id: "sites",
    shape: None,
    queryables: QUERYABLES,
};
/// Point sites.
pub static SITE_POINTS: SiteView = SiteView {
    id: "sites_points",
    shape: Some(Shape::Points),
    queryables: queryables_of(Shape::Points),
};
/// Line sites.
pub static SITE_LINES: SiteView = SiteView {
    id: "sites_lines",
    shape: Some(Shape::Lines),
    queryables: queryables_of(Shape::Lines),
};
/// Polygon sites.
pub static SITE_POLYGONS: SiteView = SiteView {
    id: "sites_polygons",
    shape: Some(Shape::Polygons),
    queryables: queryables_of(Shape::Polygons),
};

const DESCRIPTION: &str = "Micro-renewal project sites drawn by community planners 社区规划师; drafts are visible only to their team. A feature has at most 200,000 positions and 10,000 parts (refused with 413 beyond); positions are [longitude, latitude] only. Derived properties (units, unit_names, area_m2, length_m, created_at, updated_at, version, created_by, updated_by) sent back unchanged are ignored";

/// The sites collection, as the registry lists it.
pub const COLLECTION: CollectionSpec = CollectionSpec {
    id: "sites",
    title: "Sites 点位",
    description: DESCRIPTION,
    routes: || router(&SITES),
    openapi: SitesApi::openapi,
    queryables: &QUERYABLES,
    extent: |state, visibility| state.catalog().site_extents(None, visibility),
};

/// Point sites, for clients that want one geometry type per layer (QGIS).
pub const POINTS_COLLECTION: CollectionSpec = CollectionSpec {
    id: "sites_points",
    title: "Sites: points 点位（点）",
    description: "The sites that are a Point or MultiPoint; the same sites and ids as the sites collection",
    routes: || router(&SITE_POINTS),
    openapi: || view_openapi(&SITE_POINTS),
    queryables: &SITE_POINTS.queryables,
    extent: |state, visibility| {
        state
            .catalog()
            .site_extents(Some(Shape::Points), visibility)
    },
};

/// Line sites.
pub const LINES_COLLECTION: CollectionSpec = CollectionSpec {
    id: "sites_lines",
    title: "Sites: lines 点位（线）",
    description: "The sites that are a LineString or MultiLineString; the same sites and ids as the sites collection",
    routes: || router(&SITE_LINES),
    openapi: || view_openapi(&SITE_LINES),
    queryables: &SITE_LINES.queryables,
    extent: |state, visibility| state.catalog().site_extents(Some(Shape::Lines), visibility),
};

/// Polygon sites.
pub const POLYGONS_COLLECTION: CollectionSpec = CollectionSpec {
    id: "sites_polygons",
    title: "Sites: polygons 点位（面）",
    description: "The sites that are a Polygon or MultiPolygon; the same sites and ids as the sites collection",
    routes: || router(&SITE_POLYGONS),
    openapi: || view_openapi(&SITE_POLYGONS),
    queryables: &SITE_POLYGONS.queryables,
    extent: |state, visibility| {
        state
            .catalog()
            .site_extents(Some(Shape::Polygons), visibility)
    },
};

/// A per-type collection's part of the OpenAPI document: the sites paths under its id.
fn view_openapi(view: &SiteView) -> utoipa::openapi::OpenApi {
    let mut doc = SitesApi::openapi();
    doc.components = None;
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, mut item) in paths {
        for operation in item.operations.values_mut() {
            if let Some(id) = &mut operation.operation_id {
                *id = id.replacen("sites", view.id, 1);
            }
        }
        let path = path.replacen(
            "/collections/sites/",
            &format!("/collections/{}/", view.id),
            1,
        );
        doc.paths.paths.insert(path, item);
    }
    doc
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        one,
        create,
        replace,
        update,
        delete,
        history,
        super::changes::collection_changes,
        super::changes::item_changes,
        super::qml::style
    ),
    components(schemas(
        SitePage,
        SiteFeature,
        SiteProperties,
        SiteContent,
        SiteInput,
        SiteInputProperties,
        SiteHistory,
        SiteVersionFeature,
        SiteVersionProperties,
        super::changes::Changes,
        super::changes::ChangeFeature,
        super::changes::ChangeProperties,
        super::changes::SiteState,
        super::changes::Difference,
        ElementType,
        SiteStatus
    ))
)]
struct SitesApi;

/// The routes of the sites collection `view`.
pub fn router(view: &'static SiteView) -> Router<AppState> {
    let items = format!("/api/collections/{}/items", view.id);
    Router::new()
        .route(&items, get(list).post(create))
        .route(
            &format!("{items}/{{id}}"),
            get(one).put(replace).patch(update).delete(delete),
        )
        .route(&format!("{items}/{{id}}/history"), get(history))
        .route(
            &format!("{items}/{{id}}/changes"),
            get(super::changes::item_changes),
        )
        .route(
            &format!("/api/collections/{}/changes", view.id),
            get(super::changes::collection_changes),
        )
        .route(
            &format!("/api/collections/{}/style.qml", view.id),
            get(super::qml::style),
        )
        .layer(Extension(view))
}

/// A geometry that `view` does not hold: 422, naming the collection that does.
fn check_shape(view: &SiteView, geometry: &crate::spatial::Geometry) -> AppResult<()> {
    let Some(shape) = view.shape else {
        return Ok(());
    };
    let found = Shape::of(geometry);
    if found == Some(shape) {
        return Ok(());
    }
    let home = match found {
        Some(Shape::Points) => "sites_points",
        Some(Shape::Lines) => "sites_lines",
        Some(Shape::Polygons) => "sites_polygons",
        None => "sites",
    };
    Err(AppError::unprocessable(
        "Wrong geometry type",
        "/geometry",
        format!(
            "{} holds {} only; send this geometry to {home} (or sites, which holds every shape)",
            view.id,
            shape.geojson_types().join(" and ")
        ),
    ))
}

fn parse_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("no site with id \"{id}\"")))
}

fn site_href(base: &BaseUrl, view: &SiteView, id: i64) -> String {
    base.at(&format!("/api/collections/{}/items/{id}", view.id))
}

fn feature(
    entry: &SiteEntry,
    view: &SiteView,
    base: &BaseUrl,
    names: &dyn Fn(&UnitCode) -> Option<String>,
    audience: Audience,
) -> SiteFeature {
    let site = &entry.site;
    let f = &site.fields;
    let href = site_href(base, view, site.id);
    // The public sees neither who drew a site nor how many versions (drafts included) it has
    // been through.
    let team = audience == Audience::Team;
    SiteFeature {
        kind: FeatureType::Feature,
        id: site.id,
        geometry: Geometry(geometry_json(&f.geometry)),
        properties: SiteProperties {
            content: SiteContent::of(f),
            units: entry.units.iter().map(|c| c.as_str().into()).collect(),
            unit_names: entry.units.iter().filter_map(names).collect(),
            area_m2: entry.area_m2.map(|a| (a * 10.0).round() / 10.0),
            length_m: entry.length_m.map(|l| (l * 10.0).round() / 10.0),
            created_at: site.created.at,
            updated_at: site.stamp.at,
            version: team.then_some(site.stamp.version),
            created_by: team.then(|| site.created.by.clone()),
            updated_by: team.then(|| site.stamp.by.clone()),
        },
        links: vec![
            Link::new(href.clone(), "self", GEOJSON, &f.name),
            Link::new(
                format!("{href}/history"),
                "version-history",
                GEOJSON,
                "Versions",
            ),
            Link::new(
                base.at(&format!("/api/collections/{}", view.id)),
                "collection",
                "application/json",
                "Sites",
            ),
        ],
    }
}

fn render(
    state: &AppState,
    view: &SiteView,
    entries: &[Arc<SiteEntry>],
    base: &BaseUrl,
    audience: Audience,
) -> Vec<SiteFeature> {
    let catalog = state.catalog();
    let names = |code: &UnitCode| catalog.unit(code).map(|e| e.unit.fields.name_zh.clone());
    entries
        .iter()
        .map(|e| feature(e, view, base, &names, audience))
        .collect()
}

/// Sites, filtered, sorted and paged; drafts only for the team.
#[utoipa::path(get, operation_id = "sites_list", path = "/api/collections/sites/items", tag = "Sites",
    params(
        ("bbox" = Option<String>, Query, description = "west,south,east,north in CRS84: sites that intersect it"),
        ("bbox-crs" = Option<String>, Query, description = "The CRS bbox is given in (Part 2), e.g. http://www.opengis.net/def/crs/EPSG/0/4549, in that CRS's axis order"),
        ("crs" = Option<String>, Query, description = "The CRS of the answer's coordinates (Part 2): a URI the collection lists, any EPSG code PROJ knows, GCJ-02 or BD-09; GeoJSON follows its axis order, files are easting first"),
        ("f" = Option<String>, Query, description = "json (GeoJSON, the default), csv (UTF-8 with BOM, geometry as WKT), gpkg (GeoPackage) or shp (zipped Shapefile, UTF-8 .cpg)"),
        ("limit" = Option<usize>, Query, description = "Items per page, 1–10000 (default 100)"),
        ("offset" = Option<usize>, Query, description = "Items to skip"),
        ("datetime" = Option<String>, Query, description = "When it last changed (updated_at): an instant, a date, or an interval start/end with .. for an open end"),
        ("filter" = Option<String>, Query, description = "A CQL2 filter on the queryables, e.g. element_type = 'pocket_garden' AND area_m2 > 100"),
        ("filter-lang" = Option<String>, Query, description = "cql2-text (default; cql-text reads the same) or cql2-json"),
        ("filter-crs" = Option<String>, Query, description = "The CRS of the filter's geometries and BBOXes, in its axis order, as for crs (CRS84 by default)"),
        ("sortby" = Option<String>, Query, description = "Queryables to sort by, comma-separated, a leading - for descending: -updated_at,name"),
        ("name" = Option<String>, Query, description = "Only sites with this name"),
        ("element_type" = Option<ElementType>, Query, description = "Only this element type"),
        ("status" = Option<SiteStatus>, Query, description = "Only this status"),
        ("updated_at" = Option<String>, Query, description = "Only sites last changed at this moment"),
        ("created_at" = Option<String>, Query, description = "Only sites drawn at this moment"),
        ("unit" = Option<String>, Query, description = "Only sites in this unit (or below it)"),
        ("as_of" = Option<String>, Query, description = "The collection as it stood at this moment (system time: what the store held then), e.g. the last publication"),
    ),
    responses(
        (status = 200, description = "A page of sites", body = SitePage, content_type = "application/geo+json"),
        (status = 400, description = "An unknown or malformed parameter or filter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let query = parse_items_query(raw.as_deref(), &["unit", "as_of"], &view.queryables)?;
    // The collection as it stood at a past moment: from the store's versions.
    let past = match query.filter("as_of") {
        Some(at) => Some(
            state
                .store
                .sites_as_of(crate::ogc::filter::moment(at, "as_of")?)
                .await?,
        ),
        None => None,
    };
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        let unit = query
            .filter("unit")
            .map(|u| {
                UnitCode::parse(u)
                    .map_err(|d| AppError::bad_request("Invalid query parameter", "?unit", d))
            })
            .transpose()?;
        let filter = SiteFilter {
            bbox: query.bbox,
            unit,
            element_type: None,
            status: None,
            shape: view.shape,
            filter: query.filter.clone(),
            sort: query.sort.clone(),
            visibility: viewer.visibility(),
        };
        let (matched, entries) = {
            let catalog = state.catalog();
            let past = past.map(|versions| {
                super::changes::seen_then(&catalog, view, &filter.visibility, &versions)
            });
            catalog.select_sites(past.as_deref(), &filter, query.offset, query.limit)
        };
        let features = render(&state, view, &entries, &base, viewer.audience());
        crate::ogc::items::items_response(&query, &page(&base, view.id, &query, features, matched))
    })
    .await
}

/// The live site `id` as `viewer` may see it in `view`: a draft is "not found" to the public,
/// so its existence does not leak.
fn visible(
    state: &AppState,
    view: &SiteView,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Arc<SiteEntry>> {
    state
        .catalog()
        .site(id)
        .filter(|e| viewer.visibility().sees_site(e))
        .filter(|e| {
            view.shape
                .is_none_or(|s| Shape::of(&e.site.fields.geometry) == Some(s))
        })
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no site with id {id}")))
}

/// One site; a draft is not found for the public.
#[utoipa::path(get, operation_id = "sites_one", path = "/api/collections/sites/items/{featureId}", tag = "Sites",
    params(("featureId" = i64, Path, description = "The site's id")),
    responses(
        (status = 200, description = "The site; its ETag is its version for the team, a content hash for the public", body = SiteFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such site (or a draft, for the public)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    // Rendering a page of large features is real work: on the read pool.
    on_pool(&state.work.reads, &state, move |state| {
        let crs = crate::ogc::items::one_crs(raw.as_deref())?;
        let entry = visible(&state, view, &viewer, parse_id(&id)?)?;
        let audience = viewer.audience();
        let body = render(&state, view, std::slice::from_ref(&entry), &base, audience).remove(0);
        let tag = tag_for(audience, entry.site.stamp.version, &body);
        crate::ogc::items::one_response(&body, tag, &crs)
    })
    .await
}

/// `?message=` on a write: why it was made (DELETE has no body to carry it).
fn query_message(raw: Option<&str>) -> AppResult<Option<String>> {
    pairs(raw, &["message"])?
        .into_iter()
        .next()
        .map(|(_, m)| {
            crate::text::clean(
                &m,
                "?message",
                crate::text::Lines::Many,
                super::parse::MESSAGE_MAX_CHARS,
            )
        })
        .transpose()
}

/// The edit of a site whose stored and new geometries are `geometries`, after the policy
/// allowed `viewer` to make it ([`crate::policy::may_edit_site`]).
fn edit(
    state: &AppState,
    viewer: &Viewer,
    geometries: &[&crate::spatial::Geometry],
    parsed_message: Option<String>,
    request: &RequestInfo,
) -> AppResult<Edit> {
    let principal = viewer.site_editor()?;
    let units = {
        let catalog = state.catalog();
        crate::policy::may_edit_site(principal, &catalog, geometries, chrono::Utc::now())?
    };
    Ok(Edit {
        message: parsed_message.or(query_message(request.query.as_deref())?),
        units: units.iter().map(|u| u.to_string()).collect(),
        ..request.edit_by(principal.author.clone())
    })
}

/// Runs `write` and then `apply` (catalog update and answer) in a task of its own: once the
/// store has committed, the catalog learns it even if the client has gone away meanwhile, and
/// the apply (deriving a large polygon's units and shapes, rendering it) runs on tokio's
/// blocking threads, which never refuse it: a committed write is always applied and answered.
async fn commit(
    state: &AppState,
    write: impl std::future::Future<Output = AppResult<Site>> + Send + 'static,
    apply: impl FnOnce(&AppState, Site) -> Response + Send + 'static,
) -> AppResult<Response> {
    let state = state.clone();
    let task = tokio::spawn(async move {
        let site = write.await?;
        tokio::task::spawn_blocking(move || apply(&state, site))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("applying a committed write: {e}")))
    });
    task.await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the write task: {e}")))?
}

/// The apply of a create or an edit: the catalog learns the new version, then the client gets it.
fn written(
    view: &'static SiteView,
    base: BaseUrl,
    status: StatusCode,
) -> impl FnOnce(&AppState, Site) -> Response {
    move |state, site| {
        let id = site.id;
        let version = site.stamp.version;
        let entry = state.site_written(site);
        let body = render(
            state,
            view,
            std::slice::from_ref(&entry),
            &base,
            Audience::Team,
        )
        .remove(0);
        let location = (status == StatusCode::CREATED).then(|| site_href(&base, view, id));
        feature_response(status, &body, etag(version), location)
    }
}

/// Draws a new site (OGC API Features Part 4), at version 1.
#[utoipa::path(post, operation_id = "sites_create", path = "/api/collections/sites/items", tag = "Sites",
    request_body(content = SiteInput, content_type = "application/geo+json"),
    params(("message" = Option<String>, Query, description = "Why the change was made")),
    responses(
        (status = 201, description = "Created; Location names it, ETag is v1", body = SiteFeature, content_type = "application/geo+json"),
        (status = 400, description = "Malformed JSON or GeoJSON, an unknown member", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or an unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not edit", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body or the geometry is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid geometry or content", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    editor: Editor,
    base: BaseUrl,
    request: RequestInfo,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    let viewer = editor.viewer();
    // Validation of a large polygon is real work: on the write pool, off the async workers.
    let ParsedSite {
        fields, message, ..
    } = on_pool(&state.work.ingest, &state, move |_| {
        parse_site_feature(&body, "", &Crs::LonLat)
    })
    .await?;
    check_shape(view, &fields.geometry)?;
    let edit = edit(&state, &viewer, &[&fields.geometry], message, &request)?;
    let store = state.store.clone();
    let write = async move {
        let site = store
            .create_sites(std::slice::from_ref(&fields), &edit)
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the store created no site")))?;
        tracing::info!(id = site.id, author = %edit.author, "site created");
        Ok(site)
    };
    commit(&state, write, written(view, base, StatusCode::CREATED)).await
}

fn check_body_id(parsed: &ParsedSite, id: i64) -> AppResult<()> {
    match &parsed.id {
        None => Ok(()),
        Some(v) if v.as_i64() == Some(id) || v.as_str() == Some(id.to_string().as_str()) => Ok(()),
        Some(v) => Err(AppError::bad_request(
            "Conflicting id",
            "/id",
            format!("the body's id {v} differs from the path's {id}"),
        )),
    }
}

/// A conditional write on site `id` (PUT, PATCH or DELETE): authorise, check `If-Match`
/// against what the caller can see, read the new content (`body` for PUT and PATCH), then
/// compare-and-swap in the store.
async fn rewrite(
    state: &AppState,
    view: &SiteView,
    viewer: &Viewer,
    id: &str,
    request: &RequestInfo,
    change: Change,
    body: Option<Value>,
) -> AppResult<Plan> {
    viewer.site_editor()?;
    let current = visible(state, view, viewer, parse_id(id)?)?;
    let id = current.site.id;
    let Expected {
        version: expected,
        unconditional,
    } = expected_from(
        request.if_match.as_ref(),
        current.site.stamp.version,
        state.settings.require_if_match,
    )?;
    if expected > current.site.stamp.version {
        // The client read a version this server's catalog has not seen yet (a write on another
        // replica): merging into what it holds could undo that write, and the policy would
        // judge an older geometry than the one stored.
        return Err(AppError::Unavailable {
            detail: format!(
                "this server has not yet seen version {expected} of site {id}; try again in a moment"
            ),
            retry_after: 1,
        });
    }
    let parsed = match body {
        None => ParsedSite {
            fields: current.site.fields.clone(),
            id: None,
            message: None,
        },
        Some(body) => {
            let current = current.clone();
            on_pool(&state.work.ingest, state, move |_| match change {
                Change::Update => apply_patch(&current.site.fields, &body),
                _ => parse_site_feature(&body, "", &Crs::LonLat),
            })
            .await?
        }
    };
    check_body_id(&parsed, id)?;
    check_shape(view, &parsed.fields.geometry)?;
    if change == Change::Update && parsed.fields == current.site.fields {
        // A patch that changes nothing (`{}`, or the values already stored) is not an edit:
        // no new version, the current one is answered.
        return Ok(Plan::Unchanged(current.site.clone()));
    }
    let geometries = [&current.site.fields.geometry, &parsed.fields.geometry];
    let edit = Edit {
        unconditional,
        ..edit(state, viewer, &geometries, parsed.message.clone(), request)?
    };
    let store = state.store.clone();
    let fields = parsed.fields;
    Ok(Plan::Write(Box::pin(async move {
        store
            .write_site(id, expected, change, &fields, &edit)
            .await
            .map_err(|e| match e {
                // Without If-Match the client asked for no version, so a 412 would name one it
                // never saw: the site changed on another server a moment ago.
                crate::store::StoreError::Stale { .. } if unconditional => AppError::Unavailable {
                    detail: format!("site {id} changed on another server a moment ago; try again"),
                    retry_after: 1,
                },
                e => AppError::from_store(e, &format!("site with id {id}"), expected),
            })
    })))
}

/// What a conditional write comes to: nothing to write, or the store write to run.
enum Plan {
    Unchanged(Site),
    Write(std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<Site>> + Send>>),
}

impl Plan {
    /// The write, or the unchanged site as if just written.
    fn into_write(
        self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<Site>> + Send>> {
        match self {
            Self::Unchanged(site) => Box::pin(async move { Ok(site) }),
            Self::Write(write) => write,
        }
    }
}

/// Replaces a site (a new version), if it is still at the version `If-Match` names.
#[utoipa::path(put, operation_id = "sites_replace", path = "/api/collections/sites/items/{featureId}", tag = "Sites",
    params(("featureId" = i64, Path, description = "The site's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; without it the change applies to the current version (unless the server requires If-Match) and is audited as unconditional"),
        ("message" = Option<String>, Query, description = "Why the change was made")),
    request_body(content = SiteInput, content_type = "application/geo+json"),
    responses(
        (status = 200, description = "The new version", body = SiteFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone changed it since: current_version says which", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid geometry or content", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing, on a server that requires it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn replace(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    editor: Editor,
    base: BaseUrl,
    Path(id): Path<String>,
    request: RequestInfo,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    let plan = rewrite(
        &state,
        view,
        &editor.viewer(),
        &id,
        &request,
        Change::Replace,
        Some(body),
    )
    .await?;
    commit(
        &state,
        plan.into_write(),
        written(view, base, StatusCode::OK),
    )
    .await
}

/// Changes part of a site (a JSON merge patch of the Feature), if it is still at the version
/// `If-Match` names.
#[utoipa::path(patch, operation_id = "sites_update", path = "/api/collections/sites/items/{featureId}", tag = "Sites",
    params(("featureId" = i64, Path, description = "The site's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; without it the change applies to the current version (unless the server requires If-Match) and is audited as unconditional"),
        ("message" = Option<String>, Query, description = "Why the change was made")),
    request_body(content = SiteInput, description = "Any part of a site: the members given replace the stored ones", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The new version (or the current one, if nothing changed)", body = SiteFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone changed it since", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing, on a server that requires it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    editor: Editor,
    base: BaseUrl,
    Path(id): Path<String>,
    request: RequestInfo,
    JsonBody(body): JsonBody,
) -> AppResult<Response> {
    let plan = rewrite(
        &state,
        view,
        &editor.viewer(),
        &id,
        &request,
        Change::Update,
        Some(body),
    )
    .await?;
    commit(
        &state,
        plan.into_write(),
        written(view, base, StatusCode::OK),
    )
    .await
}

/// Deletes a site (a tombstone version; the history stays), if it is still at the version
/// `If-Match` names.
#[utoipa::path(delete, operation_id = "sites_delete", path = "/api/collections/sites/items/{featureId}", tag = "Sites",
    params(("featureId" = i64, Path, description = "The site's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; without it the change applies to the current version (unless the server requires If-Match) and is audited as unconditional"),
        ("message" = Option<String>, Query, description = "Why the site was deleted")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone changed it since", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing, on a server that requires it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    editor: Editor,
    Path(id): Path<String>,
    request: RequestInfo,
) -> AppResult<Response> {
    let plan = rewrite(
        &state,
        view,
        &editor.viewer(),
        &id,
        &request,
        Change::Delete,
        None,
    )
    .await?;
    commit(&state, plan.into_write(), |state, tombstone| {
        state.site_deleted(tombstone.id, tombstone.stamp.version);
        tracing::info!(id = tombstone.id, "site deleted");
        StatusCode::NO_CONTENT.into_response()
    })
    .await
}

fn version_feature(v: &SiteVersion, audience: Audience, shown: usize) -> SiteVersionFeature {
    let f = &v.fields;
    SiteVersionFeature {
        kind: FeatureType::Feature,
        id: v.site_id,
        geometry: Geometry(geometry_json(&f.geometry)),
        properties: SiteVersionProperties {
            content: SiteContent::of(f),
            stamp: VersionStamp::new(&v.stamp, v.change, v.message.as_deref(), audience, shown),
        },
    }
}

/// Every version of a site, oldest first. The public sees only the versions that were
/// published, and only of a site that is published now; token holders see everything,
/// deleted sites included.
#[utoipa::path(get, operation_id = "sites_history", path = "/api/collections/sites/items/{featureId}/history", tag = "Sites",
    params(("featureId" = i64, Path, description = "The site's id")),
    responses(
        (status = 200, description = "Its versions, oldest first", body = SiteHistory, content_type = "application/geo+json"),
        (status = 404, description = "No such site (or never published, for the public)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn history(
    State(state): State<AppState>,
    Extension(view): Extension<&'static SiteView>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let visibility = viewer.visibility();
    // A version is judged by the rule with the site's units now; the public needs the site
    // to be published now as well.
    // A deleted site's history stays readable by those who saw its drafts: everywhere, or
    // (below) the versions that lay in their units.
    let units = match visible(&state, view, &viewer, id) {
        Ok(entry) => entry.units.clone(),
        Err(_) if visibility != Visibility::Public && state.catalog().site(id).is_none() => {
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let stored = state.store.site_history(id).await?;
    // A caller who sees drafts in certain areas sees a draft version only where that version
    // lay: a site moved into their units does not bring its drafts from elsewhere.
    let versions: Vec<SiteVersion> = match &visibility {
        Visibility::Areas(_) => {
            let catalog = state.catalog();
            stored
                .into_iter()
                .filter(|v| {
                    let g = &v.fields.geometry;
                    let lay = crate::catalog::units_in(&catalog.units_near(g), g);
                    visibility.sees(v.fields.status, &lay)
                })
                .collect()
        }
        _ => stored
            .into_iter()
            .filter(|v| visibility.sees(v.fields.status, &units))
            .collect(),
    };
    if versions.is_empty() {
        return Err(AppError::NotFound(format!("no site with id {id}")));
    }
    let audience = viewer.audience();
    // Those who may read the audit log see the site's entries beside its versions.
    let may_audit = viewer.0.as_ref().is_some_and(|p| {
        crate::policy::may(p, crate::policy::Action::ReadAudit, chrono::Utc::now()).is_ok()
    });
    let audit = match may_audit {
        true => {
            let filter = crate::store::audit::AuditFilter {
                collection: Some("sites".into()),
                key: Some(id.to_string()),
                limit: Some(1000),
                ..Default::default()
            };
            Some(state.store.audit_entries(&filter).await?)
        }
        false => None,
    };
    on_pool(&state.work.reads, &state, move |_| {
        let features = versions
            .iter()
            .enumerate()
            .map(|(i, v)| version_feature(v, audience, i + 1))
            .collect();
        let history = History {
            audit,
            ..History::new(features)
        };
        Ok(geojson(StatusCode::OK, &history))
    })
    .await
}
