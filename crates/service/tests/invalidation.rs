//! Every operation that changes what a token may do drops the cached answer at once: a cached
//! VALID answer becomes the right refusal on the very next verification. One row per
//! operation, each on SQLite and on PostgreSQL (a fresh database per row; without a reachable
//! PostgreSQL the PostgreSQL half says so and is skipped, except under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use keyward_core::{IntegrationStatus, Member, Organization, Role, TokenPrefix, VerifyCode, VerifyQuery};
use keyward_service::api_users::{self, CreateApiUser, UpdateApiUser};
use keyward_service::catalog::{self, CreateGroup, CreateIntegration, UpdateGroup, UpdateIntegration};
use keyward_service::tokens::{self, CreateToken, RotateToken, UpdateToken};
use keyward_service::verify::CacheSettings;
use keyward_service::{Caller, KeyRing, ManualClock, Notifier, Principal, Service, Verifier};
use keyward_store::{Actor, AuditRecord, DynStore, MemberCredentials, PostgresStore, SqliteStore};
use time::macros::datetime;
use uuid::Uuid;

/// What a row starts from: an API user restricted to integration `crm`, in group `crm-rw`
/// (contacts:read, contacts:write), holding one token with all of its group's permissions.
struct World {
    service: Service,
    clock: Arc<ManualClock>,
    caller: Caller,
    org_id: Uuid,
    api_user: String,
    token_id: Uuid,
    secret: String,
    group_id: Uuid,
    other_group_id: Uuid,
    integration_id: Uuid,
    other_integration_id: Uuid,
}

/// The verification each row makes: from 192.0.2.7, needing contacts:write, through `crm`.
async fn verify(w: &World, secret: &str) -> VerifyCode {
    let perms = ["contacts:write"];
    let query = VerifyQuery {
        ip: Some("192.0.2.7".parse::<IpAddr>().unwrap()),
        permissions: &perms[..],
        integration: Some("crm"),
    };
    w.service
        .verifier()
        .verify_with(secret, &query, Some(w.org_id), w.service.now(), |code, _| code)
        .await
        .unwrap()
}

async fn world(store: DynStore) -> World {
    let now = datetime!(2026-12-01 12:00 UTC);
    let clock = Arc::new(ManualClock::new(now));
    let org = Organization {
        id: Uuid::now_v7(),
        name: "Acme".into(),
        created_at: now,
    };
    let member = Member {
        id: Uuid::now_v7(),
        org_id: org.id,
        email: "ada@acme.io".into(),
        name: "Ada".into(),
        role: Role::SuperAdmin,
        permission_group_id: None,
        created_at: now,
    };
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

type Op = for<'a> fn(&'a World) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// (what the row does, the operation, the code the very next verification must give)
fn rows() -> Vec<(&'static str, Op, VerifyCode)> {
    vec![
        (
            "token suspend",
            |w| {
                Box::pin(async {
                    tokens::suspend(&w.service.manage(&w.caller).unwrap(), w.token_id)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Suspended,
        ),
        (
            "token revoke",
            |w| {
                Box::pin(async {
                    tokens::revoke(&w.service.manage(&w.caller).unwrap(), w.token_id)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "token allowed IPs",
            |w| {
                Box::pin(async {
                    let req = UpdateToken {
                        allowed_ips: Some(vec!["10.0.0.0/8".into()]),
                        ..Default::default()
                    };
                    tokens::update(&w.service.manage(&w.caller).unwrap(), w.token_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::IpNotAllowed,
        ),
        (
            "token permissions",
            |w| {
                Box::pin(async {
                    let req = UpdateToken {
                        permissions: Some(Some(vec!["contacts:read".into()])),
                        ..Default::default()
                    };
                    tokens::update(&w.service.manage(&w.caller).unwrap(), w.token_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::InsufficientPermissions,
        ),
        (
            "token rotate without grace",
            |w| {
                Box::pin(async {
                    tokens::rotate(
                        &w.service.manage(&w.caller).unwrap(),
                        w.token_id,
                        RotateToken::default(),
                    )
                    .await
                    .unwrap();
                })
            },
            VerifyCode::Expired,
        ),
        (
            "revoke all of an API user's tokens",
            |w| {
                Box::pin(async {
                    tokens::revoke_all(&w.service.manage(&w.caller).unwrap(), Some(&w.api_user))
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "revoke all of the organization's tokens",
            |w| {
                Box::pin(async {
                    tokens::revoke_all(&w.service.manage(&w.caller).unwrap(), None)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "API user suspend",
            |w| {
                Box::pin(async {
                    api_users::suspend(&w.service.manage(&w.caller).unwrap(), &w.api_user)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Suspended,
        ),
        (
            "API user delete",
            |w| {
                Box::pin(async {
                    api_users::delete(&w.service.manage(&w.caller).unwrap(), &w.api_user)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "API user allowed IPs",
            |w| {
                Box::pin(async {
                    let req = UpdateApiUser {
                        allowed_ips: Some(vec!["10.0.0.0/8".into()]),
                        ..Default::default()
                    };
                    api_users::update(&w.service.manage(&w.caller).unwrap(), &w.api_user, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::IpNotAllowed,
        ),
        (
            "API user integrations",
            |w| {
                Box::pin(async {
                    let req = UpdateApiUser {
                        integration_ids: Some(vec![w.other_integration_id]),
                        ..Default::default()
                    };
                    api_users::update(&w.service.manage(&w.caller).unwrap(), &w.api_user, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::IntegrationNotAllowed,
        ),
        (
            "API user permission group",
            |w| {
                Box::pin(async {
                    let req = UpdateApiUser {
                        permission_group_id: Some(Some(w.other_group_id)),
                        ..Default::default()
                    };
                    api_users::update(&w.service.manage(&w.caller).unwrap(), &w.api_user, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::InsufficientPermissions,
        ),
        (
            "API user expiry",
            |w| {
                Box::pin(async {
                    let soon = w.service.now() + time::Duration::hours(1);
                    let req = UpdateApiUser {
                        expires_at: Some(Some(soon)),
                        ..Default::default()
                    };
                    api_users::update(&w.service.manage(&w.caller).unwrap(), &w.api_user, req)
                        .await
                        .unwrap();
                    w.clock.advance(time::Duration::hours(2));
                })
            },
            VerifyCode::Expired,
        ),
        (
            "group permissions",
            |w| {
                Box::pin(async {
                    let req = UpdateGroup {
                        permissions: Some(vec!["contacts:read".into()]),
                        ..Default::default()
                    };
                    catalog::update_group(&w.service.manage(&w.caller).unwrap(), w.group_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::InsufficientPermissions,
        ),
        (
            "integration inactive",
            |w| {
                Box::pin(async {
                    let req = UpdateIntegration {
                        status: Some(IntegrationStatus::Inactive),
                        ..Default::default()
                    };
                    catalog::update_integration(&w.service.manage(&w.caller).unwrap(), w.integration_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::Suspended,
        ),
        (
            "integration allowed IPs",
            |w| {
                Box::pin(async {
                    let req = UpdateIntegration {
                        allowed_ips: Some(vec!["10.0.0.0/8".into()]),
                        ..Default::default()
                    };
                    catalog::update_integration(&w.service.manage(&w.caller).unwrap(), w.integration_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::IpNotAllowed,
        ),
    ]
}

async fn run_rows(
    open: impl AsyncFn() -> Option<(DynStore, Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>>)>,
) {
    for (what, op, expected) in rows() {
        let Some((store, cleanup)) = open().await else {
            return;
        };
        let w = world(store).await;
        assert_eq!(verify(&w, &w.secret).await, VerifyCode::Valid, "{what}: before");
        // The answer is cached now: a second verification reads no storage.
        assert_eq!(verify(&w, &w.secret).await, VerifyCode::Valid, "{what}: cached");
        op(&w).await;
        assert_eq!(
            verify(&w, &w.secret).await,
            expected,
            "{what}: the very next verification"
        );
        drop(w);
        cleanup().await;
    }
}

#[tokio::test]
async fn every_write_invalidates_what_it_changed_on_sqlite() {
    run_rows(async || {
        let dir = tempfile::tempdir().unwrap();
        let store: DynStore = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
        let cleanup: Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>> =
            Box::new(move || Box::pin(async move { drop(dir) }));
        Some((store, cleanup))
    })
    .await;
}

#[tokio::test]
async fn every_write_invalidates_what_it_changed_on_postgres() {
    run_rows(async || {
        let (admin, url, name) = keyward_store::testing::fresh_postgres_database().await?;
        let store = PostgresStore::open(&url).await.unwrap();
        let store: DynStore = Arc::new(store);
        let cleanup: Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>> = Box::new(move || {
            Box::pin(async move { keyward_store::testing::drop_postgres_database(&admin, &name).await })
        });
        Some((store, cleanup))
    })
    .await;
}
