//! CPU-heavy work off the async workers: fixed pools of threads with bounded queues.
//!
//! The async executor's threads only route requests and move bytes. Geometry validation, tile
//! rendering and the life-circle searches (coverage, isochrones, what-if, siting) run here, each
//! class on its own pool, so a flood of one class can fill only its own queue: past it the
//! request is refused at once with 503 and `Retry-After` instead of waiting behind everyone.
//! Analysis threads run at a lower OS priority (`nice`), so on a small machine the public map's
//! tiles still get the CPU while an analyst's what-if runs.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of threads taking jobs from one bounded queue.
pub struct Pool {
    name: &'static str,
    sender: Mutex<SyncSender<Job>>,
}

/// How one pool is sized.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    /// Threads working at once.
    pub threads: usize,
    /// Jobs waiting beyond those; more are refused.
    pub queue: usize,
    /// OS niceness of the threads (0 normal, 19 lowest).
    pub nice: i32,
}

impl Pool {
    /// Starts `size.threads` threads named `lantu-{name}`.
    pub fn new(name: &'static str, size: PoolSize) -> anyhow::Result<Self> {
        let (sender, receiver) = sync_channel::<Job>(size.queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..size.threads.max(1) {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("lantu-{name}-{i}"))
                .spawn(move || {
                    lower_priority(size.nice);
                    loop {
                        let job = receiver.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                })?;
        }
        Ok(Self {
            name,
            sender: Mutex::new(sender),
        })
    }

    /// Runs `work` on the pool and waits for its result; refuses at once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic is answered as an internal error; the thread lives on.
            let result = std::panic::catch_unwind(AssertUnwindSafe(work));
            let _ = tx.send(result);
        });
        let sent = self
            .sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_send(job);
        match sent {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Unavailable {
                    detail: format!(
                        "the server is busy with other {} requests; try again in a few seconds",
                        self.name
                    ),
                    retry_after: 2,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "the {} pool has stopped",
                    self.name
                )));
            }
        }
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(AppError::Internal(anyhow::anyhow!(
                "a {} job panicked",
                self.name
            ))),
            Err(_) => Err(AppError::Internal(anyhow::anyhow!(
                "a {} job was dropped",
                self.name
            ))),
        }
    }
}

#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    if nice > 0 {
        // SAFETY: setpriority on this thread's id (Linux schedules threads by their tid).
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

/// The pools a server runs.
pub struct Pools {
    /// Geometry parsing and validation of writes.
    pub ingest: Pool,
    /// Tile rendering (cache misses), blueprint and coverage tiles alike: the map asks for a
    /// screenful at once.
    pub tiles: Pool,
    /// Coverage, isochrones, what-if and siting.
    pub analysis: Pool,
    /// Feature pages and single features rendered as GeoJSON.
    pub reads: Pool,
}

impl Pools {
    /// Sizes for a machine with `cores` cores: tiles may use them all; analysis one thread per
    /// two cores at lower priority; ingest one per two cores.
    pub fn for_cores(cores: usize) -> anyhow::Result<Self> {
        let half = (cores / 2).max(1);
        Ok(Self {
            ingest: Pool::new(
                "write",
                PoolSize {
                    threads: half,
                    queue: 16,
                    nice: 0,
                },
            )?,
            tiles: Pool::new(
                "tile",
                PoolSize {
                    threads: cores.max(1),
                    queue: 256,
                    nice: 0,
                },
            )?,
            reads: Pool::new(
                "read",
                PoolSize {
                    threads: cores.max(1),
                    queue: 64,
                    nice: 0,
                },
            )?,
            analysis: Pool::new(
                "analysis",
                PoolSize {
                    threads: half,
                    queue: 8 * half,
                    nice: 10,
                },
            )?,
        })
    }
}

/// Runs a handler's synchronous body on `pool` with its own handle on the state.
pub async fn on_pool<S: Clone + Send + 'static, T: Send + 'static>(
    pool: &Pool,
    state: &S,
    body: impl FnOnce(S) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let state = state.clone();
    pool.run(move || body(state)).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_with_retry_after() {
        let pool = Pool::new(
            "test",
            PoolSize {
                threads: 1,
                queue: 1,
                nice: 0,
            },
        )
        .unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Mutex::new(wait);
        let pool = Arc::new(pool);
        // One job runs (blocked), one waits in the queue, the third is refused.
        let running = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    let _ = wait.lock().unwrap().recv();
                    1
                })
                .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 2).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let refused = pool.run(|| 3).await.unwrap_err();
        assert!(matches!(refused, AppError::Unavailable { .. }), "{refused}");
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 1);
        assert_eq!(queued.await.unwrap().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_the_pool_lives_on() {
        let pool = Pool::new(
            "test",
            PoolSize {
                threads: 1,
                queue: 4,
                nice: 5,
            },
        )
        .unwrap();
        let err = pool.run(|| panic!("boom")).await.unwrap_err();
        assert!(matches!(err, AppError::Internal(_)));
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
