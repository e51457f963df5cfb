//! The embedded SQLite store: one file in WAL mode, a pool of readers and a single writer.

use std::path::Path;

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
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditEvent, AuditFilter, AuditRecord, ChainBreak, PreparedAudit};
use crate::checkpoint::{Checkpointer, WRITER_BACKSTOP_PAGES};
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

/// The database file inside a data directory.
pub const DB_FILE: &str = "keyward.db";

pub struct SqliteStore {
    read: SqlitePool,
    /// One connection: SQLite has one writer at a time, and queueing here is fairer than
    /// SQLite's busy handler.
    write: SqlitePool,
    checkpointer: Checkpointer,
}

impl SqliteStore {
    /// Opens (creating if needed) `DIR/keyward.db` and applies migrations.
    pub async fn open_dir(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        Self::open_file(&dir.join(DB_FILE)).await
    }

    pub async fn open_file(path: &Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // 16 KiB pages for a new database (an existing one keeps its own): fewer, fuller
            // pages to write for a bulk import (see checkpoint.rs for the figure); a lookup
            // still reads one leaf of each index it uses.
            .page_size(16 * 1024)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged revoke survives power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Statement journals and sorts in memory rather than in temporary files: a
            // multi-row insert into tables with unique indexes journals every page it touches.
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // The one writer keeps up to 64 MiB of pages (SQLite's default is 2 MiB), so that
            // writes spread over a large token table (bulk seeding, a busy second's usage) are
            // not spilled and read back mid-transaction. Memory is taken only as pages are used.
            .connect_with(
                options
                    .clone()
                    .pragma("cache_size", "-65536")
                    .pragma("wal_autocheckpoint", WRITER_BACKSTOP_PAGES.to_string()),
            )
            .await
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        crate::migrations::migrator(Engine::Sqlite)
            .run(&write)
            .await
            .context("cannot apply database migrations")?;
        let checkpoints = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        Ok(Self {
            read,
            write,
            checkpointer: Checkpointer::start(checkpoints),
        })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.read
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        // IMMEDIATE takes the write lock up front, so another process's writer waits instead of
        // failing half-way through a transaction.
        self.checkpointer.wrote();
        Ok(self.write.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn bulk_writer(&self) -> StoreResult<crate::bulk::BulkWriter<sqlx::Sqlite>> {
        self.checkpointer.wrote();
        Ok(crate::bulk::BulkWriter::<sqlx::Sqlite>::open(self.write.acquire().await?).await?)
    }
}

sql_store!(
    store = SqliteStore,
    db = sqlx::Sqlite,
    row = SqliteRow,
    conn = SqliteConnection,
    engine = Engine::Sqlite,
    // SQLite has one writer at a time (BEGIN IMMEDIATE), so the head needs no row lock.
    lock_head = "",
    skip_locked = "",
    extra = {
        // One node per SQLite file: nobody else to tell.
        async fn broadcast(&self, _invalidations: &[crate::Invalidation]) -> StoreResult<()> {
            Ok(())
        }

        async fn listen(&self) -> StoreResult<Option<Box<dyn crate::InvalidationListener>>> {
            Ok(None)
        }
    },
);

/// A consistent copy of a SQLite data directory's database, taken while it may be serving:
/// `VACUUM INTO` reads one snapshot (WAL keeps writers going meanwhile) and writes a compact
/// database file that a restore can open as is.
pub async fn backup(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let path = dir.join(DB_FILE);
    anyhow::ensure!(path.exists(), "{} holds no keyward database", dir.display());
    anyhow::ensure!(
        !out.exists(),
        "{} exists already; choose a new file",
        out.display()
    );
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let target = out
        .to_str()
        .context("the backup path is not valid UTF-8")?
        .to_owned();
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&pool)
        .await
        .context("the backup failed")?;
    pool.close().await;
    Ok(())
}

/// `PRAGMA integrity_check` of a database file: `Ok` when SQLite finds nothing wrong.
pub async fn integrity_check(file: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await?;
    pool.close().await;
    anyhow::ensure!(rows == ["ok"], "integrity check failed: {}", rows.join("; "));
    Ok(())
}

#[cfg(test)]
mod upgrade {
    use super::*;

    /// A new database at `path` with the migrations before `version` applied, as an older
    /// keyward left it.
    async fn migrated_before(path: &Path, version: i64) -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let mut before = crate::migrations::migrator(Engine::Sqlite);
        before.migrations.to_mut().retain(|m| m.version < version);
        before.run(&pool).await.unwrap();
        pool
    }

    /// Migration 7 rebuilds `members`: a database made before it keeps every member, their
    /// sessions and the API users linked to them, and foreign keys are enforced afterwards.
    #[tokio::test]
    async fn a_database_from_before_org_scoped_emails_keeps_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let pool = migrated_before(&path, 7).await;
        for sql in [
            "INSERT INTO organizations (id, name, created_at) VALUES ('o1', 'Acme', 0)",
            "INSERT INTO members (id, org_id, email, name, role, password_hash, created_at, updated_at, totp_state) \
             VALUES ('m1', 'o1', 'ada@acme.io', 'Ada', 'super_admin', 'h', 0, 0, 'active')",
            "INSERT INTO sessions (hash, member_id, org_id, created_at, expires_at) VALUES (x'01', 'm1', 'o1', 0, 9)",
            "INSERT INTO api_users (id, org_id, username, name, description, status, environment, linked_member_id, \
             integration_ids, allowed_ips, metadata, created_at, updated_at) \
             VALUES ('u1', 'o1', 'crm-sync', '', '', 'active', 'live', 'm1', '[]', '[]', '{}', 0, 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open_file(&path).await.unwrap();
        let count = |sql: &'static str| {
            let pool = store.write.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM members WHERE totp_state = 'active'").await,
            1
        );
        assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 1);
        assert_eq!(
            count("SELECT COUNT(*) FROM api_users WHERE linked_member_id = 'm1'").await,
            1
        );
        assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check").await, 0);
        assert_eq!(count("SELECT foreign_keys FROM pragma_foreign_keys").await, 1);
        // The same email in another organization is allowed now; in the same one it is not.
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ('o2', 'Globex', 0)")
            .execute(&store.write)
            .await
            .unwrap();
        let insert = |org: &'static str, id: &'static str| {
            sqlx::query(
                "INSERT INTO members (id, org_id, email, name, role, password_hash, created_at, updated_at) \
                 VALUES ($1, $2, 'ada@acme.io', 'Ada', 'admin', 'h', 0, 0)",
            )
            .bind(id)
            .bind(org)
            .execute(&store.write)
        };
        insert("o2", "m2").await.unwrap();
        assert!(insert("o1", "m3").await.is_err());
        // Foreign keys hold again: a session of no member is refused.
        assert!(
            sqlx::query("INSERT INTO sessions (hash, member_id, org_id, created_at, expires_at) VALUES (x'02', 'nobody', 'o1', 0, 9)")
                .execute(&store.write)
                .await
                .is_err()
        );
    }

    /// Migration 15 rebuilds `tokens` with its hash indexed by the first 8 bytes: a database
    /// made before it keeps its tokens and what refers to them, a token is still found by its
    /// hash, a second hash with the same first 8 bytes is refused, and foreign keys hold.
    #[tokio::test]
    async fn a_database_from_before_the_hash_prefix_keeps_its_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let pool = migrated_before(&path, 15).await;
        let token = |id: &str, api_user: &str, hash: &str| {
            format!(
                "INSERT INTO tokens (id, org_id, api_user_id, name, hint, hash, allowed_ips, status, created_at) \
                 VALUES ('{id}', 'o1', '{api_user}', '{id}', 'h', x'{hash}', '[]', 'active', 0)"
            )
        };
        for sql in [
            "INSERT INTO organizations (id, name, created_at) VALUES ('o1', 'Acme', 0)".to_owned(),
            "INSERT INTO api_users (id, org_id, username, name, description, status, environment, \
             integration_ids, allowed_ips, metadata, created_at, updated_at) \
             VALUES ('u1', 'o1', 'crm-sync', '', '', 'active', 'live', '[]', '[]', '{}', 0, 0)"
                .to_owned(),
            token("t1", "u1", &"11".repeat(32)),
            "INSERT INTO leaked_tokens (token_id, org_id, reported_at, source_url, reporter, action) \
             VALUES ('t1', 'o1', 0, 'https://example.com', 'github', 'revoke')"
                .to_owned(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open_file(&path).await.unwrap();
        let count = |sql: &'static str| {
            let pool = store.write.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(count("SELECT COUNT(*) FROM tokens").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM leaked_tokens").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check").await, 0);
        assert_eq!(count("SELECT foreign_keys FROM pragma_foreign_keys").await, 1);
        // Found by the hash through the prefix index, as verify and import look tokens up.
        let lookup = format!(
            "WHERE substr(hash, 1, 8) = substr(x'{0}', 1, 8) AND hash = x'{0}'",
            "11".repeat(32)
        );
        let found: String =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM tokens {lookup}")))
                .fetch_one(&store.write)
                .await
                .unwrap();
        assert_eq!(found, "t1");
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN SELECT id FROM tokens {lookup}"
        )))
        .fetch_all(&store.write)
        .await
        .unwrap();
        assert!(
            plan.iter()
                .any(|(_, _, _, step)| step.contains("USING INDEX tokens_hash_prefix")),
            "{plan:?}"
        );
        let insert = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&store.write);
        // Same first 8 bytes, different hash: refused. A different prefix: taken.
        assert!(
            insert(token(
                "t2",
                "u1",
                &format!("{}{}", "11".repeat(8), "22".repeat(24))
            ))
            .await
            .is_err()
        );
        insert(token("t3", "u1", &"33".repeat(32))).await.unwrap();
        // A token of no API user is refused: the rebuilt table keeps its references.
        assert!(insert(token("t4", "nobody", &"44".repeat(32))).await.is_err());
    }

    /// A bulk write turns foreign keys off on the writer for its transaction only: they are on
    /// again after it, and a writer dropped half-way (a request cancelled) is not reused.
    #[tokio::test]
    async fn a_bulk_writer_leaves_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).await.unwrap();
        let enforced = || async {
            sqlx::query_scalar::<_, i64>("SELECT foreign_keys FROM pragma_foreign_keys")
                .fetch_one(&store.write)
                .await
                .unwrap()
        };
        let mut writer = store.bulk_writer().await.unwrap();
        let tx = writer.begin().await.unwrap();
        tx.commit().await.unwrap();
        writer.finish().await;
        assert_eq!(enforced().await, 1);

        let mut writer = store.bulk_writer().await.unwrap();
        let tx = writer.begin().await.unwrap();
        drop(tx);
        drop(writer);
        assert_eq!(enforced().await, 1);
    }
}
