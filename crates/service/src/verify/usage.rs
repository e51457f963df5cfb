//! Usage of tokens between flushes: per token and hour, the last use and from where, counts by
//! result code and the distinct source addresses, aggregated in memory and handed to storage in
//! one batch about once a second.
//!
//! Every verification notes its use here, so this is on the hot path, and it does as little as
//! it can: it appends the use to its thread's log (the platform's verify credential is the same
//! on every request, so a shared log would put both cores on one lock and one cache line). The
//! log is folded into aggregates by the flush, off the hot path: with many tokens in use each
//! aggregate is a cache miss, and folded on the verify path those misses cost a third of a
//! warm verification at a million tokens. The log is bounded: past `LOG_LIMIT` uses in a shard
//! (a flush that cannot keep up), further uses are folded as they come, so memory stays
//! bounded by the tokens in use rather than by the requests. Logs and aggregate maps keep their
//! room from one flush to the next, so notes after a flush neither grow a log nor fault in
//! fresh pages.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::Mutex;

use keyward_core::VerifyCode;
use keyward_store::UsageUpdate;
use time::OffsetDateTime;
use uuid::Uuid;

use super::counter;

/// Distinct source addresses kept per token and hour: enough to count a token's sources and
/// notice new networks, without letting a flood of addresses grow the buffer.
const MAX_IPS_PER_ENTRY: usize = 32;

const NANOS_PER_HOUR: i64 = 3_600_000_000_000;

/// Usage of one token in one hour.
#[derive(Clone, Debug)]
struct UsageAgg {
    /// Unix nanoseconds of the latest use.
    last_at: i64,
    last_ip: Option<IpAddr>,
    counts: [u64; VerifyCode::ALL.len()],
    /// The first source address, inline: most tokens are used from one place, and a new entry
    /// then allocates nothing.
    first_ip: Option<IpAddr>,
    other_ips: Vec<IpAddr>,
}

impl UsageAgg {
    fn new(at: i64, ip: Option<IpAddr>) -> Self {
        Self {
            last_at: at,
            last_ip: ip,
            counts: [0; VerifyCode::ALL.len()],
            first_ip: None,
            other_ips: Vec::new(),
        }
    }

    fn add_ip(&mut self, ip: IpAddr) {
        match self.first_ip {
            None => self.first_ip = Some(ip),
            Some(first) if first == ip => {}
            Some(_) => {
                if self.other_ips.len() + 1 < MAX_IPS_PER_ENTRY && !self.other_ips.contains(&ip) {
                    self.other_ips.push(ip);
                }
            }
        }
    }

    fn note(&mut self, at: i64, ip: Option<IpAddr>, code: VerifyCode) {
        if let Some(ip) = ip {
            self.add_ip(ip);
        }
        if at >= self.last_at {
            self.last_at = at;
            if ip.is_some() {
                self.last_ip = ip;
            }
        }
        self.counts[code.index()] += 1;
    }

    /// Adds another aggregate of the same token and hour: counts add, addresses join, the
    /// latest use wins.
    fn absorb(&mut self, other: UsageAgg) {
        for ip in other.first_ip.into_iter().chain(other.other_ips) {
            self.add_ip(ip);
        }
        if other.last_at > self.last_at {
            self.last_at = other.last_at;
            self.last_ip = other.last_ip;
        }
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    fn into_update(self, token_id: Uuid, hour: i64) -> UsageUpdate {
        UsageUpdate {
            token_id,
            last_used_at: from_nanos(self.last_at),
            last_used_ip: self.last_ip,
            hour: from_nanos(hour.saturating_mul(NANOS_PER_HOUR)),
            counts: VerifyCode::ALL
                .iter()
                .filter(|c| self.counts[c.index()] > 0)
                .map(|c| (*c, self.counts[c.index()]))
                .collect(),
            ips: self.first_ip.into_iter().chain(self.other_ips).collect(),
        }
    }

    fn from_update(u: UsageUpdate) -> (Uuid, i64, Self) {
        let at = keyward_core::unix_nanos(u.last_used_at);
        let mut agg = Self::new(at, u.last_used_ip);
        for ip in u.ips {
            agg.add_ip(ip);
        }
        for (c, n) in u.counts {
            agg.counts[c.index()] += n;
        }
        (
            u.token_id,
            keyward_core::unix_nanos(u.hour).div_euclid(NANOS_PER_HOUR),
            agg,
        )
    }
}

fn from_nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Key: (token id, hours since the epoch).
type UsageMap = HashMap<(u128, i64), UsageAgg, BuildHasherDefault<MixHasher>>;

/// A multiply-xorshift hasher: the keys are token ids (random tails) and hours, nothing an
/// outsider chooses, so a keyed hash buys nothing here.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_u128(&mut self, n: u128) {
        // Truncation intended: both halves are mixed in.
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
}

/// One verification as the hot path notes it.
#[derive(Clone, Copy)]
struct Use {
    token_id: u128,
    /// Unix nanoseconds.
    at: i64,
    ip: Option<IpAddr>,
    code: VerifyCode,
}

/// What the verify path writes to: the log since the last flush, and the aggregates of uses
/// that did not fit in it (and of batches handed back after a failed write).
#[derive(Default)]
struct Pending {
    log: Vec<Use>,
    map: UsageMap,
}

fn fold_into(map: &mut UsageMap, u: Use) {
    map.entry((u.token_id, u.at.div_euclid(NANOS_PER_HOUR)))
        .or_insert_with(|| UsageAgg::new(u.at, u.ip))
        .note(u.at, u.ip, u.code);
}

/// What a flush folds a shard's log into: the flush's own, kept with its room.
#[derive(Default)]
struct Work {
    log: Vec<Use>,
    map: UsageMap,
}

#[repr(align(128))]
#[derive(Default)]
struct Shard {
    pending: Mutex<Pending>,
    work: Mutex<Work>,
}

/// Uses a shard's log holds before further uses are folded as they come: 48 MiB of log.
const LOG_LIMIT: usize = 1 << 20;

/// Usage per token and hour, in one shard per thread stripe.
pub struct UsageBuffer {
    shards: Vec<Shard>,
    log_limit: usize,
}

impl Default for UsageBuffer {
    fn default() -> Self {
        Self::with_log_limit(LOG_LIMIT)
    }
}

/// A log or map that held this many times more room than entries, and more than this many
/// entries' room, gives the rest back rather than keep it for the next flush.
const SHRINK_FACTOR: usize = 4;
const SHRINK_ABOVE: usize = 4096;

fn shrink_map(map: &mut UsageMap, used: usize) {
    if map.capacity() > SHRINK_ABOVE && map.capacity() > used * SHRINK_FACTOR {
        map.shrink_to(used * 2);
    }
}

impl UsageBuffer {
    fn with_log_limit(log_limit: usize) -> Self {
        Self {
            shards: (0..counter::STRIPES).map(|_| Shard::default()).collect(),
            log_limit,
        }
    }

    fn shard(&self) -> &Shard {
        &self.shards[counter::stripe() % self.shards.len()]
    }

    /// Notes one verification of `token_id` at `at` (Unix nanoseconds).
    pub fn note(&self, token_id: Uuid, at: i64, ip: Option<IpAddr>, code: VerifyCode) {
        let u = Use {
            token_id: token_id.as_u128(),
            at,
            ip,
            code,
        };
        let mut pending = self.shard().pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.log.len() < self.log_limit {
            pending.log.push(u);
        } else {
            fold_into(&mut pending.map, u);
        }
    }

    /// Everything noted since the last call. A token used on several threads appears once per
    /// thread: the store merges them. The verify path waits at most for a shard's log to be
    /// swapped with the flush's empty one; the folding happens after.
    pub fn take(&self) -> Vec<UsageUpdate> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let mut work = shard.work.lock().unwrap_or_else(|p| p.into_inner());
            let work = &mut *work;
            let overflow = {
                let mut pending = shard.pending.lock().unwrap_or_else(|p| p.into_inner());
                std::mem::swap(&mut pending.log, &mut work.log);
                std::mem::take(&mut pending.map)
            };
            let logged = work.log.len();
            for (key, agg) in overflow {
                absorb_into(&mut work.map, key, agg);
            }
            for u in work.log.drain(..) {
                fold_into(&mut work.map, u);
            }
            let used = work.map.len();
            out.reserve(used);
            out.extend(
                work.map
                    .drain()
                    .map(|((token_id, hour), agg)| agg.into_update(Uuid::from_u128(token_id), hour)),
            );
            shrink_map(&mut work.map, used);
            if work.log.capacity() > SHRINK_ABOVE && work.log.capacity() > logged * SHRINK_FACTOR {
                work.log.shrink_to(logged * 2);
            }
        }
        out
    }

    /// Returns a batch that could not be written, to be written with the next one.
    pub fn put_back(&self, batch: Vec<UsageUpdate>) {
        let mut pending = self.shard().pending.lock().unwrap_or_else(|p| p.into_inner());
        for u in batch {
            let (token_id, hour, agg) = UsageAgg::from_update(u);
            absorb_into(&mut pending.map, (token_id.as_u128(), hour), agg);
        }
    }
}

fn absorb_into(map: &mut UsageMap, key: (u128, i64), agg: UsageAgg) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().absorb(agg),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(agg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(t: OffsetDateTime) -> i64 {
        keyward_core::unix_nanos(t)
    }

    fn valid_count(batch: &[UsageUpdate]) -> u64 {
        batch
            .iter()
            .flat_map(|u| &u.counts)
            .filter(|(c, _)| *c == VerifyCode::Valid)
            .map(|(_, n)| n)
            .sum()
    }

    #[test]
    fn counts_addresses_and_latest_use_add_up_across_threads_and_flushes() {
        let buffer = std::sync::Arc::new(UsageBuffer::default());
        let token = Uuid::now_v7();
        let t0 = time::macros::datetime!(2026-12-02 10:15 UTC);
        let threads: Vec<_> = (0..4u8)
            .map(|i| {
                let buffer = buffer.clone();
                std::thread::spawn(move || {
                    for n in 0..1000i64 {
                        let ip = IpAddr::from([10, 0, 0, i]);
                        let at = nanos(t0) + n * 1_000_000 + i64::from(i);
                        buffer.note(token, at, Some(ip), VerifyCode::Valid);
                    }
                    buffer.note(token, nanos(t0), None, VerifyCode::Revoked);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let batch = buffer.take();
        assert!(
            !batch.is_empty() && batch.len() <= 4,
            "one update per thread at most"
        );
        assert_eq!(valid_count(&batch), 4000);
        let mut ips: Vec<_> = batch.iter().flat_map(|u| u.ips.clone()).collect();
        ips.sort();
        ips.dedup();
        assert_eq!(ips.len(), 4);
        let latest = batch.iter().max_by_key(|u| u.last_used_at).unwrap();
        assert_eq!(latest.last_used_ip, Some(IpAddr::from([10, 0, 0, 3])));
        assert_eq!(latest.last_used_at, t0 + time::Duration::nanoseconds(999_000_003));
        assert!(
            batch
                .iter()
                .all(|u| u.hour == time::macros::datetime!(2026-12-02 10:00 UTC))
        );
        assert!(buffer.take().is_empty(), "a flush empties the buffer");

        // A failed batch comes back whole and joins what is noted meanwhile.
        buffer.note(
            token,
            nanos(t0),
            Some(IpAddr::from([10, 0, 0, 9])),
            VerifyCode::Valid,
        );
        buffer.put_back(batch);
        let again = buffer.take();
        assert_eq!(valid_count(&again), 4001);
        let ips: std::collections::HashSet<_> = again.iter().flat_map(|u| u.ips.clone()).collect();
        assert_eq!(ips.len(), 5);
    }

    #[test]
    fn hours_are_kept_apart_and_addresses_are_bounded() {
        let buffer = UsageBuffer::default();
        let token = Uuid::now_v7();
        let t0 = nanos(time::macros::datetime!(2026-12-02 10:59:59 UTC));
        for i in 0..100u8 {
            buffer.note(token, t0, Some(IpAddr::from([192, 0, 2, i])), VerifyCode::Valid);
        }
        buffer.note(token, t0 + 2_000_000_000, None, VerifyCode::Expired);
        let mut batch = buffer.take();
        batch.sort_by_key(|u| u.hour);
        assert_eq!(batch.len(), 2, "one update per hour");
        assert_eq!(batch[0].ips.len(), MAX_IPS_PER_ENTRY);
        assert_eq!(batch[0].counts, vec![(VerifyCode::Valid, 100)]);
        assert_eq!(batch[1].counts, vec![(VerifyCode::Expired, 1)]);
        assert_eq!(batch[1].last_used_ip, None);
    }

    #[test]
    fn a_flush_keeps_its_room_for_the_next_second() {
        let buffer = UsageBuffer::default();
        let at = nanos(time::macros::datetime!(2026-12-02 10:00 UTC));
        for _ in 0..1000 {
            buffer.note(Uuid::now_v7(), at, None, VerifyCode::Valid);
        }
        assert_eq!(buffer.take().len(), 1000);
        assert_eq!(buffer.take().len(), 0);
        // The log the verify path writes to now is the one that grew to 1000 uses.
        let room = buffer.shard().pending.lock().unwrap().log.capacity();
        assert!(room >= 1000, "{room}");
        assert!(buffer.shard().work.lock().unwrap().map.capacity() >= 1000);
    }

    #[test]
    fn uses_beyond_the_log_limit_are_folded_as_they_come() {
        let buffer = UsageBuffer::with_log_limit(10);
        let at = nanos(time::macros::datetime!(2026-12-02 10:00 UTC));
        let tokens: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        for i in 0..1000 {
            let ip = IpAddr::from([10, 0, 0, (i % 3) as u8]);
            buffer.note(tokens[i % 3], at + i as i64, Some(ip), VerifyCode::Valid);
        }
        {
            let pending = buffer.shard().pending.lock().unwrap();
            assert_eq!(pending.log.len(), 10, "the log stops growing at its limit");
            assert_eq!(pending.map.len(), 3, "the rest is aggregated per token");
        }
        let batch = buffer.take();
        assert_eq!(batch.len(), 3, "log and aggregates merge: one update per token");
        assert_eq!(valid_count(&batch), 1000);
        let last = batch.iter().find(|u| u.token_id == tokens[999 % 3]).unwrap();
        assert_eq!(last.last_used_at, from_nanos(at + 999));
        assert_eq!(last.last_used_ip, Some(IpAddr::from([10, 0, 0, 0])));
    }
}
