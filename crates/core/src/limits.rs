//! Rate limits and usage credits: the rules and their arithmetic, without storage or clocks
//! (callers pass `now` in milliseconds since the Unix epoch).
//!
//! A **rate limit** `{name, limit, duration_ms}` is a sliding window kept as [`BUCKETS`]
//! counters, each covering `duration_ms / BUCKETS`. A request is admitted when the counts of
//! every bucket that overlaps the last `duration_ms`, plus its own cost, stay within `limit`.
//! Counting the oldest, partly expired bucket whole makes the window conservative: **no window
//! of `duration_ms`, wherever it starts, ever holds more than `limit` admitted requests**; the
//! price is that a request may be refused up to one bucket width (1/[`BUCKETS`] of the
//! duration) before a strictly exact window would admit it. Counters add up, so windows kept
//! on several nodes can be merged by summing them.
//!
//! **Credits** `{remaining, refill}` are a balance a verification spends. A refill sets the
//! balance back to `amount` (it does not accumulate) on a schedule: daily at midnight UTC,
//! monthly on a day of the month (the last day in shorter months), or every `n` milliseconds
//! from a start. [`Refill::due`] says how many refills are due since the last one and when the
//! next falls, so a refill is applied once however late it is noticed.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, Time};

/// Buckets per window: the refusal can come early by at most 1/60 of the duration.
pub const BUCKETS: u64 = 60;

/// The longest window a limit may have: 30 days.
pub const MAX_DURATION_MS: u64 = 30 * 24 * 3600 * 1000;

/// A named limit on requests per duration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub name: String,
    pub limit: u64,
    pub duration_ms: u64,
}

impl RateLimit {
    /// The limit, or why it makes no sense (the field at fault and the rule).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            return Err((
                "name",
                "a name of 1 to 64 letters, digits, '-', '_', '.' or ':'".into(),
            ));
        }
        if self.limit == 0 {
            return Err(("limit", "at least 1 (to stop a token, suspend it)".into()));
        }
        if self.duration_ms < BUCKETS || self.duration_ms > MAX_DURATION_MS {
            return Err((
                "duration_ms",
                format!("between {BUCKETS} ms and {MAX_DURATION_MS} ms (30 days)"),
            ));
        }
        Ok(())
    }

    fn bucket_ms(&self) -> u64 {
        self.duration_ms.div_ceil(BUCKETS)
    }
}

/// The counters of one limit for one key (a token, an API user, an organization).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Index of the newest bucket (`now / bucket_ms`); the counts go back from it.
    newest: u64,
    counts: [u64; BUCKETS as usize + 1],
}

impl Default for Window {
    fn default() -> Self {
        Self {
            newest: 0,
            counts: [0; BUCKETS as usize + 1],
        }
    }
}

/// What a check found: whether it fits, what is left and when room frees up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowState {
    pub allowed: bool,
    /// What may still be spent now (after this request, if it was admitted).
    pub remaining: u64,
    /// When the oldest counted request leaves the window (milliseconds since the epoch); `now`
    /// when nothing is counted.
    pub reset_at_ms: u64,
}

impl Window {
    /// Moves the window to `now`, forgetting buckets that no longer overlap it.
    fn advance(&mut self, limit: &RateLimit, now_ms: u64) {
        let current = now_ms / limit.bucket_ms();
        if current <= self.newest {
            return;
        }
        let shift = current - self.newest;
        let len = self.counts.len() as u64;
        if shift >= len {
            self.counts = [0; BUCKETS as usize + 1];
        } else {
            self.counts.rotate_right(shift as usize);
            self.counts[..shift as usize].fill(0);
        }
        self.newest = current;
    }

    /// Buckets that overlap `(now - duration, now]`, newest first: the current one and the
    /// [`BUCKETS`] before it (the last of them partly expired, counted whole).
    fn counted(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Admits `cost` at `now` if it fits, counting it; a refusal counts nothing.
    pub fn try_spend(&mut self, limit: &RateLimit, now_ms: u64, cost: u64) -> WindowState {
        self.advance(limit, now_ms);
        let used = self.counted();
        let allowed = used.saturating_add(cost) <= limit.limit;
        if allowed {
            self.counts[0] += cost;
        }
        self.state(limit, now_ms, allowed)
    }

    /// What a check at `now` would see, counting nothing.
    pub fn peek(&mut self, limit: &RateLimit, now_ms: u64) -> WindowState {
        self.advance(limit, now_ms);
        self.state(limit, now_ms, self.counted() < limit.limit)
    }

    /// Adds counts admitted elsewhere (another node's share of the same window).
    pub fn merge(&mut self, limit: &RateLimit, other: &Window) {
        self.advance(limit, other.newest * limit.bucket_ms());
        let mut o = other.clone();
        o.advance(limit, self.newest * limit.bucket_ms());
        for (a, b) in self.counts.iter_mut().zip(o.counts) {
            *a += b;
        }
    }

    fn state(&self, limit: &RateLimit, now_ms: u64, allowed: bool) -> WindowState {
        let used = self.counted();
        let bucket = limit.bucket_ms();
        // The oldest non-empty bucket leaves the window when the window has moved past it by
        // BUCKETS + 1 buckets.
        let reset_at_ms = self
            .counts
            .iter()
            .rposition(|c| *c > 0)
            .map_or(now_ms, |age| (self.newest - age as u64 + BUCKETS + 1) * bucket);
        WindowState {
            allowed,
            remaining: limit.limit.saturating_sub(used),
            reset_at_ms,
        }
    }
}

/// When credits come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefillInterval {
    /// Every day at 00:00 UTC.
    Daily,
    /// Every month on `day` (1 to 31; the month's last day when it is shorter), 00:00 UTC.
    Monthly { day: u8 },
    /// Every `ms` milliseconds from the credits' start.
    Every { ms: u64 },
}

/// A refill schedule: the balance becomes `amount` at each refill time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refill {
    pub interval: RefillInterval,
    pub amount: u64,
}

impl RefillInterval {
    /// `"daily"`, `"monthly"` (with `day`, default 1) or `"<n>ms"`.
    pub fn parse(interval: &str, day: Option<u8>) -> Result<Self, (&'static str, String)> {
        let every = |ms: u64| {
            if (1000..=365 * 24 * 3600 * 1000).contains(&ms) {
                Ok(Self::Every { ms })
            } else {
                Err(("interval", "between 1000ms and one year".to_owned()))
            }
        };
        match (interval.trim(), day) {
            ("daily", None) => Ok(Self::Daily),
            ("daily", Some(_)) => Err(("day", "only a monthly refill has a day".into())),
            ("monthly", day) => match day.unwrap_or(1) {
                d @ 1..=31 => Ok(Self::Monthly { day: d }),
                _ => Err(("day", "a day of the month, 1 to 31".into())),
            },
            (other, None) => match other.strip_suffix("ms").map(str::parse::<u64>) {
                Some(Ok(ms)) => every(ms),
                _ => Err((
                    "interval",
                    "\"daily\", \"monthly\" or a number of milliseconds such as \"3600000ms\"".into(),
                )),
            },
            (_, Some(_)) => Err(("day", "only a monthly refill has a day".into())),
        }
    }
}

impl Refill {
    /// The first refill time strictly after `t`; `start` anchors `Every` schedules.
    pub fn next_after(&self, start: OffsetDateTime, t: OffsetDateTime) -> OffsetDateTime {
        let t = t.to_offset(time::UtcOffset::UTC);
        match self.interval {
            RefillInterval::Daily => (t.date().next_day().unwrap_or(t.date())).midnight().assume_utc(),
            RefillInterval::Monthly { day } => {
                let this_month = on_day(t.year(), t.month(), day);
                if this_month > t {
                    this_month
                } else {
                    let (y, m) = if t.month() == Month::December {
                        (t.year() + 1, Month::January)
                    } else {
                        (t.year(), t.month().next())
                    };
                    on_day(y, m, day)
                }
            }
            RefillInterval::Every { ms } => {
                let step = i128::from(ms) * 1_000_000;
                let since = (t - start).whole_nanoseconds().max(0);
                let periods = since.div_euclid(step) + 1;
                start + time::Duration::nanoseconds_i128(periods * step)
            }
        }
    }

    /// How many refills fell in `(last, now]`, and the next one after `now`. A refill sets
    /// the balance, so one is as good as many: the count is for the audit trail.
    pub fn due(
        &self,
        start: OffsetDateTime,
        last: OffsetDateTime,
        now: OffsetDateTime,
    ) -> (u64, OffsetDateTime) {
        let mut n = 0;
        let mut at = self.next_after(start, last);
        while at <= now {
            n += 1;
            // Bounded: a year of daily refills is 366 steps; `Every` is at least 1 s apart.
            if n > 1_000_000 {
                break;
            }
            at = self.next_after(start, at);
        }
        (n, at)
    }
}

/// A balance of credits and when it was last refilled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credits {
    pub remaining: u64,
    /// When the schedule starts (`Every` counts from here).
    pub start: OffsetDateTime,
    pub last_refill: OffsetDateTime,
}

/// What spending found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spent {
    pub allowed: bool,
    /// After this spend (unchanged when refused).
    pub remaining: u64,
    /// Refills applied before spending (for the audit trail).
    pub refills: u64,
}

impl Credits {
    /// Applies the refills due by `now`, then spends `cost` if the balance covers it. A
    /// refusal spends nothing; cost 0 is always allowed.
    pub fn spend(&mut self, refill: Option<&Refill>, now: OffsetDateTime, cost: u64) -> Spent {
        let refills = self.refill(refill, now);
        let allowed = cost <= self.remaining;
        if allowed {
            self.remaining -= cost;
        }
        Spent {
            allowed,
            remaining: self.remaining,
            refills,
        }
    }

    /// Applies the refills due by `now`: the balance becomes the amount, once however many
    /// fell due, and the last refill moves to the latest of them.
    pub fn refill(&mut self, refill: Option<&Refill>, now: OffsetDateTime) -> u64 {
        let Some(r) = refill else { return 0 };
        let (n, _) = r.due(self.start, self.last_refill, now);
        if n > 0 {
            self.remaining = r.amount;
            let mut at = self.last_refill;
            for _ in 0..n {
                at = r.next_after(self.start, at);
            }
            self.last_refill = at;
        }
        n
    }
}

/// `day` of a month at 00:00 UTC, or the month's last day when it has fewer days.
fn on_day(year: i32, month: Month, day: u8) -> OffsetDateTime {
    let last = time::util::days_in_month(month, year);
    let d = Date::from_calendar_date(year, month, day.min(last)).unwrap_or(Date::MIN);
    d.with_time(Time::MIDNIGHT).assume_utc()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    fn limit(l: u64, d: u64) -> RateLimit {
        RateLimit {
            name: "requests".into(),
            limit: l,
            duration_ms: d,
        }
    }

    fn daily(amount: u64) -> Refill {
        Refill {
            interval: RefillInterval::Daily,
            amount,
        }
    }

    /// Requests as (time, cost).
    type Requests = Vec<(u64, u64)>;

    /// The admitted requests of a run, and the refused ones.
    fn run(lim: &RateLimit, arrivals: &[(u64, u64)]) -> (Requests, Requests) {
        let (mut w, mut now) = (Window::default(), 1_000_000);
        let (mut admitted, mut refused) = (vec![], vec![]);
        for &(gap, cost) in arrivals {
            now += gap;
            if w.try_spend(lim, now, cost).allowed {
                admitted.push((now, cost));
            } else {
                refused.push((now, cost));
            }
        }
        (admitted, refused)
    }

    /// A small limit over a short duration, and requests as (gap since the last, cost).
    fn traffic() -> impl Strategy<Value = (RateLimit, Vec<(u64, u64)>)> {
        let arrivals = prop::collection::vec((0u64..400, 0u64..4), 1..400);
        (1u64..30, 60u64..5_000, arrivals).prop_map(|(l, d, a)| (limit(l, d), a))
    }

    fn spent_in(admitted: &[(u64, u64)], from_excl: u64, to_incl: u64) -> u64 {
        admitted
            .iter()
            .filter(|(t, _)| *t > from_excl && *t <= to_incl)
            .map(|(_, c)| c)
            .sum()
    }

    proptest! {
        /// The promise: no window of the duration, wherever it starts, holds more than the limit.
        #[test]
        fn no_window_ever_holds_more_than_the_limit((lim, arrivals) in traffic()) {
            let (l, d) = (lim.limit, lim.duration_ms);
            let (admitted, _) = run(&lim, &arrivals);
            for &(t, _) in &admitted {
                prop_assert!(spent_in(&admitted, t.saturating_sub(d), t) <= l);
            }
        }

        /// And it is tight: a refusal means the last duration plus one bucket holds too much.
        #[test]
        fn a_refusal_is_at_most_one_bucket_early((lim, arrivals) in traffic()) {
            let (admitted, refused) = run(&lim, &arrivals);
            for &(t, cost) in &refused {
                let window = (BUCKETS + 1) * lim.bucket_ms();
                prop_assert!(spent_in(&admitted, t.saturating_sub(window), t) + cost > lim.limit);
            }
        }

        /// Windows kept apart and merged count what one window fed everything counts.
        #[test]
        fn merged_windows_count_like_one(
            d in 60u64..5_000,
            arrivals in prop::collection::vec((0u64..400, 1u64..4, any::<bool>()), 1..200),
        ) {
            let lim = limit(u64::MAX / 2, d);
            let (mut one, mut a, mut b) = (Window::default(), Window::default(), Window::default());
            let mut now = 5_000_000;
            for (gap, cost, left) in arrivals {
                now += gap;
                one.try_spend(&lim, now, cost);
                if left { a.try_spend(&lim, now, cost); } else { b.try_spend(&lim, now, cost); }
            }
            a.merge(&lim, &b);
            prop_assert_eq!(a.peek(&lim, now).remaining, one.peek(&lim, now).remaining);
        }
    }

    #[test]
    fn reset_at_is_when_the_oldest_counted_request_leaves() {
        let lim = limit(3, 60_000);
        let mut w = Window::default();
        let t0 = 10_000_000;
        for _ in 0..3 {
            assert!(w.try_spend(&lim, t0, 1).allowed);
        }
        let full = w.try_spend(&lim, t0 + 5, 1);
        assert!(!full.allowed);
        assert_eq!(full.remaining, 0);
        let reset = full.reset_at_ms;
        assert!(reset > t0 + 60_000 && reset <= t0 + 60_000 + 2 * lim.bucket_ms());
        assert_eq!(w.peek(&lim, reset - 1).remaining, 0);
        assert_eq!(w.peek(&lim, reset).remaining, 3);
        // A refusal spent nothing: the window is as it was.
        assert!(w.try_spend(&lim, reset, 3).allowed);
    }

    #[test]
    fn cost_zero_is_always_admitted_and_counts_nothing() {
        let lim = limit(1, 1_000);
        let mut w = Window::default();
        assert!(w.try_spend(&lim, 5_000, 1).allowed);
        let s = w.try_spend(&lim, 5_001, 0);
        assert!(s.allowed);
        assert_eq!(s.remaining, 0);
        assert!(!w.try_spend(&lim, 5_002, 1).allowed);
    }

    #[test]
    fn nonsense_limits_are_refused_by_field() {
        assert_eq!(limit(0, 60_000).validate().unwrap_err().0, "limit");
        assert_eq!(limit(1, 0).validate().unwrap_err().0, "duration_ms");
        assert_eq!(
            limit(1, MAX_DURATION_MS + 1).validate().unwrap_err().0,
            "duration_ms"
        );
        let mut bad = limit(1, 60_000);
        bad.name = "two words".into();
        assert_eq!(bad.validate().unwrap_err().0, "name");
        assert!(limit(100, 60_000).validate().is_ok());
    }

    #[test]
    fn refill_intervals_parse_and_refuse_nonsense() {
        assert_eq!(RefillInterval::parse("daily", None), Ok(RefillInterval::Daily));
        assert_eq!(
            RefillInterval::parse("monthly", None),
            Ok(RefillInterval::Monthly { day: 1 })
        );
        assert_eq!(
            RefillInterval::parse("monthly", Some(31)),
            Ok(RefillInterval::Monthly { day: 31 })
        );
        assert_eq!(
            RefillInterval::parse("3600000ms", None),
            Ok(RefillInterval::Every { ms: 3_600_000 })
        );
        assert_eq!(RefillInterval::parse("monthly", Some(0)).unwrap_err().0, "day");
        assert_eq!(RefillInterval::parse("daily", Some(3)).unwrap_err().0, "day");
        assert_eq!(RefillInterval::parse("10ms", None).unwrap_err().0, "interval");
        assert_eq!(RefillInterval::parse("weekly", None).unwrap_err().0, "interval");
    }

    #[test]
    fn monthly_refills_fall_on_the_day_or_the_months_last() {
        let r = Refill {
            interval: RefillInterval::Monthly { day: 31 },
            amount: 1_000,
        };
        let start = datetime!(2027-01-15 09:00 UTC);
        let mut at = start;
        let mut seen = vec![];
        for _ in 0..4 {
            at = r.next_after(start, at);
            seen.push(at.date());
        }
        let want = ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"];
        let seen: Vec<String> = seen.iter().map(|d| d.to_string()).collect();
        assert_eq!(seen, want);
        // Leap years, and exactly at a refill time: the next one is strictly later.
        let feb = r.next_after(start, datetime!(2028-02-01 00:00 UTC));
        assert_eq!(feb, datetime!(2028-02-29 00:00 UTC));
        assert_eq!(r.next_after(start, feb), datetime!(2028-03-31 00:00 UTC));
    }

    #[test]
    fn due_counts_each_refill_once_however_late() {
        let daily = daily(10);
        let start = datetime!(2027-03-01 08:00 UTC);
        let (n, next) = daily.due(start, start, datetime!(2027-03-01 23:59 UTC));
        assert_eq!((n, next), (0, datetime!(2027-03-02 00:00 UTC)));
        let (n, next) = daily.due(start, start, datetime!(2027-03-04 00:00 UTC));
        assert_eq!((n, next), (3, datetime!(2027-03-05 00:00 UTC)));
        // Noticed again at the same moment: nothing more is due.
        let (n, _) = daily.due(
            start,
            datetime!(2027-03-04 00:00 UTC),
            datetime!(2027-03-04 00:00 UTC),
        );
        assert_eq!(n, 0);
        let hourly = Refill {
            interval: RefillInterval::Every { ms: 3_600_000 },
            amount: 10,
        };
        let (n, next) = hourly.due(start, start, datetime!(2027-03-01 10:30 UTC));
        assert_eq!((n, next), (2, datetime!(2027-03-01 11:00 UTC)));
    }

    #[test]
    fn credits_spend_refill_and_never_go_below_zero() {
        let daily = daily(3);
        let start = datetime!(2027-05-01 10:00 UTC);
        let mut c = Credits {
            remaining: 2,
            start,
            last_refill: start,
        };
        assert!(c.spend(Some(&daily), start, 2).allowed);
        let refused = c.spend(Some(&daily), datetime!(2027-05-01 23:00 UTC), 1);
        assert_eq!(
            (refused.allowed, refused.remaining, refused.refills),
            (false, 0, 0)
        );
        assert!(c.spend(Some(&daily), datetime!(2027-05-01 23:00 UTC), 0).allowed);
        // Three days late: one refill to the amount, not three.
        let after = c.spend(Some(&daily), datetime!(2027-05-04 12:00 UTC), 1);
        assert_eq!((after.allowed, after.remaining, after.refills), (true, 2, 3));
        assert_eq!(c.last_refill, datetime!(2027-05-04 00:00 UTC));
        // Nothing more is due the same day.
        assert_eq!(
            c.spend(Some(&daily), datetime!(2027-05-04 23:59 UTC), 2).refills,
            0
        );
        assert_eq!(c.remaining, 0);
        // Without a schedule the balance only goes down.
        assert!(!c.spend(None, datetime!(2030-01-01 00:00 UTC), 1).allowed);
    }

    proptest! {
        /// Between two refills, the credits allowed never exceed the balance the period began
        /// with; a refused spend leaves the balance as it was.
        #[test]
        fn credits_never_overspend(
            amount in 0u64..50, steps in prop::collection::vec((0i64..7_200, 0u64..5), 1..200),
        ) {
            let r = Refill { interval: RefillInterval::Every { ms: 3_600_000 }, amount };
            let start = datetime!(2027-01-01 00:00 UTC);
            let mut c = Credits { remaining: amount, start, last_refill: start };
            let (mut now, mut spent_since_refill) = (start, 0u64);
            for (gap_s, cost) in steps {
                now += time::Duration::seconds(gap_s);
                let before = c.remaining;
                let s = c.spend(Some(&r), now, cost);
                if s.refills > 0 { spent_since_refill = 0; }
                if s.allowed { spent_since_refill += cost; } else {
                    let balance = if s.refills > 0 { amount } else { before };
                    prop_assert!(cost > balance);
                }
                prop_assert!(spent_since_refill <= amount);
                prop_assert_eq!(c.remaining, amount - spent_since_refill);
            }
        }
    }

    proptest! {
        /// Refill times only move forward, by at most a month and a day, whatever the schedule.
        #[test]
        fn refill_times_strictly_increase(
            day in 1u8..=31, ms in 1_000u64..100_000_000, which in 0u8..3, offset_s in 0i64..400_000_000,
        ) {
            let interval = match which {
                0 => RefillInterval::Daily,
                1 => RefillInterval::Monthly { day },
                _ => RefillInterval::Every { ms },
            };
            let r = Refill { interval, amount: 1 };
            let start = datetime!(2026-01-01 00:00 UTC);
            let t = start + time::Duration::seconds(offset_s);
            let next = r.next_after(start, t);
            prop_assert!(next > t);
            prop_assert!(next - t <= time::Duration::days(32));
            prop_assert!(r.next_after(start, next) > next);
        }
    }
}
