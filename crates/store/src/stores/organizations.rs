//! Organizations, their first-run setup link, settings and installation secrets.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait OrganizationStore: Send + Sync {
    // Installation and organizations.
    async fn organization_count(&self) -> StoreResult<i64>;

    /// Replaces any earlier setup link with this one.
    async fn put_setup_token(&self, hash: TokenHash, expires_at: OffsetDateTime) -> StoreResult<()>;

    /// Whether `hash` is the current setup link's and it has not expired at `now`. Only reads:
    /// creating the organization consumes the link.
    async fn setup_token_live(&self, hash: TokenHash, now: OffsetDateTime) -> StoreResult<bool>;

    /// Creates an organization with its first super admin. With `setup`, the setup link is
    /// checked and consumed in the same transaction.
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &MemberCredentials,
        setup: Option<(TokenHash, OffsetDateTime)>,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn get_organization(&self, id: Uuid) -> StoreResult<Organization>;

    // Organization settings: expiry policy and monitoring thresholds.
    async fn get_settings(&self, org_id: Uuid) -> StoreResult<OrgSettings>;

    async fn update_settings(
        &self,
        org_id: Uuid,
        settings: &OrgSettings,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    /// Organizations, for background work that visits each.
    async fn list_organization_ids(&self) -> StoreResult<Vec<Uuid>>;

    /// A named installation secret, created from `generated` the first time it is asked for.
    async fn installation_secret(
        &self,
        name: &str,
        generated: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<u8>>;
}
