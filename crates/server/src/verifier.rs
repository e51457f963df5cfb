//! The verify hot path: parse and checksum (no I/O) → in-memory cache by hash → decision →
//! usage noted in memory. Storage is read only on a miss; usage is written in batches.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyward_core::token::{self, TokenPrefix};
use keyward_core::{TokenHash, VerifyCode, VerifyQuery, VerifySubject, decide};
use keyward_store::{DynStore, Invalidation, InvalidationListener, StoreResult, UsageUpdate};
use time::OffsetDateTime;
use uuid::Uuid;

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub verify_by_code: [AtomicU64; 10],
    pub cache_hits: AtomicU64,
    pub negative_hits: AtomicU64,
    pub storage_reads: AtomicU64,
    pub usage_flushes: AtomicU64,
    pub usage_flush_errors: AtomicU64,
    pub invalidations_received: AtomicU64,
    pub broadcast_errors: AtomicU64,
    pub listener_losses: AtomicU64,
}

pub struct VerifyOutcome {
    pub code: VerifyCode,
    pub subject: Option<Arc<VerifySubject>>,
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

pub struct Verifier {
    prefix: TokenPrefix,
    store: DynStore,
    cache: moka::sync::Cache<TokenHash, Arc<VerifySubject>>,
    /// Well-formed hashes that no token has, so repeated unknown tokens cost no read.
    negative: moka::sync::Cache<TokenHash, ()>,
    /// Bumped by every invalidation; a load that raced one is not kept.
    invalidations: AtomicU64,
    /// Off while this node may have missed another node's invalidations: every verify then
    /// reads storage.
    cache_enabled: std::sync::atomic::AtomicBool,
    usage: UsageBuffer,
    pub metrics: Metrics,
}

impl Verifier {
    pub fn new(prefix: TokenPrefix, store: DynStore, settings: CacheSettings) -> Self {
        Self {
            prefix,
            store,
            cache: moka::sync::Cache::builder()
                .max_capacity(settings.capacity)
                .time_to_live(settings.ttl)
                .support_invalidation_closures()
                .build(),
            negative: moka::sync::Cache::builder()
                .max_capacity(settings.negative_capacity)
                .time_to_live(settings.negative_ttl)
                .build(),
            invalidations: AtomicU64::new(0),
            cache_enabled: std::sync::atomic::AtomicBool::new(true),
            usage: UsageBuffer::default(),
            metrics: Metrics::default(),
        }
    }

    pub fn prefix(&self) -> &TokenPrefix {
        &self.prefix
    }

    /// Verifies a presented token. With `org_scope`, a token of another organization is
    /// `NOT_FOUND`.
    pub async fn verify(
        &self,
        presented: &str,
        query: &VerifyQuery<'_>,
        org_scope: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<VerifyOutcome> {
        let Ok(parsed) = token::parse(&self.prefix, presented) else {
            self.count(VerifyCode::Malformed);
            return Ok(VerifyOutcome {
                code: VerifyCode::Malformed,
                subject: None,
            });
        };
        let subject = self
            .lookup(parsed.hash)
            .await?
            .filter(|s| org_scope.is_none_or(|o| s.org_id == o));
        let code = decide(subject.as_deref(), query, now);
        self.count(code);
        if let Some(s) = &subject {
            self.usage.note(s.token_id, now, query.ip, code);
        }
        Ok(VerifyOutcome { code, subject })
    }

    fn count(&self, code: VerifyCode) {
        self.metrics.verify_by_code[code.index()].fetch_add(1, Ordering::Relaxed);
    }

    async fn lookup(&self, hash: TokenHash) -> StoreResult<Option<Arc<VerifySubject>>> {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            self.metrics.storage_reads.fetch_add(1, Ordering::Relaxed);
            return Ok(self.store.verify_subject(hash).await?.map(Arc::new));
        }
        if let Some(s) = self.cache.get(&hash) {
            self.metrics.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(s));
        }
        if self.negative.contains_key(&hash) {
            self.metrics.negative_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let epoch = self.invalidations.load(Ordering::SeqCst);
        self.metrics.storage_reads.fetch_add(1, Ordering::Relaxed);
        let loaded = self.store.verify_subject(hash).await?.map(Arc::new);
        // Insert, then re-check: if an invalidation ran since the read began, the entry may be
        // stale, so drop it again. Either this re-check or the invalidation removes it.
        match &loaded {
            Some(s) => self.cache.insert(hash, s.clone()),
            None => self.negative.insert(hash, ()),
        }
        if self.invalidations.load(Ordering::SeqCst) != epoch {
            self.cache.invalidate(&hash);
            self.negative.invalidate(&hash);
        }
        Ok(loaded)
    }

    /// Drops what a write made stale, here and (through the database) on every other node.
    /// Call after the write commits and before acknowledging it.
    pub async fn invalidate(&self, invalidations: &[Invalidation]) {
        for inv in invalidations {
            self.apply(*inv);
        }
        if let Err(e) = self.store.broadcast(invalidations).await {
            // The write is committed; other nodes drop the entry at the latest when its TTL ends.
            self.metrics.broadcast_errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "cannot announce an invalidation to other nodes");
        }
    }

    pub async fn invalidate_token(&self, hash: TokenHash) {
        self.invalidate(&[Invalidation::Token(hash)]).await;
    }

    /// Many tokens of one organization: past a handful, one organization-wide announcement.
    pub async fn invalidate_tokens(&self, org_id: Uuid, hashes: &[TokenHash]) {
        if hashes.len() > 32 {
            self.invalidate(&[Invalidation::Organization(org_id)]).await;
        } else {
            let invs: Vec<_> = hashes.iter().map(|h| Invalidation::Token(*h)).collect();
            self.invalidate(&invs).await;
        }
    }

    pub async fn invalidate_org(&self, org_id: Uuid) {
        self.invalidate(&[Invalidation::Organization(org_id)]).await;
    }

    /// Applies an invalidation to this node's caches only.
    pub fn apply(&self, inv: Invalidation) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        match inv {
            Invalidation::Token(hash) => {
                self.cache.invalidate(&hash);
                self.negative.invalidate(&hash);
            }
            Invalidation::Organization(org_id) => {
                if let Err(e) = self.cache.invalidate_entries_if(move |_, s| s.org_id == org_id) {
                    // Only possible if the cache was built without closures; fail safe.
                    tracing::error!(error = %e, "cannot invalidate by organization; clearing the whole cache");
                    self.cache.invalidate_all();
                }
                // A new token of this organization may sit in the negative cache.
                self.negative.invalidate_all();
            }
        }
    }

    /// Turns the cache off (dropping everything in it) while invalidations may be missed, and
    /// on again, empty, once they are heard again.
    pub fn set_cache_enabled(&self, enabled: bool) {
        self.cache_enabled.store(enabled, Ordering::SeqCst);
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.cache.invalidate_all();
        self.negative.invalidate_all();
    }

    pub fn cache_enabled(&self) -> bool {
        self.cache_enabled.load(Ordering::SeqCst)
    }

    /// Follows other nodes' invalidations until `stop`; on a lost connection, serves from
    /// storage until it listens again.
    pub async fn follow(
        &self,
        mut listener: Option<Box<dyn InvalidationListener>>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let Some(l) = listener.as_mut() else {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                    _ = stop.changed() => return,
                }
                match self.store.listen().await {
                    Ok(Some(l)) => {
                        tracing::info!("listening to other nodes' invalidations again; cache back on");
                        self.set_cache_enabled(true);
                        listener = Some(l);
                    }
                    Ok(None) => return,
                    Err(e) => tracing::debug!(error = %e, "still cannot listen for invalidations"),
                }
                continue;
            };
            tokio::select! {
                next = l.next() => match next {
                    Ok(inv) => {
                        self.metrics.invalidations_received.fetch_add(1, Ordering::Relaxed);
                        self.apply(inv);
                    }
                    Err(e) => {
                        self.metrics.listener_losses.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(error = %e, "lost other nodes' invalidations; cache off until reconnected");
                        self.set_cache_enabled(false);
                        listener = None;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    }

    pub fn cached_entries(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Writes the usage gathered since the last flush in one transaction. On failure the
    /// batch is put back to be retried.
    pub async fn flush_usage(&self) {
        let batch = self.usage.take();
        if batch.is_empty() {
            return;
        }
        match self.store.record_usage(&batch).await {
            Ok(()) => {
                self.metrics.usage_flushes.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.metrics.usage_flush_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, tokens = batch.len(), "usage flush failed; will retry");
                self.usage.put_back(batch);
            }
        }
    }
}

#[derive(Clone, Debug)]
struct UsageAgg {
    last_at: OffsetDateTime,
    last_ip: Option<IpAddr>,
    counts: [u64; 10],
}

/// Usage per token and hour, aggregated in memory between flushes. The lock is held only to
/// add to one entry or to swap the whole map out.
#[derive(Default)]
struct UsageBuffer {
    map: Mutex<HashMap<(Uuid, i64), UsageAgg>>,
}

fn hour_of(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(3600) * 3600
}

impl UsageBuffer {
    fn note(&self, token_id: Uuid, now: OffsetDateTime, ip: Option<IpAddr>, code: VerifyCode) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let agg = map.entry((token_id, hour_of(now))).or_insert(UsageAgg {
            last_at: now,
            last_ip: ip,
            counts: [0; 10],
        });
        if now >= agg.last_at {
            agg.last_at = now;
            if ip.is_some() {
                agg.last_ip = ip;
            }
        }
        agg.counts[code.index()] += 1;
    }

    fn take(&self) -> Vec<UsageUpdate> {
        let map = std::mem::take(&mut *self.map.lock().unwrap_or_else(|p| p.into_inner()));
        map.into_iter()
            .map(|((token_id, hour), agg)| UsageUpdate {
                token_id,
                last_used_at: agg.last_at,
                last_used_ip: agg.last_ip,
                hour: OffsetDateTime::from_unix_timestamp(hour).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                counts: VerifyCode::ALL
                    .iter()
                    .filter(|c| agg.counts[c.index()] > 0)
                    .map(|c| (*c, agg.counts[c.index()]))
                    .collect(),
            })
            .collect()
    }

    fn put_back(&self, batch: Vec<UsageUpdate>) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        for u in batch {
            let agg = map
                .entry((u.token_id, u.hour.unix_timestamp()))
                .or_insert(UsageAgg {
                    last_at: u.last_used_at,
                    last_ip: u.last_used_ip,
                    counts: [0; 10],
                });
            if u.last_used_at > agg.last_at {
                agg.last_at = u.last_used_at;
                agg.last_ip = u.last_used_ip;
            }
            for (c, n) in u.counts {
                agg.counts[c.index()] += n;
            }
        }
    }
}
