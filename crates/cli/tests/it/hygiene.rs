//! Secret hygiene: after a full lifecycle with logging at `trace`, and errors provoked on
//! purpose, no secret appears in the logs or in any byte of the database files.

use serde_json::{Value, json};

use crate::cli::{Served, keyward, text};
use crate::helpers::PASSWORD;

async fn call(
    http: &reqwest::Client,
    url: &str,
    method: reqwest::Method,
    path: &str,
    auth: &str,
    body: Value,
) -> Value {
    let res = http
        .request(method, format!("{url}{path}"))
        .bearer_auth(auth)
        .json(&body)
        .send()
        .await
        .unwrap();
    res.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn no_secret_in_logs_or_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("stdout.log");
    let out = keyward(
        &[
            "init",
            "--data-dir",
            data.to_str().unwrap(),
            "--org",
            "Acme",
            "--email",
            "ada@acme.io",
        ],
        &[("KEYWARD_INIT_PASSWORD", PASSWORD)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let served = Served::start(&data, &[("RUST_LOG", "trace")], Some(&logs));
    let url = served.url.clone();
    let http = reqwest::Client::new();
    use reqwest::Method as M;

    let login: Value = http
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({"email": "ada@acme.io", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = login["token"].as_str().unwrap().to_owned();
    // A failed login with a password that must not leak either.
    let wrong_password = "wrong-but-secret-password-123";
    http.post(format!("{url}/v1/auth/login"))
        .json(&json!({"email": "ada@acme.io", "password": wrong_password}))
        .send()
        .await
        .unwrap();

    let g = call(
        &http,
        &url,
        M::POST,
        "/v1/permission-groups",
        &session,
        json!({"name": "v", "permissions": ["keyward:verify", "contacts:read"]}),
    )
    .await;
    let api_user_password = "api-user-secret-pass-456";
    let u = call(
        &http,
        &url,
        M::POST,
        "/v1/api-users",
        &session,
        json!({"username": "crm-sync", "permission_group_id": g["id"], "password": api_user_password}),
    )
    .await;
    let uid = u["id"].as_str().unwrap();
    let t = call(
        &http,
        &url,
        M::POST,
        &format!("/v1/api-users/{uid}/tokens"),
        &session,
        json!({"name": "prod"}),
    )
    .await;
    let secret = t["token"].as_str().unwrap().to_owned();
    let tid = t["id"].as_str().unwrap().to_owned();
    let v = call(
        &http,
        &url,
        M::POST,
        &format!("/v1/api-users/{uid}/tokens"),
        &session,
        json!({"name": "verifier"}),
    )
    .await;
    let verifier = v["token"].as_str().unwrap().to_owned();

    for _ in 0..3 {
        let r = call(
            &http,
            &url,
            M::POST,
            "/v1/verify",
            &verifier,
            json!({"token": secret, "ip": "10.0.0.1"}),
        )
        .await;
        assert_eq!(r["code"], "VALID");
    }
    // Provoked errors: a typo'd token, a bad field next to the token, the token as a bearer.
    let typo = format!("{}x", &secret[..secret.len() - 1]);
    call(
        &http,
        &url,
        M::POST,
        "/v1/verify",
        &verifier,
        json!({"token": typo}),
    )
    .await;
    call(
        &http,
        &url,
        M::POST,
        "/v1/verify",
        &verifier,
        json!({"token": secret, "ip": "not-an-ip"}),
    )
    .await;
    call(
        &http,
        &url,
        M::POST,
        "/v1/verify",
        &verifier,
        json!({"token": secret, "unknown": true}),
    )
    .await;
    call(&http, &url, M::GET, "/v1/api-users", &secret, json!({})).await;
    call(
        &http,
        &url,
        M::POST,
        &format!("/v1/tokens/{tid}/suspend"),
        &session,
        json!({}),
    )
    .await;
    call(
        &http,
        &url,
        M::POST,
        &format!("/v1/tokens/{tid}/resume"),
        &session,
        json!({}),
    )
    .await;
    call(
        &http,
        &url,
        M::DELETE,
        &format!("/v1/tokens/{tid}"),
        &session,
        json!({}),
    )
    .await;
    let r = call(
        &http,
        &url,
        M::POST,
        "/v1/verify",
        &verifier,
        json!({"token": secret}),
    )
    .await;
    assert_eq!(r["code"], "REVOKED");
    call(&http, &url, M::POST, "/v1/auth/logout", &session, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let status = served.stop();
    let stderr = std::fs::read_to_string(logs.with_extension("stderr")).unwrap_or_default();
    assert!(
        status.success(),
        "{status:?}: {}",
        &stderr[stderr.len().saturating_sub(3000)..]
    );

    let mut haystacks: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), std::fs::read(&logs).unwrap()),
        (
            "stderr".into(),
            std::fs::read(logs.with_extension("stderr")).unwrap(),
        ),
    ];
    let log_text = String::from_utf8_lossy(&haystacks[1].1).to_string();
    assert!(
        log_text.contains("TRACE") || log_text.contains("DEBUG"),
        "logging ran at trace level"
    );
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
    ];
    for (name, bytes) in &haystacks {
        for (what, s) in secrets {
            let found = bytes.windows(s.len()).any(|w| w == s.as_bytes());
            assert!(!found, "the {what} appears in {name}");
        }
    }
}
