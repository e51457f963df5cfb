//! Monitoring end to end: a scripted pattern of use raises each alert once; a normal one raises
//! none.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use time::Duration;

use crate::helpers::*;
use crate::notifications::mail_config;
use crate::sinks::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_speaks_up_on_a_scripted_pattern_and_stays_quiet_on_a_normal_one() {
    let sink = SmtpSink::start().await;
    let receiver = WebhookReceiver::start().await;
    let app = TestApp::spawn_with(mail_config(&sink)).await;
    let (_, admin) = app.create_org("Acme", "owner@acme.test").await;
    app.change_settings(
        &admin,
        json!({"insights": {"denied_burst": 5, "spike_min": 50, "spike_factor": 5}}),
    )
    .await
    .expect(200);
    app.post(
        "/v1/webhooks",
        &admin,
        json!({"url": receiver.url, "events": ["verification.anomaly"]}),
    )
    .await
    .expect(201);
    let verifier = app.verifier_token(&admin).await;
    let user = app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    let (quiet, quiet_secret) = app.create_token(&admin, &user, json!({"name": "quiet"})).await;
    let (roaming, roaming_secret) = app.create_token(&admin, &user, json!({"name": "roaming"})).await;
    let fence = json!({"name": "fenced", "allowed_ips": ["203.0.113.0/24"]});
    let (fenced, fenced_secret) = app.create_token(&admin, &user, fence).await;
    let (busy, busy_secret) = app.create_token(&admin, &user, json!({"name": "busy"})).await;
    let call = |secret: &str, ip: &str| json!({"token": secret, "ip": ip});

    // The normal pattern: ten calls an hour from one network, for three hours.
    for hour in 0..3 {
        for _ in 0..10 {
            app.verify(&verifier, call(&quiet_secret, "203.0.113.5")).await;
        }
        app.verify(&verifier, call(&roaming_secret, "203.0.113.7")).await;
        if hour < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            app.clock.advance(Duration::hours(1));
        }
    }
    // The scripted one: a new network, a burst of refusals, a spike.
    app.verify(&verifier, call(&roaming_secret, "198.51.100.9")).await;
    for _ in 0..6 {
        assert_eq!(
            app.verify(&verifier, call(&fenced_secret, "192.0.2.1")).await["code"],
            "IP_NOT_ALLOWED"
        );
    }
    for _ in 0..60 {
        app.verify(&verifier, call(&busy_secret, "203.0.113.8")).await;
    }

    // The verifier's own token is busy too (every check above used it) and may be reported;
    // this test is about the four tokens it scripted.
    let ours = [&quiet, &roaming, &fenced, &busy];
    let mut alerts = Vec::new();
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for _ in 0..150 {
        let v = app.read("/v1/insights", &admin).await;
        alerts = v["alerts"].as_array().unwrap().clone();
        found = kinds_and_tokens(&alerts, &ours).collect();
        if found.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let want: BTreeSet<(String, String)> = [
        ("new_network".to_owned(), roaming.clone()),
        ("denied_burst".to_owned(), fenced.clone()),
        ("spike".to_owned(), busy.clone()),
    ]
    .into();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let v = app.read("/v1/insights", &admin).await;
    let all: Vec<(String, String)> = kinds_and_tokens(v["alerts"].as_array().unwrap(), &ours).collect();
    assert_eq!(found, want, "alerts: {all:?}");
    assert_eq!(
        all.len(),
        3,
        "each alert once; nothing about the quiet token: {all:?}"
    );
    assert!(all.iter().all(|(_, t)| *t != quiet));
    let new_network = alerts.iter().find(|a| a["kind"] == "new_network").unwrap();
    assert_eq!(new_network["window"], "198.51.100.0/24");

    // Told by email and webhook, once each.
    let monitoring = |mails: &[Mail]| {
        mails
            .iter()
            .filter(|m| {
                m.subject().starts_with("keyward monitoring") && !m.subject().contains("\"verifier\"")
            })
            .count()
    };
    for _ in 0..100 {
        if monitoring(&sink.mails()) >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = sink.mails();
    assert_eq!(monitoring(&mails), 3, "{:#?}", subjects(&mails));
    assert!(mails.iter().any(
        |m| m.subject().contains("\"fenced\"") && m.subject().contains("burst of refused verifications")
    ));
    let hooks = receiver.wait_for(3).await;
    assert!(
        hooks
            .iter()
            .all(|d| serde_json::from_str::<Value>(&d.body).unwrap()["type"] == "verification.anomaly")
    );

    // The usage series: allowed and denied per hour, distinct IPs.
    let series = app
        .read(&format!("/v1/usage?token_id={quiet}&hours=24"), &admin)
        .await;
    let hours = series["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 3, "{series}");
    for h in hours {
        assert_eq!(h["allowed"], 10);
        assert_eq!(h["denied"], 0);
        assert_eq!(h["distinct_ips"], 1);
    }
    let fenced_series = app.read(&format!("/v1/usage?token_id={fenced}"), &admin).await;
    assert_eq!(fenced_series["hours"][0]["denied"], 6);
    assert_eq!(fenced_series["hours"][0]["by_code"]["IP_NOT_ALLOWED"], 6);
    let org = app.read("/v1/usage", &admin).await;
    assert_eq!(org["scope"], "organization");
    let per_user = app.read(&format!("/v1/usage?api_user_id={user}"), &admin).await;
    assert_eq!(per_user["scope"], "api_user");
    app.get(&format!("/v1/usage?token_id={quiet}&api_user_id={user}"), &admin)
        .await
        .problem(400, "invalid_query");

    // Two weeks on, untouched tokens are reported: a token never used, and after 90 days
    // without use, the ones that should have been decommissioned.
    let (never, _) = app.create_token(&admin, &user, json!({"name": "never"})).await;
    app.clock.advance(Duration::days(15));
    let admin = app.login("owner@acme.test", PASSWORD).await;
    let v = app.read("/v1/insights", &admin).await;
    let never_used = ids_in(&v["never_used"]);
    assert!(never_used.contains(&never), "{v}");
    assert!(!never_used.contains(&quiet));
    app.clock.advance(Duration::days(80));
    let admin = app.login("owner@acme.test", PASSWORD).await;
    let v = app.read("/v1/insights", &admin).await;
    let unused = ids_in(&v["unused"]);
    assert!(unused.contains(&quiet), "{v}");
}

/// (kind, token id) of each alert about one of `ours`.
fn kinds_and_tokens<'a>(
    alerts: &'a [Value],
    ours: &'a [&String],
) -> impl Iterator<Item = (String, String)> + 'a {
    alerts
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["token_id"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(_, t)| ours.contains(&t))
}
