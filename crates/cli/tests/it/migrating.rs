//! docs/MIGRATING.md's recipes, run as written (the shell blocks marked `recipe:`) against a
//! real keyward with data made by the real source: keys hashed by PostgreSQL itself, keys read
//! from a `.env` file. The imported keys then verify unchanged.

use std::path::Path;
use std::process::{Command, Output};

use crate::cli::{BIN, text};
use crate::helpers::*;

/// The body of the shell block in docs/MIGRATING.md that starts with `# recipe: NAME`.
fn recipe(name: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/MIGRATING.md"))
        .expect("docs/MIGRATING.md");
    let marker = format!("```sh\n# recipe: {name}\n");
    let start = doc.find(&marker).unwrap_or_else(|| panic!("no recipe {name}")) + marker.len();
    let len = doc[start..].find("```").expect("the recipe's block ends");
    doc[start..start + len].to_owned()
}

/// Runs a recipe with bash in `dir`, `keyward` on the PATH, signed in as `admin`.
async fn run(app: &TestApp, admin: &str, name: &str, dir: &Path, env: &[(&str, &str)]) -> Output {
    let script = recipe(name);
    let bin_dir = Path::new(BIN).parent().unwrap().to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (url, admin, dir) = (app.url.clone(), admin.to_owned(), dir.to_owned());
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(dir)
            .env("PATH", path)
            .env("KEYWARD_URL", url)
            .env("KEYWARD_TOKEN", admin)
            .envs(env)
            .output()
            .expect("run bash")
    })
    .await
    .unwrap()
}

async fn legacy_user(app: &TestApp) -> (String, String) {
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let group = app.create_group(&admin, "legacy", &["orders:read"]).await;
    app.api_user_in(&admin, "legacy", &group).await;
    let verifier = app.verifier_token(&admin).await;
    (admin, verifier)
}

#[tokio::test]
async fn plaintext_keys_from_an_env_file() {
    let app = TestApp::spawn().await;
    let (admin, verifier) = legacy_user(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = ["sk_live_acme_4f9c2d7e1b3a5c8d", "globex-2b7e151628aed2a6abf71588"];
    std::fs::write(
        dir.path().join("service.env"),
        format!(
            "# clients\nAPI_KEY_ACME={}\nDATABASE_PASSWORD=hunter2hunter2hunter2\nAPI_KEY_GLOBEX={}\n",
            keys[0], keys[1]
        ),
    )
    .unwrap();
    let out = run(&app, &admin, "env-file", dir.path(), &[]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("2 read: 2 imported"), "{said}");
    assert!(!keys.iter().any(|k| said.contains(k)), "{said}");
    assert!(
        !dir.path().join("keys.csv").exists(),
        "the recipe deletes the CSV"
    );
    for key in keys {
        assert_eq!(app.code_of(&verifier, key).await, "VALID", "{key}");
    }
    assert_eq!(
        app.code_of(&verifier, "hunter2hunter2hunter2").await,
        "MALFORMED",
        "only API_KEY_ lines are keys"
    );
    let listed = app.read("/v1/api-users/legacy/tokens", &admin).await;
    let names: Vec<&str> = items_in(&listed)
        .iter()
        .filter(|t| t["imported_from"] == "service-env")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{listed}");
    assert!(names.contains(&"acme") && names.contains(&"globex"), "{listed}");
}

#[tokio::test]
async fn a_table_of_sha256_hashes_exported_from_postgresql() {
    let Some((admin_url, db_url, db)) = keyward_store::testing::fresh_postgres_database().await else {
        return;
    };
    let psql = Command::new("psql").arg("--version").output().is_ok();
    if !prerequisite(psql, "psql is not installed (apt-get install postgresql-client)") {
        return;
    }
    // The old system's table, its hashes computed by PostgreSQL itself.
    let setup = "CREATE TABLE api_keys (name text, key_hash bytea, hint text, expires_at timestamptz, revoked_at timestamptz);
        INSERT INTO api_keys VALUES
          ('billing', sha256(convert_to('ok_billing_7c1e9a3f5b2d4e6a', 'UTF8')), 'e6a', '2031-05-01 12:00:00+00', NULL),
          ('reports', sha256(convert_to('ok_reports_0d8f6b4a2c9e1f3b', 'UTF8')), 'f3b', NULL, NULL),
          ('retired', sha256(convert_to('ok_retired_5a5a5a5a5a5a5a5a', 'UTF8')), '5a5a', NULL, now());";
    let made = Command::new("psql")
        .args([db_url.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", setup])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));

    let app = TestApp::spawn().await;
    let (admin, verifier) = legacy_user(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &app,
        &admin,
        "sha256-table",
        dir.path(),
        &[("DATABASE_URL", &db_url)],
    )
    .await;
    keyward_store::testing::drop_postgres_database(&admin_url, &db).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("2 read: 2 imported"), "{said}");
    for (key, want) in [
        ("ok_billing_7c1e9a3f5b2d4e6a", "VALID"),
        ("ok_reports_0d8f6b4a2c9e1f3b", "VALID"),
        ("ok_retired_5a5a5a5a5a5a5a5a", "MALFORMED"),
    ] {
        assert_eq!(app.code_of(&verifier, key).await, want, "{key}");
    }
    let listed = app.read("/v1/api-users/legacy/tokens", &admin).await;
    let billing = named(&listed, "billing");
    assert_eq!(billing["expires_at"], "2031-05-01T12:00:00Z", "{billing}");
    assert_eq!(billing["hint"], "…e6a", "{billing}");
    assert_eq!(billing["imported_from"], "old-api-keys", "{billing}");
}

/// A Django project's keys, made by djangorestframework-api-key itself, exported by the recipe
/// and verified unchanged.
#[tokio::test]
async fn djangorestframework_api_key_keys_verify_unchanged() {
    let missing = "django and djangorestframework-api-key are not installed \
                   (pip install django djangorestframework-api-key)";
    if !prerequisite(python_has("django, rest_framework_api_key"), missing) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manage.py"),
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n\
         from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("settings.py"),
        "SECRET_KEY = 'test-only'\nUSE_TZ = True\n\
         INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', 'rest_framework_api_key']\n\
         DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n",
    )
    .unwrap();
    let django = |code: &str| {
        let out = Command::new("python3")
            .args(["manage.py", "shell", "-v0", "-c", code])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let migrated = Command::new("python3")
        .args(["manage.py", "migrate", "-v0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{}", text(&migrated));
    // Two live keys (one with the same name twice), one revoked, one expired.
    let made = django(
        "from datetime import datetime, timezone\n\
         from rest_framework_api_key.models import APIKey\n\
         for name in ['billing', 'billing', 'old']:\n    print(APIKey.objects.create_key(name=name)[1])\n\
         print(APIKey.objects.create_key(name='revoked', revoked=True)[1])\n\
         print(APIKey.objects.create_key(name='expired', expiry_date=datetime(2020, 1, 1, tzinfo=timezone.utc))[1])\n",
    );
    let keys: Vec<&str> = made.lines().collect();
    assert_eq!(keys.len(), 5, "{made}");

    let app = TestApp::spawn().await;
    let (admin, verifier) = legacy_user(&app).await;
    let out = run(&app, &admin, "django-api-key", dir.path(), &[]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("4 read: 4 imported"), "{said}");
    for (key, want) in [
        (keys[0], "VALID"),
        (keys[1], "VALID"),
        (keys[2], "VALID"),
        (keys[3], "MALFORMED"),
        (keys[4], "EXPIRED"),
    ] {
        assert_eq!(app.code_of(&verifier, key).await, want, "{key}");
    }
    // The gateway endpoint finds them the same way.
    assert_eq!(app.forward_auth_status(keys[1]).await, 200);
    // After a restart the filter is loaded again from storage, and the keys still verify.
    let mut app = app;
    app.restart().await;
    assert_eq!(app.code_of(&verifier, keys[0]).await, "VALID");
}
