//! The verify hot path: parse and checksum (no I/O) → in-memory cache by hash → decision →
//! usage noted in memory. Storage is read only on a miss; usage is written in batches.
//!
//! `engine` holds the [`Verifier`]; `entry` what its cache keeps per token; `known` the filter
//! of existing tokens; `usage` the per-thread usage log; `answer` the bodies it answers with;
//! `access` OAuth access tokens, decided over their API user's current state.

pub mod access;
pub mod answer;
mod cache;
pub mod counter;
mod engine;
mod entry;
mod forward;
pub mod gateway;
mod known;
pub mod limiter;
mod routes;
mod settle;
mod usage;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use counter::Counter;

pub use answer::invalid_body;
pub use engine::{Metering, Verifier, VerifyOutcome};
pub use entry::{CachedSubject, CachedToken};
pub use limiter::LimitReport;

/// Counters exported at `/metrics`; those bumped per verification are striped by thread.
#[derive(Default)]
pub struct Metrics {
    pub verify_by_code: [Counter; keyward_core::VerifyCode::ALL.len()],
    pub cache_hits: Counter,
    pub negative_hits: Counter,
    pub storage_reads: Counter,
    pub usage_flushes: AtomicU64,
    pub usage_flush_errors: AtomicU64,
    /// Time spent writing usage batches (successful or not), and the rows handed over.
    pub usage_flush_micros: AtomicU64,
    pub usage_flush_rows: AtomicU64,
    pub invalidations_received: AtomicU64,
    pub broadcast_errors: AtomicU64,
    pub listener_losses: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
pub struct CacheSettings {
    pub capacity: u64,
    pub ttl: Duration,
    pub negative_capacity: u64,
    pub negative_ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            capacity: 2_000_000,
            ttl: Duration::from_secs(300),
            negative_capacity: 100_000,
            negative_ttl: Duration::from_secs(30),
        }
    }
}
