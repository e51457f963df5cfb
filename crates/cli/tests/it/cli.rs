//! The real `keyward` binary: storage commands and the API client against a served instance.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use ::reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, send};

pub const BIN: &str = env!("CARGO_BIN_EXE_keyward");

pub fn keyward(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("KEYWARD_TOKEN")
        .env_remove("KEYWARD_URL")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().expect("run keyward")
}

/// A command line's arguments: its words, split at white space (so for arguments without any).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// [`keyward`] from an async test, against `url` as the caller `token` (none: signed out).
/// Owns its arguments, so a closure can hand out the future.
pub fn keyward_as(url: &str, token: Option<&str>, args: &[&str]) -> impl Future<Output = Output> + use<> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let (url, token) = (url.to_owned(), token.map(str::to_owned));
    async move {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut env = vec![("KEYWARD_URL", url.as_str())];
            if let Some(t) = token.as_deref() {
                env.push(("KEYWARD_TOKEN", t));
            }
            keyward(&args, &env)
        })
        .await
        .unwrap()
    }
}

/// Runs a command with `input` on its standard input, and answers what it wrote and its status.
pub fn output_with_input(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts that a command succeeded; the failure message starts with `what`.
#[track_caller]
pub fn succeeded(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {}", text(o));
}

/// Asserts that a command failed and that what it printed says each of `words`; answers the
/// text.
#[track_caller]
pub fn fails_saying(o: &Output, words: &[&str]) -> String {
    let said = text(o);
    assert!(!o.status.success(), "succeeded: {said}");
    for w in words {
        assert!(said.contains(w), "no {w:?} in: {said}");
    }
    said
}

/// `keyward serve` as a child process on an ephemeral port.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub setup_link: Option<String>,
}

impl Served {
    pub fn start(data_dir: &Path, extra_env: &[(&str, &str)], stdout_copy: Option<&Path>) -> Self {
        let args = vec!["--data-dir".to_owned(), data_dir.display().to_string()];
        Self::start_with(&args, extra_env, stdout_copy)
    }

    /// `keyward serve --listen 127.0.0.1:0` plus `args`.
    pub fn start_with(args: &[String], extra_env: &[(&str, &str)], stdout_copy: Option<&Path>) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
        cmd.env_remove("RUST_LOG")
            .env_remove("KEYWARD_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        match stdout_copy {
            Some(p) => {
                cmd.stderr(std::fs::File::create(p.with_extension("stderr")).expect("stderr file"));
            }
            None => {
                cmd.stderr(Stdio::null());
            }
        }
        let mut child = cmd.spawn().expect("spawn keyward serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = None;
        let mut setup_link = None;
        let mut copy = stdout_copy.map(|p| std::fs::File::create(p).expect("stdout file"));
        // The setup link, when there is one, comes before the "listening" line.
        while url.is_none() {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(f) = copy.as_mut() {
                let _ = f.write_all(line.as_bytes());
            }
            let l = line.trim();
            if let Some(u) = l.strip_prefix("keyward listening on ") {
                url = Some(u.to_owned());
            } else if l.contains("/setup?token=") {
                setup_link = Some(l.to_owned());
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while lines.read_line(&mut sink).unwrap_or(0) > 0 {
                if let Some(f) = copy.as_mut() {
                    let _ = f.write_all(sink.as_bytes());
                }
                sink.clear();
            }
        });
        Self {
            child,
            url: url.expect("keyward printed its address"),
            setup_link,
        }
    }

    /// SIGKILL: the process dies where it stands.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait: the graceful path.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait keyward")
    }
}

pub(crate) fn init(dir: &Path) {
    init_at(&["--data-dir", dir.to_str().unwrap()]);
}

/// `keyward init` of organization Acme with super admin ada@acme.io, where `location` says
/// (`--data-dir …` or `--database-url …`).
pub(crate) fn init_at(location: &[&str]) {
    let mut args = vec!["init"];
    args.extend_from_slice(location);
    args.extend_from_slice(&["--org", "Acme", "--email", "ada@acme.io"]);
    let out = keyward(&args, &[("KEYWARD_INIT_PASSWORD", PASSWORD)]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Signs ada@acme.io in on a served instance and answers the session token.
pub(crate) async fn sign_in(http: &::reqwest::Client, url: &str) -> String {
    let login = json!({"email": "ada@acme.io", "password": PASSWORD});
    let v = send(http, url, Method::POST, "/v1/auth/login", None, Some(login))
        .await
        .expect(200);
    v["token"].as_str().expect("a session").to_owned()
}

#[test]
fn init_refuses_an_initialised_directory_and_org_create_adds_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    init(dir.path());
    let again = keyward(
        &["init", "--data-dir", d, "--org", "Other", "--email", "x@other.io"],
        &[("KEYWARD_INIT_PASSWORD", PASSWORD)],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already initialised"), "{}", text(&again));

    // org create reads the password from standard input.
    let mut create = Command::new(BIN);
    create
        .args([
            "org",
            "create",
            "--data-dir",
            d,
            "--org",
            "Globex",
            "--email",
            "hank@globex.io",
        ])
        .env_remove("KEYWARD_INIT_PASSWORD");
    let out = output_with_input(&mut create, &format!("{PASSWORD}\n"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Created organization Globex"));

    let dup = keyward(
        &[
            "org",
            "create",
            "--data-dir",
            d,
            "--org",
            "Dup",
            "--email",
            "hank@globex.io",
        ],
        &[("KEYWARD_INIT_PASSWORD", PASSWORD)],
    );
    // Emails are unique within an organization: the same person may own a second one.
    assert!(dup.status.success(), "{}", text(&dup));
    assert!(text(&dup).contains("Created organization Dup"), "{}", text(&dup));
    let weak = keyward(
        &[
            "org",
            "create",
            "--data-dir",
            d,
            "--org",
            "W",
            "--email",
            "w@w.io",
        ],
        &[("KEYWARD_INIT_PASSWORD", "short")],
    );
    fails_saying(&weak, &["at least 10"]);
}

#[tokio::test]
async fn audit_verify_finds_edited_and_removed_events() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_owned();
    init(dir.path());
    let create = [
        "org",
        "create",
        "--data-dir",
        &d,
        "--org",
        "Globex",
        "--email",
        "hank@globex.io",
    ];
    let org = keyward(&create, &[("KEYWARD_INIT_PASSWORD", PASSWORD)]);
    assert!(org.status.success());
    let ok = keyward(&["audit", "verify", "--data-dir", &d], &[]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact: 2 events"), "{}", text(&ok));

    let db = dir.path().join("keyward.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    // Each change breaks the chain at the event it names; undoing it mends the chain.
    // (change, undo, what verify names); an id re-spelled in upper case would hide the event
    // from its organization's trail while the parsed id hashes the same.
    #[rustfmt::skip]
    let changes = [
        ("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 1",
         Some("UPDATE audit_events SET actor_label = 'keyward cli' WHERE seq = 1"), &["event #1", "changed"][..]),
        ("UPDATE audit_events SET org_id = upper(org_id) WHERE seq = 2",
         Some("UPDATE audit_events SET org_id = lower(org_id) WHERE seq = 2"), &["event #2"]),
        ("DELETE FROM audit_events WHERE seq = 2", None, &["#2"]),
    ];
    let verify = || keyward(&["audit", "verify", "--data-dir", &d], &[]);
    for (change, undo, named) in changes {
        sqlx::query(change).execute(&pool).await.unwrap();
        let broken = verify();
        assert_eq!(broken.status.code(), Some(1), "{change}: {}", text(&broken));
        assert!(
            named.iter().all(|n| text(&broken).contains(n)),
            "{change}: {}",
            text(&broken)
        );
        if let Some(undo) = undo {
            sqlx::query(undo).execute(&pool).await.unwrap();
            assert!(verify().status.success(), "after {undo}");
        }
    }
    pool.close().await;
}

#[test]
fn the_cli_scripts_the_token_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let served = Served::start(dir.path(), &[], None);
    assert!(
        served.setup_link.is_none(),
        "an initialised directory prints no setup link"
    );
    let url = served.url.clone();
    let run = |line: &str, token: Option<&str>| {
        let args = words(line);
        let mut env = vec![("KEYWARD_URL", url.as_str()), ("KEYWARD_PASSWORD", PASSWORD)];
        if let Some(t) = token {
            env.push(("KEYWARD_TOKEN", t));
        }
        keyward(&args, &env)
    };
    let login = run("login --email ada@acme.io", None);
    assert!(login.status.success(), "{}", text(&login));
    let session = String::from_utf8(login.stdout).unwrap().trim().to_owned();
    let s = Some(session.as_str());

    let group = run(
        "group create crm --permissions contacts:read,contacts:write --json",
        s,
    );
    let group: serde_json::Value = serde_json::from_slice(&group.stdout).unwrap();
    let vgroup = run("group create verifiers --permissions keyward:verify --json", s);
    let vgroup: serde_json::Value = serde_json::from_slice(&vgroup.stdout).unwrap();
    let (group, vgroup) = (group["id"].as_str().unwrap(), vgroup["id"].as_str().unwrap());
    let created = run(
        &format!("api-user create crm-sync --group {group} --allowed-ips 10.0.0.0/8"),
        s,
    );
    assert!(created.status.success(), "{}", text(&created));
    assert!(text(&created).contains("crm-sync"));
    let platform = run(&format!("api-user create platform --group {vgroup}"), s);
    assert!(platform.status.success(), "{}", text(&platform));
    let bad_ip = run("api-user create bad --allowed-ips 10.0.0.300", s);
    assert_eq!(bad_ip.status.code(), Some(1));
    assert!(
        text(&bad_ip).contains("entry 1 is not an IP address"),
        "{}",
        text(&bad_ip)
    );

    let token = run(
        "token create --api-user crm-sync --name prod --expires-in-days 30",
        s,
    );
    assert!(token.status.success(), "{}", text(&token));
    let secret = String::from_utf8(token.stdout.clone()).unwrap().trim().to_owned();
    assert!(secret.starts_with("kw_live_"));
    assert!(String::from_utf8_lossy(&token.stderr).contains("will not be shown again"));
    let dup = run("token create --api-user crm-sync --name prod", s);
    assert_eq!(dup.status.code(), Some(1));
    assert!(text(&dup).contains("a token with this name already exists"));
    let verifier = run("token create --api-user platform --name v", s);
    let verifier = String::from_utf8(verifier.stdout).unwrap().trim().to_owned();

    let list = run("token list --api-user crm-sync", s);
    let list_text = text(&list);
    assert!(
        list_text.contains("HINT") && list_text.contains(&format!("kw_live_…{}", &secret[40..])),
        "{list_text}"
    );
    assert!(!list_text.contains(&secret));
    let users = run("api-user list", s);
    assert!(text(&users).contains("crm-sync") && text(&users).contains("platform"));
    assert!(run("api-user show crm-sync --json", s).status.success());

    let v = Some(verifier.as_str());
    let ok = run(
        &format!("verify {secret} --ip 10.1.2.3 --permissions contacts:read"),
        v,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).starts_with("VALID"));
    let denied = run(&format!("verify {secret} --ip 192.0.2.1"), v);
    assert_eq!(denied.status.code(), Some(3));
    assert!(text(&denied).contains("IP_NOT_ALLOWED"));

    assert!(run("api-user suspend crm-sync", s).status.success());
    assert_eq!(
        run(&format!("verify {secret} --ip 10.1.2.3"), v).status.code(),
        Some(3)
    );
    assert!(run("api-user resume crm-sync", s).status.success());
    let listed: serde_json::Value =
        serde_json::from_slice(&run("token list --api-user crm-sync --json", s).stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert!(run(&format!("token revoke {id}"), s).status.success());
    let revoked = run(&format!("verify {secret} --ip 10.1.2.3 --json"), v);
    assert_eq!(revoked.status.code(), Some(3));
    let revoked: serde_json::Value = serde_json::from_slice(&revoked.stdout).unwrap();
    assert_eq!(revoked["code"], "REVOKED");

    // Expiry presets, dates and "never"; anything else is refused before a request is made.
    for (name, expires, want) in [
        ("preset", "90", Some("90 days")),
        ("dated", "2027-03-31", Some("2027-03-31T00:00:00Z")),
        ("forever", "never", None),
    ] {
        let made = run(
            &format!("token create --api-user crm-sync --name {name} --expires {expires} --json"),
            s,
        );
        assert!(made.status.success(), "{}", text(&made));
        let v: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
        let at = |k: &str| {
            time::OffsetDateTime::parse(
                v[k].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        };
        match want {
            Some("90 days") => {
                let lifetime = at("expires_at") - at("created_at");
                assert!(
                    (lifetime - time::Duration::days(90)).abs() < time::Duration::SECOND,
                    "{v}"
                );
            }
            Some(w) => assert_eq!(v["expires_at"], w, "{v}"),
            None => assert!(v["expires_at"].is_null(), "{v}"),
        }
    }
    let odd = run("token create --api-user crm-sync --name odd --expires 45", s);
    assert_eq!(odd.status.code(), Some(2));
    assert!(text(&odd).contains("not a preset"), "{}", text(&odd));
    // Rotation prints the new secret once; the old token lives on for its grace period.
    let listed: serde_json::Value =
        serde_json::from_slice(&run("token list --api-user crm-sync --json", s).stdout).unwrap();
    let preset = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "preset")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rotated = run(&format!("token rotate {preset} --grace-period 600"), s);
    assert!(rotated.status.success(), "{}", text(&rotated));
    let new_secret = String::from_utf8(rotated.stdout.clone())
        .unwrap()
        .trim()
        .to_owned();
    assert!(new_secret.starts_with("kw_live_"), "{new_secret}");
    assert!(String::from_utf8_lossy(&rotated.stderr).contains("600 more second(s)"));

    let refused = run("token revoke-all --api-user platform", s);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).contains("--yes"));
    let all = run("token revoke-all --all --yes", s);
    assert!(
        all.status.success() && text(&all).contains("Revoked 5 token(s)"),
        "{}",
        text(&all)
    );
    assert!(!run("api-user delete crm-sync", s).status.success());
    assert!(run("api-user delete crm-sync --yes", s).status.success());
    let gone = run("api-user show crm-sync", s);
    assert_eq!(gone.status.code(), Some(1));
    assert!(text(&gone).contains("not found"));
    // Unreachable server: a clear error and a failing exit code.
    let down = keyward(
        &["api-user", "list"],
        &[("KEYWARD_URL", "http://127.0.0.1:9"), ("KEYWARD_TOKEN", "x")],
    );
    assert_eq!(down.status.code(), Some(1));
    assert!(text(&down).contains("cannot reach keyward"));
    assert!(served.stop().success());
}

#[test]
fn serve_prints_a_one_time_setup_link_on_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], None);
    let link = served.setup_link.clone().expect("setup link printed");
    assert!(
        link.starts_with(&format!("{}/setup?token=", served.url)),
        "{link}"
    );
    let http = reqwest::blocking_get(&link);
    assert!(http.contains("<form"), "{http}");
    let wrong = reqwest::blocking_get(&format!("{}/setup?token=guess", served.url));
    assert!(
        wrong.contains("does not work") && !wrong.contains("<form"),
        "a wrong link says so before the form: {wrong}"
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let form = [
        ("token", token.as_str()),
        ("org", "Acme"),
        ("name", "Ada"),
        ("email", "ada@acme.io"),
        ("password", PASSWORD),
    ];
    let (status, body) = reqwest::blocking_post_form(&format!("{}/setup", served.url), &form);
    assert_eq!(status, 201, "{body}");
    let (status, body) = reqwest::blocking_post_form(&format!("{}/setup", served.url), &form);
    assert_eq!(status, 410, "the link works once: {body}");
    assert!(body.contains("already used"));
    assert!(served.stop().success());
    let ok = keyward(
        &["audit", "verify", "--data-dir", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(ok.status.success(), "{}", text(&ok));
}

/// Minimal blocking HTTP for tests that run outside a runtime.
mod reqwest {
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }

    pub fn blocking_post_form(url: &str, form: &[(&str, &str)]) -> (u16, String) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let body = form
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.replace('%', "%25")
                            .replace(' ', "+")
                            .replace('@', "%40")
                            .replace('&', "%26")
                    )
                })
                .collect::<Vec<_>>()
                .join("&");
            let res = ::reqwest::Client::new()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // A failing test must not leave servers behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn dev_seed_loads_tokens_that_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out_file = dir.path().join("tokens.txt");
    let seeded = keyward(
        &[
            "dev",
            "seed",
            "--data-dir",
            data.to_str().unwrap(),
            "--tokens",
            "1500",
            "--sample",
            "3",
            "--out",
            out_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(text(&seeded).contains("seeded 1500 tokens"));
    let lines = std::fs::read_to_string(&out_file).unwrap();
    let get = |kind: &str| {
        lines
            .lines()
            .filter(|l| l.starts_with(&format!("{kind} ")))
            .map(|l| l[kind.len() + 1..].to_owned())
            .collect::<Vec<_>>()
    };
    let verifier = get("verifier").remove(0);
    assert_eq!(get("valid").len(), 3);
    let node = Served::start(&data, &[], None);
    let http = ::reqwest::Client::new();
    let code = |token: String| {
        let req = http
            .post(format!("{}/v1/verify", node.url))
            .bearer_auth(&verifier)
            .json(&serde_json::json!({"token": token}));
        async move {
            req.send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    for t in get("valid") {
        assert_eq!(code(t).await, "VALID");
    }
    assert_eq!(code(get("revoked").remove(0)).await, "REVOKED");
    assert!(node.stop().success());
}

#[test]
fn keyward_toml_is_read_after_flags_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keyward.toml"),
        "data_dir = \"from-file\"\ntoken_prefix = \"acme\"\n",
    )
    .unwrap();
    let run = |line: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path())
            .args(words(line))
            .env("KEYWARD_INIT_PASSWORD", PASSWORD)
            .env_remove("KEYWARD_DATA_DIR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).output().unwrap()
    };
    type Env<'a> = [(&'a str, &'a str)];
    let env = [("KEYWARD_DATA_DIR", "from-env")];
    #[rustfmt::skip]
    let precedence: [(&str, &Env, &str, &str); 3] = [
        ("init --org Acme --email ada@acme.io", &[], "from-file", "the file's data_dir is used"),
        ("init --org Acme --email ada@acme.io", &env, "from-env", "the environment beats the file"),
        ("init --data-dir from-flag --org Acme --email ada@acme.io", &env, "from-flag", "a flag beats both"),
    ];
    for (line, env, used, why) in precedence {
        let out = run(line, env);
        assert!(out.status.success(), "{}", text(&out));
        assert!(dir.path().join(used).join("keyward.db").exists(), "{why}");
    }
    // The file's token prefix reaches serve.
    let data = dir.path().join("from-file");
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .args(["dev", "seed", "--tokens", "3", "--sample", "1", "--out", "t.txt"])
        .env_remove("KEYWARD_DATA_DIR")
        .env_remove("KEYWARD_TOKEN_PREFIX")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        std::fs::read_to_string(dir.path().join("t.txt"))
            .unwrap()
            .contains(" acme_live_")
    );
    assert!(data.exists());
    std::fs::write(dir.path().join("keyward.toml"), "colour = \"red\"\n").unwrap();
    let out = run("audit verify", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown setting \"colour\""),
        "{}",
        text(&out)
    );
}
