//! Tokens and what the verify path reads of them.

use super::*;

conformance!(tokens_and_verify_subjects, |store: DynStore| async move {
    let (a, owner) = org(&store, "ada@acme.io").await;
    let (b, _) = org(&store, "hank@globex.io").await;
    let g = group(a, "crm", &["contacts:read", "orders:*"]);
    store.create_group(&g, &seed(a)).await.unwrap();
    let i = integration(a, "salesforce", &["10.0.0.0/8"]);
    store.create_integration(&i, &seed(a)).await.unwrap();
    let mut u = api_user(a, "crm-sync", Some(g.id));
    u.integration_ids = vec![i.id];
    u.allowed_ips = IpAllowList::parse(["10.1.0.0/16"]).unwrap();
    store.create_api_user(&u, None, &seed(a)).await.unwrap();

    let mut t1 = token(&u, "prod");
    t1.token.permissions = Some(PermissionSet::parse(["contacts:read"]).unwrap());
    t1.token.integration_id = Some(i.id);
    t1.token.allowed_ips = IpAllowList::parse(["10.1.2.0/24"]).unwrap();
    t1.token.expires_at = Some(NOW + Duration::days(10));
    store
        .create_token(&t1, &audit(Some(a), "token.create"))
        .await
        .unwrap();
    conflict(
        store.create_token(&token(&u, "prod"), &seed(a)).await,
        Conflict::TokenNameTaken,
    );
    assert_eq!(store.get_token(a, t1.token.id).await.unwrap(), t1.token);
    not_found(store.get_token(b, t1.token.id).await);
    let mut cross = token(&u, "cross");
    cross.token.org_id = b;
    not_found(store.create_token(&cross, &seed(b)).await);

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
    store.create_group(&g2, &seed(a)).await.unwrap();
    let mut m = store.get_member(a, owner).await.unwrap();
    m.permission_group_id = Some(g2.id);
    store.update_member(&m, None, &seed(a)).await.unwrap();
    let mut linked = api_user(a, "bot", None);
    linked.linked_member_id = Some(owner);
    store.create_api_user(&linked, None, &seed(a)).await.unwrap();
    let lt = token(&linked, "t");
    store.create_token(&lt, &seed(a)).await.unwrap();
    let ls = store.verify_subject(lt.hash).await.unwrap().unwrap();
    assert_eq!(ls.group_permissions, g2.permissions);
    assert_eq!(ls.acting_member.unwrap().email, "ada@acme.io");

    // Update, suspend, revoke.
    let mut changed = t1.token.clone();
    changed.name = "prod-2".into();
    assert_eq!(
        store
            .set_token_status(a, t1.token.id, TokenStatus::Suspended, &seed(a))
            .await
            .unwrap(),
        t1.hash
    );
    // The update, from a copy read before the suspension, leaves the status alone.
    assert_eq!(store.update_token(&changed, &seed(a)).await.unwrap(), t1.hash);
    assert_eq!(
        store.verify_subject(t1.hash).await.unwrap().unwrap().token_status,
        TokenStatus::Suspended
    );
    let t2 = token(&u, "second");
    store.create_token(&t2, &seed(a)).await.unwrap();
    assert_eq!(
        store.revoke_token(a, t1.token.id, NOW, &seed(a)).await.unwrap(),
        t1.hash
    );
    conflict(
        store.update_token(&changed, &seed(a)).await,
        Conflict::TokenRevoked,
    );
    store.create_token(&token(&u, "prod-2"), &seed(a)).await.unwrap();

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
    not_found(store.get_api_user(a, linked.id).await);
    assert!(
        store
            .revoke_all_tokens(a, None, NOW, &seed(a))
            .await
            .unwrap()
            .is_empty()
    );
});
