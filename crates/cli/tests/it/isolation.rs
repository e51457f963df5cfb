use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::records::{Records, body_for};

/// Organization B's super admin, on organization A's ids, gets 404 everywhere and changes
/// nothing.
#[tokio::test]
async fn another_organizations_records_are_not_found() {
    let app = TestApp::spawn().await;
    let (_, a) = app.create_org("Acme", "ada@acme.io").await;
    let (_, b) = app.create_org("Globex", "hank@globex.io").await;
    let Records {
        group,
        integration,
        user,
        token,
        secret,
        member,
        hook,
        message,
        ..
    } = Records::of(&app, &a).await;

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
    #[rustfmt::skip]
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/permission-groups/{group}"), None),
        (Method::PATCH, format!("/v1/permission-groups/{group}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/v1/permission-groups/{group}"), None),
        (Method::GET, format!("/v1/integrations/{integration}"), None),
        (Method::PATCH, format!("/v1/integrations/{integration}"), Some(json!({"status": "inactive"}))),
        (Method::DELETE, format!("/v1/integrations/{integration}"), None),
        (Method::GET, format!("/v1/api-users/{user}"), None),
        (Method::GET, "/v1/api-users/crm-sync".into(), None),
        (Method::PATCH, format!("/v1/api-users/{user}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/v1/api-users/{user}"), None),
        (Method::POST, format!("/v1/api-users/{user}/suspend"), Some(body.clone())),
        (Method::POST, format!("/v1/api-users/{user}/resume"), Some(body.clone())),
        (Method::PUT, format!("/v1/api-users/{user}/password"), Some(json!({"password": "0123456789ab"}))),
        (Method::GET, format!("/v1/api-users/{user}/tokens"), None),
        (Method::POST, format!("/v1/api-users/{user}/tokens"), Some(json!({"name": "pwned"}))),
        (Method::POST, format!("/v1/api-users/{user}/tokens/revoke-all"), Some(json!({"confirm": true}))),
        (Method::GET, format!("/v1/tokens/{token}"), None),
        (Method::PATCH, format!("/v1/tokens/{token}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/v1/tokens/{token}"), None),
        (Method::POST, format!("/v1/tokens/{token}/suspend"), Some(body.clone())),
        (Method::POST, format!("/v1/tokens/{token}/resume"), Some(body.clone())),
        (Method::GET, format!("/v1/tokens/{token}/usage"), None),
        (Method::GET, format!("/v1/members/{member}"), None),
        (Method::PATCH, format!("/v1/members/{member}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/v1/members/{member}"), None),
        (Method::POST, format!("/v1/tokens/{token}/rotate"), Some(json!({"grace_period_seconds": 60}))),
        (Method::GET, format!("/v1/usage?token_id={token}"), None),
        (Method::GET, format!("/v1/usage?api_user_id={user}"), None),
        (Method::GET, format!("/v1/webhooks/{hook}"), None),
        (Method::PATCH, format!("/v1/webhooks/{hook}"), Some(json!({"enabled": false}))),
        (Method::DELETE, format!("/v1/webhooks/{hook}"), None),
        (Method::GET, format!("/v1/outbox/{message}"), None),
        (Method::POST, format!("/v1/outbox/{message}/resend"), Some(body.clone())),
    ];
    for (method, path, body) in cases {
        let answer = app.call(method.clone(), &path, Some(&b), body).await;
        assert_eq!(answer.status.as_u16(), 404, "{method} {path}: {}", answer.text);
        assert_eq!(answer.body["code"], "not_found");
    }
    // B's lists and org-wide actions do not see A.
    for list in ["/v1/api-users", "/v1/tokens"] {
        assert!(
            items_in(&app.get(list, &b).await.expect(200)).is_empty(),
            "{list}"
        );
    }
    let revoke_all = app.post("/v1/tokens/revoke-all", &b, json!({"confirm": true}));
    assert_eq!(revoke_all.await.expect(200)["revoked"], 0);
    for list in ["/v1/webhooks", "/v1/outbox"] {
        let v = app.get(list, &b).await.expect(200);
        let items = v.get("items").unwrap_or(&v);
        assert!(items.as_array().unwrap().is_empty(), "{list}: {v}");
    }
    let insights = app.read("/v1/insights", &b).await;
    assert!(!insights.to_string().contains(&token), "{insights}");
    // B's settings are B's: changing them leaves A's alone.
    app.change_settings(&b, json!({"expiry_policy": {"max_lifetime_days": 7}}))
        .await
        .expect(200);
    let b_audit = app.read("/v1/audit-events?limit=200", &b).await;
    assert!(!b_audit.to_string().contains("crm-sync"));
    // B cannot reference A's group or integration in its own records.
    for sneaky in [
        json!({"username": "sneaky", "permission_group_id": group}),
        json!({"username": "sneaky", "integration_ids": [integration]}),
    ] {
        let answer = app.post("/v1/api-users", &b, sneaky).await;
        answer.problem(422, "validation_failed");
    }
    // B's verifier does not recognise A's token.
    let b_verifier = app.verifier_token(&b).await;
    assert_eq!(app.code_of(&b_verifier, &secret).await, "NOT_FOUND");

    assert_eq!(snapshot().await, before, "organization A changed");
    // A's own verifier still works (checked last: verifying changes usage figures).
    assert_eq!(app.code_of(&a_verifier, &secret).await, "VALID");
}

/// Every operation of the OpenAPI document that names a record in its path, called by
/// organization B's super admin with organization A's ids, answers 404 and writes nothing: the
/// whole database is the same before and after. A new operation is covered without being
/// listed here; one whose path names something this test cannot supply fails it.
#[tokio::test]
async fn every_operation_naming_a_record_is_closed_to_other_organizations() {
    let app = TestApp::spawn().await;
    let (_, a) = app.create_org("Acme", "ada@acme.io").await;
    let (_, b) = app.create_org("Globex", "hank@globex.io").await;
    let records = Records::of(&app, &a).await;
    // Whatever the background workers were doing has settled before the first dump.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let spec: serde_json::Value = app.public("/openapi.json").await.expect(200);
    // Bodies that pass validation, so that the answer is about the record, not the body.
    #[rustfmt::skip]
    let bodies = [
        ("patch /v1/permission-groups/{id}", json!({"name": "pwned"})),
        ("patch /v1/integrations/{id}", json!({"status": "inactive"})),
        ("patch /v1/routes/{id}", json!({"path": "/pwned"})),
        ("patch /v1/api-users/{id}", json!({"name": "pwned"})),
        ("put /v1/api-users/{id}/password", json!({"password": "0123456789ab"})),
        ("post /v1/api-users/{id}/tokens", json!({"name": "pwned"})),
        ("post /v1/api-users/{id}/tokens/import", json!({"tokens": [{"name": "x", "hash": "0".repeat(64)}]})),
        ("post /v1/api-users/{id}/tokens/revoke-all", json!({"confirm": true})),
        ("post /v1/api-users/{id}/totp/confirm", json!({"code": "123456"})),
        ("patch /v1/tokens/{id}", json!({"name": "pwned"})),
        ("post /v1/tokens/{id}/rotate", json!({"grace_period_seconds": 60})),
        ("post /v1/tokens/{id}/credits", json!({"add": 1000})),
        ("post /v1/api-users/{id}/credits", json!({"add": 1000})),
        ("patch /v1/members/{id}", json!({"name": "pwned"})),
        ("patch /v1/webhooks/{id}", json!({"enabled": false})),
    ];
    let before = app.dump().await;
    assert!(before.len() >= 20 && before["tokens"].len() == 1 && !before["audit_events"].is_empty());
    let mut tried = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        if !template.contains('{') {
            continue;
        }
        let path = records.path_for(template);
        for method in item.as_object().unwrap().keys() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let body = body_for(&spec, &bodies, method, template);
            let answer = app.call(m, &path, Some(&b), body).await;
            assert_eq!(
                answer.status.as_u16(),
                404,
                "{method} {template} as organization B: {}",
                answer.text
            );
            assert_eq!(answer.body["code"], "not_found", "{method} {template}");
            tried += 1;
        }
    }
    assert!(tried >= 30, "only {tried} operations name a record");
    eprintln!("{tried} operations naming a record answered 404 to another organization");
    let after = app.dump().await;
    for (table, rows) in &before {
        assert_eq!(rows, &after[table], "table {table} changed");
    }
    assert_eq!(before.len(), after.len());
}

/// Names one organization picks neither break another's logins nor tell it who exists there:
/// OAuth client ids are API user ids, and member emails are unique within an organization.
#[tokio::test]
async fn one_organizations_names_neither_break_nor_reveal_another() {
    let app = TestApp::spawn().await;
    let (a_org, a) = app.create_org("Acme", "ada@acme.io").await;
    let (b_org, b) = app.create_org("Globex", "hank@globex.io").await;
    let secret = "client secret 0123";
    let client =
        |username: &str| json!({"username": username, "auth_method": "password", "password": secret});
    let a_user = app.create_api_user(&a, client("crm-sync")).await.to_string();
    let oauth_login = async |id: &str| crate::oauth::grant(&app, (id, secret), &[]).await.0;
    assert_eq!(oauth_login(&a_user).await, 200);
    // B's API user of the same name is made, and changes nothing for A.
    let b_user = app.create_api_user(&b, client("crm-sync")).await.to_string();
    assert_eq!(oauth_login(&a_user).await, 200);
    assert_eq!(oauth_login(&b_user).await, 200);
    // A username is never a client id: it names nothing across organizations.
    assert_eq!(oauth_login("crm-sync").await, 401);

    // B adds a member with A's super admin's email: nothing says it is used elsewhere.
    let b_password = "globex's own password 1";
    let member = |email: &str, password: &str| json!({"email": email, "name": "Ada", "role": "admin", "password": password});
    app.post("/v1/members", &b, member("ada@acme.io", b_password))
        .await
        .expect(201);
    // Within one organization an email is still one person's.
    app.post("/v1/members", &a, member("ADA@acme.io", "another password 12"))
        .await
        .problem(409, "email_taken");
    // Each password signs in to its own organization.
    let org_of = async |session: String| {
        app.read("/v1/me", &session).await["organization_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        org_of(app.login("ada@acme.io", PASSWORD).await).await,
        a_org.to_string()
    );
    assert_eq!(
        org_of(app.login("ada@acme.io", b_password).await).await,
        b_org.to_string()
    );
    // The same password for both: the sign-in asks which organization, and only then names them.
    let c = app
        .post("/v1/members", &b, member("carol@acme.io", PASSWORD))
        .await
        .expect(201);
    assert!(c["id"].is_string());
    app.post("/v1/members", &a, member("carol@acme.io", PASSWORD))
        .await
        .expect(201);
    let login =
        |org: Option<Uuid>| json!({"email": "carol@acme.io", "password": PASSWORD, "organization": org});
    let ask = app
        .call(Method::POST, "/v1/auth/login", None, Some(login(None)))
        .await
        .problem(401, "organization_required");
    let detail = ask["detail"].as_str().unwrap();
    assert!(detail.contains("Acme") && detail.contains("Globex"), "{detail}");
    let wrong = json!({"email": "carol@acme.io", "password": "not the password 1"});
    let refused = app
        .call(Method::POST, "/v1/auth/login", None, Some(wrong))
        .await
        .problem(401, "unauthorized");
    assert!(!refused.to_string().contains("Globex"), "{refused}");
    let chosen = app
        .call(Method::POST, "/v1/auth/login", None, Some(login(Some(b_org))))
        .await
        .expect(200);
    let session = chosen["token"].as_str().unwrap().to_owned();
    assert_eq!(org_of(session).await, b_org.to_string());
}
