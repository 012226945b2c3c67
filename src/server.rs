//! Starting and stopping the server. SIGTERM or Ctrl-C stop accepting connections, let every
//! request in flight finish (its write committed and acknowledged, or not begun), then close
//! the store.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

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
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let store = store::open(&options.storage).await?;
    tracing::info!(storage = ?options.storage, "store open");
    if let Some(sources) = &options.demo {
        demo::load(store.as_ref(), sources).await?;
    }
    let state = AppState::load(store.clone(), options.settings).await?;
    let (units, sites) = state.catalog().counts();
    let listener = TcpListener::bind(options.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: is another server using it? choose another address with --listen",
            options.listen
        )
    })?;
    let address = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    println!(
        "lantu listening on http://{address} ({}, {units} units, {sites} sites)",
        store.backend()
    );
    axum::serve(listener, crate::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    store.close().await;
    println!("lantu stopped: every acknowledged write is stored");
    Ok(())
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
    tracing::info!("shutting down: finishing requests in flight");
}
