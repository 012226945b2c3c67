//! The OGC API Features skeleton a client such as QGIS walks: landing, conformance,
//! collections, OpenAPI, health.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

async fn the_landing_page_links_to_conformance_collections_and_the_api_definition(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let landing = app.get("/api").await;
    let rels: Vec<&str> = landing.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel} missing from {rels:?}");
    }
    let conformance = app.get("/api/conformance").await;
    let classes: Vec<&str> = conformance.json["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(
        classes.contains(
            &"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"
        )
    );
}

async fn collections_list_units_and_sites_with_their_extent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let collections = app.get("/api/collections").await;
    let ids: Vec<&str> = collections.json["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["units", "sites"]);
    let sites = app.get("/api/collections/sites").await;
    assert_eq!(
        sites.json["extent"]["spatial"]["bbox"][0],
        serde_json::json!([121.38, 31.22, 121.45, 31.28])
    );
    let items = sites.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "items")
        .unwrap();
    assert_eq!(
        items["href"],
        "http://lantu.test/api/collections/sites/items"
    );
}

async fn the_openapi_document_names_this_server_and_health_reports_the_backend(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let openapi = app.get("/api/openapi.json").await;
    assert_eq!(openapi.json["servers"][0]["url"], "http://lantu.test");
    assert!(openapi.json["paths"]["/api/collections/sites/items"]["post"].is_object());
    let coverage = &openapi.json["paths"]["/api/coverage"]["get"];
    let required = coverage["responses"]["200"]["content"]["application/json"]["schema"]["allOf"]
        [0]["$ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let fields = &openapi.json["components"]["schemas"][&required]["required"];
    for field in [
        "homes_total",
        "homes_covered",
        "population_total",
        "population_covered",
    ] {
        assert!(
            fields.as_array().unwrap().iter().any(|f| f == field),
            "{field} documented"
        );
    }
    for path in [
        "/api/isochrone",
        "/api/coverage/whatif",
        "/api/coverage/suggest",
        "/api/facilities",
    ] {
        assert!(openapi.json["paths"][path].is_object(), "{path} documented");
    }
    let ready = app.get("/readyz").await;
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgis",
    };
    assert_eq!(ready.json["backend"], expected);
    assert_eq!(app.get("/healthz").await.json, json!({"status": "ok"}));
}

on_both_backends!(
    the_landing_page_links_to_conformance_collections_and_the_api_definition,
    collections_list_units_and_sites_with_their_extent,
    the_openapi_document_names_this_server_and_health_reports_the_backend,
);
