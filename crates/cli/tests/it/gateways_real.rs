//! Real nginx (`auth_request`) and Caddy (`forward_auth`) in front of an upstream that echoes the
//! headers it receives, configured with the blocks of docs/GATEWAYS.md as written there (only the
//! addresses replaced). Without the gateway on the machine a test says so and skips; under
//! `CI=true` it fails.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use keyward_server::ServerConfig;
use serde_json::{Value, json};

use crate::gateway::{GATEWAYS_DOC, contacts_api, identity};
use crate::helpers::*;

/// The first fenced block of `lang` in docs/GATEWAYS.md.
fn doc_block(lang: &str) -> String {
    let fence = format!("```{lang}\n");
    let start = GATEWAYS_DOC.find(&fence).expect("the block is in the doc") + fence.len();
    let len = GATEWAYS_DOC[start..].find("```").expect("the block ends");
    GATEWAYS_DOC[start..start + len].to_owned()
}

/// A configuration block of the doc with its addresses replaced: the gateway's own
/// (`listen` as written → as wanted), keyward's (127.0.0.1:8080) and the upstream's (:3000).
fn doc_config(lang: &str, listen: (&str, &str), keyward: &str, upstream: &str) -> String {
    doc_block(lang)
        .replace(listen.0, listen.1)
        .replace("127.0.0.1:8080", keyward)
        .replace("127.0.0.1:3000", upstream)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The path of a gateway's binary, or `None` (having said so) when it is missing outside CI.
fn installed(binary: &str, package: &str) -> Option<String> {
    let found = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
        .iter()
        .map(|d| format!("{d}/{binary}"))
        .find(|p| std::path::Path::new(p).exists());
    let missing = format!("no {binary} (apt-get install {package}): the real-gateway test NOT run");
    prerequisite(found.is_some(), &missing);
    found
}

/// An upstream that answers every request with what it received: method, URI and headers.
async fn echo_upstream() -> String {
    use axum::http::{HeaderMap, Method, Uri};
    let app = axum::Router::new().fallback(|method: Method, uri: Uri, headers: HeaderMap| async move {
        let headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        axum::Json(json!({"method": method.as_str(), "uri": uri.to_string(), "headers": headers}))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A gateway process, killed when dropped.
struct Gateway {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // SIGTERM, so that nginx's master stops its workers too (SIGKILL would orphan them).
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Runs `command` (quiet on stdout) and waits until the gateway answers on `port`.
    async fn launch(mut command: Command, dir: tempfile::TempDir, port: u16) -> Self {
        let child = command.stdout(Stdio::null()).spawn().unwrap();
        let gateway = Gateway {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        for _ in 0..100 {
            if reqwest::get(&gateway.url).await.is_ok() {
                return gateway;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the gateway at {} did not start", gateway.url);
    }
}

fn keyward_addr(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

/// What a gateway needs to start: its binary (when installed), a directory and a free port.
fn prepare(binary: &str, package: &str) -> Option<(String, tempfile::TempDir, u16)> {
    Some((
        installed(binary, package)?,
        tempfile::tempdir().unwrap(),
        free_port(),
    ))
}

/// Writes a configuration file into the gateway's directory; answers its path.
fn write_config(dir: &tempfile::TempDir, name: &str, conf: String) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, conf).unwrap();
    path
}

async fn nginx(keyward: &str, upstream: &str) -> Option<Gateway> {
    let (binary, dir, port) = prepare("nginx", "nginx-light")?;
    let listen = format!("listen 127.0.0.1:{port};");
    let server = doc_config("nginx", ("listen 8000;", &listen), keyward, upstream);
    let d = dir.path().display();
    // Scaffolding for an unprivileged nginx in a temporary directory around the doc's block.
    let conf = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         {server}\n}}\n"
    );
    let path = write_config(&dir, "nginx.conf", conf);
    let mut command = Command::new(binary);
    command.arg("-p").arg(dir.path()).arg("-c").arg(&path);
    Some(Gateway::launch(command, dir, port).await)
}

async fn caddy(keyward: &str, upstream: &str) -> Option<Gateway> {
    let (binary, dir, port) = prepare("caddy", "caddy")?;
    let listen = format!("http://127.0.0.1:{port} {{");
    let site = doc_config("caddyfile", (":8000 {", &listen), keyward, upstream);
    let conf = format!("{{\n\tauto_https off\n\tadmin off\n}}\n\n{site}");
    let path = write_config(&dir, "Caddyfile", conf);
    let mut command = Command::new(binary);
    command
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&path)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stderr(Stdio::null());
    Some(Gateway::launch(command, dir, port).await)
}

async fn through(gateway: &Gateway, method: reqwest::Method, path: &str, headers: &[(&str, &str)]) -> Answer {
    let client = reqwest::Client::new();
    let mut req = client.request(method, format!("{}{path}", gateway.url));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    Answer::of(req.send().await.unwrap()).await
}

/// A request through a gateway: method, path, headers, the status and the refusal's code ("" for
/// none checked).
type Through<'a> = (reqwest::Method, &'a str, Vec<(&'a str, &'a str)>, u16, &'a str);

/// What every real gateway must do, whichever it is: `start` runs it in front of keyward and an
/// echoing upstream (`None` where it is not installed, said loudly by `installed`).
async fn the_gateway_enforces_the_catalog(start: impl AsyncFnOnce(&str, &str) -> Option<Gateway>) {
    use reqwest::Method;
    let (app, admin, reader, writer) = contacts_api(behind_a_proxy()).await;
    let upstream = echo_upstream().await;
    let Some(gateway) = start(&keyward_addr(&app), &upstream).await else {
        return;
    };
    let (gateway, app, admin, reader, writer) =
        (&gateway, &app, admin.as_str(), reader.as_str(), writer.as_str());
    let name = &gateway.url;
    let bearer = |t: &str| format!("Bearer {t}");
    let (r, w) = (bearer(reader), bearer(writer));

    // The reader reads, and the upstream learns who it is, whatever the client claimed.
    let a = through(
        gateway,
        Method::GET,
        "/contacts/42?fields=name",
        &[
            ("authorization", &r),
            ("x-keyward-api-user", "admin"),
            ("x-keyward-permissions", "contacts:write,billing:admin"),
            ("x-keyward-org-id", "forged"),
        ],
    )
    .await;
    let echoed = a.expect(200);
    assert_eq!(echoed["uri"], "/contacts/42?fields=name", "{name}");
    let seen = &echoed["headers"];
    assert_eq!(seen["x-keyward-api-user"], "reader", "{name}: {seen}");
    assert_eq!(seen["x-keyward-permissions"], "contacts:read", "{name}: {seen}");
    assert_ne!(seen["x-keyward-org-id"], "forged", "{name}: {seen}");
    assert!(
        seen["x-keyward-token-id"].as_str().is_some_and(|v| v.len() == 36),
        "{name}: {seen}"
    );
    for h in identity() {
        assert!(
            !seen[h.as_str()].to_string().contains(reader),
            "{name}: the secret never reaches the upstream"
        );
    }
    // An address restriction applies to the client, which cannot claim another address.
    let group = app.create_group(admin, "office", &["contacts:read"]).await;
    let user = app.api_user_in(admin, "office", &group).await;
    let office = json!({"name": "t", "allowed_ips": ["10.0.0.0/8"]});
    let o = bearer(&app.create_token(admin, &user, office).await.1);
    // (method, path, headers, status, the refusal's code when one is given)
    #[rustfmt::skip]
    let cases: [Through<'_>; 7] = [
        // The writer writes; the reader may not.
        (Method::POST, "/contacts", vec![("authorization", &w)], 200, ""),
        (Method::POST, "/contacts", vec![("authorization", &r)], 403, "INSUFFICIENT_PERMISSIONS"),
        // Missing, garbage: 401 with WWW-Authenticate.
        (Method::GET, "/contacts", vec![], 401, ""),
        (Method::GET, "/contacts", vec![("authorization", "Bearer garbage")], 401, ""),
        // A route no one listed, and a client that tries to choose what is checked (it cannot
        // rename its request).
        (Method::GET, "/admin", vec![("authorization", &w)], 403, "ROUTE_NOT_ALLOWED"),
        (Method::GET, "/admin", vec![("authorization", &w), ("x-forwarded-uri", "/health"),
            ("x-forwarded-method", "GET"), ("x-original-uri", "/health")], 403, ""),
        (Method::GET, "/contacts", vec![("authorization", &o), ("x-forwarded-for", "10.1.2.3"),
            ("x-real-ip", "10.1.2.3")], 403, "IP_NOT_ALLOWED"),
    ];
    for (method, path, headers, status, code) in cases {
        let a = through(gateway, method.clone(), path, &headers).await;
        assert_eq!(
            a.status, status,
            "{name}: {method} {path} {headers:?}: {}",
            a.text
        );
        if !code.is_empty() {
            assert_eq!(a.headers["x-keyward-code"], code, "{name}: {method} {path}");
        }
        if status == 401 {
            assert_eq!(
                a.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
                "{name}"
            );
        }
    }

    // Over a rate limit: Caddy passes keyward's 429 on; nginx, configured as the doc says,
    // gets it as a 403, and either way the client learns why.
    let (_, limited) = app
        .create_token(
            admin,
            &user,
            json!({"name": "limited", "ratelimits": [{"name": "requests", "limit": 1, "duration_ms": 60000}]}),
        )
        .await;
    let l = [("authorization", bearer(&limited))];
    let l: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        through(gateway, Method::GET, "/contacts", &l).await.status,
        200,
        "{name}"
    );
    let a = through(gateway, Method::GET, "/contacts", &l).await;
    assert!(
        matches!(a.status.as_u16(), 429 | 403),
        "{name}: {} {}",
        a.status,
        a.text
    );
    assert_eq!(a.headers["x-keyward-code"], "RATE_LIMITED", "{name}");
    if a.status == 429 {
        assert_eq!(a.headers["retry-after"], "61", "{name}");
    }

    // Suspended, then revoked: refused on the very next request.
    let (id, fresh) = app
        .create_token(
            admin,
            &user_of(app, admin, "reader").await,
            json!({"name": format!("n{}", uuid::Uuid::now_v7().simple())}),
        )
        .await;
    let fb = bearer(&fresh);
    let seen = async || {
        let a = through(gateway, Method::GET, "/contacts", &[("authorization", &fb)]).await;
        let code = a
            .headers
            .get("x-keyward-code")
            .map(|v| v.to_str().unwrap().to_owned());
        (a.status.as_u16(), code.unwrap_or_default())
    };
    let (allowed, refused) = (|| (200, String::new()), |code: &str| (401, code.to_owned()));
    assert_eq!(seen().await, allowed(), "{name}");
    let token = format!("/v1/tokens/{id}");
    app.post(&format!("{token}/suspend"), admin, json!({}))
        .await
        .expect(200);
    assert_eq!(seen().await, refused("SUSPENDED"), "{name}");
    app.post(&format!("{token}/resume"), admin, json!({}))
        .await
        .expect(200);
    assert_eq!(seen().await, allowed(), "{name}");
    app.delete(&token, admin).await.expect(204);
    assert_eq!(seen().await, refused("REVOKED"), "{name}");
}

async fn user_of(app: &TestApp, admin: &str, username: &str) -> String {
    let v: Value = app.read(&format!("/v1/api-users/{username}"), admin).await;
    v["id"].as_str().unwrap().to_owned()
}

fn behind_a_proxy() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.http.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_auth_request_enforces_the_catalog() {
    the_gateway_enforces_the_catalog(nginx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caddy_forward_auth_enforces_the_catalog() {
    the_gateway_enforces_the_catalog(caddy).await;
}
