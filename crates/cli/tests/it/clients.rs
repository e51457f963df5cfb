//! The generated clients' READMEs, run as written against a live keyward: the TypeScript
//! example compiled by `tsc` against `clients/typescript` and run by Node, the Python example
//! run with `clients/python` on the path. Missing toolchains skip loudly; under `CI=true` fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::*;

fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients")
}

/// The body of the first ```LANG block of a client's README.
fn readme_example(client: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(clients().join(client).join("README.md")).expect("README");
    let marker = format!("```{lang}\n");
    let start = readme.find(&marker).expect("an example block") + marker.len();
    let len = readme[start..].find("```").expect("the block ends");
    readme[start..start + len].to_owned()
}

/// `None` (having said so) when a prerequisite is missing outside CI; a failure under CI.
/// [`prerequisite`], for a generated client's example.
fn require(present: bool, missing: &str) -> bool {
    prerequisite(
        present,
        &format!("{missing}: the generated client's example is NOT checked"),
    )
}

async fn run(mut cmd: Command) -> Output {
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run"))
        .await
        .unwrap();
    crate::cli::succeeded(&out, "failed");
    out
}

/// Runs a README example against a new keyward (its URL and an admin's token in the
/// environment, as the README says); answers what it printed, trimmed.
async fn against_a_live_keyward(mut example: Command) -> String {
    let (app, admin) = TestApp::acme().await;
    example.env("KEYWARD_URL", &app.url).env("KEYWARD_TOKEN", &admin);
    let out = run(example).await;
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn the_typescript_readme_example_runs_against_a_live_keyward() {
    let package = clients().join("typescript");
    let tsc = package.join("node_modules/.bin/tsc");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing_modules = "clients/typescript has no node_modules (run npm ci there)";
    if !require(node, "Node.js is not installed") || !require(tsc.exists(), missing_modules) {
        return;
    }
    // Build the client as a user's install would, then the example against it by name.
    let mut build = Command::new(&tsc);
    build.arg("-p").arg(&package);
    run(build).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/@keyward")).unwrap();
    std::os::unix::fs::symlink(&package, dir.path().join("node_modules/@keyward/client")).unwrap();
    std::fs::write(dir.path().join("example.mts"), readme_example("typescript", "ts")).unwrap();
    let mut compile = Command::new(&tsc);
    compile
        .args([
            "--strict",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--skipLibCheck",
        ])
        .arg("--types")
        .arg("node")
        .arg("--typeRoots")
        .arg(package.join("node_modules/@types"))
        .arg("example.mts")
        .current_dir(dir.path());
    run(compile).await;

    let mut example = Command::new("node");
    example.arg("example.mjs").current_dir(dir.path());
    assert_eq!(against_a_live_keyward(example).await, "true VALID");
}

#[tokio::test]
async fn the_python_readme_example_runs_against_a_live_keyward() {
    let missing = "Python's httpx and attrs are not installed (pip install httpx attrs)";
    if !require(python_has("httpx, attrs"), missing) {
        return;
    }
    let mut example = Command::new("python3");
    example
        .arg("-c")
        .arg(readme_example("python", "python"))
        .env("PYTHONPATH", clients().join("python"));
    assert_eq!(against_a_live_keyward(example).await, "True VALID");
}

/// The Rust client, on the server's own types: create, verify, change with PATCH's three
/// meanings (absent, `null`, a value), page through a list, and read a refusal as a problem.
#[tokio::test]
async fn the_rust_client_speaks_the_servers_types() {
    use keyward_client::api::*;
    use keyward_client::{Client, Error, collect_all};

    let app = TestApp::spawn().await;
    let (_, session) = app.create_org("Acme", "ada@acme.io").await;
    let admin = Client::new(&app.url, Some(session)).unwrap();
    let group = admin
        .groups()
        .create(&CreateGroup {
            name: "crm".into(),
            permissions: vec!["contacts:read".into(), "keyward:verify".into()],
            ..CreateGroup::default()
        })
        .await
        .unwrap();
    let user = admin
        .api_users()
        .create(&CreateApiUser {
            contact_email: Some("ops@partner.example".into()),
            ..CreateApiUser::new("crm-sync", group.id)
        })
        .await
        .unwrap();
    assert_eq!(user.contact_email.as_deref(), Some("ops@partner.example"));
    let created = admin
        .create_token("crm-sync", &CreateToken::named("prod"))
        .await
        .unwrap();
    assert_eq!(created.details.api_user_id, user.id);

    let app_client = admin.with_token(created.token.clone());
    // The application's own token asks whether it holds a permission.
    let holding = async |permission: &str| {
        let ask = VerifyRequest {
            token: created.token.clone(),
            permissions: vec![permission.into()],
            ..VerifyRequest::default()
        };
        app_client.verify_token(&ask).await.unwrap()
    };
    let verdict = holding("contacts:read").await;
    assert!(verdict.valid);
    assert_eq!(verdict.api_user.map(|u| u.username).as_deref(), Some("crm-sync"));
    let refused = holding("contacts:write").await;
    assert_eq!(refused.code.as_str(), "INSUFFICIENT_PERMISSIONS");

    // Absent leaves a field, null clears it: a name change keeps the contact; then it goes.
    let renamed = admin
        .api_users()
        .update(
            &user.id.to_string(),
            &UpdateApiUser {
                name: Some("CRM sync".into()),
                ..UpdateApiUser::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.contact_email.as_deref(), Some("ops@partner.example"));
    let cleared = admin
        .api_users()
        .update(
            "crm-sync",
            &UpdateApiUser {
                contact_email: Some(None),
                ..UpdateApiUser::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((cleared.name.as_str(), cleared.contact_email), ("CRM sync", None));

    // Pages, followed by cursor.
    for i in 0..4 {
        admin
            .create_token("crm-sync", &CreateToken::named(format!("t{i}")))
            .await
            .unwrap();
    }
    let all = collect_all(|cursor| {
        let query = TokenQuery {
            limit: Some(2),
            cursor,
            ..TokenQuery::default()
        };
        let admin = &admin;
        async move { admin.list_user_tokens("crm-sync", &query).await }
    })
    .await
    .unwrap();
    assert_eq!(all.len(), 5);

    // A refusal arrives as the problem, with its code and field.
    let err = admin
        .create_token("crm-sync", &CreateToken::named("prod"))
        .await
        .unwrap_err();
    let Error::Api { status, problem } = &err else {
        panic!("expected a problem, got {err}");
    };
    assert_eq!(status.as_u16(), 409);
    assert_eq!(err.code(), Some(problem.code.as_str()));
    let err = admin
        .create_token(
            "crm-sync",
            &CreateToken {
                allowed_ips: vec!["not-an-ip".into()],
                ..CreateToken::named("bad")
            },
        )
        .await
        .unwrap_err();
    let Error::Api { status, problem } = &err else {
        panic!("expected a problem, got {err}");
    };
    assert_eq!(
        (status.as_u16(), problem.field.as_deref()),
        (422, Some("allowed_ips"))
    );

    // Without a credential the client says so before sending anything.
    let anonymous = Client::new(&app.url, None).unwrap();
    assert!(matches!(anonymous.get_me().await, Err(Error::NotSignedIn)));
}
