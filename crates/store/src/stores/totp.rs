//! Second factors of members and API users.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait TotpStore: Send + Sync {
    async fn totp(&self, owner: TotpOwner, id: Uuid) -> StoreResult<TotpRecord>;

    /// Replaces a second factor (enrol, confirm, remove), with its audit event. For an API user
    /// logging in with password_totp, removing it falls back to password.
    async fn set_totp(
        &self,
        owner: TotpOwner,
        org_id: Uuid,
        id: Uuid,
        totp: &TotpRecord,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    /// Accepts a TOTP time step once: answers false when this step or a later one was used.
    async fn use_totp_step(&self, owner: TotpOwner, id: Uuid, step: i64) -> StoreResult<bool>;

    /// Consumes a recovery code by its hash; answers whether it was there.
    async fn use_recovery_code(&self, owner: TotpOwner, id: Uuid, hash: &str) -> StoreResult<bool>;
}
