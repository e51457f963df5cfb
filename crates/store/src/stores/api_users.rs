//! API user profiles, and their credentials for logging in.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ApiUserStore: Send + Sync {
    // API users.
    async fn create_api_user(
        &self,
        user: &ApiUser,
        password_hash: Option<&str>,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn get_api_user(&self, org_id: Uuid, id: Uuid) -> StoreResult<ApiUser>;

    async fn find_api_user(&self, org_id: Uuid, username: &str) -> StoreResult<ApiUser>;

    async fn list_api_users(
        &self,
        org_id: Uuid,
        filter: &ApiUserFilter,
        page: Page,
    ) -> StoreResult<Vec<ApiUser>>;

    /// Counts of non-revoked tokens per API user, for lists.
    async fn token_counts(&self, org_id: Uuid, api_user_ids: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>>;

    async fn update_api_user(&self, user: &ApiUser, audit: &AuditRecord) -> StoreResult<()>;

    /// Suspends or resumes an API user, changing nothing else.
    async fn set_api_user_status(
        &self,
        org_id: Uuid,
        id: Uuid,
        status: ApiUserStatus,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn set_api_user_password(
        &self,
        org_id: Uuid,
        id: Uuid,
        password_hash: Option<&str>,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    /// Deletes the profile and revokes all its tokens; answers the revoked tokens' hashes.
    async fn delete_api_user(
        &self,
        org_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<Vec<TokenHash>>;

    /// An API user with its password hash, for logging in; `None` when deleted or unknown.
    async fn api_user_credentials(&self, id: Uuid) -> StoreResult<Option<(ApiUser, Option<String>)>>;
}
