//! The PostgreSQL store, for several keyward nodes sharing one database.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use keyward_core::verify::{ActingMember, IntegrationRef};
use keyward_core::{
    ApiUser, ApiUserStatus, Environment, Integration, IntegrationStatus, IpAllowList, Member, Organization,
    PermissionGroup, PermissionSet, Role, Route, ThrottlePolicy, ThrottleState, Token, TokenHash,
    TokenStatus, VerifyCode, VerifySubject,
};
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgListener, PgPool, PgPoolOptions, PgRow};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditEvent, AuditFilter, AuditRecord, ChainBreak, PreparedAudit};
use crate::prelude::*;
use crate::{
    ApiUserFilter, Conflict, Engine, MemberCredentials, NewSession, NewToken, Page, Store, StoreError,
    StoreResult, TokenFilter, UsagePoint, UsageUpdate, from_millis, to_millis, unique_or,
};
use crate::{
    Channel, DueReminder, InsightAlert, NewNetwork, OutboxItem, OutboxMessage, OutboxStatus, ReminderSubject,
    UsageSeriesPoint,
};
use crate::{SigningKeyRecord, TokenLeak, TotpOwner, TotpRecord};
use keyward_core::audit::AuditEntry;
use keyward_core::{AuthMethod, LeakedTokenAction, OrgSettings, ReminderStage, WebhookEndpoint};

pub struct PostgresStore {
    read: PgPool,
    write: PgPool,
}

impl PostgresStore {
    /// Connects and applies migrations (under PostgreSQL's advisory lock, so several nodes
    /// starting at once migrate once).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL")?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        crate::migrations::migrator(Engine::Postgres)
            .run(&self.write)
            .await
            .context("cannot apply database migrations")
    }

    /// For nodes that must not migrate: fails unless every migration this build knows is applied.
    pub async fn check_migrated(&self) -> anyhow::Result<()> {
        let latest = crate::migrations::migrator(Engine::Postgres)
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.write)
                .await
                .unwrap_or(None);
        match applied {
            Some(v) if v >= latest => Ok(()),
            _ => anyhow::bail!("the database schema is not up to date; run `keyward migrate` first"),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.write
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.write.begin().await?)
    }

    async fn bulk_writer(&self) -> StoreResult<crate::bulk::BulkWriter<sqlx::Postgres>> {
        Ok(crate::bulk::BulkWriter::<sqlx::Postgres>::open(self.write.acquire().await?).await?)
    }
}

sql_store!(
    store = PostgresStore,
    db = sqlx::Postgres,
    row = PgRow,
    conn = PgConnection,
    engine = Engine::Postgres,
    // Writers on several nodes: the head row lock serializes appends to the chain.
    lock_head = " FOR UPDATE",
    skip_locked = " FOR UPDATE SKIP LOCKED",
    extra = {
        async fn broadcast(&self, invalidations: &[crate::Invalidation]) -> StoreResult<()> {
            if invalidations.is_empty() {
                return Ok(());
            }
            // One round trip for any number (a bulk import announces thousands of hashes): the
            // notifications go out together, in order, when the statement commits.
            let payloads: Vec<String> = invalidations.iter().map(|i| i.encode()).collect();
            sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
                .bind(CHANNEL)
                .bind(payloads)
                .execute(&self.write)
                .await?;
            Ok(())
        }

        async fn listen(&self) -> StoreResult<Option<Box<dyn crate::InvalidationListener>>> {
            let mut listener = PgListener::connect_with(&self.write).await?;
            // Reconnection is ours to do: a lost connection must be seen, not papered over.
            listener.ignore_pool_close_event(true);
            listener.listen(CHANNEL).await?;
            Ok(Some(Box::new(Listener(listener))))
        }
    },
);

/// The PostgreSQL channel on which nodes announce what they made stale.
const CHANNEL: &str = "keyward_invalidate";

struct Listener(PgListener);

#[async_trait]
impl crate::InvalidationListener for Listener {
    async fn next(&mut self) -> StoreResult<crate::Invalidation> {
        loop {
            match self.0.try_recv().await? {
                Some(n) => match crate::Invalidation::decode(n.payload()) {
                    Some(inv) => return Ok(inv),
                    None => tracing::warn!(payload = n.payload(), "ignoring an unknown invalidation"),
                },
                None => {
                    return Err(StoreError::Internal(anyhow::anyhow!(
                        "the notification connection was lost; invalidations may have been missed"
                    )));
                }
            }
        }
    }
}
