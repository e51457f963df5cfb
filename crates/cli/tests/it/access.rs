use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::records::{Records, body_for};

/// Every kind of caller of Acme's API: its super admin, an admin and an auditor (sessions), and
/// tokens holding keyward:admin, keyward:read, keyward:verify or none of keyward's permissions.
struct Callers {
    owner: String,
    admin: String,
    auditor: String,
    kw_admin: String,
    kw_read: String,
    kw_verify: String,
    plain: String,
}

impl Callers {
    async fn of(app: &TestApp) -> Self {
        let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
        let holding =
            |name: &'static str, perms: &'static [&'static str]| app.token_holding(&owner, name, perms);
        Callers {
            admin: app.add_member(&owner, "adam@acme.io", "admin").await,
            auditor: app.add_member(&owner, "aud@acme.io", "auditor").await,
            kw_admin: holding("kw-admin", &["keyward:admin"]).await,
            kw_read: holding("kw-read", &["keyward:read"]).await,
            kw_verify: holding("kw-verify", &["keyward:verify"]).await,
            plain: holding("plain", &["contacts:read"]).await,
            owner,
        }
    }
}

#[tokio::test]
async fn who_may_do_what() {
    let app = TestApp::spawn().await;
    let Callers {
        owner,
        admin,
        auditor,
        kw_admin,
        kw_read,
        kw_verify,
        plain,
    } = Callers::of(&app).await;
    let (group, user) = app.create_crm_sync(&owner).await;

    // Writes: super admin and keyward:admin only; others get the documented refusal. Jobs
    // writes follow the same rule; reads are open to every member and keyward:read/admin
    // tokens; members are for super admins; verify is for keyward:verify tokens.
    let writers_refused = [&admin, &auditor, &kw_read];
    let readers = [&owner, &admin, &auditor, &kw_read, &kw_admin];
    let (by_owner, by_kw_admin, by_kw_verify) = ([&owner], [&kw_admin], [&kw_verify]);
    let (members_refused, verify_refused) = ([&admin, &auditor, &kw_admin], [&owner, &kw_admin, &kw_read]);
    let jobs_reads = [
        "/v1/settings",
        "/v1/webhooks",
        "/v1/outbox",
        "/v1/usage",
        "/v1/insights",
    ];
    let (get, post, patch) = (Method::GET, Method::POST, Method::PATCH);
    let (admin_only, read_only) = ("super_admin_required", "read_permission_required");
    // (callers, method, path, body, status, the problem code or "" for none checked)
    type Case<'a> = (&'a [&'a String], Method, String, Option<Value>, u16, &'a str);
    let mut cases: Vec<Case> = Vec::new();
    #[rustfmt::skip]
    cases.extend([
        (&writers_refused[..], post.clone(), "/v1/api-users".into(), Some(json!({"username": "x-1", "permission_group_id": group})), 403, admin_only),
        (&writers_refused, post.clone(), format!("/v1/api-users/{user}/tokens"), Some(json!({"name": "n"})), 403, admin_only),
        (&writers_refused, post.clone(), format!("/v1/api-users/{user}/suspend"), Some(json!({})), 403, admin_only),
        (&writers_refused, patch.clone(), "/v1/settings".into(), Some(json!({"expiry_policy": {"max_lifetime_days": 30}})), 403, admin_only),
        (&writers_refused, post.clone(), "/v1/webhooks".into(), Some(json!({"url": "https://hooks.acme.io/k"})), 403, admin_only),
        (&by_kw_admin, patch.clone(), "/v1/settings".into(), Some(json!({"insights": {"denied_burst": 50}})), 200, ""),
        (&by_kw_admin, post.clone(), format!("/v1/api-users/{user}/tokens"), Some(json!({"name": "by-token"})), 201, ""),
        (&by_kw_verify, post.clone(), "/v1/api-users".into(), Some(json!({"username": "x-2", "permission_group_id": group})), 403, admin_only),
        (&readers, get.clone(), "/v1/api-users".into(), None, 200, ""),
        (&readers, get.clone(), "/v1/tokens".into(), None, 200, ""),
        (&readers, get.clone(), "/v1/audit-events".into(), None, 200, ""),
        (&readers, get.clone(), "/v1/endpoints".into(), None, 200, ""),
        (&by_kw_verify, get.clone(), "/v1/api-users".into(), None, 403, read_only),
        (&members_refused, get.clone(), "/v1/members".into(), None, 403, admin_only),
        (&by_owner, get.clone(), "/v1/members".into(), None, 200, ""),
        (&verify_refused, post.clone(), "/v1/verify".into(), Some(json!({"token": "x"})), 403, "verify_permission_required"),
        (&by_kw_verify, post.clone(), "/v1/verify".into(), Some(json!({"token": "x"})), 200, ""),
    ]);
    for read in jobs_reads {
        cases.push((&writers_refused, get.clone(), read.into(), None, 200, ""));
        cases.push((&by_kw_verify, get.clone(), read.into(), None, 403, read_only));
    }
    for (callers, method, path, body, status, code) in cases {
        for who in callers {
            let answer = app.call(method.clone(), &path, Some(who), body.clone()).await;
            let body = if code.is_empty() {
                answer.expect(status)
            } else {
                answer.problem(status, code)
            };
            if code == admin_only && path == "/v1/api-users" {
                assert_eq!(
                    body["detail"],
                    "super admin privileges are required to manage API credentials"
                );
            }
        }
    }

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
    app.read("/v1/me", &owner).await;
    app.clock.advance(time::Duration::hours(13));
    app.get("/v1/me", &owner).await.problem(401, "unauthorized");

    // Failed logins are audited, in the account's organization.
    let fresh = app.login("ada@acme.io", PASSWORD).await;
    let events = app
        .read("/v1/audit-events?action=auth.login&limit=200", &fresh)
        .await;
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
    let me = app.read("/v1/me", &owner).await;
    let id = me["member"]["id"].as_str().unwrap();
    let (member, ada) = (
        format!("/v1/members/{id}"),
        json!({"email": "ada@acme.io", "name": "x", "role": "admin", "password": PASSWORD}),
    );
    #[rustfmt::skip]
    app.answers(vec![
        (&owner, Method::PATCH, member.clone(), Some(json!({"role": "admin"})), 409, "last_super_admin"),
        (&owner, Method::DELETE, member, None, 409, "last_super_admin"),
        (&owner, Method::POST, "/v1/members".into(), Some(ada), 409, "email_taken"),
    ]).await;
}

/// Every operation of the OpenAPI document states who may call it ("Requires: …"); every kind
/// of caller is tried against every operation, and the answer matches the statement: those it
/// names are let through (whatever else the answer says), the others get 401 or 403.
#[tokio::test]
async fn every_operation_answers_as_its_role_statement_says() {
    let app = TestApp::spawn().await;
    let who = Callers::of(&app).await;
    let owner = who.owner.clone();
    let callers = [
        ("super admin", who.owner),
        ("admin", who.admin),
        ("auditor", who.auditor),
        ("keyward:admin", who.kw_admin),
        ("keyward:read", who.kw_read),
        ("keyward:verify", who.kw_verify),
        ("no keyward permission", who.plain),
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
    let records = Records::of(&app, &owner).await;
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
    #[rustfmt::skip]
    let bodies = [
        ("post /v1/api-users", json!({"username": "made-by-caller"})),
        ("post /v1/tokens/report-leak", json!([])),
        ("post /v1/tokens/check-hashes", json!({"token_hashes": []})),
        ("post /v1/revoke_tokens", json!([])),
        ("post /v1/api-users/{id}/tokens", json!({"name": "made-by-caller"})),
        ("post /v1/api-users/{id}/tokens/import", json!({"tokens": []})),
        ("post /v1/api-users/{id}/tokens/revoke-all", json!({"confirm": true})),
        ("post /v1/api-users/{id}/totp/confirm", json!({"code": "123456"})),
        ("put /v1/api-users/{id}/password", json!({"password": "0123456789ab"})),
        ("post /v1/integrations", json!({"name": "made-by-caller"})),
        ("post /v1/routes", json!({"method": "GET", "path": "/made-by-caller"})),
        ("delete /v1/me/totp", json!({"code": "123456"})),
        ("post /v1/me/totp/confirm", json!({"code": "123456"})),
        ("post /v1/members", json!({"email": "made@acme.io", "name": "Made", "role": "auditor", "password": PASSWORD})),
        ("post /v1/permission-groups", json!({"name": "made-by-caller", "permissions": ["a:b"]})),
        ("post /v1/tokens/revoke-all", json!({"confirm": true})),
        ("post /v1/verify", json!({"token": "not-a-token"})),
        ("post /v1/webhooks", json!({"url": "https://hooks.acme.io/made"})),
    ];
    // Read before the calls below sign out and revoke.
    let listed = app.get("/v1/endpoints", &callers[0].1).await.expect(200);
    let mut checked = 0;
    for (template, method, statement) in &ops {
        let path = records.path_for(template);
        let m: reqwest::Method = method.to_uppercase().parse().unwrap();
        let body = body_for(&spec, &bodies, method, template);
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
