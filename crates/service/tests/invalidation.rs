//! Every operation that changes what a token may do drops the cached answer at once: a cached
//! VALID answer becomes the right refusal on the very next verification. One row per
//! operation, each on SQLite and on PostgreSQL (a fresh database per row; without a reachable
//! PostgreSQL the PostgreSQL half says so and is skipped, except under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::IpAddr;

use Write::*;
use keyward_core::{VerifyCode, VerifyQuery};
use keyward_service::api_users::{self, UpdateApiUser};
use keyward_service::{catalog, tokens};
use keyward_store::DynStore;
use serde_json::json;
use support::{World, input};

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

/// A write a row makes, through the operations crate; its name says what it does.
#[derive(Clone, Copy, Debug)]
enum Write {
    SuspendToken,
    RevokeToken,
    /// Rotates with no grace period: the old token ends at once.
    RotateToken,
    RevokeApiUsersTokens,
    RevokeOrganizationsTokens,
    SuspendApiUser,
    DeleteApiUser,
    /// Sets the API user's expiry an hour ahead, then lets two hours pass.
    ExpireApiUser,
    /// Restricts the API user to the world's other integration.
    MoveApiUserToOtherIntegration,
    /// Gives the API user the world's other (read-only) group.
    MoveApiUserToOtherGroup,
    /// A PATCH with this JSON body.
    PatchToken(&'static str),
    PatchApiUser(&'static str),
    PatchGroup(&'static str),
    PatchIntegration(&'static str),
}

const NARROW_IPS: &str = r#"{"allowed_ips": ["10.0.0.0/8"]}"#;
const READ_ONLY: &str = r#"{"permissions": ["contacts:read"]}"#;

/// A change as a PATCH body states it.
fn patch<T: serde::de::DeserializeOwned>(body: &str) -> T {
    input(body.parse().unwrap())
}

impl Write {
    async fn apply(self, w: &World) {
        let (m, user) = (w.manage(), &w.api_user);
        match self {
            SuspendToken => tokens::suspend(&m, w.token_id).await.map(drop),
            RevokeToken => tokens::revoke(&m, w.token_id).await.map(drop),
            RotateToken => tokens::rotate(&m, w.token_id, Default::default()).await.map(drop),
            RevokeApiUsersTokens => tokens::revoke_all(&m, Some(user)).await.map(drop),
            RevokeOrganizationsTokens => tokens::revoke_all(&m, None).await.map(drop),
            SuspendApiUser => api_users::suspend(&m, user).await.map(drop),
            DeleteApiUser => api_users::delete(&m, user).await.map(drop),
            ExpireApiUser => {
                let soon = w.service.now() + time::Duration::hours(1);
                let req = UpdateApiUser {
                    expires_at: Some(Some(soon)),
                    ..Default::default()
                };
                let updated = api_users::update(&m, user, req).await.map(drop);
                w.clock.advance(time::Duration::hours(2));
                updated
            }
            MoveApiUserToOtherIntegration => {
                let body = json!({ "integration_ids": [w.other_integration_id] });
                api_users::update(&m, user, input(body)).await.map(drop)
            }
            MoveApiUserToOtherGroup => {
                let body = json!({ "permission_group_id": w.other_group_id });
                api_users::update(&m, user, input(body)).await.map(drop)
            }
            PatchToken(body) => tokens::update(&m, w.token_id, patch(body)).await.map(drop),
            PatchApiUser(body) => api_users::update(&m, user, patch(body)).await.map(drop),
            PatchGroup(body) => catalog::update_group(&m, w.group_id, patch(body)).await.map(drop),
            PatchIntegration(body) => {
                let id = w.integration_id;
                catalog::update_integration(&m, id, patch(body)).await.map(drop)
            }
        }
        .unwrap();
    }
}

/// (the write, the code the very next verification must give)
fn rows() -> Vec<(Write, VerifyCode)> {
    use VerifyCode::*;
    vec![
        (SuspendToken, Suspended),
        (RevokeToken, Revoked),
        (PatchToken(NARROW_IPS), IpNotAllowed),
        (PatchToken(READ_ONLY), InsufficientPermissions),
        (RotateToken, Expired),
        (RevokeApiUsersTokens, Revoked),
        (RevokeOrganizationsTokens, Revoked),
        (SuspendApiUser, Suspended),
        (DeleteApiUser, Revoked),
        (PatchApiUser(NARROW_IPS), IpNotAllowed),
        (MoveApiUserToOtherIntegration, IntegrationNotAllowed),
        (MoveApiUserToOtherGroup, InsufficientPermissions),
        (ExpireApiUser, Expired),
        (PatchGroup(READ_ONLY), InsufficientPermissions),
        (PatchIntegration(r#"{"status": "inactive"}"#), Suspended),
        (PatchIntegration(NARROW_IPS), IpNotAllowed),
    ]
}

async fn run_rows(open: impl AsyncFn() -> Option<(DynStore, support::Cleanup)>) {
    for (op, expected) in rows() {
        let what = format!("{op:?}");
        let Some((store, cleanup)) = open().await else {
            return;
        };
        let w = support::world(store).await;
        assert_eq!(verify(&w, &w.secret).await, VerifyCode::Valid, "{what}: before");
        // The answer is cached now: a second verification reads no storage.
        assert_eq!(verify(&w, &w.secret).await, VerifyCode::Valid, "{what}: cached");
        op.apply(&w).await;
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
