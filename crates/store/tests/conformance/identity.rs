//! Members, sessions and the one-time setup link.

use super::*;

conformance!(members_and_sessions, |store: DynStore| async move {
    assert_eq!(store.organization_count().await.unwrap(), 0);
    let (org_id, owner) = org(&store, "ada@acme.io").await;
    assert_eq!(store.organization_count().await.unwrap(), 1);
    let creds = store.member_credentials("ada@acme.io").await.unwrap();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].member.id, owner);
    assert_eq!(creds[0].password_hash, "$argon2id$fake");
    assert!(
        store
            .member_credentials("nobody@acme.io")
            .await
            .unwrap()
            .is_empty()
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
    // A flash is held, replaced, and taken once.
    assert_eq!(store.take_session_flash(hash).await.unwrap(), None);
    store.set_session_flash(hash, "first").await.unwrap();
    store.set_session_flash(hash, "second").await.unwrap();
    assert_eq!(
        store.take_session_flash(hash).await.unwrap().as_deref(),
        Some("second")
    );
    assert_eq!(store.take_session_flash(hash).await.unwrap(), None);
    store.delete_session(hash).await.unwrap();
    assert!(store.session_member(hash, NOW).await.unwrap().is_none());

    // Emails are unique within an organization; another organization may use the same one
    // without learning that it is taken.
    let (other_org, _) = org(&store, "hank@globex.io").await;
    let same_email = |org_id| MemberCredentials {
        member: Member {
            id: Uuid::now_v7(),
            org_id,
            email: "ada@acme.io".into(),
            name: "x".into(),
            role: Role::Admin,
            permission_group_id: None,
            created_at: NOW,
        },
        password_hash: "h".into(),
    };
    store
        .create_member(&same_email(other_org), &audit(Some(other_org), "member.create"))
        .await
        .unwrap();
    assert_eq!(store.member_credentials("ada@acme.io").await.unwrap().len(), 2);
    conflict(
        store
            .create_member(&same_email(org_id), &audit(Some(org_id), "member.create"))
            .await,
        Conflict::EmailTaken,
    );
    // The last super admin stays; scoped reads.
    let mut m = store.get_member(org_id, owner).await.unwrap();
    m.role = Role::Admin;
    conflict(
        store
            .update_member(&m, None, &audit(Some(org_id), "member.update"))
            .await,
        Conflict::LastSuperAdmin,
    );
    not_found(store.get_member(other_org, owner).await);
    not_found(
        store
            .delete_member(other_org, owner, &audit(Some(other_org), "member.delete"))
            .await,
    );
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
    let org = Organization::new("Acme", NOW);
    let member = Member::super_admin(org.id, "ada@acme.io", "Ada", NOW);
    let creds = MemberCredentials {
        member,
        password_hash: "h".into(),
    };
    assert!(store.setup_token_live(hash, NOW).await.unwrap());
    let later = NOW + Duration::hours(25);
    assert!(!store.setup_token_live(hash, later).await.unwrap(), "expired");
    assert!(!store.setup_token_live(TokenHash::of("guess"), NOW).await.unwrap());
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
    assert!(!store.setup_token_live(hash, NOW).await.unwrap(), "consumed");
});
