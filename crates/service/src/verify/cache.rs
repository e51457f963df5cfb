//! The verify cache: a concurrent hash index (scc's `HashIndex`) keyed by token hash and hashed
//! by the hash's own first bytes (already uniformly random). A read takes no lock and writes no
//! memory another core reads — no reader-writer lock word, no reference count — so the two
//! cores answering verifications do not pass cache lines back and forth: with a
//! `RwLock`-per-shard map, `perf` showed the read alone costing more than a bare hash lookup,
//! most of it in those lines. Entries lie inline in the index's buckets, next to their keys, so
//! a warm lookup at a million tokens costs the bucket's line and the entry's lines, not a
//! pointer chase to a node per entry (papaya, which it replaced, cost a quarter of a microsecond
//! more per lookup at a million tokens; moka before that spent a third of a warm verify on
//! per-read bookkeeping). Entries expire after a TTL; when the cache is full an insert first
//! evicts a slice of entries, expired ones and then arbitrary ones (random keys: random ones).
//!
//! Time is the caller's (Unix nanoseconds): the verify path has read the clock already, and a
//! second clock read per lookup showed in profiles. An entry is fresh from its insertion to
//! its expiry, so a clock that steps back makes entries stale rather than long-lived.

use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use keyward_core::TokenHash;

/// Uses the first 8 bytes a `TokenHash` feeds it as the hash: they are SHA-256 output.
#[derive(Default)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `TokenHash` hashes its 32-byte array: a length prefix, then the bytes. Keep the first
        // 8 bytes of the array.
        if self.0 == 0 || bytes.len() >= 8 {
            let mut b = [0u8; 8];
            let n = bytes.len().min(8);
            b[..n].copy_from_slice(&bytes[..n]);
            self.0 ^= u64::from_le_bytes(b);
        }
    }

    fn write_usize(&mut self, _: usize) {}
}

struct Entry<V> {
    value: V,
    /// Unix nanoseconds.
    inserted: i64,
    expires: i64,
}

impl<V> Entry<V> {
    fn fresh(&self, now: i64) -> bool {
        self.inserted <= now && now < self.expires
    }
}

type Map<V> = scc::HashIndex<TokenHash, Entry<V>, BuildHasherDefault<PrehashedHasher>>;

pub struct TokenCache<V> {
    map: Map<V>,
    capacity: usize,
    /// Nanoseconds.
    ttl: i64,
}

/// Share of the capacity an insert into a full cache evicts at once, so that eviction scans
/// are rare rather than one per insert.
const EVICT_FRACTION: usize = 64;

impl<V: Clone + Send + Sync + 'static> TokenCache<V> {
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        Self {
            map: scc::HashIndex::with_hasher(BuildHasherDefault::default()),
            capacity: (capacity as usize).max(1),
            ttl: i64::try_from(ttl.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// A copy of the value (for `Arc`s, one more reference), if fresh at `now`.
    pub fn get(&self, key: &TokenHash, now: i64) -> Option<V> {
        self.with(key, now, V::clone)
    }

    /// Reads the value where it lies, if fresh at `now`: nothing shared is written.
    pub fn with<R>(&self, key: &TokenHash, now: i64, read: impl FnOnce(&V) -> R) -> Option<R> {
        self.map
            .peek_with(key, |_, entry| entry.fresh(now).then(|| read(&entry.value)))
            .flatten()
    }

    pub fn insert(&self, key: TokenHash, value: V, now: i64) {
        let map = &self.map;
        if map.len() >= self.capacity && !map.contains(&key) {
            let budget = (self.capacity / EVICT_FRACTION).max(1);
            let mut victims: Vec<TokenHash> = Vec::with_capacity(budget);
            map.iter_sync(|k, e| {
                if !e.fresh(now) {
                    victims.push(*k);
                }
                victims.len() < budget
            });
            let short = budget - victims.len();
            for k in victims.drain(..) {
                map.remove_sync(&k);
            }
            // Too few expired ones: arbitrary ones too (the expired ones are gone already).
            if short > 0 {
                map.iter_sync(|k, _| {
                    victims.push(*k);
                    victims.len() < short
                });
                for k in &victims {
                    map.remove_sync(k);
                }
            }
        }
        let entry = Entry {
            value,
            inserted: now,
            expires: now.saturating_add(self.ttl),
        };
        match map.entry_sync(key) {
            scc::hash_index::Entry::Occupied(mut o) => o.update(entry),
            scc::hash_index::Entry::Vacant(v) => {
                v.insert_entry(entry);
            }
        }
    }

    pub fn invalidate(&self, key: &TokenHash) {
        self.map.remove_sync(key);
    }

    /// Removes every entry matching `predicate` before returning.
    pub fn invalidate_if(&self, predicate: impl Fn(&V) -> bool) {
        self.map.retain_sync(|_, e| !predicate(&e.value));
    }

    pub fn invalidate_all(&self) {
        self.map.clear_sync();
    }

    pub fn len(&self) -> u64 {
        self.map.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u64) -> TokenHash {
        TokenHash::of(&i.to_string())
    }

    const T0: i64 = 1_800_000_000_000_000_000;
    const MS: i64 = 1_000_000;

    #[test]
    fn get_insert_invalidate_and_ttl() {
        let c = TokenCache::new(1000, Duration::from_millis(50));
        c.insert(key(1), 10, T0);
        c.insert(key(2), 20, T0);
        assert_eq!(c.get(&key(1), T0), Some(10));
        assert_eq!(c.with(&key(2), T0, |v| v * 2), Some(40));
        assert_eq!(c.get(&key(3), T0), None);
        c.invalidate(&key(1));
        assert_eq!(c.get(&key(1), T0), None);
        c.invalidate_if(|v| *v == 20);
        assert_eq!(c.get(&key(2), T0), None);
        c.insert(key(4), 40, T0);
        assert_eq!(c.get(&key(4), T0 + 49 * MS), Some(40));
        assert_eq!(c.get(&key(4), T0 + 50 * MS), None, "expired");
        assert_eq!(
            c.get(&key(4), T0 - 1),
            None,
            "a clock stepping back makes entries stale"
        );
        c.insert(key(5), 50, T0);
        c.invalidate_all();
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn memory_stays_bounded() {
        let c = TokenCache::new(640, Duration::from_secs(60));
        for i in 0..100_000 {
            c.insert(key(i), i, T0);
        }
        assert!(c.len() <= 640, "{}", c.len());
        assert_eq!(c.get(&key(99_999), T0), Some(99_999), "the newest entry is kept");
    }

    #[test]
    fn a_full_cache_evicts_expired_entries_first() {
        let c = TokenCache::new(64, Duration::from_secs(1));
        for i in 0..63 {
            c.insert(key(i), i, T0);
        }
        c.insert(key(1000), 1000, T0 + 2_000 * MS);
        c.insert(key(1001), 1001, T0 + 2_000 * MS);
        assert_eq!(
            c.get(&key(1000), T0 + 2_000 * MS),
            Some(1000),
            "the fresh entry stays"
        );
        assert_eq!(c.get(&key(1001), T0 + 2_000 * MS), Some(1001));
    }

    #[test]
    fn readers_on_many_threads_see_writes() {
        let c = std::sync::Arc::new(TokenCache::new(10_000, Duration::from_secs(60)));
        let writers: Vec<_> = (0..4u64)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for i in 0..1_000 {
                        c.insert(key(t * 1_000 + i), t * 1_000 + i, T0);
                        assert_eq!(c.get(&key(t * 1_000 + i), T0), Some(t * 1_000 + i));
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(c.len(), 4_000);
        c.invalidate_if(|v| v % 2 == 0);
        assert_eq!(c.len(), 2_000);
    }
}
