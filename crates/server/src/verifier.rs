//! The verify hot path: parse and checksum (no I/O) → in-memory cache by hash → decision →
//! usage noted in memory. Storage is read only on a miss; usage is written in batches.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use keyward_core::PermissionSet;

use crate::cache::TokenCache;
use crate::counter::{self, Counter};
use keyward_core::permission::{KEYWARD_ADMIN, KEYWARD_READ, KEYWARD_VERIFY};

use keyward_core::token::{self, TokenPrefix};
use keyward_core::{TokenHash, VerifyCode, VerifyQuery, VerifySubject, decide};
use keyward_store::{DynStore, Invalidation, InvalidationListener, NewNetwork, StoreResult, UsageUpdate};
use time::OffsetDateTime;
use uuid::Uuid;

/// Counters exported at `/metrics`; those bumped per verification are striped by thread.
#[derive(Default)]
pub struct Metrics {
    pub verify_by_code: [Counter; 10],
    pub cache_hits: Counter,
    pub negative_hits: Counter,
    pub storage_reads: Counter,
    pub usage_flushes: AtomicU64,
    pub usage_flush_errors: AtomicU64,
    pub invalidations_received: AtomicU64,
    pub broadcast_errors: AtomicU64,
    pub listener_losses: AtomicU64,
}

/// A cached verification subject with everything a VALID answer needs, computed once when it
/// is loaded rather than on every request.
pub struct CachedSubject {
    pub subject: VerifySubject,
    /// Token permissions ∩ group permissions.
    pub effective: PermissionSet,
    pub grants_verify: bool,
    pub grants_keyward: bool,
    /// The whole JSON body of a VALID answer: the same for every valid verification of this
    /// token until something about it changes, so it is serialized once.
    pub valid_body: Bytes,
}

impl CachedSubject {
    pub fn new(subject: VerifySubject) -> Self {
        let effective = subject.effective_permissions();
        let grants_verify = effective.grants(KEYWARD_VERIFY);
        let grants_keyward =
            grants_verify || effective.grants(KEYWARD_READ) || effective.grants(KEYWARD_ADMIN);
        let valid_body = Bytes::from(valid_body(&subject, &effective));
        Self {
            subject,
            effective,
            grants_verify,
            grants_keyward,
            valid_body,
        }
    }
}

fn valid_body(s: &VerifySubject, effective: &PermissionSet) -> Vec<u8> {
    let body = serde_json::json!({
        "valid": true,
        "code": VerifyCode::Valid,
        "message": "the token is valid",
        "token_id": s.token_id,
        "organization_id": s.org_id,
        "api_user": {
            "id": s.api_user_id,
            "username": s.username,
            "environment": s.environment.as_str(),
            "external_id": s.external_id,
            "metadata": s.metadata,
            "acting_member": s.acting_member,
        },
        "permissions": effective,
        "expires_at": s.expires_at().map(crate::api::rfc3339),
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

macro_rules! invalid_body {
    ($code:literal, $message:literal) => {
        concat!(
            "{\"valid\":false,\"code\":\"",
            $code,
            "\",\"message\":\"",
            $message,
            "\"}"
        )
    };
}

/// The whole body of every answer that is not VALID, fixed at compile time.
pub fn invalid_body(code: VerifyCode) -> &'static str {
    match code {
        VerifyCode::Malformed => invalid_body!(
            "MALFORMED",
            "the token is malformed or its checksum does not match"
        ),
        VerifyCode::NotFound => invalid_body!("NOT_FOUND", "no such token"),
        VerifyCode::Revoked => invalid_body!("REVOKED", "the token was revoked"),
        VerifyCode::Expired => invalid_body!("EXPIRED", "the token has expired"),
        VerifyCode::Suspended => {
            invalid_body!(
                "SUSPENDED",
                "the token, its API user or its integration is suspended"
            )
        }
        VerifyCode::IpNotAllowed => {
            invalid_body!("IP_NOT_ALLOWED", "the token may not be used from this IP address")
        }
        VerifyCode::IntegrationNotAllowed => {
            invalid_body!(
                "INTEGRATION_NOT_ALLOWED",
                "the token may not be used through this integration"
            )
        }
        VerifyCode::InsufficientPermissions => {
            invalid_body!(
                "INSUFFICIENT_PERMISSIONS",
                "access denied: the token lacks a required permission"
            )
        }
        VerifyCode::RateLimited => invalid_body!("RATE_LIMITED", "too many requests for this token"),
        VerifyCode::Valid => invalid_body!("VALID", "the token is valid"),
    }
}

/// (verifier id, secret, entry, invalidation epoch when remembered)
type RememberedCaller = (u64, Box<str>, Arc<CachedSubject>, u64);

thread_local! {
    /// The last caller credential this worker thread verified: (verifier id, secret, entry,
    /// invalidation epoch when it was remembered). It lives only in memory, like the cache.
    static LAST_CALLER: std::cell::RefCell<Option<RememberedCaller>> =
        const { std::cell::RefCell::new(None) };
}

/// Storage reads per second that a node with peers allows for tokens its filter does not know.
const FILTER_FALLBACK_PER_SECOND: u64 = 200;

pub struct VerifyOutcome {
    pub code: VerifyCode,
    pub entry: Option<Arc<CachedSubject>>,
}

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
struct KnownTokens {
    shards: Vec<RwLock<HashSet<u64, BuildHasherDefault<IdentityHasher>>>>,
    /// False until the set holds every token in storage; until then it is not consulted.
    complete: AtomicBool,
    /// Serializes changes of `complete`, so that a load finishing cannot turn the filter on
    /// just after the cache was turned off.
    transition: Mutex<()>,
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

    fn insert(&self, short: u64) {
        self.shard(short)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(short);
    }

    fn contains(&self, short: u64) -> bool {
        self.shard(short)
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&short)
    }

    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }
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
    /// Tells verifiers apart in thread-local memory (tests run several in one process).
    id: u64,
    prefix: TokenPrefix,
    store: DynStore,
    cache: TokenCache<Arc<CachedSubject>>,
    known: KnownTokens,
    /// Well-formed hashes that no token has, so repeated unknown tokens cost no read.
    negative: moka::sync::Cache<TokenHash, ()>,
    /// Bumped by every invalidation; a load that raced one is not kept.
    invalidations: AtomicU64,
    /// Off while this node may have missed another node's invalidations: every verify then
    /// reads storage.
    cache_enabled: AtomicBool,
    multi_node: AtomicBool,
    fallback_second: AtomicU64,
    fallback_used: AtomicU64,
    usage: UsageBuffer,
    /// Networks tokens were used from for the first time, for monitoring to pick up.
    new_networks: Mutex<Vec<NewNetwork>>,
    pub metrics: Metrics,
}

/// Monitoring falls this far behind at most; beyond it, new-network findings are dropped.
const MAX_PENDING_NETWORKS: usize = 10_000;

impl Verifier {
    pub fn new(prefix: TokenPrefix, store: DynStore, settings: CacheSettings) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            prefix,
            store,
            cache: TokenCache::new(settings.capacity, settings.ttl),
            negative: moka::sync::Cache::builder()
                .max_capacity(settings.negative_capacity)
                .time_to_live(settings.negative_ttl)
                .build(),
            invalidations: AtomicU64::new(0),
            cache_enabled: AtomicBool::new(true),
            multi_node: AtomicBool::new(false),
            fallback_second: AtomicU64::new(0),
            fallback_used: AtomicU64::new(0),
            known: KnownTokens::default(),
            usage: UsageBuffer::default(),
            new_networks: Mutex::new(Vec::new()),
            metrics: Metrics::default(),
        }
    }

    pub fn prefix(&self) -> &TokenPrefix {
        &self.prefix
    }

    /// Verifies the credential of a caller of the API (usually the platform's verify token,
    /// the same on every request). Each worker thread remembers the last credential it saw and
    /// its cache entry, so the common case skips the hash and the cache lookup; the memory is
    /// dropped by any invalidation, and the decision (expiry, status, IP) is taken every time.
    pub async fn verify_caller(
        &self,
        presented: &str,
        ip: IpAddr,
        now: OffsetDateTime,
    ) -> StoreResult<VerifyOutcome> {
        self.check_caller(presented, ip, now, |code, entry| VerifyOutcome {
            code,
            entry: entry.cloned(),
        })
        .await
    }

    /// [`Self::verify_caller`], handing the verdict to `answer` rather than returning the
    /// entry: on the hot path the remembered entry is then read where it lies, with no
    /// reference count bumped (both cores would contend on it, the credential being the same).
    pub async fn check_caller<R>(
        &self,
        presented: &str,
        ip: IpAddr,
        now: OffsetDateTime,
        answer: impl FnOnce(VerifyCode, Option<&Arc<CachedSubject>>) -> R,
    ) -> StoreResult<R> {
        use subtle::ConstantTimeEq;
        let epoch = self.invalidations.load(Ordering::SeqCst);
        let query = VerifyQuery::<&str> {
            ip: Some(ip),
            permissions: &[],
            integration: None,
        };
        let answer = if self.cache_enabled.load(Ordering::SeqCst) {
            // Answered here when remembered; otherwise `answer` comes back for the slow path.
            let remembered = LAST_CALLER.with(|last| {
                let last = last.borrow();
                match last.as_ref() {
                    // Constant time: a near miss must not tell an attacker how near.
                    Some((owner, secret, entry, at))
                        if *owner == self.id
                            && *at == epoch
                            && bool::from(secret.as_bytes().ct_eq(presented.as_bytes())) =>
                    {
                        let code = decide(Some(&entry.subject), &query, now);
                        self.count(code);
                        self.usage.note(entry.subject.token_id, now, query.ip, code);
                        Ok(answer(code, Some(entry)))
                    }
                    _ => Err(answer),
                }
            });
            match remembered {
                Ok(r) => return Ok(r),
                Err(answer) => answer,
            }
        } else {
            answer
        };
        let outcome = self.verify(presented, &query, None, now).await?;
        if let (VerifyCode::Valid, Some(entry)) = (outcome.code, &outcome.entry) {
            LAST_CALLER
                .with(|last| *last.borrow_mut() = Some((self.id, presented.into(), entry.clone(), epoch)));
        }
        Ok(answer(outcome.code, outcome.entry.as_ref()))
    }

    /// Verifies a presented token. With `org_scope`, a token of another organization is
    /// `NOT_FOUND`.
    pub async fn verify<P: AsRef<str>>(
        &self,
        presented: &str,
        query: &VerifyQuery<'_, P>,
        org_scope: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<VerifyOutcome> {
        self.verify_with(presented, query, org_scope, now, |code, entry| VerifyOutcome {
            code,
            entry: entry.cloned(),
        })
        .await
    }

    /// [`Self::verify`], handing the verdict to `answer`: on a warm path the cached entry is
    /// read where it lies, under no lock and with no reference count bumped.
    pub async fn verify_with<P: AsRef<str>, R>(
        &self,
        presented: &str,
        query: &VerifyQuery<'_, P>,
        org_scope: Option<Uuid>,
        now: OffsetDateTime,
        mut answer: impl FnMut(VerifyCode, Option<&Arc<CachedSubject>>) -> R,
    ) -> StoreResult<R> {
        let Ok(parsed) = token::parse(&self.prefix, presented) else {
            self.count(VerifyCode::Malformed);
            return Ok(answer(VerifyCode::Malformed, None));
        };
        let in_scope = |e: &&Arc<CachedSubject>| org_scope.is_none_or(|o| e.subject.org_id == o);
        // The cache first: a warm token costs one probe.
        if self.cache_enabled.load(Ordering::SeqCst)
            && let Some(r) = self.cache.with(&parsed.hash, |e| {
                self.metrics.cache_hits.incr();
                self.decide_and_note(Some(e).filter(in_scope), query, now, &mut answer)
            })
        {
            return Ok(r);
        }
        let entry = self.load(parsed.hash).await?;
        Ok(self.decide_and_note(entry.as_ref().filter(in_scope), query, now, &mut answer))
    }

    fn decide_and_note<P: AsRef<str>, R>(
        &self,
        entry: Option<&Arc<CachedSubject>>,
        query: &VerifyQuery<'_, P>,
        now: OffsetDateTime,
        answer: &mut impl FnMut(VerifyCode, Option<&Arc<CachedSubject>>) -> R,
    ) -> R {
        let code = decide(entry.map(|e| &e.subject), query, now);
        self.count(code);
        if let Some(e) = entry {
            self.usage.note(e.subject.token_id, now, query.ip, code);
        }
        answer(code, entry)
    }

    fn count(&self, code: VerifyCode) {
        self.metrics.verify_by_code[code.index()].incr();
    }

    /// A token the cache does not hold (or every token, while the cache is off).
    async fn load(&self, hash: TokenHash) -> StoreResult<Option<Arc<CachedSubject>>> {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            self.metrics.storage_reads.incr();
            return Ok(self
                .store
                .verify_subject(hash)
                .await?
                .map(|s| Arc::new(CachedSubject::new(s))));
        }
        // A miss asks the filter, which answers made-up tokens without a read (the cache keeps
        // no bookkeeping of misses, so a flood of garbage costs others nothing).
        if self.known_absent(hash) && !self.filter_fallback() {
            self.metrics.negative_hits.incr();
            return Ok(None);
        }
        if self.negative.contains_key(&hash) {
            self.metrics.negative_hits.incr();
            return Ok(None);
        }
        let epoch = self.invalidations.load(Ordering::SeqCst);
        self.metrics.storage_reads.incr();
        let loaded = self
            .store
            .verify_subject(hash)
            .await?
            .map(|s| Arc::new(CachedSubject::new(s)));
        // Insert, then re-check: if an invalidation ran since the read began, the entry may be
        // stale, so drop it again. Either this re-check or the invalidation removes it.
        match &loaded {
            Some(s) => {
                // Found through the fallback (created on another node moments ago): known now.
                self.known.insert(hash.short());
                self.cache.insert(hash, s.clone())
            }
            None => self.negative.insert(hash, ()),
        }
        if self.invalidations.load(Ordering::SeqCst) != epoch {
            self.cache.invalidate(&hash);
            self.negative.invalidate(&hash);
        }
        Ok(loaded)
    }

    /// With several nodes, a token created on another node a few milliseconds ago may not be in
    /// this node's filter yet, so a filter miss may still read storage — but only a bounded
    /// number of times per second, so a flood of made-up tokens cannot reach the database.
    fn filter_fallback(&self) -> bool {
        if !self.multi_node.load(Ordering::Relaxed) {
            return false;
        }
        let second = std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if self.fallback_second.swap(second, Ordering::Relaxed) != second {
            self.fallback_used.store(0, Ordering::Relaxed);
        }
        self.fallback_used.fetch_add(1, Ordering::Relaxed) < FILTER_FALLBACK_PER_SECOND
    }

    /// Whether other nodes share the database (set when the node listens to them).
    pub fn set_multi_node(&self, multi: bool) {
        self.multi_node.store(multi, Ordering::Relaxed);
    }

    /// True when the membership filter is complete and has never seen this hash.
    fn known_absent(&self, hash: TokenHash) -> bool {
        self.known.complete.load(Ordering::Acquire) && !self.known.contains(hash.short())
    }

    /// Loads every token hash from storage into the membership filter, then turns it on.
    /// Hashes added meanwhile (new tokens) are kept.
    pub async fn load_known_tokens(&self) -> StoreResult<usize> {
        {
            let _t = self.known.transition.lock().unwrap_or_else(|p| p.into_inner());
            self.known.complete.store(false, Ordering::Release);
        }
        let loaded = self.store.token_hash_prefixes().await?;
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); KNOWN_SHARDS];
        for short in loaded {
            by_shard[(short as usize) % KNOWN_SHARDS].push(short);
        }
        for (shard, shorts) in self.known.shards.iter().zip(by_shard) {
            let mut set = shard.write().unwrap_or_else(|p| p.into_inner());
            set.reserve(shorts.len());
            set.extend(shorts);
        }
        let _t = self.known.transition.lock().unwrap_or_else(|p| p.into_inner());
        // Still off if the cache was turned off while loading: a reload follows reconnection.
        self.known
            .complete
            .store(self.cache_enabled.load(Ordering::SeqCst), Ordering::Release);
        Ok(self.known.len())
    }

    /// (tokens in the membership filter, whether it is complete and in use)
    pub fn known_tokens(&self) -> (usize, bool) {
        (self.known.len(), self.known.complete.load(Ordering::Acquire))
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
                // Every token announcement names a token that exists, new ones included.
                self.known.insert(hash.short());
                self.cache.invalidate(&hash);
                self.negative.invalidate(&hash);
            }
            Invalidation::Organization(org_id) => {
                self.cache.invalidate_if(|s| s.subject.org_id == org_id);
                // A new token of this organization may sit in the negative cache.
                self.negative.invalidate_all();
            }
        }
    }

    /// Turns the cache off (dropping everything in it) while invalidations may be missed, and
    /// on again, empty, once they are heard again.
    pub fn set_cache_enabled(&self, enabled: bool) {
        {
            let _t = self.known.transition.lock().unwrap_or_else(|p| p.into_inner());
            if !enabled {
                // Tokens created elsewhere meanwhile would be missing from the filter.
                self.known.complete.store(false, Ordering::Release);
            }
            self.cache_enabled.store(enabled, Ordering::SeqCst);
        }
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
                        if let Err(e) = self.load_known_tokens().await {
                            tracing::warn!(error = %e, "cannot reload the token filter; unknown tokens read storage");
                        }
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

    /// The first uses from new networks recorded since the last call.
    pub fn take_new_networks(&self) -> Vec<NewNetwork> {
        std::mem::take(&mut *self.new_networks.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn cached_entries(&self) -> u64 {
        self.cache.len()
    }

    /// Writes the usage gathered since the last flush in one transaction. On failure the
    /// batch is put back to be retried.
    pub async fn flush_usage(&self) {
        let batch = self.usage.take();
        if batch.is_empty() {
            return;
        }
        match self.store.record_usage(&batch).await {
            Ok(networks) => {
                self.metrics.usage_flushes.fetch_add(1, Ordering::Relaxed);
                if !networks.is_empty() {
                    let mut pending = self.new_networks.lock().unwrap_or_else(|p| p.into_inner());
                    let room = MAX_PENDING_NETWORKS.saturating_sub(pending.len());
                    pending.extend(networks.into_iter().take(room));
                }
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
    /// Distinct source IPs, at most `MAX_IPS_PER_ENTRY`: enough to count a token's sources and
    /// notice new networks without letting a flood of addresses grow the buffer.
    ips: Vec<IpAddr>,
}

const MAX_IPS_PER_ENTRY: usize = 32;

/// Usage per token and hour, aggregated in memory between flushes, in one shard per thread
/// stripe so that worker threads do not meet on a lock (nor share its cache line), even when
/// every request names the same token, as the platform's own verify credential does. A flush
/// swaps each shard's map out and merges them.
struct UsageBuffer {
    shards: Vec<PaddedMutex<UsageMap>>,
}

#[repr(align(128))]
struct PaddedMutex<T>(Mutex<T>);

type UsageMap = HashMap<(Uuid, i64), UsageAgg, BuildHasherDefault<MixHasher>>;

const USAGE_SHARDS: usize = counter::STRIPES;

impl Default for UsageBuffer {
    fn default() -> Self {
        Self {
            shards: (0..USAGE_SHARDS)
                .map(|_| PaddedMutex(Mutex::new(UsageMap::default())))
                .collect(),
        }
    }
}

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
}

fn hour_of(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(3600) * 3600
}

impl UsageAgg {
    fn empty(at: OffsetDateTime, ip: Option<IpAddr>) -> Self {
        Self {
            last_at: at,
            last_ip: ip,
            counts: [0; 10],
            ips: Vec::new(),
        }
    }

    fn add_ip(&mut self, ip: IpAddr) {
        if self.ips.len() < MAX_IPS_PER_ENTRY && !self.ips.contains(&ip) {
            self.ips.push(ip);
        }
    }

    /// Adds another aggregate of the same token and hour: counts add, addresses join, the
    /// latest use wins.
    fn absorb(&mut self, other: UsageAgg) {
        for ip in other.ips {
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
}

impl UsageBuffer {
    fn shard(&self) -> &Mutex<UsageMap> {
        &self.shards[counter::stripe() % USAGE_SHARDS].0
    }

    fn note(&self, token_id: Uuid, now: OffsetDateTime, ip: Option<IpAddr>, code: VerifyCode) {
        let mut map = self.shard().lock().unwrap_or_else(|p| p.into_inner());
        let agg = map
            .entry((token_id, hour_of(now)))
            .or_insert_with(|| UsageAgg::empty(now, ip));
        if let Some(ip) = ip {
            agg.add_ip(ip);
        }
        if now >= agg.last_at {
            agg.last_at = now;
            if ip.is_some() {
                agg.last_ip = ip;
            }
        }
        agg.counts[code.index()] += 1;
    }

    fn take(&self) -> Vec<UsageUpdate> {
        let mut merged = UsageMap::default();
        for shard in &self.shards {
            let map = std::mem::take(&mut *shard.0.lock().unwrap_or_else(|p| p.into_inner()));
            if merged.is_empty() {
                merged = map;
                continue;
            }
            for (key, agg) in map {
                match merged.entry(key) {
                    std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().absorb(agg),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(agg);
                    }
                }
            }
        }
        merged
            .into_iter()
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
                ips: agg.ips,
            })
            .collect()
    }

    fn put_back(&self, batch: Vec<UsageUpdate>) {
        let mut map = self.shard().lock().unwrap_or_else(|p| p.into_inner());
        for u in batch {
            let mut agg = UsageAgg::empty(u.last_used_at, u.last_used_ip);
            for ip in u.ips {
                agg.add_ip(ip);
            }
            for (c, n) in u.counts {
                agg.counts[c.index()] += n;
            }
            match map.entry((u.token_id, u.hour.unix_timestamp())) {
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().absorb(agg),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(agg);
                }
            }
        }
    }
}
