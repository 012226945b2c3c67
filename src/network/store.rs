//! Where the life-circle data lives: walking networks, facilities and homes, each stored under
//! a source (an import's name); a re-import replaces its source in one transaction. Facilities
//! written through the API are versioned like sites. One SQL text for both backends.

use super::codec;
use super::extract::{FoundFacility, FoundHome};
pub use super::model::{
    API_SOURCE, FacilityVersion, OsmImport, StoredFacility, StoredHome, StoredNetwork,
};
use crate::spatial::wkb;
use crate::store::changes::{Collection, Logged};
use crate::store::rows::{FacilityRow, FacilityVersionRow, HomeRow, decode, now};
use crate::store::{Columns, Conn, Store, StoreResult, Value, Versioned, vals};
use crate::version::{Change, Edit};

const FACILITY_COLUMNS: &str =
    "id, source, category, name, ST_AsBinary(geom) AS geom, version, updated_at, updated_by";

const VERSIONED: Versioned = Versioned {
    collection: Collection::Facilities,
    table: "facilities",
    history: "facility_versions",
    key: "id",
    history_key: "facility_id",
    columns: "category, name, geom",
    returning: FACILITY_COLUMNS,
    message: false,
    tombstones: false,
};

/// A facility's content by column.
fn columns(f: &FoundFacility) -> Columns {
    vec![
        ("category", (&f.category).into()),
        ("name", (&f.name).into()),
        (
            "geom",
            Value::Geometry(Some(wkb::encode(&f.position.into()))),
        ),
    ]
}

/// The import author in the change log.
const IMPORT_AUTHOR: &str = "cli:import";

/// Replaces what `source` imported: deletes its facilities (and homes, with `homes`), inserts
/// `facilities` and `homes` (estimates made by `rule`) and logs the import to `collection`.
async fn replace_source(
    tx: &mut Conn<'_>,
    collection: Collection,
    source: &str,
    facilities: Option<&[FoundFacility]>,
    homes: Option<(&[FoundHome], &str)>,
) -> StoreResult<()> {
    let at = now();
    if let Some(facilities) = facilities {
        tx.execute("DELETE FROM facilities WHERE source = $1", vals![source])
            .await?;
        let sql = "INSERT INTO facilities (source, category, name, osm, geom, imported_at)
                   VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6)";
        for f in facilities {
            let geom = wkb::encode(&f.position.into());
            tx.execute(sql, vals![source, &f.category, &f.name, &f.osm, geom, at])
                .await?;
        }
    }
    if let Some((homes, rule)) = homes {
        tx.execute("DELETE FROM homes WHERE source = $1", vals![source])
            .await?;
        let sql = "INSERT INTO homes (source, name, osm, population, population_estimated,
                                      estimate_rule, geom, imported_at)
                   VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromWKB($7, 4326), $8)";
        for h in homes {
            let (geom, rule) = (wkb::encode(&h.shape), h.estimated.then_some(rule));
            let values = vals![
                source,
                &h.name,
                &h.osm,
                h.population,
                h.estimated,
                rule,
                geom,
                at
            ];
            tx.execute(sql, values).await?;
        }
    }
    let counts = serde_json::json!({
        "facilities": facilities.map(<[_]>::len),
        "homes": homes.map(|(h, _)| h.len()),
    });
    let edit = Edit::by(IMPORT_AUTHOR);
    let record = (collection.as_str(), source);
    tx.audit(&edit, "import", record, None, Some(counts), at)
        .await?;
    tx.log(Logged::import(collection, source), at, IMPORT_AUTHOR)
        .await
}

impl Store {
    /// Replaces what was imported from `import.source` with `import`, in one transaction.
    pub async fn replace_import(&self, import: &OsmImport) -> StoreResult<()> {
        let g = &import.graph;
        let length_km = g.lengths.iter().map(|l| f64::from(*l)).sum::<f64>() / 2000.0;
        let mut tx = self.begin().await?;
        tx.execute(
            "INSERT INTO networks (source, imported_at, node_count, edge_count, length_km, graph)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (source) DO UPDATE SET imported_at = excluded.imported_at,
                node_count = excluded.node_count, edge_count = excluded.edge_count,
                length_km = excluded.length_km, graph = excluded.graph",
            vals![
                &import.source,
                now(),
                g.node_count() as i64,
                g.edge_count() as i64,
                length_km,
                codec::encode(g)
            ],
        )
        .await?;
        tx.execute(
            "DELETE FROM streets WHERE source = $1",
            vals![&import.source],
        )
        .await?;
        for street in &import.streets {
            let line = crate::spatial::wkb::encode(&geo::Geometry::LineString(street.line.clone()));
            tx.execute(
                "INSERT INTO streets (source, name, class, geom) VALUES ($1, $2, $3, ST_GeomFromWKB($4, 4326))",
                vec![
                    (&import.source).into(),
                    (&street.name).into(),
                    (&street.class).into(),
                    crate::store::Value::Geometry(Some(line)),
                ],
            )
            .await?;
        }
        let (facilities, homes) = (&import.facilities[..], &import.homes[..]);
        let homes = Some((homes, import.estimate_rule.as_str()));
        replace_source(
            &mut tx,
            Collection::LifeCircle,
            &import.source,
            Some(facilities),
            homes,
        )
        .await?;
        tx.commit().await
    }

    /// Every named street of every import.
    pub async fn load_streets(&self) -> StoreResult<Vec<super::extract::FoundStreet>> {
        let sql = "SELECT name, class, ST_AsBinary(geom) AS geom FROM streets ORDER BY id";
        let rows: Vec<(String, String, Vec<u8>)> = self.fetch_all(sql, vec![]).await?;
        decode(
            rows,
            |(name, class, geom)| match crate::spatial::wkb::decode(&geom)? {
                geo::Geometry::LineString(line) => {
                    Ok(super::extract::FoundStreet { name, class, line })
                }
                other => anyhow::bail!("a stored street is a {other:?}, not a line"),
            },
        )
    }

    /// Every stored network.
    pub async fn load_networks(&self) -> StoreResult<Vec<StoredNetwork>> {
        let sql = "SELECT source, graph FROM networks ORDER BY source";
        let rows: Vec<(String, Vec<u8>)> = self.fetch_all(sql, vec![]).await?;
        decode(rows, |(source, bytes)| {
            let graph = codec::decode(&bytes)?;
            Ok(StoredNetwork { graph, source })
        })
    }

    /// Facilities and homes stored for a source: (facilities, homes).
    pub async fn count_imported(&self, source: &str) -> StoreResult<(i64, i64)> {
        let sql = "SELECT (SELECT count(*) FROM facilities WHERE source = $1),
                          (SELECT count(*) FROM homes WHERE source = $1)";
        let counts: Option<(i64, i64)> = self.fetch_optional(sql, vals![source]).await?;
        Ok(counts.unwrap_or_default())
    }

    /// Replaces the facilities of `source` (a GeoJSON import), in one transaction.
    pub async fn replace_facilities(
        &self,
        source: &str,
        facilities: &[FoundFacility],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        replace_source(
            &mut tx,
            Collection::Facilities,
            source,
            Some(facilities),
            None,
        )
        .await?;
        tx.commit().await
    }

    /// Replaces the homes of `source`, in one transaction; `rule` says how estimates were made.
    pub async fn replace_homes(
        &self,
        source: &str,
        homes: &[FoundHome],
        rule: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        replace_source(
            &mut tx,
            Collection::LifeCircle,
            source,
            None,
            Some((homes, rule)),
        )
        .await?;
        tx.commit().await
    }

    /// Every facility.
    pub async fn load_facilities(&self) -> StoreResult<Vec<StoredFacility>> {
        let sql = format!("SELECT {FACILITY_COLUMNS} FROM facilities ORDER BY id");
        decode(
            self.fetch_all(&sql, vec![]).await?,
            FacilityRow::into_facility,
        )
    }

    /// Every home.
    pub async fn load_homes(&self) -> StoreResult<Vec<StoredHome>> {
        let sql = "SELECT id, name, population, population_estimated, ST_AsBinary(geom) AS geom
                   FROM homes ORDER BY id";
        decode(self.fetch_all(sql, vec![]).await?, HomeRow::into_home)
    }

    /// Adds one facility (source [`API_SOURCE`]) at version 1 with its first version row.
    pub async fn insert_facility(
        &self,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> StoreResult<StoredFacility> {
        let at = now();
        let mut columns = columns(facility);
        columns.extend([
            ("source", API_SOURCE.into()),
            ("osm", (&facility.osm).into()),
            ("imported_at", at.into()),
        ]);
        let mut tx = self.begin().await?;
        let row: FacilityRow = tx.insert_versioned(&VERSIONED, columns, edit, at).await?;
        tx.log_write(&VERSIONED, &row, Change::Create, edit, at)
            .await?;
        tx.commit().await?;
        Ok(row.into_facility()?)
    }

    /// One facility.
    pub async fn find_facility(&self, id: i64) -> StoreResult<Option<StoredFacility>> {
        let sql = format!("SELECT {FACILITY_COLUMNS} FROM facilities WHERE id = $1");
        let row: Option<FacilityRow> = self.fetch_optional(&sql, vals![id]).await?;
        Ok(row.map(FacilityRow::into_facility).transpose()?)
    }

    /// Replaces (`Change::Replace`) or deletes (`Change::Delete`) facility `id` if it is still at
    /// `expected`, appending a version row in the same transaction; the facility after the
    /// write (`None` once deleted).
    pub async fn write_facility(
        &self,
        id: i64,
        expected: i64,
        change: Change,
        facility: &FoundFacility,
        edit: &Edit,
    ) -> StoreResult<Option<StoredFacility>> {
        let at = now();
        let mut tx = self.begin().await?;
        let row: FacilityRow = tx
            .update_versioned(
                &VERSIONED,
                id.into(),
                expected,
                change,
                columns(facility),
                edit,
                at,
            )
            .await?;
        tx.log_write(&VERSIONED, &row, change, edit, at).await?;
        tx.commit().await?;
        Ok((change != Change::Delete)
            .then(|| row.into_facility())
            .transpose()?)
    }

    /// Every version written through the API, oldest first.
    pub async fn facility_history(&self, id: i64) -> StoreResult<Vec<FacilityVersion>> {
        let sql = "SELECT facility_id, version, change, category, name, ST_AsBinary(geom) AS geom,
                          author, at
                   FROM facility_versions WHERE facility_id = $1 ORDER BY version";
        let rows = self.fetch_all(sql, vals![id]).await?;
        decode(rows, FacilityVersionRow::into_version)
    }
}
