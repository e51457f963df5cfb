//! Moving in: tokens of other formats imported by hash or secret verify unchanged, at once,
//! through verify and the gateway; importing again imports nothing; bad lines are refused
//! alone; the CLI streams JSON Lines and CSV files.

use base64::Engine;
use keyward_core::token::TokenHash;
use serde_json::{Value, json};

use crate::cli::{keyward_as, text};
use crate::helpers::*;

const STRIPE_LIKE: &str = "sk_live_51HcVq2Lk8mNpQrStUvWxYz";
const HEX40: &str = "3f8a9c2d4e6b1a7f0c5d8e2b9a4f6c1d3e7b0a52";
const UUID_KEY: &str = "5b3f1c9e-8d2a-4f6b-9c1e-7a0d3b5e2f48";

#[tokio::test]
async fn imported_tokens_verify_unchanged_and_import_once() {
    let (app, admin) = TestApp::acme().await;
    app.create_crm_sync(&admin).await;
    app.create_token(&admin, "crm-sync", json!({"name": "taken"}))
        .await;
    let verifier = app.verifier_token(&admin).await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(TokenHash::of(UUID_KEY).as_bytes());
    let batch = json!({"source": "legacy-db", "tokens": [
        {"name": "stripe-like", "secret": STRIPE_LIKE},
        {"name": "hex", "hash": TokenHash::of(HEX40).to_hex(), "hint": "0a52", "permissions": ["contacts:read"],
         "last_used_at": "2026-10-01T08:30:00Z"},
        {"name": "uuid", "hash": b64, "expires_at": "2030-01-01T00:00:00Z"},
        {"name": "again", "secret": STRIPE_LIKE},
        {"name": "taken", "hash": TokenHash::of("another-key-of-20-chars").to_hex()},
        {"name": "bad", "hash": "not-a-hash"},
        {"name": "short", "secret": "tiny"},
        {"name": "wider", "hash": TokenHash::of("x-key-0123456789abcdef").to_hex(), "permissions": ["orders:write"]},
    ]});
    let path = "/v1/api-users/crm-sync/tokens/import";
    let report = app.post(path, &admin, batch.clone()).await.expect(200);
    assert_eq!(report["imported"], 3, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    let refused = refused_fields(&report);
    assert_eq!(
        refused,
        [(4, "name"), (5, "hash"), (6, "secret"), (7, "permissions")],
        "{report}"
    );

    // The old system's last use is kept (read before any verify here moves it).
    let before = app.read("/v1/api-users/crm-sync/tokens", &admin).await;
    let last_used: Vec<&Value> = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "hex")
        .map(|t| &t["last_used_at"])
        .collect();
    assert_eq!(last_used, [&json!("2026-10-01T08:30:00Z")], "{before}");

    // Each works as its owner has it, from the first request on; unknown foreign strings and
    // mistyped keyward tokens stay MALFORMED.
    for (key, want) in [
        (STRIPE_LIKE, "VALID"),
        (HEX40, "VALID"),
        (UUID_KEY, "VALID"),
        ("sk_live_never_imported_0000", "MALFORMED"),
        ("kw_live_0000000000000000000000000000000000000000", "MALFORMED"),
    ] {
        let code = app.code_of(&verifier, key).await;
        assert_eq!(code, want, "{key}");
    }
    let listed = app.read("/v1/api-users/crm-sync/tokens", &admin).await;
    let hex = named(&listed, "hex");
    assert_eq!(hex["hint"], "…0a52");
    assert_eq!(hex["imported_from"], "legacy-db", "{hex}");
    assert!(
        hex["created_by"].as_str().unwrap().starts_with("imported by"),
        "{hex}"
    );
    let text = listed.to_string();
    assert!(!text.contains(STRIPE_LIKE) && !text.contains(HEX40));
    // The dashboard marks it, on its page and in its API user's list.
    for page in [
        format!("tokens/{}", hex["id"].as_str().unwrap()),
        format!("api-users/{}", hex["api_user_id"].as_str().unwrap()),
    ] {
        let html = app.dashboard_html(&page, &admin).await;
        assert!(html.contains("class=\"badge imported\""), "{page}: {html}");
    }

    // The same batch again imports nothing.
    let again = app.post(path, &admin, batch).await.expect(200);
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["duplicates"], 4, "{again}");

    // Audited: the batch and each token, never a secret.
    let events = app.read("/v1/audit-events?action=token&limit=50", &admin).await;
    let actions = strings_in(&events, "action");
    assert_eq!(
        actions.iter().filter(|a| **a == "token.import").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| **a == "token.import_batch").count(), 1);
    assert!(!events.to_string().contains(STRIPE_LIKE));
    let chain = app.store.verify_audit_chain().await.unwrap();
    assert!(
        chain.is_ok(),
        "the audit chain holds across bulk appends: {chain:?}"
    );

    // A flood of made-up foreign strings is answered from the membership filter. On SQLite
    // (one node) storage is never read; on PostgreSQL, where another node may have just issued
    // a token, a filter miss may read storage at most 200 times in any one second.
    let reads = app.metric("keyward_verify_storage_reads_total").await;
    let unix = || std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_secs();
    let started = unix();
    for i in 0..500 {
        let made_up = format!("sk_live_made_up_{i:08}_{}", "x".repeat(i % 40));
        assert_eq!(app.code_of(&verifier, &made_up).await, "MALFORMED");
    }
    let read = app.metric("keyward_verify_storage_reads_total").await - reads;
    let bound = match app.store.engine() {
        keyward_store::Engine::Sqlite => 0,
        keyward_store::Engine::Postgres => 200 * (unix() - started + 1),
    };
    assert!(
        read <= bound,
        "made-up foreign strings read storage {read} times (at most {bound})"
    );

    // The gateway takes them too, and rotation moves one to keyward's own format.
    assert_eq!(app.forward_auth_status(HEX40).await, 200);
    let rotated = app
        .post(
            &format!("/v1/tokens/{}/rotate", hex["id"].as_str().unwrap()),
            &admin,
            json!({}),
        )
        .await
        .expect(201);
    assert!(
        rotated["token"].as_str().unwrap().starts_with("kw_live_"),
        "{rotated}"
    );
    assert_eq!(app.code_of(&verifier, HEX40).await, "EXPIRED");

    // Too many in one request is refused as a whole.
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"name": format!("n{i}"), "hash": "x"}))
        .collect();
    let too_many = app.post(path, &admin, json!({"tokens": many})).await;
    assert_eq!(too_many.status, 422, "{}", too_many.text);
}

#[tokio::test]
async fn the_cli_imports_json_lines_and_csv() {
    let (app, admin) = TestApp::acme().await;
    app.create_crm_sync(&admin).await;
    let verifier = app.verifier_token(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("keys.jsonl");
    let mut lines: Vec<String> = (0..25)
        .map(|i| {
            json!({"name": format!("k{i}"), "secret": format!("legacy_key_{i:04}_abcdefgh")}).to_string()
        })
        .collect();
    lines.insert(3, String::new());
    lines.push("not json".into());
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let run = |args: &[&str]| keyward_as(&app.url, Some(&admin), args);
    let file = jsonl.to_str().unwrap();
    let out = run(&["token", "import", "--api-user", "crm-sync", file]).await;
    assert_eq!(out.status.code(), Some(1), "one line refused: {}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("26 read: 25 imported, 0 skipped as already imported, 1 refused"),
        "{said}"
    );
    assert!(said.contains("keys.jsonl:27: refused"), "{said}");
    assert!(!said.contains("legacy_key_0001_abcdefgh"), "{said}");

    let csv = dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        format!(
            "name,hash,hint,permissions\nfrom-csv,{},wxyz,contacts:read\nk1,{},,\n",
            TokenHash::of("csv_key_0000000000000001").to_hex(),
            TokenHash::of("legacy_key_0001_abcdefgh").to_hex()
        ),
    )
    .unwrap();
    let file = csv.to_str().unwrap();
    let out = run(&["token", "import", "--api-user", "crm-sync", "--json", file]).await;
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"read": 2, "imported": 1, "duplicates": 1, "refused": []})
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
    for key in ["legacy_key_0007_abcdefgh", "csv_key_0000000000000001"] {
        assert_eq!(app.code_of(&verifier, key).await, "VALID", "{key}");
    }
}

/// Two batches imported at the same time, overlapping in names: whichever writes second is
/// checked again against the first and refuses the names it took, instead of failing whole.
#[tokio::test]
async fn concurrent_batches_refuse_each_others_names_line_by_line() {
    let (app, admin) = TestApp::acme().await;
    app.create_api_user(&admin, json!({"username": "legacy"})).await;
    let path = "/v1/api-users/legacy/tokens/import";
    let batch = |from: usize, to: usize, key: &str| {
        let tokens: Vec<Value> = (from..to)
            .map(|i| json!({"name": format!("key-{i}"), "hash": TokenHash::of(&format!("{key}-{i:020}")).to_hex()}))
            .collect();
        json!({"tokens": tokens})
    };
    for round in 0..5 {
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let (first, second) = tokio::join!(
            app.post(path, &admin, batch(round * 1000, round * 1000 + 300, &a)),
            app.post(path, &admin, batch(round * 1000 + 150, round * 1000 + 450, &b)),
        );
        let (first, second) = (first.expect(200), second.expect(200));
        let count = |field: &str| first[field].as_u64().unwrap() + second[field].as_u64().unwrap();
        let refused =
            first["refused"].as_array().unwrap().len() + second["refused"].as_array().unwrap().len();
        assert_eq!(count("imported"), 450, "{first} {second}");
        assert_eq!(refused, 150, "{first} {second}");
        assert_eq!(count("duplicates"), 0, "{first} {second}");
    }
    let listed = app.read("/v1/api-users/legacy/tokens?limit=1", &admin).await;
    assert!(listed["items"].as_array().is_some_and(|i| !i.is_empty()));
}

/// Some days after the import, tokens still in their old format are flagged by the insights
/// (listed, and alerted once) until they are rotated.
#[tokio::test]
async fn imported_tokens_are_flagged_for_rotation_after_the_threshold() {
    let (app, admin) = TestApp::acme().await;
    app.create_api_user(&admin, json!({"username": "legacy"})).await;
    let report = app
        .post(
            "/v1/api-users/legacy/tokens/import",
            &admin,
            json!({"source": "old-db", "tokens": [
                {"name": "old", "secret": STRIPE_LIKE, "created_at": "2024-01-01T00:00:00Z"},
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(report["imported"], 1, "{report}");
    let listed = app.read("/v1/api-users/legacy/tokens", &admin).await;
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed["items"][0]["imported_at"], "2026-11-24T12:00:00Z",
        "{listed}"
    );
    assert_eq!(
        listed["items"][0]["created_at"], "2024-01-01T00:00:00Z",
        "{listed}"
    );
    let v = app.read("/v1/insights", &admin).await;
    assert_eq!(v["thresholds"]["imported_rotate_days"], 30, "{v}");
    assert!(ids_in(&v["imported"]).is_empty(), "not before the threshold: {v}");

    app.clock.advance(time::Duration::days(31));
    let admin = app.login("ada@acme.io", PASSWORD).await;
    let mut alerts = Vec::new();
    for _ in 0..150 {
        let v = app.read("/v1/insights", &admin).await;
        assert_eq!(ids_in(&v["imported"]), std::slice::from_ref(&id), "{v}");
        alerts = v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "imported" && a["token_id"] == id.as_str())
            .cloned()
            .collect();
        if !alerts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(alerts.len(), 1, "one alert for the token");
    assert_eq!(alerts[0]["details"]["imported_from"], "old-db", "{alerts:?}");

    // Rotated, it is in keyward's format: no longer listed.
    app.post(&format!("/v1/tokens/{id}/rotate"), &admin, json!({}))
        .await
        .expect(201);
    let v = app.read("/v1/insights", &admin).await;
    assert!(ids_in(&v["imported"]).is_empty(), "{v}");
}

/// After migrating, an organization turns foreign formats off: its imported tokens answer
/// MALFORMED at once (on every path, warm or cold), rotated ones keep working, imports are
/// refused; turned back on, the imported ones verify again.
#[tokio::test]
async fn an_organization_can_refuse_foreign_formats_after_migrating() {
    let (app, admin) = TestApp::acme().await;
    app.create_api_user(&admin, json!({"username": "legacy"})).await;
    let verifier = app.verifier_token(&admin).await;
    let path = "/v1/api-users/legacy/tokens/import";
    let batch = json!({"tokens": [
        {"name": "kept", "secret": STRIPE_LIKE},
        {"name": "moved", "secret": HEX40},
    ]});
    app.post(path, &admin, batch).await.expect(200);
    let listed = app.read("/v1/api-users/legacy/tokens", &admin).await;
    let moved = named(&listed, "moved")["id"].as_str().unwrap().to_owned();
    let rotated = app
        .post(&format!("/v1/tokens/{moved}/rotate"), &admin, json!({}))
        .await
        .expect(201);
    let new_secret = rotated["token"].as_str().unwrap().to_owned();
    // Warm in the cache before the switch.
    assert_eq!(app.code_of(&verifier, STRIPE_LIKE).await, "VALID");

    let set = |on: bool| app.patch("/v1/settings", &admin, json!({"refuse_foreign_tokens": on}));
    assert_eq!(set(true).await.expect(200)["refuse_foreign_tokens"], true);
    for (token, want) in [
        (STRIPE_LIKE, "MALFORMED"),
        (HEX40, "MALFORMED"),
        (new_secret.as_str(), "VALID"),
    ] {
        assert_eq!(app.code_of(&verifier, token).await, want, "{token}");
    }
    assert_eq!(app.forward_auth_status(STRIPE_LIKE).await, 401);
    app.post(
        path,
        &admin,
        json!({"tokens": [{"name": "late", "secret": UUID_KEY}]}),
    )
    .await
    .problem(422, "foreign_tokens_refused");

    set(false).await.expect(200);
    assert_eq!(app.code_of(&verifier, STRIPE_LIKE).await, "VALID");
}

/// A token's own metadata — what an old system kept with each key (Unkey's `meta`) — comes in
/// with the import, or is set on creation and by PATCH, survives rotation, and is returned with
/// every VALID answer (the API user's stays under `api_user`). Nonsense is refused by field.
#[tokio::test]
async fn token_metadata_is_imported_kept_and_returned_on_valid_answers() {
    let (app, admin) = TestApp::acme().await;
    let group = app.create_group(&admin, "crm", &["contacts:read"]).await;
    app.create_api_user(
        &admin,
        json!({"username": "crm-sync", "permission_group_id": group, "metadata": {"tenant": "t-1"}}),
    )
    .await;
    let verifier = app.verifier_token(&admin).await;
    let report: Value = app
        .post(
            "/v1/api-users/crm-sync/tokens/import",
            &admin,
            json!({"source": "unkey", "tokens": [
                {"name": "from-unkey", "secret": STRIPE_LIKE, "metadata": {"plan": "pro", "seats": 5}},
                {"name": "too-big", "secret": HEX40, "metadata": {"blob": "x".repeat(9000)}},
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(report["refused"][0]["field"], "metadata", "{report}");
    let answer = app.verify(&verifier, json!({"token": STRIPE_LIKE})).await;
    assert_eq!(answer["code"], "VALID");
    assert_eq!(answer["metadata"], json!({"plan": "pro", "seats": 5}));
    assert_eq!(answer["api_user"]["metadata"], json!({"tenant": "t-1"}));

    // Set on creation, shown, replaced by PATCH, kept by rotation.
    let created: Value = app
        .post(
            "/v1/api-users/crm-sync/tokens",
            &admin,
            json!({"name": "native", "metadata": {"plan": "free"}}),
        )
        .await
        .expect(201);
    assert_eq!(created["metadata"], json!({"plan": "free"}));
    let id = created["id"].as_str().unwrap();
    let secret = created["token"].as_str().unwrap();
    let refusals = app.verify(&verifier, json!({"token": "kw_live_made_up"})).await;
    assert!(refusals.get("metadata").is_none(), "{refusals}");
    let patched: Value = app
        .patch(
            &format!("/v1/tokens/{id}"),
            &admin,
            json!({"metadata": {"plan": "team"}}),
        )
        .await
        .expect(200);
    assert_eq!(patched["metadata"], json!({"plan": "team"}));
    let page = app.dashboard_html(&format!("tokens/{id}"), &admin).await;
    let shown = page
        .split("id=\"token-metadata\"")
        .nth(1)
        .expect("the token page shows metadata");
    assert!(shown.contains("plan") && shown.contains("team"), "{shown}");
    assert_eq!(
        app.verify(&verifier, json!({"token": secret})).await["metadata"],
        json!({"plan": "team"})
    );
    let rotated: Value = app
        .post(&format!("/v1/tokens/{id}/rotate"), &admin, json!({}))
        .await
        .expect(201);
    let new_secret = rotated["token"].as_str().unwrap();
    assert_eq!(
        app.verify(&verifier, json!({"token": new_secret})).await["metadata"],
        json!({"plan": "team"})
    );
    // The CLI sets it too, and refuses what is not a JSON object before sending.
    let run = |line: &str| keyward_as(&app.url, Some(&admin), &crate::cli::words(line));
    let out = run(r#"token create --api-user crm-sync --name cli --metadata {"plan":"cli"} --json"#).await;
    let made: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    assert_eq!(made["metadata"], json!({"plan": "cli"}));
    let out = run("token create --api-user crm-sync --name bad --metadata [1]").await;
    crate::cli::fails_saying(&out, &["JSON object"]);
    // A line the CLI cannot read is refused without echoing its strings: the value in a
    // mistyped field may be a secret.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.jsonl");
    let misplaced = "sk_live_misplaced_0123456789abcdef";
    std::fs::write(
        &file,
        format!("{{\"name\": \"m\", \"permissions\": \"{misplaced}\"}}\n"),
    )
    .unwrap();
    let out = keyward_as(
        &app.url,
        Some(&admin),
        &[
            "token",
            "import",
            "--api-user",
            "crm-sync",
            file.to_str().unwrap(),
        ],
    )
    .await;
    let said = text(&out);
    assert!(said.contains(":1: refused: invalid type: string"), "{said}");
    assert!(!said.contains(misplaced), "{said}");
    // A token pasted into metadata is refused, as in every stored field.
    let pasted: Value = app
        .patch(
            &format!("/v1/tokens/{}", rotated["id"].as_str().unwrap()),
            &admin,
            json!({"metadata": {"note": new_secret}}),
        )
        .await
        .expect(422);
    assert_eq!(pasted["field"], "metadata");
}

/// A line naming an integration of another organization, or none, is refused alone; so is a
/// hash whose first 8 bytes another token's has (SQLite's index keeps those unique).
#[tokio::test]
async fn integrations_and_hash_prefixes_are_checked_line_by_line() {
    let (app, admin) = TestApp::acme().await;
    let (_, other) = app.create_org("Globex", "hank@globex.io").await;
    let ours = app.create_integration(&admin, "salesforce", &[]).await;
    let theirs = app.create_integration(&other, "sap", &[]).await;
    app.create_api_user(&admin, json!({"username": "crm-sync"})).await;
    let prefix = "00112233445566778899aabbccddeeff00112233445566778899aabbccdd";
    let path = "/v1/api-users/crm-sync/tokens/import";
    let batch = json!({"tokens": [
        {"name": "ours", "hash": format!("{prefix}0001"), "integration_id": ours},
        {"name": "theirs", "hash": TokenHash::of("key-of-another-org-1").to_hex(), "integration_id": theirs},
        {"name": "nowhere", "hash": TokenHash::of("key-of-no-integration").to_hex(),
         "integration_id": "01900000-0000-7000-8000-000000000000"},
        {"name": "twin", "hash": format!("{prefix}0002")},
    ]});
    let report = app.post(path, &admin, batch).await.expect(200);
    assert_eq!(report["imported"], 1, "{report}");
    let refused = refused_fields(&report);
    assert_eq!(
        refused,
        [(1, "integration_id"), (2, "integration_id"), (3, "hash")],
        "{report}"
    );
    let listed = app.read("/v1/api-users/crm-sync/tokens", &admin).await;
    let names = strings_in(&listed, "name");
    assert_eq!(names, ["ours"], "{listed}");

    // Against a stored token: SQLite refuses the line; PostgreSQL, which indexes the whole
    // hash, takes it. Either way the batch is answered, not failed.
    let later = json!({"tokens": [{"name": "twin", "hash": format!("{prefix}0003")}]});
    let report = app.post(path, &admin, later).await.expect(200);
    let on_postgres = std::env::var("KEYWARD_TEST_DATABASE").is_ok_and(|v| v == "postgres");
    assert_eq!(report["imported"], if on_postgres { 1 } else { 0 }, "{report}");
}

/// Each refused line of an import report as (index, field).
fn refused_fields(report: &Value) -> Vec<(u64, &str)> {
    report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect()
}
