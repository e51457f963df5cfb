//! Webhooks end to end: signed (checked by the Standard Webhooks reference library), retried
//! with backoff, dead-lettered, resent, and delivered once.

use keyward_server::ServerConfig;
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::*;
use crate::notifications::quiet_monitoring;
use crate::sinks::*;

async fn failure_recorded(app: &TestApp, admin: &str) {
    for _ in 0..100 {
        let v = app.read("/v1/outbox?status=pending", admin).await;
        let now = app.clock.now_for_tests();
        // Emails wait here too (no SMTP in this test); only webhook retries are scheduled.
        let waiting = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["channel"] == "webhook")
            .all(|i| {
                time::OffsetDateTime::parse(
                    i["next_attempt_at"].as_str().unwrap(),
                    &time::format_description::well_known::Rfc3339,
                )
                .is_ok_and(|t| t > now)
            });
        if waiting {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the failed delivery was never recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_delivered_once() {
    let receiver = WebhookReceiver::start().await;
    let mut config = ServerConfig::default();
    config.jobs.max_attempts = 4;
    // The receiver listens on loopback, which webhooks may reach only when the operator says so.
    config.webhook_allow = vec!["127.0.0.0/8".into()];
    let app = TestApp::spawn_with(config).await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    quiet_monitoring(&app, &admin).await;

    app.post(
        "/v1/webhooks",
        &admin,
        json!({"url": "ftp://x", "events": ["token.created"]}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/webhooks",
        &admin,
        json!({"url": receiver.url, "events": ["token.made"]}),
    )
    .await
    .problem(422, "validation_failed");
    let hook = app
        .post(
            "/v1/webhooks",
            &admin,
            json!({"url": receiver.url, "events": ["token.created", "token.revoked", "token.rotated"]}),
        )
        .await
        .expect(201);
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = app.get("/v1/webhooks", &admin).await;
    assert!(!listed.text.contains(&secret), "the secret is shown once");
    // At rest it is sealed under the key-encryption key, not stored as given.
    let org = app.store.list_organization_ids().await.unwrap()[0];
    let hook_id = uuid::Uuid::parse_str(hook["id"].as_str().unwrap()).unwrap();
    let stored = app.store.get_webhook(org, hook_id).await.unwrap().secret;
    assert!(
        stored.starts_with("sealed:") && !stored.contains(&secret[6..]),
        "{stored}"
    );

    // Fails twice, then succeeds: three attempts with one id, then nothing more.
    receiver.answer(&[500, 500]);
    let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    let (token_id, token) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    receiver.wait_for(1).await;
    failure_recorded(&app, &admin).await;
    let outbox = app.read("/v1/outbox?status=pending", &admin).await;
    let pending = &outbox["items"][0];
    assert_eq!(pending["channel"], "webhook");
    assert_eq!(pending["attempts"], 1);
    assert!(pending["last_error"].as_str().unwrap().contains("HTTP 500"));
    app.clock.advance(Duration::seconds(31));
    receiver.wait_for(2).await;
    failure_recorded(&app, &admin).await;
    app.clock.advance(Duration::minutes(2) + Duration::seconds(1));
    receiver.wait_for(3).await;
    app.clock.advance(Duration::hours(1));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let got = receiver.deliveries();
    assert_eq!(got.iter().map(|d| d.status).collect::<Vec<_>>(), [500, 500, 200]);
    assert!(
        got.iter().all(|d| d.id == got[0].id),
        "one webhook-id across retries"
    );
    let body: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["type"], "token.created");
    assert_eq!(body["data"]["token"]["id"], token_id);
    assert_eq!(body["data"]["api_user"]["username"], "crm-sync");
    assert!(got.iter().all(|d| !d.body.contains(&token[8..])), "no secret");
    let done = app.read("/v1/outbox?status=delivered", &admin).await;
    assert_eq!(done["items"][0]["attempts"], 3);

    // Not subscribed: suspending sends nothing. Subscribed: revoking does.
    app.post(&format!("/v1/tokens/{token_id}/suspend"), &admin, json!({}))
        .await
        .expect(200);
    app.delete(&format!("/v1/tokens/{token_id}"), &admin)
        .await
        .expect(204);
    let got = receiver.wait_for(4).await;
    let body: Value = serde_json::from_str(&got[3].body).unwrap();
    assert_eq!(body["type"], "token.revoked");

    // A receiver that keeps failing: the message goes dead after the last attempt, and can be
    // sent again by hand.
    receiver.answer(&[503, 503, 503, 503]);
    let (_, _) = app.create_token(&admin, &user, json!({"name": "second"})).await;
    receiver.wait_for(5).await;
    for (n, wait) in [(6, 31), (7, 121), (8, 481)] {
        failure_recorded(&app, &admin).await;
        app.clock.advance(Duration::seconds(wait));
        receiver.wait_for(n).await;
    }
    let dead = {
        let mut dead = Value::Null;
        for _ in 0..50 {
            dead = app.read("/v1/outbox?status=dead", &admin).await;
            if !dead["items"].as_array().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        dead
    };
    let dead = &dead["items"][0];
    assert_eq!(dead["attempts"], 4);
    assert!(dead["last_error"].as_str().unwrap().contains("HTTP 503"));
    let id = dead["id"].as_str().unwrap();
    let again = app
        .post(&format!("/v1/outbox/{id}/resend"), &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(again["status"], "pending");
    let got = receiver.wait_for(9).await;
    assert_eq!(got[8].status, 200);
    assert_eq!(got[8].id, got[4].id, "the same message, sent again");

    for (name, n) in [
        ("keyward_outbox_delivered_total", 3),
        ("keyward_outbox_failed_attempts_total", 6),
        ("keyward_outbox_dead_total", 1),
    ] {
        assert_eq!(app.metric(name).await, n, "{name}");
    }

    let checked = verify_with_reference_library(&secret, &got);
    if checked {
        eprintln!("webhook signatures verified by the standardwebhooks reference library");
    }
}

/// Webhooks never reach internal addresses unless the operator allows them (issue 18, item
/// 4): every spelling of loopback and the metadata address are refused when the endpoint is
/// made; names that resolve to loopback are refused when the delivery connects, the receiver
/// hears nothing, and the organization sees a generic error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_never_reach_internal_addresses_by_default() {
    let receiver = WebhookReceiver::start().await;
    let port = receiver
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let port: u16 = port.split('/').next().unwrap().parse().unwrap();
    let mut config = ServerConfig::default();
    config.jobs.max_attempts = 1;
    let app = TestApp::spawn_with(config).await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    quiet_monitoring(&app, &admin).await;
    // A literal internal address, in any spelling, is refused when the endpoint is made.
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://0.0.0.0:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0x7f000001:{port}/hook"),
        format!("http://127.1:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let refused = app
            .post(
                "/v1/webhooks",
                &admin,
                json!({"url": url, "events": ["token.created"]}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(refused["field"], "url", "{url}");
    }
    // A name is checked on the addresses it resolves to, when the delivery connects.
    let by_name = [format!("http://localhost:{port}/hook")];
    for url in &by_name {
        app.post(
            "/v1/webhooks",
            &admin,
            json!({"url": url, "events": ["token.created"]}),
        )
        .await
        .expect(201);
    }
    let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    app.create_token(&admin, &user, json!({"name": "prod"})).await;
    // Every message is tried once and given up on.
    for _ in 0..200 {
        let dead = app.read("/v1/outbox?status=dead", &admin).await;
        if dead["items"].as_array().unwrap().len() == by_name.len() {
            for item in dead["items"].as_array().unwrap() {
                let error = item["last_error"].as_str().unwrap();
                assert!(error.contains("not allowed"), "{error}");
                assert!(
                    !error.contains("127.0.0.1") && !error.contains("refused"),
                    "generic: {error}"
                );
            }
            assert!(receiver.deliveries().is_empty(), "nothing reached the receiver");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the deliveries were not all refused");
}
