//! Rate limits: a token bucket per address for anonymous callers, and one per token for
//! writes, answered `429 Too Many Requests` with `Retry-After` (RFC 6585 §4).
//!
//! Requests cost what they cost the server: a read one, a life-circle analysis many, a tile
//! nothing (the tile pool bounds rendering). A script hammering what-if runs dry in seconds;
//! a planner browsing the map never notices.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::hash_token;
use crate::error::AppError;
use crate::store::Store;

/// A budget: `per_second` refills, up to `burst`. A zero rate turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Cost units regained per second.
    pub per_second: f64,
    /// The most units saved up.
    pub burst: f64,
}

/// What a request costs, in units of one plain read. Tiles and the page's files cost nothing
/// here: a map view asks for dozens at once, a cached one costs microseconds, and rendering is
/// bounded by the tile pool instead.
pub fn cost(method: &Method, path: &str) -> f64 {
    const FREE: &[&str] = &[
        "/tiles/blueprint",
        "/fonts/",
        "/vendor/",
        "/app/",
        "/style.json",
    ];
    if path == "/" || FREE.iter().any(|p| path.starts_with(p)) {
        0.0
    } else if path.starts_with("/tiles/coverage/") {
        // A coverage tile may compute a distance table for its threshold.
        1.0
    } else if path.starts_with("/api/coverage") || path.starts_with("/api/isochrone") {
        if method == Method::POST { 30.0 } else { 10.0 }
    } else {
        1.0
    }
}

struct Bucket {
    level: f64,
    at: Instant,
}

/// Buckets by key. Bounded: when it holds too many keys, the full (idle) buckets are forgotten.
pub struct Limiter<K> {
    budget: Budget,
    buckets: Mutex<HashMap<K, Bucket>>,
}

const MAX_KEYS: usize = 100_000;

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    /// A limiter giving every key `budget`.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` from `key`'s bucket, or says how many seconds until it could.
    pub fn take(&self, key: &K, cost: f64, now: Instant) -> Result<(), u64> {
        let Budget { per_second, burst } = self.budget;
        if per_second <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            buckets.retain(|_, b| {
                b.level + now.duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            level: burst,
            at: now,
        });
        let level =
            (bucket.level + now.duration_since(bucket.at).as_secs_f64() * per_second).min(burst);
        bucket.at = now;
        if cost <= 0.0 {
            return Ok(());
        }
        if level >= cost {
            bucket.level = level - cost;
            Ok(())
        } else {
            bucket.level = level;
            Err(((cost - level) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The limiters a server holds.
pub struct Limits {
    /// Anonymous requests, by address.
    pub anonymous: Limiter<IpAddr>,
    /// Residents' submissions (a need, a photo), by address: a flood from one address is
    /// refused while everyone else's submissions and reads go on.
    pub submissions: Limiter<IpAddr>,
    /// Residents' submissions from everyone together: a flood from many addresses cannot fill
    /// the moderation queues faster than this.
    pub all_submissions: Limiter<()>,
    /// Writes, by token hash.
    pub writes: Limiter<String>,
    /// Token hashes that named a live token lately. A request with any other `Authorization`
    /// is charged to its address like an anonymous one: otherwise `Bearer x` would bypass the
    /// limit, and guessing tokens (a store lookup each) would be free.
    known: Mutex<lru::LruCache<String, Instant>>,
    /// Where a token not seen lately is looked up (after its address paid for the request).
    store: Arc<Store>,
}

/// How long a validated token is trusted by the limiter (authorisation itself checks the
/// store on every request, so a revocation takes effect at once).
const KNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl Limits {
    /// Limits with these budgets.
    pub fn new(
        anonymous: Budget,
        writes: Budget,
        (submissions, all_submissions): (Budget, Budget),
        store: Arc<Store>,
    ) -> Self {
        Self {
            store,
            anonymous: Limiter::new(anonymous),
            submissions: Limiter::new(submissions),
            all_submissions: Limiter::new(all_submissions),
            writes: Limiter::new(writes),
            known: Mutex::new(lru::LruCache::new(
                std::num::NonZeroUsize::new(10_000).expect("non-zero"),
            )),
        }
    }

    /// Records that `hash` named a live token just now.
    pub fn token_seen(&self, hash: &str) {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(hash.to_string(), Instant::now());
    }

    /// Forgets `hash` (it named no live token: expired or revoked).
    pub fn token_refused(&self, hash: &str) {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop(hash);
    }

    fn recently_seen(&self, hash: &str, now: Instant) -> bool {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_FOR)
    }
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// A request without a token known to be live: its address pays one unit for looking the
/// token up (so guessing is not free), nothing more if the token is live (its holder is then
/// known), and the route's cost otherwise.
async fn charge_unknown(
    limits: &Limits,
    address: Option<IpAddr>,
    token: Option<&str>,
    method: &Method,
    path: &str,
    now: Instant,
) -> Result<(), (u64, &'static str)> {
    let Some(address) = address else {
        return Ok(()); // in-process (tests, tools): no peer to charge
    };
    let refused = |s| (s, "requests per address without a known token");
    if let Some(hash) = token {
        limits.anonymous.take(&address, 1.0, now).map_err(refused)?;
        match limits.store.find_token(hash).await {
            Ok(Some(_)) => {
                limits.token_seen(hash);
                return Ok(());
            }
            Ok(None) => {}
            // The handler's own lookup answers the store's fault (503); nothing to add here.
            Err(e) => tracing::debug!(error = %e, "token lookup for the rate limiter failed"),
        }
    }
    limits
        .anonymous
        .take(&address, cost(method, path), now)
        .map_err(refused)
}

/// Whether a request submits something of a resident's (a need, a photo of one, a comment on
/// a publication).
pub fn is_submission(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && (path == "/api/collections/needs/items"
            || (path.starts_with("/api/collections/needs/items/") && path.ends_with("/photos"))
            || (path.starts_with("/api/projects/") && path.ends_with("/comments")))
}

/// A submission is charged to its address, then to everyone's budget; refused, 429.
fn charge_submission(
    limits: &Limits,
    address: Option<IpAddr>,
    now: Instant,
) -> Result<(), (u64, &'static str)> {
    if let Some(address) = address {
        limits
            .submissions
            .take(&address, 1.0, now)
            .map_err(|s| (s, "submissions per address"))?;
    }
    limits.all_submissions.take(&(), 1.0, now).map_err(|s| {
        (
            s,
            "submissions from everyone (the moderation queues are full for now)",
        )
    })
}

/// The middleware: charges the caller's bucket before the request is read any further.
pub async fn limit(State(limits): State<Arc<Limits>>, request: Request, next: Next) -> Response {
    let now = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path();
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| hash_token(v.strip_prefix("Bearer ").unwrap_or(v).trim()));
    let known = token
        .as_ref()
        .is_some_and(|hash| limits.recently_seen(hash, now));
    // Writes count against their token (what-if and siting POSTs are questions, not writes);
    // everything without a token known to be live counts against its address.
    let writes = is_write(&method) && !path.starts_with("/api/coverage/");
    let per_token = match (&token, writes) {
        (Some(hash), true) => limits
            .writes
            .take(hash, 1.0, now)
            .map_err(|s| (s, "writes per token")),
        _ => Ok(()),
    };
    let submission = if is_submission(&method, path) {
        charge_submission(&limits, address, now)
    } else {
        Ok(())
    };
    let verdict = match per_token.and(submission) {
        Err(refused) => Err(refused),
        Ok(()) if known => Ok(()),
        Ok(()) => charge_unknown(&limits, address, token.as_deref(), &method, path, now).await,
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err((retry_after, which)) => {
            let mut response = AppError::TooManyRequests {
                detail: format!(
                    "too many requests: the limit of {which} is reached; wait {retry_after} s (Retry-After) and try again, or ask the operator for a token"
                ),
                retry_after,
            }
            .into_response();
            debug_assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_refuses_past_its_burst_and_refills_at_its_rate() {
        let limiter = Limiter::new(Budget {
            per_second: 10.0,
            burst: 20.0,
        });
        let t0 = Instant::now();
        for _ in 0..20 {
            assert!(limiter.take(&1u8, 1.0, t0).is_ok());
        }
        assert_eq!(limiter.take(&1u8, 1.0, t0), Err(1));
        assert!(
            limiter.take(&2u8, 1.0, t0).is_ok(),
            "another key has its own bucket"
        );
        assert!(
            limiter
                .take(&1u8, 5.0, t0 + Duration::from_millis(500))
                .is_ok()
        );
        assert!(
            limiter
                .take(&1u8, 1.0, t0 + Duration::from_millis(500))
                .is_err()
        );
    }

    #[test]
    fn analysis_costs_more_than_a_read_and_a_tile_nothing() {
        let tile = cost(&Method::GET, "/tiles/blueprint/12/3425/1673.mvt");
        let read = cost(&Method::GET, "/api/collections/sites/items");
        let whatif = cost(&Method::POST, "/api/coverage/whatif");
        assert!(tile == 0.0 && read < whatif, "{tile} {read} {whatif}");
    }
}
