//! A store seeded with many tokens, shared by the verify benchmark and the allocation test.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;

use keyward_core::token::{self, TokenPrefix};
use keyward_core::*;
use keyward_store::{Actor, AuditRecord, DynStore, MemberCredentials, NewToken, SqliteStore};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// The fixed time the fixtures are created at and verified at.
pub const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

/// A SQLite store holding `n` active tokens of one API user.
pub struct Seeded {
    /// Keeps the store's directory alive.
    pub _dir: tempfile::TempDir,
    pub store: DynStore,
    pub org_id: Uuid,
    /// Each token's id, in the order of `secrets`.
    pub ids: Vec<Uuid>,
    /// Each token as presented by its holder.
    pub secrets: Vec<String>,
}

/// The one-threaded runtime the fixtures and the measured calls run on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An audit record for the writes a fixture makes.
pub fn audit(org: Uuid) -> AuditRecord {
    AuditRecord::new(
        Some(org),
        NOW,
        Actor::system("bench"),
        "bench.seed",
        ("organization", None),
        serde_json::json!({}),
    )
}

/// Seeds a fresh SQLite store with `n` tokens through the store's bulk insert.
pub fn seeded(rt: &tokio::runtime::Runtime, n: usize) -> Seeded {
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store: DynStore = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
        let org = Organization::new("bench", NOW);
        let owner = Member::super_admin(org.id, "bench@keyward.invalid", "bench", NOW);
        store
            .create_organization(
                &org,
                &MemberCredentials {
                    member: owner,
                    password_hash: "!".into(),
                },
                None,
                &audit(org.id),
            )
            .await
            .unwrap();
        let permissions = PermissionSet::parse(["bench:read"]).unwrap();
        let group = PermissionGroup::new(org.id, "bench".into(), permissions, NOW);
        store.create_group(&group, &audit(org.id)).await.unwrap();
        let user = ApiUser {
            permission_group_id: Some(group.id),
            ..ApiUser::new(org.id, "bench", NOW)
        };
        store.create_api_user(&user, None, &audit(org.id)).await.unwrap();
        let mut secrets = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut batch = Vec::new();
        for i in 0..n {
            let s = token::generate(&TokenPrefix::default(), Environment::Live).unwrap();
            let id = Uuid::now_v7();
            ids.push(id);
            batch.push(NewToken {
                hash: s.hash,
                token: Token {
                    id,
                    ..Token::new(&user, format!("t{i}"), s.hint.clone(), NOW, None)
                },
            });
            secrets.push(s.into_secret());
            if batch.len() == 50_000 {
                store.seed_tokens(&batch, &audit(org.id)).await.unwrap();
                batch.clear();
            }
        }
        store.seed_tokens(&batch, &audit(org.id)).await.unwrap();
        Seeded {
            _dir: dir,
            store,
            org_id: org.id,
            ids,
            secrets,
        }
    })
}

/// A warm verify's code, as the server reads it: it completes on its first poll (no runtime round
/// trip is measured or allowed), the cached entry handed over in place.
pub fn warm_code(
    verifier: &keyward_service::verify::Verifier,
    presented: &str,
    query: &VerifyQuery<&str>,
) -> VerifyCode {
    use futures_util::FutureExt as _;
    verifier
        .verify_with(
            presented,
            query,
            None,
            keyward_service::verify::Metering::Cost(1),
            NOW,
            |code, _, _| code,
        )
        .now_or_never()
        .expect("a warm verify never waits")
        .unwrap()
}
