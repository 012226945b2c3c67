//! A full disk loses no acknowledged write: the embedded store on a small file system that
//! the test mounts (tmpfs) and fills.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{lantu_binary, serve};

/// A tmpfs of `megabytes` mounted at a fresh folder; unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// POSTs one site; the status, the `Retry-After` header and the body.
async fn post(address: SocketAddr, token: &str, body: &str) -> (u16, bool, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /api/collections/sites/items HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/geo+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let retry = head.to_ascii_lowercase().contains("\r\nretry-after:");
    (status, retry, body.to_string())
}

fn site(i: usize) -> String {
    // A long description so the disk fills in a few hundred writes.
    serde_json::json!({"type": "Feature",
        "geometry": {"type": "Point", "coordinates": [121.40 + (i % 100) as f64 * 1e-4, 31.25]},
        "properties": {"name": format!("满盘 {i}"), "element_type": "other",
                       "description": "口袋花园".repeat(2_000)}})
    .to_string()
}

fn fill(path: &PathBuf, leave_kib: u64) {
    // Fill the file system, then give back `leave_kib` so the store hits the wall mid-burst.
    let _ = std::fs::write(path, vec![0u8; 64 << 20]);
    let written = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(written.saturating_sub(leave_kib * 1024))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_loses_no_acknowledged_write_reuses_no_id_and_writes_resume_when_space_returns()
{
    let Some(disk) = SmallDisk::mount(24) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "cannot mount a tmpfs: the disk-full test needs root (CI runs `make test` as root)"
            );
        }
        eprintln!("NOT RUN: cannot mount a tmpfs (not root), so the disk-full test did not run");
        return;
    };
    let data = disk.path().join("data");
    let token = lantu_binary()
        .args(["--data-dir", &data.display().to_string()])
        .args(["token", "create", "--role", "planner", "--name", "满盘"])
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let storage = lantu::store::Storage::Sqlite { dir: data.clone() };
    let (mut server, address, _stdout) = serve(&storage, &["--write-rate", "0"]);
    let filler = disk.path().join("filler");
    fill(&filler, 2_048);

    let mut acknowledged: Vec<(i64, String)> = Vec::new();
    let mut refused = 0;
    let mut i = 0;
    // Write until the store has refused 20 times: the disk is full.
    while refused < 20 && i < 2_000 {
        let batch: Vec<_> = (i..i + 8)
            .map(|n| {
                let token = token.clone();
                tokio::spawn(async move { (n, post(address, &token, &site(n)).await) })
            })
            .collect();
        i += 8;
        for task in batch {
            let (n, (status, retry, body)) = task.await.unwrap();
            match status {
                201 => {
                    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                    acknowledged.push((json["id"].as_i64().unwrap(), format!("满盘 {n}")));
                }
                503 => {
                    assert!(retry, "a 503 says when to retry: {body}");
                    refused += 1;
                }
                other => panic!("write {n}: {other} {body}"),
            }
        }
    }
    assert!(refused >= 20, "the disk never filled ({i} writes)");
    assert!(
        acknowledged.len() > 10,
        "too few writes before the disk filled"
    );

    // Space returns: writes succeed again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut resumed = 0;
    for n in 10_000..10_010 {
        let (status, _, body) = post(address, &token, &site(n)).await;
        assert_eq!(status, 201, "after space returned: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        acknowledged.push((json["id"].as_i64().unwrap(), format!("满盘 {n}")));
        resumed += 1;
    }
    assert_eq!(resumed, 10);

    let mut ids: Vec<i64> = acknowledged.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "an id was acknowledged twice");

    // A clean stop, then everything acknowledged is there.
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(server.wait().unwrap().success());
    let store = lantu::store::open(&lantu::store::Storage::Sqlite { dir: data.clone() })
        .await
        .unwrap();
    let stored = store.load_sites().await.unwrap();
    for (id, name) in &acknowledged {
        let site = stored
            .iter()
            .find(|s| s.id == *id)
            .unwrap_or_else(|| panic!("acknowledged site {id} ({name}) was lost"));
        assert_eq!(&site.fields.name, name, "site {id} holds another write");
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_postgis_connection_is_a_503_or_a_reconnect_never_a_500_and_writes_resume() {
    use sqlx::Connection;
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let lantu::store::Storage::Postgres { url } = &app.storage else {
        panic!("a PostGIS test app")
    };
    let site = serde_json::json!({"type": "Feature",
        "geometry": {"type": "Point", "coordinates": [121.40, 31.25]},
        "properties": {"name": "断线", "element_type": "other"}});
    app.create_site(&site).await;
    // Every connection of lantu's pool is cut, as a PostGIS restart or failover would.
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    let cut: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "lantu held no connection to cut");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = app.post_site(&site).await;
        if response.status.as_u16() == 503 {
            assert!(response.header("retry-after").is_some());
        }
        statuses.push(response.status.as_u16());
    }
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&201), "writes resume: {statuses:?}");
    let stored = app.stored_sites().await.len();
    assert_eq!(
        stored,
        1 + statuses.iter().filter(|s| **s == 201).count(),
        "a 503 changed nothing"
    );
}
