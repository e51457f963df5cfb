use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn who_may_do_what() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let admin = app.add_member(&owner, "adam@acme.io", "admin").await;
    let auditor = app.add_member(&owner, "aud@acme.io", "auditor").await;
    let (group, user) = app.create_crm_sync(&owner).await;

    // Tokens acting with keyward's own permissions.
    let token_with =
        |perms: &'static [&'static str], name: &'static str| app.token_holding(&owner, name, perms);
    let kw_admin = token_with(&["keyward:admin"], "kw-admin").await;
    let kw_read = token_with(&["keyward:read"], "kw-read").await;
    let kw_verify = token_with(&["keyward:verify"], "kw-verify").await;
    let plain = token_with(&["contacts:read"], "plain").await;

    // Writes: super admin and keyward:admin only; others get the documented refusal.
    for who in [&admin, &auditor, &kw_read] {
        let p = app
            .post(
                "/v1/api-users",
                who,
                json!({"username": "x-1", "permission_group_id": group}),
            )
            .await
            .problem(403, "super_admin_required");
        assert_eq!(
            p["detail"],
            "super admin privileges are required to manage API credentials"
        );
        app.post(&format!("/v1/api-users/{user}/tokens"), who, json!({"name": "n"}))
            .await
            .problem(403, "super_admin_required");
        app.post(&format!("/v1/api-users/{user}/suspend"), who, json!({}))
            .await
            .problem(403, "super_admin_required");
        // Jobs writes follow the same rule; reads are open to every member and keyward:read.
        app.patch(
            "/v1/settings",
            who,
            json!({"expiry_policy": {"max_lifetime_days": 30}}),
        )
        .await
        .problem(403, "super_admin_required");
        app.post("/v1/webhooks", who, json!({"url": "https://hooks.acme.io/k"}))
            .await
            .problem(403, "super_admin_required");
        for read in [
            "/v1/settings",
            "/v1/webhooks",
            "/v1/outbox",
            "/v1/usage",
            "/v1/insights",
        ] {
            app.get(read, who).await.expect(200);
        }
    }
    for read in [
        "/v1/settings",
        "/v1/webhooks",
        "/v1/outbox",
        "/v1/usage",
        "/v1/insights",
    ] {
        app.get(read, &kw_verify)
            .await
            .problem(403, "read_permission_required");
    }
    app.patch(
        "/v1/settings",
        &kw_admin,
        json!({"insights": {"denied_burst": 50}}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/api-users/{user}/tokens"),
        &kw_admin,
        json!({"name": "by-token"}),
    )
    .await
    .expect(201);
    app.post(
        "/v1/api-users",
        &kw_verify,
        json!({"username": "x-2", "permission_group_id": group}),
    )
    .await
    .problem(403, "super_admin_required");

    // Reads: every member role and keyward:read/admin tokens.
    for who in [&owner, &admin, &auditor, &kw_read, &kw_admin] {
        app.get("/v1/api-users", who).await.expect(200);
        app.get("/v1/tokens", who).await.expect(200);
        app.get("/v1/audit-events", who).await.expect(200);
        app.get("/v1/endpoints", who).await.expect(200);
    }
    app.get("/v1/api-users", &kw_verify)
        .await
        .problem(403, "read_permission_required");

    // Members: super admins only.
    for who in [&admin, &auditor, &kw_admin] {
        app.get("/v1/members", who)
            .await
            .problem(403, "super_admin_required");
    }
    app.get("/v1/members", &owner).await.expect(200);

    // Verify: keyward:verify tokens only.
    for who in [&owner, &kw_admin, &kw_read] {
        app.post("/v1/verify", who, json!({"token": "x"}))
            .await
            .problem(403, "verify_permission_required");
    }
    app.post("/v1/verify", &kw_verify, json!({"token": "x"}))
        .await
        .expect(200);

    // A token without keyward permissions cannot use the API at all.
    app.get("/v1/api-users", &plain)
        .await
        .problem(403, "keyward_permission_required");
    // No credential, garbage, and X-API-Key.
    app.call(reqwest::Method::GET, "/v1/api-users", None, None)
        .await
        .problem(401, "unauthorized");
    app.get("/v1/api-users", "kws_nonsense")
        .await
        .problem(401, "unauthorized");
    let via_header = app
        .http
        .get(format!("{}/v1/api-users", app.url))
        .header("X-API-Key", &kw_read)
        .send()
        .await
        .unwrap();
    assert_eq!(via_header.status(), 200);
}

#[tokio::test]
async fn login_logout_and_throttling() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let bad = |email: &'static str, password: &'static str| {
        app.call(
            reqwest::Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
    };
    // The same answer whether the email or the password is wrong.
    let a = bad("ada@acme.io", "wrong password!")
        .await
        .problem(401, "unauthorized");
    let b = bad("nobody@acme.io", "wrong password!")
        .await
        .problem(401, "unauthorized");
    assert_eq!(a["detail"], b["detail"]);
    for _ in 0..4 {
        bad("ada@acme.io", "wrong password!")
            .await
            .problem(401, "unauthorized");
    }
    // Five failures lock the account, even with the right password.
    let locked = bad("ada@acme.io", PASSWORD).await;
    assert!(locked.headers.get("retry-after").is_some());
    locked.problem(429, "too_many_attempts");
    app.clock.advance(time::Duration::minutes(16));
    let session = app.login("ada@acme.io", PASSWORD).await;

    // Logout ends the session; the older one still works.
    app.post("/v1/auth/logout", &session, json!({})).await.expect(204);
    app.get("/v1/me", &session).await.problem(401, "unauthorized");
    // Sessions expire.
    app.get("/v1/me", &owner).await.expect(200);
    app.clock.advance(time::Duration::hours(13));
    app.get("/v1/me", &owner).await.problem(401, "unauthorized");

    // Failed logins are audited, in the account's organization.
    let fresh = app.login("ada@acme.io", PASSWORD).await;
    let events = app
        .get("/v1/audit-events?action=auth.login&limit=200", &fresh)
        .await
        .expect(200);
    let outcomes: Vec<_> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "failure").count(),
        6,
        "5 wrong passwords and 1 throttled: {outcomes:?}"
    );
    assert!(outcomes.iter().filter(|o| *o == "success").count() >= 3);
    assert!(
        !events.to_string().contains(PASSWORD),
        "passwords are never audited"
    );
}

#[tokio::test]
async fn the_last_super_admin_stays() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let me = app.get("/v1/me", &owner).await.expect(200);
    let id = me["member"]["id"].as_str().unwrap();
    app.patch(&format!("/v1/members/{id}"), &owner, json!({"role": "admin"}))
        .await
        .problem(409, "last_super_admin");
    app.delete(&format!("/v1/members/{id}"), &owner)
        .await
        .problem(409, "last_super_admin");
    app.post(
        "/v1/members",
        &owner,
        json!({"email": "ada@acme.io", "name": "x", "role": "admin", "password": PASSWORD}),
    )
    .await
    .problem(409, "email_taken");
}

/// Every operation of the OpenAPI document states who may call it ("Requires: …"); every kind
/// of caller is tried against every operation, and the answer matches the statement: those it
/// names are let through (whatever else the answer says), the others get 401 or 403.
#[tokio::test]
async fn every_operation_answers_as_its_role_statement_says() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let admin = app.add_member(&owner, "adam@acme.io", "admin").await;
    let auditor = app.add_member(&owner, "aud@acme.io", "auditor").await;
    let token_with =
        |perms: &'static [&'static str], name: &'static str| app.token_holding(&owner, name, perms);
    let callers = [
        ("super admin", owner.clone()),
        ("admin", admin),
        ("auditor", auditor),
        ("keyward:admin", token_with(&["keyward:admin"], "kw-admin").await),
        ("keyward:read", token_with(&["keyward:read"], "kw-read").await),
        (
            "keyward:verify",
            token_with(&["keyward:verify"], "kw-verify").await,
        ),
        (
            "no keyward permission",
            token_with(&["contacts:read"], "plain").await,
        ),
        ("no credential", String::new()),
    ];
    let tokens = [
        "keyward:admin",
        "keyward:read",
        "keyward:verify",
        "no keyward permission",
    ];
    let members = ["super admin", "admin", "auditor"];
    let allowed = |statement: &str, who: &str| -> bool {
        match statement {
            "super admin" => who == "super admin",
            "super admin or keyward:admin" => matches!(who, "super admin" | "keyward:admin"),
            // keyward:admin includes reading.
            "any member, or keyward:read" => {
                members.contains(&who) || matches!(who, "keyward:admin" | "keyward:read")
            }
            "a member session" => members.contains(&who),
            "a member session or a token with keyward:admin, keyward:read or keyward:verify" => {
                !matches!(who, "no keyward permission" | "no credential")
            }
            "a token with keyward:verify" => who == "keyward:verify",
            "a token with keyward:report-leaks or keyward:admin, or a super admin" => {
                matches!(who, "super admin" | "keyward:admin")
            }
            // Secret scanners sign their reports, OAuth clients send their own id and password;
            // no credential of ours stands in for either.
            "the scanner's signature" | "the client's own credentials" => false,
            "nothing" | "nothing, unless the server was started with a metrics token" => true,
            // The gateway's answer: any token of the organization passes the credential check
            // (its routes may still refuse the request, with 403).
            "a token of the organization, whose routes decide the rest" => tokens.contains(&who),
            other => panic!("unknown role statement {other:?}"),
        }
    };
    // Records of the caller's own organization for paths that name one; spares, since allowed
    // callers really delete them.
    let group = app.create_group(&owner, "spare", &["contacts:read"]).await;
    let integration = app.create_integration(&owner, "spare", &[]).await;
    let user = app
        .create_api_user(&owner, json!({"username": "spare", "permission_group_id": group}))
        .await;
    let (token, _) = app.create_token(&owner, &user, json!({"name": "spare"})).await;
    let member = app.add_member(&owner, "spare@acme.io", "auditor").await;
    let member = app.get("/v1/me", &member).await.expect(200)["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook = app
        .post("/v1/webhooks", &owner, json!({"url": "https://hooks.acme.io/k"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let message = app.get("/v1/outbox", &owner).await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let route = app
        .post("/v1/routes", &owner, json!({"method": "GET", "path": "/spare"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = [
        ("/v1/permission-groups/", group.as_str()),
        ("/v1/routes/", route.as_str()),
        ("/v1/integrations/", integration.as_str()),
        ("/v1/api-users/", user.as_str()),
        ("/v1/tokens/", token.as_str()),
        ("/v1/members/", member.as_str()),
        ("/v1/webhooks/", hook.as_str()),
        ("/v1/outbox/", message.as_str()),
    ];
    let spec: serde_json::Value = app.public("/openapi.json").await.expect(200);
    let mut ops = Vec::new();
    for (template, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let text = format!(
                "{} {}",
                op["summary"].as_str().unwrap_or(""),
                op["description"].as_str().unwrap_or("")
            )
            .replace('\n', " ");
            let statement = text
                .split("Requires: ")
                .nth(1)
                .and_then(|r| r.split('.').next())
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{method} {template} does not say who may call it"));
            ops.push((template.clone(), method.clone(), statement));
        }
    }
    // Operations that end what later calls use run last: signing out, revoking every token.
    ops.sort_by_key(|(t, m, _)| {
        let last = match t.as_str() {
            "/v1/tokens/revoke-all" => 1,
            "/v1/auth/logout" => 2,
            _ => 0,
        };
        (last, t.clone(), m.clone())
    });
    // Bodies that pass validation, so that the answer is about the caller.
    let bodies = [
        ("post /v1/api-users", json!({"username": "made-by-caller"})),
        ("post /v1/tokens/report-leak", json!([])),
        ("post /v1/tokens/check-hashes", json!({"token_hashes": []})),
        ("post /v1/revoke_tokens", json!([])),
        (
            "post /v1/api-users/{id}/tokens",
            json!({"name": "made-by-caller"}),
        ),
        ("post /v1/api-users/{id}/tokens/import", json!({"tokens": []})),
        (
            "post /v1/api-users/{id}/tokens/revoke-all",
            json!({"confirm": true}),
        ),
        ("post /v1/api-users/{id}/totp/confirm", json!({"code": "123456"})),
        (
            "put /v1/api-users/{id}/password",
            json!({"password": "0123456789ab"}),
        ),
        ("post /v1/integrations", json!({"name": "made-by-caller"})),
        (
            "post /v1/routes",
            json!({"method": "GET", "path": "/made-by-caller"}),
        ),
        ("delete /v1/me/totp", json!({"code": "123456"})),
        ("post /v1/me/totp/confirm", json!({"code": "123456"})),
        (
            "post /v1/members",
            json!({"email": "made@acme.io", "name": "Made", "role": "auditor", "password": PASSWORD}),
        ),
        (
            "post /v1/permission-groups",
            json!({"name": "made-by-caller", "permissions": ["a:b"]}),
        ),
        ("post /v1/tokens/revoke-all", json!({"confirm": true})),
        ("post /v1/verify", json!({"token": "not-a-token"})),
        ("post /v1/webhooks", json!({"url": "https://hooks.acme.io/made"})),
    ];
    // Read before the calls below sign out and revoke.
    let listed = app.get("/v1/endpoints", &callers[0].1).await.expect(200);
    let mut checked = 0;
    for (template, method, statement) in &ops {
        let path = match ids
            .iter()
            .find(|(p, _)| template.starts_with(p) && template.contains('{'))
        {
            Some((prefix, id)) => {
                let rest = &template[prefix.len()..];
                let tail = rest.split_once('}').unwrap().1;
                format!("{prefix}{id}{tail}")
            }
            None => template.clone(),
        };
        assert!(!path.contains('{'), "{template}: no record to name");
        let m: reqwest::Method = method.to_uppercase().parse().unwrap();
        let body = spec["paths"][template][method].get("requestBody").map(|_| {
            bodies
                .iter()
                .find(|(k, _)| *k == format!("{method} {template}"))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| json!({}))
        });
        // Those refused first, so that an allowed deletion does not turn their 403 into a 404.
        let mut order: Vec<_> = callers.iter().collect();
        // Sessions last: revoking every token as a super admin would end the token callers.
        order.sort_by_key(|(who, _)| (allowed(statement, who), members.contains(who)));
        for (who, credential) in order {
            let credential = Some(credential.as_str()).filter(|c| !c.is_empty());
            let (status, text) = if statement == "the client's own credentials" {
                // OAuth's form, complete but for the client's id and password.
                let mut req = app
                    .http
                    .post(format!("{}{path}", app.url))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials&token=x");
                if let Some(c) = credential {
                    req = req.bearer_auth(c);
                }
                let res = req.send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            } else {
                let answer = app.call(m.clone(), &path, credential, body.clone()).await;
                (answer.status.as_u16(), answer.text)
            };
            let gateway_route_refusal = status == 403 && statement.ends_with("whose routes decide the rest");
            if allowed(statement, who) && !gateway_route_refusal {
                assert!(
                    status != 401 && status != 403,
                    "{method} {template} (Requires: {statement}) refused {who}: {text}"
                );
            } else {
                assert!(
                    status == 401 || status == 403,
                    "{method} {template} (Requires: {statement}) let {who} through: {status} {text}"
                );
            }
            checked += 1;
        }
    }
    // The dashboard's API URLs page shows the same statements (one source: the doc comments).
    for (template, method, statement) in &ops {
        let row = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == template.as_str() && e["method"] == method.to_uppercase())
            .unwrap_or_else(|| panic!("{method} {template} is not on the API URLs list"));
        assert_eq!(row["requires"], statement.as_str(), "{method} {template}");
    }
    assert!(
        ops.len() >= 60,
        "only {} operations state who may call them",
        ops.len()
    );
    eprintln!(
        "{} operations × {} callers checked ({checked} calls)",
        ops.len(),
        callers.len()
    );
}
