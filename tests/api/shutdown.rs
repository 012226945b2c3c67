//! SIGTERM in the middle of a burst of writes loses no acknowledged write.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, fixture, fresh_storage, lantu_binary, storage_args};
use crate::on_both_backends;

/// POSTs one site over a fresh connection; `Some((status, body))` if an answer came back.
async fn post(address: SocketAddr, token: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    let request = format!(
        "POST /api/collections/sites/items HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/geo+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

const BURST: usize = 300;

async fn sigterm_during_a_burst_of_writes_loses_no_acknowledged_write(backend: Backend) {
    let (storage, _dir) = fresh_storage(backend).await;
    let token_output = lantu_binary()
        .args(storage_args(&storage))
        .args(["token", "create", "--role", "planner", "--name", "burst"])
        .output()
        .unwrap();
    assert!(
        token_output.status.success(),
        "{}",
        String::from_utf8_lossy(&token_output.stderr)
    );
    let token = String::from_utf8(token_output.stdout)
        .unwrap()
        .trim()
        .to_string();

    let mut server = lantu_binary()
        .args(storage_args(&storage))
        .args(["serve", "--listen", "127.0.0.1:0", "--write-rate", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let banner = lines
        .next()
        .expect("the server prints its address")
        .unwrap();
    let address: SocketAddr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let mut signalled = false;
    for i in 0..BURST {
        let mut feature = fixture("sites/point_in_west.geojson");
        feature["properties"]["name"] = serde_json::json!(format!("burst {i}"));
        let (token, counter) = (token.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let answer = post(address, &token, &feature.to_string()).await;
            if answer.as_ref().is_some_and(|(status, _)| *status == 201) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            answer
                .filter(|(status, _)| *status == 201)
                .map(|(_, body)| (i, body))
        }));
        tokio::time::sleep(Duration::from_millis(3)).await;
        if !signalled && acknowledged.load(Ordering::SeqCst) >= 20 {
            let status = std::process::Command::new("kill")
                .args(["-TERM", &server.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            signalled = true;
        }
    }
    assert!(
        signalled,
        "the burst finished before 20 writes were acknowledged"
    );
    let mut acked = Vec::new();
    for task in tasks {
        if let Some((i, body)) = task.await.unwrap() {
            let json: serde_json::Value =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
            acked.push((json["id"].as_i64().unwrap(), format!("burst {i}")));
        }
    }
    let exit = server.wait().unwrap();
    assert!(exit.success(), "the server exited with {exit}");
    assert!(
        acked.len() >= 20 && acked.len() < BURST,
        "{} of {BURST} acknowledged: SIGTERM did not land mid-burst",
        acked.len()
    );

    let store = lantu::store::open(&storage).await.unwrap();
    let stored = store.load_sites().await.unwrap();
    for (id, name) in &acked {
        let site = stored
            .iter()
            .find(|s| s.id == *id)
            .unwrap_or_else(|| panic!("acknowledged site {id} ({name}) was lost"));
        assert_eq!(&site.fields.name, name);
        assert_eq!(
            store.site_history(*id).await.unwrap().len(),
            1,
            "site {id} has no version row"
        );
    }
    store.close().await;
}

on_both_backends!(sigterm_during_a_burst_of_writes_loses_no_acknowledged_write);
