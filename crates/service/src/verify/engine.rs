//! The verifier: the cache, the membership filter, the caller memo, invalidations from this
//! node and others, and the usage log's flush.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyward_core::token::{self, TokenPrefix};
use keyward_core::{TokenHash, VerifyCode, VerifyQuery, decide, unix_nanos};
use keyward_store::{DynStore, Invalidation, InvalidationListener, NewNetwork, StoreResult};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::CachedAccess;
use super::cache::TokenCache;
use super::entry::{CachedSubject, CachedToken};
use super::known::KnownTokens;
use super::limiter::{Check, LimitReport, Limiter};
use super::routes::RouteCache;
use super::usage::UsageBuffer;
use super::{CacheSettings, Metrics};

/// (verifier id, secret, entry, invalidation epoch when remembered)
type RememberedCaller = (u64, Box<str>, CachedToken, u64);

thread_local! {
    /// The last caller credential this worker thread verified: (verifier id, secret, entry,
    /// invalidation epoch when it was remembered). It lives only in memory, like the cache.
    static LAST_CALLER: std::cell::RefCell<Option<RememberedCaller>> =
        const { std::cell::RefCell::new(None) };
}

/// Constant-time equality of two secrets (their lengths are not secret: every token has the
/// same). Compared a word at a time: comparing byte by byte puts each byte through an
/// optimization barrier, which showed in profiles of the verify path.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    let mut diff = 0u64;
    for (x, y) in a_words.iter().zip(b_words) {
        diff |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        diff |= u64::from(x ^ y);
    }
    bool::from(diff.ct_eq(&0))
}

/// Storage reads per second that a node with peers allows for tokens its filter does not know.
const FILTER_FALLBACK_PER_SECOND: u64 = 200;

pub struct VerifyOutcome {
    pub code: VerifyCode,
    pub entry: Option<Arc<CachedSubject>>,
}

/// What a verification spends of the token's credits, and whether its limits apply at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    /// A platform's question about a token its caller presented (`/v1/verify`, gateways):
    /// limits count and credits are spent.
    Cost(u64),
    /// keyward's own check of a credential (the caller of its API, OAuth): nothing counted.
    Off,
}

pub struct Verifier {
    /// Tells verifiers apart in thread-local memory (tests run several in one process).
    id: u64,
    pub(super) prefix: TokenPrefix,
    pub(super) store: DynStore,
    pub(super) cache: TokenCache<CachedToken>,
    /// OAuth access tokens (JWTs) by the SHA-256 of the whole token.
    access: TokenCache<Arc<CachedAccess>>,
    known: KnownTokens,
    /// Organizations' compiled routes, for gateways.
    pub(super) routes: RouteCache,
    /// Well-formed hashes that no token has, so repeated unknown tokens cost no read.
    negative: moka::sync::Cache<TokenHash, ()>,
    /// Bumped by every invalidation; a load that raced one is not kept.
    pub(super) invalidations: AtomicU64,
    /// Off while this node may have missed another node's invalidations: every verify then
    /// reads storage.
    pub(super) cache_enabled: AtomicBool,
    multi_node: AtomicBool,
    fallback_second: AtomicU64,
    fallback_used: AtomicU64,
    pub(super) usage: Arc<UsageBuffer>,
    /// Rate limits and this node's leases of credits.
    pub(super) limiter: Limiter,
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
            access: TokenCache::new(settings.capacity, settings.ttl),
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
            routes: RouteCache::new(settings.ttl),
            usage: Arc::default(),
            limiter: Limiter::default(),
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
        let epoch = self.invalidations.load(Ordering::SeqCst);
        let query = VerifyQuery::<&str> {
            ip: Some(ip),
            permissions: &[],
            integration: None,
        };
        let now_ns = unix_nanos(now);
        let answer = if self.cache_enabled.load(Ordering::SeqCst) {
            // Answered here when remembered; otherwise `answer` comes back for the slow path.
            let remembered = LAST_CALLER.with(|last| {
                let last = last.borrow();
                match last.as_ref() {
                    // Constant time: a near miss must not tell an attacker how near.
                    Some((owner, secret, entry, at))
                        if *owner == self.id
                            && *at == epoch
                            && same_secret(secret.as_bytes(), presented.as_bytes()) =>
                    {
                        let code = entry.decide(&query, now, now_ns);
                        self.count(code);
                        self.usage.note(entry.token_id, now_ns, query.ip, code);
                        Ok(answer(code, Some(&entry.full)))
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
        // Boxed: the rare path's future would otherwise make every request's future larger, and
        // hyper moves each request's future (copying it whole) as it starts serving it.
        let outcome = Box::pin(self.verify(presented, &query, None, now)).await?;
        if let (VerifyCode::Valid, Some(entry)) = (outcome.code, &outcome.entry) {
            let remembered = (self.id, presented.into(), CachedToken::new(entry.clone()), epoch);
            LAST_CALLER.with(|last| *last.borrow_mut() = Some(remembered));
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
        self.verify_with(
            presented,
            query,
            org_scope,
            Metering::Off,
            now,
            |code, entry, _| VerifyOutcome {
                code,
                entry: entry.cloned(),
            },
        )
        .await
    }

    /// The key a presented string is looked up by, what its absence answers (NOT_FOUND for
    /// keyward's format, MALFORMED for a foreign string that was never imported, as before
    /// imports existed) and whether a foreign key may collide; `None` (counted) for a string
    /// that is neither.
    #[inline]
    pub(super) fn key_of(&self, presented: &str) -> Option<(TokenHash, VerifyCode, bool)> {
        match token::lookup(&self.prefix, presented) {
            token::Lookup::Keyward(h) => Some((h, VerifyCode::NotFound, false)),
            token::Lookup::Foreign(h) => {
                let (key, unsure) = self.foreign_key(presented, h);
                Some((key, VerifyCode::Malformed, unsure))
            }
            token::Lookup::Malformed => {
                self.count(VerifyCode::Malformed);
                None
            }
        }
    }

    /// [`Self::verify`], handing the verdict to `answer`: on a warm path the cached entry is
    /// read where it lies, under no lock and with no reference count bumped. With metering on,
    /// a VALID decision for a token with limits or credits is counted against them (and may
    /// become RATE_LIMITED or USAGE_EXCEEDED), and `answer` gets what they stand at.
    pub async fn verify_with<P: AsRef<str>, R>(
        &self,
        presented: &str,
        query: &VerifyQuery<'_, P>,
        org_scope: Option<Uuid>,
        metering: Metering,
        now: OffsetDateTime,
        mut answer: impl FnMut(VerifyCode, Option<&Arc<CachedSubject>>, Option<&LimitReport>) -> R,
    ) -> StoreResult<R> {
        let Some((hash, missing, unsure)) = self.key_of(presented) else {
            return Ok(answer(VerifyCode::Malformed, None, None));
        };
        let now_ns = unix_nanos(now);
        // The cache first: a warm token costs one probe, and its entry holds what the decision
        // and the usage note read.
        if self.cache_enabled.load(Ordering::SeqCst)
            && let Some(r) = self.cache.with(&hash, now_ns, |e| {
                self.metrics.cache_hits.incr();
                if org_scope.is_some_and(|o| e.org_id != o) {
                    self.count(missing);
                    return Ok(answer(missing, None, None));
                }
                let code = e.decide(query, now, now_ns);
                if let (VerifyCode::Valid, Some(_), Metering::Cost(_)) = (code, &e.full.limits, metering) {
                    // Counted against its limits below (only such tokens pay for the clone).
                    return Err(e.full.clone());
                }
                self.count(code);
                self.usage.note(e.token_id, now_ns, query.ip, code);
                Ok(answer(code, Some(&e.full), None))
            })
        {
            return match r {
                Ok(r) => Ok(r),
                Err(full) => Box::pin(self.metered(full, query.ip, metering, now, now_ns, answer)).await,
            };
        }
        // A token the filter has never seen is answered here, before the boxed miss path is
        // built: a flood of made-up tokens allocates nothing.
        if !unsure && self.answers_unknown(hash) {
            self.count(missing);
            return Ok(answer(missing, None, None));
        }
        // Boxed, for the reason given in `check_caller`.
        let entry = Box::pin(self.load_foreign_too(presented, hash, missing, unsure, now_ns))
            .await?
            .filter(|e| org_scope.is_none_or(|o| e.subject.org_id == o));
        let code = match &entry {
            Some(e) => decide(Some(&e.subject), query, now),
            None => missing,
        };
        if let (VerifyCode::Valid, Some(e), Metering::Cost(_)) = (code, &entry, metering)
            && e.limits.is_some()
        {
            return self
                .metered(e.clone(), query.ip, metering, now, now_ns, answer)
                .await;
        }
        self.count(code);
        if let Some(e) = &entry {
            self.usage.note(e.subject.token_id, now_ns, query.ip, code);
        }
        Ok(answer(code, entry.as_ref(), None))
    }

    /// A VALID decision for a token with limits or credits, counted against them: the answer
    /// stays VALID, or becomes RATE_LIMITED or USAGE_EXCEEDED having counted nothing.
    async fn metered<R>(
        &self,
        full: Arc<CachedSubject>,
        ip: Option<IpAddr>,
        metering: Metering,
        now: OffsetDateTime,
        now_ns: i64,
        mut answer: impl FnMut(VerifyCode, Option<&Arc<CachedSubject>>, Option<&LimitReport>) -> R,
    ) -> StoreResult<R> {
        let report = self.meter(&full, metering, now, now_ns).await?;
        self.count(report.code);
        self.usage.note(full.subject.token_id, now_ns, ip, report.code);
        Ok(answer(report.code, Some(&full), Some(&report)))
    }

    /// Counts a VALID verification against the limits of `full`, leasing credits as needed.
    pub(super) async fn meter(
        &self,
        full: &CachedSubject,
        metering: Metering,
        now: OffsetDateTime,
        now_ns: i64,
    ) -> StoreResult<LimitReport> {
        let (Some(limits), Metering::Cost(cost)) = (&full.limits, metering) else {
            return Ok(LimitReport {
                code: VerifyCode::Valid,
                ratelimits: Vec::new(),
                windows_ms: Vec::new(),
                credits: None,
            });
        };
        let now_ms = now_ns.div_euclid(1_000_000);
        // A lease taken is usually enough; racing verifications may spend it first, so a few
        // rounds, after which the balance is treated as short.
        for _ in 0..4 {
            match self.limiter.check(limits, cost, now_ms) {
                Check::Done(report) => return Ok(report),
                Check::Lease { id, cost } => self.limiter.lease(&self.store, id, cost, now).await?,
                Check::Permits { index } => {
                    self.limiter
                        .lease_permits(&self.store, limits, index, now)
                        .await?
                }
            }
        }
        Ok(LimitReport {
            code: VerifyCode::UsageExceeded,
            ratelimits: Vec::new(),
            windows_ms: Vec::new(),
            credits: Some(0),
        })
    }

    pub(super) fn count(&self, code: VerifyCode) {
        self.metrics.verify_by_code[code.index()].incr();
    }

    /// A token neither the cache nor [`Self::answers_unknown`] can answer (or every token,
    /// while the cache is off): one storage read.
    pub(super) async fn load(&self, hash: TokenHash, now_ns: i64) -> StoreResult<Option<Arc<CachedSubject>>> {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            self.metrics.storage_reads.incr();
            return Ok(self
                .store
                .verify_subject(hash)
                .await?
                .map(|s| Arc::new(CachedSubject::new(s))));
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
                self.cache.insert(hash, CachedToken::new(s.clone()), now_ns)
            }
            None => self.negative.insert(hash, ()),
        }
        if self.invalidations.load(Ordering::SeqCst) != epoch {
            self.cache.invalidate(&hash);
            self.negative.invalidate(&hash);
        }
        Ok(loaded)
    }

    /// True when a token the cache does not hold is known not to exist, without a read: the
    /// filter has never seen it, or it is in the negative cache. The cache keeps no bookkeeping
    /// of misses, so a flood of garbage costs others nothing.
    pub(super) fn answers_unknown(&self, hash: TokenHash) -> bool {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            return false;
        }
        if (self.known_absent(hash) && !self.filter_fallback()) || self.negative.contains_key(&hash) {
            self.metrics.negative_hits.incr();
            return true;
        }
        false
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
        self.limiter.set_shared(multi);
    }

    /// What keyward knows of the token with this hash whatever its state, for a leak report:
    /// a hash the membership filter has never seen costs no read (counted with verify's reads
    /// otherwise).
    pub async fn subject_if_issued(
        &self,
        hash: TokenHash,
    ) -> StoreResult<Option<keyward_core::VerifySubject>> {
        if self.known_absent(hash) {
            return Ok(None);
        }
        self.metrics.storage_reads.incr();
        self.store.verify_subject(hash).await
    }

    /// What a foreign string is looked up by: its SHA-256, unless the membership filter has
    /// never seen that but has seen the key of its SHA-512 (a token imported by that digest,
    /// see `token::sha512_key`). Costs a SHA-512 only for foreign strings the filter does not
    /// know by their SHA-256. The flag says the choice was made on an incomplete filter: the
    /// filter may complete a moment later, and must not then turn this choice into "unknown"
    /// (a key imported by SHA-512 answered MALFORMED right after a restart).
    pub(super) fn foreign_key(&self, presented: &str, sha256: TokenHash) -> (TokenHash, bool) {
        let unsure = !self.known.complete.load(Ordering::Acquire);
        if self.known.contains(sha256.short()) {
            return (sha256, unsure);
        }
        let alt = token::sha512_key(presented);
        if self.known.contains(alt.short()) {
            (alt, unsure)
        } else {
            (sha256, unsure)
        }
    }

    /// [`Self::load`]; for a foreign string found under neither key while the filter is (or
    /// was, when the key was chosen: `unsure`) incomplete, storage is asked for its SHA-512 key
    /// as well.
    pub(super) async fn load_foreign_too(
        &self,
        presented: &str,
        hash: TokenHash,
        missing: VerifyCode,
        unsure: bool,
        now_ns: i64,
    ) -> StoreResult<Option<Arc<CachedSubject>>> {
        let found = self.load(hash, now_ns).await?;
        let complete = !unsure && self.known.complete.load(Ordering::Acquire);
        if found.is_some() || missing != VerifyCode::Malformed || complete {
            return Ok(found);
        }
        let alt = token::sha512_key(presented);
        if alt == hash {
            return Ok(None);
        }
        self.load(alt, now_ns).await
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
        self.known.extend(loaded);
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

    pub async fn invalidate_routes(&self, org_id: Uuid) {
        self.invalidate(&[Invalidation::Routes(org_id)]).await;
    }

    /// Applies an invalidation to this node's caches only.
    pub fn apply(&self, inv: Invalidation) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        match inv {
            Invalidation::Token(hash) => {
                // Every token announcement names a token that exists, new ones included (an
                // access token's announcement adds a stray hash to the filter: harmless).
                self.known.insert(hash.short());
                self.cache.invalidate(&hash);
                self.access.invalidate(&hash);
                self.negative.invalidate(&hash);
            }
            Invalidation::Routes(org_id) => self.routes.invalidate(&org_id),
            Invalidation::Organization(org_id) => {
                // Balances may have been topped up or set anew.
                self.limiter.recheck_all();
                self.routes.invalidate(&org_id);
                self.cache.invalidate_if(|t| t.org_id == org_id);
                self.access.invalidate_if(|a| a.claims.org == org_id);
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
        self.access.invalidate_all();
        self.negative.invalidate_all();
        self.routes.invalidate_all();
    }

    /// An access token's cached standing, while the cache is on.
    pub fn cached_access(&self, hash: &TokenHash, now_ns: i64) -> Option<Arc<CachedAccess>> {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            return None;
        }
        self.access.get(hash, now_ns)
    }

    /// Bumped by every invalidation: read it before reading storage, and hand it to
    /// [`Self::cache_access`], which then keeps nothing an invalidation may have made stale.
    pub fn invalidation_epoch(&self) -> u64 {
        self.invalidations.load(Ordering::SeqCst)
    }

    /// Caches an access token's standing read from storage since `epoch`.
    pub fn cache_access(&self, hash: TokenHash, access: Arc<CachedAccess>, epoch: u64, now_ns: i64) {
        if !self.cache_enabled.load(Ordering::SeqCst) {
            return;
        }
        self.access.insert(hash, access, now_ns);
        // As in `load`: an invalidation since the read began may have made it stale.
        if self.invalidations.load(Ordering::SeqCst) != epoch {
            self.access.invalidate(&hash);
        }
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
        // Folding a second's uses into aggregates takes a while with many tokens in use: on a
        // blocking thread, so that no worker's connections wait for it.
        let usage = self.usage.clone();
        let batch = match tokio::task::spawn_blocking(move || usage.take()).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!(error = %e, "folding usage failed; this second's usage is lost");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        let started = std::time::Instant::now();
        let written = self.store.record_usage(&batch).await;
        let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.metrics.usage_flush_micros.fetch_add(took, Ordering::Relaxed);
        self.metrics
            .usage_flush_rows
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        match written {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_compares_every_byte() {
        // A token generated now: no secret-shaped string is committed.
        let token = keyward_core::token::generate(
            &keyward_core::token::TokenPrefix::default(),
            keyward_core::Environment::Live,
        )
        .expect("a token");
        let a = token.expose().as_bytes();
        assert!(same_secret(a, a));
        for i in 0..a.len() {
            let mut b = a.to_vec();
            b[i] ^= 1;
            assert!(!same_secret(a, &b), "byte {i}");
        }
        assert!(!same_secret(a, &a[..a.len() - 1]));
        assert!(same_secret(b"", b""));
    }
}
