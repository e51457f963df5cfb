//! Rate limits and credits on the verify path, after the decision says VALID.
//!
//! **Rate limits** are counted in this node's memory (sliding windows of
//! [`keyward_core::limits::Window`]): exact on one node. **Credits** are leased: a node takes a
//! share of a balance from storage in one atomic update, spends it in memory, reports what it
//! spent every [`SETTLE_EVERY`] and hands back what it holds once a token goes quiet. Storage
//! never hands the same credit to two nodes, so the VALID answers for a balance of N are at
//! most N across every node; a node that dies holding a lease loses what it held (never more
//! than one lease). See docs/LIMITS.md.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use keyward_api::limits::RateLimitState;
use keyward_core::VerifyCode;
use keyward_core::limits::{RateLimit, Window, WindowState};
use keyward_core::quota::{LimitScope, SubjectLimits};
use keyward_store::{DynStore, Lease, Settlement, StoreResult};
use time::OffsetDateTime;
use uuid::Uuid;

/// How often nodes report spending (and so how stale `GET` of a balance may be).
pub const SETTLE_EVERY: Duration = Duration::from_millis(250);

/// A lease untouched this long goes back to storage, so no credit stays stranded on a node
/// that stopped being asked.
const IDLE_RETURN_MS: i64 = 500;

/// After storage said a balance is empty, this node refuses without asking again for this
/// long (unless told of a top-up or a refill): a flood of verifications of an exhausted token
/// costs one read per second, not one per request.
const EXHAUSTED_MEMO_MS: i64 = 1000;

/// A token's limits, ready for the hot path: each window's key computed once.
#[derive(Debug)]
pub struct ReadyLimits {
    windows: Vec<(WindowKey, RateLimit)>,
    credits: Vec<Uuid>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct WindowKey {
    owner: Uuid,
    shared: bool,
    /// The limit's name and size: a changed limit starts a new window.
    rule: u64,
}

impl WindowKey {
    fn of(scope: LimitScope, limit: &RateLimit) -> Self {
        let (owner, shared) = match scope {
            LimitScope::Token(id) => (id, false),
            LimitScope::ApiUser(id) => (id, true),
        };
        // SHA-256, not std's hasher: nodes (of any version) must agree on the key.
        let rule =
            keyward_core::TokenHash::of(&format!("{}\0{}\0{}", limit.name, limit.limit, limit.duration_ms))
                .short();
        Self { owner, shared, rule }
    }

    /// The key storage counts this limit's shared window under.
    fn stored(&self) -> String {
        let kind = if self.shared { "u" } else { "t" };
        format!("{}:{kind}:{:016x}", self.owner, self.rule)
    }
}

impl ReadyLimits {
    pub fn of(l: &SubjectLimits) -> Option<Box<Self>> {
        if l.is_empty() {
            return None;
        }
        let windows = l
            .ratelimits
            .iter()
            .map(|s| (WindowKey::of(s.scope, &s.limit), s.limit.clone()))
            .collect();
        Some(Box::new(Self {
            windows,
            credits: l.credits.clone(),
        }))
    }
}

/// What the limits made of a VALID decision, for the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitReport {
    /// VALID, RATE_LIMITED or USAGE_EXCEEDED.
    pub code: VerifyCode,
    pub ratelimits: Vec<RateLimitState>,
    /// Each limit's window, in the order of `ratelimits` (for the gateways' headers).
    pub windows_ms: Vec<u64>,
    /// The least left of the balances that apply.
    pub credits: Option<u64>,
}

impl LimitReport {
    /// Seconds until a refused request may succeed, for `Retry-After`.
    pub fn retry_after_secs(&self, now: OffsetDateTime) -> Option<u64> {
        if self.code != VerifyCode::RateLimited {
            return None;
        }
        self.ratelimits
            .iter()
            .filter(|l| l.remaining == 0)
            .map(|l| (l.reset_at - now).whole_seconds().max(1) as u64)
            .max()
    }
}

/// What a check needs before it can answer.
pub enum Check {
    Done(LimitReport),
    /// Lease credits of this balance for a request of `cost`, then check again.
    Lease {
        id: Uuid,
        cost: u64,
    },
    /// Ask storage for permits of the limit at this index, then check again.
    Permits {
        index: usize,
    },
}

/// Use in the current and the previous second.
#[derive(Default)]
struct RateMeter {
    second: i64,
    this_second: u64,
    last_second: u64,
}

impl RateMeter {
    fn note(&mut self, n: u64, now_ms: i64) {
        let second = now_ms.div_euclid(1000);
        if second != self.second {
            self.last_second = if second == self.second + 1 {
                self.this_second
            } else {
                0
            };
            self.this_second = 0;
            self.second = second;
        }
        self.this_second += n;
    }

    /// Used in about a second, recently.
    fn rate(&self) -> u64 {
        self.last_second.max(self.this_second)
    }
}

/// This node's share of a balance.
#[derive(Default)]
struct LocalCredits {
    /// Leased and not spent.
    available: u64,
    /// Spent since the last report.
    spent: u64,
    period: i64,
    /// The lease is void from here (the next refill).
    valid_until_ms: Option<i64>,
    /// What storage had left when last asked.
    db_remaining: u64,
    /// Storage has been asked at least once.
    known: bool,
    /// Storage must be asked again before spending (the balance may have been set anew).
    stale: bool,
    /// The balance was removed: nothing to spend from.
    missing: bool,
    last_used_ms: i64,
    exhausted_until_ms: i64,
    /// Recent spending, to size the next lease.
    meter: RateMeter,
}

impl LocalCredits {
    fn void_if_refilled(&mut self, now_ms: i64) {
        if self.valid_until_ms.is_some_and(|v| now_ms >= v) {
            // A refill resets the balance in storage, leases and reports of the old period
            // included.
            *self = Self::default();
        }
    }

    fn left(&self) -> u64 {
        self.available + self.db_remaining
    }

    fn rate(&self) -> u64 {
        self.meter.rate()
    }

    /// A lease to ask for: about a second of recent spending, at least `cost`.
    fn want(&self, cost: u64) -> u64 {
        self.rate().max(cost).max(1)
    }

    fn spend(&mut self, cost: u64, now_ms: i64) {
        self.available -= cost;
        self.spent += cost;
        self.last_used_ms = now_ms;
        self.meter.note(cost, now_ms);
    }
}

/// This node's share of a limit's window kept in storage (with several nodes): permits granted
/// for a few buckets, used one per verification.
#[derive(Default)]
struct SharedWindow {
    permits: u64,
    /// The bucket the permits are counted in, and the last one they may be used in.
    until_bucket: u64,
    bucket_ms: u64,
    /// What storage had left after the grant.
    left: u64,
    /// Storage had no room moments ago: refuse without asking until then.
    refused_until_ms: i64,
    /// Recent use, to size the next grant.
    meter: RateMeter,
}

impl SharedWindow {
    fn expire(&mut self, at: u64) -> Option<u64> {
        let bucket = at / self.bucket_ms.max(1);
        (self.permits > 0 && bucket > self.until_bucket).then(|| std::mem::take(&mut self.permits))
    }

    fn spend(&mut self, now_ms: i64) {
        self.permits -= 1;
        self.meter.note(1, now_ms);
    }
}

/// How long a grant of permits lasts: a second, or one bucket if longer (at most 30 buckets).
/// Longer grants cost the database fewer transactions; a grant is at most half of the room
/// left, and what is unused goes back when it ends, so other nodes are not starved for long.
const PERMITS_FOR_MS: u64 = 1000;

#[derive(Default)]
struct State {
    windows: HashMap<WindowKey, (RateLimit, Window)>,
    credits: HashMap<Uuid, LocalCredits>,
    shared: HashMap<WindowKey, SharedWindow>,
    /// Permits that expired unused, to hand back: (key, bucket, count).
    unused: Vec<(String, i64, u64)>,
}

/// The limits of every token this node verifies. One lock: a check of several limits and
/// balances is then all-or-nothing, and it is held for a few hundred nanoseconds.
#[derive(Default)]
pub struct Limiter {
    state: Mutex<State>,
    /// One lease request in flight per balance; the others wait for it.
    gates: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    /// One grant of permits in flight per limit.
    permit_gates: Mutex<HashMap<WindowKey, Arc<tokio::sync::Mutex<()>>>>,
    pub leases: std::sync::atomic::AtomicU64,
    pub permit_leases: std::sync::atomic::AtomicU64,
    /// Several nodes share the database: windows are counted there.
    shared: std::sync::atomic::AtomicBool,
}

fn state_of(l: &RateLimit, s: WindowState) -> RateLimitState {
    RateLimitState {
        name: l.name.clone(),
        limit: l.limit,
        remaining: s.remaining,
        reset_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(s.reset_at_ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    }
}

impl Limiter {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a VALID verification of `cost` against every limit and balance, or refuses it
    /// counting nothing: RATE_LIMITED if a limit is reached, else USAGE_EXCEEDED if a balance
    /// is short. Asks for a lease when this node holds too little of a balance.
    pub fn check(&self, l: &ReadyLimits, cost: u64, now_ms: i64) -> Check {
        let at = now_ms.max(0) as u64;
        let mut guard = self.lock();
        let st = &mut *guard;
        let shared = self.shared.load(std::sync::atomic::Ordering::Relaxed);
        let mut limited = false;
        for (index, (key, limit)) in l.windows.iter().enumerate() {
            let (_, w) = st
                .windows
                .entry(*key)
                .or_insert_with(|| (limit.clone(), Window::default()));
            if !shared {
                limited |= !w.peek(limit, at).allowed;
                continue;
            }
            let sh = st.shared.entry(*key).or_default();
            if let Some(n) = sh.expire(at) {
                st.unused.push((key.stored(), sh.until_bucket as i64, n));
            }
            if sh.permits == 0 {
                if now_ms < sh.refused_until_ms {
                    limited = true;
                } else if !limited {
                    return Check::Permits { index };
                }
            }
        }
        let mut short = false;
        let mut left: Option<u64> = None;
        for id in &l.credits {
            let c = st.credits.entry(*id).or_default();
            c.void_if_refilled(now_ms);
            if c.missing {
                continue;
            }
            // Storage is asked again when this node holds too little, unless it said moments
            // ago that it has too little too.
            let ask = c.available < cost && (now_ms >= c.exhausted_until_ms || cost <= c.left());
            if !c.known || c.stale || ask {
                if !limited {
                    return Check::Lease { id: *id, cost };
                }
            } else if c.available < cost {
                short = true;
            }
            if c.known {
                left = Some(left.map_or(c.left(), |x: u64| x.min(c.left())));
            }
        }
        let code = if limited {
            VerifyCode::RateLimited
        } else if short {
            VerifyCode::UsageExceeded
        } else {
            VerifyCode::Valid
        };
        let mut ratelimits = Vec::with_capacity(l.windows.len());
        let mut windows_ms = Vec::with_capacity(l.windows.len());
        for (key, limit) in &l.windows {
            let Some((_, w)) = st.windows.get_mut(key) else {
                continue;
            };
            let mut s = if code == VerifyCode::Valid {
                w.try_spend(limit, at, 1)
            } else {
                w.peek(limit, at)
            };
            if shared && let Some(sh) = st.shared.get_mut(key) {
                if code == VerifyCode::Valid {
                    sh.spend(now_ms);
                }
                // Across nodes: what this node holds and what storage had left.
                s.remaining = (sh.permits + sh.left).min(limit.limit);
            }
            ratelimits.push(state_of(limit, s));
            windows_ms.push(limit.duration_ms);
        }
        if code == VerifyCode::Valid {
            left = None;
            for id in &l.credits {
                if let Some(c) = st.credits.get_mut(id)
                    && !c.missing
                {
                    c.spend(cost, now_ms);
                    left = Some(left.map_or(c.left(), |x: u64| x.min(c.left())));
                }
            }
        }
        Check::Done(LimitReport {
            code,
            ratelimits,
            windows_ms,
            credits: left,
        })
    }

    /// Leases credits of a balance for a request of `cost` (one request per balance at a time;
    /// the others wait and find the lease). A refill that fell due is applied first.
    pub async fn lease(&self, store: &DynStore, id: Uuid, cost: u64, now: OffsetDateTime) -> StoreResult<()> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
            gates.entry(id).or_default().clone()
        };
        let _turn = gate.lock().await;
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let want = {
            let mut st = self.lock();
            let c = st.credits.entry(id).or_default();
            c.void_if_refilled(now_ms);
            let found_short = now_ms < c.exhausted_until_ms && cost > c.left();
            if c.known && !c.stale && (c.available >= cost || found_short) {
                return Ok(()); // Someone else's lease covers it, or found it empty.
            }
            c.want(cost)
        };
        for _ in 0..3 {
            let min = {
                let st = self.lock();
                cost.saturating_sub(st.credits.get(&id).map_or(0, |c| c.available))
            };
            self.leases.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match store.lease_credits(id, min, want.max(min), now).await? {
                Lease::Granted {
                    granted,
                    remaining,
                    period,
                    valid_until,
                } => {
                    let mut st = self.lock();
                    let c = st.credits.entry(id).or_default();
                    if !c.known || c.period != period {
                        // A new period (a refill or a "set" since): what was held is void.
                        c.available = 0;
                        c.spent = 0;
                    }
                    c.known = true;
                    c.stale = false;
                    c.missing = false;
                    c.period = period;
                    c.available += granted;
                    c.db_remaining = remaining;
                    c.valid_until_ms = valid_until.map(|v| (v.unix_timestamp_nanos() / 1_000_000) as i64);
                    c.last_used_ms = now_ms;
                    if c.available < cost {
                        let memo = now_ms + EXHAUSTED_MEMO_MS;
                        c.exhausted_until_ms = c.valid_until_ms.map_or(memo, |v| v.min(memo));
                    }
                    return Ok(());
                }
                Lease::RefillDue(b) => {
                    crate::credits::refill(store, &b, now).await?;
                }
                Lease::Missing => {
                    let mut st = self.lock();
                    let c = st.credits.entry(id).or_default();
                    c.known = true;
                    c.stale = false;
                    c.missing = true;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Balances in steady use that this node may run out of soon (less than a second of
    /// spending left): leased ahead by the settling task, so verifications do not wait for
    /// storage. Answers (balance, the "cost" to lease for: one more than held).
    pub fn running_low(&self, now_ms: i64) -> Vec<(Uuid, u64)> {
        let st = self.lock();
        st.credits
            .iter()
            .filter(|(_, c)| {
                c.known
                    && !c.stale
                    && !c.missing
                    && c.available > 0
                    && now_ms - c.last_used_ms < IDLE_RETURN_MS
                    && c.available < c.rate()
                    && c.db_remaining > 0
            })
            .map(|(id, c)| (*id, c.available + 1))
            .collect()
    }

    /// Asks storage for permits of the limit at `index` of `l` (one request per limit at a
    /// time; the others wait and find its permits). The grant is counted in the last bucket it
    /// may be used in, against every count from 60 buckets before the first: so no window of
    /// the limit, on any node, ever holds more than the limit.
    pub async fn lease_permits(
        &self,
        store: &DynStore,
        l: &ReadyLimits,
        index: usize,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let Some((key, limit)) = l.windows.get(index) else {
            return Ok(());
        };
        let gate = {
            let mut gates = self.permit_gates.lock().unwrap_or_else(|p| p.into_inner());
            gates.entry(*key).or_default().clone()
        };
        let _turn = gate.lock().await;
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let at = now_ms.max(0) as u64;
        let bucket_ms = limit.duration_ms.div_ceil(keyward_core::limits::BUCKETS);
        let first = at / bucket_ms;
        let last = first + PERMITS_FOR_MS.div_ceil(bucket_ms).clamp(1, 30) - 1;
        let want = {
            let mut st = self.lock();
            let sh = st.shared.entry(*key).or_default();
            if let Some(n) = sh.expire(at) {
                let back = (key.stored(), sh.until_bucket as i64, n);
                st.unused.push(back);
            }
            let sh = st.shared.entry(*key).or_default();
            if sh.permits > 0 || now_ms < sh.refused_until_ms {
                return Ok(());
            }
            (sh.meter.rate() * PERMITS_FOR_MS / 1000).max(1)
        };
        self.permit_leases
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = keyward_store::PermitRequest {
            key: key.stored(),
            limit: limit.limit,
            bucket: last as i64,
            since: first as i64 - keyward_core::limits::BUCKETS as i64,
            want,
            expires_at_ms: ((last + keyward_core::limits::BUCKETS + 2) * bucket_ms) as i64,
        };
        let (granted, left) = store.lease_permits(&request).await?;
        let mut st = self.lock();
        let sh = st.shared.entry(*key).or_default();
        sh.permits = granted;
        sh.until_bucket = last;
        sh.bucket_ms = bucket_ms;
        sh.left = left;
        if granted == 0 {
            // Room comes back as buckets leave the window: ask again from the next one.
            sh.refused_until_ms = (((first + 1) * bucket_ms) as i64).max(now_ms + 50);
        }
        Ok(())
    }

    /// Permits granted and no longer usable (all of them with `all`, on shutdown), to hand
    /// back to storage.
    pub fn unused_permits(&self, now_ms: i64, all: bool) -> Vec<(String, i64, u64)> {
        let at = now_ms.max(0) as u64;
        let mut st = self.lock();
        let mut out = std::mem::take(&mut st.unused);
        for (key, sh) in st.shared.iter_mut() {
            let expired = if all {
                (sh.permits > 0).then(|| std::mem::take(&mut sh.permits))
            } else {
                sh.expire(at)
            };
            if let Some(n) = expired {
                out.push((key.stored(), sh.until_bucket as i64, n));
            }
        }
        st.shared
            .retain(|_, sh| sh.permits > 0 || now_ms - sh.meter.second * 1000 < 60_000);
        out
    }

    /// Counts windows in storage from now on (several nodes share it) or in memory.
    pub fn set_shared(&self, shared: bool) {
        self.shared.store(shared, std::sync::atomic::Ordering::Relaxed);
    }

    /// What to report to storage now: what was spent, and the leases of quiet balances (all of
    /// them with `all`, on shutdown). Quiet windows and balances are forgotten.
    pub fn settlements(&self, now_ms: i64, all: bool) -> Vec<Settlement> {
        let mut st = self.lock();
        let mut out = Vec::new();
        for (id, c) in st.credits.iter_mut() {
            let quiet = now_ms - c.last_used_ms > IDLE_RETURN_MS;
            let returned = if (all || quiet) && c.known && !c.missing {
                std::mem::take(&mut c.available)
            } else {
                0
            };
            if c.spent > 0 || returned > 0 {
                out.push(Settlement {
                    id: *id,
                    period: c.period,
                    spent: std::mem::take(&mut c.spent),
                    returned,
                });
                c.db_remaining += returned;
            }
        }
        // Forget what holds nothing: a balance quiet for a minute, a window with no count left.
        st.credits
            .retain(|_, c| c.available > 0 || c.spent > 0 || now_ms - c.last_used_ms < 60_000);
        let at = now_ms.max(0) as u64;
        st.windows
            .retain(|_, (limit, w)| w.peek(limit, at).remaining < limit.limit);
        out
    }

    /// How much of each limit this node has counted in its current window (for the dashboard;
    /// on several nodes, this node's share).
    pub fn usage(&self, scope: LimitScope, limits: &[RateLimit], now_ms: i64) -> Vec<u64> {
        let at = now_ms.max(0) as u64;
        let mut st = self.lock();
        limits
            .iter()
            .map(|l| match st.windows.get_mut(&WindowKey::of(scope, l)) {
                Some((_, w)) => l.limit - w.peek(l, at).remaining,
                None => 0,
            })
            .collect()
    }

    /// Settlements storage did not take: kept to be reported again.
    pub fn put_back(&self, failed: &[Settlement]) {
        let mut st = self.lock();
        for s in failed {
            let c = st.credits.entry(s.id).or_default();
            if c.period == s.period {
                c.spent += s.spent;
                c.available += s.returned;
                c.db_remaining = c.db_remaining.saturating_sub(s.returned);
            }
        }
    }

    /// Balances may have changed (a top-up, a refill, a new balance set anywhere): ask storage
    /// again before the next spend of each, rather than trust what this node holds or found
    /// empty. A lease of a new period voids what was held; of the same period, keeps it.
    pub fn recheck_all(&self) {
        let mut st = self.lock();
        for c in st.credits.values_mut() {
            c.exhausted_until_ms = 0;
            c.stale = true;
        }
    }

    /// [`Self::recheck_all`] for one balance.
    pub fn credits_changed(&self, id: Uuid) {
        let mut st = self.lock();
        if let Some(c) = st.credits.get_mut(&id) {
            c.exhausted_until_ms = 0;
            c.stale = true;
        }
    }
}

#[cfg(test)]
mod tests;
