use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_change_is_audited_filterable_and_paged() {
    let (app, admin) = TestApp::acme().await;
    let me = app.read("/v1/me", &admin).await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (token, secret) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    let (t, u) = (format!("/v1/tokens/{token}"), format!("/v1/api-users/{user}"));
    let post = |path: String, body| (admin.as_str(), Method::POST, path, Some(body), 200, "");
    app.answers(vec![
        post(format!("{t}/suspend"), json!({})),
        post(format!("{t}/resume"), json!({})),
        (
            &admin,
            Method::PATCH,
            t.clone(),
            Some(json!({"name": "prod-2"})),
            200,
            "",
        ),
        (&admin, Method::DELETE, t, None, 204, ""),
        post(format!("{u}/tokens/revoke-all"), json!({"confirm": true})),
        post(format!("{u}/suspend"), json!({})),
        post(format!("{u}/resume"), json!({})),
    ])
    .await;
    app.put_password(&admin, &user).await;
    app.delete(&format!("/v1/api-users/{user}"), &admin)
        .await
        .expect(204);

    let all = app.read("/v1/audit-events?limit=200", &admin).await;
    assert!(!all.to_string().contains(&secret), "the secret is never audited");
    assert!(
        !all.to_string().contains("0123456789abc"),
        "passwords are never audited"
    );
    let actions = strings_in(&all, "action");
    for expected in [
        "organization.create",
        "auth.login",
        "permission_group.create",
        "api_user.create",
        "token.create",
        "token.suspend",
        "token.resume",
        "token.update",
        "token.revoke",
        "token.revoke_all",
        "api_user.suspend",
        "api_user.resume",
        "api_user.password_set",
        "api_user.delete",
    ] {
        assert!(actions.contains(&expected), "missing {expected} in {actions:?}");
    }
    // Newest first; each names who, what, from where.
    assert_eq!(actions[0], "api_user.delete");
    let first = &all["items"][0];
    assert_eq!(first["actor_label"], "ada@acme.io");
    assert_eq!(first["actor_id"], me["member"]["id"]);
    assert_eq!(first["source_ip"], "127.0.0.1");
    assert_eq!(first["outcome"], "success");

    // Filters.
    let by_target = app
        .read(&format!("/v1/audit-events?target_id={token}"), &admin)
        .await;
    assert_eq!(by_target["items"].as_array().unwrap().len(), 5);
    let by_prefix = app.read("/v1/audit-events?action=token", &admin).await;
    assert!(
        by_prefix["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("token."))
    );
    let by_actor = app
        .get(
            &format!(
                "/v1/audit-events?actor_id={}",
                me["member"]["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await
        .expect(200);
    assert!(by_actor["items"].as_array().unwrap().len() >= 12);
    let later = app
        .read("/v1/audit-events?since=2026-11-25T00:00:00Z", &admin)
        .await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0);
    app.get("/v1/audit-events?since=yesterday", &admin)
        .await
        .problem(400, "invalid_query");

    // Cursor pages cover everything exactly once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .read(&format!("/v1/audit-events?limit=4&cursor={cursor}"), &admin)
            .await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let total: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, total);
}

trait PasswordExt {
    async fn put_password(&self, admin: &str, user: &str);
}

impl PasswordExt for TestApp {
    async fn put_password(&self, admin: &str, user: &str) {
        let password = format!("/v1/api-users/{user}/password");
        let set = |p: &str| self.call(Method::PUT, &password, Some(admin), Some(json!({"password": p})));
        let a = set("0123456789abc").await;
        assert_eq!(a.status, 204, "{}", a.text);
        let u = self.read(&format!("/v1/api-users/{user}"), admin).await;
        assert_eq!(u["has_password"], true);
        assert!(!u.to_string().contains("argon2"), "the hash is never returned");
        let short = set("short").await;
        assert_eq!(short.status, 422);
    }
}
