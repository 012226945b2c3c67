//! Starting and stopping the server, and the discipline every connection keeps.
//!
//! SIGTERM or Ctrl-C stop accepting connections, let every request in flight finish (its write
//! committed and acknowledged, or not begun), then close the store.
//!
//! Connections: a request's headers must arrive within the header timeout, and an idle
//! keep-alive connection is closed after the same time (hyper starts the header timer when it
//! waits for the next request); bodies have their own deadline ([`crate::http::body`]). At most
//! `max_connections` are open at once and at most `max_connections_per_address` from one
//! address, so one client holding thousands of slow connections cannot take every file
//! descriptor: beyond either cap a connection gets `503` with `Retry-After` and is closed.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::demo::{self, DemoSources};
use crate::state::{AppState, Settings};
use crate::store::{self, Storage};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Where the data lives.
    pub storage: Storage,
    /// Run-time settings.
    pub settings: Settings,
    /// Demo data to load into an empty store.
    pub demo: Option<DemoSources>,
    /// Where e-mail to needs' followers goes.
    pub smtp: Option<crate::needs::mail::Smtp>,
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    raise_file_limit();
    let store = store::open(&options.storage).await?;
    tracing::info!(storage = ?options.storage, "store open");
    if let Some(sources) = &options.demo {
        demo::load(store.as_ref(), sources).await?;
    }
    let state = AppState::load(store.clone(), options.settings).await?;
    // What other replicas and CLI imports write reaches this server through the change log.
    let follower = crate::apply::follow::spawn(state.clone());
    let mailer = options
        .smtp
        .clone()
        .map(|smtp| crate::needs::mail::spawn(store.clone(), smtp, Duration::from_secs(5)));
    let (units, sites) = state.catalog().counts();
    let listener = TcpListener::bind(options.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: is another server using it? choose another address with --listen",
            options.listen
        )
    })?;
    let address = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    say(&format!(
        "lantu listening on http://{address} ({}, {units} units, {sites} sites)",
        store.backend()
    ));
    let settings = state.settings.clone();
    accept(listener, crate::app(state), &settings).await;
    drop(follower);
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    store.close().await;
    // True by construction: a write is acknowledged only after its transaction committed, and
    // a failed commit is answered with an error and its connection discarded.
    say("lantu stopped: every acknowledged write is stored");
    Ok(())
}

/// A line on stdout; a closed stdout (the reader went away) is no reason to fail.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// Open connections in all and per address.
#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Holds one connection's place in [`Open`] until dropped.
struct Slot {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

fn take_slot(open: &Arc<Mutex<Open>>, address: IpAddr, settings: &Settings) -> Option<Slot> {
    let mut guard = open.lock().unwrap_or_else(|e| e.into_inner());
    let from_here = guard.by_address.get(&address).copied().unwrap_or(0);
    if guard.total >= settings.max_connections || from_here >= settings.max_connections_per_address
    {
        return None;
    }
    guard.total += 1;
    *guard.by_address.entry(address).or_default() += 1;
    Some(Slot {
        open: open.clone(),
        address,
    })
}

async fn accept(listener: TcpListener, app: axum::Router, settings: &Settings) {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Mutex::new(Open::default()));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = take_slot(&open, peer.ip(), settings) else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_timeout)
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = watched.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after 30 s and were dropped");
    }
}

/// Beyond the caps: a short answer, then the connection is closed.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = "{\"type\":\"/problems/unavailable\",\"title\":\"Too many connections\",\"status\":503,\"detail\":\"this server holds as many connections as it allows; try again in a few seconds\"}\n";
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: application/problem+json\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(head.as_bytes())).await;
}

/// Many slow clients need many descriptors: take the hard limit the system allows.
fn raise_file_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
