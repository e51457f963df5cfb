//! Secret hygiene: after a full lifecycle with logging at `trace` (static tokens, OAuth access
//! tokens, two-factor, webhooks, the dashboard), and errors provoked on purpose, no secret
//! appears in the logs, in any byte of the database files, in the audit trail (as the API and
//! its CSV export answer it), in an error body or in the metrics.

use serde_json::{Value, json};

use crate::cli::Served;
use crate::helpers::{Calls, PASSWORD, Remote};
use crate::oauth::{form, form_body, grant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_or_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("stdout.log");
    crate::cli::init_at(&["--data-dir", data.to_str().unwrap()]);
    // The webhook endpoint below is on loopback, which the operator must allow.
    let served = Served::start(
        &data,
        &[("RUST_LOG", "trace"), ("KEYWARD_WEBHOOK_ALLOW", "127.0.0.0/8")],
        Some(&logs),
    );
    let url = served.url.clone();
    let node = Remote::new(&url);
    let http = node.http.clone();
    use reqwest::Method as M;

    let session = crate::cli::sign_in(&http, &url).await;
    // A failed login with a password that must not leak either.
    let wrong_password = "wrong-but-secret-password-123";
    http.post(format!("{url}/v1/auth/login"))
        .json(&json!({"email": "ada@acme.io", "password": wrong_password}))
        .send()
        .await
        .unwrap();

    let g = node
        .create_group(&session, "v", &["keyward:verify", "contacts:read"])
        .await;
    let api_user_password = "api-user-secret-pass-456";
    let crm_sync = json!({"username": "crm-sync", "permission_group_id": g, "password": api_user_password});
    let uid = &node.create_api_user(&session, crm_sync).await;
    let (tid, secret) = node.create_token(&session, uid, json!({"name": "prod"})).await;
    let verifier = json!({"name": "verifier"});
    let (verifier_id, verifier) = node.create_token(&session, uid, verifier).await;
    for _ in 0..3 {
        let call = json!({"token": secret, "ip": "10.0.0.1"});
        assert_eq!(node.verify_code(&verifier, call).await, "VALID");
    }
    // Provoked errors: a typo'd token, a bad field next to the token, the token as a bearer.
    // Another last character: one that is already `x` would make the "typo" the secret itself
    // (1 run in 62 answered 200 here).
    let last = if secret.ends_with('x') { 'y' } else { 'x' };
    let typo = format!("{}{last}", &secret[..secret.len() - 1]);
    for call in [
        json!({"token": typo}),
        json!({"token": secret, "ip": "not-an-ip"}),
        json!({"token": secret, "unknown": true}),
    ] {
        node.post("/v1/verify", &verifier, call).await;
    }
    node.get("/v1/api-users", &secret).await;
    // Through a gateway: allowed, then a typo'd token, in both credential headers.
    let mut gateway_bodies = Vec::new();
    for (header, token, want) in [
        ("authorization", format!("Bearer {secret}"), 200),
        ("x-api-key", typo.clone(), 401),
    ] {
        let res = http
            .get(format!("{url}/v1/forward-auth/contacts/1"))
            .header(header, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), want);
        gateway_bodies.push(format!("{:?}", res.headers()) + &res.text().await.unwrap());
    }
    for change in ["suspend", "resume"] {
        let path = format!("/v1/tokens/{tid}/{change}");
        node.post(&path, &session, json!({})).await.expect(200);
    }
    node.delete(&format!("/v1/tokens/{tid}"), &session)
        .await
        .expect(204);
    assert_eq!(node.code_of(&verifier, &secret).await, "REVOKED");

    // Error bodies: answers to provoked failures, kept to be searched too.
    let mut error_bodies = Vec::new();
    #[rustfmt::skip]
    let provoked = [
        (M::GET, "/v1/api-users".to_owned(), secret.clone(), json!({})),
        (M::POST, "/v1/verify".to_owned(), verifier.clone(), json!({"token": secret, "ip": "not-an-ip"})),
        (M::POST, "/v1/verify".to_owned(), verifier.clone(), json!({"token": secret, "x": 1})),
        (M::POST, "/v1/api-users".to_owned(), session.clone(), json!({"username": secret})),
        (M::PATCH, format!("/v1/api-users/{uid}"), session.clone(), json!({"name": secret, "bogus": secret})),
    ];
    for (method, path, auth, body) in provoked {
        let (status, text) = {
            let a = node.call(method, &path, Some(&auth), Some(body)).await;
            (a.status.as_u16(), a.text)
        };
        assert!((400..500).contains(&status), "{path}: {status} {text}");
        error_bodies.push(text);
    }

    // OAuth: the API user logs in; its access token is verified and introspected; a wrong
    // client secret is refused.
    node.patch(
        &format!("/v1/api-users/{uid}"),
        &session,
        json!({"auth_method": "password"}),
    )
    .await;
    let login = |secret| grant(&node, (uid, secret), &[]);
    let (_, token_answer) = login(api_user_password).await;
    let access = token_answer["access_token"].as_str().unwrap().to_owned();
    assert_eq!(node.code_of(&verifier, &access).await, "VALID");
    let (_, introspected) = form(
        &node,
        "/oauth2/introspect",
        None,
        Some(&verifier),
        &[("token", &access)],
    )
    .await
    .parts();
    assert_eq!(introspected["active"], true, "{introspected}");
    let wrong_client_secret = "wrong-client-secret-789";
    // Kept as sent, not as parsed: the secret must not be in any byte of it.
    let refused = http
        .post(format!("{url}/oauth2/token"))
        .basic_auth(uid, Some(wrong_client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("grant_type", "client_credentials")]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    error_bodies.push(refused);

    // A webhook endpoint's signing secret.
    let hook = node
        .post(
            "/v1/webhooks",
            &session,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["token.created"]}),
        )
        .await
        .body;
    let webhook_secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(webhook_secret.starts_with("whsec_"));

    // Two-factor for the member: the seed (in the otpauth URI) and the recovery codes.
    let enrolled = node.post("/v1/me/totp", &session, json!({})).await.body;
    let uri = enrolled["otpauth_uri"].as_str().unwrap().to_owned();
    let seed = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let recovery: Vec<String> = serde_json::from_value(enrolled["recovery_codes"].clone()).unwrap();
    #[allow(clippy::disallowed_methods)]
    let now = time::OffsetDateTime::now_utc();
    let mut session = session;
    if let Some(code) = crate::oauth::pyotp_code(&uri, now) {
        let confirmed = node
            .post("/v1/me/totp/confirm", &session, json!({"code": code}))
            .await;
        confirmed.expect(204);
        // Signing in again takes a recovery code now.
        let again: Value = http
            .post(format!("{url}/v1/auth/login"))
            .json(&json!({"email": "ada@acme.io", "password": PASSWORD, "totp": recovery[0]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        session = again["token"].as_str().unwrap().to_owned();
    }

    // The dashboard: a signed-in browser session (its cookie) and a page.
    let dashboard = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = dashboard
        .post(format!("{url}/login"))
        .header("origin", &url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("email", "ada@acme.io"),
            ("password", PASSWORD),
            ("totp", recovery[1].as_str()),
        ]))
        .send()
        .await
        .unwrap();
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("kw_session="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let cookie = cookie.expect("the dashboard signed in and set its session cookie");
    let page = dashboard
        .get(format!("{url}/dashboard/api-users"))
        .header("cookie", format!("kw_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // The token pasted into every string field of every operation: refused or ignored, never
    // answered back, logged or stored.
    let integration = node
        .post("/v1/integrations", &session, json!({"name": "sweep"}))
        .await
        .body;
    // Another member, so that changing a member's password does not end the sweep's session.
    let bob = node
        .post(
            "/v1/members",
            &session,
            json!({"email": "bob@acme.io", "name": "Bob", "role": "admin", "password": "bob's password 123"}),
        )
        .await
        .body;
    let id = |v: &Value| v.as_str().unwrap().to_owned();
    let ids = std::collections::HashMap::from([
        ("api-users", uid.to_owned()),
        ("tokens", verifier_id),
        ("permission-groups", g),
        ("integrations", id(&integration["id"])),
        ("webhooks", id(&hook["id"])),
        ("members", id(&bob["id"])),
    ]);
    let swept = crate::hygiene_sweep::paste_everywhere(&node, &session, &secret, &ids).await;
    error_bodies.extend(swept);

    // A token reported leaked, with itself in the place it was found: the answer, the audit
    // event, the emails and webhooks it queues keep only its hash and hint.
    let leaked = node
        .create_token(&session, uid, json!({"name": "leaked"}))
        .await
        .1
        .to_owned();
    let report = json!([{"token": leaked, "type": "t", "url": format!("https://example.com/?k={leaked}")}]);
    let answer = node.post("/v1/tokens/report-leak", &session, report).await;
    assert_eq!(answer.body[0]["label"], "true_positive", "{}", answer.text);
    error_bodies.push(answer.text);

    // What the API itself answers about the past: the audit trail, its CSV export, the metrics.
    let audit_json = node.get("/v1/audit-events?limit=200", &session).await.text;
    let audit_csv = node.get("/v1/audit-events/export", &session).await.text;
    assert!(
        audit_json.contains("oauth.token") && audit_csv.contains("token.create"),
        "{audit_csv}"
    );
    let metrics = node.public("/metrics").await.text;

    node.post("/v1/auth/logout", &session, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let status = served.stop();
    let stderr = std::fs::read_to_string(logs.with_extension("stderr")).unwrap_or_default();
    assert!(
        status.success(),
        "{status:?}: {}",
        &stderr[stderr.len().saturating_sub(3000)..]
    );

    let mut haystacks: Vec<(String, Vec<u8>)> = vec![
        ("the audit trail (JSON)".into(), audit_json.into_bytes()),
        ("the audit trail (CSV)".into(), audit_csv.into_bytes()),
        ("the metrics".into(), metrics.into_bytes()),
        ("stdout".into(), std::fs::read(&logs).unwrap()),
        (
            "stderr".into(),
            std::fs::read(logs.with_extension("stderr")).unwrap(),
        ),
    ];
    let log_text = stderr.clone();
    assert!(
        log_text.contains("TRACE") || log_text.contains("DEBUG"),
        "logging ran at trace level"
    );
    assert!(
        !log_text.contains('\x1b'),
        "no terminal colour codes in logs written to a file"
    );
    for (i, answer) in gateway_bodies.into_iter().enumerate() {
        haystacks.push((format!("gateway answer {i}"), answer.into_bytes()));
    }
    for (i, body) in error_bodies.into_iter().enumerate() {
        haystacks.push((format!("error body {i}"), body.into_bytes()));
    }
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        haystacks.push((p.display().to_string(), std::fs::read(&p).unwrap()));
    }
    assert!(haystacks.iter().any(|(n, _)| n.ends_with("keyward.db")));
    let secrets = [
        ("token", secret.as_str()),
        ("token's random part", &secret[8..38]),
        ("verifier token", verifier.as_str()),
        ("session", session.as_str()),
        ("member password", PASSWORD),
        ("wrong password", wrong_password),
        ("API user password", api_user_password),
        ("wrong client secret", wrong_client_secret),
        ("access token", access.as_str()),
        ("access token's signature", access.rsplit('.').next().unwrap()),
        ("webhook secret", webhook_secret.as_str()),
        ("webhook secret's key", &webhook_secret["whsec_".len()..]),
        ("TOTP seed", seed.as_str()),
        ("dashboard session", cookie.as_str()),
        ("token reported leaked", leaked.as_str()),
    ];
    let secrets: Vec<(&str, &str)> = secrets
        .into_iter()
        .chain(recovery.iter().map(|c| ("recovery code", c.as_str())))
        .collect();
    for (name, bytes) in &haystacks {
        for &(what, s) in &secrets {
            let found = bytes.windows(s.len()).any(|w| w == s.as_bytes());
            assert!(!found, "the {what} appears in {name}");
        }
    }
}
