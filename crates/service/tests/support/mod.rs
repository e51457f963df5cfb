//! What the service's integration tests share: a store on SQLite or PostgreSQL with an
//! organization, a super admin, groups, integrations, an API user and its token.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use keyward_core::TokenPrefix;
use keyward_service::verify::CacheSettings;
use keyward_service::{Caller, KeyRing, ManualClock, Notifier, Principal, Service, Verifier};
use keyward_service::{api_users, catalog, organizations, tokens};
use keyward_store::{DynStore, PostgresStore, SqliteStore};
use serde_json::json;
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

/// An operation's input as an API body states it.
pub fn input<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
    serde_json::from_value(body).unwrap()
}

pub async fn world(store: DynStore) -> World {
    let now = datetime!(2026-12-01 12:00 UTC);
    let clock = Arc::new(ManualClock::new(now));
    let founding = organizations::NewOrganization {
        name: "Acme".into(),
        owner_email: "ada@acme.io".into(),
        owner_name: Some("Ada".into()),
        owner_password: "correct horse battery staple".into(),
    };
    let (org, member) = organizations::create(&store, now, founding, organizations::Via::Cli)
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
        input(json!({"name": "crm-rw", "permissions": ["contacts:read", "contacts:write"]})),
    );
    let group = group.await.unwrap();
    let other_group = catalog::create_group(
        &m,
        input(json!({"name": "crm-ro", "permissions": ["contacts:read"]})),
    );
    let other_group = other_group.await.unwrap();
    let integration = |name: &str| input(json!({ "name": name, "type": "crm" }));
    let crm = catalog::create_integration(&m, integration("crm")).await.unwrap();
    let erp = catalog::create_integration(&m, integration("erp")).await.unwrap();
    let user = json!({"username": "crm-sync", "permission_group_id": group.id, "integration_ids": [crm.id]});
    let user = api_users::create(&m, input(user)).await.unwrap();
    let made = tokens::create(&m, &user.username, input(json!({"name": "prod"})))
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
