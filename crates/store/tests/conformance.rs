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

fn audit(org: Option<Uuid>, action: &'static str) -> AuditRecord {
    AuditRecord {
        id: Uuid::now_v7(),
        org_id: org,
        at: NOW,
        actor_kind: "system",
        actor_id: None,
        actor_label: "test".into(),
        action,
        target_type: "test",
        target_id: None,
        source_ip: Some("127.0.0.1".into()),
        outcome: "success",
        details: json!({"k": "v"}),
        outbox: Vec::new(),
    }
}

async fn org(store: &DynStore, email: &str) -> (Uuid, Uuid) {
    let org = Organization {
        id: Uuid::now_v7(),
        name: format!("org of {email}"),
        created_at: NOW,
    };
    let member = Member {
        id: Uuid::now_v7(),
        org_id: org.id,
        email: email.into(),
        name: "Owner".into(),
        role: Role::SuperAdmin,
        permission_group_id: None,
        created_at: NOW,
    };
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
    PermissionGroup {
        id: Uuid::now_v7(),
        org_id: org,
        name: name.into(),
        description: String::new(),
        permissions: PermissionSet::parse(perms).unwrap(),
        created_at: NOW,
        updated_at: NOW,
    }
}

fn integration(org: Uuid, name: &str, ips: &[&str]) -> Integration {
    Integration {
        id: Uuid::now_v7(),
        org_id: org,
        name: name.into(),
        kind: "crm".into(),
        status: IntegrationStatus::Active,
        allowed_ips: IpAllowList::parse(ips).unwrap(),
        public_url: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn api_user(org: Uuid, username: &str, group: Option<Uuid>) -> ApiUser {
    ApiUser {
        id: Uuid::now_v7(),
        org_id: org,
        username: username.into(),
        name: username.into(),
        description: String::new(),
        status: ApiUserStatus::Active,
        environment: Environment::Live,
        permission_group_id: group,
        linked_member_id: None,
        integration_ids: vec![],
        allowed_ips: IpAllowList::default(),
        expires_at: None,
        contact_email: None,
        external_id: Some("ext-1".into()),
        metadata: serde_json::from_value(json!({"tier": "gold"})).unwrap(),
        has_password: false,
        auth_method: AuthMethod::Token,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn token(user: &ApiUser, name: &str) -> NewToken {
    let secret = keyward_core::token::generate(&TokenPrefix::default(), user.environment).unwrap();
    NewToken {
        hash: secret.hash,
        token: Token {
            id: Uuid::now_v7(),
            org_id: user.org_id,
            api_user_id: user.id,
            name: name.into(),
            hint: secret.hint.clone(),
            permissions: None,
            integration_id: None,
            allowed_ips: IpAllowList::default(),
            expires_at: None,
            status: TokenStatus::Active,
            created_at: NOW,
            created_by: Some("test".into()),
            revoked_at: None,
            last_used_at: None,
            last_used_ip: None,
            use_count: 0,
            rotated_from: None,
            replaced_by: None,
        },
    }
}

conformance!(members_and_sessions, |store: DynStore| async move {
    assert_eq!(store.organization_count().await.unwrap(), 0);
    let (org_id, owner) = org(&store, "ada@acme.io").await;
    assert_eq!(store.organization_count().await.unwrap(), 1);
    let creds = store.member_credentials("ada@acme.io").await.unwrap().unwrap();
    assert_eq!(creds.member.id, owner);
    assert_eq!(creds.password_hash, "$argon2id$fake");
    assert!(
        store
            .member_credentials("nobody@acme.io")
            .await
            .unwrap()
            .is_none()
    );

    let hash = TokenHash::of("kws_session");
    store
        .create_session(&NewSession {
            hash,
            member_id: owner,
            org_id,
            created_at: NOW,
            expires_at: NOW + Duration::hours(1),
        })
        .await
        .unwrap();
    assert_eq!(store.session_member(hash, NOW).await.unwrap().unwrap().id, owner);
    assert!(
        store
            .session_member(hash, NOW + Duration::hours(1))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.delete_session(hash).await.unwrap();
    assert!(store.session_member(hash, NOW).await.unwrap().is_none());

    // Emails are unique across the installation.
    let (other_org, _) = org(&store, "hank@globex.io").await;
    let dup = MemberCredentials {
        member: Member {
            id: Uuid::now_v7(),
            org_id: other_org,
            email: "ada@acme.io".into(),
            name: "x".into(),
            role: Role::Admin,
            permission_group_id: None,
            created_at: NOW,
        },
        password_hash: "h".into(),
    };
    assert!(matches!(
        store
            .create_member(&dup, &audit(Some(other_org), "member.create"))
            .await,
        Err(StoreError::Conflict(Conflict::EmailTaken))
    ));
    // The last super admin stays; scoped reads.
    let mut m = store.get_member(org_id, owner).await.unwrap();
    m.role = Role::Admin;
    assert!(matches!(
        store
            .update_member(&m, None, &audit(Some(org_id), "member.update"))
            .await,
        Err(StoreError::Conflict(Conflict::LastSuperAdmin))
    ));
    assert!(matches!(
        store.get_member(other_org, owner).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .delete_member(other_org, owner, &audit(Some(other_org), "member.delete"))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.list_members(org_id, Page::first(10)).await.unwrap().len(),
        1
    );
});

conformance!(setup_link_is_single_use, |store: DynStore| async move {
    let hash = TokenHash::of("setup-secret");
    store
        .put_setup_token(hash, NOW + Duration::hours(24))
        .await
        .unwrap();
    let org = Organization {
        id: Uuid::now_v7(),
        name: "Acme".into(),
        created_at: NOW,
    };
    let member = Member {
        id: Uuid::now_v7(),
        org_id: org.id,
        email: "ada@acme.io".into(),
        name: "Ada".into(),
        role: Role::SuperAdmin,
        permission_group_id: None,
        created_at: NOW,
    };
    let creds = MemberCredentials {
        member,
        password_hash: "h".into(),
    };
    let wrong = store
        .create_organization(
            &org,
            &creds,
            Some((TokenHash::of("guess"), NOW)),
            &audit(Some(org.id), "organization.create"),
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::SetupLinkInvalid)));
    assert_eq!(
        store.organization_count().await.unwrap(),
        0,
        "nothing half-written"
    );
    store
        .create_organization(
            &org,
            &creds,
            Some((hash, NOW)),
            &audit(Some(org.id), "organization.create"),
        )
        .await
        .unwrap();
    let again = Organization {
        id: Uuid::now_v7(),
        ..org.clone()
    };
    let reuse = store
        .create_organization(
            &again,
            &creds,
            Some((hash, NOW)),
            &audit(Some(again.id), "organization.create"),
        )
        .await;
    assert!(matches!(reuse, Err(StoreError::SetupLinkInvalid)));
});

conformance!(groups_integrations_and_scoping, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    let (b, _) = org(&store, "hank@globex.io").await;
    let g = group(a, "crm", &["contacts:read"]);
    store
        .create_group(&g, &audit(Some(a), "permission_group.create"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_group(&group(a, "crm", &[]), &audit(Some(a), "x"))
            .await,
        Err(StoreError::Conflict(Conflict::GroupNameTaken))
    ));
    store
        .create_group(&group(b, "crm", &[]), &audit(Some(b), "x"))
        .await
        .unwrap();
    assert_eq!(store.get_group(a, g.id).await.unwrap(), g);
    assert!(matches!(
        store.get_group(b, g.id).await,
        Err(StoreError::NotFound)
    ));

    let i = integration(a, "salesforce", &["10.0.0.0/8"]);
    store
        .create_integration(&i, &audit(Some(a), "integration.create"))
        .await
        .unwrap();
    assert_eq!(store.get_integration(a, i.id).await.unwrap(), i);
    let mut u = api_user(a, "crm-sync", Some(g.id));
    u.integration_ids = vec![i.id];
    store
        .create_api_user(&u, None, &audit(Some(a), "api_user.create"))
        .await
        .unwrap();

    // In use: a conflict for the owner, but NotFound for anyone else.
    assert!(matches!(
        store.delete_group(a, g.id, &audit(Some(a), "x")).await,
        Err(StoreError::Conflict(Conflict::GroupInUse))
    ));
    assert!(matches!(
        store.delete_group(b, g.id, &audit(Some(b), "x")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_integration(a, i.id, &audit(Some(a), "x")).await,
        Err(StoreError::Conflict(Conflict::IntegrationInUse))
    ));
    assert!(matches!(
        store.delete_integration(b, i.id, &audit(Some(b), "x")).await,
        Err(StoreError::NotFound)
    ));
    let mut other = i.clone();
    other.org_id = b;
    assert!(matches!(
        store.update_integration(&other, &audit(Some(b), "x")).await,
        Err(StoreError::NotFound)
    ));

    // References must stay inside the organization; a refused write leaves nothing behind.
    let before = store
        .list_audit(b, &AuditFilter::default(), 100)
        .await
        .unwrap()
        .len();
    let sneaky = api_user(b, "sneaky", Some(g.id));
    assert!(matches!(
        store
            .create_api_user(&sneaky, None, &audit(Some(b), "api_user.create"))
            .await,
        Err(StoreError::Invalid {
            field: "permission_group_id",
            ..
        })
    ));
    let mut sneaky = api_user(b, "sneaky", None);
    sneaky.integration_ids = vec![i.id];
    assert!(matches!(
        store
            .create_api_user(&sneaky, None, &audit(Some(b), "api_user.create"))
            .await,
        Err(StoreError::Invalid {
            field: "integration_ids",
            ..
        })
    ));
    assert!(
        store
            .list_api_users(b, &ApiUserFilter::default(), Page::first(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_audit(b, &AuditFilter::default(), 100)
            .await
            .unwrap()
            .len(),
        before
    );

    // Unused: deletable.
    store
        .delete_api_user(a, u.id, NOW, &audit(Some(a), "api_user.delete"))
        .await
        .unwrap();
    store
        .delete_integration(a, i.id, &audit(Some(a), "integration.delete"))
        .await
        .unwrap();
    store
        .delete_group(a, g.id, &audit(Some(a), "permission_group.delete"))
        .await
        .unwrap();
    assert!(store.list_groups(a, Page::first(10)).await.unwrap().is_empty());
});

conformance!(api_users_filters_and_pages, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    let g = group(a, "crm", &["contacts:read"]);
    store.create_group(&g, &audit(Some(a), "x")).await.unwrap();
    for name in ["alpha", "beta", "gamma_1", "delta"] {
        store
            .create_api_user(&api_user(a, name, Some(g.id)), None, &audit(Some(a), "x"))
            .await
            .unwrap();
    }
    assert!(matches!(
        store
            .create_api_user(&api_user(a, "beta", None), None, &audit(Some(a), "x"))
            .await,
        Err(StoreError::Conflict(Conflict::UsernameTaken))
    ));
    let mut beta = store.find_api_user(a, "beta").await.unwrap();
    assert_eq!(beta.metadata["tier"], "gold");
    beta.status = ApiUserStatus::Suspended;
    beta.environment = Environment::Sandbox;
    beta.expires_at = Some(NOW + Duration::days(3));
    store.update_api_user(&beta, &audit(Some(a), "x")).await.unwrap();
    assert_eq!(store.get_api_user(a, beta.id).await.unwrap(), beta);

    let f = |search: Option<&str>, status: Option<ApiUserStatus>| ApiUserFilter {
        search: search.map(str::to_owned),
        status,
        environment: None,
    };
    let names = |v: Vec<ApiUser>| v.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(
        names(
            store
                .list_api_users(a, &f(Some("ALP"), None), Page::first(10))
                .await
                .unwrap()
        ),
        ["alpha"]
    );
    assert_eq!(
        names(
            store
                .list_api_users(a, &f(Some("a_1"), None), Page::first(10))
                .await
                .unwrap()
        ),
        ["gamma_1"],
        "_ is literal"
    );
    assert_eq!(
        names(
            store
                .list_api_users(a, &f(Some("%"), None), Page::first(10))
                .await
                .unwrap()
        ),
        Vec::<String>::new(),
        "% is literal"
    );
    assert_eq!(
        names(
            store
                .list_api_users(a, &f(None, Some(ApiUserStatus::Suspended)), Page::first(10))
                .await
                .unwrap()
        ),
        ["beta"]
    );
    let sandbox = ApiUserFilter {
        environment: Some(Environment::Sandbox),
        ..Default::default()
    };
    assert_eq!(
        names(store.list_api_users(a, &sandbox, Page::first(10)).await.unwrap()),
        ["beta"]
    );

    let first = store
        .list_api_users(a, &ApiUserFilter::default(), Page::first(2))
        .await
        .unwrap();
    let rest = store
        .list_api_users(
            a,
            &ApiUserFilter::default(),
            Page {
                after: Some(first[1].id),
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(names(first), ["alpha", "beta"]);
    assert_eq!(names(rest), ["gamma_1", "delta"]);

    store
        .set_api_user_password(a, beta.id, Some("$argon2id$x"), NOW, &audit(Some(a), "x"))
        .await
        .unwrap();
    assert!(store.get_api_user(a, beta.id).await.unwrap().has_password);
    store
        .set_api_user_password(a, beta.id, None, NOW, &audit(Some(a), "x"))
        .await
        .unwrap();
    assert!(!store.get_api_user(a, beta.id).await.unwrap().has_password);
});

conformance!(tokens_and_verify_subjects, |store: DynStore| async move {
    let (a, owner) = org(&store, "ada@acme.io").await;
    let (b, _) = org(&store, "hank@globex.io").await;
    let g = group(a, "crm", &["contacts:read", "orders:*"]);
    store.create_group(&g, &audit(Some(a), "x")).await.unwrap();
    let i = integration(a, "salesforce", &["10.0.0.0/8"]);
    store.create_integration(&i, &audit(Some(a), "x")).await.unwrap();
    let mut u = api_user(a, "crm-sync", Some(g.id));
    u.integration_ids = vec![i.id];
    u.allowed_ips = IpAllowList::parse(["10.1.0.0/16"]).unwrap();
    store
        .create_api_user(&u, None, &audit(Some(a), "x"))
        .await
        .unwrap();

    let mut t1 = token(&u, "prod");
    t1.token.permissions = Some(PermissionSet::parse(["contacts:read"]).unwrap());
    t1.token.integration_id = Some(i.id);
    t1.token.allowed_ips = IpAllowList::parse(["10.1.2.0/24"]).unwrap();
    t1.token.expires_at = Some(NOW + Duration::days(10));
    store
        .create_token(&t1, &audit(Some(a), "token.create"))
        .await
        .unwrap();
    assert!(matches!(
        store.create_token(&token(&u, "prod"), &audit(Some(a), "x")).await,
        Err(StoreError::Conflict(Conflict::TokenNameTaken))
    ));
    assert_eq!(store.get_token(a, t1.token.id).await.unwrap(), t1.token);
    assert!(matches!(
        store.get_token(b, t1.token.id).await,
        Err(StoreError::NotFound)
    ));
    let mut cross = token(&u, "cross");
    cross.token.org_id = b;
    assert!(matches!(
        store.create_token(&cross, &audit(Some(b), "x")).await,
        Err(StoreError::NotFound)
    ));

    // The whole path in one read.
    let s = store.verify_subject(t1.hash).await.unwrap().unwrap();
    assert_eq!(s.token_id, t1.token.id);
    assert_eq!(s.org_id, a);
    assert_eq!(s.username, "crm-sync");
    assert_eq!(s.token_permissions, t1.token.permissions);
    assert_eq!(s.group_permissions, g.permissions);
    assert_eq!(s.token_integration.as_ref().unwrap().name, "salesforce");
    assert_eq!(s.api_user_integrations.len(), 1);
    assert_eq!(s.api_user_ips, u.allowed_ips);
    assert_eq!(s.token_expires_at, t1.token.expires_at);
    assert_eq!(s.external_id.as_deref(), Some("ext-1"));
    let q = VerifyQuery::<String> {
        ip: Some("10.1.2.3".parse().unwrap()),
        permissions: &["contacts:read".into()],
        integration: Some("salesforce"),
    };
    assert_eq!(decide(Some(&s), &q, NOW), VerifyCode::Valid);
    assert!(
        store
            .verify_subject(TokenHash::of("unknown"))
            .await
            .unwrap()
            .is_none()
    );

    // A linked member's group replaces the profile's.
    let g2 = group(a, "ops", &["tickets:*"]);
    store.create_group(&g2, &audit(Some(a), "x")).await.unwrap();
    let mut m = store.get_member(a, owner).await.unwrap();
    m.permission_group_id = Some(g2.id);
    store.update_member(&m, None, &audit(Some(a), "x")).await.unwrap();
    let mut linked = api_user(a, "bot", None);
    linked.linked_member_id = Some(owner);
    store
        .create_api_user(&linked, None, &audit(Some(a), "x"))
        .await
        .unwrap();
    let lt = token(&linked, "t");
    store.create_token(&lt, &audit(Some(a), "x")).await.unwrap();
    let ls = store.verify_subject(lt.hash).await.unwrap().unwrap();
    assert_eq!(ls.group_permissions, g2.permissions);
    assert_eq!(ls.acting_member.unwrap().email, "ada@acme.io");

    // Update, suspend, revoke.
    let mut changed = t1.token.clone();
    changed.status = TokenStatus::Suspended;
    changed.name = "prod-2".into();
    assert_eq!(
        store.update_token(&changed, &audit(Some(a), "x")).await.unwrap(),
        t1.hash
    );
    assert_eq!(
        store.verify_subject(t1.hash).await.unwrap().unwrap().token_status,
        TokenStatus::Suspended
    );
    let t2 = token(&u, "second");
    store.create_token(&t2, &audit(Some(a), "x")).await.unwrap();
    assert_eq!(
        store
            .revoke_token(a, t1.token.id, NOW, &audit(Some(a), "x"))
            .await
            .unwrap(),
        t1.hash
    );
    assert!(matches!(
        store.update_token(&changed, &audit(Some(a), "x")).await,
        Err(StoreError::Conflict(Conflict::TokenRevoked))
    ));
    store
        .create_token(&token(&u, "prod-2"), &audit(Some(a), "x"))
        .await
        .unwrap();

    // Filters.
    let list = |f: TokenFilter| {
        let store = store.clone();
        async move { store.list_tokens(a, &f, Page::first(50)).await.unwrap() }
    };
    assert_eq!(
        list(TokenFilter {
            status: Some(TokenStatus::Revoked),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        list(TokenFilter {
            api_user_id: Some(u.id),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        list(TokenFilter {
            expiring: Some((NOW, NOW + Duration::days(30))),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        list(TokenFilter {
            unused_since: Some(NOW + Duration::days(1)),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    let counts = store.token_counts(a, &[u.id, linked.id]).await.unwrap();
    assert_eq!(counts, vec![(u.id, 2), (linked.id, 1)]);

    // Revoke-all for a user, then deleting a user revokes the rest.
    let hashes = store
        .revoke_all_tokens(a, Some(u.id), NOW, &audit(Some(a), "token.revoke_all"))
        .await
        .unwrap();
    assert_eq!(hashes.len(), 2);
    assert!(hashes.contains(&t2.hash));
    let gone = store
        .delete_api_user(a, linked.id, NOW, &audit(Some(a), "api_user.delete"))
        .await
        .unwrap();
    assert_eq!(gone, vec![lt.hash]);
    assert_eq!(
        store.verify_subject(lt.hash).await.unwrap().unwrap().token_status,
        TokenStatus::Revoked
    );
    assert!(matches!(
        store.get_api_user(a, linked.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .revoke_all_tokens(a, None, NOW, &audit(Some(a), "x"))
            .await
            .unwrap()
            .is_empty()
    );
});

conformance!(usage_batches_merge, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    let u = api_user(a, "crm-sync", None);
    store
        .create_api_user(&u, None, &audit(Some(a), "x"))
        .await
        .unwrap();
    let t = token(&u, "prod");
    store.create_token(&t, &audit(Some(a), "x")).await.unwrap();
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let hour = datetime!(2026-11-24 12:00 UTC);
    let batch = |at: OffsetDateTime, from: &str, valid: u64, denied: u64| UsageUpdate {
        token_id: t.token.id,
        last_used_at: at,
        last_used_ip: ip(from),
        hour,
        counts: vec![(VerifyCode::Valid, valid), (VerifyCode::IpNotAllowed, denied)],
        ips: vec![from.parse().unwrap()],
    };
    // Two nodes' batches, the newer one first: the latest time wins, counts add up.
    store
        .record_usage(&[batch(NOW + Duration::seconds(30), "203.0.113.2", 5, 1)])
        .await
        .unwrap();
    store
        .record_usage(&[batch(NOW + Duration::seconds(10), "203.0.113.1", 3, 0)])
        .await
        .unwrap();
    let got = store.get_token(a, t.token.id).await.unwrap();
    assert_eq!(got.use_count, 9);
    assert_eq!(got.last_used_at, Some(NOW + Duration::seconds(30)));
    assert_eq!(got.last_used_ip.as_deref(), Some("203.0.113.2"));
    let points = store
        .token_usage(a, t.token.id, NOW - Duration::days(1))
        .await
        .unwrap();
    let count = |c: VerifyCode| {
        points
            .iter()
            .filter(|p| p.code == c)
            .map(|p| p.count)
            .sum::<i64>()
    };
    assert_eq!(count(VerifyCode::Valid), 8);
    assert_eq!(count(VerifyCode::IpNotAllowed), 1);
    assert!(store.record_usage(&[]).await.unwrap().is_empty());

    // The hourly series counts distinct IPs across batches, for a token, its user or the org.
    for (token_id, user_id) in [(Some(t.token.id), None), (None, Some(u.id)), (None, None)] {
        let series = store
            .usage_series(a, token_id, user_id, NOW - Duration::days(1))
            .await
            .unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].hour, hour);
        assert_eq!(series[0].distinct_ips, 2);
        assert!(series[0].counts.contains(&(VerifyCode::Valid, 8)));
    }
    // Both addresses share a /24: the first batch found the network, the second did not.
    let new = store
        .record_usage(&[batch(NOW + Duration::seconds(40), "198.51.100.7", 1, 0)])
        .await
        .unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].network, "198.51.100.0/24");
    assert!(new[0].had_others);
    assert_eq!(new[0].org_id, a);
});

conformance!(
    usage_flush_of_many_tokens_spans_several_statements,
    |store: DynStore| async move {
        // More tokens than one multi-row statement holds, each used in two hours, one batch.
        let (a, _) = org(&store, "ada@acme.io").await;
        let u = api_user(a, "crm-sync", None);
        store
            .create_api_user(&u, None, &audit(Some(a), "x"))
            .await
            .unwrap();
        let tokens: Vec<NewToken> = (0..1_201).map(|i| token(&u, &format!("t{i}"))).collect();
        store.seed_tokens(&tokens, &audit(Some(a), "x")).await.unwrap();
        let h1 = datetime!(2026-11-24 11:00 UTC);
        let h2 = datetime!(2026-11-24 12:00 UTC);
        let mut batch = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let from: IpAddr = format!("10.{}.{}.1", i / 250, i % 250).parse().unwrap();
            for (hour, at, n) in [
                (h1, h1 + Duration::minutes(59), 2u64),
                (h2, h2 + Duration::minutes(1), 3u64),
            ] {
                batch.push(UsageUpdate {
                    token_id: t.token.id,
                    last_used_at: at,
                    last_used_ip: Some(from),
                    hour,
                    counts: vec![(VerifyCode::Valid, n), (VerifyCode::Expired, 1)],
                    ips: vec![from],
                });
            }
        }
        let new = store.record_usage(&batch).await.unwrap();
        // Every token met its network for the first time, once.
        assert_eq!(new.len(), tokens.len());
        assert!(new.iter().all(|n| !n.had_others));
        for t in [&tokens[0], &tokens[600], &tokens[1_200]] {
            let got = store.get_token(a, t.token.id).await.unwrap();
            assert_eq!(got.use_count, 2 + 1 + 3 + 1);
            assert_eq!(got.last_used_at, Some(h2 + Duration::minutes(1)));
            let points = store
                .token_usage(a, t.token.id, h1 - Duration::days(1))
                .await
                .unwrap();
            assert_eq!(points.len(), 4);
            assert!(
                points
                    .iter()
                    .any(|p| p.hour == h1 && p.code == VerifyCode::Valid && p.count == 2)
            );
            assert!(
                points
                    .iter()
                    .any(|p| p.hour == h2 && p.code == VerifyCode::Valid && p.count == 3)
            );
        }
        let series = store
            .usage_series(a, None, None, h1 - Duration::days(1))
            .await
            .unwrap();
        assert_eq!(series.len(), 2);
        assert!(series.iter().all(|s| s.distinct_ips == 1_201));
        assert!(series.iter().all(|s| s.counts.contains(&(
            VerifyCode::Valid,
            if s.hour == h1 { 2 * 1_201 } else { 3 * 1_201 }
        ))));
        // The same batch again adds up and finds no new network.
        assert!(store.record_usage(&batch).await.unwrap().is_empty());
        let got = store.get_token(a, tokens[7].token.id).await.unwrap();
        assert_eq!(got.use_count, 14);
    }
);

conformance!(settings_rotation_and_reminders, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    assert_eq!(store.get_settings(a).await.unwrap(), OrgSettings::default());
    let mut settings = OrgSettings::default();
    settings.expiry_policy.max_lifetime_days = Some(90);
    settings.expiry_policy.allow_no_expiry = false;
    store
        .update_settings(a, &settings, &audit(Some(a), "settings.update"))
        .await
        .unwrap();
    assert_eq!(store.get_settings(a).await.unwrap(), settings);

    let mut u = api_user(a, "crm-sync", None);
    u.contact_email = Some("dev@crm.io".into());
    store
        .create_api_user(&u, None, &audit(Some(a), "x"))
        .await
        .unwrap();
    let mut t = token(&u, "prod");
    t.token.expires_at = Some(NOW + Duration::days(31));
    store.create_token(&t, &audit(Some(a), "x")).await.unwrap();

    // Nothing due a day before the 30-day mark; then the month stage, once.
    assert!(store.due_reminders(NOW, 10).await.unwrap().is_empty());
    let later = NOW + Duration::days(1);
    let due = store.due_reminders(later, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].stage, ReminderStage::Month);
    assert_eq!(due[0].token.as_ref().unwrap().0, "prod");
    assert_eq!(due[0].contact_email.as_deref(), Some("dev@crm.io"));
    let mut rec = audit(Some(a), "token.reminder");
    rec.outbox.push(OutboxMessage {
        id: Uuid::now_v7(),
        org_id: a,
        channel: Channel::Email,
        event: "token.expiring".into(),
        recipient: "ada@acme.io".into(),
        subject: "expiring".into(),
        body: "body".into(),
    });
    assert!(store.advance_reminder(&due[0], &rec).await.unwrap());
    assert!(
        !store.advance_reminder(&due[0], &rec).await.unwrap(),
        "a stage goes out once"
    );
    assert!(store.due_reminders(later, 10).await.unwrap().is_empty());
    let queued = store
        .list_outbox(a, Some(OutboxStatus::Pending), Page::first(10))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "queued with the stage, not twice");

    // A jump past several stages sends only the latest.
    let due = store.due_reminders(NOW + Duration::days(31), 10).await.unwrap();
    assert_eq!(due[0].stage, ReminderStage::Expired);

    // Rotation: the new token takes the name while the old one lives on until its grace ends.
    let mut new = token(&u, "prod");
    new.token.rotated_from = Some(t.token.id);
    let grace_end = NOW + Duration::hours(1);
    let old_hash = store
        .rotate_token(&new, grace_end, &audit(Some(a), "token.rotate"))
        .await
        .unwrap();
    assert_eq!(old_hash, t.hash);
    let old = store.get_token(a, t.token.id).await.unwrap();
    assert_eq!(old.replaced_by, Some(new.token.id));
    assert_eq!(old.expires_at, Some(grace_end));
    assert_eq!(old.status, TokenStatus::Active);
    assert_eq!(
        store.get_token(a, new.token.id).await.unwrap().rotated_from,
        Some(t.token.id)
    );
    // A replaced token gets no reminders, and cannot be rotated again.
    assert!(
        store
            .due_reminders(NOW + Duration::days(40), 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.id != t.token.id)
    );
    let mut again = token(&u, "prod");
    again.token.rotated_from = Some(t.token.id);
    assert!(matches!(
        store
            .rotate_token(&again, grace_end, &audit(Some(a), "token.rotate"))
            .await,
        Err(StoreError::Conflict(Conflict::TokenRevoked))
    ));
    // The name is still taken by the live replacement.
    assert!(matches!(
        store.create_token(&token(&u, "prod"), &audit(Some(a), "x")).await,
        Err(StoreError::Conflict(Conflict::TokenNameTaken))
    ));
});

conformance!(
    outbox_claims_retries_and_dead_letters,
    |store: DynStore| async move {
        let (a, _) = org(&store, "ada@acme.io").await;
        let msg = |channel: Channel, to: &str| OutboxMessage {
            id: Uuid::now_v7(),
            org_id: a,
            channel,
            event: "token.created".into(),
            recipient: to.into(),
            subject: "s".into(),
            body: "b".into(),
        };
        let mut rec = audit(Some(a), "token.create");
        rec.outbox = vec![
            msg(Channel::Email, "ada@acme.io"),
            msg(Channel::Webhook, "endpoint"),
        ];
        store.append_audit(&rec).await.unwrap();

        let lease = NOW + Duration::minutes(1);
        // Without SMTP only webhooks are taken.
        let got = store.claim_outbox(NOW, lease, 10, false).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message.channel, Channel::Webhook);
        assert_eq!(got[0].attempts, 1);
        // Claimed messages are not handed out twice while their lease runs…
        let email = store.claim_outbox(NOW, lease, 10, true).await.unwrap();
        assert_eq!(email.len(), 1);
        assert_eq!(email[0].message.channel, Channel::Email);
        assert!(store.claim_outbox(NOW, lease, 10, true).await.unwrap().is_empty());
        // …but are again once it ends (the node holding them died).
        let retaken = store
            .claim_outbox(lease, lease + Duration::minutes(1), 10, true)
            .await
            .unwrap();
        assert_eq!(retaken.len(), 2);

        store.outbox_delivered(email[0].message.id, NOW).await.unwrap();
        let hook = got[0].message.id;
        store
            .outbox_failed(hook, "HTTP 500", Some(NOW + Duration::minutes(5)))
            .await
            .unwrap();
        assert!(
            store
                .claim_outbox(NOW + Duration::minutes(4), lease, 10, true)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store
            .claim_outbox(NOW + Duration::minutes(5), NOW + Duration::minutes(6), 10, true)
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 3);
        assert_eq!(again[0].last_error.as_deref(), Some("HTTP 500"));
        store.outbox_failed(hook, "HTTP 500", None).await.unwrap();
        let dead = store
            .list_outbox(a, Some(OutboxStatus::Dead), Page::first(10))
            .await
            .unwrap();
        assert_eq!(dead.len(), 1);
        let delivered = store.get_outbox(a, email[0].message.id).await.unwrap();
        assert_eq!(delivered.status, OutboxStatus::Delivered);
        assert_eq!(delivered.delivered_at, Some(NOW));

        // Sent again by hand: pending now, attempts start over. Other organizations see nothing.
        let (b, _) = org(&store, "hank@globex.io").await;
        assert!(matches!(
            store
                .resend_outbox(b, hook, NOW, &audit(Some(b), "outbox.resend"))
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.get_outbox(b, hook).await,
            Err(StoreError::NotFound)
        ));
        store
            .resend_outbox(
                a,
                hook,
                NOW + Duration::hours(1),
                &audit(Some(a), "outbox.resend"),
            )
            .await
            .unwrap();
        let back = store
            .claim_outbox(NOW + Duration::hours(1), NOW + Duration::hours(2), 10, true)
            .await
            .unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].attempts, 1);

        // Webhook endpoints, scoped by organization.
        let w = WebhookEndpoint {
            id: Uuid::now_v7(),
            org_id: a,
            url: "https://hooks.acme.io/keyward".into(),
            description: "ops".into(),
            events: vec!["token.created".into()],
            secret: "whsec_c2VjcmV0".into(),
            enabled: true,
            created_at: NOW,
        };
        store
            .create_webhook(&w, &audit(Some(a), "webhook.create"))
            .await
            .unwrap();
        assert_eq!(store.get_webhook(a, w.id).await.unwrap(), w);
        assert!(matches!(
            store.get_webhook(b, w.id).await,
            Err(StoreError::NotFound)
        ));
        let mut changed = w.clone();
        changed.enabled = false;
        changed.events = vec![];
        store
            .update_webhook(&changed, &audit(Some(a), "webhook.update"))
            .await
            .unwrap();
        assert_eq!(store.list_webhooks(a).await.unwrap(), vec![changed]);
        assert!(store.list_webhooks(b).await.unwrap().is_empty());
        assert!(matches!(
            store
                .delete_webhook(b, w.id, &audit(Some(b), "webhook.delete"))
                .await,
            Err(StoreError::NotFound)
        ));
        store
            .delete_webhook(a, w.id, &audit(Some(a), "webhook.delete"))
            .await
            .unwrap();

        // Alerts fire once per subject and window.
        let alert = InsightAlert {
            org_id: a,
            kind: "denied_burst".into(),
            subject_id: Uuid::now_v7(),
            window_key: "2026-11-24T12".into(),
            created_at: NOW,
            details: json!({"denied": 25}),
        };
        assert!(
            store
                .raise_alert(&alert, &audit(Some(a), "insight.alert"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .raise_alert(&alert, &audit(Some(a), "insight.alert"))
                .await
                .unwrap()
        );
        assert_eq!(store.list_alerts(a, NOW, 10).await.unwrap(), vec![alert]);
        assert!(store.list_alerts(b, NOW, 10).await.unwrap().is_empty());
        assert_eq!(store.verify_audit_chain().await.unwrap().map(|_| ()), Ok(()));
    }
);

conformance!(
    audit_chain_under_concurrent_writers,
    |store: DynStore| async move {
        let (a, _) = org(&store, "ada@acme.io").await;
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let g = group(a, &format!("g-{n}-{i}"), &["x:y"]);
                    store
                        .create_group(&g, &audit(Some(a), "permission_group.create"))
                        .await
                        .unwrap();
                    store.append_audit(&audit(Some(a), "auth.login")).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(161));
        // Filters and pages, newest first.
        let logins = store
            .list_audit(
                a,
                &AuditFilter {
                    action: Some("auth.login".into()),
                    ..Default::default()
                },
                500,
            )
            .await
            .unwrap();
        assert_eq!(logins.len(), 80);
        let by_prefix = store
            .list_audit(
                a,
                &AuditFilter {
                    action: Some("permission_group".into()),
                    ..Default::default()
                },
                500,
            )
            .await
            .unwrap();
        assert_eq!(by_prefix.len(), 80);
        let page1 = store.list_audit(a, &AuditFilter::default(), 100).await.unwrap();
        let page2 = store
            .list_audit(
                a,
                &AuditFilter {
                    before_seq: Some(page1.last().unwrap().seq),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(page1.len() + page2.len(), 161);
        assert!(page1.windows(2).all(|w| w[0].seq > w[1].seq));
        assert_eq!(page1[0].details, json!({"k": "v"}));
        let none = store
            .list_audit(
                a,
                &AuditFilter {
                    since: Some(NOW + Duration::seconds(1)),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert!(none.is_empty());
    }
);

conformance!(
    login_throttle_counts_atomically_and_forgets,
    |store: DynStore| async move {
        let policy = ThrottlePolicy {
            limit: 5,
            window: Duration::minutes(15),
            max_lockout: Duration::days(1),
        };
        // Failures counted concurrently (as by several nodes) are all counted: the fifth locks.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.throttle_fail("account:a@x.io", &policy, NOW).await.unwrap()
            }));
        }
        let mut locked = 0;
        for t in tasks {
            if t.await.unwrap().wait(NOW).is_some() {
                locked += 1;
            }
        }
        assert_eq!(locked, 1, "exactly the fifth failure locks");
        let states = store
            .throttle_states(&["account:a@x.io", "ip:10.0.0.1"])
            .await
            .unwrap();
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].0, "account:a@x.io");
        assert_eq!(states[0].1.wait(NOW), Some(900));
        assert_eq!(states[0].1.lockouts, 1);

        // The next lockout doubles; clearing forgets it.
        let later = NOW + Duration::minutes(15);
        let mut s = None;
        for _ in 0..5 {
            s = Some(
                store
                    .throttle_fail("account:a@x.io", &policy, later)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(s.unwrap().wait(later), Some(1800));
        store.throttle_clear("account:a@x.io").await.unwrap();
        assert!(
            store
                .throttle_states(&["account:a@x.io"])
                .await
                .unwrap()
                .is_empty()
        );

        // Pruning removes only what no longer matters.
        store.throttle_fail("ip:10.0.0.1", &policy, NOW).await.unwrap();
        assert_eq!(store.throttle_prune(NOW + Duration::hours(23)).await.unwrap(), 0);
        assert_eq!(store.throttle_prune(NOW + Duration::hours(25)).await.unwrap(), 1);
        assert!(store.throttle_states(&["ip:10.0.0.1"]).await.unwrap().is_empty());
    }
);
