//! `/api/collections/needs/items`: residents' needs as OGC API Features. Anyone submits (no
//! account), throttled per address and overall; the public reads needs that are neither
//! hidden nor declined, without contacts; moderators read everything in their units.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value};
use utoipa::OpenApi;

use super::api::{Nearest, NeedFeature, NeedProperties, Submitted};
use super::model::{Need, NeedEvent, NewNeed};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::http::links::BaseUrl;
use crate::http::query::parse_items_query;
use crate::http::request::RequestInfo;
use crate::ogc::CollectionSpec;
use crate::ogc::contract::{FeatureType, Geometry, Link};
use crate::ogc::items::{GEOJSON, geojson, page};
use crate::spatial::read::{Accept, GeometryReader};
use crate::spatial::write::geometry_json;
use crate::state::AppState;
use crate::text::{self, Lines};
use crate::work::on_pool;

/// The needs collection, as the registry lists it.
pub const COLLECTION: CollectionSpec = CollectionSpec {
    id: "needs",
    title: "Residents' needs 需求清单",
    description: "What residents ask for, where: submitted without an account, moderated by the sub-district's planners; hidden and declined needs and every contact stay out of public answers",
    routes: router,
    openapi: super::NeedsApi::openapi,
    queryables: &super::query::QUERYABLES,
    extent: |state, visibility| state.needs().extents(visibility),
};

/// The longest text a need may have, in characters.
pub const TEXT_MAX_CHARS: usize = 2_000;
/// The most positions a need's geometry may have.
pub const MAX_POSITIONS: usize = 500;
/// The longest line a need may be drawn as, in metres.
pub const MAX_LENGTH_M: f64 = 2_000.0;
/// The largest area a need may be drawn as, in m² (a few blocks).
pub const MAX_AREA_M2: f64 = 250_000.0;

/// The needs routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/collections/needs/items", get(list).post(submit))
        .route("/api/collections/needs/items/{featureId}", get(one))
        .merge(super::actions::router())
}

/// What a need's feature shows besides its own fields.
#[derive(Default)]
pub(crate) struct Extras {
    pub nearest: Option<Vec<Nearest>>,
    pub trail: Option<Vec<NeedEvent>>,
    /// For its moderators: the contact (and hidden, flags).
    pub moderator: Option<Option<String>>,
    /// Whether the caller may see the project that answers it (a draft project's id is not
    /// shown to the public).
    pub project_visible: bool,
}

/// `need` as a Feature.
pub(crate) fn feature(
    state: &AppState,
    need: &Need,
    base: &BaseUrl,
    extras: Extras,
) -> NeedFeature {
    let href = base.at(&format!("/api/collections/needs/items/{}", need.id));
    let category = state.need_catalogue.get(&need.category);
    let (status_zh, status_en) = need.status.label();
    let unit_names = {
        let catalog = state.catalog();
        need.units
            .iter()
            .filter_map(|c| catalog.unit(c).map(|e| e.unit.fields.name_zh.clone()))
            .collect()
    };
    let moderator = extras.moderator.is_some();
    NeedFeature {
        kind: FeatureType::Feature,
        id: need.id,
        geometry: Geometry(geometry_json(&need.geometry)),
        properties: NeedProperties {
            category: need.category.clone(),
            category_zh: category.map_or_else(|| need.category.clone(), |c| c.name_zh.clone()),
            category_en: category.map_or_else(|| need.category.clone(), |c| c.name_en.clone()),
            text: need.text.clone(),
            status: need.status,
            status_zh: status_zh.into(),
            status_en: status_en.into(),
            reason: need
                .reason
                .clone()
                .filter(|_| need.status == super::NeedStatus::Declined || moderator),
            merged_into: need.merged_into,
            project: need.project.filter(|_| extras.project_visible),
            supports: need.supports,
            units: need.units.iter().map(|c| c.as_str().to_string()).collect(),
            unit_names,
            photos: need
                .photos
                .iter()
                .map(|p| base.at(&format!("/api/needs/photos/{p}")))
                .collect(),
            submitted_at: need.submitted_at,
            updated_at: need.updated_at,
            version: need.version,
            nearest: extras.nearest,
            trail: extras.trail,
            hidden: moderator.then_some(need.hidden),
            flags: moderator.then_some(need.flags),
            contact: extras.moderator.flatten(),
        },
        links: vec![
            Link::new(href.clone(), "self", GEOJSON, "This need"),
            Link::new(
                base.at("/api/collections/needs"),
                "collection",
                "application/json",
                "Residents' needs",
            ),
            Link::new(
                format!("{href}/feed"),
                "alternate",
                "application/atom+xml",
                "What became of it (Atom)",
            ),
        ],
    }
}

/// Residents' needs, filtered and paged: the public's are neither hidden nor declined.
#[utoipa::path(get, operation_id = "needs_list", path = "/api/collections/needs/items", tag = "Needs",
    params(
        ("bbox" = Option<String>, Query, description = "west,south,east,north in CRS84"),
        ("bbox-crs" = Option<String>, Query, description = "The CRS bbox is given in (Part 2), e.g. http://www.opengis.net/def/crs/EPSG/0/4549, in that CRS's axis order"),
        ("crs" = Option<String>, Query, description = "The CRS of the answer's coordinates (Part 2): a URI the collection lists, any EPSG code PROJ knows, GCJ-02 or BD-09; GeoJSON follows its axis order, files are easting first"),
        ("f" = Option<String>, Query, description = "json (GeoJSON, the default), csv (UTF-8 with BOM, geometry as WKT), gpkg (GeoPackage) or shp (zipped Shapefile, UTF-8 .cpg)"),
        ("limit" = Option<usize>, Query, description = "Items per page, 1–10000 (default 100)"),
        ("offset" = Option<usize>, Query, description = "Items to skip"),
        ("category" = Option<String>, Query, description = "Only this category"),
        ("status" = Option<String>, Query, description = "Only this status"),
        ("unit" = Option<String>, Query, description = "Only needs in this unit (or below it)"),
        ("filter" = Option<String>, Query, description = "A CQL2 filter on the queryables"),
    ),
    responses(
        (status = 200, description = "A page of needs", body = NeedPage, content_type = "application/geo+json"),
        (status = 400, description = "An unknown or malformed parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    on_pool(&state.work.reads, &state, move |state| {
        let query = parse_items_query(raw.as_deref(), &["unit"], &super::query::QUERYABLES)?;
        let unit = query
            .filter("unit")
            .map(|u| {
                crate::units::UnitCode::parse(u)
                    .map_err(|d| AppError::bad_request("Invalid query parameter", "?unit", d))
            })
            .transpose()?;
        let exact = query.bbox.map(crate::catalog::rect_polygon);
        let mut needs = state.needs().visible(&viewer.visibility(), query.bbox);
        needs.retain(|n| {
            use geo::Intersects;
            unit.as_ref().is_none_or(|u| n.units.contains(u))
                && query.filter.as_ref().is_none_or(|f| f.matches(n.as_ref()))
                && exact.as_ref().is_none_or(|b| n.geometry.intersects(b))
        });
        let id_descending = query.sort.0.iter().any(|(k, d)| *k == "id" && *d);
        needs.sort_by(|a, b| {
            let by_id = if id_descending {
                b.id.cmp(&a.id)
            } else {
                a.id.cmp(&b.id)
            };
            query.sort.compare(a.as_ref(), b.as_ref()).then(by_id)
        });
        let matched = needs.len();
        let features: Vec<NeedFeature> = needs
            .iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|n| {
                let extras = Extras {
                    project_visible: project_visible(&state, &viewer, n),
                    ..Extras::default()
                };
                feature(&state, n, &base, extras)
            })
            .collect();
        crate::ogc::items::items_response(&query, &page(&base, "needs", &query, features, matched))
    })
    .await
}

pub(crate) fn need_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("no need with id \"{id}\"")))
}

/// The need `id` as `viewer` may see it (404 for a hidden or declined one to the public).
pub(crate) fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<std::sync::Arc<Need>> {
    state
        .needs()
        .get(id)
        .filter(|n| viewer.visibility().sees_need(n))
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no need with id {id}")))
}

/// Whether `viewer` moderates `need` (and so sees its contact).
pub(crate) fn moderates(viewer: &Viewer, need: &Need) -> bool {
    viewer
        .0
        .as_ref()
        .is_some_and(|p| crate::policy::may_moderate(p, &need.units, chrono::Utc::now()).is_ok())
}

/// One need, with how far it is to walk to the facilities it concerns and what became of it.
#[utoipa::path(get, operation_id = "needs_one", path = "/api/collections/needs/items/{featureId}", tag = "Needs",
    params(("featureId" = i64, Path, description = "The need's id")),
    responses(
        (status = 200, description = "The need", body = NeedFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such need, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let crs = crate::ogc::items::one_crs(raw.as_deref())?;
    let need = visible(&state, &viewer, need_id(&id)?)?;
    let body = detailed(&state, &viewer, &need, &base).await?;
    crate::ogc::items::one_response(&body, crate::version::etag(need.version), &crs)
}

/// Whether `viewer` may see the project that answers `need` (true when none does).
pub(crate) fn project_visible(state: &AppState, viewer: &Viewer, need: &Need) -> bool {
    need.project
        .is_none_or(|id| state.projects().visible(id, &viewer.visibility()))
}

/// `need` with its walks, its trail (the public's, or all of it for a moderator) and, for a
/// moderator, its contact.
pub(crate) async fn detailed(
    state: &AppState,
    viewer: &Viewer,
    need: &Need,
    base: &BaseUrl,
) -> AppResult<NeedFeature> {
    let moderator = moderates(viewer, need);
    let project_visible = project_visible(state, viewer, need);
    let mut trail = state.store.need_trail(need.id, !moderator).await?;
    if !project_visible {
        for step in &mut trail {
            if step.related == need.project {
                step.related = None;
            }
        }
    }
    let contact = if moderator {
        Some(state.store.need_contact(need.id).await?)
    } else {
        None
    };
    let nearest = {
        let need = need.clone();
        on_pool(&state.work.analysis, state, move |state| {
            Ok(super::gaps::nearest(&state, &need))
        })
        .await?
    };
    Ok(feature(
        state,
        need,
        base,
        Extras {
            nearest: Some(nearest),
            trail: Some(trail),
            moderator: contact,
            project_visible,
        },
    ))
}

fn bad(pointer: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request("Invalid need", pointer, detail)
}

/// Reads a submitted need: a Feature whose geometry is a Point, a short LineString or a small
/// Polygon inside the district, with category, text and optionally contact and follow.
pub(crate) fn parse_need(state: &AppState, body: &Value) -> AppResult<NewNeed> {
    let object = body
        .as_object()
        .ok_or_else(|| bad("", "the body must be a GeoJSON Feature"))?;
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(bad("/type", "\"type\" must be \"Feature\" (RFC 7946 §3.2)"));
    }
    if let Some(key) = object
        .keys()
        .find(|k| !["type", "geometry", "properties"].contains(&k.as_str()))
    {
        return Err(bad(
            &format!("/{key}"),
            format!("unknown member \"{key}\"; a need has type, geometry and properties"),
        ));
    }
    let geometry = object
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| {
            bad(
                "/geometry",
                "a need needs a place: a Point, a LineString or a Polygon",
            )
        })?;
    let geometry = GeometryReader::lon_lat().read(geometry, "/geometry", Accept::Any)?;
    check_shape(&geometry)?;
    let properties = object
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad(
                "/properties",
                "a need needs properties with category and text",
            )
        })?;
    let new = read_properties(state, properties, geometry)?;
    Ok(new)
}

fn check_shape(geometry: &geo::Geometry) -> AppResult<()> {
    use geo::CoordsIter;
    let shape =
        |detail: String| AppError::unprocessable("Invalid need geometry", "/geometry", detail);
    match geometry {
        geo::Geometry::Point(_) | geo::Geometry::LineString(_) | geo::Geometry::Polygon(_) => {}
        _ => {
            return Err(shape(
                "a need is one Point, one LineString or one Polygon".into(),
            ));
        }
    }
    if geometry.coords_count() > MAX_POSITIONS {
        return Err(shape(format!(
            "a need's place has at most {MAX_POSITIONS} positions"
        )));
    }
    if let Some(length) = crate::spatial::measure::length_m(geometry).filter(|l| *l > MAX_LENGTH_M)
    {
        return Err(shape(format!(
            "the line is {length:.0} m long; a need's line is at most {MAX_LENGTH_M:.0} m (draw the part that matters)"
        )));
    }
    if let Some(area) = crate::spatial::measure::area_m2(geometry).filter(|a| *a > MAX_AREA_M2) {
        return Err(shape(format!(
            "the area is {area:.0} m²; a need's area is at most {MAX_AREA_M2:.0} m² (a few blocks)"
        )));
    }
    Ok(())
}

fn read_properties(
    state: &AppState,
    properties: &Map<String, Value>,
    geometry: geo::Geometry,
) -> AppResult<NewNeed> {
    const KNOWN: &[&str] = &["category", "text", "contact", "follow"];
    if let Some(key) = properties.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad(
            &format!("/properties/{key}"),
            format!("unknown property \"{key}\"; a need has category, text, contact and follow"),
        ));
    }
    let string = |name: &str| match properties.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(bad(
            &format!("/properties/{name}"),
            format!("{name} must be a string"),
        )),
    };
    let category = string("category")?.ok_or_else(|| {
        bad(
            "/properties/category",
            "category is required: an id from GET /api/needs/categories",
        )
    })?;
    if state.need_catalogue.get(category).is_none() {
        let known: Vec<&str> = state
            .need_catalogue
            .categories
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        return Err(AppError::unprocessable(
            "Unknown category",
            "/properties/category",
            format!(
                "\"{category}\" is not in the needs catalogue; use one of {}",
                known.join(", ")
            ),
        ));
    }
    let raw_text = string("text")?.ok_or_else(|| {
        bad(
            "/properties/text",
            "text is required: what is needed, and why",
        )
    })?;
    let text = text::clean(
        raw_text.trim(),
        "/properties/text",
        Lines::Many,
        TEXT_MAX_CHARS,
    )?;
    if text
        .chars()
        .all(|c| c.is_whitespace() || text::invisible(c))
    {
        return Err(AppError::unprocessable(
            "Missing property",
            "/properties/text",
            "say what is needed, in a few words",
        ));
    }
    let contact = string("contact")?.map(|c| contact(c.trim())).transpose()?;
    let follow = match properties.get("follow") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("/properties/follow", "follow must be true or false")),
    };
    if follow && !contact.as_deref().is_some_and(|c| c.contains('@')) {
        return Err(AppError::unprocessable(
            "Cannot follow",
            "/properties/follow",
            "to be told by e-mail, give an e-mail address as contact (or follow with the receipt code)",
        ));
    }
    let units = {
        let catalog = state.catalog();
        crate::catalog::units_in(&catalog.units_near(&geometry), &geometry)
    };
    if units.is_empty() {
        return Err(AppError::unprocessable(
            "Outside the district",
            "/geometry",
            "the place lies in no planning unit lantu holds; put it inside the district",
        ));
    }
    Ok(NewNeed {
        category: category.to_string(),
        text,
        geometry,
        units,
        contact,
        follow,
    })
}

/// A contact: an e-mail address or a phone number, nothing else (it is the one piece of
/// personal data a need holds).
fn contact(c: &str) -> AppResult<String> {
    let pointer = "/properties/contact";
    let cleaned = text::name(c, pointer, 200)?;
    let email = cleaned.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !cleaned.contains(char::is_whitespace)
    });
    let digits = cleaned.chars().filter(char::is_ascii_digit).count();
    let phone = (7..=20).contains(&digits)
        && cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if email || phone {
        Ok(cleaned)
    } else {
        Err(AppError::unprocessable(
            "Invalid contact",
            pointer,
            "give an e-mail address or a phone number (or nothing: contact is optional)",
        ))
    }
}

/// Submits a need, no account needed: the answer holds its receipt code and where to follow it.
#[utoipa::path(post, operation_id = "needs_submit", path = "/api/collections/needs/items", tag = "Needs",
    request_body(content = NeedInput, content_type = "application/geo+json"),
    responses(
        (status = 201, description = "Received; keep the receipt code", body = Submitted),
        (status = 400, description = "Malformed JSON or GeoJSON, or an unknown member", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid geometry, unknown category, a place outside the district", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; Retry-After says when to try again", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    info: RequestInfo,
    base: BaseUrl,
    body: crate::http::body::JsonBody,
) -> AppResult<Response> {
    let new = parse_need(&state, &body.0)?;
    let author = viewer
        .0
        .as_ref()
        .map_or_else(|| "resident".to_string(), |p| p.author.clone());
    let edit = crate::version::Edit {
        units: new.units.iter().map(|u| u.as_str().to_string()).collect(),
        ..info.edit_by(author)
    };
    let receipt = super::receipt::generate()?;
    // Stored and applied in a task of its own: once committed, the index learns it even if
    // the client has gone away.
    let task = {
        let (state, receipt) = (state.clone(), receipt.clone());
        tokio::spawn(async move {
            let need = state.store.submit_need(&new, &receipt, &edit).await?;
            state.need_written(need.clone());
            Ok::<_, AppError>(need)
        })
    };
    let need = task
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the submission task: {e}")))??;
    let body = Submitted {
        tracking_url: base.at(&format!("/needs/track/{receipt}")),
        tracking_api: base.at(&format!("/api/needs/track/{receipt}")),
        receipt,
        need: feature(&state, &need, &base, Extras::default()),
    };
    let mut response = geojson(StatusCode::CREATED, &body);
    let location = base.at(&format!("/api/collections/needs/items/{}", need.id));
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    // A receipt is the submitter's alone: never kept by a shared cache.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// What a resident submits (documentation of the request body).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct NeedInput {
    /// `Feature`.
    #[schema(rename = "type")]
    kind: FeatureType,
    /// A Point, a LineString (at most 2 km) or a Polygon (at most 0.25 km²), lon/lat.
    geometry: Geometry,
    /// The need.
    properties: NeedInputProperties,
}

/// A submitted need's properties.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct NeedInputProperties {
    /// A category id (GET /api/needs/categories).
    category: String,
    /// What is needed, and why (at most 2,000 characters).
    text: String,
    /// An e-mail address or phone number for the planners; never public.
    contact: Option<String>,
    /// Tell this e-mail address at each step.
    follow: Option<bool>,
}
