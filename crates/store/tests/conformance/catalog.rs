//! Permission groups, integrations and API users, scoped by organization.

use super::*;

conformance!(groups_integrations_and_scoping, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    let (b, _) = org(&store, "hank@globex.io").await;
    let g = group(a, "crm", &["contacts:read"]);
    store
        .create_group(&g, &audit(Some(a), "permission_group.create"))
        .await
        .unwrap();
    conflict(
        store.create_group(&group(a, "crm", &[]), &seed(a)).await,
        Conflict::GroupNameTaken,
    );
    store.create_group(&group(b, "crm", &[]), &seed(b)).await.unwrap();
    assert_eq!(store.get_group(a, g.id).await.unwrap(), g);
    not_found(store.get_group(b, g.id).await);

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
    conflict(store.delete_group(a, g.id, &seed(a)).await, Conflict::GroupInUse);
    not_found(store.delete_group(b, g.id, &seed(b)).await);
    conflict(
        store.delete_integration(a, i.id, &seed(a)).await,
        Conflict::IntegrationInUse,
    );
    not_found(store.delete_integration(b, i.id, &seed(b)).await);
    let mut other = i.clone();
    other.org_id = b;
    not_found(store.update_integration(&other, &seed(b)).await);

    // References must stay inside the organization; a refused write leaves nothing behind.
    let before = store
        .list_audit(b, &AuditFilter::default(), 100)
        .await
        .unwrap()
        .len();
    let sneaky = api_user(b, "sneaky", Some(g.id));
    let create = audit(Some(b), "api_user.create");
    invalid(
        store.create_api_user(&sneaky, None, &create).await,
        "permission_group_id",
    );
    let mut sneaky = api_user(b, "sneaky", None);
    sneaky.integration_ids = vec![i.id];
    let create = audit(Some(b), "api_user.create");
    invalid(
        store.create_api_user(&sneaky, None, &create).await,
        "integration_ids",
    );
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
    store.create_group(&g, &seed(a)).await.unwrap();
    for name in ["alpha", "beta", "gamma_1", "delta"] {
        store
            .create_api_user(&api_user(a, name, Some(g.id)), None, &seed(a))
            .await
            .unwrap();
    }
    conflict(
        store
            .create_api_user(&api_user(a, "beta", None), None, &seed(a))
            .await,
        Conflict::UsernameTaken,
    );
    let mut beta = store.find_api_user(a, "beta").await.unwrap();
    assert_eq!(beta.metadata["tier"], "gold");
    beta.environment = Environment::Sandbox;
    beta.expires_at = Some(NOW + Duration::days(3));
    // An update writes what it changes, never the status: a stale copy cannot undo a suspension.
    store
        .set_api_user_status(a, beta.id, ApiUserStatus::Suspended, NOW, &seed(a))
        .await
        .unwrap();
    store.update_api_user(&beta, &seed(a)).await.unwrap();
    // A second write from the same (now stale) read is refused: it would undo the first.
    conflict(store.update_api_user(&beta, &seed(a)).await, Conflict::Stale);
    beta.status = ApiUserStatus::Suspended;
    beta.version += 1;
    assert_eq!(store.get_api_user(a, beta.id).await.unwrap(), beta);

    // The usernames a filter finds, in order.
    let found = async |search: Option<&str>, status: Option<ApiUserStatus>| {
        let f = ApiUserFilter {
            search: search.map(str::to_owned),
            status,
            environment: None,
        };
        let users = store.list_api_users(a, &f, Page::first(10)).await.unwrap();
        users.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    assert_eq!(found(Some("ALP"), None).await, ["alpha"]);
    assert_eq!(found(Some("a_1"), None).await, ["gamma_1"], "_ is literal");
    assert_eq!(found(Some("%"), None).await, Vec::<String>::new(), "% is literal");
    let suspended = Some(ApiUserStatus::Suspended);
    assert_eq!(found(None, suspended).await, ["beta"]);
    let names = |v: Vec<ApiUser>| v.into_iter().map(|u| u.username).collect::<Vec<_>>();
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
        .set_api_user_password(a, beta.id, Some("$argon2id$x"), NOW, &seed(a))
        .await
        .unwrap();
    assert!(store.get_api_user(a, beta.id).await.unwrap().has_password);
    store
        .set_api_user_password(a, beta.id, None, NOW, &seed(a))
        .await
        .unwrap();
    assert!(!store.get_api_user(a, beta.id).await.unwrap().has_password);
});

fn route(org: Uuid, method: &str, path: &str, permissions: &[&str]) -> keyward_core::Route {
    let permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
    keyward_core::Route::new(org, method.into(), path.into(), permissions, NOW)
}

conformance!(
    routes_are_unique_by_method_and_shape_and_scoped,
    |store: DynStore| async move {
        let (a, _) = org(&store, "ada@acme.io").await;
        let (b, _) = org(&store, "hank@globex.io").await;
        let r = route(a, "GET", "/contacts/{id}", &["contacts:read"]);
        store
            .create_route(&r, &audit(Some(a), "route.create"))
            .await
            .unwrap();
        assert_eq!(store.get_route(a, r.id).await.unwrap(), r);
        // Another parameter name is the same route; another method or organization is not.
        conflict(
            store
                .create_route(&route(a, "GET", "/contacts/{key}", &[]), &seed(a))
                .await,
            Conflict::RouteTaken,
        );
        store
            .create_route(&route(a, "POST", "/contacts/{key}", &[]), &seed(a))
            .await
            .unwrap();
        store
            .create_route(&route(b, "GET", "/contacts/{id}", &[]), &seed(b))
            .await
            .unwrap();
        not_found(store.get_route(b, r.id).await);
        assert_eq!(store.count_routes(a).await.unwrap(), 2);
        assert_eq!(store.all_routes(a).await.unwrap().len(), 2);

        // Updates are versioned; a stale one is refused.
        let mut changed = r.clone();
        changed.permissions = vec!["contacts:export".into()];
        store
            .update_route(&changed, &audit(Some(a), "route.update"))
            .await
            .unwrap();
        conflict(
            store
                .update_route(&changed, &audit(Some(a), "route.update"))
                .await,
            Conflict::Stale,
        );
        let read = store.get_route(a, r.id).await.unwrap();
        assert_eq!(
            (read.permissions.clone(), read.version),
            (vec!["contacts:export".to_owned()], 1)
        );
        let mut clash = read.clone();
        clash.method = "POST".into();
        conflict(store.update_route(&clash, &seed(a)).await, Conflict::RouteTaken);

        not_found(store.delete_route(b, r.id, &seed(b)).await);
        store
            .delete_route(a, r.id, &audit(Some(a), "route.delete"))
            .await
            .unwrap();
        not_found(store.get_route(a, r.id).await);
        assert_eq!(store.count_routes(a).await.unwrap(), 1);
    }
);
