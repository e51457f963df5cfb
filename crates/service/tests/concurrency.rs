//! Concurrent conflicting writes never lose an acknowledged change (issue 18, item 1): rounds
//! of writes that touch the same row at once, on SQLite and on PostgreSQL. A rotated token's
//! end never moves later; a suspension is never undone by a PATCH that read the row before it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use keyward_core::{ApiUserStatus, TokenStatus};
use keyward_service::api_users::{self, UpdateApiUser};
use keyward_service::tokens::{self, RotateToken, UpdateToken};
use keyward_store::DynStore;
use time::Duration;

const ROUNDS: usize = 12;

/// Rotating with a one-second grace while three resumes and a rename run: the old token always
/// ends with its grace period, and is linked to its replacement.
async fn rotation_against_resumes_and_a_rename(store: DynStore) {
    let w = support::world(store).await;
    let m = w.service.manage(&w.caller).unwrap();
    let grace_ends = w.service.now() + Duration::seconds(1);
    let rotate = tokens::rotate(
        &m,
        w.token_id,
        RotateToken {
            grace_period_seconds: 1,
            ..Default::default()
        },
    );
    let rename = UpdateToken {
        name: Some("renamed".into()),
        ..Default::default()
    };
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
async fn suspension_against_patches(store: DynStore) {
    let w = support::world(store).await;
    let m = w.service.manage(&w.caller).unwrap();
    let patch = |d: &str| UpdateApiUser {
        description: Some(d.into()),
        ..Default::default()
    };
    let (s, p1, p2) = tokio::join!(
        api_users::suspend(&m, &w.api_user),
        api_users::update(&m, &w.api_user, patch("one")),
        api_users::update(&m, &w.api_user, patch("two")),
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
async fn token_suspension_against_a_rename(store: DynStore) {
    let w = support::world(store).await;
    let m = w.service.manage(&w.caller).unwrap();
    let rename = UpdateToken {
        name: Some("renamed".into()),
        ..Default::default()
    };
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

async fn rounds(open: impl AsyncFn() -> Option<(DynStore, support::Cleanup)>) {
    for _ in 0..ROUNDS {
        for case in 0..3 {
            let Some((store, cleanup)) = open().await else {
                return;
            };
            match case {
                0 => rotation_against_resumes_and_a_rename(store).await,
                1 => suspension_against_patches(store).await,
                _ => token_suspension_against_a_rename(store).await,
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
