//! The CLI a new administrator meets first (issue 23): sign-in messages, names where ids were
//! needed, the README's walkthrough run as written, and the server's own messages.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::cli::*;
use crate::helpers::*;

/// Authentication mistakes get an answer that says what to do (issue 23, item 11): no token, a
/// token with a trailing newline (trimmed), a token with an error message captured into it, and
/// `keyward login` with neither a terminal nor KEYWARD_PASSWORD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_says_how_to_sign_in() {
    let app = crate::helpers::TestApp::spawn().await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let url = app.url.clone();
    let run = |line: &str, token: Option<String>| keyward_as(&url, token.as_deref(), &words(line));
    let none = run("group list", None).await;
    fails_saying(&none, &["not signed in: run `keyward login"]);
    let trailing = run("group list", Some(format!("{admin}\n"))).await;
    assert!(trailing.status.success(), "{}", text(&trailing));
    let captured = run(
        "group list",
        Some(format!("Password (one line on standard input):\n{admin}\n")),
    )
    .await;
    fails_saying(&captured, &["more than one token"]);
    assert!(!text(&captured).contains("builder error"));
    let login = run("login --email ada@acme.io", None).await;
    fails_saying(&login, &["no password"]);
    // `keyward logout` ends the session it is given.
    let out = run("logout", Some(admin.clone())).await;
    assert!(out.status.success(), "{}", text(&out));
    let after = run("group list", Some(admin)).await;
    fails_saying(&after, &["HTTP 401"]);
}

/// Names wherever a user types one (issue 23, item 10): a group, integrations and a member by
/// name or id; an unknown name says so; an ambiguous one lists the candidates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_takes_names_or_ids() {
    use crate::helpers::Calls;
    let app = crate::helpers::TestApp::spawn().await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    app.create_group(&admin, "crm", &["contacts:read"]).await;
    let crm = app.create_integration(&admin, "salesforce", &[]).await;
    app.create_integration(&admin, "hubspot", &[]).await;
    for email in ["sam1@acme.io", "sam2@acme.io"] {
        app.post(
            "/v1/members",
            &admin,
            json!({"email": email, "name": "Sam", "role": "auditor", "password": PASSWORD}),
        )
        .await
        .expect(201);
    }
    let run = |line: &str| keyward_as(&app.url, Some(&admin), &words(line));
    let made = run(&format!(
        "api-user create crm-sync --group crm --integrations hubspot,{crm} --json"
    ))
    .await;
    assert!(made.status.success(), "{}", text(&made));
    let v: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let group = app.read("/v1/permission-groups", &admin).await["items"][0]["id"].clone();
    assert_eq!(v["permission_group_id"], group, "{v}");
    assert_eq!(v["integration_ids"].as_array().unwrap().len(), 2, "{v}");
    let unknown = run("api-user create ex-sync --group nope").await;
    fails_saying(&unknown, &["no permission group named nope"]);
    let ambiguous = run("api-user create why-sync --linked-member Sam").await;
    fails_saying(&ambiguous, &["Sam names 2 members", "give the id instead"]);
    let by_email = run("api-user create zed-sync --linked-member sam2@acme.io").await;
    assert!(by_email.status.success(), "{}", text(&by_email));
    // The server's refusals name their field.
    let short = run("api-user create z").await;
    assert!(
        text(&short).contains("username: must be 3 to 64"),
        "{}",
        text(&short)
    );
}

/// The README's five-minute walkthrough, run as written (issue 23): its shell block is read from
/// the README and run by bash with `set -euo pipefail` in an empty directory, against the
/// binary under test on a free port. Only the build line (replaced by this binary on PATH) and
/// the port (8080 → the free one) change.
#[test]
fn the_readme_walkthrough_runs_as_written() {
    const README: &str = include_str!("../../../../README.md");
    let start = README
        .find("## Five minutes with curl and the CLI")
        .expect("the section");
    let block_start = README[start..].find("```sh\n").expect("its shell block") + start + 6;
    let block_len = README[block_start..].find("```").expect("the block ends");
    let block = &README[block_start..block_start + block_len];
    let first = block.lines().next().unwrap();
    assert!(first.starts_with("cargo build --release"), "{first}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin_dir = Path::new(BIN).parent().unwrap().display().to_string();
    let script = format!(
        "set -euo pipefail\nexport PATH=\"{bin_dir}:$PATH\"\n{}\nkill %1\nwait || true\necho WALKTHROUGH-DONE\n",
        block[first.len()..].replace("localhost:8080", &format!("127.0.0.1:{port}"))
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env_remove("KEYWARD_TOKEN")
        .env_remove("RUST_LOG")
        .env("KEYWARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("KEYWARD_URL", format!("http://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .expect("bash");
    let all = text(&out);
    assert!(out.status.success() && all.contains("WALKTHROUGH-DONE"), "{all}");
    assert!(all.contains("INSUFFICIENT_PERMISSIONS"), "step 6's curl: {all}");
    assert!(dir.path().join("restored-data").exists(), "step 8's restore");
}

/// A negative number of days reaches the server, whose message names the field (issue 23,
/// item 12), rather than clap taking it for an unknown flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_numbers_get_the_servers_message() {
    let app = crate::helpers::TestApp::spawn().await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    app.create_crm_sync(&admin).await;
    let args = [
        "token",
        "create",
        "--api-user",
        "crm-sync",
        "--name",
        "x",
        "--expires-in-days",
        "-5",
    ];
    let out = keyward_as(&app.url, Some(&admin), &args).await;
    let said = fails_saying(&out, &["expires_in_days", "HTTP 422"]);
    assert!(!said.contains("unexpected argument"), "{said}");
}
