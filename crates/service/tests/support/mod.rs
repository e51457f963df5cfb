//! What the service's integration tests share: a store on SQLite or PostgreSQL with an
//! organization, a super admin, groups, integrations, an API user and its token.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use keyward_core::{Member, Organization, TokenPrefix};
use keyward_service::api_users::{self, CreateApiUser};
use keyward_service::catalog::{self, CreateGroup, CreateIntegration};
use keyward_service::tokens::{self, CreateToken};
use keyward_service::verify::CacheSettings;
use keyward_service::{Caller, KeyRing, ManualClock, Notifier, Principal, Service, Verifier};
use keyward_store::{Actor, AuditRecord, DynStore, MemberCredentials, PostgresStore, SqliteStore};
use time::macros::datetime;
use uuid::Uuid;

/// What a row starts from: an API user restricted to integration `crm`, in group `crm-rw`
/// (contacts:read, contacts:write), holding one token with all of its group's permissions.
pub struct World {
    pub service: Service,
    pub clock: Arc<ManualClock>,
    pub caller: Caller,
    pub org_id: Uuid,
    pub api_user: String,
    pub token_id: Uuid,
    pub secret: String,
    pub group_id: Uuid,
    pub other_group_id: Uuid,
    pub integration_id: Uuid,
    pub other_integration_id: Uuid,
}

impl World {
    /// The administrator's handle to change API credentials.
    pub fn manage(&self) -> keyward_service::context::Manage<'_> {
        self.service.manage(&self.caller).unwrap()
    }
}

pub async fn world(store: DynStore) -> World {
    let now = datetime!(2026-12-01 12:00 UTC);
    let clock = Arc::new(ManualClock::new(now));
    let org = Organization::new("Acme", now);
    let member = Member::super_admin(org.id, "ada@acme.io", "Ada", now);
    let audit = AuditRecord::new(
        Some(org.id),
        now,
        Actor::system("test"),
        "organization.create",
        ("organization", Some(org.id)),
        serde_json::json!({}),
    );
    let owner = MemberCredentials {
        member: member.clone(),
        password_hash: "unused".into(),
    };
    store
        .create_organization(&org, &owner, None, &audit)
        .await
        .unwrap();
    let verifier = Arc::new(Verifier::new(
        TokenPrefix::default(),
        store.clone(),
        CacheSettings::default(),
    ));
    verifier.load_known_tokens().await.unwrap();
    let notifier = Arc::new(Notifier::new(store.clone(), "http://keyward.test".into(), false));
    let keys = Arc::new(
        KeyRing::open(store.clone(), Some([7; 32]), String::new(), String::new(), now)
            .await
            .unwrap(),
    );
    let service = Service::new(store, verifier, notifier, clock.clone(), keys);
    let caller = Caller {
        org_id: org.id,
        principal: Principal::Member(member),
        ip: "127.0.0.1".parse().unwrap(),
        session: None,
    };
    let m = service.manage(&caller).unwrap();
    let group = catalog::create_group(
        &m,
        CreateGroup {
            name: "crm-rw".into(),
            description: String::new(),
            permissions: vec!["contacts:read".into(), "contacts:write".into()],
        },
    )
    .await
    .unwrap();
    let other_group = catalog::create_group(
        &m,
        CreateGroup {
            name: "crm-ro".into(),
            description: String::new(),
            permissions: vec!["contacts:read".into()],
        },
    )
    .await
    .unwrap();
    let integration = |name: &str| CreateIntegration {
        name: name.into(),
        kind: "crm".into(),
        status: None,
        allowed_ips: vec![],
        public_url: None,
    };
    let crm = catalog::create_integration(&m, integration("crm")).await.unwrap();
    let erp = catalog::create_integration(&m, integration("erp")).await.unwrap();
    let user = api_users::create(
        &m,
        serde_json::from_value::<CreateApiUser>(serde_json::json!({
            "username": "crm-sync",
            "permission_group_id": group.id,
            "integration_ids": [crm.id],
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let made = tokens::create(
        &m,
        &user.username,
        CreateToken {
            name: "prod".into(),
            expires_at: None,
            expires_in_days: None,
            permissions: None,
            allowed_ips: vec![],
            integration_id: None,
            metadata: Default::default(),
            ratelimits: vec![],
            credits: None,
        },
    )
    .await
    .unwrap();
    World {
        service,
        clock,
        caller,
        org_id: org.id,
        api_user: user.username,
        token_id: made.token.id,
        secret: made.secret,
        group_id: group.id,
        other_group_id: other_group.id,
        integration_id: crm.id,
        other_integration_id: erp.id,
    }
}

pub type Cleanup = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>>;

/// A fresh SQLite store in a temporary directory.
pub async fn sqlite() -> (DynStore, Cleanup) {
    let dir = tempfile::tempdir().unwrap();
    let store: DynStore = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    (store, Box::new(move || Box::pin(async move { drop(dir) })))
}

/// A fresh PostgreSQL database, or `None` (said loudly; a failure under `CI=true`).
pub async fn postgres() -> Option<(DynStore, Cleanup)> {
    let (admin, url, name) = keyward_store::testing::fresh_postgres_database().await?;
    let store: DynStore = Arc::new(PostgresStore::open(&url).await.unwrap());
    Some((
        store,
        Box::new(move || {
            Box::pin(async move { keyward_store::testing::drop_postgres_database(&admin, &name).await })
        }),
    ))
}
