//! OGC API Features under `/api`: landing page, conformance, collections and the OpenAPI
//! document (Part 1: Core, GeoJSON, OpenAPI 3.0; Part 2: CRS by reference; Part 4: Create,
//! Replace, Update, Delete).
//! The items routes live with their concepts (`units::routes`, `sites::routes`).

pub mod contract;
pub mod filter;
pub mod items;

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::links::BaseUrl;
use crate::state::AppState;
use crate::version::{Change, VersionStamp};
use contract::{
    CollectionInfo, Collections, Conformance, Extent, FeatureCollectionType, FeatureType, Geometry,
    Health, Landing, Link, Problem, ProblemDetail, SpatialExtent, TemporalExtent, collection_links,
};

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The conformance classes lantu implements.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
];

/// A feature collection: what it is, its routes and its part of the OpenAPI document. A new
/// concept registers itself once, in [`COLLECTIONS`]; `/api/collections`, the router and
/// `/api/openapi.json` all read the registry.
pub struct CollectionSpec {
    /// Its id, as in `/api/collections/{id}/items`.
    pub id: &'static str,
    /// Its name, in Chinese and English.
    pub title: &'static str,
    /// What it holds, and its rules.
    pub description: &'static str,
    /// Its items routes.
    pub routes: fn() -> Router<AppState>,
    /// Its paths and schemas.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// What its items can be filtered and sorted on.
    pub queryables: &'static filter::Queryables,
    /// Where and when its items lie, as a caller who sees `Visibility` finds them.
    pub extent: fn(&AppState, &crate::visibility::Visibility) -> crate::catalog::Extents,
}

/// Every feature collection.
pub const COLLECTIONS: &[&CollectionSpec] = &[
    &crate::units::routes::COLLECTION,
    &crate::sites::routes::COLLECTION,
    &crate::sites::routes::POINTS_COLLECTION,
    &crate::sites::routes::LINES_COLLECTION,
    &crate::sites::routes::POLYGONS_COLLECTION,
    &crate::needs::routes::COLLECTION,
];

/// The `/api` routes that are not a collection's items, and every collection's.
pub fn router() -> Router<AppState> {
    let core = Router::new()
        .route("/api", get(landing))
        .route("/api/", get(landing))
        .route("/api/conformance", get(conformance))
        .route("/api/collections", get(collections))
        .route("/api/collections/{collectionId}", get(collection))
        .route(
            "/api/collections/{collectionId}/queryables",
            get(queryables),
        )
        .route("/api/openapi.json", get(openapi));
    COLLECTIONS
        .iter()
        .fold(core, |router, spec| router.merge((spec.routes)()))
}

/// The landing page.
#[utoipa::path(get, path = "/api", tag = "OGC API Features",
    responses((status = 200, description = "Links to the API definition, conformance and collections", body = Landing)))]
async fn landing(base: BaseUrl) -> Json<Landing> {
    let link = |path: &str, rel: &str, media_type: &str, title: &str| {
        Link::new(base.at(path), rel, media_type, title)
    };
    Json(Landing {
        title: "lantu 蓝图 — community blueprint server".into(),
        description: "Planning units, sites and life-circle coverage for community planners (社区规划师), as OGC API Features.".into(),
        links: vec![
            link("/api", "self", "application/json", "This document"),
            link("/api/openapi.json", "service-desc", OPENAPI_MEDIA_TYPE, "The API definition"),
            link("/api/conformance", "conformance", "application/json", "Conformance classes"),
            link("/api/collections", "data", "application/json", "Collections"),
        ],
    })
}

/// The conformance classes implemented.
#[utoipa::path(get, path = "/api/conformance", tag = "OGC API Features",
    responses((status = 200, description = "Conformance classes", body = Conformance)))]
async fn conformance() -> Json<Conformance> {
    Json(Conformance {
        conforms_to: CONFORMANCE.iter().map(|c| c.to_string()).collect(),
    })
}

fn collection_info(
    state: &AppState,
    viewer: &Viewer,
    base: &BaseUrl,
    spec: &CollectionSpec,
) -> CollectionInfo {
    let extents = (spec.extent)(state, &viewer.visibility());
    // A collection that holds nothing yet covers the area the server serves.
    let bbox = extents
        .bbox
        .or_else(|| state.catalog().extent())
        .map_or([-180.0, -90.0, 180.0, 90.0], |r| {
            [r.min().x, r.min().y, r.max().x, r.max().y]
        });
    let moment =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let interval = extents
        .interval
        .map_or([None, None], |(a, b)| [Some(moment(a)), Some(moment(b))]);
    CollectionInfo {
        id: spec.id.into(),
        title: spec.title.into(),
        description: spec.description.into(),
        item_type: "feature".into(),
        crs: crate::spatial::target::OFFERED
            .iter()
            .map(|c| c.to_string())
            .collect(),
        storage_crs: CRS84.into(),
        extent: Extent {
            spatial: SpatialExtent {
                bbox: vec![bbox],
                crs: CRS84.into(),
            },
            temporal: TemporalExtent {
                interval: vec![interval],
                trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian".into(),
            },
        },
        links: collection_links(base, spec.id, spec.title),
    }
}

/// Every feature collection.
#[utoipa::path(get, path = "/api/collections", tag = "OGC API Features",
    responses((status = 200, description = "The collections", body = Collections)))]
async fn collections(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
) -> Json<Collections> {
    Json(Collections {
        collections: COLLECTIONS
            .iter()
            .map(|spec| collection_info(&state, &viewer, &base, spec))
            .collect(),
        links: vec![Link::new(
            base.at("/api/collections"),
            "self",
            "application/json",
            "Collections",
        )],
    })
}

/// One feature collection.
#[utoipa::path(get, path = "/api/collections/{collectionId}", tag = "OGC API Features",
    params(("collectionId" = String, Path, description = "units or sites")),
    responses(
        (status = 200, description = "The collection", body = CollectionInfo),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
    ))]
async fn collection(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<String>,
) -> AppResult<Json<CollectionInfo>> {
    let spec = find(&id)?;
    Ok(Json(collection_info(&state, &viewer, &base, spec)))
}

fn find(id: &str) -> AppResult<&'static CollectionSpec> {
    COLLECTIONS
        .iter()
        .copied()
        .find(|spec| spec.id == id)
        .ok_or_else(|| unknown_collection(id))
}

/// What a collection's filters may name (Part 3): a JSON Schema of its queryables; derived
/// properties are marked `readOnly`.
#[utoipa::path(get, path = "/api/collections/{collectionId}/queryables", tag = "OGC API Features",
    params(("collectionId" = String, Path, description = "A collection's id")),
    responses(
        (status = 200, description = "The queryables, as a JSON Schema", content_type = "application/schema+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
    ))]
async fn queryables(base: BaseUrl, Path(id): Path<String>) -> AppResult<impl IntoResponse> {
    let spec = find(&id)?;
    let href = base.at(&format!("/api/collections/{id}/queryables"));
    Ok((
        [(CONTENT_TYPE, "application/schema+json")],
        Json(spec.queryables.schema(spec.id, &href)),
    ))
}

/// The 404 for a collection that does not exist.
pub fn unknown_collection(id: &str) -> AppError {
    let ids: Vec<&str> = COLLECTIONS.iter().map(|spec| spec.id).collect();
    AppError::NotFound(format!(
        "no collection \"{id}\"; the collections are {}",
        ids.join(" and ")
    ))
}

/// The OpenAPI media type.
const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "OGC API Features",
    responses((status = 200, description = "The API definition (OpenAPI 3.0.3)", content_type = "application/vnd.oai.openapi+json;version=3.0")))]
async fn openapi(base: BaseUrl) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, OPENAPI_MEDIA_TYPE)],
        Json(document(&base.0)),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "lantu 蓝图",
        description = "A GIS server for community planners (社区规划师): planning units, micro-renewal sites, the 15-minute life circle, as OGC API Features (Parts 1 and 4) and vector tiles."
    ),
    paths(
        landing,
        conformance,
        collections,
        collection,
        queryables,
        openapi,
        crate::healthz,
        crate::readyz
    ),
    components(schemas(
        Landing,
        Conformance,
        Collections,
        CollectionInfo,
        Extent,
        SpatialExtent,
        TemporalExtent,
        Link,
        Problem,
        ProblemDetail,
        Health,
        Geometry,
        FeatureType,
        FeatureCollectionType,
        VersionStamp,
        Change
    ))
)]
struct CoreApi;

/// How callers prove who they are: HTTP Basic (a login name and password, or a token as the
/// password; what QGIS offers), a Bearer token, or the browser's session cookie. Every
/// operation also answers anonymous callers (the empty requirement), with what the public sees.
fn add_security(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
    };
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "basic",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
            crate::auth::session::COOKIE_NAME,
        ))),
    );
    let none: [&str; 0] = [];
    doc.security = Some(vec![
        SecurityRequirement::default(),
        SecurityRequirement::new("basic", none),
        SecurityRequirement::new("bearer", none),
        SecurityRequirement::new("session", none),
    ]);
}

/// The whole OpenAPI document, its server at `base`: the core's paths, every collection's,
/// the life circle's and the tiles'.
pub fn document(base: &str) -> utoipa::openapi::OpenApi {
    let mut doc = CoreApi::openapi();
    for spec in COLLECTIONS {
        doc.merge((spec.openapi)());
    }
    doc.merge(crate::coverage::routes::openapi());
    doc.merge(crate::tiles::routes::openapi());
    doc.merge(crate::planners::routes::openapi());
    doc.merge(crate::auth::session::openapi());
    doc.merge(<crate::projects::ProjectsApi as utoipa::OpenApi>::openapi());
    doc.merge(crate::dashboard::openapi());
    doc.merge(<crate::evaluation::EvaluationApi as utoipa::OpenApi>::openapi());
    add_security(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    relative_to_landing_page(&mut doc, base);
    name_filter_languages(&mut doc);
    doc
}

/// Every `filter-lang` parameter with its languages as a plain `enum`, where GDAL looks: it
/// sends its `-where` to the server as `filter=` when the list holds `cql-text`.
fn name_filter_languages(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType};
    for item in doc.paths.paths.values_mut() {
        for operation in item.operations.values_mut() {
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.name == "filter-lang" {
                    let languages = ObjectBuilder::new()
                        .schema_type(SchemaType::String)
                        .enum_values(Some(["cql2-text", "cql2-json", "cql-text"]))
                        .build();
                    parameter.schema = Some(languages.into());
                }
            }
        }
    }
}

/// Paths relative to the landing page (`/collections/{collectionId}/items`, under the server
/// `{base}/api`), as OGC API clients look them up (GDAL finds a collection's query parameters
/// only so). The few paths outside `/api` (tiles, health) name the server root as their own.
fn relative_to_landing_page(doc: &mut utoipa::openapi::OpenApi, base: &str) {
    use utoipa::openapi::Server;
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, mut item) in paths {
        let relative = match path.strip_prefix("/api") {
            Some("") => "/".to_string(),
            Some(rest) if rest.starts_with('/') => rest.to_string(),
            _ => {
                item.servers = Some(vec![Server::new(base)]);
                path
            }
        };
        doc.paths.paths.insert(relative, item);
    }
    doc.servers = Some(vec![Server::new(format!("{base}/api"))]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_document_has_every_route_and_is_openapi_3_0_3() {
        let doc = serde_json::to_value(super::document("http://lantu.test")).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(
            schemes["basic"]["scheme"], "basic",
            "QGIS signs in with Basic"
        );
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["in"], "cookie");
        for path in [
            "/",
            "/collections/sites/items",
            "/collections/sites_polygons/items",
            "/collections/sites/items/{featureId}/history",
            "/collections/units/items/{featureId}",
            "/collections/{collectionId}/queryables",
            "/coverage",
            "/facilities/{facilityId}",
            "/tiles/blueprint/{z}/{x}/{y}.mvt",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert_eq!(doc["servers"][0]["url"], "http://lantu.test/api");
        assert_eq!(
            doc["paths"]["/tiles/blueprint/{z}/{x}/{y}.mvt"]["servers"][0]["url"],
            "http://lantu.test",
            "a path outside the landing page names the root as its server"
        );
    }
}
