//! keyward's storage. Callers see one [`Store`] trait; each database has its own module with
//! its SQL written out. Every method that changes state takes the [`AuditRecord`] describing
//! the change and appends it in the same transaction, so a change and its audit event are
//! written together or not at all.

#[macro_use]
mod sql_store;
pub mod audit;
pub mod copy;
mod postgres;
mod sqlite;
pub mod testing;
mod usage;

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use keyward_core::{
    ApiUser, ApiUserStatus, Environment, Integration, Member, OrgSettings, Organization, PermissionGroup,
    ReminderStage, ThrottlePolicy, ThrottleState, Token, TokenHash, TokenStatus, VerifyCode, VerifySubject,
    WebhookEndpoint,
};
use time::OffsetDateTime;
use uuid::Uuid;

pub use audit::{AuditEvent, AuditFilter, AuditRecord, ChainBreak};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// What went wrong in storage, in terms a handler can map to an answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(Conflict),
    /// A reference to another record is not valid in this organization.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("the setup link is invalid, expired or already used")]
    SetupLinkInvalid,
    /// The database cannot be reached right now; the operation changed nothing.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Uniqueness and in-use conflicts, each with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("a member with this email already exists")]
    EmailTaken,
    #[error("an API user with this username already exists")]
    UsernameTaken,
    #[error("a token with this name already exists")]
    TokenNameTaken,
    #[error("a permission group with this name already exists")]
    GroupNameTaken,
    #[error("an integration with this name already exists")]
    IntegrationNameTaken,
    #[error("the permission group is used by API users or members; reassign them first")]
    GroupInUse,
    #[error("the integration is used by API users or tokens; remove it from them first")]
    IntegrationInUse,
    #[error("the member is linked to API users; unlink them first")]
    MemberInUse,
    #[error("the token is revoked; a revoked token cannot be changed")]
    TokenRevoked,
    #[error("an organization needs at least one super admin")]
    LastSuperAdmin,
}

impl Conflict {
    pub fn code(self) -> &'static str {
        match self {
            Self::EmailTaken => "email_taken",
            Self::UsernameTaken => "username_taken",
            Self::TokenNameTaken => "token_name_taken",
            Self::GroupNameTaken => "group_name_taken",
            Self::IntegrationNameTaken => "integration_name_taken",
            Self::GroupInUse => "group_in_use",
            Self::IntegrationInUse => "integration_in_use",
            Self::MemberInUse => "member_in_use",
            Self::TokenRevoked => "token_revoked",
            Self::LastSuperAdmin => "last_super_admin",
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Keyset pagination: records after `after` in id order, at most `limit`.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub after: Option<Uuid>,
    pub limit: u32,
}

impl Page {
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }
}

/// A member, with what login needs.
#[derive(Clone, Debug)]
pub struct MemberCredentials {
    pub member: Member,
    pub password_hash: String,
}

/// A dashboard or API session of a member. Only the hash of its secret is stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub hash: TokenHash,
    pub member_id: Uuid,
    pub org_id: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, Default)]
pub struct ApiUserFilter {
    /// Matches username, name or external id, case-insensitively.
    pub search: Option<String>,
    pub status: Option<ApiUserStatus>,
    pub environment: Option<Environment>,
}

#[derive(Clone, Debug, Default)]
pub struct TokenFilter {
    pub api_user_id: Option<Uuid>,
    pub status: Option<TokenStatus>,
    /// Expiring after the first time and no later than the second.
    pub expiring: Option<(OffsetDateTime, OffsetDateTime)>,
    /// Not used since this time (or never, and created before it).
    pub unused_since: Option<OffsetDateTime>,
}

/// A token to insert, with the hash that identifies it.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub token: Token,
    pub hash: TokenHash,
}

/// One node's usage of one token since its last flush.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageUpdate {
    pub token_id: Uuid,
    pub last_used_at: OffsetDateTime,
    pub last_used_ip: Option<IpAddr>,
    /// Start of the hour the counts belong to.
    pub hour: OffsetDateTime,
    pub counts: Vec<(VerifyCode, u64)>,
    /// Distinct source IPs in this batch (bounded by the caller).
    pub ips: Vec<IpAddr>,
}

/// Counts of verifications in one hour for one result code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsagePoint {
    pub hour: OffsetDateTime,
    pub code: VerifyCode,
    pub count: i64,
}

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "webhook" => Some(Self::Webhook),
            _ => None,
        }
    }
}

/// Where a message is in its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Gave up after the last retry; can be sent again by hand.
    Dead,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// A message to deliver, queued with the event that caused it (see `AuditRecord::outbox`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub org_id: Uuid,
    pub channel: Channel,
    /// Such as `token.created`.
    pub event: String,
    /// An email address, or a webhook endpoint's id.
    pub recipient: String,
    /// An email's subject; a webhook's event type.
    pub subject: String,
    /// An email's text, or a webhook's JSON payload. Never a secret.
    pub body: String,
}

/// A message with its delivery state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub message: OutboxMessage,
    pub status: OutboxStatus,
    /// Attempts started, including one in progress.
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

/// What an expiry reminder is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderSubject {
    Token,
    ApiUser,
}

/// A credential whose next reminder stage is due, with what its message needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueReminder {
    pub subject: ReminderSubject,
    /// The token's or the API user's id.
    pub id: Uuid,
    pub org_id: Uuid,
    pub stage: ReminderStage,
    pub expires_at: OffsetDateTime,
    pub api_user_id: Uuid,
    pub api_user_name: String,
    pub username: String,
    pub contact_email: Option<String>,
    /// For a token: its name and hint.
    pub token: Option<(String, String)>,
}

/// One token's distinct source networks seen in a usage batch, for monitoring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNetwork {
    pub token_id: Uuid,
    pub org_id: Uuid,
    pub network: String,
    pub first_seen: OffsetDateTime,
    /// Whether the token had been seen from any network before this one.
    pub had_others: bool,
}

/// Verifications in one hour: counts by result code and distinct source IPs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageSeriesPoint {
    pub hour: OffsetDateTime,
    pub counts: Vec<(VerifyCode, i64)>,
    pub distinct_ips: i64,
}

/// A monitoring finding worth telling someone about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsightAlert {
    pub org_id: Uuid,
    /// `never_used`, `unused`, `new_network`, `denied_burst` or `spike`.
    pub kind: String,
    /// The token it concerns.
    pub subject_id: Uuid,
    /// What makes two findings the same alert, such as the hour or the network.
    pub window_key: String,
    pub created_at: OffsetDateTime,
    pub details: serde_json::Value,
}

/// A key that signs access tokens, as stored: the private half encrypted by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub algorithm: String,
    pub public_key: Vec<u8>,
    pub private_key_encrypted: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
    pub publish_until: Option<OffsetDateTime>,
}

/// Whose second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TotpOwner {
    ApiUser,
    Member,
}

impl TotpOwner {
    /// The table holding it (a constant, never input).
    pub fn table(self) -> &'static str {
        match self {
            Self::ApiUser => "api_users",
            Self::Member => "members",
        }
    }

    /// The condition that the row is live.
    pub fn live(self) -> &'static str {
        match self {
            Self::ApiUser => "deleted_at IS NULL",
            Self::Member => "1 = 1",
        }
    }
}

/// A second factor, as stored (the seed encrypted by the caller).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TotpRecord {
    /// `none`, `pending` (enrolled, not yet confirmed with a code) or `active`.
    pub state: String,
    pub secret_encrypted: Option<Vec<u8>>,
    pub last_step: Option<i64>,
    /// SHA-256 (hex) of each unused recovery code.
    pub recovery_hashes: Vec<String>,
}

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// keyward's storage. Every read and write of organization data is scoped by `org_id`; a
/// record of another organization is `NotFound`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn engine(&self) -> Engine;
    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    // Installation and organizations.
    async fn organization_count(&self) -> StoreResult<i64>;
    /// Replaces any earlier setup link with this one.
    async fn put_setup_token(&self, hash: TokenHash, expires_at: OffsetDateTime) -> StoreResult<()>;
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

    // Members and sessions.
    async fn create_member(&self, member: &MemberCredentials, audit: &AuditRecord) -> StoreResult<()>;
    async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>>;
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

    // Permission groups.
    async fn create_group(&self, group: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()>;
    async fn get_group(&self, org_id: Uuid, id: Uuid) -> StoreResult<PermissionGroup>;
    async fn list_groups(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<PermissionGroup>>;
    async fn update_group(&self, group: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()>;
    async fn delete_group(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;

    // Integrations.
    async fn create_integration(&self, integration: &Integration, audit: &AuditRecord) -> StoreResult<()>;
    async fn get_integration(&self, org_id: Uuid, id: Uuid) -> StoreResult<Integration>;
    async fn list_integrations(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Integration>>;
    async fn update_integration(&self, integration: &Integration, audit: &AuditRecord) -> StoreResult<()>;
    async fn delete_integration(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;

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

    // Tokens.
    async fn create_token(&self, token: &NewToken, audit: &AuditRecord) -> StoreResult<()>;
    async fn get_token(&self, org_id: Uuid, id: Uuid) -> StoreResult<Token>;
    async fn list_tokens(&self, org_id: Uuid, filter: &TokenFilter, page: Page) -> StoreResult<Vec<Token>>;
    /// Writes name, expiry, permissions, IPs and status of a token that is not revoked; answers
    /// its hash so caches can drop it.
    async fn update_token(&self, token: &Token, audit: &AuditRecord) -> StoreResult<TokenHash>;
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

    // Verification.
    /// The first 8 bytes of every token's hash (see `TokenHash::short`), for the membership
    /// filter that answers unknown tokens without a read.
    async fn token_hash_prefixes(&self) -> StoreResult<Vec<u64>>;
    /// Inserts many tokens at once, for benchmarks and scale tests (`keyward dev seed`); one
    /// audit event records the whole batch.
    async fn seed_tokens(&self, tokens: &[NewToken], audit: &AuditRecord) -> StoreResult<()>;
    /// Everything the verify decision needs about the token with this hash, in one read.
    async fn verify_subject(&self, hash: TokenHash) -> StoreResult<Option<VerifySubject>>;
    /// Merges usage batches: latest time wins, counts add up, source IPs and their networks are
    /// remembered. One transaction. Answers the networks each token was used from for the
    /// first time, for monitoring.
    async fn record_usage(&self, updates: &[UsageUpdate]) -> StoreResult<Vec<NewNetwork>>;
    async fn token_usage(
        &self,
        org_id: Uuid,
        token_id: Uuid,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<UsagePoint>>;

    // Organization settings: expiry policy and monitoring thresholds.
    async fn get_settings(&self, org_id: Uuid) -> StoreResult<OrgSettings>;
    async fn update_settings(
        &self,
        org_id: Uuid,
        settings: &OrgSettings,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    // Rotation and reminders.
    /// Inserts `new` (whose `rotated_from` names the old token) and ends the old one at
    /// `old_expires_at`, marked as replaced; answers the old token's hash.
    async fn rotate_token(
        &self,
        new: &NewToken,
        old_expires_at: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<TokenHash>;
    /// Tokens and API users whose next reminder stage is due at `now`, soonest expiry first.
    async fn due_reminders(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueReminder>>;
    /// Moves a credential to the reminder's stage and queues its messages (in `audit.outbox`),
    /// unless another node did so first or its expiry changed since; answers whether it did.
    async fn advance_reminder(&self, due: &DueReminder, audit: &AuditRecord) -> StoreResult<bool>;

    // Outbox.
    /// Claims up to `limit` messages due at `now` for delivery until `lease_until`; a node that
    /// dies mid-delivery loses its claim when the lease ends, and another node takes over.
    /// Without `include_email` (no SMTP configured), emails stay where they are.
    async fn claim_outbox(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
        include_email: bool,
    ) -> StoreResult<Vec<OutboxItem>>;
    async fn outbox_delivered(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    async fn outbox_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>)
    -> StoreResult<()>;
    async fn list_outbox(
        &self,
        org_id: Uuid,
        status: Option<OutboxStatus>,
        page: Page,
    ) -> StoreResult<Vec<OutboxItem>>;
    async fn get_outbox(&self, org_id: Uuid, id: Uuid) -> StoreResult<OutboxItem>;
    /// Queues a message again for delivery now, with a fresh count of attempts.
    async fn resend_outbox(
        &self,
        org_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    // Webhook endpoints.
    async fn create_webhook(&self, endpoint: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()>;
    async fn get_webhook(&self, org_id: Uuid, id: Uuid) -> StoreResult<WebhookEndpoint>;
    async fn list_webhooks(&self, org_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>>;
    async fn update_webhook(&self, endpoint: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()>;
    async fn delete_webhook(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;

    // Usage and monitoring.
    /// Verification counts per hour and code, for a token, an API user's tokens, or (both
    /// `None`) the whole organization, from `since`.
    async fn usage_series(
        &self,
        org_id: Uuid,
        token_id: Option<Uuid>,
        api_user_id: Option<Uuid>,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<UsageSeriesPoint>>;
    /// Records an alert unless the same one (kind, subject, window) was raised before, queuing
    /// its messages in the same transaction; answers whether it was new.
    async fn raise_alert(&self, alert: &InsightAlert, audit: &AuditRecord) -> StoreResult<bool>;
    /// Verification counts per token and code in `[from, to)`, across organizations, for
    /// monitoring.
    async fn usage_totals(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<(Uuid, Uuid, VerifyCode, i64)>>;
    /// Alerts raised in an organization since a time, newest first.
    async fn list_alerts(
        &self,
        org_id: Uuid,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<InsightAlert>>;
    // Logging in (OAuth 2.0).
    /// API users with this username in any organization (client ids are ids or usernames).
    async fn find_api_users_by_username(&self, username: &str) -> StoreResult<Vec<ApiUser>>;
    /// An API user with its password hash, for logging in; `None` when deleted or unknown.
    async fn api_user_credentials(&self, id: Uuid) -> StoreResult<Option<(ApiUser, Option<String>)>>;
    /// Keys still published (signing or not yet expired), newest first.
    async fn signing_keys(&self, now: OffsetDateTime) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Adds a signing key; keys signing until now retire, published until `old_publish_until`.
    async fn add_signing_key(
        &self,
        key: &SigningKeyRecord,
        old_publish_until: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;
    /// A named installation secret, created from `generated` the first time it is asked for.
    async fn installation_secret(
        &self,
        name: &str,
        generated: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<u8>>;
    async fn revoke_access_token(
        &self,
        jti: &str,
        org_id: Uuid,
        expires_at: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;
    async fn access_token_revoked(&self, jti: &str) -> StoreResult<bool>;
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
    /// Organizations, for background work that visits each.
    async fn list_organization_ids(&self) -> StoreResult<Vec<Uuid>>;

    // Failed-login throttling, shared by every node.
    /// The remembered state of each of `keys` that has one.
    async fn throttle_states(&self, keys: &[&str]) -> StoreResult<Vec<(String, ThrottleState)>>;
    /// Counts one failure against `key` under `policy`, atomically across nodes; answers the
    /// new state.
    async fn throttle_fail(
        &self,
        key: &str,
        policy: &ThrottlePolicy,
        now: OffsetDateTime,
    ) -> StoreResult<ThrottleState>;
    /// Forgets a key's failures and lockouts (a success, or an administrator's unlock).
    async fn throttle_clear(&self, key: &str) -> StoreResult<()>;
    /// Deletes states that no longer matter; answers how many.
    async fn throttle_prune(&self, now: OffsetDateTime) -> StoreResult<u64>;

    // Audit.
    /// Appends an event on its own, for events with no other write (logins, refusals).
    async fn append_audit(&self, audit: &AuditRecord) -> StoreResult<()>;
    /// Newest first; `before_seq` continues a page.
    async fn list_audit(
        &self,
        org_id: Uuid,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// Walks the whole chain; answers how many events it holds, or where it breaks.
    async fn verify_audit_chain(&self) -> StoreResult<Result<u64, ChainBreak>>;

    // Several nodes.
    /// Announces to every node sharing this database what a write made stale (a no-op where
    /// only one node can use the database).
    async fn broadcast(&self, invalidations: &[Invalidation]) -> StoreResult<()>;
    /// Listens to other nodes' announcements; `None` where there are no other nodes.
    async fn listen(&self) -> StoreResult<Option<Box<dyn InvalidationListener>>>;
}

pub type DynStore = Arc<dyn Store>;

/// What a write made stale, for the verify caches of every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalidation {
    /// One token.
    Token(TokenHash),
    /// Everything of an organization (a group, integration, API user or member changed).
    Organization(Uuid),
}

impl Invalidation {
    pub fn encode(&self) -> String {
        match self {
            Self::Token(h) => {
                let mut s = String::with_capacity(66);
                s.push_str("t:");
                for b in h.as_bytes() {
                    s.push_str(&format!("{b:02x}"));
                }
                s
            }
            Self::Organization(id) => format!("o:{id}"),
        }
    }

    pub fn decode(s: &str) -> Option<Self> {
        match s.split_once(':')? {
            ("t", hex) if hex.len() == 64 => {
                let mut b = [0u8; 32];
                for (i, byte) in b.iter_mut().enumerate() {
                    *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
                }
                Some(Self::Token(TokenHash(b)))
            }
            ("o", id) => Uuid::parse_str(id).ok().map(Self::Organization),
            _ => None,
        }
    }
}

/// Invalidations announced by every node sharing the database.
#[async_trait]
pub trait InvalidationListener: Send {
    /// The next invalidation. An error means the connection was lost and announcements may
    /// have been missed: drop every cached answer and listen again.
    async fn next(&mut self) -> StoreResult<Invalidation>;
}

/// Opens the store a location names: a `postgres://` URL or a SQLite data directory, and
/// applies migrations.
pub async fn open(location: &StoreLocation) -> anyhow::Result<DynStore> {
    open_with(location, true).await
}

/// Opens a store; with `migrate` false, a PostgreSQL schema must already be current (SQLite is
/// embedded and always migrates itself).
pub async fn open_with(location: &StoreLocation, migrate: bool) -> anyhow::Result<DynStore> {
    match location {
        StoreLocation::SqliteDir(dir) => Ok(Arc::new(SqliteStore::open_dir(dir).await?)),
        StoreLocation::Postgres(url) => {
            let store = PostgresStore::connect(url).await?;
            if migrate {
                store.migrate().await?;
            } else {
                store.check_migrated().await?;
            }
            Ok(Arc::new(store))
        }
    }
}

#[derive(Clone, Debug)]
pub enum StoreLocation {
    SqliteDir(std::path::PathBuf),
    Postgres(String),
}

impl StoreLocation {
    /// `--database-url` wins over `--data-dir`.
    pub fn from_options(database_url: Option<&str>, data_dir: &std::path::Path) -> Self {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::Postgres(url.to_owned())
            }
            Some(url) => Self::SqliteDir(url.trim_start_matches("sqlite://").into()),
            None => Self::SqliteDir(data_dir.to_owned()),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => StoreError::Unavailable(anyhow::Error::new(e)),
            // Connection exceptions (08), operator intervention such as a restart (57P), too many
            // connections (53300), a database refusing connections (55000).
            sqlx::Error::Database(ref db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300")
                    || (db.code().as_deref() == Some("55000")
                        && db.message().contains("accepting connections")) =>
            {
                StoreError::Unavailable(anyhow::Error::new(e))
            }
            e => StoreError::Internal(anyhow::Error::new(e).context("database error")),
        }
    }
}

/// Maps a unique-constraint violation to the conflict a caller can act on.
pub(crate) fn unique_or(e: sqlx::Error, conflict: Conflict) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(conflict),
        _ => e.into(),
    }
}

pub use sqlite::{backup as sqlite_backup, integrity_check as sqlite_integrity_check};

/// The database file inside a SQLite data directory.
pub fn sqlite_db_file() -> &'static str {
    sqlite::DB_FILE
}

/// Milliseconds since the Unix epoch, the storage form of every time.
pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
