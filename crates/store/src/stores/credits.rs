//! Balances of credits: what administrators set, what nodes lease and report spent, and the
//! refills.

use async_trait::async_trait;
use keyward_core::quota::{CreditAdjustment, CreditBalance, CreditsConfig};

use crate::*;

/// Who a balance belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditOwner {
    Token(Uuid),
    ApiUser(Uuid),
}

/// What a node asked of a balance got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lease {
    /// `granted` credits now belong to the node until it reports them spent or returns them;
    /// `remaining` are left unleased. The lease is void from `valid_until` (the next refill)
    /// or once `period` changes.
    Granted {
        granted: u64,
        remaining: u64,
        period: i64,
        valid_until: Option<OffsetDateTime>,
    },
    /// A refill fell due and nobody has applied it: apply it (see
    /// [`CreditStore::refill_credits`]) and ask again.
    RefillDue(CreditBalance),
    /// No such balance (it was removed).
    Missing,
}

/// What a node reports of a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub id: Uuid,
    pub period: i64,
    /// Answered VALID for since the last report.
    pub spent: u64,
    /// Handed back unspent.
    pub returned: u64,
}

#[async_trait]
pub trait CreditStore: Send + Sync {
    /// Gives an owner a balance (replacing the one it has: what nodes hold of it is void) or,
    /// with `None`, takes it away; answers the balance now.
    async fn set_credits(
        &self,
        org_id: Uuid,
        owner: CreditOwner,
        config: Option<CreditsConfig>,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<Option<CreditBalance>>;

    /// Adds to an owner's balance or sets it; `NotFound` when it has none.
    async fn adjust_credits(
        &self,
        org_id: Uuid,
        owner: CreditOwner,
        adjustment: CreditAdjustment,
        audit: &AuditRecord,
    ) -> StoreResult<CreditBalance>;

    async fn credit_balance(&self, id: Uuid) -> StoreResult<Option<CreditBalance>>;

    /// Hands a node `min` credits or more (up to `want`, and at most half of what is left
    /// unless that is below `min`), or none when fewer than `min` are left.
    async fn lease_credits(&self, id: Uuid, min: u64, want: u64, now: OffsetDateTime) -> StoreResult<Lease>;

    /// Records what nodes spent of their leases and hands back the rest; a report about an
    /// earlier period changes nothing. Answers the balances after, for the alerts.
    async fn settle_credits(
        &self,
        settlements: &[Settlement],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<CreditBalance>>;

    /// Stops counting as remaining what nodes leased and have not reported on since `before`
    /// (their node died): lost, never handed out again. A node that reports later still hands
    /// back what it did not spend. Answers how many balances changed.
    async fn write_off_stale_leases(&self, before: OffsetDateTime) -> StoreResult<u64>;

    /// Applies a refill to a balance last refilled at `seen` (on any other, another node has
    /// applied it: nothing happens and `None` is answered), moving it to `last_refill` with the
    /// next at `next_refill`, with its audit event.
    async fn refill_credits(
        &self,
        id: Uuid,
        seen: OffsetDateTime,
        last_refill: OffsetDateTime,
        next_refill: Option<OffsetDateTime>,
        audit: &AuditRecord,
    ) -> StoreResult<Option<CreditBalance>>;

    /// Balances whose next refill is due by `now`, oldest first.
    async fn due_credit_refills(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<CreditBalance>>;

    /// Records that the alert of `stage` (1: low, 2: exhausted) went out, with its event and
    /// messages; `false` when it already had (another node sent it).
    async fn raise_credit_alert(&self, id: Uuid, stage: u8, audit: &AuditRecord) -> StoreResult<bool>;

    /// The owners of a balance (its tokens and API user), for invalidation and alerts:
    /// (organization, token ids, API user id).
    async fn credit_owners(&self, id: Uuid) -> StoreResult<Option<(Uuid, Vec<Uuid>, Option<Uuid>)>>;
}
