//! Leaked tokens (issue 21): GitHub's and GitLab's signed secret-scanning calls, with ECDSA
//! P-256 keys made here by a real library and a keys document served on loopback, and an
//! administrator's own reports.

use std::time::Instant;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_server::{ScannerSettings, ServerConfig};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::helpers::*;

/// A scanner: its signing keys, and its keys document on loopback.
struct Scanner {
    keys: Vec<(String, EcdsaKeyPair)>,
    url: String,
}

impl Scanner {
    /// Publishes two keys, `current` and `old`, as GitHub's document does.
    async fn start() -> Self {
        let keys: Vec<(String, EcdsaKeyPair)> =
            ["current", "old"].map(|id| (id.to_owned(), new_key())).into();
        let published: Vec<Value> = keys
            .iter()
            .map(|(id, k)| {
                let der = k.public_key().as_der().unwrap();
                let pem = format!(
                    "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                    B64.encode(der.as_ref())
                );
                json!({"key_identifier": id, "key": pem, "is_current": id == "current"})
            })
            .collect();
        let doc = json!({ "public_keys": published }).to_string();
        // A slow document, as over a real network: reports that arrive meanwhile must wait for it.
        let app = axum::Router::new().route(
            "/keys",
            axum::routing::get(move || async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                doc
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scanner { keys, url }
    }

    fn sign(&self, key: usize, body: &[u8]) -> String {
        let sig = self.keys[key].1.sign(&SystemRandom::new(), body).unwrap();
        B64.encode(sig.as_ref())
    }

    /// Posts `body` as GitHub would, signed by key `key` under identifier `id`.
    async fn post(&self, app: &TestApp, id: &str, signature: &str, body: &str) -> Answer {
        let res = app
            .http
            .post(format!("{}/v1/secret-scanning/github", app.url))
            .header("content-type", "application/json")
            .header("Github-Public-Key-Identifier", id)
            .header("Github-Public-Key-Signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        Answer::of(res).await
    }

    async fn report(&self, app: &TestApp, reports: &Value) -> Answer {
        let body = reports.to_string();
        self.post(app, "current", &self.sign(0, body.as_bytes()), &body)
            .await
    }
}

fn new_key() -> EcdsaKeyPair {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new()).unwrap();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap()
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn found(token: &str) -> Value {
    json!({"token": token, "type": "keyward_api_token", "url": "https://github.com/acme/app/blob/abc/config.yml", "source": "content"})
}

/// A keyward whose scanners' keys come from `config`, an organization with a verifier token, and
/// a live token of `crm-sync`: (app, admin session, verifier, token id, token).
async fn acme(config: ServerConfig) -> (TestApp, String, String, String, String) {
    let app = TestApp::spawn_with(config).await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let verifier = app.verifier_token(&admin).await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (id, live) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    (app, admin, verifier, id, live)
}

fn github_keys(scanner: &Scanner) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.scanners.github_keys_url = Some(scanner.url.clone());
    config
}

/// The label GitHub is told for each report, in order.
fn labels(answer: &Value) -> Vec<&str> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect()
}

/// Another deployment's token: the right shape and checksum, another prefix.
fn foreign_token() -> String {
    let p = keyward_core::TokenPrefix::parse("other").unwrap();
    keyward_core::token::generate(&p, keyward_core::Environment::Live)
        .unwrap()
        .into_secret()
}

/// A keyward-shaped token no one issued.
fn made_up_token() -> String {
    let p = keyward_core::TokenPrefix::default();
    keyward_core::token::generate(&p, keyward_core::Environment::Live)
        .unwrap()
        .into_secret()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_github_report_revokes_what_leaked_once_and_tells_the_truth() {
    let scanner = Scanner::start().await;
    let (app, admin, verifier, live_id, live) = acme(github_keys(&scanner)).await;
    let user = app.read("/v1/api-users/crm-sync", &admin).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A webhook endpoint listening for leaks (its delivery waits in the outbox).
    let hook = json!({"url": "https://hooks.acme.io/keyward", "events": ["token.leaked"]});
    app.post("/v1/webhooks", &admin, hook).await.expect(201);
    let sandbox_user = app
        .create_api_user(&admin, json!({"username": "crm-test", "environment": "sandbox"}))
        .await;
    let (_, sandbox) = app
        .create_token(&admin, &sandbox_user, json!({"name": "dev"}))
        .await;
    let typo = format!(
        "{}{}",
        &live[..live.len() - 1],
        if live.ends_with('A') { 'B' } else { 'A' }
    );
    let reports = json!([
        found(&live),
        found(&sandbox),
        found(&foreign_token()),
        found(&typo),
        found("hello")
    ]);

    let answer = scanner.report(&app, &reports).await.expect(200);
    assert_eq!(
        labels(&answer),
        [
            "true_positive",
            "true_positive",
            "false_positive",
            "false_positive",
            "false_positive"
        ]
    );
    assert_eq!(answer[0]["token_hash"], sha256_hex(&live));
    assert_eq!(answer[0]["token_type"], "keyward_api_token");
    assert!(!answer.to_string().contains(&live) && !answer.to_string().contains(&sandbox));
    // Live tokens are revoked by default; sandbox ones only announced.
    assert_eq!(app.code_of(&verifier, &live).await, "REVOKED");
    assert_eq!(app.code_of(&verifier, &sandbox).await, "VALID");
    let events = leak_events(&app, &admin).await;
    assert_eq!(events.len(), 2, "{events:?}");
    let revoked = events
        .iter()
        .find(|e| e["target_id"] == live_id.as_str())
        .unwrap();
    assert_eq!(revoked["details"]["action"], "revoke");
    assert_eq!(revoked["details"]["reporter"], "github");
    assert_eq!(
        revoked["details"]["source_url"],
        "https://github.com/acme/app/blob/abc/config.yml"
    );
    let outbox = app.read("/v1/outbox", &admin).await;
    assert!(outbox.to_string().contains("was found leaked"), "{outbox}");
    let webhooks: Vec<&Value> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == "webhook" && m["event"] == "token.leaked")
        .collect();
    assert_eq!(webhooks.len(), 2, "one webhook per leak: {outbox}");
    // The dashboard marks it, with where it was found.
    let page = app.dashboard_html(&format!("tokens/{live_id}"), &admin).await;
    assert!(page.contains("id=\"leaked-badge\""), "{page}");
    assert!(
        page.contains(
            "found at https://github.com/acme/app/blob/abc/config.yml (reported by github, revoke)"
        )
    );

    // The same report again: the same answer, and nothing acted on or announced twice.
    let again = scanner.report(&app, &reports).await.expect(200);
    assert_eq!(labels(&again), labels(&answer));
    assert_eq!(leak_events(&app, &admin).await.len(), 2);

    // An organization that prefers suspending.
    app.patch("/v1/settings", &admin, json!({"leaked_token_action": "suspend"}))
        .await
        .expect(200);
    let (_, second) = app.create_token(&admin, &user, json!({"name": "second"})).await;
    scanner.report(&app, &json!([found(&second)])).await.expect(200);
    assert_eq!(app.code_of(&verifier, &second).await, "SUSPENDED");
    app.patch("/v1/settings", &admin, json!({"leaked_token_action": "bogus"}))
        .await
        .problem(422, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_tampered_or_foreign_report_changes_nothing() {
    let scanner = Scanner::start().await;
    let (app, _, verifier, _, live) = acme(github_keys(&scanner)).await;
    // The first reports arrive together, before keyward has the keys: each waits for the one
    // fetch of the keys document rather than being refused.
    let empty = scanner.sign(0, b"[]");
    let first =
        futures_util::future::join_all((0..4).map(|_| scanner.post(&app, "current", &empty, "[]"))).await;
    assert!(
        first.iter().all(|a| a.status == 200),
        "{:?}",
        first.iter().map(|a| &a.text).collect::<Vec<_>>()
    );
    let body = json!([found(&live)]).to_string();
    let good = scanner.sign(0, body.as_bytes());

    let tampered = body.replace("config.yml", "config.yaml");
    for (id, signature, body, why) in [
        ("current", good.as_str(), tampered.as_str(), "a tampered body"),
        (
            "current",
            scanner.sign(1, body.as_bytes()).as_str(),
            body.as_str(),
            "another key's signature",
        ),
        (
            "unknown",
            good.as_str(),
            body.as_str(),
            "an unknown key identifier",
        ),
        ("current", "", body.as_str(), "no signature"),
        (
            "current",
            "not base64!",
            body.as_str(),
            "a signature that is not base64",
        ),
    ] {
        let refused = scanner.post(&app, id, signature, body).await;
        assert_eq!(refused.status, 401, "{why}: {}", refused.text);
        assert_eq!(refused.body["code"], "invalid_signature", "{why}");
        assert!(!refused.text.contains(&live));
    }
    // The old key still signs (GitHub publishes both while it rotates).
    scanner
        .post(&app, "old", &scanner.sign(1, body.as_bytes()), &body)
        .await
        .expect(200);
    assert_eq!(app.code_of(&verifier, &live).await, "REVOKED");

    // Signed, but not an array of reports.
    let nonsense = r#"{"token": 1}"#;
    scanner
        .post(&app, "current", &scanner.sign(0, nonsense.as_bytes()), nonsense)
        .await
        .problem(422, "invalid_body");
    // GitLab's endpoint is off until its keys document is configured.
    let gitlab = app
        .http
        .post(format!("{}/v1/secret-scanning/gitlab", app.url))
        .header("Gitlab-Public-Key-Identifier", "current")
        .header("Gitlab-Public-Key-Signature", good.clone())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(gitlab.status(), 404);
    // Bodies are bounded, and each address is limited (60 at once, then 10 a second).
    let huge = format!("[{}]", "\"x\",".repeat(1_200_000));
    let (status, answer) = post_too_large(&app, "/v1/secret-scanning/github", &good, &huge).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("\"code\":\"body_too_large\""), "{answer}");
    let mut limited = false;
    for _ in 0..80 {
        if scanner.post(&app, "current", "", "[]").await.status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "80 reports in a row from one address were all answered");
}

/// Posts a body the server refuses by its length alone. The server may answer and close before
/// reading it, so the body is written from another task whose write may then fail (a broken
/// pipe, which made a plain client call flaky); the answer is read all the same.
async fn post_too_large(app: &TestApp, path: &str, signature: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Github-Public-Key-Identifier: current\r\nGithub-Public-Key-Signature: {signature}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let writer = tokio::spawn(async move {
        let _ = write.write_all(request.as_bytes()).await;
        write
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read.read_to_end(&mut answer)).await;
    drop(writer.await);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

/// GitLab signs the same shape with its own header names and keys document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_reports_are_checked_against_gitlabs_keys() {
    let scanner = Scanner::start().await;
    let config = ServerConfig {
        scanners: ScannerSettings {
            github_keys_url: None,
            gitlab_keys_url: Some(scanner.url.clone()),
        },
        ..ServerConfig::default()
    };
    let (app, admin, verifier, _, live) = acme(config).await;
    let body = json!([found(&live)]).to_string();
    let res = app
        .http
        .post(format!("{}/v1/secret-scanning/gitlab", app.url))
        .header("Gitlab-Public-Key-Identifier", "current")
        .header("Gitlab-Public-Key-Signature", scanner.sign(0, body.as_bytes()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let leaked = leak_events(&app, &admin).await;
    assert_eq!(app.code_of(&verifier, &live).await, "REVOKED");
    assert_eq!(leaked[0]["details"]["reporter"], "gitlab");
    // GitHub's endpoint is off here.
    scanner
        .post(&app, "current", &scanner.sign(0, body.as_bytes()), &body)
        .await
        .problem(404, "scanner_not_configured");
}

/// An administrator reports what `keyward scan` found: only the organization's own tokens
/// count, and a batch of 10 000 strings is answered in one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_reports_leaks_of_their_own_organization_in_large_batches() {
    let scanner = Scanner::start().await;
    let (app, acme, verifier, _, mine) = self::acme(github_keys(&scanner)).await;
    let (_, globex) = app.create_org("Globex", "hank@globex.io").await;
    let (_, theirs_user) = app.create_crm_sync(&globex).await;
    let (_, theirs) = app
        .create_token(&globex, &theirs_user, json!({"name": "prod"}))
        .await;
    let auditor = app.add_member(&acme, "aud@acme.io", "auditor").await;
    app.post("/v1/tokens/report-leak", &auditor, json!([found(&mine)]))
        .await
        .problem(403, "super_admin_required");

    let answer = app
        .post(
            "/v1/tokens/report-leak",
            &acme,
            json!([found(&mine), found(&theirs)]),
        )
        .await
        .expect(200);
    assert_eq!(labels(&answer), ["true_positive", "false_positive"]);
    assert_eq!(app.code_of(&verifier, &mine).await, "REVOKED");
    let globex_verifier = app.verifier_token(&globex).await;
    assert_eq!(app.code_of(&globex_verifier, &theirs).await, "VALID");

    // 10 000 strings in one signed call: made-up keyward tokens cost no storage read.
    let (_, batch_user) = {
        let g = app.create_group(&acme, "batch", &["contacts:read"]).await;
        (g.clone(), app.api_user_in(&acme, "batch", &g).await)
    };
    let (_, leaked) = app
        .create_token(&acme, &batch_user, json!({"name": "leaked"}))
        .await;
    let mut reports: Vec<Value> = (0..9_999).map(|_| found(&made_up_token())).collect();
    reports.insert(5_000, found(&leaked));
    let reads = app.metric("keyward_verify_storage_reads_total").await;
    let started = Instant::now();
    let answer = scanner.report(&app, &Value::Array(reports)).await.expect(200);
    eprintln!("a 10 000-report batch took {:?}", started.elapsed());
    let labels = labels(&answer);
    assert_eq!(labels.len(), 10_000);
    assert_eq!(labels.iter().filter(|l| **l == "true_positive").count(), 1);
    assert_eq!(labels[5_000], "true_positive");
    // One read, for the one token keyward issued; the made-up ones stop at the filter.
    assert_eq!(app.metric("keyward_verify_storage_reads_total").await, reads + 1);
    assert_eq!(app.code_of(&verifier, &leaked).await, "REVOKED");
}

/// GitLab self-managed's Token Revocation API client: a token holding `keyward:report-leaks`
/// lists the types keyward revokes and hands over what GitLab found; only its organization's
/// tokens are revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlabs_token_revocation_api_revokes_the_organizations_tokens() {
    let (app, admin, verifier, _, live) = acme(ServerConfig::default()).await;
    let gitlab = app
        .token_holding(&admin, "gitlab", &["keyward:report-leaks"])
        .await;
    let types = app.read("/v1/revocable_token_types", &gitlab).await;
    assert_eq!(types["types"][0], "gitleaks_rule_id_keyward_api_token");
    let (_, globex) = app.create_org("Globex", "hank@globex.io").await;
    let (_, theirs_user) = app.create_crm_sync(&globex).await;
    let (_, theirs) = app
        .create_token(&globex, &theirs_user, json!({"name": "prod"}))
        .await;
    let found = |t: &str| json!({"type": "gitleaks_rule_id_keyward_api_token", "token": t, "location": "https://gitlab.acme.io/app/-/blob/main/.env"});
    app.post(
        "/v1/revoke_tokens",
        &gitlab,
        json!([found(&live), found(&theirs), found("x")]),
    )
    .await
    .expect(204);
    assert_eq!(app.code_of(&verifier, &live).await, "REVOKED");
    let globex_verifier = app.verifier_token(&globex).await;
    assert_eq!(app.code_of(&globex_verifier, &theirs).await, "VALID");
    let leaked = leak_events(&app, &admin).await;
    assert_eq!(leaked[0]["details"]["reporter"], "gitlab");
    assert_eq!(
        leaked[0]["details"]["source_url"],
        "https://gitlab.acme.io/app/-/blob/main/.env"
    );
    // Other tokens may not, and nobody without a credential.
    let reader = app.token_holding(&admin, "reader", &["keyward:read"]).await;
    app.post("/v1/revoke_tokens", &reader, json!([found(&live)]))
        .await
        .problem(403, "report_permission_required");
    let anonymous = app
        .call(reqwest::Method::GET, "/v1/revocable_token_types", None, None)
        .await;
    assert_eq!(anonymous.status, 401);
}

/// The organization's `token.leaked` audit events, newest first.
async fn leak_events(app: &TestApp, admin: &str) -> Vec<Value> {
    let trail = app.read("/v1/audit-events?action=token.leaked", admin).await;
    items_in(&trail).to_vec()
}
