//! A real keyward server per test: its own temporary SQLite database, an ephemeral port, a
//! clock the test controls, and helpers that read like a user's actions.

use std::sync::Arc;
use std::time::Duration;

use keyward_server::{Application, ManualClock, ServerConfig};
use keyward_service::organizations::{self, NewOrganization, Via};
use keyward_store::{DynStore, SqliteStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";
pub const START: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub store: DynStore,
    pub _dir: tempfile::TempDir,
    pub _setup_link: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// (admin URL, name) of a PostgreSQL database to drop afterwards.
    pg_database: Option<(String, String)>,
    config: ServerConfig,
    /// Envoy's ext_authz gRPC service, when the config asked for it.
    pub grpc: Option<String>,
}

/// An answer: status, headers and JSON body (`Null` when empty).
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The status and the body, for answers read as a pair.
    pub fn parts(self) -> (StatusCode, Value) {
        (self.status, self.body)
    }

    /// Reads a response whole.
    pub async fn of(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {}", self.text);
        self.body
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {}", self.text);
        assert_eq!(
            self.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        self.body
    }
}

/// A request and the answer it must get: (caller, method, path, body, status, problem code or
/// "" for the status alone). See [`Calls::answers`].
pub type Request<'a> = (&'a str, Method, String, Option<Value>, u16, &'a str);

/// Requests to a keyward, in a test's words: a `TestApp`, or a `keyward serve` child process
/// reached through a [`Remote`].
pub trait Calls {
    fn http(&self) -> &reqwest::Client;
    fn base_url(&self) -> &str;

    async fn call(&self, method: Method, path: &str, auth: Option<&str>, body: Option<Value>) -> Answer {
        send(self.http(), self.base_url(), method, path, auth, body).await
    }

    async fn get(&self, path: &str, auth: &str) -> Answer {
        self.call(Method::GET, path, Some(auth), None).await
    }

    /// A GET that must answer 200: its body.
    async fn read(&self, path: &str, auth: &str) -> Value {
        let answer = self.get(path, auth).await;
        assert_eq!(answer.status.as_u16(), 200, "GET {path}: {}", answer.text);
        answer.body
    }

    async fn post(&self, path: &str, auth: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(auth), Some(body)).await
    }

    async fn patch(&self, path: &str, auth: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(auth), Some(body)).await
    }

    async fn delete(&self, path: &str, auth: &str) -> Answer {
        self.call(Method::DELETE, path, Some(auth), None).await
    }

    /// A change to the organization's settings (`PATCH /v1/settings`).
    async fn change_settings(&self, auth: &str, change: Value) -> Answer {
        self.patch("/v1/settings", auth, change).await
    }

    /// Sends each request in turn, as its caller, and checks the answer: the status and, when
    /// one is given (not ""), the problem code. Answers the bodies, in order.
    async fn answers(&self, requests: Vec<Request<'_>>) -> Vec<Value> {
        let mut bodies = Vec::new();
        for (auth, method, path, body, status, code) in requests {
            let what = format!(
                "{method} {path} {}",
                body.as_ref().map(Value::to_string).unwrap_or_default()
            );
            let answer = self.call(method, &path, Some(auth), body).await;
            assert_eq!(answer.status.as_u16(), status, "{what}: {}", answer.text);
            bodies.push(if code.is_empty() {
                answer.body
            } else {
                answer.problem(status, code)
            });
        }
        bodies
    }

    /// A GET without credentials: `/openapi.json`, `/metrics`, `/.well-known/jwks.json`.
    async fn public(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, None).await
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let v = self
            .call(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await
            .expect(200);
        v["token"].as_str().expect("session").to_owned()
    }

    async fn add_member(&self, admin: &str, email: &str, role: &str) -> String {
        self.post(
            "/v1/members",
            admin,
            json!({"email": email, "name": role, "role": role, "password": PASSWORD}),
        )
        .await
        .expect(201);
        self.login(email, PASSWORD).await
    }

    async fn create_group(&self, auth: &str, name: &str, permissions: &[&str]) -> String {
        let v = self
            .post(
                "/v1/permission-groups",
                auth,
                json!({"name": name, "permissions": permissions}),
            )
            .await
            .expect(201);
        v["id"].as_str().unwrap().to_owned()
    }

    async fn create_integration(&self, auth: &str, name: &str, allowed_ips: &[&str]) -> String {
        let v = self
            .post(
                "/v1/integrations",
                auth,
                json!({"name": name, "type": "crm", "allowed_ips": allowed_ips}),
            )
            .await
            .expect(201);
        v["id"].as_str().unwrap().to_owned()
    }

    async fn create_api_user(&self, auth: &str, body: Value) -> String {
        let v = self.post("/v1/api-users", auth, body).await.expect(201);
        v["id"].as_str().unwrap().to_owned()
    }

    /// An API user holding a group, with everything else at its default; answers its id.
    async fn api_user_in(&self, auth: &str, username: &str, group: &str) -> String {
        let user = json!({"username": username, "permission_group_id": group});
        self.create_api_user(auth, user).await
    }

    /// The API user most tests start from: `crm-sync` in a group `crm` holding
    /// `contacts:read`. Answers (group id, API user id).
    async fn create_crm_sync(&self, auth: &str) -> (String, String) {
        let group = self.create_group(auth, "crm", &["contacts:read"]).await;
        let user = self.api_user_in(auth, "crm-sync", &group).await;
        (group, user)
    }

    /// Creates a token and answers (id, secret).
    async fn create_token(&self, auth: &str, api_user: &str, body: Value) -> (String, String) {
        let v = self
            .post(&format!("/v1/api-users/{api_user}/tokens"), auth, body)
            .await
            .expect(201);
        (
            v["id"].as_str().unwrap().to_owned(),
            v["token"].as_str().unwrap().to_owned(),
        )
    }

    /// The secret of a token "t" whose API user (`name`) is in a group (`name`) holding
    /// `permissions`.
    async fn token_holding(&self, admin: &str, name: &str, permissions: &[&str]) -> String {
        self.named_token_holding(admin, name, permissions, "t").await
    }

    async fn named_token_holding(
        &self,
        admin: &str,
        name: &str,
        permissions: &[&str],
        token: &str,
    ) -> String {
        let g = self.create_group(admin, name, permissions).await;
        let u = self
            .create_api_user(admin, json!({"username": name, "permission_group_id": g}))
            .await;
        self.create_token(admin, &u, json!({"name": token})).await.1
    }

    /// A token holding `keyward:verify` in the organization of `admin`.
    async fn verifier_token(&self, admin: &str) -> String {
        let name = format!("platform-{}", &Uuid::now_v7().simple().to_string()[20..]);
        self.named_token_holding(admin, &name, &["keyward:verify"], "verifier")
            .await
    }

    async fn verify(&self, verifier: &str, body: Value) -> Value {
        self.post("/v1/verify", verifier, body).await.expect(200)
    }

    /// A counter from `/metrics`.
    async fn metric(&self, name: &str) -> u64 {
        metric_in(&self.public("/metrics").await.text, name).unwrap_or_else(|| panic!("no metric {name}"))
    }

    /// The status `GET /v1/forward-auth` answers a gateway presenting `key` as `X-API-Key`.
    /// One forward-auth call: `path` after `/v1/forward-auth`, then headers.
    async fn forward_auth(&self, method: reqwest::Method, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self
            .http()
            .request(method, format!("{}/v1/forward-auth{path}", self.base_url()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Answer::of(req.send().await.unwrap()).await
    }

    async fn forward_auth_status(&self, key: &str) -> u16 {
        self.http()
            .get(format!("{}/v1/forward-auth", self.base_url()))
            .header("x-api-key", key)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// A dashboard page's HTML, signed in with the session `session`.
    async fn dashboard_html(&self, path: &str, session: &str) -> String {
        self.http()
            .get(format!("{}/dashboard/{path}", self.base_url()))
            .header("cookie", format!("kw_session={session}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn verify_code(&self, verifier: &str, body: Value) -> String {
        self.verify(verifier, body).await["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The code for a token presented with nothing else asked.
    async fn code_of(&self, verifier: &str, token: &str) -> String {
        self.verify_code(verifier, json!({ "token": token })).await
    }
}

impl Calls for TestApp {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn base_url(&self) -> &str {
        &self.url
    }
}

/// A keyward at a base URL, such as a `keyward serve` child process.
pub struct Remote {
    pub http: reqwest::Client,
    pub url: String,
}

impl Remote {
    pub fn new(url: &str) -> Self {
        Remote {
            http: reqwest::Client::new(),
            url: url.to_owned(),
        }
    }
}

impl Calls for Remote {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn base_url(&self) -> &str {
        &self.url
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(ServerConfig::default()).await
    }

    /// A server whose clock starts at the wall clock's second, for libraries that check `exp`
    /// or TOTP steps against the real time.
    pub async fn spawn_on_wall_clock() -> Self {
        #[allow(clippy::disallowed_methods)]
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("0 ns");
        Self::spawn_at(ServerConfig::default(), now).await
    }

    /// On SQLite, or on a fresh PostgreSQL database when `KEYWARD_TEST_DATABASE=postgres`.
    pub async fn spawn_with(config: ServerConfig) -> Self {
        Self::spawn_at(config, START).await
    }

    /// Like `spawn_with`, with the test's clock starting at `start`.
    pub async fn spawn_at(mut config: ServerConfig, start: OffsetDateTime) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut pg_database = None;
        let store: DynStore = if std::env::var("KEYWARD_TEST_DATABASE").is_ok_and(|v| v == "postgres") {
            let (admin, url, name) = keyward_store::testing::fresh_postgres_database()
                .await
                .expect("KEYWARD_TEST_DATABASE=postgres needs a reachable PostgreSQL");
            pg_database = Some((admin, name));
            Arc::new(
                keyward_store::PostgresStore::open(&url)
                    .await
                    .expect("open store"),
            )
        } else {
            Arc::new(SqliteStore::open_dir(dir.path()).await.expect("open store"))
        };
        let clock = Arc::new(ManualClock::new(start));
        let mut app = Self::spawn_on(dir, store, &mut config, clock).await;
        app.pg_database = pg_database;
        app
    }

    async fn spawn_on(
        dir: tempfile::TempDir,
        store: DynStore,
        config: &mut ServerConfig,
        clock: Arc<ManualClock>,
    ) -> Self {
        config.http.listen = "127.0.0.1:0".parse().unwrap();
        config.usage_flush_interval = std::time::Duration::from_millis(100);
        config.jobs.scheduler_interval = std::time::Duration::from_millis(100);
        config.jobs.outbox_interval = std::time::Duration::from_millis(100);
        let app = Application::build(config.clone(), store.clone(), clock.clone())
            .await
            .expect("build app");
        let url = format!("http://{}", app.local_addr());
        let grpc = app.grpc_addr().map(|a| format!("http://{a}"));
        let setup_link = app.setup_link().map(str::to_owned);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            url,
            http: reqwest::Client::new(),
            clock,
            store,
            _dir: dir,
            _setup_link: setup_link,
            shutdown: Some(tx),
            task: Some(task),
            pg_database: None,
            config: config.clone(),
            grpc,
        }
    }

    /// Every row of every table, as text, table by table in a stable order: compared before and
    /// after, it shows whether anything at all was written.
    pub async fn dump(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        use sqlx::{AssertSqlSafe, Connection};
        // The one text column of every row a query answers, on either connection type.
        macro_rules! texts {
            ($c:expr, $sql:expr) => {
                sqlx::query_scalar::<_, String>(AssertSqlSafe($sql))
                    .fetch_all(&mut $c)
                    .await
                    .unwrap()
            };
        }
        let mut out = std::collections::BTreeMap::new();
        if let Some((admin, name)) = &self.pg_database {
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
            let mut c = sqlx::PgConnection::connect(&format!("{base}/{name}"))
                .await
                .unwrap();
            let list = "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1";
            for t in texts!(c, list.to_owned()) {
                let rows = texts!(c, format!("SELECT t::text FROM \"{t}\" t ORDER BY 1"));
                out.insert(t, rows);
            }
            return out;
        }
        let file = self._dir.path().join(keyward_store::sqlite_db_file());
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", file.display()))
            .await
            .unwrap();
        let list =
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
        for t in texts!(c, list.to_owned()) {
            let cols = texts!(c, format!("SELECT name FROM pragma_table_info('{t}')"));
            let expr = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let rows = texts!(c, format!("SELECT {expr} FROM \"{t}\" ORDER BY 1"));
            out.insert(t, rows);
        }
        out
    }

    /// Stops the server and starts a new one on the same database and clock, as a restart
    /// of the process would (nothing in memory survives; the database does).
    pub async fn restart(&mut self) {
        self.stop().await;
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("tempdir"));
        let mut config = self.config.clone();
        let mut fresh = Self::spawn_on(dir, self.store.clone(), &mut config, self.clock.clone()).await;
        fresh.pg_database = self.pg_database.take();
        *self = fresh;
    }

    /// Stops the server gracefully (flushing usage) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task").expect("server result");
        }
    }

    /// A new server with one organization, Acme, and a session of its super admin (Ada).
    pub async fn acme() -> (Self, String) {
        let app = Self::spawn().await;
        let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
        (app, admin)
    }

    /// Creates an organization with its first super admin as `keyward init` does, and answers
    /// (org id, super admin session).
    pub async fn create_org(&self, name: &str, email: &str) -> (Uuid, String) {
        let now = self.clock.now_for_tests();
        let founding = NewOrganization {
            name: name.into(),
            owner_email: email.into(),
            owner_name: Some("Owner".into()),
            owner_password: PASSWORD.into(),
        };
        let (org, _) = organizations::create(&self.store, now, founding, Via::Cli)
            .await
            .expect("create org");
        (org.id, self.login(email, PASSWORD).await)
    }
}

/// One request to a keyward at `base`: a `TestApp`, or a `keyward serve` child process.
pub async fn send(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.bearer_auth(a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    Answer::of(req.send().await.expect("request")).await
}

/// Polls `done` every `every` until it holds; fails with `what` once `limit` has passed.
/// Answers how long it took.
pub async fn eventually(
    limit: Duration,
    every: Duration,
    what: &str,
    done: impl AsyncFn() -> bool,
) -> Duration {
    let start = std::time::Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "{what} (after {limit:?})");
        tokio::time::sleep(every).await;
    }
    start.elapsed()
}

/// Whether a test's prerequisite (a package, a service, a browser) is here. When it is not,
/// the test says so loudly and is skipped; under `CI=true` it fails instead: never a silent
/// pass.
#[track_caller]
pub fn prerequisite(present: bool, missing: &str) -> bool {
    if !present {
        assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "{missing}");
        eprintln!("SKIPPED: {missing}");
    }
    present
}

/// Whether Python 3 can import `modules` (`"httpx, attrs"`).
pub fn python_has(modules: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The item of a list (`items` of a page, or an array itself) whose `name` is `name`.
#[track_caller]
pub fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    let found = items_in(list).iter().find(|i| i["name"] == name);
    found.unwrap_or_else(|| panic!("no {name:?} in {list}"))
}

/// The ids of a list of records (`items` of a page, or an array itself).
pub fn ids_in(list: &Value) -> Vec<String> {
    strings_in(list, "id").into_iter().map(str::to_owned).collect()
}

/// The items of a list page (or a bare array).
pub fn items_in(list: &Value) -> &[Value] {
    list.get("items").unwrap_or(list).as_array().expect("a list")
}

/// One string field of every item of a list page (or a bare array), in order: the `name`s of
/// tokens, the `action`s of audit events.
pub fn strings_in<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    items_in(list)
        .iter()
        .map(|i| i[field].as_str().expect("a string"))
        .collect()
}

/// A counter or gauge from the text of `/metrics`.
pub fn metric_in(metrics: &str, name: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

pub trait ClockExt {
    fn now_for_tests(&self) -> OffsetDateTime;
}

impl ClockExt for ManualClock {
    fn now_for_tests(&self) -> OffsetDateTime {
        keyward_server::Clock::now(self)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, name)) = self.pg_database.take() {
            // Outside the test's runtime, which is shutting down.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Runtime::new() {
                    rt.block_on(keyward_store::testing::drop_postgres_database(&admin, &name));
                }
            })
            .join();
        }
    }
}
