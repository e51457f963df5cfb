use serde_json::{Value, json};

use Step::*;

use crate::helpers::*;

/// Every result code, produced the way a platform would meet it, in one organization.
#[tokio::test]
async fn every_verify_code() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let group = app
        .create_group(&admin, "crm", &["contacts:read", "orders:*"])
        .await;
    let crm = app
        .create_integration(&admin, "salesforce", &["10.0.0.0/8"])
        .await;
    let erp = app.create_integration(&admin, "sap", &[]).await;
    let user = app
        .create_api_user(
            &admin,
            json!({"username": "crm-sync", "permission_group_id": group, "integration_ids": [crm, erp]}),
        )
        .await;
    let (id, secret) = app
        .create_token(&admin, &user, json!({"name": "prod", "expires_in_days": 7}))
        .await;
    let mut typo = secret.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let unknown =
        keyward_core::token::generate(&Default::default(), keyward_core::Environment::Live).unwrap();
    let (group, erp, user, id) = (
        format!("/v1/permission-groups/{group}"),
        format!("/v1/integrations/{erp}"),
        format!("/v1/api-users/{user}"),
        format!("/v1/tokens/{id}"),
    );
    let at = |extra: Value| {
        let mut body = json!({"token": secret});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    #[rustfmt::skip]
    let steps = [
        Expect(json!({"token": "not a token"}), "MALFORMED"),
        Expect(json!({"token": typo}), "MALFORMED"),
        Expect(json!({"token": unknown.expose()}), "NOT_FOUND"),
        Expect(at(json!({"integration": "sap"})), "VALID"),
        Expect(at(json!({"integration": "salesforce", "ip": "10.9.9.9"})), "VALID"),
        Expect(at(json!({"integration": "salesforce", "ip": "192.0.2.1"})), "IP_NOT_ALLOWED"),
        Expect(at(json!({"integration": "salesforce"})), "IP_NOT_ALLOWED"),
        Expect(at(json!({"integration": "hr"})), "INTEGRATION_NOT_ALLOWED"),
        Expect(at(json!({"permissions": ["orders:ship"]})), "VALID"),
        Expect(at(json!({"permissions": ["contacts:write"]})), "INSUFFICIENT_PERMISSIONS"),
        // Changing the group takes effect on the very next verify (cache invalidated).
        Patch(group.clone(), json!({"permissions": ["contacts:read", "contacts:write"]})),
        Expect(at(json!({"permissions": ["contacts:write"]})), "VALID"),
        Expect(at(json!({"permissions": ["orders:ship"]})), "INSUFFICIENT_PERMISSIONS"),
        // An inactive integration suspends calls through it.
        Patch(erp.clone(), json!({"status": "inactive"})),
        Expect(at(json!({"integration": "sap"})), "SUSPENDED"),
        Patch(erp, json!({"status": "active"})),
        Expect(at(json!({"integration": "sap"})), "VALID"),
        // API user IP list applies too; changing it takes effect at once.
        Patch(user.clone(), json!({"allowed_ips": ["203.0.113.0/24"]})),
        Expect(at(json!({"ip": "198.51.100.1"})), "IP_NOT_ALLOWED"),
        Expect(at(json!({"ip": "203.0.113.7"})), "VALID"),
        // Expiry: the clock moves past it (and past the session's end).
        Advance(time::Duration::days(7)),
        Expect(at(json!({"ip": "203.0.113.7"})), "EXPIRED"),
        SignIn,
        Patch(id.clone(), json!({"expires_in_days": 1})),
        Expect(at(json!({"ip": "203.0.113.7"})), "VALID"),
        // An API user's expiry expires its tokens.
        Patch(user, json!({"expires_at": "2026-12-01T13:00:00Z"})),
        Advance(time::Duration::hours(1)),
        Expect(at(json!({"ip": "203.0.113.7"})), "EXPIRED"),
        // Revoked beats expired.
        Delete(id),
        Expect(at(json!({"ip": "203.0.113.7"})), "REVOKED"),
    ];
    Step::run_all(&app, &admin, &verifier, steps).await;

    // A malformed answer still has the documented shape.
    let v = app.verify(&verifier, json!({"token": ""})).await;
    assert_eq!(v["valid"], false);
    assert!(v.get("api_user").is_none());

    // The counters saw them.
    let metrics = app.public("/metrics").await.text;
    assert!(
        metrics.contains("keyward_verify_total{code=\"REVOKED\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn token_bound_to_an_integration_and_linked_member() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let group = app.create_group(&admin, "ops", &["tickets:*"]).await;
    let crm = app.create_integration(&admin, "salesforce", &[]).await;
    // A member with a group: an API user linked to them takes that group and identity.
    let member = app
        .post("/v1/members", &admin, json!({"email": "bob@acme.io", "name": "Bob", "role": "admin", "password": PASSWORD, "permission_group_id": group}))
        .await
        .expect(201);
    let user = app
        .create_api_user(
            &admin,
            json!({"username": "bob-bot", "linked_member_id": member["id"], "environment": "sandbox"}),
        )
        .await;
    let (_, secret) = app
        .create_token(&admin, &user, json!({"name": "t", "integration_id": crm}))
        .await;
    assert!(secret.starts_with("kw_test_"), "sandbox tokens say test");
    let v = app
        .verify(
            &verifier,
            json!({"token": secret, "integration": crm, "permissions": ["tickets:close"]}),
        )
        .await;
    assert_eq!(v["code"], "VALID", "{v}");
    assert_eq!(v["api_user"]["acting_member"]["email"], "bob@acme.io");
    assert_eq!(v["api_user"]["environment"], "sandbox");
    assert_eq!(
        app.verify_code(&verifier, json!({"token": secret, "integration": "other"}))
            .await,
        "INTEGRATION_NOT_ALLOWED"
    );
    // The member leaves the group: the API user's rights go with it.
    app.patch(
        &format!("/v1/members/{}", member["id"].as_str().unwrap()),
        &admin,
        json!({"permission_group_id": null}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.verify_code(
            &verifier,
            json!({"token": secret, "permissions": ["tickets:close"]})
        )
        .await,
        "INSUFFICIENT_PERMISSIONS"
    );
    // A linked member cannot be deleted while linked.
    app.delete(&format!("/v1/members/{}", member["id"].as_str().unwrap()), &admin)
        .await
        .problem(409, "member_in_use");
}

#[tokio::test]
async fn repeated_unknown_and_malformed_tokens_do_not_read_storage() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let reads = || app.metric("keyward_verify_storage_reads_total");
    app.verify(&verifier, json!({"token": "kw_live_short"})).await;
    let unknown =
        keyward_core::token::generate(&Default::default(), keyward_core::Environment::Live).unwrap();
    app.verify(&verifier, json!({"token": unknown.expose()})).await;
    let before = reads().await;
    for _ in 0..20 {
        assert_eq!(
            app.verify_code(&verifier, json!({"token": format!("kw_live_{}", "0".repeat(36))}))
                .await,
            "MALFORMED"
        );
        assert_eq!(app.code_of(&verifier, unknown.expose()).await, "NOT_FOUND");
    }
    assert_eq!(
        reads().await,
        before,
        "malformed and repeated unknown tokens must not reach storage"
    );

    // Distinct well-formed unknown tokens: the membership filter answers them, once loaded.
    while app.metric("keyward_token_filter_complete").await != 1 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = reads().await;
    for _ in 0..50 {
        let t = keyward_core::token::generate(&Default::default(), keyward_core::Environment::Live).unwrap();
        assert_eq!(app.code_of(&verifier, t.expose()).await, "NOT_FOUND");
    }
    if std::env::var("KEYWARD_TEST_DATABASE").is_ok_and(|v| v == "postgres") {
        // With peers possible, filter misses may read storage, at most 200 a second.
        assert!(reads().await - before <= 50);
    } else {
        assert_eq!(
            reads().await,
            before,
            "distinct unknown tokens must not reach storage either"
        );
    }
    // A token created afterwards is known at once.
    let group = app.create_group(&admin, "g", &["a:b"]).await;
    let user = app.api_user_in(&admin, "fresh", &group).await;
    let (_, fresh) = app.create_token(&admin, &user, json!({"name": "new"})).await;
    assert_eq!(app.code_of(&verifier, &fresh).await, "VALID");
}

/// Verify is served ahead of the router and its middleware; it must still keep every promise
/// the middleware keeps for other routes: security headers, the body limit, problem+json for
/// bad requests, and the refusals of callers who may not verify.
#[tokio::test]
async fn verify_answers_bad_requests_and_carries_the_security_headers() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let url = format!("{}/v1/verify", app.url);
    let send = |auth: Option<&str>, content_type: Option<&str>, body: String| {
        let mut req = app.http.post(&url).body(body);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req.send()
    };
    let check = |res: reqwest::Response, status: u16, code: Option<&'static str>| async move {
        assert_eq!(res.status().as_u16(), status);
        let h = res.headers().clone();
        for (name, value) in [
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("cross-origin-opener-policy", "same-origin"),
        ] {
            assert_eq!(
                h.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{name} on {status}"
            );
        }
        let body: serde_json::Value = res.json().await.unwrap();
        if let Some(code) = code {
            assert_eq!(
                h.get("content-type").unwrap(),
                "application/problem+json",
                "{body}"
            );
            assert_eq!(body["code"], code, "{body}");
        }
        body
    };
    let json = Some("application/json");
    let valid = check(
        send(Some(&verifier), json, json!({"token": "nope"}).to_string())
            .await
            .unwrap(),
        200,
        None,
    )
    .await;
    assert_eq!(valid["code"], "MALFORMED");
    let huge = json!({"token": "x".repeat(100_000)}).to_string();
    // (caller, content type, body, status, problem code)
    #[rustfmt::skip]
    let bad = [
        (None, json, "{}".to_owned(), 401, "unauthorized"),
        (Some(admin.as_str()), json, "{}".to_owned(), 403, "verify_permission_required"),
        (Some(&verifier), None, json!({"token": "x"}).to_string(), 415, "unsupported_media_type"),
        (Some(&verifier), json, "{\"token\": ".to_owned(), 400, "malformed_json"),
        (Some(&verifier), json, json!({"token": "x", "tokn": 1}).to_string(), 422, "invalid_body"),
        (Some(&verifier), json, json!({"token": "x", "ip": "10.0.0.300"}).to_string(), 422, "validation_failed"),
        (Some(&verifier), json, huge, 413, "body_too_large"),
    ];
    for (auth, content_type, body, status, code) in bad {
        let answer = send(auth, content_type, body).await.unwrap();
        check(answer, status, Some(code)).await;
    }
    // Other methods still reach the router.
    let res = app.http.get(&url).bearer_auth(&verifier).send().await.unwrap();
    check(res, 405, Some("method_not_allowed")).await;
}

/// With `metrics_token` set, `/metrics` answers only that bearer token (issue 18, item 9);
/// without it the metrics stay open, as Prometheus scrapers expect by default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_require_a_token() {
    let config = keyward_server::ServerConfig {
        metrics_token: Some("scrape-me-0123456789".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(config).await;
    let get = |auth: Option<&'static str>| {
        let mut req = app.http.get(format!("{}/metrics", app.url));
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("scrape-me-wrong")).await.unwrap().status(), 401);
    let ok = get(Some("scrape-me-0123456789")).await.unwrap();
    assert_eq!(ok.status(), 200);
    let text = ok.text().await.unwrap();
    assert!(text.contains("keyward_verify_total{code=\"VALID\"}"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics");
    let open = TestApp::spawn().await;
    let res = open
        .http
        .get(format!("{}/metrics", open.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// One step of a verify scenario: a change an administrator makes, or a verify and the code it
/// must answer at once.
enum Step {
    Patch(String, Value),
    Delete(String),
    Advance(time::Duration),
    /// Signs the administrator in again (a session ends after 12 hours).
    SignIn,
    Expect(Value, &'static str),
}

impl Step {
    async fn run_all(app: &TestApp, admin: &str, verifier: &str, steps: impl IntoIterator<Item = Step>) {
        let mut admin = admin.to_owned();
        for step in steps {
            match step {
                Patch(path, body) => {
                    app.patch(&path, &admin, body).await.expect(200);
                }
                Delete(path) => {
                    app.delete(&path, &admin).await.expect(204);
                }
                Advance(by) => app.clock.advance(by),
                SignIn => admin = app.login("ada@acme.io", PASSWORD).await,
                Expect(body, code) => {
                    assert_eq!(app.verify_code(verifier, body.clone()).await, code, "{body}")
                }
            }
        }
    }
}
