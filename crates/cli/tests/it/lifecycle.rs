use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn token_lifecycle_through_the_api() {
    let app = TestApp::spawn().await;
    let (org, admin) = app.create_org("Acme", "ada@acme.io").await;
    let me = app.read("/v1/me", &admin).await;
    assert_eq!(me["organization_id"], org.to_string());
    assert_eq!(me["member"]["role"], "super_admin");

    let group = app
        .create_group(&admin, "crm", &["contacts:read", "contacts:write"])
        .await;
    let crm = app.create_integration(&admin, "salesforce", &[]).await;
    let erp = app.create_integration(&admin, "sap", &[]).await;
    let user = app
        .post(
            "/v1/api-users",
            &admin,
            json!({
                "username": "crm-sync", "name": "CRM sync", "permission_group_id": group,
                "integration_ids": [crm, erp], "allowed_ips": ["10.0.0.0/8", "2001:db8::/32"],
                "contact_email": "dev@partner.io", "external_id": "partner-42", "metadata": {"tier": "gold"}
            }),
        )
        .await
        .expect(201);
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["environment"], "live");
    assert_eq!(user["integration_ids"].as_array().unwrap().len(), 2);
    assert_eq!(user["has_password"], false);

    // Usernames are unique in the organization.
    app.post(
        "/v1/api-users",
        &admin,
        json!({"username": "crm-sync", "permission_group_id": group}),
    )
    .await
    .problem(409, "username_taken");

    // Create: the secret is in this answer only, with no-store.
    let created = app
        .post(
            &format!("/v1/api-users/{user_id}/tokens"),
            &admin,
            json!({"name": "prod", "expires_in_days": 90, "permissions": ["contacts:read"]}),
        )
        .await;
    assert_eq!(created.headers.get("cache-control").unwrap(), "no-store");
    let created = created.expect(201);
    let secret = created["token"].as_str().unwrap().to_owned();
    let token_id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kw_live_") && secret.len() == 44, "{secret}");
    assert_eq!(created["hint"], format!("kw_live_…{}", &secret[40..]));
    assert_eq!(created["expires_at"], "2027-02-22T12:00:00Z");
    assert_eq!(created["expiry_status"], "active");
    assert_eq!(created["created_by"], "ada@acme.io");

    // Never again: lists and gets show the hint only.
    for path in [
        format!("/v1/api-users/{user_id}/tokens"),
        "/v1/tokens".into(),
        format!("/v1/tokens/{token_id}"),
    ] {
        let a = app.get(&path, &admin).await;
        assert!(!a.text.contains(&secret), "{path} shows the secret");
        assert_eq!(a.status, 200);
    }
    let list = app.read(&format!("/v1/api-users/{user_id}/tokens"), &admin).await;
    assert_eq!(list["items"][0]["hint"], created["hint"]);
    assert_eq!(list["next_cursor"], serde_json::Value::Null);

    // Names are unique among live tokens, with the documented code and message.
    let dup = app
        .post("/v1/api-users/crm-sync/tokens", &admin, json!({"name": "prod"}))
        .await
        .problem(409, "token_name_taken");
    assert_eq!(dup["detail"], "a token with this name already exists");

    // Permissions beyond the group are refused.
    let over = app
        .post(
            &format!("/v1/api-users/{user_id}/tokens"),
            &admin,
            json!({"name": "x", "permissions": ["orders:read"]}),
        )
        .await
        .problem(422, "validation_failed");
    assert!(over["detail"].as_str().unwrap().contains("orders:read"));

    let verifier = app.verifier_token(&admin).await;
    let ok = app
        .verify(&verifier, json!({"token": secret, "ip": "10.1.2.3", "permissions": ["contacts:read"], "integration": "salesforce"}))
        .await;
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["code"], "VALID");
    assert_eq!(ok["token_id"], token_id);
    assert_eq!(ok["organization_id"], org.to_string());
    assert_eq!(ok["api_user"]["username"], "crm-sync");
    assert_eq!(ok["api_user"]["external_id"], "partner-42");
    assert_eq!(ok["api_user"]["metadata"]["tier"], "gold");
    assert_eq!(ok["api_user"]["environment"], "live");
    assert_eq!(ok["permissions"], json!(["contacts:read"]));
    assert_eq!(ok["expires_at"], "2027-02-22T12:00:00Z");

    // Suspend and resume the token, then the API user.
    let v = json!({"token": secret, "ip": "10.1.2.3"});
    app.post(&format!("/v1/tokens/{token_id}/suspend"), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(app.verify_code(&verifier, v.clone()).await, "SUSPENDED");
    app.post(&format!("/v1/tokens/{token_id}/resume"), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(app.verify_code(&verifier, v.clone()).await, "VALID");
    app.post("/v1/api-users/crm-sync/suspend", &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(app.verify_code(&verifier, v.clone()).await, "SUSPENDED");
    app.post("/v1/api-users/crm-sync/resume", &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(app.verify_code(&verifier, v.clone()).await, "VALID");

    // Revoke: final. The name becomes free again.
    app.delete(&format!("/v1/tokens/{token_id}"), &admin)
        .await
        .expect(204);
    assert_eq!(app.verify_code(&verifier, v.clone()).await, "REVOKED");
    app.post(&format!("/v1/tokens/{token_id}/resume"), &admin, json!({}))
        .await
        .problem(409, "token_revoked");
    let (_, again) = app.create_token(&admin, &user_id, json!({"name": "prod"})).await;
    assert_eq!(
        app.verify_code(&verifier, json!({"token": again, "ip": "10.1.2.3"}))
            .await,
        "VALID"
    );

    // Revoke-all needs confirmation.
    let revoke_all = format!("/v1/api-users/{user_id}/tokens/revoke-all");
    let unconfirmed = app.post(&revoke_all, &admin, json!({"confirm": false})).await;
    unconfirmed.problem(422, "validation_failed");
    let n = app
        .post(&revoke_all, &admin, json!({"confirm": true}))
        .await
        .expect(200);
    assert_eq!(n["revoked"], 1);
    assert_eq!(
        app.verify_code(&verifier, json!({"token": again, "ip": "10.1.2.3"}))
            .await,
        "REVOKED"
    );

    // Deleting the API user revokes its tokens and frees the username.
    let (_, third) = app.create_token(&admin, &user_id, json!({"name": "third"})).await;
    app.delete(&format!("/v1/api-users/{user_id}"), &admin)
        .await
        .expect(204);
    assert_eq!(
        app.verify_code(&verifier, json!({"token": third, "ip": "10.1.2.3"}))
            .await,
        "REVOKED"
    );
    app.get(&format!("/v1/api-users/{user_id}"), &admin)
        .await
        .problem(404, "not_found");
    app.api_user_in(&admin, "crm-sync", &group).await;

    // Organization-wide revoke-all, including the verifier's own token.
    let n = app
        .post("/v1/tokens/revoke-all", &admin, json!({"confirm": true}))
        .await
        .expect(200);
    assert!(n["revoked"].as_u64().unwrap() >= 1);
    app.post("/v1/verify", &verifier, json!({"token": "x"}))
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn token_filters_pages_and_patch() {
    let (app, admin) = TestApp::acme().await;
    let group = app
        .create_group(&admin, "crm", &["contacts:read", "contacts:write"])
        .await;
    let user = app.api_user_in(&admin, "crm-sync", &group).await;
    for (name, days) in [("a", Some(7)), ("b", Some(60)), ("c", None), ("d", Some(20))] {
        let body = match days {
            Some(d) => json!({"name": name, "expires_in_days": d}),
            None => json!({"name": name}),
        };
        app.create_token(&admin, &user, body).await;
    }
    let soon = app.read("/v1/tokens?expiring_within_days=30", &admin).await;
    let names = strings_in(&soon, "name");
    assert_eq!(names, ["a", "d"]);
    assert_eq!(soon["items"][0]["expiry_status"], "expiring_soon");

    // Pages: 3 + 1 with a cursor.
    let p1 = app
        .read(&format!("/v1/api-users/{user}/tokens?limit=3"), &admin)
        .await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 3);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(
            &format!("/v1/api-users/{user}/tokens?limit=3&cursor={cursor}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_eq!(p2["next_cursor"], serde_json::Value::Null);

    // Unused for 30 days: none now, all after the clock moves 31 days.
    let unused = app.read("/v1/tokens?unused_for_days=30", &admin).await;
    assert_eq!(unused["items"].as_array().unwrap().len(), 0);
    app.clock.advance(time::Duration::days(31));
    let admin = app.login("ada@acme.io", PASSWORD).await;
    let unused = app.read("/v1/tokens?unused_for_days=30", &admin).await;
    assert_eq!(unused["items"].as_array().unwrap().len(), 4);
    let expired = app.read("/v1/tokens?status=active", &admin).await;
    let a = named(&expired, "a").clone();
    assert_eq!(a["expiry_status"], "expired");

    // PATCH: rename, extend, narrow.
    let id = a["id"].as_str().unwrap();
    let patched = app
        .patch(&format!("/v1/tokens/{id}"), &admin, json!({"name": "a2", "expires_in_days": 30, "permissions": ["contacts:read"], "allowed_ips": ["192.0.2.0/24"]}))
        .await
        .expect(200);
    assert_eq!(patched["name"], "a2");
    assert_eq!(patched["expiry_status"], "expiring_soon");
    assert_eq!(patched["permissions"], json!(["contacts:read"]));
    assert_eq!(patched["allowed_ips"], json!(["192.0.2.0/24"]));
    let patched = app
        .patch(
            &format!("/v1/tokens/{id}"),
            &admin,
            json!({"expires_at": null, "permissions": null}),
        )
        .await
        .expect(200);
    assert_eq!(patched["expiry_status"], "never");
    assert_eq!(patched["permissions"], serde_json::Value::Null);
    app.patch(&format!("/v1/tokens/{id}"), &admin, json!({"name": "b"}))
        .await
        .problem(409, "token_name_taken");
}

#[tokio::test]
async fn usage_is_batched_and_flushed_on_shutdown() {
    let mut app = TestApp::spawn().await;
    let (org, admin) = app.create_org("Acme", "ada@acme.io").await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (id, secret) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    let verifier = app.verifier_token(&admin).await;
    for _ in 0..3 {
        app.verify(&verifier, json!({"token": secret, "ip": "203.0.113.9"}))
            .await;
    }
    app.verify(
        &verifier,
        json!({"token": secret, "permissions": ["orders:read"]}),
    )
    .await;
    // Flushed within the interval (100 ms in tests): last used, from where, how often.
    let mut t = serde_json::Value::Null;
    for _ in 0..50 {
        t = app.read(&format!("/v1/tokens/{id}"), &admin).await;
        if t["use_count"] == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(t["use_count"], 4, "{t}");
    assert_eq!(t["last_used_ip"], "203.0.113.9");
    assert_eq!(t["last_used_at"], "2026-11-24T12:00:00Z");
    let usage = app.read(&format!("/v1/tokens/{id}/usage"), &admin).await;
    let count = |code: &str| {
        usage
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["code"] == code)
            .map(|p| p["count"].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(count("VALID"), 3);
    assert_eq!(count("INSUFFICIENT_PERMISSIONS"), 1);

    // Usage still in memory at shutdown is written by the graceful stop.
    app.verify(&verifier, json!({"token": secret})).await;
    app.stop().await;
    let t = app.store.get_token(org, id.parse().unwrap()).await.unwrap();
    assert_eq!(t.use_count, 5);
}
