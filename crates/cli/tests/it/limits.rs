//! Rate limits and credits through the API, as a platform uses them: set on tokens, API users
//! and the organization, counted by verify and the gateway, refused in the documented order,
//! topped up, refilled on schedule, alerted on, and kept across a restart. On SQLite, and on
//! PostgreSQL with `KEYWARD_TEST_DATABASE=postgres`.

use std::time::Duration;

use serde_json::{Value, json};
use time::Duration as Span;

use crate::helpers::*;

/// Waits (in real time) until the server has reported what it spent, the frozen test clock
/// having moved on past the leases' quiet time.
async fn settled(app: &TestApp) {
    app.clock.advance(Span::seconds(1));
    tokio::time::sleep(Duration::from_millis(700)).await;
}

async fn setup() -> (TestApp, String, String) {
    let (app, admin) = TestApp::acme().await;
    app.create_crm_sync(&admin).await;
    let verifier = app.verifier_token(&admin).await;
    (app, admin, verifier)
}

/// A token of `crm-sync` made from `body`: (id, secret).
async fn crm_token(app: &TestApp, admin: &str, body: Value) -> (String, String) {
    app.create_token(admin, "crm-sync", body).await
}

fn names(v: &Value) -> Vec<(String, u64)> {
    v["ratelimits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    (
                        l["name"].as_str().unwrap().to_owned(),
                        l["remaining"].as_u64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rate_limit_admits_exactly_its_count_then_refuses_until_the_window_moves() {
    let (app, admin, verifier) = setup().await;
    let token =
        json!({"name": "limited", "ratelimits": [{"name": "requests", "limit": 3, "duration_ms": 60000}]});
    let (id, secret) = crm_token(&app, &admin, token).await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(
        shown["ratelimits"],
        json!([{"name": "requests", "limit": 3, "duration_ms": 60000}])
    );
    for left in [2, 1, 0] {
        let v = app.verify(&verifier, json!({"token": secret})).await;
        assert_eq!(v["code"], "VALID", "{v}");
        assert_eq!(names(&v), [("requests".to_owned(), left)], "{v}");
        assert!(v["ratelimits"][0]["reset_at"].is_string(), "{v}");
        assert!(v.get("credits").is_none(), "no credits, no field: {v}");
    }
    let refused = app.verify(&verifier, json!({"token": secret})).await;
    assert_eq!(refused["code"], "RATE_LIMITED", "{refused}");
    assert_eq!(refused["valid"], false);
    assert_eq!(names(&refused), [("requests".to_owned(), 0)], "{refused}");
    assert!(
        refused.get("token_id").is_none(),
        "a refusal says no more: {refused}"
    );
    app.clock.advance(Span::seconds(62));
    assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    // Tokens without limits answer as they always did.
    let (_, plain) = app
        .create_token(&admin, "crm-sync", json!({"name": "plain"}))
        .await;
    let v = app.verify(&verifier, json!({"token": plain})).await;
    assert!(v.get("ratelimits").is_none() && v.get("credits").is_none(), "{v}");
}

#[tokio::test]
async fn credits_are_spent_by_cost_and_refused_when_short_then_topped_up() {
    let (app, admin, verifier) = setup().await;
    let token = json!({"name": "metered", "credits": {"remaining": 5}});
    let (id, secret) = crm_token(&app, &admin, token).await;
    let call = |cost: u64| json!({"token": secret, "cost": cost});
    for (cost, code, left) in [
        (2, "VALID", 3),
        (2, "VALID", 1),
        (2, "USAGE_EXCEEDED", 1),
        (0, "VALID", 1),
        (1, "VALID", 0),
        (1, "USAGE_EXCEEDED", 0),
    ] {
        let v = app.verify(&verifier, call(cost)).await;
        assert_eq!(v["code"], code, "cost {cost}: {v}");
        assert_eq!(v["credits"]["remaining"], left, "cost {cost}: {v}");
    }
    settled(&app).await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(shown["credits"]["remaining"], 0, "{shown}");
    assert_eq!(shown["credits"]["refill"], Value::Null);

    let topped = app
        .post(&format!("/v1/tokens/{id}/credits"), &admin, json!({"add": 3}))
        .await
        .expect(200);
    assert_eq!(topped["remaining"], 3, "{topped}");
    let v = app.verify(&verifier, call(3)).await;
    assert_eq!(
        (v["code"].as_str(), v["credits"]["remaining"].as_u64()),
        (Some("VALID"), Some(0)),
        "{v}"
    );
    let set = app
        .post(&format!("/v1/tokens/{id}/credits"), &admin, json!({"set": 10}))
        .await
        .expect(200);
    assert_eq!(set["remaining"], 10);
    assert_eq!(app.verify(&verifier, call(4)).await["credits"]["remaining"], 6);
    let trail = app.read("/v1/audit-events?action=credits.adjust", &admin).await;
    assert_eq!(trail["items"].as_array().unwrap().len(), 2, "{trail}");

    // Removing the credits stops metering; a token without credits cannot be topped up.
    app.patch(&format!("/v1/tokens/{id}"), &admin, json!({"credits": null}))
        .await
        .expect(200);
    let v = app.verify(&verifier, call(100)).await;
    assert_eq!(v["code"], "VALID", "{v}");
    assert!(v.get("credits").is_none(), "{v}");
    app.post(&format!("/v1/tokens/{id}/credits"), &admin, json!({"add": 1}))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_refused_request_spends_nothing_and_limits_come_before_credits() {
    let (app, admin, verifier) = setup().await;
    let token = json!({"name": "both", "credits": {"remaining": 10},
                       "ratelimits": [{"name": "burst", "limit": 2, "duration_ms": 1000},
                                      {"name": "minute", "limit": 100, "duration_ms": 60000}]});
    let (id, secret) = crm_token(&app, &admin, token).await;
    for _ in 0..2 {
        assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    }
    for _ in 0..5 {
        let v = app.verify(&verifier, json!({"token": secret})).await;
        assert_eq!(v["code"], "RATE_LIMITED", "{v}");
        assert_eq!(v["credits"]["remaining"], 8, "no credit spent: {v}");
        assert_eq!(
            names(&v),
            [("burst".to_owned(), 0), ("minute".to_owned(), 98)],
            "the refusals did not count against the other limit: {v}"
        );
    }
    // Too few credits: USAGE_EXCEEDED, and the limits are not counted either.
    app.clock.advance(Span::seconds(2));
    let v = app.verify(&verifier, json!({"token": secret, "cost": 9})).await;
    assert_eq!(v["code"], "USAGE_EXCEEDED", "{v}");
    assert_eq!(
        names(&v),
        [("burst".to_owned(), 2), ("minute".to_owned(), 98)],
        "{v}"
    );
    settled(&app).await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(shown["credits"]["remaining"], 8, "{shown}");
}

#[tokio::test]
async fn an_api_users_limits_and_credits_are_shared_by_its_tokens() {
    let (app, admin, verifier) = setup().await;
    let group = app.create_group(&admin, "shop", &["orders:read"]).await;
    app.create_api_user(
        &admin,
        json!({"username": "shop", "permission_group_id": group,
               "ratelimits": [{"name": "customer", "limit": 4, "duration_ms": 60000}],
               "credits": {"remaining": 3}}),
    )
    .await;
    let (_, a) = app.create_token(&admin, "shop", json!({"name": "a"})).await;
    let (_, b) = app.create_token(&admin, "shop", json!({"name": "b"})).await;
    let codes = [
        app.code_of(&verifier, &a).await,
        app.code_of(&verifier, &b).await,
        app.code_of(&verifier, &a).await,
        app.code_of(&verifier, &b).await,
    ];
    assert_eq!(codes, ["VALID", "VALID", "VALID", "USAGE_EXCEEDED"]);
    let user = app.read("/v1/api-users/shop", &admin).await;
    assert_eq!(user["ratelimits"][0]["name"], "customer");
    app.post("/v1/api-users/shop/credits", &admin, json!({"add": 10}))
        .await
        .expect(200);
    // Three counted, the refusal not: one more fits the shared limit of 4.
    assert_eq!(app.code_of(&verifier, &a).await, "VALID");
    assert_eq!(app.code_of(&verifier, &b).await, "RATE_LIMITED");
}

#[tokio::test]
async fn the_organizations_default_limits_tokens_without_their_own() {
    let (app, admin, verifier) = setup().await;
    let token = json!({"name": "own", "ratelimits": [{"name": "own", "limit": 5, "duration_ms": 60000}]});
    let (_, own) = crm_token(&app, &admin, token).await;
    let (_, plain) = app
        .create_token(&admin, "crm-sync", json!({"name": "plain"}))
        .await;
    assert_eq!(app.code_of(&verifier, &plain).await, "VALID");
    app.change_settings(
        &admin,
        json!({"default_ratelimits": [{"name": "default", "limit": 1, "duration_ms": 60000}]}),
    )
    .await
    .expect(200);
    // The change applies at once, to cached tokens too; each token has its own count.
    let v = app.verify(&verifier, json!({"token": plain})).await;
    assert_eq!(
        (v["code"].as_str(), names(&v)),
        (Some("VALID"), vec![("default".to_owned(), 0)])
    );
    assert_eq!(app.code_of(&verifier, &plain).await, "RATE_LIMITED");
    let v = app.verify(&verifier, json!({"token": own})).await;
    assert_eq!(
        names(&v),
        [("own".to_owned(), 4)],
        "its own limits replace the default: {v}"
    );
    app.change_settings(
        &admin,
        json!({"default_ratelimits": [{"name": "x", "limit": 0, "duration_ms": 1000}]}),
    )
    .await
    .problem(422, "validation_failed");
}

#[tokio::test]
async fn credits_refill_on_schedule_once_and_audited() {
    let (app, admin, verifier) = setup().await;
    let token =
        json!({"name": "daily", "credits": {"remaining": 2, "refill": {"interval": "daily", "amount": 5}}});
    let (id, secret) = crm_token(&app, &admin, token).await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(
        shown["credits"]["next_refill_at"], "2026-11-25T00:00:00Z",
        "{shown}"
    );
    for code in ["VALID", "VALID", "USAGE_EXCEEDED"] {
        assert_eq!(app.code_of(&verifier, &secret).await, code);
    }
    // Past midnight (the test clock started at noon): the first verification refills.
    app.clock.advance(Span::hours(12) + Span::seconds(1));
    let verifier = verifier.clone();
    let v = app.verify(&verifier, json!({"token": secret})).await;
    assert_eq!(
        (v["code"].as_str(), v["credits"]["remaining"].as_u64()),
        (Some("VALID"), Some(4)),
        "{v}"
    );
    for _ in 0..4 {
        app.verify(&verifier, json!({"token": secret})).await;
    }
    assert_eq!(app.code_of(&verifier, &secret).await, "USAGE_EXCEEDED");
    // Two days later with nobody asking, the scheduler refills (once: a refill sets the balance).
    app.clock.advance(Span::days(2));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let admin = app.login("ada@acme.io", PASSWORD).await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(shown["credits"]["remaining"], 5, "{shown}");
    assert_eq!(
        shown["credits"]["last_refill_at"], "2026-11-27T00:00:00Z",
        "{shown}"
    );
    let trail = app.read("/v1/audit-events?action=credits.refill", &admin).await;
    let refills = trail["items"].as_array().unwrap();
    assert_eq!(refills.len(), 2, "{trail}");
    assert!(refills.iter().all(|e| e["actor_kind"] == "system"), "{trail}");
}

#[tokio::test]
async fn nonsense_is_refused_and_writes_nothing() {
    let (app, admin, verifier) = setup().await;
    let before = app.dump().await;
    for (body, field) in [
        (
            json!({"name": "x", "ratelimits": [{"name": "r", "limit": 0, "duration_ms": 1000}]}),
            "ratelimits",
        ),
        (
            json!({"name": "x", "ratelimits": [{"name": "r", "limit": 5, "duration_ms": 0}]}),
            "ratelimits",
        ),
        (
            json!({"name": "x", "ratelimits": [{"name": "r", "limit": 5, "duration_ms": 1000},
                                                {"name": "r", "limit": 9, "duration_ms": 1000}]}),
            "ratelimits",
        ),
        (
            json!({"name": "x", "ratelimits": [{"name": "bad name!", "limit": 5, "duration_ms": 1000}]}),
            "ratelimits",
        ),
        (
            json!({"name": "x", "credits": {"remaining": 5, "refill": {"interval": "weekly", "amount": 5}}}),
            "credits",
        ),
        (
            json!({"name": "x", "credits": {"remaining": 5, "refill": {"interval": "daily", "amount": 0}}}),
            "credits",
        ),
        (
            json!({"name": "x", "credits": {"remaining": 5, "refill": {"interval": "daily", "amount": 5, "day": 3}}}),
            "credits",
        ),
        (
            json!({"name": "x", "credits": {"remaining": 5, "refill": {"interval": "10ms", "amount": 5}}}),
            "credits",
        ),
    ] {
        let p = app
            .post("/v1/api-users/crm-sync/tokens", &admin, body.clone())
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["field"], field, "{body}: {p}");
    }
    for body in [
        json!({"name": "x", "ratelimits": [{"name": "r", "limit": -1, "duration_ms": 1000}]}),
        json!({"name": "x", "credits": {"remaining": -5}}),
        json!({"name": "x", "credits": {"remaining": 5, "extra": 1}}),
    ] {
        app.post("/v1/api-users/crm-sync/tokens", &admin, body)
            .await
            .problem(422, "invalid_body");
    }
    assert_eq!(before, app.dump().await, "nothing was written");
    let (id, secret) = app.create_token(&admin, "crm-sync", json!({"name": "t"})).await;
    for body in [json!({}), json!({"add": 1, "set": 2}), json!({"add": -1})] {
        let a = app
            .post(&format!("/v1/tokens/{id}/credits"), &admin, body.clone())
            .await;
        assert_eq!(a.status.as_u16(), 422, "{body}: {}", a.body);
    }
    let a = app
        .post("/v1/verify", &verifier, json!({"token": secret, "cost": -1}))
        .await;
    assert_eq!(a.status.as_u16(), 422, "{}", a.body);
}

#[tokio::test]
async fn spent_credits_and_refill_times_survive_a_restart() {
    let (mut app, admin, verifier) = setup().await;
    let (id, secret) = crm_token(&app, &admin, json!({"name": "kept", "credits": {"remaining": 100, "refill": {"interval": "monthly", "amount": 100, "day": 1}}})).await;
    for _ in 0..7 {
        assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    }
    // A graceful stop hands every lease back: exactly what was spent is gone.
    app.restart().await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(shown["credits"]["remaining"], 93, "{shown}");
    assert_eq!(
        shown["credits"]["next_refill_at"], "2026-12-01T00:00:00Z",
        "{shown}"
    );
    let v = app.verify(&verifier, json!({"token": secret, "cost": 93})).await;
    assert_eq!(
        (v["code"].as_str(), v["credits"]["remaining"].as_u64()),
        (Some("VALID"), Some(0)),
        "{v}"
    );
}

#[tokio::test]
async fn the_gateway_answers_429_with_the_rate_limit_headers() {
    let (app, admin, _) = setup().await;
    let token = json!({"name": "gw", "credits": {"remaining": 50},
                   "ratelimits": [{"name": "requests", "limit": 2, "duration_ms": 60000}]});
    let (_, secret) = crm_token(&app, &admin, token).await;
    let call = || async {
        reqwest::Client::new()
            .get(format!("{}/v1/forward-auth", app.url))
            .header("x-api-key", &secret)
            .send()
            .await
            .unwrap()
    };
    let ok = call().await;
    assert_eq!(ok.status(), 200);
    let h = |r: &reqwest::Response, n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        h(&ok, "ratelimit-policy").as_deref(),
        Some("\"requests\";q=2;w=60")
    );
    assert_eq!(h(&ok, "ratelimit").as_deref(), Some("\"requests\";r=1;t=61"));
    assert_eq!(h(&ok, "x-keyward-credits-remaining").as_deref(), Some("49"));
    assert_eq!(call().await.status(), 200);
    let refused = call().await;
    assert_eq!(refused.status(), 429);
    assert_eq!(h(&refused, "x-keyward-code").as_deref(), Some("RATE_LIMITED"));
    assert_eq!(h(&refused, "ratelimit").as_deref(), Some("\"requests\";r=0;t=61"));
    assert_eq!(h(&refused, "retry-after").as_deref(), Some("61"));
    assert_eq!(h(&refused, "x-keyward-credits-remaining").as_deref(), Some("48"));
}

#[tokio::test]
async fn administrators_hear_once_when_credits_run_low_and_out() {
    let (app, admin, verifier) = setup().await;
    let token = json!({"name": "alerted", "credits": {"remaining": 20}});
    let (_, secret) = crm_token(&app, &admin, token).await;
    let alerts = || async {
        let trail = app.read("/v1/audit-events?action=credits.alert", &admin).await;
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["details"]["event"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for _ in 0..18 {
        app.verify(&verifier, json!({"token": secret})).await;
    }
    settled(&app).await;
    assert!(
        alerts().await.is_empty(),
        "2 of 20 left is 10 %, not below the default 10 %"
    );
    app.verify(&verifier, json!({"token": secret})).await;
    settled(&app).await;
    assert_eq!(alerts().await, ["credits.low"]);
    app.verify(&verifier, json!({"token": secret, "cost": 0})).await;
    settled(&app).await;
    assert_eq!(alerts().await, ["credits.low"], "once per crossing");
    app.verify(&verifier, json!({"token": secret})).await;
    app.verify(&verifier, json!({"token": secret})).await;
    settled(&app).await;
    let mut seen = alerts().await;
    seen.sort();
    assert_eq!(seen, ["credits.exhausted", "credits.low"]);
    let outbox = app.read("/v1/outbox", &admin).await;
    let events: Vec<&str> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["event"].as_str())
        .filter(|e| e.starts_with("credits."))
        .collect();
    assert!(
        events.contains(&"credits.exhausted") && events.contains(&"credits.low"),
        "{outbox}"
    );
}

#[tokio::test]
async fn the_cli_sets_limits_and_tops_up_credits() {
    use crate::cli::{keyward_as, text};
    let (app, admin, verifier) = setup().await;
    let run = |line: &str| keyward_as(&app.url, Some(&admin), &crate::cli::words(line));
    let ok = |o: std::process::Output| -> Value {
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
    };
    let made = ok(run("token create --api-user crm-sync --name cli --ratelimit requests=2/1m --ratelimit burst=5/1s --credits 10 --refill monthly:15 --json")
    .await);
    assert_eq!(
        made["ratelimits"],
        json!([{"name": "requests", "limit": 2, "duration_ms": 60000},
               {"name": "burst", "limit": 5, "duration_ms": 1000}])
    );
    assert_eq!(
        made["credits"]["refill"],
        json!({"interval": "monthly", "amount": 10, "day": 15})
    );
    let secret = made["token"].as_str().unwrap().to_owned();
    let v = ok(keyward_as(
        &app.url,
        Some(&verifier),
        &["verify", &secret, "--cost", "4", "--json"],
    )
    .await);
    assert_eq!(
        (v["code"].as_str(), v["credits"]["remaining"].as_u64()),
        (Some("VALID"), Some(6)),
        "{v}"
    );

    let topped = ok(run("token credits cli --api-user crm-sync --add 5 --json").await);
    assert_eq!(topped["remaining"], 11, "{topped}");
    let changed = ok(run("token update cli --api-user crm-sync --no-ratelimits --no-credits --json").await);
    assert_eq!(
        (changed["ratelimits"].clone(), changed["credits"].clone()),
        (json!([]), Value::Null)
    );
    for _ in 0..3 {
        assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    }
    // Shared by an API user's tokens; nonsense is refused before anything is sent.
    ok(run("api-user update crm-sync --credits 1 --json").await);
    assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    assert_eq!(app.code_of(&verifier, &secret).await, "USAGE_EXCEEDED");
    let topped = ok(run("api-user credits crm-sync --set 3 --json").await);
    assert_eq!(topped["remaining"], 3);
    // Unreadable, then readable but refused by the server.
    for (limit, says) in [("requests=100", "NAME=LIMIT/DURATION"), ("r=0/1m", "ratelimits")] {
        let out = run(&format!(
            "token update cli --api-user crm-sync --ratelimit {limit}"
        ))
        .await;
        crate::cli::fails_saying(&out, &[says]);
    }
}
