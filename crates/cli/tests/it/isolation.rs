use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// Organization B's super admin, on organization A's ids, gets 404 everywhere and changes
/// nothing.
#[tokio::test]
async fn another_organizations_records_are_not_found() {
    let app = TestApp::spawn().await;
    let (_, a) = app.create_org("Acme", "ada@acme.io").await;
    let (_, b) = app.create_org("Globex", "hank@globex.io").await;
    let group = app.create_group(&a, "crm", &["contacts:read"]).await;
    let integration = app.create_integration(&a, "salesforce", &[]).await;
    let user = app
        .create_api_user(&a, json!({"username": "crm-sync", "permission_group_id": group}))
        .await;
    let (token, secret) = app.create_token(&a, &user, json!({"name": "prod"})).await;
    let member = app
        .post(
            "/v1/members",
            &a,
            json!({"email": "bob@acme.io", "name": "Bob", "role": "admin", "password": PASSWORD}),
        )
        .await
        .expect(201);
    let member = member["id"].as_str().unwrap().to_owned();
    let hook = app
        .post(
            "/v1/webhooks",
            &a,
            json!({"url": "https://hooks.acme.io/keyward", "events": ["token.created"]}),
        )
        .await
        .expect(201);
    let hook = hook["id"].as_str().unwrap().to_owned();
    // The creation alert waiting in A's outbox (no SMTP here).
    let message = app.get("/v1/outbox", &a).await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let snapshot = || async {
        let mut out = Vec::new();
        for p in [
            format!("/v1/permission-groups/{group}"),
            format!("/v1/integrations/{integration}"),
            format!("/v1/api-users/{user}"),
            format!("/v1/tokens/{token}"),
            format!("/v1/members/{member}"),
            format!("/v1/webhooks/{hook}"),
            format!("/v1/outbox/{message}"),
            "/v1/settings".to_owned(),
            "/v1/api-users".to_owned(),
            "/v1/tokens".to_owned(),
        ] {
            out.push(app.get(&p, &a).await.expect(200));
        }
        out
    };
    let a_verifier = app.verifier_token(&a).await;
    let before = snapshot().await;

    let body = json!({});
    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/v1/permission-groups/{group}"), None),
        (
            Method::PATCH,
            format!("/v1/permission-groups/{group}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/v1/permission-groups/{group}"), None),
        (Method::GET, format!("/v1/integrations/{integration}"), None),
        (
            Method::PATCH,
            format!("/v1/integrations/{integration}"),
            Some(json!({"status": "inactive"})),
        ),
        (Method::DELETE, format!("/v1/integrations/{integration}"), None),
        (Method::GET, format!("/v1/api-users/{user}"), None),
        (Method::GET, "/v1/api-users/crm-sync".into(), None),
        (
            Method::PATCH,
            format!("/v1/api-users/{user}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/v1/api-users/{user}"), None),
        (
            Method::POST,
            format!("/v1/api-users/{user}/suspend"),
            Some(body.clone()),
        ),
        (
            Method::POST,
            format!("/v1/api-users/{user}/resume"),
            Some(body.clone()),
        ),
        (
            Method::PUT,
            format!("/v1/api-users/{user}/password"),
            Some(json!({"password": "0123456789ab"})),
        ),
        (Method::GET, format!("/v1/api-users/{user}/tokens"), None),
        (
            Method::POST,
            format!("/v1/api-users/{user}/tokens"),
            Some(json!({"name": "pwned"})),
        ),
        (
            Method::POST,
            format!("/v1/api-users/{user}/tokens/revoke-all"),
            Some(json!({"confirm": true})),
        ),
        (Method::GET, format!("/v1/tokens/{token}"), None),
        (
            Method::PATCH,
            format!("/v1/tokens/{token}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/v1/tokens/{token}"), None),
        (
            Method::POST,
            format!("/v1/tokens/{token}/suspend"),
            Some(body.clone()),
        ),
        (
            Method::POST,
            format!("/v1/tokens/{token}/resume"),
            Some(body.clone()),
        ),
        (Method::GET, format!("/v1/tokens/{token}/usage"), None),
        (Method::GET, format!("/v1/members/{member}"), None),
        (
            Method::PATCH,
            format!("/v1/members/{member}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/v1/members/{member}"), None),
        (
            Method::POST,
            format!("/v1/tokens/{token}/rotate"),
            Some(json!({"grace_period_seconds": 60})),
        ),
        (Method::GET, format!("/v1/usage?token_id={token}"), None),
        (Method::GET, format!("/v1/usage?api_user_id={user}"), None),
        (Method::GET, format!("/v1/webhooks/{hook}"), None),
        (
            Method::PATCH,
            format!("/v1/webhooks/{hook}"),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, format!("/v1/webhooks/{hook}"), None),
        (Method::GET, format!("/v1/outbox/{message}"), None),
        (
            Method::POST,
            format!("/v1/outbox/{message}/resend"),
            Some(body.clone()),
        ),
    ];
    for (method, path, body) in cases {
        let answer = app.call(method.clone(), &path, Some(&b), body).await;
        assert_eq!(answer.status.as_u16(), 404, "{method} {path}: {}", answer.text);
        assert_eq!(answer.body["code"], "not_found");
    }
    // B's lists and org-wide actions do not see A.
    assert_eq!(
        app.get("/v1/api-users", &b).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get("/v1/tokens", &b).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.post("/v1/tokens/revoke-all", &b, json!({"confirm": true}))
            .await
            .expect(200)["revoked"],
        0
    );
    for list in ["/v1/webhooks", "/v1/outbox"] {
        let v = app.get(list, &b).await.expect(200);
        let items = v.get("items").unwrap_or(&v);
        assert!(items.as_array().unwrap().is_empty(), "{list}: {v}");
    }
    let insights = app.get("/v1/insights", &b).await.expect(200);
    assert!(!insights.to_string().contains(&token), "{insights}");
    // B's settings are B's: changing them leaves A's alone.
    app.patch(
        "/v1/settings",
        &b,
        json!({"expiry_policy": {"max_lifetime_days": 7}}),
    )
    .await
    .expect(200);
    let b_audit = app.get("/v1/audit-events?limit=200", &b).await.expect(200);
    assert!(!b_audit.to_string().contains("crm-sync"));
    // B cannot reference A's group or integration in its own records.
    app.post(
        "/v1/api-users",
        &b,
        json!({"username": "sneaky", "permission_group_id": group}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/api-users",
        &b,
        json!({"username": "sneaky", "integration_ids": [integration]}),
    )
    .await
    .problem(422, "validation_failed");
    // B's verifier does not recognise A's token.
    let b_verifier = app.verifier_token(&b).await;
    assert_eq!(
        app.verify_code(&b_verifier, json!({"token": secret})).await,
        "NOT_FOUND"
    );

    assert_eq!(snapshot().await, before, "organization A changed");
    // A's own verifier still works (checked last: verifying changes usage figures).
    assert_eq!(
        app.verify_code(&a_verifier, json!({"token": secret})).await,
        "VALID"
    );
}
