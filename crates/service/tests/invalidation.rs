//! Every operation that changes what a token may do drops the cached answer at once: a cached
//! VALID answer becomes the right refusal on the very next verification. One row per
//! operation, each on SQLite and on PostgreSQL (a fresh database per row; without a reachable
//! PostgreSQL the PostgreSQL half says so and is skipped, except under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use keyward_core::{IntegrationStatus, VerifyCode, VerifyQuery};
use keyward_service::api_users::{self, UpdateApiUser};
use keyward_service::catalog::{self, UpdateGroup, UpdateIntegration};
use keyward_service::tokens::{self, RotateToken, UpdateToken};
use keyward_store::DynStore;

/// The verification each row makes: from 192.0.2.7, needing contacts:write, through `crm`.
async fn verify(w: &support::World, secret: &str) -> VerifyCode {
    let perms = ["contacts:write"];
    let query = VerifyQuery {
        ip: Some("192.0.2.7".parse::<IpAddr>().unwrap()),
        permissions: &perms[..],
        integration: Some("crm"),
    };
    w.service
        .verifier()
        .verify_with(
            secret,
            &query,
            Some(w.org_id),
            keyward_service::verify::Metering::Cost(1),
            w.service.now(),
            |code, _, _| code,
        )
        .await
        .unwrap()
}

type Op = for<'a> fn(&'a support::World) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// (what the row does, the operation, the code the very next verification must give)
fn rows() -> Vec<(&'static str, Op, VerifyCode)> {
    vec![
        (
            "token suspend",
            |w| {
                Box::pin(async {
                    tokens::suspend(&w.manage(), w.token_id).await.unwrap();
                })
            },
            VerifyCode::Suspended,
        ),
        (
            "token revoke",
            |w| {
                Box::pin(async {
                    tokens::revoke(&w.manage(), w.token_id).await.unwrap();
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
                    tokens::update(&w.manage(), w.token_id, req).await.unwrap();
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
                    tokens::update(&w.manage(), w.token_id, req).await.unwrap();
                })
            },
            VerifyCode::InsufficientPermissions,
        ),
        (
            "token rotate without grace",
            |w| {
                Box::pin(async {
                    tokens::rotate(&w.manage(), w.token_id, RotateToken::default())
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
                    tokens::revoke_all(&w.manage(), Some(&w.api_user)).await.unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "revoke all of the organization's tokens",
            |w| {
                Box::pin(async {
                    tokens::revoke_all(&w.manage(), None).await.unwrap();
                })
            },
            VerifyCode::Revoked,
        ),
        (
            "API user suspend",
            |w| {
                Box::pin(async {
                    api_users::suspend(&w.manage(), &w.api_user).await.unwrap();
                })
            },
            VerifyCode::Suspended,
        ),
        (
            "API user delete",
            |w| {
                Box::pin(async {
                    api_users::delete(&w.manage(), &w.api_user).await.unwrap();
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
                    api_users::update(&w.manage(), &w.api_user, req).await.unwrap();
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
                    api_users::update(&w.manage(), &w.api_user, req).await.unwrap();
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
                    api_users::update(&w.manage(), &w.api_user, req).await.unwrap();
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
                    api_users::update(&w.manage(), &w.api_user, req).await.unwrap();
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
                    catalog::update_group(&w.manage(), w.group_id, req).await.unwrap();
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
                    catalog::update_integration(&w.manage(), w.integration_id, req)
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
                    catalog::update_integration(&w.manage(), w.integration_id, req)
                        .await
                        .unwrap();
                })
            },
            VerifyCode::IpNotAllowed,
        ),
    ]
}

async fn run_rows(open: impl AsyncFn() -> Option<(DynStore, support::Cleanup)>) {
    for (what, op, expected) in rows() {
        let Some((store, cleanup)) = open().await else {
            return;
        };
        let w = support::world(store).await;
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
    run_rows(async || Some(support::sqlite().await)).await;
}

#[tokio::test]
async fn every_write_invalidates_what_it_changed_on_postgres() {
    run_rows(support::postgres).await;
}
