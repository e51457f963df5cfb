//! The credential lifecycle end to end: reminders and creation alerts by real SMTP, signed
//! webhooks with retries, rotation, the expiry policy, usage series and monitoring.

use std::collections::BTreeSet;

use keyward_server::{MailSettings, ServerConfig};
use reqwest::Method;
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::*;
use crate::sinks::*;

pub(crate) fn mail_config(sink: &SmtpSink) -> ServerConfig {
    ServerConfig {
        mail: MailSettings {
            smtp_url: Some(sink.url()),
            from: "keyward <keyward@acme.test>".into(),
            ..MailSettings::default()
        },
        public_url: Some("https://keys.acme.test".into()),
        // Webhook receivers in these tests listen on loopback.
        webhook_allow: vec!["127.0.0.0/8".into()],
        ..ServerConfig::default()
    }
}

/// Acme (its owner owner@acme.test, signed in) on a keyward that mails to a new sink, with
/// monitoring quiet.
async fn acme_with_mail() -> (SmtpSink, TestApp, String) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_config(&sink)).await;
    let (_, owner) = app.create_org("Acme", "owner@acme.test").await;
    quiet_monitoring(&app, &owner).await;
    (sink, app, owner)
}

/// Keeps monitoring's "never used" and "unused" alerts out of tests about other mail.
pub(crate) async fn quiet_monitoring(app: &TestApp, admin: &str) {
    app.change_settings(
        admin,
        json!({"insights": {"never_used_days": 3650, "unused_days": 3650}}),
    )
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_arrive_once_each_at_30_7_and_1_days_and_on_expiry_across_a_restart() {
    let (sink, mut app, admin) = acme_with_mail().await;
    let user = app
        .create_api_user(
            &admin,
            json!({"username": "crm-sync", "name": "CRM sync", "contact_email": "dev@crm.test"}),
        )
        .await;
    let mut secrets = Vec::new();
    for (name, days) in [("t31", 31), ("t8", 8), ("t1", 1)] {
        let (_, secret) = app
            .create_token(&admin, &user, json!({"name": name, "expires_in_days": days}))
            .await;
        secrets.push(secret);
    }
    // The creation alerts come first, to the one administrator.
    let mails = sink.expect_exactly(3).await;
    for m in &mails {
        assert_eq!(m.subject(), "New API credentials were created for crm-sync");
        assert_eq!(m.to, ["owner@acme.test"]);
        assert_eq!(m.from, "keyward@acme.test");
    }

    let owner_and_contact = |subject: &str| {
        [
            (subject.to_owned(), "dev@crm.test".to_owned()),
            (subject.to_owned(), "owner@acme.test".to_owned()),
        ]
    };
    let step = |mails: &[Mail], from: usize| -> BTreeSet<(String, String)> {
        mails[from..]
            .iter()
            .flat_map(|m| m.to.iter().map(|to| (m.subject(), to.clone())))
            .collect()
    };

    // A day later: t31 is 30 days out, t8 is 7 days out, t1 has expired.
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    let mails = sink.expect_exactly(3 + 6).await;
    let mut want = BTreeSet::new();
    want.extend(owner_and_contact(
        "API token \"t31\" of crm-sync expires in 30 days",
    ));
    want.extend(owner_and_contact(
        "API token \"t8\" of crm-sync expires in 7 days",
    ));
    want.extend(owner_and_contact("API token \"t1\" of crm-sync has expired"));
    assert_eq!(step(&mails, 3), want);
    let t31 = mails
        .iter()
        .find(|m| m.subject().contains("\"t31\""))
        .unwrap()
        .body();
    assert!(t31.contains("CRM sync (crm-sync)"), "{t31}");
    assert!(t31.contains("2026-12-25T12:00:00Z"), "the date: {t31}");
    assert!(
        t31.contains(&format!("https://keys.acme.test/dashboard/api-users/{user}")),
        "the link: {t31}"
    );

    // A restart in the middle loses and repeats nothing.
    for (days, sent, subject) in [
        (6, 9, "API token \"t8\" of crm-sync expires within a day"),
        (1, 11, "API token \"t8\" of crm-sync has expired"),
    ] {
        app.restart().await;
        app.clock.advance(Duration::days(days));
        let mails = sink.expect_exactly(sent + 2).await;
        assert_eq!(step(&mails, sent), owner_and_contact(subject).into());
    }
    for (day, subject) in [
        (24, "API token \"t31\" of crm-sync expires in 7 days"),
        (30, "API token \"t31\" of crm-sync expires within a day"),
        (31, "API token \"t31\" of crm-sync has expired"),
    ] {
        let before = sink.mails().len();
        app.clock.set(START + Duration::days(day) + Duration::minutes(1));
        let mails = sink.expect_exactly(before + 2).await;
        assert_eq!(step(&mails, before), owner_and_contact(subject).into());
    }
    // Long after, nothing more; and no message ever held a secret.
    app.clock.advance(Duration::days(60));
    let mails = sink.expect_exactly(19).await;
    for m in &mails {
        for s in &secrets {
            for text in [m.data.clone(), m.body()] {
                assert!(!text.contains(&s[8..]), "a secret in {:?}", m.subject());
            }
        }
    }
    // Every reminder is in the audit trail, by keyward itself.
    let admin = app.login("owner@acme.test", PASSWORD).await;
    let audit = app
        .read("/v1/audit-events?action=token.reminder&limit=100", &admin)
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 8);
    assert_eq!(audit["items"][0]["actor_label"], "keyward");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_api_user_is_reminded_too() {
    let (sink, app, admin) = acme_with_mail().await;
    app.create_api_user(&admin, json!({"username": "temp-partner", "expires_in_days": 10}))
        .await;
    app.clock.advance(Duration::days(3) + Duration::minutes(1));
    let mails = sink.expect_exactly(1).await;
    assert_eq!(mails[0].subject(), "API user temp-partner expires in 7 days");
    assert!(mails[0].body().contains("every one of its tokens"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_alerts_reach_every_administrator_and_no_one_else() {
    let (sink, app, owner) = acme_with_mail().await;
    app.add_member(&owner, "ann@acme.test", "admin").await;
    app.add_member(&owner, "bob@acme.test", "admin").await;
    app.add_member(&owner, "audrey@acme.test", "auditor").await;
    let (_, other) = app.create_org("Globex", "hank@globex.test").await;
    quiet_monitoring(&app, &other).await;
    let crm = app.create_integration(&owner, "salesforce", &[]).await;

    let password = "integration password 1";
    let user = app
        .create_api_user(
            &owner,
            json!({"username": "crm-sync", "name": "CRM sync", "integration_ids": [crm], "password": password}),
        )
        .await;
    let (_, secret) = app
        .create_token(
            &owner,
            &user,
            json!({"name": "prod", "expires_in_days": 90, "integration_id": crm}),
        )
        .await;
    let mails = sink.expect_exactly(6).await;
    let admins: BTreeSet<&str> = ["ann@acme.test", "bob@acme.test", "owner@acme.test"].into();
    let to = |subject: &str| -> BTreeSet<&str> {
        mails
            .iter()
            .filter(|m| m.subject() == subject)
            .flat_map(|m| m.to.iter().map(String::as_str))
            .collect()
    };
    assert_eq!(to("New API credentials were created for crm-sync"), admins);
    assert_eq!(mails.len(), 6, "one per administrator per credential");
    let token_mail = mails
        .iter()
        .find(|m| m.body().contains("Token name:   prod"))
        .expect("the token's alert")
        .body();
    for want in [
        "Created by:   owner@acme.test",
        "API user:     CRM sync (crm-sync)",
        "Integration:  salesforce",
        "Expires:      2027-02-22T12:00:00Z",
        "Token hint:   kw_live_…",
    ] {
        assert!(token_mail.contains(want), "{want:?} missing from:\n{token_mail}");
    }
    for m in &mails {
        for text in [m.data.clone(), m.body()] {
            assert!(!text.contains(&secret[8..]), "the secret in an email");
            assert!(!text.contains(password), "the password in an email");
        }
    }
    // The outbox shows them delivered, to the organization that caused them only.
    let outbox = app.read("/v1/outbox?status=delivered", &owner).await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 6);
    let theirs = app.read("/v1/outbox", &other).await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_emails_wait_in_the_outbox() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "owner@acme.test").await;
    quiet_monitoring(&app, &owner).await;
    let user = app.create_api_user(&owner, json!({"username": "crm-sync"})).await;
    app.create_token(&owner, &user, json!({"name": "prod"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let pending = app.read("/v1/outbox?status=pending", &owner).await;
    let items = pending["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{pending:#}");
    assert_eq!(items[0]["channel"], "email");
    assert_eq!(items[0]["recipient"], "owner@acme.test");
    assert_eq!(items[0]["attempts"], 0, "not tried, not dead: waiting for SMTP");
    app.get("/v1/outbox?status=sent", &owner)
        .await
        .problem(400, "invalid_query");
}

/// Waits until the worker has recorded the failed attempt(s) it made: every pending webhook is
/// scheduled after the test's present. Moving the clock earlier would race the worker, which
/// schedules a retry from the time it records the failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_the_old_token_for_its_grace_period_to_the_second() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    let verifier = app.verifier_token(&admin).await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (old_id, old) = app
        .create_token(
            &admin,
            &user,
            json!({"name": "prod", "expires_in_days": 30, "permissions": ["contacts:read"], "allowed_ips": ["203.0.113.0/24"]}),
        )
        .await;
    let check =
        |token: String| json!({"token": token, "ip": "203.0.113.9", "permissions": ["contacts:read"]});

    app.post(
        &format!("/v1/tokens/{old_id}/rotate"),
        &admin,
        json!({"grace_period_seconds": -1}),
    )
    .await
    .problem(422, "validation_failed");
    app.clock.advance(Duration::days(10));
    let admin = app.login("owner@acme.test", PASSWORD).await;
    let rotated = app
        .post(
            &format!("/v1/tokens/{old_id}/rotate"),
            &admin,
            json!({"grace_period_seconds": 3600}),
        )
        .await;
    assert_eq!(rotated.headers.get("cache-control").unwrap(), "no-store");
    let rotated = rotated.expect(201);
    let new = rotated["token"].as_str().unwrap().to_owned();
    let new_id = rotated["id"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(rotated["name"], "prod");
    assert_eq!(rotated["permissions"], json!(["contacts:read"]));
    assert_eq!(rotated["allowed_ips"], json!(["203.0.113.0/24"]));
    assert_eq!(rotated["rotated_from"], old_id);
    // The same 30-day lifetime, from now.
    assert_eq!(rotated["expires_at"], "2027-01-03T12:00:00Z");

    assert_eq!(app.verify_code(&verifier, check(old.clone())).await, "VALID");
    assert_eq!(app.verify_code(&verifier, check(new.clone())).await, "VALID");
    app.clock.advance(Duration::seconds(3599));
    assert_eq!(app.verify_code(&verifier, check(old.clone())).await, "VALID");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.verify_code(&verifier, check(old.clone())).await, "EXPIRED");
    assert_eq!(app.verify_code(&verifier, check(new.clone())).await, "VALID");

    let old_view = app.read(&format!("/v1/tokens/{old_id}"), &admin).await;
    assert_eq!(old_view["replaced_by"], new_id);
    assert_eq!(old_view["expiry_status"], "expired");
    // A rotated token cannot be rotated again, nor given a new life.
    app.post(&format!("/v1/tokens/{old_id}/rotate"), &admin, json!({}))
        .await
        .problem(409, "token_revoked");
    app.patch(
        &format!("/v1/tokens/{old_id}"),
        &admin,
        json!({"expires_in_days": 5}),
    )
    .await
    .problem(422, "validation_failed");
    // Both are linked in the audit trail.
    let audit = app.read("/v1/audit-events?action=token.rotate", &admin).await;
    let event = &audit["items"][0];
    assert_eq!(event["target_id"], new_id);
    assert_eq!(event["details"]["rotated_from"], old_id);
    assert!(
        !audit.to_string().contains(&new[8..]),
        "no secret in the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_policy_bounds_creation_extension_and_rotation() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    let (long_id, _) = app
        .create_token(&admin, &user, json!({"name": "long", "expires_in_days": 365}))
        .await;
    let auditor = app.add_member(&admin, "audrey@acme.test", "auditor").await;
    let policy = |p: Value| Some(json!({"expiry_policy": p}));
    let (settings, tokens) = ("/v1/settings".to_owned(), format!("/v1/api-users/{user}/tokens"));
    #[rustfmt::skip]
    let set = app.answers(vec![
        (&auditor, Method::PATCH, settings.clone(), policy(json!({"max_lifetime_days": 90})), 403, "super_admin_required"),
        (&admin, Method::PATCH, settings.clone(), policy(json!({"max_lifetime_days": 0})), 422, "validation_failed"),
        (&admin, Method::PATCH, settings.clone(), policy(json!({"colour": "red"})), 422, "validation_failed"),
        (&admin, Method::PATCH, settings.clone(), policy(json!({"max_lifetime_days": 90, "allow_no_expiry": false})), 200, ""),
        (&admin, Method::POST, tokens.clone(), Some(json!({"name": "t", "expires_in_days": 91})), 422, "expiry_policy"),
        (&admin, Method::POST, tokens, Some(json!({"name": "t"})), 422, "expiry_policy"),
    ]).await;
    let s = &set[3];
    assert_eq!(s["expiry_policy"]["max_lifetime_days"], 90);
    assert_eq!(s["insights"]["unused_days"], 90, "the rest keeps its value");
    assert_eq!(&app.read("/v1/settings", &auditor).await, s);
    let detail = |i: usize| set[i]["detail"].as_str().unwrap().to_owned();
    assert!(detail(4).contains("expiry policy allows tokens to live at most 90 days"));
    assert!(detail(5).contains("requires an expiry"));

    let (t, _) = app
        .create_token(&admin, &user, json!({"name": "t", "expires_in_days": 90}))
        .await;
    let (token, rotate) = (format!("/v1/tokens/{t}"), format!("/v1/tokens/{long_id}/rotate"));
    #[rustfmt::skip]
    app.answers(vec![
        (&admin, Method::PATCH, token.clone(), Some(json!({"expires_in_days": 120})), 422, "expiry_policy"),
        (&admin, Method::PATCH, token.clone(), Some(json!({"expires_at": null})), 422, "expiry_policy"),
        // Renaming does not touch the expiry, so the policy has nothing to say.
        (&admin, Method::PATCH, token, Some(json!({"name": "t2"})), 200, ""),
        // A rotation would carry the old 365-day lifetime over: refused, unless a shorter one
        // is given.
        (&admin, Method::POST, rotate.clone(), Some(json!({})), 422, "expiry_policy"),
        (&admin, Method::POST, rotate, Some(json!({"expires_in_days": 60, "grace_period_seconds": 60})), 201, ""),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_travels_over_starttls_and_implicit_tls_with_credentials() {
    for mode in [SmtpMode::StartTls, SmtpMode::Implicit] {
        let sink = SmtpSink::start_mode(mode).await;
        let mut config = mail_config(&sink);
        config.mail.smtp_ca_pem = sink.ca_pem.clone().map(String::into_bytes);
        let app = TestApp::spawn_with(config).await;
        let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
        quiet_monitoring(&app, &admin).await;
        let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
        app.create_token(&admin, &user, json!({"name": "prod"})).await;
        let mails = sink.expect_exactly(1).await;
        assert_eq!(
            mails[0].subject(),
            "New API credentials were created for crm-sync",
            "{mode:?}"
        );
        assert_eq!(
            sink.logins(),
            [("keyward".to_owned(), "s3cret".to_owned())],
            "{mode:?}: the URL's credentials, over TLS"
        );
    }

    // A server whose certificate nobody vouches for gets nothing: the message waits, with the
    // reason, and no password was sent.
    let sink = SmtpSink::start_mode(SmtpMode::StartTls).await;
    let app = TestApp::spawn_with(mail_config(&sink)).await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    quiet_monitoring(&app, &admin).await;
    let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    app.create_token(&admin, &user, json!({"name": "prod"})).await;
    let mut error = String::new();
    for _ in 0..100 {
        let v = app.read("/v1/outbox", &admin).await;
        if let Some(e) = v["items"][0]["last_error"].as_str() {
            error = e.to_owned();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert!(sink.mails().is_empty());
    assert!(
        sink.logins().is_empty(),
        "credentials sent to an unverified server"
    );
}
