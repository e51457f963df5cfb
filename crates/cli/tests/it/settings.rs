//! The organization's settings, and who may change which.

use serde_json::json;

use crate::helpers::*;

/// Whether members must use a second factor is a member security setting: a super admin
/// member's alone. A `keyward:admin` token may change the other settings, not this one, in
/// either direction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_super_admin_member_changes_the_member_two_factor_rule() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.create_org("Acme", "ada@acme.io").await;
    let g = app.create_group(&owner, "kw-admins", &["keyward:admin"]).await;
    let u = app.api_user_in(&owner, "automation", &g).await;
    let admin_token = app.create_token(&owner, &u, json!({"name": "ci"})).await.1;
    let refused = app
        .patch("/v1/settings", &admin_token, json!({"require_member_2fa": true}))
        .await
        .problem(403, "super_admin_required");
    assert!(!refused.to_string().contains("kw_live_"), "{refused}");
    let now = app.read("/v1/settings", &owner).await;
    assert_eq!(now["require_member_2fa"], false, "unchanged");
    // The token still changes what it may: the expiry policy.
    app.change_settings(
        &admin_token,
        json!({"expiry_policy": {"max_lifetime_days": 90, "allow_no_expiry": false}}),
    )
    .await
    .expect(200);
    // The super admin member turns it on; the token cannot turn it off again.
    app.patch("/v1/settings", &owner, json!({"require_member_2fa": true}))
        .await
        .expect(200);
    app.patch("/v1/settings", &admin_token, json!({"require_member_2fa": false}))
        .await
        .problem(403, "super_admin_required");
    // A patch that repeats the current value changes nothing and is allowed.
    app.patch("/v1/settings", &admin_token, json!({"require_member_2fa": true}))
        .await
        .expect(200);
    // (The owner has no second factor yet, so only the token reads the settings now.)
    let now = app.read("/v1/settings", &admin_token).await;
    assert_eq!(now["require_member_2fa"], true);
}
