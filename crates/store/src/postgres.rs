//! The PostgreSQL store, for several keyward nodes sharing one database.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use keyward_core::verify::{ActingMember, IntegrationRef};
use keyward_core::{
    ApiUser, ApiUserStatus, Environment, Integration, IntegrationStatus, IpAllowList, Member, Organization,
    PermissionGroup, PermissionSet, Role, Token, TokenHash, TokenStatus, VerifyCode, VerifySubject,
};
use serde::de::DeserializeOwned;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Row, SqlSafeStr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditEvent, AuditFilter, AuditRecord, ChainBreak};
use crate::{
    ApiUserFilter, Conflict, Engine, MemberCredentials, NewSession, NewToken, Page, Store, StoreError,
    StoreResult, TokenFilter, UsagePoint, UsageUpdate, from_millis, to_millis, unique_or,
};

fn migrator() -> Migrator {
    Migrator::with_migrations(vec![Migration::new(
        1,
        "init".into(),
        MigrationType::Simple,
        include_str!("../migrations/postgres/0001_init.sql").into_sql_str(),
        false,
    )])
}

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
        migrator()
            .run(&self.write)
            .await
            .context("cannot apply database migrations")
    }

    pub fn pool(&self) -> &PgPool {
        &self.write
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.write.begin().await?)
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
);
