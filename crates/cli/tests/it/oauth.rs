//! API users that log in: OAuth 2.0 client credentials checked with libraries no one here wrote
//! (Python's authlib for the client, PyJWT for validating against the published JWKS).

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const CLIENT: &str = r#"
import json, sys, requests, jwt
from authlib.integrations.requests_client import OAuth2Session

base, client_id, secret, scope = sys.argv[1:5]
meta = requests.get(base + "/.well-known/oauth-authorization-server").json()
client = OAuth2Session(client_id, secret, scope=scope or None, token_endpoint_auth_method="client_secret_basic")
token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
jwks = jwt.PyJWKClient(meta["jwks_uri"])
key = jwks.get_signing_key_from_jwt(token["access_token"])
claims = jwt.decode(token["access_token"], key.key, algorithms=["EdDSA"], audience=meta["issuer"], issuer=meta["issuer"])
print(json.dumps({"token": token, "claims": claims, "kid": jwt.get_unverified_header(token["access_token"])["kid"]}))
"#;

const VALIDATE: &str = r#"
import json, sys, jwt
base, access_token = sys.argv[1:3]
jwks = jwt.PyJWKClient(base + "/.well-known/jwks.json")
key = jwks.get_signing_key_from_jwt(access_token)
print(json.dumps(jwt.decode(access_token, key.key, algorithms=["EdDSA"], audience=base, issuer=base)))
"#;

/// Runs a Python snippet; `None` (loudly) when the libraries are missing, a failure under CI.
fn python(script: &str, args: &[&str]) -> Option<Value> {
    let missing = "Python's authlib, PyJWT, cryptography and requests are not installed \
                   (pip install authlib pyjwt cryptography requests): OAuth interoperability NOT checked";
    if !prerequisite(python_has("authlib, jwt, cryptography, requests"), missing) {
        return None;
    }
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    crate::cli::succeeded(&out, "python failed");
    Some(serde_json::from_slice(&out.stdout).expect("JSON from python"))
}

/// A form POST, its whole answer.
pub(crate) async fn form(
    app: &impl Calls,
    path: &str,
    basic: Option<(&str, &str)>,
    bearer: Option<&str>,
    body: &[(&str, &str)],
) -> Answer {
    let mut req = app
        .http()
        .post(format!("{}{path}", app.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(body));
    if let Some((u, p)) = basic {
        req = req.basic_auth(u, Some(p));
    }
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    Answer::of(req.send().await.unwrap()).await
}

/// Fields as a form body.
pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    let mut f = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        f.append_pair(k, v);
    }
    f.finish()
}

/// A form POST authenticated as an OAuth client with HTTP Basic.
pub(crate) async fn as_client(
    app: &impl Calls,
    path: &str,
    (client, secret): (&str, &str),
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    form(app, path, Some((client, secret)), None, fields)
        .await
        .parts()
}

/// The password every test's OAuth client logs in with.
pub(crate) const CLIENT_SECRET: &str = "client secret 0123";

/// `crm-sync`, an API user that logs in with [`CLIENT_SECRET`], in a group `crm` holding
/// contacts:read and contacts:write, with any further fields; answers the group's id and the
/// API user's, which is the client id.
pub(crate) async fn oauth_client(app: &TestApp, admin: &str, extra: Value) -> (String, String) {
    let group = app
        .create_group(admin, "crm", &["contacts:read", "contacts:write"])
        .await;
    let mut user = json!({"username": "crm-sync", "permission_group_id": group,
                          "auth_method": "password", "password": CLIENT_SECRET});
    user.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    (group.clone(), app.create_api_user(admin, user).await)
}

/// An access token of [`oauth_client`] for `scope`: the status and the answer.
pub(crate) async fn client_token(app: &TestApp, client: &str, scope: &str) -> (StatusCode, Value) {
    grant(app, (client, CLIENT_SECRET), &[("scope", scope)]).await
}

/// RFC 6749 client credentials grant, with any further fields (scope, totp).
pub(crate) async fn grant(
    app: &impl Calls,
    client: (&str, &str),
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut all = vec![("grant_type", "client_credentials")];
    all.extend_from_slice(fields);
    as_client(app, "/oauth2/token", client, &all).await
}

/// RFC 7662 introspection by a caller holding `keyward:verify`.
async fn introspect(app: &TestApp, verifier: &str, token: &str) -> (StatusCode, Value) {
    form(
        app,
        "/oauth2/introspect",
        None,
        Some(verifier),
        &[("token", token)],
    )
    .await
    .parts()
}

/// The status and RFC 6749 `error` of an answer, for one assertion.
fn oauth_error((status, body): (StatusCode, Value)) -> (u16, String) {
    (
        status.as_u16(),
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_work_with_standard_libraries() {
    let app = TestApp::spawn_on_wall_clock().await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let verifier = app.verifier_token(&admin).await;
    let (_, user) = oauth_client(&app, &admin, json!({})).await;
    let secret = CLIENT_SECRET;
    // The client id is the API user's id: a username is unique only within an organization.
    let client = user.to_string();
    let static_only = app
        .create_api_user(&admin, json!({"username": "static-only", "password": secret}))
        .await;
    app.post(
        "/v1/api-users",
        &admin,
        json!({"username": "two-factor", "auth_method": "password_totp"}),
    )
    .await
    .problem(422, "validation_failed");

    // A standard client obtains a token; a standard JWT library validates it against the JWKS.
    let Some(got) = python(CLIENT, &[&app.url, &client, secret, "contacts:read"]) else {
        return;
    };
    assert_eq!(got["token"]["token_type"], "Bearer");
    assert_eq!(got["token"]["expires_in"], 900);
    assert_eq!(
        got["claims"]["scope"], "contacts:read",
        "narrowed to what was asked"
    );
    assert_eq!(got["claims"]["sub"], user);
    assert!(got["claims"]["org"].as_str().is_some());
    let access = got["token"]["access_token"].as_str().unwrap().to_owned();
    let first_kid = got["kid"].as_str().unwrap().to_owned();

    // Verify and introspection accept it, with its scope.
    let check = |perm: &str| json!({"token": access, "permissions": [perm]});
    assert_eq!(app.verify_code(&verifier, check("contacts:read")).await, "VALID");
    assert_eq!(
        app.verify_code(&verifier, check("contacts:write")).await,
        "INSUFFICIENT_PERMISSIONS"
    );
    // Warm, an access token is answered from memory like an opaque one: no storage read, and
    // no key lookup however many made-up tokens name unknown keys.
    let reads = app.metric("keyward_verify_storage_reads_total").await;
    let lookups = app.metric("keyward_signing_key_lookups_total").await;
    for i in 0..20 {
        assert_eq!(app.verify_code(&verifier, check("contacts:read")).await, "VALID");
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let made_up = format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(&json!({"alg": "EdDSA", "typ": "JWT", "kid": format!("kw-made-up-{i}")})),
            b64(&json!({"sub": user, "exp": 4_000_000_000u64}))
        );
        assert_eq!(app.code_of(&verifier, &made_up).await, "NOT_FOUND");
    }
    assert_eq!(app.metric("keyward_verify_storage_reads_total").await, reads);
    assert!(
        app.metric("keyward_signing_key_lookups_total").await <= lookups + 2,
        "made-up key ids read the keys at most once a second"
    );
    let (status, intro) = introspect(&app, &verifier, &access).await;
    assert_eq!(status, 200);
    assert_eq!(intro["active"], true);
    assert_eq!(intro["scope"], "contacts:read");
    assert_eq!(intro["username"], "crm-sync");
    let (status, _) = introspect(&app, &admin, &access).await;
    assert_eq!(status, 401, "introspection needs keyward:verify");

    // RFC 6749 errors.
    assert_eq!(
        oauth_error(grant(&app, (client.as_str(), "wrong secret 123"), &[]).await),
        (401, "invalid_client".into())
    );
    assert_eq!(
        oauth_error(grant(&app, ("nobody", secret), &[]).await),
        (401, "invalid_client".into())
    );
    assert_eq!(
        oauth_error(grant(&app, (&static_only, secret), &[]).await),
        (401, "invalid_client".into()),
        "auth_method token does not log in"
    );
    assert_eq!(
        oauth_error(
            as_client(
                &app,
                "/oauth2/token",
                (client.as_str(), secret),
                &[("grant_type", "password")]
            )
            .await
        ),
        (400, "unsupported_grant_type".into())
    );
    assert_eq!(
        oauth_error(grant(&app, (client.as_str(), secret), &[("scope", "admin:all")]).await),
        (400, "invalid_scope".into())
    );
    // Credentials in the body work too (client_secret_post), and no scope means all held.
    let (status, t) = form(
        &app,
        "/oauth2/token",
        None,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &user),
            ("client_secret", secret),
        ],
    )
    .await
    .parts();
    assert_eq!(status, 200);
    assert_eq!(t["scope"], "contacts:read contacts:write");

    // Suspending the API user makes its outstanding tokens fail at once.
    app.post(&format!("/v1/api-users/{user}/suspend"), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(
        app.verify_code(&verifier, check("contacts:read")).await,
        "SUSPENDED"
    );
    let (_, intro) = introspect(&app, &verifier, &access).await;
    assert_eq!(intro, json!({"active": false}));
    let (status, _) = grant(&app, (client.as_str(), secret), &[]).await;
    assert_eq!(status, 401, "a suspended API user cannot log in");
    app.post(&format!("/v1/api-users/{user}/resume"), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(app.verify_code(&verifier, check("contacts:read")).await, "VALID");

    // Key rotation: the old token still validates through the JWKS; new tokens use the new kid.
    // On SQLite through `keyward keys rotate` beside the running server, as an operator would.
    let new_kid = if std::env::var("KEYWARD_TEST_DATABASE").is_ok_and(|v| v == "postgres") {
        let now = app.clock.now_for_tests();
        let ring =
            keyward_service::KeyRing::open(app.store.clone(), None, app.url.clone(), app.url.clone(), now)
                .await
                .unwrap();
        ring.rotate(
            now,
            time::Duration::minutes(15),
            &keyward_service::scheduled::installation_record(now, "oauth.key_rotate"),
        )
        .await
        .unwrap()
    } else {
        let dir = app._dir.path().to_str().unwrap().to_owned();
        let out = tokio::task::spawn_blocking(move || {
            crate::cli::keyward(&["keys", "rotate", "--data-dir", &dir], &[])
        })
        .await
        .unwrap();
        assert!(out.status.success(), "{}", crate::cli::text(&out));
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        said.split_whitespace()
            .find(|w| w.starts_with("kw-"))
            .expect("the new kid")
            .trim_end_matches(';')
            .to_owned()
    };
    assert_ne!(new_kid, first_kid);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await; // the server's scheduler reloads keys
    let old_claims = python(VALIDATE, &[&app.url, &access]).unwrap();
    assert_eq!(old_claims["jti"], got["claims"]["jti"]);
    let after = python(CLIENT, &[&app.url, &client, secret, ""]).unwrap();
    assert_eq!(after["kid"], new_kid.as_str());
    assert_eq!(app.verify_code(&verifier, check("contacts:read")).await, "VALID");
    let jwks: Value = app.public("/.well-known/jwks.json").await.expect(200);
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "both keys published while old tokens live"
    );

    // Introspection and revocation work for the API user's static tokens too.
    let (_, static_token) = app.create_token(&admin, &user, json!({"name": "static"})).await;
    let (_, intro) = introspect(&app, &verifier, &static_token).await;
    assert_eq!(intro["active"], true);
    assert_eq!(intro["token_type"], "api_key");
    let revoke = async |token: &str| {
        let (status, _) = as_client(
            &app,
            "/oauth2/revoke",
            (client.as_str(), secret),
            &[("token", token)],
        )
        .await;
        status
    };
    assert_eq!(revoke(&static_token).await, 200);
    assert_eq!(app.code_of(&verifier, &static_token).await, "REVOKED");
    let (_, intro) = introspect(&app, &verifier, &static_token).await;
    assert_eq!(intro, json!({"active": false}));

    // RFC 7009: the client revokes its token; verify says REVOKED at once.
    assert_eq!(revoke(&access).await, 200);
    assert_eq!(
        app.verify_code(&verifier, check("contacts:read")).await,
        "REVOKED"
    );

    // Brute force: five wrong secrets lock the client out (429 with Retry-After), even with the
    // right one; an administrator lifts it.
    for _ in 0..5 {
        grant(&app, (client.as_str(), "guess guess 1"), &[]).await;
    }
    let locked = app
        .http
        .post(format!("{}/oauth2/token", app.url))
        .basic_auth(&client, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);
    assert_eq!(locked.headers().get("retry-after").unwrap(), "900");
    // The lockout holds however the client id is spelled: its id in upper case, without
    // hyphens, in braces, or as a urn.
    let id = user.to_string();
    for spelling in [
        id.to_uppercase(),
        id.replace('-', ""),
        format!("{{{id}}}"),
        format!("urn:uuid:{id}"),
        id.clone(),
    ] {
        // In the body (client_secret_post): a urn's colons cannot go in HTTP Basic.
        let (status, _) = form(
            &app,
            "/oauth2/token",
            None,
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &spelling),
                ("client_secret", secret),
            ],
        )
        .await
        .parts();
        assert_eq!(status, 429, "client id spelled {spelling:?}");
    }
    app.post(&format!("/v1/api-users/{user}/unlock"), &admin, json!({}))
        .await
        .expect(204);
    let (status, _) = grant(&app, (client.as_str(), secret), &[]).await;
    assert_eq!(status, 200, "unlocked");

    // Access tokens expire with their lifetime.
    let fresh = after["token"]["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(time::Duration::minutes(15));
    assert_eq!(app.code_of(&verifier, &fresh).await, "EXPIRED");
    // Every login is in the audit trail; no secret or token is.
    let admin = app.login("ada@acme.io", PASSWORD).await;
    let audit = app.read("/v1/audit-events?action=oauth&limit=100", &admin).await;
    let text = audit.to_string();
    assert!(text.contains("oauth.token") && text.contains("failure") && text.contains("oauth.revoke"));
    assert!(!text.contains(secret) && !text.contains(&access));
}

const PYOTP: &str = r#"
import sys, pyotp
uri, at = sys.argv[1], int(sys.argv[2])
print('"' + pyotp.parse_uri(uri).at(at) + '"')
"#;

/// A TOTP code computed by pyotp, an implementation independent of keyward's.
pub(crate) fn pyotp_code(uri: &str, at: time::OffsetDateTime) -> Option<String> {
    let missing = "Python's pyotp is not installed (pip install pyotp): TOTP interoperability NOT checked";
    if !prerequisite(python_has("pyotp"), missing) {
        return None;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", PYOTP, uri, &at.unix_timestamp().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice::<String>(&out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_totp_logins_take_a_code_once() {
    let (app, admin) = TestApp::acme().await;
    let secret = CLIENT_SECRET;
    let erp_sync = json!({"username": "erp-sync", "auth_method": "password", "password": secret});
    let user = app.create_api_user(&admin, erp_sync).await;
    let client = user.to_string();
    // password_totp needs a confirmed enrolment first.
    app.patch(
        &format!("/v1/api-users/{user}"),
        &admin,
        json!({"auth_method": "password_totp"}),
    )
    .await
    .problem(422, "validation_failed");
    let enrolled = app
        .post(&format!("/v1/api-users/{user}/totp"), &admin, json!({}))
        .await;
    assert_eq!(enrolled.headers.get("cache-control").unwrap(), "no-store");
    let enrolled = enrolled.expect(201);
    let uri = enrolled["otpauth_uri"].as_str().unwrap().to_owned();
    assert!(
        uri.starts_with("otpauth://totp/keyward:erp-sync?secret="),
        "{uri}"
    );
    assert!(enrolled["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let recovery: Vec<String> = serde_json::from_value(enrolled["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    let Some(code) = pyotp_code(&uri, app.clock.now_for_tests()) else {
        return;
    };
    let (confirm, profile) = (
        format!("/v1/api-users/{user}/totp/confirm"),
        format!("/v1/api-users/{user}"),
    );
    #[rustfmt::skip]
    app.answers(vec![
        (&admin, Method::POST, confirm.clone(), Some(json!({"code": "000000"})), 422, "validation_failed"),
        (&admin, Method::POST, confirm, Some(json!({"code": code})), 204, ""),
        (&admin, Method::PATCH, profile, Some(json!({"auth_method": "password_totp"})), 200, ""),
    ]).await;

    let login = |totp: String| {
        let (app, client) = (&app, &client);
        async move { grant(app, (client.as_str(), secret), &[("totp", &totp)]).await }
    };
    // The password alone is not enough; the confirming code cannot be used again.
    assert_eq!(
        oauth_error(grant(&app, (client.as_str(), secret), &[]).await),
        (400, "invalid_grant".into())
    );
    let (status, _) = login(code.clone()).await;
    assert_eq!(status, 400, "a code is accepted once");
    // The next step's code logs in, once.
    app.clock.advance(time::Duration::seconds(30));
    let next = pyotp_code(&uri, app.clock.now_for_tests()).unwrap();
    let (status, t) = login(next.clone()).await;
    assert_eq!(status, 200, "{t}");
    assert!(t["access_token"].as_str().is_some());
    let (status, _) = login(next).await;
    assert_eq!(status, 400, "a replayed code is refused within its window");
    // A recovery code works once.
    let (status, _) = login(recovery[0].clone()).await;
    assert_eq!(status, 200);
    let (status, _) = login(recovery[0].clone()).await;
    assert_eq!(status, 400);
    // Removing the second factor falls back to the password alone, audited.
    app.delete(&format!("/v1/api-users/{user}/totp"), &admin)
        .await
        .expect(204);
    let u = app.read(&format!("/v1/api-users/{user}"), &admin).await;
    assert_eq!(u["auth_method"], "password");
    let audit = app
        .read("/v1/audit-events?action=api_user&limit=100", &admin)
        .await;
    let totp_events = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("api_user.totp_"))
        .count();
    assert_eq!(totp_events, 3, "enrol, confirm, remove");
    assert!(
        !audit
            .to_string()
            .contains(&uri[uri.find("secret=").unwrap() + 7..][..16]),
        "no seed in the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_turn_on_two_factor_and_organizations_can_require_it() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let ann = app.add_member(&owner, "ann@acme.io", "admin").await;
    let token = app.verifier_token(&owner).await;
    app.patch("/v1/settings", &owner, json!({"require_member_2fa": true}))
        .await
        .expect(200);
    // Required but not on: the session can only turn it on.
    app.get("/v1/api-users", &ann)
        .await
        .problem(403, "two_factor_required");
    app.read("/v1/me", &ann).await;
    let enrolled = app.post("/v1/me/totp", &ann, json!({})).await.expect(201);
    let uri = enrolled["otpauth_uri"].as_str().unwrap().to_owned();
    assert!(
        uri.contains("ann%40acme.io") || uri.contains("ann@acme.io"),
        "{uri}"
    );
    let recovery = enrolled["recovery_codes"][0].as_str().unwrap().to_owned();
    let Some(code) = pyotp_code(&uri, app.clock.now_for_tests()) else {
        return;
    };
    app.post("/v1/me/totp/confirm", &ann, json!({"code": code}))
        .await
        .expect(204);
    app.read("/v1/api-users", &ann).await;
    app.post("/v1/me/totp", &ann, json!({}))
        .await
        .problem(409, "totp_active");

    // Signing in now takes a code, each once.
    let login = |totp: Option<String>| {
        let app = &app;
        async move {
            let mut body = json!({"email": "ann@acme.io", "password": PASSWORD});
            if let Some(t) = totp {
                body["totp"] = t.into();
            }
            app.call(reqwest::Method::POST, "/v1/auth/login", None, Some(body))
                .await
        }
    };
    login(None).await.problem(401, "totp_required");
    app.clock.advance(time::Duration::seconds(30));
    let next = pyotp_code(&uri, app.clock.now_for_tests()).unwrap();
    let session = login(Some(next.clone())).await.expect(200);
    assert!(session["token"].as_str().is_some());
    login(Some(next)).await.problem(401, "totp_required");

    // Off again (with a recovery code): the organization's requirement applies once more.
    let fresh = session["token"].as_str().unwrap().to_owned();
    app.call(
        reqwest::Method::DELETE,
        "/v1/me/totp",
        Some(&fresh),
        Some(json!({"code": recovery})),
    )
    .await
    .expect(204);
    app.get("/v1/api-users", &fresh)
        .await
        .problem(403, "two_factor_required");
    // The owner is held to it too; API tokens have no second factor to turn on.
    app.get("/v1/api-users", &owner)
        .await
        .problem(403, "two_factor_required");
    app.post("/v1/me/totp", &token, json!({}))
        .await
        .problem(403, "member_required");
}
