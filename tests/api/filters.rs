//! What desktop GIS needs from the sites collections: one collection per geometry type,
//! features sent back as read, Part 1 `datetime`, Part 3 CQL2 filters and queryables,
//! `sortby`, and each collection's own extent.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, fixture, three_sites, walkway};
use crate::on_both_backends;

fn ids(page: &Value) -> Vec<i64> {
    page["features"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

async fn each_geometry_type_has_a_collection_of_its_own_over_the_same_sites(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (point, line, polygon) = three_sites(&app).await;
    let planner = &app.planner;
    for (collection, expected) in [
        ("sites", vec![point, line, polygon]),
        ("sites_points", vec![point]),
        ("sites_lines", vec![line]),
        ("sites_polygons", vec![polygon]),
    ] {
        let page = app
            .get_as(&format!("/api/collections/{collection}/items"), planner)
            .await;
        assert_eq!(ids(&page.json), expected, "{collection}");
        let self_link = page.json["features"][0]["links"][0]["href"]
            .as_str()
            .unwrap();
        assert!(
            self_link.contains(&format!("/collections/{collection}/items/")),
            "{self_link}"
        );
    }
    // The same id, the same site; in the wrong per-type collection it is not there.
    let one = app
        .get_as(
            &format!("/api/collections/sites_polygons/items/{polygon}"),
            planner,
        )
        .await;
    assert_eq!(one.json["properties"]["name"], "东区口袋花园");
    let wrong = app
        .get_as(
            &format!("/api/collections/sites_points/items/{polygon}"),
            planner,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    // A write goes where its geometry belongs; elsewhere a 422 names the right collection.
    let misplaced = app
        .send(
            Method::POST,
            "/api/collections/sites_points/items",
            Some(planner),
            &[],
            Some(walkway().to_string().into_bytes()),
        )
        .await;
    let problem = misplaced.assert_problem(422);
    assert!(
        problem["detail"].as_str().unwrap().contains("sites_lines"),
        "{problem}"
    );
    let placed = app
        .send(
            Method::POST,
            "/api/collections/sites_lines/items",
            Some(planner),
            &[],
            Some(walkway().to_string().into_bytes()),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.json);
    let location = placed.header("location").unwrap().to_owned();
    assert!(
        location.contains("/collections/sites_lines/items/"),
        "{location}"
    );
    assert_eq!(app.stored_sites().await.len(), 4);
    // Turning a point into a polygon through sites_points is refused, and changes nothing.
    let reshaped = app
        .send(
            Method::PATCH,
            &format!("/api/collections/sites_points/items/{point}"),
            Some(planner),
            &[],
            Some(
                json!({"geometry": fixture("sites/pocket_garden_in_east.geojson")["geometry"]})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    reshaped.assert_problem(422);
    let stored = app.store.site_history(point).await.unwrap();
    assert_eq!(stored.len(), 1);
}

async fn a_feature_read_from_the_server_can_be_sent_back_changed_with_its_derived_properties(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let path = format!("/api/collections/sites_points/items/{id}");
    let mut read = app.get_as(&path, &app.planner).await.json;
    assert!(read["properties"]["unit_names"].is_array(), "{read}");
    read["properties"]["name"] = "改过的街角".into();
    // What OWSLib's collection_item_update does: PUT the whole feature back, no If-Match.
    let put = app
        .send(
            Method::PUT,
            &path,
            Some(&app.planner),
            &[],
            Some(read.to_string().into_bytes()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    assert_eq!(put.json["properties"]["name"], "改过的街角");
    assert_eq!(
        put.json["properties"]["version"], 2,
        "derived version ignored"
    );
    // A property that is truly unknown is still refused, by name.
    read["properties"]["colour"] = "red".into();
    let refused = app
        .send(
            Method::PUT,
            &path,
            Some(&app.planner),
            &[],
            Some(read.to_string().into_bytes()),
        )
        .await;
    assert_eq!(refused.assert_problem(400)["pointer"], "/properties/colour");
    // The schema says which properties are derived.
    let queryables = app.get("/api/collections/sites/queryables").await;
    assert_eq!(
        queryables.header("content-type"),
        Some("application/schema+json")
    );
    let properties = &queryables.json["properties"];
    assert_eq!(properties["unit_names"]["readOnly"], true);
    assert_eq!(properties["updated_at"]["format"], "date-time");
    assert!(properties["name"].get("readOnly").is_none());
    assert_eq!(
        properties["element_type"]["enum"].as_array().unwrap().len(),
        10
    );
}

async fn cql2_text_and_json_filters_select_sites_and_name_what_is_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (point, line, polygon) = three_sites(&app).await;
    let planner = &app.planner;
    let items = |query: &str| format!("/api/collections/sites/items?{query}");
    for (filter, expected) in [
        ("element_type = 'pocket_garden'", vec![polygon]),
        (
            "element_type <> 'pocket_garden' AND status = 'published'",
            vec![point, line],
        ),
        ("name LIKE '%街角'", vec![point]),
        ("area_m2 > 10000", vec![polygon]),
        ("length_m BETWEEN 900 AND 1000", vec![line]),
        (
            "element_type IN ('slow_traffic', 'street_corner')",
            vec![point, line],
        ),
        (
            "S_INTERSECTS(geometry, BBOX(121.42, 31.24, 121.44, 31.26))",
            vec![polygon],
        ),
        (
            "S_WITHIN(geometry, POLYGON((121.38 31.22, 121.415 31.22, 121.415 31.28, 121.38 31.28, 121.38 31.22)))",
            vec![point, line],
        ),
        (
            "updated_at > '2020-01-01' AND description IS NULL",
            vec![point, line],
        ),
    ] {
        let query = serde_urlencoded::to_string([("filter", filter)]).unwrap();
        let page = app.get_as(&items(&query), planner).await;
        assert_eq!(page.status, StatusCode::OK, "{filter}: {}", page.json);
        assert_eq!(ids(&page.json), expected, "{filter}");
        assert_eq!(page.json["numberMatched"], expected.len(), "{filter}");
    }
    let json_filter = json!({"op": "or", "args": [
        {"op": "=", "args": [{"property": "element_type"}, "street_corner"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [121.42, 31.24, 121.44, 31.26]}]}]});
    let query = serde_urlencoded::to_string([
        ("filter", json_filter.to_string().as_str()),
        ("filter-lang", "cql2-json"),
    ])
    .unwrap();
    assert_eq!(
        ids(&app.get_as(&items(&query), planner).await.json),
        [point, polygon]
    );
    // GDAL's draft name for the text language reads the same.
    let gdal = "filter=(element_type%20=%20'slow_traffic')&filter-lang=cql-text";
    assert_eq!(ids(&app.get_as(&items(gdal), planner).await.json), [line]);
    // The public sees no draft through a filter either.
    let public = app
        .get(&items("filter=element_type%20=%20'pocket_garden'"))
        .await;
    assert_eq!(ids(&public.json), Vec::<i64>::new());
    // Unknown properties, bad syntax, wrong types: 400 naming the parameter.
    for bad in ["colour%20=%20'red'", "name%20=", "area_m2%20%3E%20'big'"] {
        let refused = app.get_as(&items(&format!("filter={bad}")), planner).await;
        assert_eq!(refused.assert_problem(400)["pointer"], "?filter", "{bad}");
    }
    let refused = app.get(&items("filter-lang=sql")).await;
    refused.assert_problem(400);
}

async fn datetime_filters_on_updated_at_in_the_forms_gdal_and_qgis_send(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (point, line, polygon) = three_sites(&app).await;
    let all = vec![point, line, polygon];
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for (datetime, expected) in [
        // GDAL: updated_at > '2020-01-01'
        ("2020-01-01T%2F..".to_string(), all.clone()),
        // QGIS: an open end as 9999
        (
            "2020-01-01T00:00:00Z%2F9999-12-31T00:00:00Z".into(),
            all.clone(),
        ),
        ("..%2F2020-01-01T00:00:00Z".into(), vec![]),
        (today.clone(), all.clone()),
        ("2020-01-01".into(), vec![]),
    ] {
        let page = app
            .get_as(
                &format!("/api/collections/sites/items?datetime={datetime}"),
                &app.planner,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{datetime}: {}", page.json);
        assert_eq!(ids(&page.json), expected, "{datetime}");
    }
    let refused = app.get("/api/collections/sites/items?datetime=soon").await;
    assert_eq!(refused.assert_problem(400)["pointer"], "?datetime");
    // Equality on a queryable as a plain parameter (what GDAL sends for name = 'x').
    let named = app
        .get_as(
            "/api/collections/sites/items?name=%E6%85%A2%E8%A1%8C%E6%AD%A5%E9%81%93",
            &app.planner,
        )
        .await;
    assert_eq!(ids(&named.json), [line]);
}

async fn sortby_orders_the_page_and_its_next_links_keep_the_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (point, line, polygon) = three_sites(&app).await;
    let page = app
        .get_as(
            "/api/collections/sites/items?sortby=-element_type&limit=2",
            &app.planner,
        )
        .await;
    // street_corner > slow_traffic > pocket_garden
    assert_eq!(ids(&page.json), [point, line]);
    let next = page.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://lantu.test")
        .to_owned();
    assert_eq!(ids(&app.get_as(&next, &app.planner).await.json), [polygon]);
    let refused = app.get("/api/collections/sites/items?sortby=colour").await;
    refused.assert_problem(400);
}

async fn each_collection_reports_its_own_extent_in_space_and_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, line, _) = three_sites(&app).await;
    let lines = app.get("/api/collections/sites_lines").await.json;
    assert_eq!(
        lines["extent"]["spatial"]["bbox"][0],
        json!([121.39, 31.25, 121.40, 31.25])
    );
    let interval = &lines["extent"]["temporal"]["interval"][0];
    let stored = app.store.site_history(line).await.unwrap();
    let at = stored[0]
        .stamp
        .at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(interval, &json!([at, at]));
    let points = app.get("/api/collections/sites_points").await.json;
    assert_eq!(
        points["extent"]["spatial"]["bbox"][0],
        json!([121.4, 31.26, 121.4, 31.26])
    );
    // The public does not learn where the draft polygon lies: the server's area instead.
    let polygons = app.get("/api/collections/sites_polygons").await.json;
    assert_eq!(
        polygons["extent"]["spatial"]["bbox"][0],
        json!([121.38, 31.22, 121.45, 31.28])
    );
    assert_eq!(
        polygons["extent"]["temporal"]["interval"][0],
        json!([null, null])
    );
    let units = app.get("/api/collections/units").await.json;
    assert!(units["extent"]["temporal"]["interval"][0][0].is_string());
}

on_both_backends!(
    each_geometry_type_has_a_collection_of_its_own_over_the_same_sites,
    a_feature_read_from_the_server_can_be_sent_back_changed_with_its_derived_properties,
    cql2_text_and_json_filters_select_sites_and_name_what_is_wrong,
    datetime_filters_on_updated_at_in_the_forms_gdal_and_qgis_send,
    sortby_orders_the_page_and_its_next_links_keep_the_order,
    each_collection_reports_its_own_extent_in_space_and_time,
);
