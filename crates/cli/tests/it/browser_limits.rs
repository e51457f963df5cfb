//! Limits and credits on the dashboard, in a real browser: the token and API-user pages show
//! what limits stand at and what credits remain, and their forms change them.

use serde_json::json;

use crate::browser_harness::Browser;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_and_edits_limits_and_credits() {
    let Some((b, app, url)) = Browser::with_app().await else {
        return;
    };
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    app.create_crm_sync(&admin).await;
    let verifier = app.verifier_token(&admin).await;
    let (id, secret) = app
        .create_token(
            &admin,
            "crm-sync",
            json!({"name": "metered", "credits": {"remaining": 50, "refill": {"interval": "daily", "amount": 50}},
                   "ratelimits": [{"name": "requests", "limit": 3, "duration_ms": 60000}]}),
        )
        .await;
    for _ in 0..2 {
        assert_eq!(app.code_of(&verifier, &secret).await, "VALID");
    }

    b.sign_in(&url, "ada@acme.io", PASSWORD).await;
    b.wait("#count-active").await;
    b.goto(&format!("{url}/dashboard/tokens/{id}")).await;
    b.wait("#token-limits").await;
    assert_eq!(b.text("#token-limits").await, "requests: 2 of 3 per 1 min");
    let credits = b.text("#token-credits").await;
    assert!(
        credits.starts_with("48 left · refills to 50 daily, next 2026-11-25T00:00:00Z"),
        "{credits}"
    );
    b.screenshot("token-limits").await;
    b.check_page("token-limits").await;

    // Top up, then replace the limits.
    b.fill("#add", "10").await;
    b.click("#topup").await;
    b.wait_text("main", "Added 10 credits").await;
    b.goto(&format!("{url}/dashboard/tokens/{id}")).await;
    b.wait("#token-credits").await;
    assert!(
        b.text("#token-credits").await.starts_with("58 left"),
        "{}",
        b.text("#token-credits").await
    );
    b.set("#ratelimits", "requests=10/1m\nburst=2/1s").await;
    b.click("#save-limits").await;
    b.wait_text("main", "Limits saved").await;
    let shown = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(
        shown["ratelimits"],
        json!([{"name": "requests", "limit": 10, "duration_ms": 60000},
               {"name": "burst", "limit": 2, "duration_ms": 1000}])
    );
    // Nonsense is refused with the field named, and changes nothing.
    b.goto(&format!("{url}/dashboard/tokens/{id}")).await;
    b.wait("#ratelimits").await;
    b.set("#ratelimits", "requests=0/1m").await;
    b.click("#save-limits").await;
    b.wait_text("main", "limit").await;
    let unchanged = app.read(&format!("/v1/tokens/{id}"), &admin).await;
    assert_eq!(unchanged["ratelimits"], shown["ratelimits"]);

    // The API user: credits shared by its tokens, set from its page.
    b.goto(&format!("{url}/dashboard/api-users/crm-sync")).await;
    b.wait("#user-credits").await;
    assert_eq!(b.text("#user-credits").await, "not metered");
    b.fill("#credits", "1000").await;
    b.click("#save-limits").await;
    b.wait_text("main", "Limits saved").await;
    let user = app.read("/v1/api-users/crm-sync", &admin).await;
    assert_eq!(user["credits"]["remaining"], 1000, "{user}");
    b.goto(&format!("{url}/dashboard/api-users/crm-sync")).await;
    b.wait("#user-credits").await;
    assert!(b.text("#user-credits").await.starts_with("1000 left · no refill"));
    b.screenshot("api-user-limits").await;
    b.check_page("api-user-limits").await;
    b.finish().await;
}
