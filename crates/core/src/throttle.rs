//! Failed-login throttling: the rule, without storage. Too many failures inside a window lock
//! the key (an account or a client address) out; each further lockout of the same key lasts
//! twice as long as the one before, up to a ceiling, until a success or an administrator
//! clears it. The state lives in the database so that every node applies the same counts.

use time::{Duration, OffsetDateTime};

/// What is remembered about one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: u32,
    pub window_start: OffsetDateTime,
    /// How many times the limit was reached since the last success or unlock.
    pub lockouts: u32,
    pub locked_until: Option<OffsetDateTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures inside `window` that lock the key.
    pub limit: u32,
    pub window: Duration,
    /// The longest a lockout grows to.
    pub max_lockout: Duration,
}

impl ThrottlePolicy {
    /// The state after one more failure at `now`.
    pub fn record_failure(&self, before: Option<ThrottleState>, now: OffsetDateTime) -> ThrottleState {
        let mut s = before.unwrap_or(ThrottleState {
            failures: 0,
            window_start: now,
            lockouts: 0,
            locked_until: None,
        });
        if now >= s.window_start + self.window {
            s.failures = 0;
            s.window_start = now;
        }
        s.failures += 1;
        if s.failures >= self.limit {
            s.lockouts = s.lockouts.saturating_add(1);
            let factor = 1i32 << (s.lockouts - 1).min(10);
            s.locked_until = Some(now + (self.window * factor).min(self.max_lockout));
            s.failures = 0;
            s.window_start = now;
        }
        s
    }

    /// When a state can be forgotten: its window and any lockout are over, and a new lockout
    /// would no longer be doubled from it.
    pub fn forget_after(&self, s: &ThrottleState) -> OffsetDateTime {
        let end = s.window_start + self.max_lockout;
        s.locked_until.map_or(end, |u| u.max(end))
    }
}

impl ThrottleState {
    /// Whole seconds to wait, at least 1, while locked out.
    pub fn wait(&self, now: OffsetDateTime) -> Option<u64> {
        self.locked_until
            .filter(|until| now < *until)
            .map(|until| (until - now).whole_seconds().max(1) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const POLICY: ThrottlePolicy = ThrottlePolicy {
        limit: 5,
        window: Duration::minutes(15),
        max_lockout: Duration::days(1),
    };

    #[test]
    fn locks_after_the_limit_and_reopens_after_the_lockout() {
        let t = datetime!(2026-11-24 12:00 UTC);
        let mut s = None;
        for _ in 0..4 {
            s = Some(POLICY.record_failure(s, t));
            assert_eq!(s.unwrap().wait(t), None);
        }
        let s = POLICY.record_failure(s, t);
        assert_eq!(s.wait(t), Some(900));
        assert_eq!(s.wait(t + Duration::minutes(15)), None);
    }

    #[test]
    fn failures_spread_over_more_than_a_window_do_not_lock() {
        let mut t = datetime!(2026-11-24 12:00 UTC);
        let mut s = None;
        for _ in 0..20 {
            s = Some(POLICY.record_failure(s, t));
            assert_eq!(s.unwrap().wait(t), None);
            t += Duration::minutes(4);
        }
    }

    #[test]
    fn lockouts_double_up_to_the_ceiling() {
        let mut t = datetime!(2026-11-24 12:00 UTC);
        let mut s = None;
        let mut waits = Vec::new();
        for _ in 0..9 {
            for _ in 0..5 {
                s = Some(POLICY.record_failure(s, t));
            }
            let wait = s.unwrap().wait(t).unwrap();
            waits.push(wait);
            t += Duration::seconds(wait as i64);
        }
        assert_eq!(waits, [900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400]);
        assert!(POLICY.forget_after(&s.unwrap()) >= t);
    }
}
