//! The verifier's side of credits between verifications: reporting what was spent, handing
//! quiet leases back, and hearing that a balance changed.

use keyward_core::quota::CreditBalance;
use keyward_store::StoreResult;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Verifier;

impl Verifier {
    /// Reports to storage what this node spent of its leases and returns the leases of quiet
    /// balances (every lease with `all`, on shutdown). Answers the balances reported on, for
    /// the alerts. On failure, nothing is lost: it is reported next time.
    pub async fn settle_credits(&self, now: OffsetDateTime, all: bool) -> StoreResult<Vec<CreditBalance>> {
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let unused = self.limiter.unused_permits(now_ms, all);
        if let Err(e) = self.store.return_permits(&unused).await {
            // Counted as used until their buckets leave the window: conservative, never over.
            tracing::warn!(error = %e, "cannot hand unused rate-limit permits back");
        }
        if !all {
            for (id, cost) in self.limiter.running_low(now_ms) {
                self.limiter.lease(&self.store, id, cost, now).await?;
            }
        }
        let reports = self.limiter.settlements(now_ms, all);
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        match self.store.settle_credits(&reports, now).await {
            Ok(balances) => Ok(balances),
            Err(e) => {
                self.limiter.put_back(&reports);
                Err(e)
            }
        }
    }

    /// A balance was set, topped up or refilled: ask storage before spending it again.
    pub fn credits_changed(&self, id: Uuid) {
        self.limiter.credits_changed(id);
    }

    /// What this node counted of each limit in its current window.
    pub fn ratelimit_usage(
        &self,
        scope: keyward_core::quota::LimitScope,
        limits: &[keyward_core::limits::RateLimit],
        now: OffsetDateTime,
    ) -> Vec<u64> {
        self.limiter
            .usage(scope, limits, (now.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// Leases of credits asked of storage so far (for `/metrics`).
    pub fn credit_leases(&self) -> u64 {
        self.limiter.leases.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Grants of rate-limit permits asked of storage so far (for `/metrics`).
    pub fn permit_leases(&self) -> u64 {
        self.limiter
            .permit_leases
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}
