//! The verify cache's read path: sharded maps behind reader-writer locks, keyed by token hash
//! and hashed by the hash's own first bytes (already uniformly random). It replaced moka on the
//! hot path because a read here is a lock-free-in-practice read lock, one probe and an `Arc`
//! clone, where moka also records every read for its eviction policy — a third of a warm verify
//! by `perf` (see docs/PERFORMANCE.md). Entries expire after a TTL; a full shard evicts an
//! arbitrary entry, which with random keys is a random one.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use keyward_core::TokenHash;

const SHARDS: usize = 64;

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

type Shard<V> = RwLock<HashMap<TokenHash, Entry<V>, BuildHasherDefault<PrehashedHasher>>>;

struct Entry<V> {
    value: V,
    expires: Instant,
}

pub struct ShardedCache<V> {
    shards: Vec<Shard<V>>,
    per_shard: usize,
    ttl: Duration,
}

impl<V: Clone> ShardedCache<V> {
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        let per_shard = ((capacity as usize) / SHARDS).max(1);
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::default())).collect(),
            per_shard,
            ttl,
        }
    }

    fn shard(
        &self,
        key: &TokenHash,
    ) -> &RwLock<HashMap<TokenHash, Entry<V>, BuildHasherDefault<PrehashedHasher>>> {
        // The last byte picks the shard; the first eight pick the bucket within it.
        &self.shards[key.as_bytes()[31] as usize % SHARDS]
    }

    pub fn get(&self, key: &TokenHash) -> Option<V> {
        let shard = self.shard(key).read().unwrap_or_else(|p| p.into_inner());
        let entry = shard.get(key)?;
        (entry.expires > Instant::now()).then(|| entry.value.clone())
    }

    pub fn insert(&self, key: TokenHash, value: V) {
        let mut shard = self.shard(&key).write().unwrap_or_else(|p| p.into_inner());
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            let now = Instant::now();
            shard.retain(|_, e| e.expires > now);
            if shard.len() >= self.per_shard
                && let Some(victim) = shard.keys().next().copied()
            {
                shard.remove(&victim);
            }
        }
        shard.insert(
            key,
            Entry {
                value,
                expires: Instant::now() + self.ttl,
            },
        );
    }

    pub fn invalidate(&self, key: &TokenHash) {
        self.shard(key)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    /// Removes every entry matching `predicate`, shard by shard, before returning.
    pub fn invalidate_if(&self, predicate: impl Fn(&V) -> bool) {
        for shard in &self.shards {
            shard
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|_, e| !predicate(&e.value));
        }
    }

    pub fn invalidate_all(&self) {
        for shard in &self.shards {
            shard.write().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len() as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u64) -> TokenHash {
        TokenHash::of(&i.to_string())
    }

    #[test]
    fn get_insert_invalidate_and_ttl() {
        let c = ShardedCache::new(1000, Duration::from_millis(50));
        c.insert(key(1), 10);
        c.insert(key(2), 20);
        assert_eq!(c.get(&key(1)), Some(10));
        assert_eq!(c.get(&key(3)), None);
        c.invalidate(&key(1));
        assert_eq!(c.get(&key(1)), None);
        c.invalidate_if(|v| *v == 20);
        assert_eq!(c.get(&key(2)), None);
        c.insert(key(4), 40);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get(&key(4)), None, "expired");
    }

    #[test]
    fn memory_stays_bounded() {
        let c = ShardedCache::new(640, Duration::from_secs(60));
        for i in 0..100_000 {
            c.insert(key(i), i);
        }
        assert!(c.len() <= 640, "{}", c.len());
        assert_eq!(c.get(&key(99_999)), Some(99_999), "the newest entry is kept");
    }
}
