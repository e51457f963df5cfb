//! keyward's storage. Callers see one [`Store`] trait; each database has its own module with
//! its SQL written out. Every method that changes state takes the [`AuditRecord`] describing
//! the change and appends it in the same transaction, so a change and its audit event are
//! written together or not at all.

#[macro_use]
mod sql;
pub mod audit;
mod bulk;
mod checkpoint;
pub mod copy;
mod migrations;
mod postgres;
mod sqlite;
pub mod stores;
pub mod testing;
mod usage;

pub use stores::api_users::ApiUserStore;
pub use stores::audit::AuditStore;
pub use stores::catalog::CatalogStore;
pub use stores::credits::{CreditOwner, CreditStore, Lease, Settlement};
pub use stores::leaks::LeakStore;
pub use stores::members::MemberStore;
pub use stores::oauth::OAuthStore;
pub use stores::organizations::OrganizationStore;
pub use stores::outbox::OutboxStore;
pub use stores::ratelimits::{PermitRequest, RateLimitStore};
pub use stores::reminders::ReminderStore;
pub use stores::routes::{MAX_ROUTES, RouteStore};
pub use stores::throttle::ThrottleStore;
pub use stores::tokens::TokenStore;
pub use stores::totp::TotpStore;
pub use stores::usage::UsageStore;
pub use stores::webhooks::WebhookStore;

/// The aggregates' traits, for calling their methods on a [`DynStore`].
pub mod prelude {
    pub use crate::ApiUserStore;
    pub use crate::AuditStore;
    pub use crate::CatalogStore;
    pub use crate::CreditStore;
    pub use crate::LeakStore;
    pub use crate::MemberStore;
    pub use crate::OAuthStore;
    pub use crate::OrganizationStore;
    pub use crate::OutboxStore;
    pub use crate::RateLimitStore;
    pub use crate::ReminderStore;
    pub use crate::RouteStore;
    pub use crate::Store;
    pub use crate::ThrottleStore;
    pub use crate::TokenStore;
    pub use crate::TotpStore;
    pub use crate::UsageStore;
    pub use crate::WebhookStore;
}

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use keyward_core::{
    ApiUser, ApiUserStatus, Environment, Integration, Member, OrgSettings, Organization, PermissionGroup,
    ReminderStage, Route, ThrottlePolicy, ThrottleState, Token, TokenHash, TokenStatus, VerifyCode,
    VerifySubject, WebhookEndpoint,
};
use time::OffsetDateTime;
use uuid::Uuid;

pub use audit::{AUDIT_ACTIONS, Actor, ActorKind, AuditEvent, AuditFilter, AuditRecord, ChainBreak, Outcome};
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
    #[error("a member of this organization already has this email")]
    EmailTaken,
    #[error("an API user with this username already exists")]
    UsernameTaken,
    #[error("a token with this name already exists")]
    TokenNameTaken,
    #[error("a permission group with this name already exists")]
    GroupNameTaken,
    #[error("an integration with this name already exists")]
    IntegrationNameTaken,
    #[error("the organization has a route of this method and path already")]
    RouteTaken,
    #[error("the permission group is used by API users or members; reassign them first")]
    GroupInUse,
    #[error("the integration is used by API users, tokens or routes; remove it from them first")]
    IntegrationInUse,
    #[error("the member is linked to API users; unlink them first")]
    MemberInUse,
    #[error("the token is revoked; a revoked token cannot be changed")]
    TokenRevoked,
    #[error("an organization needs at least one super admin")]
    LastSuperAdmin,
    #[error("two-factor authentication is on already; remove it first (with a code) to enrol again")]
    TotpActive,
    /// The record changed between the read and the write; the service reads again and retries.
    #[error("the record was changed by another request at the same time; try again")]
    Stale,
}

impl Conflict {
    pub fn code(self) -> &'static str {
        match self {
            Self::EmailTaken => "email_taken",
            Self::UsernameTaken => "username_taken",
            Self::TokenNameTaken => "token_name_taken",
            Self::GroupNameTaken => "group_name_taken",
            Self::IntegrationNameTaken => "integration_name_taken",
            Self::RouteTaken => "route_taken",
            Self::GroupInUse => "group_in_use",
            Self::IntegrationInUse => "integration_in_use",
            Self::MemberInUse => "member_in_use",
            Self::TokenRevoked => "token_revoked",
            Self::LastSuperAdmin => "last_super_admin",
            Self::TotpActive => "totp_active",
            Self::Stale => "concurrent_update",
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
    /// Imported before this time (and so still in its old system's format).
    pub imported_before: Option<OffsetDateTime>,
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

/// A token found where it should not be, and what was done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenLeak {
    pub token_id: Uuid,
    pub org_id: Uuid,
    pub reported_at: OffsetDateTime,
    /// Where it was found: a URL, or what the reporter said.
    pub source_url: String,
    /// Who said so: `github`, `gitlab` or `keyward`.
    pub reporter: String,
    pub action: keyward_core::LeakedTokenAction,
}

/// keyward's storage: one trait per aggregate (see `stores/`), implemented for SQLite and
/// PostgreSQL (see `sql/`). Every read and write of organization data is scoped by `org_id`; a
/// record of another organization is `NotFound`. Bring the aggregates' traits into scope with
/// `use keyward_store::prelude::*`.
#[async_trait]
pub trait Store:
    OrganizationStore
    + MemberStore
    + ThrottleStore
    + CatalogStore
    + CreditStore
    + ApiUserStore
    + TokenStore
    + LeakStore
    + UsageStore
    + OutboxStore
    + RateLimitStore
    + ReminderStore
    + RouteStore
    + WebhookStore
    + OAuthStore
    + TotpStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    fn engine(&self) -> Engine;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

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
    /// An organization's route catalog (its tokens stand as they were).
    Routes(Uuid),
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
            Self::Routes(id) => format!("r:{id}"),
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
            ("r", id) => Uuid::parse_str(id).ok().map(Self::Routes),
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
