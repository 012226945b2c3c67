//! Rows as both backends return them, and their conversion to domain types.

use chrono::{DateTime, Utc};

use crate::auth::{Role, TokenInfo};
use crate::sites::{ElementType, Site, SiteFields, SiteStatus, SiteVersion};
use crate::spatial::{Geometry, wkb};
use crate::store::{Record, Value};
use crate::units::{Unit, UnitCode, UnitFields, UnitLevel, UnitVersion};
use crate::version::{Change, Stamp};

/// Now, at the microsecond precision both stores keep.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

/// Rows converted to what they store, or the first that cannot be.
pub fn decode<R, T>(
    rows: Vec<R>,
    into: impl Fn(R) -> anyhow::Result<T>,
) -> crate::store::StoreResult<Vec<T>> {
    Ok(rows.into_iter().map(into).collect::<anyhow::Result<_>>()?)
}

#[derive(sqlx::FromRow)]
pub struct SiteRow {
    id: i64,
    version: i64,
    deleted: bool,
    name: String,
    description: Option<String>,
    element_type: String,
    status: String,
    geom: Vec<u8>,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

fn site_fields(
    name: String,
    description: Option<String>,
    element_type: &str,
    status: &str,
    geom: &[u8],
) -> anyhow::Result<SiteFields> {
    Ok(SiteFields {
        name,
        description,
        element_type: ElementType::parse(element_type)
            .ok_or_else(|| anyhow::anyhow!("stored element type {element_type:?} is unknown"))?,
        status: SiteStatus::parse(status)
            .ok_or_else(|| anyhow::anyhow!("stored status {status:?} is unknown"))?,
        geometry: wkb::decode(geom)?,
    })
}

/// Stored WKB as GeoJSON, for the audit log.
fn geojson(wkb_bytes: Option<&[u8]>) -> serde_json::Value {
    wkb_bytes
        .and_then(|b| wkb::decode(b).ok())
        .map_or(serde_json::Value::Null, |g| {
            crate::spatial::write::geometry_json(&g)
        })
}

impl Record for SiteRow {
    fn key(&self) -> Value {
        self.id.into()
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version, "deleted": self.deleted, "name": self.name,
            "description": self.description, "element_type": self.element_type,
            "status": self.status, "geometry": geojson(Some(&self.geom)),
        })
    }
}

impl SiteRow {
    /// The site, and whether it is a tombstone.
    pub fn into_site_and_deleted(self) -> anyhow::Result<(Site, bool)> {
        let deleted = self.deleted;
        Ok((self.into_site()?, deleted))
    }

    pub fn into_site(self) -> anyhow::Result<Site> {
        Ok(Site {
            id: self.id,
            fields: site_fields(
                self.name,
                self.description,
                &self.element_type,
                &self.status,
                &self.geom,
            )?,
            created: Stamp {
                version: 1,
                at: self.created_at,
                by: self.created_by,
            },
            stamp: Stamp {
                version: self.version,
                at: self.updated_at,
                by: self.updated_by,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SiteVersionRow {
    site_id: i64,
    version: i64,
    change: String,
    name: String,
    description: Option<String>,
    element_type: String,
    status: String,
    geom: Vec<u8>,
    author: String,
    at: DateTime<Utc>,
    message: Option<String>,
}

impl SiteVersionRow {
    pub fn into_version(self) -> anyhow::Result<SiteVersion> {
        Ok(SiteVersion {
            site_id: self.site_id,
            fields: site_fields(
                self.name,
                self.description,
                &self.element_type,
                &self.status,
                &self.geom,
            )?,
            stamp: Stamp {
                version: self.version,
                at: self.at,
                by: self.author,
            },
            change: Change::parse(&self.change)?,
            message: self.message,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UnitRow {
    code: String,
    level: String,
    parent_code: Option<String>,
    name_zh: String,
    name_en: Option<String>,
    population: Option<i64>,
    geom: Option<Vec<u8>>,
    version: i64,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

#[allow(clippy::too_many_arguments)]
fn unit_fields(
    code: &str,
    level: &str,
    parent_code: Option<&str>,
    name_zh: String,
    name_en: Option<String>,
    population: Option<i64>,
    geom: Option<&[u8]>,
) -> anyhow::Result<UnitFields> {
    let geometry = match geom.map(wkb::decode).transpose()? {
        None => None,
        Some(Geometry::MultiPolygon(m)) => Some(m),
        Some(other) => anyhow::bail!("unit {code} has a stored {other:?}, not a MultiPolygon"),
    };
    Ok(UnitFields {
        code: UnitCode::parse(code).map_err(anyhow::Error::msg)?,
        name_zh,
        name_en,
        level: UnitLevel::parse(level)
            .ok_or_else(|| anyhow::anyhow!("stored level {level:?} is unknown"))?,
        parent: parent_code
            .map(UnitCode::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        population,
        geometry,
    })
}

impl Record for UnitRow {
    fn key(&self) -> Value {
        self.code.as_str().into()
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version, "level": self.level, "parent_code": self.parent_code,
            "name_zh": self.name_zh, "name_en": self.name_en, "population": self.population,
            "geometry": geojson(self.geom.as_deref()),
        })
    }
}

impl UnitRow {
    pub fn into_unit(self) -> anyhow::Result<Unit> {
        Ok(Unit {
            fields: unit_fields(
                &self.code,
                &self.level,
                self.parent_code.as_deref(),
                self.name_zh,
                self.name_en,
                self.population,
                self.geom.as_deref(),
            )?,
            stamp: Stamp {
                version: self.version,
                at: self.updated_at,
                by: self.updated_by,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UnitVersionRow {
    code: String,
    version: i64,
    change: String,
    level: String,
    parent_code: Option<String>,
    name_zh: String,
    name_en: Option<String>,
    population: Option<i64>,
    geom: Option<Vec<u8>>,
    author: String,
    at: DateTime<Utc>,
    message: Option<String>,
}

impl UnitVersionRow {
    pub fn into_version(self) -> anyhow::Result<UnitVersion> {
        Ok(UnitVersion {
            fields: unit_fields(
                &self.code,
                &self.level,
                self.parent_code.as_deref(),
                self.name_zh,
                self.name_en,
                self.population,
                self.geom.as_deref(),
            )?,
            stamp: Stamp {
                version: self.version,
                at: self.at,
                by: self.author,
            },
            change: Change::parse(&self.change)?,
            message: self.message,
        })
    }
}

/// A token row as listed.
#[derive(sqlx::FromRow)]
pub struct TokenInfoRow {
    name: String,
    role: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    login: Option<String>,
}

impl TokenInfoRow {
    /// The domain type.
    pub fn into_info(self) -> anyhow::Result<TokenInfo> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| anyhow::anyhow!("stored role {:?} is unknown", self.role))?;
        Ok(TokenInfo {
            name: self.name,
            user: self.login,
            role,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A facility row, geometry as WKB.
#[derive(sqlx::FromRow)]
pub struct FacilityRow {
    id: i64,
    source: String,
    category: String,
    name: Option<String>,
    geom: Vec<u8>,
    version: i64,
    updated_at: Option<DateTime<Utc>>,
    updated_by: Option<String>,
}

impl Record for FacilityRow {
    fn key(&self) -> Value {
        self.id.into()
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version, "source": self.source, "category": self.category,
            "name": self.name, "geometry": geojson(Some(&self.geom)),
        })
    }
}

impl FacilityRow {
    /// The facility, or an error when the stored geometry is not a point.
    pub fn into_facility(self) -> anyhow::Result<crate::network::store::StoredFacility> {
        let geo::Geometry::Point(position) = crate::spatial::wkb::decode(&self.geom)? else {
            anyhow::bail!("facility {} is stored without a point geometry", self.id);
        };
        Ok(crate::network::store::StoredFacility {
            id: self.id,
            source: self.source,
            category: self.category,
            name: self.name,
            position,
            version: self.version,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

/// A facility version row, geometry as WKB.
#[derive(sqlx::FromRow)]
pub struct FacilityVersionRow {
    facility_id: i64,
    version: i64,
    change: String,
    category: String,
    name: Option<String>,
    geom: Vec<u8>,
    author: String,
    at: DateTime<Utc>,
}

impl FacilityVersionRow {
    /// The domain type.
    pub fn into_version(self) -> anyhow::Result<crate::network::store::FacilityVersion> {
        let geo::Geometry::Point(position) = crate::spatial::wkb::decode(&self.geom)? else {
            anyhow::bail!(
                "facility {} version {} has no point",
                self.facility_id,
                self.version
            );
        };
        Ok(crate::network::store::FacilityVersion {
            facility_id: self.facility_id,
            change: Change::parse(&self.change)?,
            category: self.category,
            name: self.name,
            position,
            stamp: Stamp {
                version: self.version,
                at: self.at,
                by: self.author,
            },
        })
    }
}

/// A home row, geometry as WKB.
#[derive(sqlx::FromRow)]
pub struct HomeRow {
    id: i64,
    name: Option<String>,
    population: f64,
    population_estimated: bool,
    geom: Vec<u8>,
}

impl HomeRow {
    /// The home.
    pub fn into_home(self) -> anyhow::Result<crate::network::store::StoredHome> {
        Ok(crate::network::store::StoredHome {
            id: self.id,
            name: self.name,
            population: self.population,
            estimated: self.population_estimated,
            shape: crate::spatial::wkb::decode(&self.geom)?,
        })
    }
}
