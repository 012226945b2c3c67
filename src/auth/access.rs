//! Access resolved once and kept briefly: credentials (a token's hash, or a Basic login's
//! hash) map to the [`Principal`] they resolved to for [`TRUSTED_FOR`]. Every change to
//! accounts, tokens or appointments (on any replica: the change log's `accounts` entries)
//! empties the cache, so revoking or disabling takes effect within the follower's delay.
//!
//! Failed sign-ins are throttled ([`Throttle`]): 10 a minute per account from one address,
//! 50 a minute from one address over all accounts (guessing many accounts' passwords), 100 a
//! minute per account from everywhere, each answered 429 with `Retry-After` once spent.
//! Someone elsewhere can lock a planner out only by failing 100 times a minute, and only until
//! a minute after they stop.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Principal;

/// How long resolved credentials are trusted without asking the store again.
pub const TRUSTED_FOR: Duration = Duration::from_secs(30);

/// The cache and the throttle.
#[derive(Default)]
pub struct Access {
    cache: Mutex<HashMap<String, (Principal, Instant)>>,
    generation: std::sync::atomic::AtomicU64,
    /// Failed sign-ins.
    pub throttle: Throttle,
}

impl Access {
    /// The principal `key` resolved to lately.
    pub fn cached(&self, key: &str) -> Option<Principal> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(key)
            .filter(|(_, at)| at.elapsed() < TRUSTED_FOR)
            .map(|(p, _)| p.clone())
    }

    /// The cache's generation: read it before looking credentials up in the store, and hand
    /// it to [`Access::remember`].
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Remembers what `key` resolved to, unless the cache was emptied since `generation` was
    /// read: a lookup that raced a revocation must not bring the revoked access back.
    pub fn remember(&self, key: String, principal: Principal, generation: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation() != generation {
            return;
        }
        if cache.len() > 10_000 {
            cache.retain(|_, (_, at)| at.elapsed() < TRUSTED_FOR);
        }
        cache.insert(key, (principal, Instant::now()));
    }

    /// Forgets everything (accounts, tokens or appointments changed).
    pub fn forget_all(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        cache.clear();
    }
}

/// The window failed sign-ins are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failures allowed per account and address within [`WINDOW`].
pub const PER_ADDRESS: usize = 10;
/// Failures allowed from one address over all accounts within [`WINDOW`].
pub const PER_ADDRESS_ALL_ACCOUNTS: usize = 50;
/// Failures allowed per account from all addresses within [`WINDOW`].
pub const PER_ACCOUNT: usize = 100;

/// Recent failures, oldest first.
type Failures = VecDeque<Instant>;

/// Failed sign-ins per (account, address) and per account.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
    by_address: Mutex<HashMap<Option<IpAddr>, Failures>>,
    by_account: Mutex<HashMap<String, Failures>>,
}

/// Records a failure at `now` in `map[key]`, keeping at most `limit` and the map bounded.
fn record<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Failures>>,
    key: K,
    limit: usize,
    now: Instant,
) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 100_000 {
        map.retain(|_, l| l.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
    }
    let list = map.entry(key).or_default();
    list.push_back(now);
    if list.len() > limit {
        list.pop_front();
    }
}

/// How long to wait before `map[key]` has room again, if it is spent.
fn wait<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Failures>>,
    key: &K,
    limit: usize,
    now: Instant,
) -> Option<u64> {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.get_mut(key).and_then(|l| spent(l, limit, now))
}

fn spent(list: &mut VecDeque<Instant>, limit: usize, now: Instant) -> Option<u64> {
    while list
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        list.pop_front();
    }
    (list.len() >= limit).then(|| {
        let oldest = *list.front().expect("at least one failure");
        (WINDOW - now.duration_since(oldest)).as_secs().max(1)
    })
}

impl Throttle {
    /// `Err(seconds to wait)` when `login` from `address` has failed too often lately.
    pub fn check(&self, login: &str, address: Option<IpAddr>) -> Result<(), u64> {
        let now = Instant::now();
        let pair = (login.to_string(), address);
        let waits = [
            wait(&self.failures, &pair, PER_ADDRESS, now),
            wait(&self.by_address, &address, PER_ADDRESS_ALL_ACCOUNTS, now),
            wait(&self.by_account, &login.to_string(), PER_ACCOUNT, now),
        ];
        match waits.into_iter().flatten().max() {
            Some(seconds) => Err(seconds),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in. [`Throttle::attempt`] counts one before the password is
    /// checked, so that parallel guesses cannot all pass [`Throttle::check`] first.
    pub fn failed(&self, login: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let pair = (login.to_string(), address);
        record(&self.failures, pair, PER_ADDRESS, now);
        if address.is_some() {
            // Without a peer address (in-process callers) there is no address to hold.
            record(&self.by_address, address, PER_ADDRESS_ALL_ACCOUNTS, now);
        }
        record(&self.by_account, login.to_string(), PER_ACCOUNT, now);
    }

    /// Checks and counts a sign-in attempt as failed until [`Throttle::succeeded`] says
    /// otherwise.
    pub fn attempt(&self, login: &str, address: Option<IpAddr>) -> Result<(), u64> {
        self.check(login, address)?;
        self.failed(login, address);
        Ok(())
    }

    /// Takes back the failure [`Throttle::attempt`] counted for a sign-in that succeeded.
    pub fn succeeded(&self, login: &str, address: Option<IpAddr>) {
        fn forgive<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Failures>>, key: &K) {
            let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(list) = map.get_mut(key) {
                list.pop_back();
            }
        }
        forgive(&self.failures, &(login.to_string(), address));
        if address.is_some() {
            forgive(&self.by_address, &address);
        }
        forgive(&self.by_account, &login.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_from_one_address_waits_but_another_address_may_still_sign_in() {
        let t = Throttle::default();
        let here = Some("10.0.0.1".parse().unwrap());
        let there = Some("10.0.0.2".parse().unwrap());
        for _ in 0..PER_ADDRESS {
            assert!(t.check("wang", here).is_ok());
            t.failed("wang", here);
        }
        let wait = t.check("wang", here).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(
            t.check("wang", there).is_ok(),
            "another address is not locked out"
        );
        assert!(
            t.check("li", here).is_ok(),
            "another account is not locked out"
        );
    }

    #[test]
    fn one_address_guessing_many_accounts_waits_after_fifty_failures() {
        let t = Throttle::default();
        let here = Some("10.0.0.3".parse().unwrap());
        for i in 0..PER_ADDRESS_ALL_ACCOUNTS {
            let login = format!("user{i}");
            assert!(t.check(&login, here).is_ok(), "failure {i}");
            t.failed(&login, here);
        }
        assert!(t.check("someone.new", here).is_err());
        assert!(
            t.check("someone.new", Some("10.0.0.4".parse().unwrap()))
                .is_ok()
        );
    }
}
