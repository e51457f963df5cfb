//! Failed-login throttling per account and per client IP. Too many failures in a window lock
//! the account (or address) out; each further lockout of the same account lasts twice as long
//! as the one before (up to a day), until a success or an administrator lifts it. The counts are
//! kept in each node's memory: with several nodes, each applies its limits to what it sees.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    window_start: OffsetDateTime,
    /// How many times the limit was reached since the last success or unlock.
    lockouts: u32,
    locked_until: Option<OffsetDateTime>,
}

pub struct LoginLimiter {
    entries: Mutex<HashMap<String, Entry>>,
    pub per_account: u32,
    pub per_ip: u32,
    pub window: Duration,
    /// The longest a lockout grows to.
    pub max_lockout: Duration,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            per_account: 5,
            per_ip: 20,
            window: Duration::minutes(15),
            max_lockout: Duration::days(1),
        }
    }
}

impl LoginLimiter {
    fn keys(account: &str, ip: &str) -> [(String, bool); 2] {
        [(format!("account:{account}"), true), (format!("ip:{ip}"), false)]
    }

    /// `Err(seconds)` to wait when the account or the IP is locked out.
    pub fn check(&self, account: &str, ip: &str, now: OffsetDateTime) -> Result<(), u64> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0i64;
        for (key, _) in Self::keys(account, ip) {
            if let Some(until) = map.get(&key).and_then(|e| e.locked_until)
                && now < until
            {
                wait = wait.max((until - now).whole_seconds().max(1));
            }
        }
        if wait > 0 { Err(wait as u64) } else { Ok(()) }
    }

    pub fn fail(&self, account: &str, ip: &str, now: OffsetDateTime) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let horizon = self.max_lockout;
            map.retain(|_, e| now < e.window_start + horizon || e.locked_until.is_some_and(|u| now < u));
        }
        for (key, is_account) in Self::keys(account, ip) {
            let limit = if is_account { self.per_account } else { self.per_ip };
            let e = map.entry(key).or_insert(Entry {
                failures: 0,
                window_start: now,
                lockouts: 0,
                locked_until: None,
            });
            if now >= e.window_start + self.window {
                e.failures = 0;
                e.window_start = now;
            }
            e.failures += 1;
            if e.failures >= limit {
                e.lockouts += 1;
                let factor = 1i32 << (e.lockouts - 1).min(10);
                let lockout = (self.window * factor).min(self.max_lockout);
                e.locked_until = Some(now + lockout);
                e.failures = 0;
                e.window_start = now;
            }
        }
    }

    /// A successful login forgets the account's failures and lockouts.
    pub fn succeed(&self, account: &str) {
        self.unlock(account);
    }

    /// Lifts an account's lockout (an administrator's action, or a success).
    pub fn unlock(&self, account: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn locks_after_limit_and_reopens_after_window() {
        let l = LoginLimiter::default();
        let t = datetime!(2026-11-24 12:00 UTC);
        for _ in 0..5 {
            assert!(l.check("a@x.io", "1.1.1.1", t).is_ok());
            l.fail("a@x.io", "1.1.1.1", t);
        }
        assert_eq!(
            l.check("a@x.io", "2.2.2.2", t),
            Err(900),
            "account locked from any IP"
        );
        assert!(
            l.check("b@x.io", "1.1.1.1", t).is_ok(),
            "IP not yet over its own limit"
        );
        assert!(l.check("a@x.io", "1.1.1.1", t + Duration::minutes(15)).is_ok());
    }

    #[test]
    fn lockouts_grow_until_a_success_or_an_unlock() {
        let l = LoginLimiter::default();
        let mut t = datetime!(2026-11-24 12:00 UTC);
        let mut waits = Vec::new();
        for _ in 0..4 {
            for i in 0..5 {
                l.fail("a@x.io", &format!("10.0.0.{i}"), t);
            }
            let wait = l.check("a@x.io", "10.9.9.9", t).unwrap_err();
            waits.push(wait);
            t += Duration::seconds(wait as i64);
        }
        assert_eq!(waits, [900, 1800, 3600, 7200]);
        for i in 0..5 {
            l.fail("a@x.io", &format!("10.0.1.{i}"), t);
        }
        assert!(l.check("a@x.io", "10.9.9.9", t).is_err());
        l.unlock("a@x.io");
        assert!(
            l.check("a@x.io", "10.9.9.9", t).is_ok(),
            "an administrator lifted it"
        );
    }
}
