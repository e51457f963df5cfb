//! The membership filter: which tokens exist, by the first 8 bytes of their hash.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, RwLock};

/// Hashes of a token hash's first 8 bytes are already uniformly random: use them as they are.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The first 8 bytes of every token's hash, so that a well-formed but unknown token is answered
/// NOT_FOUND without a database read. A false positive (2^-64 per token) only costs a read.
/// Sharded like the cache, so that the two cores rarely take the same lock.
pub(super) struct KnownTokens {
    shards: Vec<RwLock<HashSet<u64, BuildHasherDefault<IdentityHasher>>>>,
    /// False until the set holds every token in storage; until then it is not consulted.
    pub(super) complete: AtomicBool,
    /// Serializes changes of `complete`, so that a load finishing cannot turn the filter on
    /// just after the cache was turned off.
    pub(super) transition: Mutex<()>,
}

const KNOWN_SHARDS: usize = 64;

impl Default for KnownTokens {
    fn default() -> Self {
        Self {
            shards: (0..KNOWN_SHARDS).map(|_| RwLock::default()).collect(),
            complete: AtomicBool::new(false),
            transition: Mutex::new(()),
        }
    }
}

impl KnownTokens {
    fn shard(&self, short: u64) -> &RwLock<HashSet<u64, BuildHasherDefault<IdentityHasher>>> {
        // The low byte of the (random) short hash picks the shard.
        &self.shards[(short as usize) % KNOWN_SHARDS]
    }

    pub(super) fn insert(&self, short: u64) {
        self.shard(short)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(short);
    }

    pub(super) fn contains(&self, short: u64) -> bool {
        self.shard(short)
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&short)
    }

    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }

    /// Adds many at once, taking each shard's lock once.
    pub(super) fn extend(&self, shorts: Vec<u64>) {
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); KNOWN_SHARDS];
        for short in shorts {
            by_shard[(short as usize) % KNOWN_SHARDS].push(short);
        }
        for (shard, shorts) in self.shards.iter().zip(by_shard) {
            let mut set = shard.write().unwrap_or_else(|p| p.into_inner());
            set.reserve(shorts.len());
            set.extend(shorts);
        }
    }
}
