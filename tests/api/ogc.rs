//! The OGC API Features skeleton a client such as QGIS walks: landing, conformance,
//! collections, OpenAPI, health.

use axum::http::{Method, StatusCode};
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
    assert_eq!(
        ids,
        [
            "units",
            "sites",
            "sites_points",
            "sites_lines",
            "sites_polygons",
            "needs"
        ]
    );
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
    // Paths relative to the landing page, as GDAL looks them up.
    assert_eq!(openapi.json["servers"][0]["url"], "http://lantu.test/api");
    assert!(openapi.json["paths"]["/collections/sites/items"]["post"].is_object());
    let parameters: Vec<&str> =
        openapi.json["paths"]["/collections/sites_polygons/items"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
    for name in [
        "filter",
        "filter-lang",
        "datetime",
        "sortby",
        "element_type",
        "name",
    ] {
        assert!(parameters.contains(&name), "{name} in {parameters:?}");
    }
    let coverage = &openapi.json["paths"]["/coverage"]["get"];
    let schema = &coverage["responses"]["200"]["content"]["application/json"]["schema"];
    let fields = required_fields(&openapi.json, schema);
    for field in [
        "homes_total",
        "homes_covered",
        "population_total",
        "population_covered",
        "bands",
    ] {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} documented: {fields:?}"
        );
    }
    for path in [
        "/isochrone",
        "/coverage/whatif",
        "/coverage/suggest",
        "/facilities",
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

/// Every property a schema requires, through `$ref`s and `allOf`.
fn required_fields(doc: &serde_json::Value, schema: &serde_json::Value) -> Vec<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return required_fields(doc, &doc["components"]["schemas"][name]);
    }
    let mut fields: Vec<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        fields.extend(required_fields(doc, part));
    }
    fields
}

/// The generated API definition, checked by an independent validator (openapi-spec-validator,
/// which `make test` installs in a virtual environment): valid OpenAPI 3.0.3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_spec_validator_accepts_the_generated_document_as_openapi_3_0_3() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = app.get("/api/openapi.json").await;
    assert_eq!(document.json["openapi"], "3.0.3");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, document.json.to_string()).unwrap();
    let validator = std::env::var("LANTU_OPENAPI_VALIDATOR")
        .unwrap_or_else(|_| "openapi-spec-validator".into());
    let output = std::process::Command::new(&validator)
        .args(["--schema", "3.0"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {validator} ({e}): `make test` installs openapi-spec-validator; \
                 or set LANTU_OPENAPI_VALIDATOR to its path"
            )
        });
    assert!(
        output.status.success(),
        "{validator} refuses the document:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn options_answers_204_with_the_methods_a_resource_allows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, headers, _) = app
        .send_raw(
            Method::OPTIONS,
            "/api/collections/sites/items",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let allow = headers
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    for method in ["GET", "POST"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    assert!(!allow.contains("DELETE"), "Allow: {allow}");
}

on_both_backends!(
    options_answers_204_with_the_methods_a_resource_allows,
    the_landing_page_links_to_conformance_collections_and_the_api_definition,
    collections_list_units_and_sites_with_their_extent,
    the_openapi_document_names_this_server_and_health_reports_the_backend,
);
