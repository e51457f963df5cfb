//! Members and their sessions.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait MemberStore: Send + Sync {
    // Members and sessions.
    async fn create_member(&self, member: &MemberCredentials, audit: &AuditRecord) -> StoreResult<()>;

    async fn member_credentials(&self, email: &str) -> StoreResult<Vec<MemberCredentials>>;

    async fn get_member(&self, org_id: Uuid, id: Uuid) -> StoreResult<Member>;

    async fn list_members(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Member>>;

    async fn update_member(
        &self,
        member: &Member,
        password_hash: Option<&str>,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn delete_member(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;

    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;

    /// The member behind a session that has not expired.
    async fn session_member(&self, hash: TokenHash, now: OffsetDateTime) -> StoreResult<Option<Member>>;

    async fn delete_session(&self, hash: TokenHash) -> StoreResult<()>;

    /// Holds one sealed value on a session, replacing any it held.
    async fn set_session_flash(&self, hash: TokenHash, flash: &str) -> StoreResult<()>;

    /// The session's sealed value, cleared as it is read: of two concurrent reads, one gets it.
    async fn take_session_flash(&self, hash: TokenHash) -> StoreResult<Option<String>>;
}
