//! The test harness: a fresh store per test (a temporary SQLite file, or a new PostGIS
//! database cloned from a template), the app driven in-process, fixtures by name.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lantu::auth::{Role, generate_token};
use lantu::import::OnRefusal;
use lantu::state::{AppState, Settings};
use lantu::store::{self, Storage, Store};
use lantu::units::import::import_units;
use lantu::version::Edit;
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test function once per backend: `mod sqlite { fn name }` and
/// `mod postgres { fn name }`, so the same suite proves both stores.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture file by its path under `fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// A fixture's JSON.
pub fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture_path(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// `../shared/data`, which CI always has. In CI its absence fails the test; elsewhere the test
/// says plainly that it did not run.
pub fn shared_data() -> Option<PathBuf> {
    let dir = root().join("../shared/data");
    if dir.join("putuo/units/subdistricts.geojson").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/data is missing in CI: the real-data tests cannot run");
    }
    eprintln!(
        "NOT RUN: ../shared/data is not beside this clone, so this real-data test did not run"
    );
    None
}

/// A new, empty store of the given kind; the temporary folder lives as long as the guard.
pub async fn fresh_storage(backend: Backend) -> (Storage, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary folder");
            (
                Storage::Sqlite {
                    dir: dir.path().to_path_buf(),
                },
                Some(dir),
            )
        }
        Backend::Postgres => (
            Storage::Postgres {
                url: fresh_postgres_database().await,
            },
            None,
        ),
    }
}

/// Creates a new database from the `lantu_template` template (PostGIS already installed in it,
/// so each test pays only for the copy) and returns its URL.
async fn fresh_postgres_database() -> String {
    let admin = std::env::var("LANTU_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "the PostGIS half of the suite needs LANTU_TEST_DATABASE_URL (a superuser URL such as \
             postgres://postgres@127.0.0.1:5433/postgres). Run `make test`, which installs PostgreSQL 15 + \
             PostGIS and starts a throwaway cluster itself."
        )
    });
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to LANTU_TEST_DATABASE_URL: {e}"));
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'lantu_template')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("query pg_database");
    assert!(
        exists,
        "database lantu_template (with PostGIS) is missing; `make test` creates it"
    );
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).expect("randomness");
    let name = format!(
        "lantu_test_{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    // Copies from one template can collide for a moment; try a few times.
    let mut last_error = None;
    for _ in 0..20 {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE lantu_template"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => {
                last_error = None;
                break;
            }
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    if let Some(e) = last_error {
        panic!("cannot create test database {name}: {e}");
    }
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl TestResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status; returns the problem body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.json
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{:?}",
            self.headers
        );
        assert_eq!(self.json["status"], status);
        assert!(
            self.json["title"].as_str().is_some_and(|t| !t.is_empty()),
            "problem without title: {}",
            self.json
        );
        assert!(
            self.json["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "problem without detail: {}",
            self.json
        );
        &self.json
    }

    /// The ETag.
    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_string()
    }
}

/// A server on a fresh store, with tokens for every role and the demo district's units.
pub struct TestApp {
    pub storage: Storage,
    pub store: Arc<Store>,
    pub state: AppState,
    pub app: Router,
    pub admin: String,
    pub planner: String,
    pub analyst: String,
    _follower: Option<std::sync::Arc<lantu::apply::follow::Follower>>,
    _dir: Option<tempfile::TempDir>,
}

/// The body limit tests run with, small so the 413 test sends little.
pub const TEST_BODY_LIMIT: usize = 64 * 1024;

/// An appointment for [`TestApp::person`]: kind, unit codes, first and last day.
pub type Mandate<'a> = (lantu::planners::TeamKind, &'a [&'a str], &'a str, &'a str);

/// `Basic` credentials for `login` and `password`.
pub fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
    format!("Basic {encoded}")
}

/// The password [`TestApp::person`] gives everyone.
pub const PASSWORD: &str = "长寿路 correct horse";

impl TestApp {
    /// A person: an account `login` with `roles` and [`PASSWORD`], holding `mandates` in
    /// person; a token of theirs.
    pub async fn person(&self, login: &str, roles: &[Role], mandates: &[Mandate<'_>]) -> String {
        self.person_with_password(login, PASSWORD, roles, mandates)
            .await
    }

    /// [`TestApp::person`] with a password of one's own (desktop clients send ASCII best).
    pub async fn person_with_password(
        &self,
        login: &str,
        password: &str,
        roles: &[Role],
        mandates: &[Mandate<'_>],
    ) -> String {
        use lantu::planners::{Contact, Holder, NewAppointment, NewUser};
        let user = self
            .store
            .create_user(
                &NewUser {
                    login: login.into(),
                    display_zh: format!("{login} 规划师"),
                    display_en: None,
                    organisation: Some("同济大学".into()),
                    roles: roles.to_vec(),
                    contact: Contact {
                        email: Some(format!("{login}@example.cn")),
                        phone: Some("13800138000".into()),
                    },
                },
                Some(&lantu::planners::password::hash(password).unwrap()),
                &Edit::by("test-setup"),
            )
            .await
            .expect("create the user");
        for (kind, units, from, to) in mandates {
            let appointment = NewAppointment {
                kind: *kind,
                holder: Holder::User(user.id),
                units: units
                    .iter()
                    .map(|c| lantu::units::UnitCode::parse(c).unwrap())
                    .collect(),
                starts_on: from.parse().unwrap(),
                ends_on: to.parse().unwrap(),
                terms: Default::default(),
                appointed_by: "示范区规划局".into(),
                contract_signed_on: None,
                renews: None,
            };
            self.store
                .appoint(&appointment, &Edit::by("test-setup"))
                .await
                .expect("appoint");
        }
        let (token, hash) = generate_token().unwrap();
        let role = roles.first().copied().unwrap_or(Role::Planner);
        self.store
            .create_token(&format!("{login}-token"), role, &hash, None, Some(user.id))
            .await
            .expect("create the user's token");
        token
    }

    /// A fresh store holding the demo district 示范区 (two sub-districts split at 121.415°E).
    pub async fn spawn(backend: Backend) -> Self {
        let app = Self::spawn_empty(backend).await;
        let files = [
            fixture_path("demo/demo_units.csv"),
            fixture_path("demo/demo_units.geojson"),
        ];
        import_units(
            app.store.as_ref(),
            &files,
            &Edit::by("test-setup"),
            OnRefusal::WriteNothing,
        )
        .await
        .expect("demo units import");
        app.reload().await
    }

    /// A fresh, empty store.
    pub async fn spawn_empty(backend: Backend) -> Self {
        let (storage, dir) = fresh_storage(backend).await;
        let store = store::open(&storage).await.expect("open store");
        let mut tokens = Vec::new();
        for (role, name) in [
            (Role::Admin, "管理员 admin"),
            (Role::Planner, "王规划 planner"),
            (Role::Analyst, "李分析 analyst"),
        ] {
            let (token, hash) = generate_token().unwrap();
            store
                .create_token(name, role, &hash, None, None)
                .await
                .expect("create token");
            tokens.push(token);
        }
        let state = AppState::load(store.clone(), settings())
            .await
            .expect("load state");
        Self {
            storage,
            store,
            app: lantu::app(state.clone()),
            state,
            analyst: tokens.pop().unwrap(),
            planner: tokens.pop().unwrap(),
            admin: tokens.pop().unwrap(),
            _follower: None,
            _dir: dir,
        }
    }

    /// The same store behind a freshly started app: what a restart sees.
    pub async fn reload(self) -> Self {
        let state = AppState::load(self.store.clone(), settings())
            .await
            .expect("reload state");
        Self {
            app: lantu::app(state.clone()),
            state,
            _follower: None,
            ..self
        }
    }

    /// The same store with writes unlimited: for tests that write more than a planner would.
    pub async fn writing_freely(self) -> Self {
        self.with_settings(|s| {
            s.write_rate = lantu::http::rate::Budget {
                per_second: 1e6,
                burst: 1e6,
            }
        })
        .await
    }

    /// Runs `lantu ARGS… FILES…` on this app's store, as an operator would beside the running
    /// server, and checks it succeeded.
    pub fn lantu_ok(&self, args: &[&str], files: &[&std::path::Path]) {
        let output = lantu_binary()
            .args(storage_args(&self.storage))
            .args(args)
            .args(files)
            .output()
            .expect("run lantu");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// This app following the change log, as `lantu serve` does: what another replica or a
    /// CLI import writes reaches it.
    pub fn following(mut self) -> Self {
        self._follower = Some(std::sync::Arc::new(lantu::apply::follow::spawn(
            self.state.clone(),
        )));
        self
    }

    /// A second server over the same storage with its own store connections, following the
    /// change log: another replica.
    pub async fn replica(&self) -> Self {
        let store = store::open(&self.storage)
            .await
            .expect("open the replica's store");
        let state = AppState::load(store.clone(), settings())
            .await
            .expect("load the replica");
        Self {
            storage: self.storage.clone(),
            app: lantu::app(state.clone()),
            state,
            store,
            admin: self.admin.clone(),
            planner: self.planner.clone(),
            analyst: self.analyst.clone(),
            _follower: None,
            _dir: None,
        }
        .following()
    }

    /// The same store behind an app with `adjust`ed settings (rate limits, say).
    pub async fn with_settings(self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut adjusted = settings();
        adjust(&mut adjusted);
        let state = AppState::load(self.store.clone(), adjusted)
            .await
            .expect("load state");
        Self {
            app: lantu::app(state.clone()),
            state,
            _follower: None,
            ..self
        }
    }

    /// Sends a request; `body` is sent as `application/geo+json` unless a content type is given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let (status, headers, bytes) = self.send_raw(method, path, token, headers, body).await;
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse {
            status,
            headers,
            json,
        }
    }

    /// Sends a request and returns the body's bytes as they came.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        self.send_raw_from(None, method, path, token, headers, body)
            .await
    }

    /// A request as if it came over a socket from `address` (the rate limits and the flag rule
    /// key on it); the response parsed as [`TestApp::send`] does.
    pub async fn send_from(
        &self,
        address: &str,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let address: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
        let (status, headers, bytes) = self
            .send_raw_from(Some(address), method, path, None, &[], body)
            .await;
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        TestResponse {
            status,
            headers,
            json,
        }
    }

    /// [`TestApp::send_raw`] from `address`, when given.
    pub async fn send_raw_from(
        &self,
        address: Option<std::net::SocketAddr>,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "lantu.test");
        if let Some(token) = token {
            // A credential already spelled as a header value (`Basic …`) goes as it is.
            let value = if token.starts_with("Basic ") {
                token.to_string()
            } else {
                format!("Bearer {token}")
            };
            request = request.header("authorization", value);
        }
        let has_content_type = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !has_content_type {
            request = request.header("content-type", "application/geo+json");
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let mut request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        if let Some(address) = address {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(address));
        }
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the app always answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// GET as the public.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, &[], None).await
    }

    /// GET with a token.
    pub async fn get_as(&self, path: &str, token: &str) -> TestResponse {
        self.send(Method::GET, path, Some(token), &[], None).await
    }

    /// POSTs a site as the planner.
    pub async fn post_site(&self, feature: &Value) -> TestResponse {
        self.send(
            Method::POST,
            "/api/collections/sites/items",
            Some(&self.planner),
            &[],
            Some(feature.to_string().into_bytes()),
        )
        .await
    }

    /// POSTs a site and returns its id and ETag, failing the test if it was not created.
    pub async fn create_site(&self, feature: &Value) -> (i64, String) {
        let response = self.post_site(feature).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.json);
        (
            response.json["id"].as_i64().expect("an id"),
            response.etag(),
        )
    }

    /// A conditional write (PUT, PATCH or DELETE) on a site, as the planner.
    pub async fn write_site(
        &self,
        method: Method,
        id: i64,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let headers: Vec<(&str, &str)> =
            if_match.map(|m| vec![("if-match", m)]).unwrap_or_default();
        let path = format!("/api/collections/sites/items/{id}");
        self.send(
            method,
            &path,
            Some(&self.planner),
            &headers,
            body.map(|b| b.to_string().into_bytes()),
        )
        .await
    }

    /// Every live site as the store holds it (not the catalog): proof of what was written.
    pub async fn stored_sites(&self) -> Vec<lantu::sites::Site> {
        self.store.load_sites().await.expect("load sites")
    }
}

fn settings() -> Settings {
    Settings {
        body_limit: TEST_BODY_LIMIT,
        ..Settings::default()
    }
}

/// Whether two floats agree to within `tolerance` (relative).
pub fn close_to(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= expected.abs() * tolerance
}

/// The `lantu` binary Cargo built for these tests.
pub fn lantu_binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lantu"));
    command
        .env_remove("LANTU_DATA_DIR")
        .env_remove("LANTU_DATABASE_URL")
        .env("LANTU_LOG", "warn");
    command
}

/// The command-line flags that point `lantu` at `storage`.
pub fn storage_args(storage: &Storage) -> Vec<String> {
    match storage {
        Storage::Sqlite { dir } => vec!["--data-dir".into(), dir.display().to_string()],
        Storage::Postgres { url } => vec!["--database-url".into(), url.clone()],
    }
}

/// `lantu … serve --listen 127.0.0.1:0 {flags}` on `storage`, started and read until it prints
/// its address. The stdout reader is returned too: keep it, so the server's last line has a
/// reader.
pub fn serve(
    storage: &Storage,
    flags: &[&str],
) -> (
    std::process::Child,
    std::net::SocketAddr,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    let mut command = lantu_binary();
    command
        .args(storage_args(storage))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(flags);
    serving(command)
}

/// Starts `command` (a `lantu … serve --listen 127.0.0.1:0`) and reads its stdout until it
/// prints its address.
pub fn serving(
    mut command: std::process::Command,
) -> (
    std::process::Child,
    std::net::SocketAddr,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start lantu");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = lines
        .next()
        .expect("the server prints its address")
        .expect("a line");
    let address = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    (child, address, lines)
}

/// A point and a line (published) and a polygon (a draft), as the planner drew them.
pub async fn three_sites(app: &TestApp) -> (i64, i64, i64) {
    let (point, _) = app
        .create_site(&fixture("sites/point_in_west.geojson"))
        .await;
    let (line, _) = app.create_site(&walkway()).await;
    let (polygon, _) = app
        .create_site(&fixture("sites/pocket_garden_in_east.geojson"))
        .await;
    (point, line, polygon)
}

/// A published slow-traffic line in the west of the demo district.
pub fn walkway() -> Value {
    serde_json::json!({"type": "Feature",
        "properties": {"name": "慢行步道", "element_type": "slow_traffic", "status": "published"},
        "geometry": {"type": "LineString", "coordinates": [[121.39, 31.25], [121.40, 31.25]]}})
}

/// Waits (up to 20 s) until `check` holds; panics with `what` if it never does.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never happened: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
