//! Tokens, and what the verify path reads of them.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait TokenStore: Send + Sync {
    // Tokens.
    async fn create_token(&self, token: &NewToken, audit: &AuditRecord) -> StoreResult<()>;

    async fn get_token(&self, org_id: Uuid, id: Uuid) -> StoreResult<Token>;

    async fn list_tokens(&self, org_id: Uuid, filter: &TokenFilter, page: Page) -> StoreResult<Vec<Token>>;

    /// Writes name, expiry, permissions and IPs of a token that is not revoked (not its status:
    /// see `set_token_status`; not the end of a rotated token); answers its hash so caches can
    /// drop it.
    async fn update_token(&self, token: &Token, audit: &AuditRecord) -> StoreResult<TokenHash>;

    /// Suspends or resumes a token that is not revoked, changing nothing else; answers its
    /// hash.
    async fn set_token_status(
        &self,
        org_id: Uuid,
        id: Uuid,
        status: TokenStatus,
        audit: &AuditRecord,
    ) -> StoreResult<TokenHash>;

    /// Revokes one token (idempotent); answers its hash.
    async fn revoke_token(
        &self,
        org_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<TokenHash>;

    /// Revokes every live token of an API user, or of the organization when `api_user_id` is
    /// `None`; answers the revoked tokens' hashes.
    async fn revoke_all_tokens(
        &self,
        org_id: Uuid,
        api_user_id: Option<Uuid>,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<Vec<TokenHash>>;

    // Rotation and reminders.
    /// Inserts `new` (whose `rotated_from` names the old token) and ends the old one at
    /// `old_expires_at`, marked as replaced; answers the old token's hash.
    async fn rotate_token(
        &self,
        new: &NewToken,
        old_expires_at: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<TokenHash>;

    /// Inserts many tokens at once, for benchmarks and scale tests (`keyward dev seed`); one
    /// audit event records the whole batch.
    async fn seed_tokens(&self, tokens: &[NewToken], audit: &AuditRecord) -> StoreResult<()> {
        self.import_tokens(tokens, std::slice::from_ref(audit)).await
    }

    /// Inserts many tokens and their audit events in one transaction, in multi-row statements.
    async fn import_tokens(&self, tokens: &[NewToken], audits: &[AuditRecord]) -> StoreResult<()>;

    /// Which of `names` the API user already gives a live token (not revoked, not rotated out):
    /// the names its unique index holds.
    async fn live_token_names(&self, api_user_id: Uuid, names: &[String]) -> StoreResult<Vec<String>>;

    /// Which of `hashes` some token (of any organization) already has. SQLite also answers the
    /// stored hashes that share a wanted one's first 8 bytes, which it keeps unique.
    async fn existing_token_hashes(&self, hashes: &[TokenHash]) -> StoreResult<Vec<TokenHash>>;

    // Verification.
    /// The first 8 bytes of every token's hash (see `TokenHash::short`), for the membership
    /// filter that answers unknown tokens without a read.
    async fn token_hash_prefixes(&self) -> StoreResult<Vec<u64>>;

    /// Everything the verify decision needs about the token with this hash, in one read.
    async fn verify_subject(&self, hash: TokenHash) -> StoreResult<Option<VerifySubject>>;
}
