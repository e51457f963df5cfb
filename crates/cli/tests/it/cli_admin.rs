//! The CLI's administration commands through the real binary against a real server: one
//! default expiry with the dashboard, groups, integrations, members, the audit list, JSON
//! arrays for lists, and colour only on a terminal.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{BIN, keyward_as, text, words};
use crate::helpers::*;

fn json_of(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// The organization's default expiry decides when nothing is chosen, in the CLI as in the
/// dashboard's first choice; `--expires never` still asks for none.
#[tokio::test]
async fn the_organizations_default_expiry_decides_everywhere() {
    let (app, admin) = TestApp::acme().await;
    let run = |line: &str| keyward_as(&app.url, Some(&admin), &words(line));
    json_of(&run("group create crm --permissions contacts:read --json").await);
    json_of(&run("api-user create crm-sync --group crm --json").await);

    let plain = json_of(&run("token create --api-user crm-sync --name a --json").await);
    assert_eq!(plain["expires_at"], Value::Null, "no default set: no expiry");

    app.change_settings(&admin, json!({"expiry_policy": {"default_days": 30}}))
        .await
        .expect(200);
    let now = app.clock.now_for_tests();
    let defaulted = json_of(&run("token create --api-user crm-sync --name b --json").await);
    let at = OffsetDateTime::parse(defaulted["expires_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(
        (at - (now + time::Duration::days(30))).abs() < time::Duration::seconds(2),
        "{at}"
    );
    let never = json_of(&run("token create --api-user crm-sync --name c --expires never --json").await);
    assert_eq!(never["expires_at"], Value::Null, "explicitly none");
    let user = json_of(&run("api-user create erp-sync --group crm --json").await);
    assert!(
        user["expires_at"].is_string(),
        "API users take the default too: {user}"
    );

    // A default longer than the policy's longest lifetime is refused, naming the field.
    let refused = app
        .change_settings(
            &admin,
            json!({"expiry_policy": {"max_lifetime_days": 7, "default_days": 30}}),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["field"], "expiry_policy.default_days");

    // The help says what the presets are and where the default comes from.
    let help = Command::new(BIN)
        .args(["token", "create", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("7, 30, 60, 90, 180 or 365") && help.contains("default_days"),
        "{help}"
    );
    assert!(help.contains("--expires-in-days"));
}

/// Groups, integrations and members are managed by name; lists are JSON arrays; the audit
/// list takes the API's filters; the organization's token list says whose each token is.
#[tokio::test]
async fn groups_integrations_members_and_the_audit_list() {
    let (app, admin) = TestApp::acme().await;
    let run = |line: &str| keyward_as(&app.url, Some(&admin), &words(line));

    json_of(&run("group create crm --permissions contacts:read --json").await);
    let changed = json_of(&run("group update crm --permissions contacts:read,contacts:write --json").await);
    assert_eq!(changed["permissions"], json!(["contacts:read", "contacts:write"]));
    let groups = json_of(&run("group list --json").await);
    assert_eq!(groups.as_array().unwrap().len(), 1, "a JSON array: {groups}");

    json_of(&run("integration create hubspot --json").await);
    let off = json_of(&run("integration update hubspot --status inactive --json").await);
    assert_eq!(off["status"], "inactive");
    let gone = json_of(&run("integration delete hubspot --json").await);
    assert!(gone["message"].as_str().unwrap().contains("deleted"));
    assert_eq!(json_of(&run("integration list --json").await), json!([]));

    // The server runs on this test's runtime: the binary is waited for off it.
    let blocking = |mut cmd: Command| async move {
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    };
    let mut add = Command::new(BIN);
    add.args([
        "member",
        "add",
        "--email",
        "sam@acme.io",
        "--name",
        "Sam",
        "--role",
        "auditor",
        "--json",
    ])
    .env("KEYWARD_URL", &app.url)
    .env("KEYWARD_TOKEN", &admin)
    .env("KEYWARD_MEMBER_PASSWORD", PASSWORD)
    .stdin(Stdio::null());
    let added = blocking(add).await;
    assert_eq!(json_of(&added)["role"], "auditor");
    let promoted = json_of(&run("member update sam@acme.io --role admin --json").await);
    assert_eq!(promoted["role"], "admin");
    assert_eq!(
        json_of(&run("member list --json").await)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    json_of(&run("member remove sam@acme.io --json").await);
    let sam = app
        .call(
            reqwest::Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "sam@acme.io", "password": PASSWORD})),
        )
        .await;
    assert_eq!(sam.status, 401, "a removed member cannot sign in");

    // The organization's token list names each token's API user.
    json_of(&run("api-user create crm-sync --group crm --json").await);
    json_of(&run("token create --api-user crm-sync --name prod --json").await);
    let listed = run("token list").await;
    let table = text(&listed);
    let header = table.lines().next().unwrap();
    assert!(header.contains("API_USER"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("crm-sync") && l.contains("prod")),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'), "colour in a pipe: {table:?}");

    // The audit list: by actor email and action, as a JSON array.
    let events = json_of(&run("audit list --actor ada@acme.io --action member --json").await);
    let actions = strings_in(&events, "action");
    assert_eq!(
        actions,
        ["member.delete", "member.update", "member.create"],
        "{events}"
    );
    let by_target = json_of(&run("audit list --target crm-sync --json").await);
    assert!(
        by_target
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["target_type"] == "api_user")
    );
    assert!(!by_target.as_array().unwrap().is_empty());

    // Colour on a terminal (a pseudo-terminal from script(1)), none with NO_COLOR.
    let on_terminal = |no_color: bool| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{BIN} group list"), "/dev/null"])
            .env("KEYWARD_URL", &app.url)
            .env("KEYWARD_TOKEN", &admin)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        cmd
    };
    let coloured = String::from_utf8_lossy(&blocking(on_terminal(false)).await.stdout).into_owned();
    assert!(
        coloured.contains("\u{1b}[1m"),
        "a bold header on a terminal: {coloured:?}"
    );
    assert!(coloured.contains("crm"));
    let plain = String::from_utf8_lossy(&blocking(on_terminal(true)).await.stdout).into_owned();
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain:?}");
}

/// The local commands answer JSON with `--json` too: init, audit verify, backup, restore.
#[test]
fn local_commands_answer_json() {
    use crate::cli::keyward;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let run = |args: &[&str]| json_of(&keyward(args, &[("KEYWARD_INIT_PASSWORD", PASSWORD)]));
    let made = run(&[
        "init",
        "--data-dir",
        data,
        "--org",
        "Acme",
        "--email",
        "ada@acme.io",
        "--json",
    ]);
    assert_eq!(made["organization"]["name"], "Acme");
    assert_eq!(made["super_admin"]["email"], "ada@acme.io");
    let chain = run(&["audit", "verify", "--data-dir", data, "--json"]);
    assert_eq!(chain["intact"], true);
    assert!(chain["events"].as_u64().unwrap() >= 1);
    let file = dir.path().join("backup.db");
    let backup = run(&[
        "backup",
        "--data-dir",
        data,
        "--out",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(backup["integrity"], "ok");
    let restored = dir.path().join("restored");
    let back = run(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(back["audit_events"], chain["events"]);
}
