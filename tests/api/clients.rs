//! The desktop clients planners and analysts use, run for real against a running `lantu serve`:
//! GDAL/OGR (`ogrinfo`, Debian's gdal-bin), QGIS 3.22 headless (Debian's python3-qgis) and
//! OWSLib (PyPI, in the test venv). `make test` installs all three; a test fails, never skips,
//! when one is missing. The server's access log (`lantu::access`) shows what each client
//! asked of the server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use lantu::auth::Role;
use lantu::planners::TeamKind;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, lantu_binary, root, serving, storage_args, three_sites};
use crate::on_both_backends;

/// The planner desktop clients sign in as, with a password they send as ASCII.
const LOGIN: &str = "desk.planner";
const PASSWORD: &str = "desktop-gis-2026";

/// A running server with three sites: a published point and line, and a draft polygon.
struct Desktop {
    app: TestApp,
    server: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
    point: i64,
    line: i64,
    polygon: i64,
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

async fn desktop(backend: Backend) -> Desktop {
    let app = TestApp::spawn(backend).await;
    let term = (
        TeamKind::Subdistrict,
        &["990101"][..],
        "2020-01-01",
        "2099-12-31",
    );
    app.person_with_password(LOGIN, PASSWORD, &[Role::Planner], &[term])
        .await;
    let (point, line, polygon) = three_sites(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let (server, address) = serve_logging(&app, &log);
    Desktop {
        app,
        server,
        base: format!("http://{address}"),
        log,
        _dir: dir,
        point,
        line,
        polygon,
    }
}

/// `lantu serve` on the app's store, its log (access log included) written to `log`.
fn serve_logging(app: &TestApp, log: &Path) -> (Child, std::net::SocketAddr) {
    let mut command = lantu_binary();
    command
        .env("LANTU_LOG", "warn,lantu::access=debug")
        .args(storage_args(&app.storage))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(std::fs::File::create(log).unwrap());
    let (child, address, _) = serving(command);
    (child, address)
}

impl Desktop {
    /// The requests the server answered so far, as the access log has them.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter(|l| l.contains("lantu::access"))
            .map(str::to_string)
            .collect()
    }
}

/// A tool the test command installs; a clear failure when it is not there.
fn tool(path: &str, package: &str) -> Command {
    let found = Path::new(path).is_absolute() && Path::new(path).exists()
        || Command::new("which")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{path} is missing: `make test` installs it ({package}); on Debian: apt-get install {package}"
    );
    let mut command = Command::new(path);
    command.env("QT_QPA_PLATFORM", "offscreen");
    command
}

fn run(mut command: Command) -> String {
    let output = command.output().expect("run the client");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The JSON object a client script printed last (QGIS may print its own lines first).
fn printed_json(stdout: &str, client: &str) -> Value {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("{client} printed no JSON object; it printed:\n{stdout}"));
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{client} printed a line that is not JSON ({e}):\n{stdout}"))
}

/// The `name` of each feature `ogrinfo -al` printed, sorted.
fn ogr_names(output: &str) -> Vec<String> {
    let mut names: Vec<String> = output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name (String) = "))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

fn ogrinfo(desktop: &Desktop, layer: &str, where_: &str, signed_in: bool) -> Vec<String> {
    ogrinfo_with(desktop, layer, &["-where", where_], signed_in)
}

fn ogrinfo_with(desktop: &Desktop, layer: &str, args: &[&str], signed_in: bool) -> Vec<String> {
    let mut command = tool("ogrinfo", "gdal-bin");
    command.args(["-ro", "-al", "-q"]);
    if signed_in {
        command.args(["-oo", &format!("USERPWD={LOGIN}:{PASSWORD}")]);
    }
    command
        .arg(format!("OAPIF:{}/api", desktop.base))
        .arg(layer)
        .args(args);
    ogr_names(&run(command))
}

async fn gdal_reads_every_site_and_sends_date_and_attribute_filters_to_the_server(
    backend: Backend,
) {
    let desktop = desktop(backend).await;
    let (corner, walk, garden) = ("西区街角", "慢行步道", "东区口袋花园");
    // A date filter: GDAL sends it as CQL (the OpenAPI document lists cql-text).
    assert_eq!(
        ogrinfo(&desktop, "sites", "updated_at > '2020-01-01'", false),
        [walk, corner],
        "the public sees the published sites"
    );
    assert_eq!(
        ogrinfo(&desktop, "sites", "updated_at > '2999-01-01'", false),
        Vec::<String>::new(),
        "nothing changed in the future: the server applied the filter"
    );
    // An attribute filter, and one that only the server could evaluate (GDAL trusts it).
    assert_eq!(
        ogrinfo(&desktop, "sites", "element_type = 'slow_traffic'", false),
        [walk]
    );
    assert_eq!(
        ogrinfo(
            &desktop,
            "sites",
            "element_type = 'street_corner' OR name LIKE '慢行%'",
            false
        ),
        [walk, corner]
    );
    // Signed in with Basic, the planner's draft is there too, in its own layer.
    assert_eq!(
        ogrinfo(&desktop, "sites_polygons", "status = 'draft'", true),
        [garden]
    );
    // A spatial filter: GDAL sends it as bbox=, the server answers what intersects it.
    assert_eq!(
        ogrinfo_with(
            &desktop,
            "sites",
            &["-spat", "121.395", "31.255", "121.405", "31.265"],
            false
        ),
        [corner]
    );
    let requests = desktop.requests();
    assert!(
        requests.iter().any(|r| r.contains("bbox=121.39")),
        "GDAL sent the box to the server: {requests:#?}"
    );
    let filtered: Vec<&String> = requests
        .iter()
        .filter(|r| r.contains("filter=") && r.contains("filter-lang=cql-text"))
        .collect();
    for needle in ["updated_at", "element_type", "status"] {
        assert!(
            filtered.iter().any(|r| r.contains(needle)),
            "GDAL sent the {needle} filter to the server: {requests:#?}"
        );
    }
}

async fn qgis_loads_every_site_per_type_with_basic_auth_and_filters_on_the_server(
    backend: Backend,
) {
    let desktop = desktop(backend).await;
    let mut qgis = tool("/usr/bin/python3", "python3-qgis qgis-providers");
    qgis.arg(root().join("tests/clients/qgis_reads.py"))
        .args([&desktop.base, LOGIN, PASSWORD]);
    let out: Value = printed_json(&run(qgis), "QGIS");
    let layer = |typename: &str, who: &str| out[typename][who].clone();
    assert_eq!(
        layer("sites_points", "public"),
        json!({"valid": true, "geometry": "Point", "names": ["西区街角"]})
    );
    assert_eq!(
        layer("sites_lines", "public"),
        json!({"valid": true, "geometry": "LineString", "names": ["慢行步道"]})
    );
    assert_eq!(
        layer("sites_polygons", "public")["names"],
        json!([]),
        "no draft for the public"
    );
    assert_eq!(
        layer("sites_polygons", "planner"),
        json!({"valid": true, "geometry": "Polygon", "names": ["东区口袋花园"]}),
        "the planner's draft, through Basic auth"
    );
    assert_eq!(
        out["dated"]["names"],
        json!(["东区口袋花园", "慢行步道", "西区街角"])
    );
    assert_eq!(out["future"]["names"], json!([]));
    assert_eq!(out["cql"]["names"], json!(["慢行步道"]));
    let requests = desktop.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("datetime=2999-01-01T00:00:00Z")),
        "QGIS sent its date subset as datetime=: {requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("credentials=\"basic\"")),
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.contains("sites_lines/items") && r.contains("filter=")),
        "QGIS (through GDAL's OAPIF driver) sent the CQL filter to the server: {requests:#?}"
    );
}

async fn owslib_changes_and_deletes_a_site_without_if_match_and_history_shows_both(
    backend: Backend,
) {
    let desktop = desktop(backend).await;
    let python = std::env::var("LANTU_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("LANTU_TEST_PYTHON is not set: run the tests with `make test`, which installs OWSLib in target/test-venv")
    });
    let mut owslib = tool(&python, "OWSLib (pip, in target/test-venv)");
    owslib
        .arg(root().join("tests/clients/owslib_edits.py"))
        .args([&desktop.base, LOGIN, PASSWORD, "sites_points"])
        .arg(desktop.point.to_string())
        .arg("改名的街角");
    let out: Value = printed_json(&run(owslib), "OWSLib");
    assert_eq!(
        out,
        json!({"created_status": 201, "read": "西区街角", "update_returned": true, "update_status": 200,
               "changed": "改名的街角", "dated_before_delete": [desktop.point, desktop.polygon + 1],
               "delete_returned": true, "delete_status": 204, "dated_after_delete": [desktop.polygon + 1],
               "history": [["create", "西区街角"], ["replace", "改名的街角"], ["delete", "改名的街角"]]})
    );
    let history = desktop.app.store.site_history(desktop.point).await.unwrap();
    let changes: Vec<(&str, String)> = history
        .iter()
        .map(|v| (v.change.as_str(), v.fields.name.clone()))
        .collect();
    assert_eq!(
        changes,
        [
            ("create", "西区街角".to_string()),
            ("replace", "改名的街角".to_string()),
            ("delete", "改名的街角".to_string()),
        ]
    );
    let stored = desktop.app.stored_sites().await;
    let names: Vec<(i64, &str)> = stored
        .iter()
        .map(|s| (s.id, s.fields.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (desktop.line, "慢行步道"),
            (desktop.polygon, "东区口袋花园"),
            (desktop.polygon + 1, "OWSLib 新建的点"),
        ],
        "OWSLib created one site, changed and deleted another; the rest is untouched"
    );
}

async fn qgis_draws_each_site_in_the_blueprints_colour_from_the_qml_lantu_serves(backend: Backend) {
    let desktop = desktop(backend).await;
    let artifacts = root().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut qgis = tool("/usr/bin/python3", "python3-qgis qgis-providers");
    qgis.arg(root().join("tests/clients/qgis_style.py"))
        .args([&desktop.base, LOGIN, PASSWORD])
        .env("LANTU_ARTIFACTS", &artifacts);
    let out: Value = printed_json(&run(qgis), "QGIS");
    let hex = |h: &str| -> [f64; 3] {
        [1, 3, 5].map(|i| f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()))
    };
    // What the map draws: points and lines in the type's colour, polygons at 0.6 opacity.
    let on_white = |c: [f64; 3], alpha: f64| c.map(|v| alpha * v + (1.0 - alpha) * 255.0);
    for (collection, name, colour) in [
        ("sites_points", "西区街角", on_white(hex("#f3a712"), 1.0)),
        ("sites_lines", "慢行步道", on_white(hex("#2e86ab"), 1.0)),
        (
            "sites_polygons",
            "东区口袋花园",
            on_white(hex("#3bb273"), 0.6),
        ),
    ] {
        let layer = &out[collection];
        assert_eq!(layer["style_loaded"], true, "{collection}: {out}");
        assert_eq!(layer["labels"], true, "{collection} is labelled");
        let pixel: Vec<f64> = layer["pixels"][name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} drawn in {collection}: {out}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            pixel.iter().zip(colour).all(|(p, c)| (p - c).abs() <= 3.0),
            "{collection}: {name} drawn {pixel:?}, the blueprint's colour is {colour:?}"
        );
    }
    assert_eq!(
        out["label_font_installed"], true,
        "fonts-noto-cjk (make test installs it) gives QGIS the labels' font"
    );
}

on_both_backends!(
    qgis_draws_each_site_in_the_blueprints_colour_from_the_qml_lantu_serves,
    gdal_reads_every_site_and_sends_date_and_attribute_filters_to_the_server,
    qgis_loads_every_site_per_type_with_basic_auth_and_filters_on_the_server,
    owslib_changes_and_deletes_a_site_without_if_match_and_history_shows_both,
);
