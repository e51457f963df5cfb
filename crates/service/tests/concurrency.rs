//! Concurrent conflicting writes never lose an acknowledged change (issue 18, item 1): rounds
//! of writes that touch the same row at once, on SQLite and on PostgreSQL. A rotated token's
//! end never moves later; a suspension is never undone by a PATCH that read the row before it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use keyward_core::IntegrationStatus;
use keyward_core::{ApiUserStatus, TokenStatus};
use keyward_core::{Integration, PermissionGroup};
use keyward_service::api_users;
use keyward_service::catalog;
use keyward_service::entries::{self, Entry};
use keyward_service::tokens::{self, RotateToken};
use keyward_service::{Manage, ServiceError, ServiceResult};
use keyward_store::DynStore;
use serde_json::{Value, json};
use support::{World, input};
use time::Duration;

const ROUNDS: usize = 12;

/// Three PATCHes (a JSON array of their bodies) sent at once through `update`: all three land.
async fn three_patches_land<T: std::fmt::Debug>(
    update: impl AsyncFn(Value) -> ServiceResult<T>,
    bodies: Value,
) {
    let [a, b, c]: [Value; 3] = serde_json::from_value(bodies).unwrap();
    let (a, b, c) = tokio::join!(update(a), update(b), update(c));
    for r in [a, b, c] {
        r.unwrap();
    }
}

/// Three PATCHes (a JSON array of their bodies) of the plain record `id` sent at once through
/// `update`: all three land, each audited; answers the record as read back after.
async fn three_patches_of<E: Entry + std::fmt::Debug, R: serde::de::DeserializeOwned>(
    m: &Manage<'_>,
    id: uuid::Uuid,
    update: impl AsyncFn(&Manage<'_>, uuid::Uuid, R) -> ServiceResult<E>,
    bodies: Value,
) -> E {
    three_patches_land(async |body| update(m, id, input(body)).await, bodies).await;
    assert_eq!(audited(m, E::ACTIONS[1]).await, 3);
    entries::get::<E>(&m.read(), id).await.unwrap()
}

/// Rotating with a one-second grace while three resumes and a rename run: the old token always
/// ends with its grace period, and is linked to its replacement.
async fn rotation_against_resumes_and_a_rename(w: World) {
    let m = w.manage();
    let grace_ends = w.service.now() + Duration::seconds(1);
    let rotate = tokens::rotate(
        &m,
        w.token_id,
        RotateToken {
            grace_period_seconds: 1,
            ..Default::default()
        },
    );
    let rename = input(json!({"name": "renamed"}));
    let (rotated, r1, r2, r3, renamed) = tokio::join!(
        rotate,
        tokens::resume(&m, w.token_id),
        tokens::resume(&m, w.token_id),
        tokens::resume(&m, w.token_id),
        tokens::update(&m, w.token_id, rename),
    );
    let rotated = rotated.unwrap();
    for r in [r1, r2, r3] {
        r.unwrap();
    }
    renamed.unwrap();
    let old = tokens::get(&m.read(), w.token_id).await.unwrap();
    assert_eq!(
        old.replaced_by,
        Some(rotated.token.id),
        "linked to its replacement"
    );
    assert_eq!(
        old.expires_at,
        Some(grace_ends),
        "the old token ends with its grace period"
    );
    assert_eq!(old.status, TokenStatus::Active);
}

/// Suspending an API user while two PATCHes change its description: it stays suspended, and
/// the audit trail holds every change.
async fn suspension_against_patches(w: World) {
    let m = w.manage();
    let (s, p1, p2) = tokio::join!(
        api_users::suspend(&m, &w.api_user),
        api_users::update(&m, &w.api_user, input(json!({"description": "one"}))),
        api_users::update(&m, &w.api_user, input(json!({"description": "two"}))),
    );
    assert_eq!(s.unwrap().status, ApiUserStatus::Suspended);
    p1.unwrap();
    p2.unwrap();
    let (u, _) = api_users::get(&m.read(), &w.api_user).await.unwrap();
    assert_eq!(
        u.status,
        ApiUserStatus::Suspended,
        "the acknowledged suspension holds"
    );
    assert!(["one", "two"].contains(&u.description.as_str()));
    let trail = keyward_service::audit::list(&m.read(), &Default::default(), 50)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "api_user.suspend").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "api_user.update").count(), 2);
}

/// Suspending a token while it is renamed: it stays suspended, and renamed.
async fn token_suspension_against_a_rename(w: World) {
    let m = w.manage();
    let rename = input(json!({"name": "renamed"}));
    let (s, r) = tokio::join!(
        tokens::suspend(&m, w.token_id),
        tokens::update(&m, w.token_id, rename)
    );
    s.unwrap();
    r.unwrap();
    let t = tokens::get(&m.read(), w.token_id).await.unwrap();
    assert_eq!(t.status, TokenStatus::Suspended);
    assert_eq!(t.name, "renamed");
}

/// How many audit events of `action` the organization's trail holds.
async fn audited(m: &Manage<'_>, action: &str) -> usize {
    let trail = keyward_service::audit::list(&m.read(), &Default::default(), 200)
        .await
        .unwrap();
    trail.iter().filter(|e| e.action == action).count()
}

/// Three PATCHes of different fields of one API user at once: all three land, each audited.
async fn api_user_patches_of_different_fields(w: World) {
    let m = w.manage();
    three_patches_land(
        |c| api_users::update(&m, &w.api_user, input(c)),
        json!([{"name": "CRM"}, {"description": "nightly"}, {"external_id": "ext-1"}]),
    )
    .await;
    let (u, _) = api_users::get(&m.read(), &w.api_user).await.unwrap();
    assert_eq!((u.name.as_str(), u.description.as_str()), ("CRM", "nightly"));
    assert_eq!(u.external_id.as_deref(), Some("ext-1"));
    assert_eq!(audited(&m, "api_user.update").await, 3);
}

/// Two PATCHes of one token and a revocation at once: the revocation holds, and each PATCH
/// either landed before it (and shows) or was refused.
async fn token_patches_against_a_revocation(w: World) {
    let m = w.manage();
    let (renamed, narrowed, revoked) = tokio::join!(
        tokens::update(&m, w.token_id, input(json!({"name": "renamed"}))),
        tokens::update(&m, w.token_id, input(json!({"allowed_ips": ["10.0.0.0/8"]}))),
        tokens::revoke(&m, w.token_id),
    );
    revoked.unwrap();
    let t = tokens::get(&m.read(), w.token_id).await.unwrap();
    assert_eq!(t.status, TokenStatus::Revoked);
    let landed = |r: &ServiceResult<keyward_core::Token>| match r {
        Ok(_) => true,
        Err(ServiceError::Conflict(keyward_store::Conflict::TokenRevoked)) => false,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(landed(&renamed), t.name == "renamed");
    assert_eq!(landed(&narrowed), !t.allowed_ips.is_empty());
    let acknowledged = usize::from(landed(&renamed)) + usize::from(landed(&narrowed));
    assert_eq!(audited(&m, "token.update").await, acknowledged);
}

/// Three PATCHes of different fields of one permission group at once: all three land; the
/// same for an integration.
async fn catalog_patches_of_different_fields(w: World) {
    let m = w.manage();
    let changes = json!([{"name": "renamed"}, {"description": "read only"}, {"permissions": ["deals:read"]}]);
    let id = w.other_group_id;
    let g: PermissionGroup = three_patches_of(&m, id, catalog::update_group, changes).await;
    assert_eq!(
        (g.name.as_str(), g.description.as_str()),
        ("renamed", "read only")
    );
    assert!(g.permissions.grants("deals:read") && g.permissions.iter().count() == 1);

    // An integration made inactive while it is renamed and its IPs change: it stays inactive,
    // and the other two changes land.
    let changes = json!([{"status": "inactive"}, {"name": "crm-2"}, {"allowed_ips": ["10.0.0.0/8"]}]);
    let i: Integration = three_patches_of(&m, w.integration_id, catalog::update_integration, changes).await;
    assert_eq!(
        i.status,
        IntegrationStatus::Inactive,
        "the acknowledged deactivation holds"
    );
    assert_eq!(i.name, "crm-2");
    assert!(!i.allowed_ips.is_empty());
}

/// Deleting an API user while it is patched: it stays deleted.
async fn deletion_against_a_patch(w: World) {
    let m = w.manage();
    let (deleted, patched) = tokio::join!(
        api_users::delete(&m, &w.api_user),
        api_users::update(&m, &w.api_user, input(json!({"description": "late"}))),
    );
    deleted.unwrap();
    match patched {
        Ok(_) => assert_eq!(audited(&m, "api_user.update").await, 1),
        Err(ServiceError::NotFound(_)) => assert_eq!(audited(&m, "api_user.update").await, 0),
        Err(e) => panic!("{e:?}"),
    }
    assert!(matches!(
        api_users::get(&m.read(), &w.api_user).await,
        Err(ServiceError::NotFound(_))
    ));
}

async fn rounds(open: impl AsyncFn() -> Option<(DynStore, support::Cleanup)>) {
    for _ in 0..ROUNDS {
        for case in 0..7 {
            let Some((store, cleanup)) = open().await else {
                return;
            };
            let w = support::world(store).await;
            match case {
                0 => rotation_against_resumes_and_a_rename(w).await,
                1 => suspension_against_patches(w).await,
                2 => token_suspension_against_a_rename(w).await,
                3 => api_user_patches_of_different_fields(w).await,
                4 => token_patches_against_a_revocation(w).await,
                5 => catalog_patches_of_different_fields(w).await,
                _ => deletion_against_a_patch(w).await,
            }
            cleanup().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_writes_lose_nothing_on_sqlite() {
    rounds(async || Some(support::sqlite().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_writes_lose_nothing_on_postgres() {
    rounds(support::postgres).await;
}
