use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (org, admin) = app.create_org("Acme", "ada@acme.io").await;
    let group = app.create_group(&admin, "crm", &["contacts:read"]).await;
    let raw = |path: &'static str, body: &'static str| {
        app.http
            .post(format!("{}{path}", app.url))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let problem = |res: reqwest::Response| async move {
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(ct, "application/problem+json");
        (
            status,
            v["code"].as_str().unwrap().to_owned(),
            v["detail"].as_str().unwrap().to_owned(),
        )
    };

    let (s, c, _) = problem(raw("/v1/api-users", "{\"username\": ").await.unwrap()).await;
    assert_eq!((s, c.as_str()), (400, "malformed_json"));
    let (s, c, d) = problem(
        raw("/v1/api-users", r#"{"username":"abc","colour":"red"}"#)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, c.as_str()), (422, "invalid_body"));
    assert!(d.contains("colour"), "{d}");
    let (s, c, d) = problem(raw("/v1/api-users", r#"{"username":42}"#).await.unwrap()).await;
    assert_eq!((s, c.as_str()), (422, "invalid_body"));
    assert!(d.contains("username") || d.contains("string"), "{d}");
    let no_type = app
        .http
        .post(format!("{}/v1/api-users", app.url))
        .bearer_auth(&admin)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(no_type).await.0, 415);
    let huge = format!(
        "{{\"username\":\"abc\",\"description\":\"{}\"}}",
        "x".repeat(200_000)
    );
    let res = app
        .http
        .post(format!("{}/v1/api-users", app.url))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (s, c, _) = problem(res).await;
    assert_eq!((s, c.as_str()), (413, "body_too_large"));

    let p = app
        .post("/v1/api-users", &admin, json!({"username": "abc", "permission_group_id": group, "allowed_ips": ["10.0.0.1", "300.1.1.1"]}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "allowed_ips");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("entry 2 is not an IP address"), "{detail}");
    assert!(
        !detail.contains("300.1.1.1"),
        "the value is never echoed: {detail}"
    );
    // Each bad field is refused with the code that says why: a value the type cannot hold is
    // `invalid_body`, a value that breaks a rule `validation_failed`.
    for (body, code) in [
        (
            json!({"username": "abc", "allowed_ips": ["10.0.0.1/8"]}),
            "validation_failed",
        ),
        (
            json!({"username": "abc", "expires_at": "next tuesday"}),
            "invalid_body",
        ),
        (
            json!({"username": "abc", "expires_at": "2020-01-01T00:00:00Z"}),
            "validation_failed",
        ),
        (
            json!({"username": "abc", "expires_in_days": 0}),
            "validation_failed",
        ),
        (json!({"username": "a b"}), "validation_failed"),
        (
            json!({"username": "abc", "contact_email": "nope"}),
            "validation_failed",
        ),
        (
            json!({"username": "abc", "permission_group_id": "not-a-uuid"}),
            "invalid_body",
        ),
    ] {
        let refused = app.post("/v1/api-users", &admin, body.clone()).await;
        assert_eq!(refused.body["code"], code, "{body}: {}", refused.text);
        refused.problem(422, code);
    }
    // A reference to a record that does not exist: refused, and nothing half-written.
    let p = app
        .post("/v1/api-users", &admin, json!({"username": "abc", "permission_group_id": group, "integration_ids": [uuid::Uuid::now_v7()]}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "integration_ids");
    let users = app.read("/v1/api-users", &admin).await;
    assert_eq!(users["items"].as_array().unwrap().len(), 0);
    let audit = app.read("/v1/audit-events?action=api_user", &admin).await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        0,
        "no audit event for a refused write"
    );

    // Ids, queries, routes and methods.
    let bad_id = app
        .get("/v1/tokens/not-an-id", &admin)
        .await
        .problem(400, "invalid_path");
    assert!(
        !bad_id.to_string().contains("not-an-id"),
        "the value is never echoed: {bad_id}"
    );
    let verifier = app.verifier_token(&admin).await;
    let unknown = format!("/v1/tokens/{}", uuid::Uuid::now_v7());
    let get = |path: &str| {
        (
            admin.as_str(),
            Method::GET,
            path.to_owned(),
            None,
            400,
            "invalid_query",
        )
    };
    let verify = |body: Value, status, code| {
        (
            verifier.as_str(),
            Method::POST,
            "/v1/verify".to_owned(),
            Some(body),
            status,
            code,
        )
    };
    #[rustfmt::skip]
    app.answers(vec![
        get("/v1/tokens?limit=0"),
        get("/v1/tokens?status=bogus"),
        get("/v1/tokens?cursor=zzz"),
        get("/v1/tokens?colour=red"),
        (&admin, Method::GET, "/v1/nothing-here".into(), None, 404, "not_found"),
        (&admin, Method::PUT, "/v1/tokens".into(), None, 405, "method_not_allowed"),
        (&admin, Method::GET, unknown, None, 404, "not_found"),
        // Verify input.
        verify(json!({"token": "x", "ip": "999.1.1.1"}), 422, "validation_failed"),
        verify(json!({"token": "x", "extra": 1}), 422, "invalid_body"),
        verify(json!({}), 422, "invalid_body"),
    ]).await;
    let _ = org;
}

/// A token pasted into the wrong field never comes back: validation errors name the field and
/// the rule, not the value (issue 18, item 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_never_echo_a_pasted_token() {
    let (app, admin) = TestApp::acme().await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (_, secret) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    let verifier = app.verifier_token(&admin).await;
    #[rustfmt::skip]
    let attempts = [
        ("POST", "/v1/api-users", json!({"username": "a1", "contact_email": secret})),
        ("POST", "/v1/api-users", json!({"username": "a2", "allowed_ips": ["10.0.0.1", secret]})),
        ("POST", "/v1/permission-groups", json!({"name": "g", "permissions": ["a:b", secret]})),
        ("POST", "/v1/members", json!({"email": secret, "name": "n", "role": "admin", "password": PASSWORD})),
        ("POST", "/v1/members", json!({"email": "m@acme.io", "name": "n", "role": secret, "password": PASSWORD})),
        ("PATCH", &format!("/v1/api-users/{user}"), json!({"external_id": secret, "allowed_ips": [secret]})),
        ("POST", &format!("/v1/api-users/{user}/tokens"), json!({"name": "t", "permissions": [secret]})),
    ];
    for (method, path, body) in attempts {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let answer = app.call(method, path, Some(&admin), Some(body)).await;
        assert!(answer.status.is_client_error(), "{path}: {}", answer.status);
        assert!(
            !answer.text.contains(&secret),
            "{path} echoed the token: {}",
            answer.text
        );
    }
    let in_path = app.get(&format!("/v1/tokens/{secret}"), &admin).await;
    assert_eq!(in_path.status, 400);
    assert!(!in_path.text.contains(&secret), "{}", in_path.text);
    let as_ip = app
        .post("/v1/verify", &verifier, json!({"token": secret, "ip": secret}))
        .await;
    assert_eq!(as_ip.status, 422);
    assert!(!as_ip.text.contains(&secret), "{}", as_ip.text);
}

/// Names that look alike are the same name (issue 18, item 9): full-width forms are read as
/// what they look like (NFKC), and invisible characters are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_names_are_one_name() {
    let (app, admin) = TestApp::acme().await;
    app.create_integration(&admin, "integA", &[]).await;
    app.post("/v1/integrations", &admin, json!({"name": "ｉｎｔｅｇA"}))
        .await
        .problem(409, "integration_name_taken");
    let p = app
        .post("/v1/integrations", &admin, json!({"name": "integ\u{200B}A"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "name");
    app.add_member(&admin, "ann@acme.io", "admin").await;
    app.post(
        "/v1/members",
        &admin,
        json!({"email": "ａｎｎ@acme.io", "name": "Ann", "role": "admin", "password": PASSWORD}),
    )
    .await
    .problem(409, "email_taken");
}
