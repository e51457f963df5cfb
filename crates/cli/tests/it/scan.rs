//! `keyward scan`: tokens in a tree, on standard input and in a git history, checked offline by
//! their checksum; the pre-commit hook; `--report` to a running keyward.

use std::path::Path;
use std::process::Command;

use keyward_core::token::generate;
use keyward_core::{Environment, TokenPrefix};
use serde_json::{Value, json};

use crate::cli::{BIN, keyward, keyward_as, output_with_input, text};
use crate::helpers::*;

fn new_token(prefix: &str) -> String {
    generate(&TokenPrefix::parse(prefix).unwrap(), Environment::Live)
        .unwrap()
        .into_secret()
}

fn look_alike(token: &str) -> String {
    let last = if token.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &token[..token.len() - 1])
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn scan_reports_real_tokens_by_hint_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a, b) = (new_token("kw"), new_token("acme"));
    std::fs::create_dir_all(d.join("src/deep")).unwrap();
    std::fs::write(d.join("src/config.yml"), format!("name: x\napi_key: {a}\n")).unwrap();
    std::fs::write(
        d.join("src/deep/notes.md"),
        format!("one {b}\nlook-alike {}\n", look_alike(&a)),
    )
    .unwrap();
    std::fs::write(
        d.join("image.bin"),
        [b"\0\x01binary ".as_slice(), a.as_bytes()].concat(),
    )
    .unwrap();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::write(d.join(".git/config"), &a).unwrap();

    let out = keyward(&["scan", d.to_str().unwrap()], &[]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(
        !printed.contains(&a) && !printed.contains(&b),
        "a secret was printed: {printed}"
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].ends_with(&format!(
            "src/config.yml:2: {}",
            keyward_core::token::hint_for(&a)
        )),
        "{printed}"
    );
    assert!(
        lines[1].ends_with(&format!(
            "src/deep/notes.md:1: {}",
            keyward_core::token::hint_for(&b)
        )),
        "{printed}"
    );

    let json_out = keyward(&["scan", "--json", d.to_str().unwrap()], &[]);
    let found: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 2);
    assert_eq!(found[0]["line"], 2);

    std::fs::remove_file(d.join("src/config.yml")).unwrap();
    std::fs::remove_file(d.join("src/deep/notes.md")).unwrap();
    let clean = keyward(&["scan", d.to_str().unwrap()], &[]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
}

#[test]
fn scan_reads_standard_input() {
    let a = new_token("kw");
    let out = output_with_input(Command::new(BIN).args(["scan", "-"]), &format!("x\ny {a}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("-:2: {}", keyward_core::token::hint_for(&a))
    );
}

/// A token added in one commit and removed in the next is gone from the files but not from the
/// history; `--git` finds it there.
#[test]
fn scan_git_finds_a_token_removed_since() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = new_token("kw");
    git(d, &["init", "-q"]);
    std::fs::write(d.join("app.env"), format!("TOKEN={a}\n")).unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "add config"]);
    std::fs::write(d.join("app.env"), "TOKEN=\n").unwrap();
    git(d, &["commit", "-qam", "remove the token"]);

    let files = keyward(&["scan", d.to_str().unwrap()], &[]);
    assert_eq!(files.status.code(), Some(0), "{}", text(&files));
    let history = keyward(&["scan", "--git", d.to_str().unwrap()], &[]);
    let printed = text(&history);
    assert_eq!(history.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains(":app.env:") && !printed.contains(&a),
        "{printed}"
    );
}

/// The shipped pre-commit hook refuses a commit adding a token and lets a clean one through.
#[test]
fn the_pre_commit_hook_refuses_a_commit_that_adds_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let hook = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contrib/git-hooks/pre-commit");
    std::fs::copy(hook, d.join(".git/hooks/pre-commit")).unwrap();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commit = |msg: &str| {
        Command::new("git")
            .arg("-C")
            .arg(d)
            .args([
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-qm",
                msg,
            ])
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    std::fs::write(d.join("README"), "hello\n").unwrap();
    git(d, &["add", "README"]);
    assert!(commit("clean").status.success());
    let a = new_token("kw");
    std::fs::write(d.join("secrets.txt"), format!("{a}\n")).unwrap();
    git(d, &["add", "secrets.txt"]);
    let refused = commit("with a token");
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("secrets.txt:1:") && !said.contains(&a), "{said}");
}

/// `found.txt` holding a new live token "prod" of the organization (line 1) and a foreign one
/// (line 2), scanned by `caller` in `mode`: the live token and what was printed. The scan exits
/// 1 (something was found).
async fn scan_found(app: &TestApp, admin: &str, caller: &str, mode: &str) -> (String, String) {
    let (_, user) = app.create_crm_sync(admin).await;
    let (_, live) = app.create_token(admin, &user, json!({"name": "prod"})).await;
    let dir = tempfile::tempdir().unwrap();
    let found = format!("{live}\n{}\n", new_token("kw"));
    std::fs::write(dir.path().join("found.txt"), found).unwrap();
    let path = dir.path().to_str().unwrap();
    let out = keyward_as(&app.url, Some(caller), &["scan", mode, path]).await;
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    (live, printed)
}

/// `--check` asks by hash only and changes nothing: each finding is named, with its state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_check_names_the_organizations_tokens_and_changes_nothing() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let auditor = app.add_member(&admin, "aud@acme.io", "auditor").await;
    let (live, printed) = scan_found(&app, &admin, &auditor, "--check").await;
    assert!(
        printed.contains("found.txt:1:") && printed.contains("token \"prod\" of your organization, active"),
        "{printed}"
    );
    assert!(
        printed.contains("found.txt:2:") && printed.contains("not a token of your organization"),
        "{printed}"
    );
    assert!(!printed.contains(&live));
    assert_eq!(app.code_of(&verifier, &live).await, "VALID");
    // Hashes only: a secret in their place is refused without being echoed.
    let refused = app
        .post("/v1/tokens/check-hashes", &admin, json!({"token_hashes": [live]}))
        .await
        .problem(422, "validation_failed");
    assert!(!refused.to_string().contains(&live));
}

/// `--report` hands what was found to keyward: the organization's token is revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_report_revokes_the_organizations_tokens() {
    let (app, admin) = TestApp::acme().await;
    let verifier = app.verifier_token(&admin).await;
    let (live, printed) = scan_found(&app, &admin, &admin, "--report").await;
    assert!(
        printed.contains("reported 2 token(s); 1 issued by your organization"),
        "{printed}"
    );
    assert_eq!(app.code_of(&verifier, &live).await, "REVOKED");
}
