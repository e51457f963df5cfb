//! Failed-login throttling per account and per client IP: after too many failures in a window,
//! further attempts are refused with 429 until the window ends.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
    pub per_account: u32,
    pub per_ip: u32,
    pub window: Duration,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            per_account: 5,
            per_ip: 20,
            window: Duration::minutes(15),
        }
    }
}

impl LoginLimiter {
    fn keys(account: &str, ip: &str) -> [(String, bool); 2] {
        [(format!("account:{account}"), true), (format!("ip:{ip}"), false)]
    }

    /// `Err(seconds)` to wait when either the account or the IP is over its limit.
    pub fn check(&self, account: &str, ip: &str, now: OffsetDateTime) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, is_account) in Self::keys(account, ip) {
            let limit = if is_account { self.per_account } else { self.per_ip };
            if let Some((count, start)) = map.get(&key)
                && *count >= limit
                && now < *start + self.window
            {
                return Err((*start + self.window - now).whole_seconds().max(1) as u64);
            }
        }
        Ok(())
    }

    pub fn fail(&self, account: &str, ip: &str, now: OffsetDateTime) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, start)| now < *start + window);
        }
        for (key, _) in Self::keys(account, ip) {
            let entry = map.entry(key).or_insert((0, now));
            if now >= entry.1 + self.window {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn succeed(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
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
}
