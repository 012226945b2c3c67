//! Access resolved once and kept briefly: credentials (a token's hash, or a Basic login's
//! hash) map to the [`Principal`] they resolved to for [`TRUSTED_FOR`]. Every change to
//! accounts, tokens or appointments (on any replica: the change log's `accounts` entries)
//! empties the cache, so revoking or disabling takes effect within the follower's delay.
//!
//! Failed sign-ins are throttled ([`Throttle`]): 10 a minute per account from one address,
//! 100 a minute per account from everywhere, each answered 429 with `Retry-After` once
//! spent. Someone elsewhere can lock a planner out only by failing 100 times a minute, and
//! only until a minute after they stop.

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

    /// Remembers what `key` resolved to.
    pub fn remember(&self, key: String, principal: Principal) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 10_000 {
            cache.retain(|_, (_, at)| at.elapsed() < TRUSTED_FOR);
        }
        cache.insert(key, (principal, Instant::now()));
    }

    /// Forgets everything (accounts, tokens or appointments changed).
    pub fn forget_all(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The window failed sign-ins are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failures allowed per account and address within [`WINDOW`].
pub const PER_ADDRESS: usize = 10;
/// Failures allowed per account from all addresses within [`WINDOW`].
pub const PER_ACCOUNT: usize = 100;

/// Recent failures, oldest first.
type Failures = VecDeque<Instant>;

/// Failed sign-ins per (account, address) and per account.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
    by_account: Mutex<HashMap<String, Failures>>,
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
        let mut pairs = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = pairs.get_mut(&(login.to_string(), address))
            && let Some(wait) = spent(list, PER_ADDRESS, now)
        {
            return Err(wait);
        }
        drop(pairs);
        let mut accounts = self.by_account.lock().unwrap_or_else(|e| e.into_inner());
        match accounts
            .get_mut(login)
            .and_then(|l| spent(l, PER_ACCOUNT, now))
        {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, login: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut pairs = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if pairs.len() > 100_000 {
            pairs.retain(|_, l| l.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        pairs
            .entry((login.to_string(), address))
            .or_default()
            .push_back(now);
        drop(pairs);
        let mut accounts = self.by_account.lock().unwrap_or_else(|e| e.into_inner());
        let list = accounts.entry(login.to_string()).or_default();
        list.push_back(now);
        if list.len() > PER_ACCOUNT {
            list.pop_front();
        }
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
}
