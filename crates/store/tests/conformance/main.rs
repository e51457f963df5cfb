//! One conformance suite for every store: each test runs against SQLite and PostgreSQL.
//! PostgreSQL comes from `KEYWARD_TEST_POSTGRES_URL` (default: the local server with trust
//! auth); each test gets a fresh database. Without a reachable PostgreSQL the PostgreSQL half
//! says so and is skipped — except under `CI=true`, where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use keyward_core::*;
use keyward_store::*;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

/// A store under test and what must be cleaned up after it.
struct Fixture {
    store: DynStore,
    _dir: Option<tempfile::TempDir>,
    pg_db: Option<(String, String)>,
}

impl Fixture {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).await.unwrap();
        Self {
            store: Arc::new(store),
            _dir: Some(dir),
            pg_db: None,
        }
    }

    async fn postgres() -> Option<Self> {
        let (admin_url, db_url, name) = keyward_store::testing::fresh_postgres_database().await?;
        let store = PostgresStore::open(&db_url).await.unwrap();
        Some(Self {
            store: Arc::new(store),
            _dir: None,
            pg_db: Some((admin_url, name)),
        })
    }

    async fn finish(self) {
        drop(self.store);
        if let Some((admin, name)) = self.pg_db {
            keyward_store::testing::drop_postgres_database(&admin, &name).await;
        }
    }
}

macro_rules! conformance {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = Fixture::sqlite().await;
                ($body)(f.store.clone()).await;
                f.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(f) = Fixture::postgres().await else {
                    return;
                };
                ($body)(f.store.clone()).await;
                f.finish().await;
            }
        }
    };
}

/// Asserts a store answer is `NotFound`.
#[track_caller]
fn not_found<T: std::fmt::Debug>(answer: StoreResult<T>) {
    assert!(matches!(answer, Err(StoreError::NotFound)), "{answer:?}");
}

/// Asserts a store answer is this conflict.
#[track_caller]
fn conflict<T: std::fmt::Debug>(answer: StoreResult<T>, want: Conflict) {
    assert!(
        matches!(answer, Err(StoreError::Conflict(c)) if c == want),
        "{answer:?}"
    );
}

/// Asserts a store answer refuses this field.
#[track_caller]
fn invalid<T: std::fmt::Debug>(answer: StoreResult<T>, want: &str) {
    assert!(
        matches!(&answer, Err(StoreError::Invalid { field, .. }) if *field == want),
        "{answer:?}"
    );
}

/// The audit record of a write that only sets the scene.
fn seed(org: Uuid) -> AuditRecord {
    audit(Some(org), "dev.seed")
}

fn audit(org: Option<Uuid>, action: &'static str) -> AuditRecord {
    AuditRecord::new(
        org,
        NOW,
        Actor::system("test"),
        action,
        ("test", None),
        json!({"k": "v"}),
    )
    .from_ip("127.0.0.1")
}

async fn org(store: &DynStore, email: &str) -> (Uuid, Uuid) {
    let org = Organization::new(format!("org of {email}"), NOW);
    let member = Member::super_admin(org.id, email, "Owner", NOW);
    let creds = MemberCredentials {
        member: member.clone(),
        password_hash: "$argon2id$fake".into(),
    };
    store
        .create_organization(&org, &creds, None, &audit(Some(org.id), "organization.create"))
        .await
        .unwrap();
    (org.id, member.id)
}

fn group(org: Uuid, name: &str, perms: &[&str]) -> PermissionGroup {
    PermissionGroup::new(org, name.into(), PermissionSet::parse(perms).unwrap(), NOW)
}

fn integration(org: Uuid, name: &str, ips: &[&str]) -> Integration {
    Integration {
        allowed_ips: IpAllowList::parse(ips).unwrap(),
        ..Integration::new(org, name.into(), "crm".into(), NOW)
    }
}

fn api_user(org: Uuid, username: &str, group: Option<Uuid>) -> ApiUser {
    ApiUser {
        permission_group_id: group,
        external_id: Some("ext-1".into()),
        metadata: serde_json::from_value(json!({"tier": "gold"})).unwrap(),
        ..ApiUser::new(org, username, NOW)
    }
}

fn token(user: &ApiUser, name: &str) -> NewToken {
    let secret = keyward_core::token::generate(&TokenPrefix::default(), user.environment).unwrap();
    NewToken {
        hash: secret.hash,
        token: Token::new(user, name.into(), secret.hint.clone(), NOW, Some("test".into())),
    }
}

mod audit;
mod catalog;
mod identity;
mod limits;
mod reminders;
mod throttle;
mod tokens;
mod usage;
