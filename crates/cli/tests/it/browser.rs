//! The dashboard in a real browser: Debian's headless Chromium driven through chromedriver.
//! Without a browser on the machine these tests say so and skip; under `CI=true` they fail.

use fantoccini::Locator;
use serde_json::json;

use crate::browser_harness::Browser;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let Some((b, app, url)) = Browser::with_app().await else {
        return;
    };

    // First run: the setup link creates the organization and its first super admin, once.
    let link = app
        ._setup_link
        .clone()
        .expect("a setup link on an empty database");
    b.goto(&link).await;
    b.fill("input[name=org]", "Acme").await;
    b.fill("input[name=name]", "Ada").await;
    b.fill("input[name=email]", "ada@acme.io").await;
    b.fill("input[name=password]", PASSWORD).await;
    b.screenshot("setup").await;
    b.check_page("setup").await;
    b.click("button[type=submit], input[type=submit]").await;
    assert!(
        b.body().await.contains("created, and you are signed in"),
        "{}",
        b.body().await
    );
    b.screenshot("setup-done").await;
    b.check_page("setup-done").await;
    // Signed in by the setup itself: the dashboard opens without the sign-in page.
    b.click("#open-dashboard").await;
    b.wait("#count-active").await;
    // A fresh organization's API users page invites the first one.
    b.goto(&format!("{url}/dashboard/api-users")).await;
    assert!(
        b.text("#no-api-users")
            .await
            .contains("Create the first API user")
    );
    // With no group yet, the form starts on making one; no group at all is an explicit choice.
    b.click("#no-api-users a").await;
    b.wait("#new-api-user").await;
    assert_eq!(b.value("#permission_group_id").await.as_deref(), Some("new"));
    assert_eq!(
        b.js("return document.getElementById('new-group').hidden").await,
        false
    );
    b.fill("#username", "first-user").await;
    b.set("#permission_group_id", "").await;
    assert_eq!(
        b.js("return document.getElementById('new-group').hidden").await,
        true
    );
    b.click("#new-api-user button[type=submit]").await;
    let error = b.text(".field-error").await;
    assert!(error.contains("No group"), "{error}");
    b.set("#permission_group_id", "new").await;
    b.fill("#new_group_name", "readers").await;
    b.fill("#new_group_permissions", "contacts:read, orders:*").await;
    b.screenshot("api-user-new-group").await;
    b.click("#new-api-user button[type=submit]").await;
    b.wait("#new-token").await;
    assert!(
        b.text("main").await.contains("readers"),
        "{}",
        b.text("main").await
    );
    b.goto(&format!("{url}/dashboard/api-users/new")).await;
    b.fill("#username", "no-group-user").await;
    b.set("#permission_group_id", "none").await;
    b.click("#new-api-user button[type=submit]").await;
    b.wait("#new-token").await;
    b.goto(&link).await;
    assert!(b.body().await.contains("already used"));
    b.client.delete_all_cookies().await.unwrap();

    // Someone who never signed in is asked to sign in, not told a session ended.
    b.goto(&format!("{url}/")).await;
    b.wait("#email").await;
    assert!(
        !b.body().await.contains("session has ended"),
        "{}",
        b.body().await
    );
    let favicon = app.http.get(format!("{url}/favicon.ico")).send().await.unwrap();
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");

    // Sign in; a wrong password keeps the email and says why.
    b.sign_in(&url, "ada@acme.io", "wrong password!").await;
    assert!(b.text("#login-error").await.contains("email or password"));
    assert_eq!(b.value("#email").await.as_deref(), Some("ada@acme.io"));
    b.screenshot("login").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait("#count-active").await;
    assert!(
        b.text("#org-chart")
            .await
            .contains("No verifications in the last 30 days"),
        "the empty chart says so"
    );
    b.screenshot("home").await;

    // The catalog, through the API.
    let admin = app.login("ada@acme.io", PASSWORD).await;
    let group = app.create_group(&admin, "crm", &["contacts:read"]).await;
    let salesforce = app.create_integration(&admin, "salesforce", &[]).await;
    let hubspot = app.create_integration(&admin, "hubspot", &[]).await;
    app.create_integration(&admin, "sap", &[]).await;
    let verifier = app.verifier_token(&admin).await;

    // Add an API user restricted to two integrations; a bad IP list is refused precisely and
    // the form keeps what was typed.
    b.goto(&format!("{url}/dashboard/api-users/new")).await;
    b.fill("#name", "CRM sync").await;
    b.fill("#username", "crm-sync").await;
    b.js(&format!(
        "document.getElementById('permission_group_id').value = '{group}';
         const s = document.getElementById('integration_ids');
         for (const o of s.options) o.selected = ['{salesforce}', '{hubspot}'].includes(o.value);
         s.dispatchEvent(new Event('change'));"
    ))
    .await;
    assert_eq!(
        b.js("return document.querySelectorAll('#integration-chips .chip').length")
            .await,
        2
    );
    assert_eq!(
        b.js("return document.getElementById('integration-hint').hidden")
            .await,
        false
    );
    b.fill("#allowed_ips", "10.0.0.0/8, 300.1.2.3").await;
    b.screenshot("api-user-new").await;
    b.click("#new-api-user button[type=submit]").await;
    let error = b.text(".field-error").await;
    // The refusal names the entry by its place, never by its text.
    assert!(error.contains("entry 2 is not an IP address"), "{error}");
    assert!(!error.contains("300.1.2.3"), "{error}");
    assert_eq!(
        b.value("#username").await.as_deref(),
        Some("crm-sync"),
        "the form keeps what was typed"
    );
    b.fill("#allowed_ips", "10.0.0.0/8").await;
    b.js(&format!(
        "document.getElementById('permission_group_id').value = '{group}';
         const s = document.getElementById('integration_ids');
         for (const o of s.options) o.selected = ['{salesforce}', '{hubspot}'].includes(o.value);"
    ))
    .await;
    b.click("#new-api-user button[type=submit]").await;
    b.wait("#new-token").await;
    assert!(b.body().await.contains("hubspot, salesforce") || b.body().await.contains("salesforce, hubspot"));

    // A token: shown once with a Copy button, verifies, and is gone on reload. Its expiry
    // starts on the organization's default, as the CLI's does.
    let first_choice = b.text("#token-expiry option:checked").await;
    assert_eq!(first_choice, "The organization's default (no expiry)");
    b.fill("#token-name", "prod").await;
    b.click("#new-token button[type=submit]").await;
    b.wait("#new-secret").await;
    let secret = b.value("#new-secret").await.unwrap();
    assert!(secret.starts_with("kw_live_"), "{secret}");
    assert!(b.exists("button[data-copy=new-secret]").await);
    b.screenshot("token-created").await;
    let check = json!({"token": secret, "ip": "10.1.2.3", "permissions": ["contacts:read"]});
    assert_eq!(app.verify_code(&verifier, check.clone()).await, "VALID");
    // Post/Redirect/Get: the secret is on the API user's own page, and a reload shows that page
    // again without the secret and without submitting the form twice.
    let page_url = b.client.current_url().await.unwrap();
    assert!(
        !page_url.path().ends_with("/tokens"),
        "the browser was redirected: {page_url}"
    );
    b.client.refresh().await.ok();
    b.wait("#new-token").await;
    let reloaded = b.body().await;
    assert!(!reloaded.contains(&secret), "the secret after a reload");
    assert!(!reloaded.contains("already exists"), "the form was sent again");
    b.goto(page_url.as_str()).await;
    assert!(!b.exists("#new-secret").await);
    assert!(!b.client.source().await.unwrap().contains(&secret));

    // Suspend and revoke through the confirmation dialogs.
    b.click("tr[data-token=prod] button[data-action=suspend]").await;
    b.wait("dialog[open]").await;
    assert!(
        b.text("#confirm-text")
            .await
            .contains("refuses it until you resume it")
    );
    b.screenshot("confirm-dialog").await;
    b.confirm_dialog().await;
    b.wait_text("#notice", "suspended").await;
    assert_eq!(app.verify_code(&verifier, check.clone()).await, "SUSPENDED");
    b.click("tr[data-token=prod] button[data-action=revoke]").await;
    b.confirm_dialog().await;
    b.wait_text("#notice", "revoked").await;
    assert_eq!(app.verify_code(&verifier, check).await, "REVOKED");
    b.screenshot("api-user").await;

    // The token's own page: its facts and its usage chart.
    b.click("tr[data-token=prod] a").await;
    b.wait("#token-chart svg").await;
    assert!(b.body().await.contains("REVOKED") || b.body().await.contains("VALID"));
    // Counted, dated axes; today's bar says its figures on hover; denied stacked under allowed.
    let today = b
        .js("const t = [...document.querySelectorAll('#token-chart svg g title')].pop(); return t.textContent")
        .await;
    assert!(
        today.as_str().unwrap().ends_with("1 allowed, 2 denied"),
        "{today}"
    );
    assert!(b.exists("#token-chart svg text.axis").await);
    let token_page = b.client.current_url().await.unwrap();
    b.goto(&format!("{url}/dashboard")).await;
    b.wait("#org-chart svg").await;
    assert!(b.text("#org-chart").await.contains("denied (2)"));
    b.goto(token_page.as_str()).await;
    b.screenshot("token").await;
    assert!(
        !b.exists("#token-actions").await,
        "a revoked token offers no actions"
    );

    // A live token's page: suspend, resume, rotate (the new secret once, both linked), revoke.
    let user_id = app.read("/v1/api-users/crm-sync", &admin).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (staging_id, staging) = app
        .create_token(&admin, &user_id, json!({"name": "staging"}))
        .await;
    let staging_check = json!({"token": staging, "ip": "10.1.2.3"});
    b.goto(&format!("{url}/dashboard/tokens/{staging_id}")).await;
    b.click("#suspend").await;
    b.confirm_dialog().await;
    b.wait_text("#notice", "suspended").await;
    assert_eq!(
        app.verify_code(&verifier, staging_check.clone()).await,
        "SUSPENDED"
    );
    b.goto(&format!("{url}/dashboard/tokens/{staging_id}")).await;
    b.click("#resume").await;
    b.wait_text("#notice", "resumed").await;
    assert_eq!(app.verify_code(&verifier, staging_check.clone()).await, "VALID");
    b.goto(&format!("{url}/dashboard/tokens/{staging_id}")).await;
    b.set("#grace", "604800").await;
    b.click("#rotate").await;
    b.confirm_dialog().await;
    b.wait("#new-secret").await;
    assert!(b.text("#notice").await.contains("7 days"));
    let rotated = b.value("#new-secret").await.unwrap();
    assert_ne!(rotated, staging);
    b.screenshot("token-rotated").await;
    // The pair says which is which; the revoked token says so instead of an expiry status.
    assert!(b.exists("tr[data-token=staging] [data-rotation=new]").await);
    assert!(b.exists("tr[data-token=staging] [data-rotation=replaced]").await);
    let expiry_cell = b.text("tr[data-token=prod] td:nth-child(4)").await;
    assert!(expiry_cell.starts_with("revoked"), "{expiry_cell}");
    assert_eq!(
        app.verify_code(&verifier, json!({"token": rotated, "ip": "10.1.2.3"}))
            .await,
        "VALID"
    );
    assert_eq!(
        app.verify_code(&verifier, staging_check.clone()).await,
        "VALID",
        "the old secret works through its grace period"
    );
    b.goto(&format!("{url}/dashboard/tokens/{staging_id}")).await;
    assert!(b.text("main").await.contains("Replaced by"));
    b.click("#revoke").await;
    b.confirm_dialog().await;
    b.wait_text("#notice", "revoked").await;
    assert_eq!(app.verify_code(&verifier, staging_check).await, "REVOKED");

    // Permission groups, integrations and members: add, refuse nonsense precisely, delete.
    b.goto(&format!("{url}/dashboard/groups")).await;
    b.fill("#new-name", "billing").await;
    b.fill("#new-permissions", "invoices:read, not a permission")
        .await;
    b.click("#add-form button[type=submit]").await;
    b.wait("#form-error").await;
    assert_eq!(
        b.value("#new-name").await.as_deref(),
        Some("billing"),
        "kept what was typed"
    );
    b.fill("#new-permissions", "invoices:read").await;
    b.click("#add-form button[type=submit]").await;
    b.wait_text("#notice", "billing").await;
    b.screenshot("groups").await;
    b.goto(&format!("{url}/dashboard/integrations")).await;
    b.fill("#new-name", "zendesk").await;
    b.click("#add-form button[type=submit]").await;
    b.wait_text("#notice", "zendesk").await;
    b.goto(&format!("{url}/dashboard/members")).await;
    assert!(b.body().await.contains("ada@acme.io"));
    b.screenshot("members").await;

    // The audit trail: filters, and the same as CSV.
    b.goto(&format!("{url}/dashboard/audit?action=token")).await;
    let audit = b.text("#audit-table").await;
    assert!(
        audit.contains("token.create") && audit.contains("token.revoke"),
        "{audit}"
    );
    assert!(!audit.contains("permission_group.create"));
    // Names with links, not ids; details as key and value.
    let crm_sync = app.read("/v1/api-users/crm-sync", &admin).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!audit.contains(&crm_sync), "a bare id: {audit}");
    assert!(audit.contains("crm-sync / prod"), "{audit}");
    assert!(
        b.exists(&format!("#audit-table a[href='/dashboard/api-users/{crm_sync}']"))
            .await
            || b.exists("#audit-table a[href^='/dashboard/tokens/']").await
    );
    assert!(b.exists("#audit-table dl.details dt").await);
    b.screenshot("audit").await;
    let csv_href = b
        .client
        .find(Locator::Css("#export-csv"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(csv_href.contains("action=token"), "{csv_href}");
    let csv = app
        .get("/v1/audit-events/export?action=token.create", &admin)
        .await;
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv.text.starts_with("seq,at,actor_kind"), "{}", csv.text);
    assert!(csv.text.contains("token.create") && !csv.text.contains("token.revoke"));
    // Filters by name and by an action chosen from the list.
    b.goto(&format!("{url}/dashboard/audit")).await;
    b.fill("#target", "crm-sync").await;
    b.set("#action", "api_user.create").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_url("target=crm-sync").await;
    let rows = b
        .js("return [...document.querySelectorAll('#audit-table tbody tr')].map(r => r.cells[2].textContent + ' ' + r.cells[3].textContent)")
        .await;
    assert_eq!(rows, json!(["api_user.create crm-sync"]), "{rows}");
    b.goto(&format!("{url}/dashboard/audit?target=nobody-by-this-name"))
        .await;
    assert!(b.text("#filter-error").await.contains("nothing is called"));
    // More than one page: 55 integrations, 50 a page, every one exactly once.
    for i in 0..55 {
        app.create_integration(&admin, &format!("paged-{i:02}"), &[])
            .await;
    }
    b.goto(&format!("{url}/dashboard/audit?action=integration.create"))
        .await;
    let targets =
        "return [...document.querySelectorAll('#audit-table tbody tr')].map(r => r.cells[3].textContent)";
    let mut seen: Vec<String> = serde_json::from_value(b.js(targets).await).unwrap();
    assert_eq!(seen.len(), 50);
    b.click("#older").await;
    b.wait_url("before=").await;
    seen.extend(serde_json::from_value::<Vec<String>>(b.js(targets).await).unwrap());
    assert!(!b.exists("#older").await, "a third page");
    let paged: std::collections::BTreeSet<&String> =
        seen.iter().filter(|t| t.starts_with("paged-")).collect();
    assert_eq!(paged.len(), 55, "{seen:?}");
    let all: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(all.len(), seen.len(), "an event on two pages: {seen:?}");
    assert!(
        seen.contains(&"salesforce".to_owned()),
        "the oldest reached: {seen:?}"
    );

    // The outbox: the creation alerts wait there (no SMTP configured), and can be sent again.
    b.goto(&format!("{url}/dashboard/outbox")).await;
    assert!(b.body().await.contains("No SMTP server is configured"));
    assert!(
        b.text("#outbox-table")
            .await
            .contains("New API credentials were created")
    );

    // An API user named like a script shows as text.
    app.create_api_user(
        &admin,
        json!({"username": "xss-test", "name": "<script>alert(1)</script>"}),
    )
    .await;
    b.goto(&format!("{url}/dashboard/api-users")).await;
    assert!(b.text("#api-users").await.contains("<script>alert(1)</script>"));
    assert!(b.client.get_alert_text().await.is_err(), "a script ran");
    b.screenshot("api-users").await;
    // API URLs: the platform's routes, added and refused precisely, above keyward's own.
    b.goto(&format!("{url}/dashboard/endpoints")).await;
    let own = b.text("#own-endpoints").await;
    assert!(own.contains("/v1/verify"));
    assert!(
        !own.contains("Requires:"),
        "the role statement has its own column"
    );
    // Markdown in descriptions is rendered; each row says what the operation enforces.
    let row = async |path: &str, part: &str| {
        let script = format!(
            "return [...document.querySelectorAll('#own-endpoints tr')]
               .find(r => r.cells[1] && r.cells[1].textContent === '{path}').{part}"
        );
        b.js(&script).await.as_str().unwrap().to_owned()
    };
    let introspect = row("/oauth2/introspect", "innerText").await;
    assert!(introspect.contains("a token with keyward:verify"), "{introspect}");
    let token_row = row("/oauth2/token", "innerHTML").await;
    assert!(
        token_row.contains("<code>client_credentials</code>"),
        "{token_row}"
    );
    assert!(!own.contains('`'), "Markdown shown raw: {own}");
    b.fill("#new-method", "GET").await;
    b.fill("#new-path", "/contacts/*/notes").await;
    b.fill("#new-permissions", "contacts:read").await;
    b.fill("#new-integration", "zendesk").await;
    b.click("#add-form button[type=submit]").await;
    b.wait_text("#form-error", "* may only end a path").await;
    assert_eq!(b.value("#new-path").await.as_deref(), Some("/contacts/*/notes"));
    b.fill("#new-path", "/contacts/{id}/notes").await;
    b.click("#add-form button[type=submit]").await;
    b.wait_text("#notice", "/contacts/{id}/notes").await;
    let listed = b.body().await;
    assert!(
        listed.contains("contacts:read") && listed.contains("zendesk"),
        "{listed}"
    );
    b.screenshot("endpoints").await;

    // The docs carry a Content-Security-Policy without inline script, load with nothing from
    // outside under it, and try-it works with a Bearer token.
    let docs = app.http.get(format!("{url}/docs/")).send().await.unwrap();
    let csp = docs
        .headers()
        .get("content-security-policy")
        .expect("/docs has a Content-Security-Policy")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    b.goto(&format!("{url}/docs/")).await;
    b.wait(".swagger-ui .opblock").await;
    let outside = b
        .js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))")
        .await;
    assert_eq!(outside, json!([]), "requests left localhost");
    b.click("button.authorize").await;
    b.wait(".auth-container input").await;
    b.fill(".auth-container input", &admin).await;
    b.click(".auth-container .auth-btn-wrapper button.authorize")
        .await;
    b.click(".btn-done, button.close-modal").await;
    b.click("#operations-auth-get_me .opblock-summary").await;
    b.wait_text("#operations-auth-get_me", "Request samples").await;
    let samples = b.text("#operations-auth-get_me").await;
    for lang in ["curl", "Python", "JavaScript", "Rust"] {
        assert!(samples.contains(lang), "no {lang} sample");
    }
    b.wait("#operations-auth-get_me .try-out__btn").await;
    b.click("#operations-auth-get_me .try-out__btn").await;
    b.click("#operations-auth-get_me .execute").await;
    // The response row (not the header) carries the live status.
    b.wait_text(
        "#operations-auth-get_me .live-responses-table tbody .response-col_status",
        "200",
    )
    .await;
    assert!(
        b.text("#operations-auth-get_me .live-responses-table tbody")
            .await
            .contains("ada@acme.io")
    );
    b.screenshot("docs").await;

    // An admin is refused API management, clearly; signing out ends the session.
    app.add_member(&admin, "adam@acme.io", "admin").await;
    b.goto(&format!("{url}/dashboard")).await;
    b.click(".who button[type=submit]").await;
    b.wait("#email").await;
    b.goto(&format!("{url}/dashboard")).await;
    assert!(b.exists("#email").await, "signed out: back to the login page");
    b.sign_in(&url, "adam@acme.io", PASSWORD).await;
    b.wait_text("body", "API management is for super admins").await;
    b.screenshot("refused").await;

    // Every main page, wide and at a phone's 375 px: WCAG AA contrast, no sideways scrolling
    // (tables scroll inside their own box).
    b.client.delete_all_cookies().await.unwrap();
    b.sign_in(&url, "ada@acme.io", PASSWORD).await;
    b.wait("#count-active").await;
    let pages = [
        ("login", format!("{url}/login")),
        ("home", format!("{url}/dashboard")),
        ("api-users", format!("{url}/dashboard/api-users")),
        ("api-user-new", format!("{url}/dashboard/api-users/new")),
        ("api-user", format!("{url}/dashboard/api-users/crm-sync")),
        ("groups", format!("{url}/dashboard/groups")),
        ("audit", format!("{url}/dashboard/audit")),
        ("endpoints", format!("{url}/dashboard/endpoints")),
        ("outbox", format!("{url}/dashboard/outbox")),
    ];
    for (width, suffix) in [(1280, ""), (375, "-phone")] {
        b.client.set_window_size(width, 900).await.unwrap();
        for (name, page) in &pages {
            b.goto(page).await;
            if !suffix.is_empty() {
                b.screenshot(&format!("{name}{suffix}")).await;
            }
            b.check_page(&format!("{name}{suffix}")).await;
        }
    }

    // Two-factor sign-in, set up from the account page with a code from pyotp.
    b.client.set_window_size(1280, 900).await.unwrap();
    b.goto(&format!("{url}/dashboard/account")).await;
    b.click("#enrol").await;
    b.wait("#totp-key").await;
    assert_eq!(
        b.js("return document.querySelectorAll('#recovery-codes li').length")
            .await,
        10
    );
    let key = b.text("#totp-key").await;
    b.screenshot("two-factor").await;
    let code_at = |t: time::OffsetDateTime| {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).at(int(sys.argv[2])))",
                &key,
                &t.unix_timestamp().to_string(),
            ])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "pyotp: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    b.fill("#code", &code_at(app.clock.now_for_tests())).await;
    b.click("#confirm-totp button[type=submit]").await;
    b.wait_text("#notice", "is on").await;
    b.client.delete_all_cookies().await.unwrap();
    b.sign_in(&url, "ada@acme.io", PASSWORD).await;
    b.wait("#totp").await;
    app.clock.advance(time::Duration::seconds(30));
    b.fill("#password", PASSWORD).await;
    b.fill("#totp", &code_at(app.clock.now_for_tests())).await;
    b.click("button[type=submit]").await;
    b.wait("#count-active").await;

    // A session that expires takes you back to the sign-in page, saying why.
    app.clock.advance(time::Duration::hours(13));
    b.goto(&format!("{url}/dashboard")).await;
    b.wait("#email").await;
    assert!(b.body().await.contains("Your session has ended"));
    b.finish().await;
}
