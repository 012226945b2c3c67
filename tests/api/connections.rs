//! Connection discipline on the real binary: slow headers and idle connections are cut off,
//! one address cannot hold more than its share of connections, and anonymous callers past
//! their rate get 429 with Retry-After while tiles stay free.

use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::serve;

/// A server on a fresh embedded store with `flags`; killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    _stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = lantu::store::Storage::Sqlite {
            dir: dir.path().to_path_buf(),
        };
        let (child, address, stdout) = serve(&storage, flags);
        Self {
            child,
            address,
            _stdout: stdout,
            dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the server closes the connection (or `limit` passes): what it sent.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut bytes = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut bytes)).await {
        Ok(_) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => None, // still open
    }
}

async fn get(address: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_header_and_an_idle_connection_are_closed_after_the_header_timeout() {
    let server = Server::start(&["--header-timeout-s", "1"]);
    let mut slow = TcpStream::connect(server.address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(server.address).await.unwrap();
    let started = Instant::now();
    assert!(
        read_until_closed(&mut slow, Duration::from_secs(10))
            .await
            .is_some(),
        "a header sent slowly is cut off"
    );
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(10))
            .await
            .is_some(),
        "an idle connection is closed"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // A keep-alive connection that answered one request is closed when it then idles.
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept, Duration::from_secs(10))
        .await
        .expect("closed after idling");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_per_address_cap_are_answered_503_and_closed() {
    let server = Server::start(&["--max-connections-per-address", "2"]);
    let _held: Vec<TcpStream> = vec![
        TcpStream::connect(server.address).await.unwrap(),
        TcpStream::connect(server.address).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(server.address).await.unwrap();
    let answer = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("the third connection is closed at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5"), "{answer}");
    drop(_held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        get(server.address, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_past_their_rate_get_429_with_retry_after_and_tiles_stay_free() {
    let server = Server::start(&["--anonymous-rate", "0.1", "--anonymous-burst", "3"]);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let answer = get(server.address, "/api/collections").await;
        statuses.push(answer[9..12].to_string());
        if answer.starts_with("HTTP/1.1 429") {
            assert!(
                answer.to_ascii_lowercase().contains("retry-after: "),
                "{answer}"
            );
        }
    }
    assert_eq!(statuses, ["200", "200", "200", "429"]);
    // A made-up token does not get round the limit (nor may tokens be guessed for free).
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let request = format!(
        "GET /api/collections HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer guess\r\nConnection: close\r\n\r\n",
        server.address
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let guessed = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(guessed.starts_with("HTTP/1.1 429"), "{guessed}");
    for _ in 0..20 {
        let tile = get(server.address, "/tiles/blueprint/0/0/0.mvt").await;
        assert!(
            tile.starts_with("HTTP/1.1 204") || tile.starts_with("HTTP/1.1 200"),
            "{tile}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_holder_is_not_held_to_the_anonymous_rate_on_any_route() {
    let server = Server::start(&["--anonymous-rate", "0.1", "--anonymous-burst", "3"]);
    let token = crate::helpers::lantu_binary()
        .args(["--data-dir", &server.dir.path().display().to_string()])
        .args(["token", "create", "--role", "analyst", "--name", "分析"])
        .output()
        .unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    for _ in 0..8 {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        // /api/coverage/categories does not ask who is calling: the limiter looks the token up.
        let request = format!(
            "GET /api/coverage/categories HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
            server.address
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = read_until_closed(&mut stream, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.200}");
    }
}
