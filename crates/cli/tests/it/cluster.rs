//! Several `keyward serve` processes on one PostgreSQL database behave as one service.

use std::time::Duration;

use reqwest::Method as M;
use serde_json::{Value, json};

use crate::cli::{Served, keyward, text};
use crate::helpers::{Calls, PASSWORD, Remote, eventually, ids_in, metric_in, send};

pub(crate) struct Cluster {
    db_url: String,
    admin_url: String,
    db_name: String,
    pub(crate) nodes: Vec<Option<Served>>,
    http: reqwest::Client,
    /// Every node's `serve` arguments.
    args: Vec<String>,
}

impl Cluster {
    pub(crate) async fn start(n: usize) -> Option<Self> {
        Self::start_args(n, &[]).await
    }

    /// Starts `n` nodes, each with these extra `serve` arguments.
    pub(crate) async fn start_args(n: usize, extra: &[String]) -> Option<Self> {
        let (admin_url, db_url, db_name) = keyward_store::testing::fresh_postgres_database().await?;
        crate::cli::init_at(&["--database-url", &db_url]);
        let mut args = vec!["--database-url".to_owned(), db_url.clone()];
        args.extend(extra.iter().cloned());
        let nodes = (0..n)
            .map(|_| Some(Served::start_with(&args, &[], None)))
            .collect();
        Some(Self {
            db_url,
            admin_url,
            db_name,
            nodes,
            http: reqwest::Client::new(),
            args,
        })
    }

    /// Starts one more node like the others; answers its index.
    fn add_node(&mut self) -> usize {
        self.nodes.push(Some(Served::start_with(&self.args, &[], None)));
        self.nodes.len() - 1
    }

    pub(crate) fn url(&self, node: usize) -> &str {
        &self.nodes[node].as_ref().expect("node running").url
    }

    pub(crate) async fn call(
        &self,
        node: usize,
        method: M,
        path: &str,
        auth: &str,
        body: Value,
    ) -> (u16, Value) {
        let a = send(&self.http, self.url(node), method, path, Some(auth), Some(body)).await;
        (a.status.as_u16(), a.body)
    }

    pub(crate) async fn get(&self, node: usize, path: &str, auth: &str) -> Value {
        let a = send(&self.http, self.url(node), M::GET, path, Some(auth), None).await;
        a.expect(200)
    }

    pub(crate) async fn post(&self, node: usize, path: &str, auth: &str, body: Value) -> Value {
        let (status, v) = self.call(node, M::POST, path, auth, body).await;
        assert!(status < 300, "POST {path} on node {node}: {status} {v}");
        v
    }

    pub(crate) async fn code(&self, node: usize, verifier: &str, token: &str) -> String {
        let v = self
            .post(node, "/v1/verify", verifier, json!({"token": token}))
            .await;
        v["code"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits until a node's verify cache is on or off, as its `/metrics` says.
    async fn until_cache(&self, node: usize, on: bool, limit: Duration) {
        let what = format!(
            "node {node} did not turn its cache {}",
            if on { "on" } else { "off" }
        );
        let want = u64::from(on);
        let cache = async || self.metric(node, "keyward_verify_cache_enabled").await == want;
        eventually(limit, Duration::from_millis(20), &what, cache).await;
    }

    /// Polls a node until it answers `want`; answers how long that took.
    async fn until(&self, node: usize, verifier: &str, token: &str, want: &str, limit: Duration) -> Duration {
        let what = format!("node {node} does not answer {want}");
        let every = Duration::from_millis(10);
        eventually(limit, every, &what, async || {
            self.code(node, verifier, token).await == want
        })
        .await
    }

    pub(crate) async fn metric(&self, node: usize, name: &str) -> u64 {
        let m = send(&self.http, self.url(node), M::GET, "/metrics", None, None).await;
        metric_in(&m.text, name).unwrap_or(0)
    }

    async fn pg(&self, sql: &str) {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.replace("{db}", &self.db_name)))
            .execute(&mut c)
            .await
            .unwrap();
    }

    pub(crate) async fn finish(mut self) {
        for n in self.nodes.iter_mut() {
            if let Some(s) = n.take() {
                s.stop();
            }
        }
        let audit = keyward(&["audit", "verify", "--database-url", &self.db_url], &[]);
        assert!(
            audit.status.success(),
            "the audit chain across nodes: {}",
            text(&audit)
        );
        keyward_store::testing::drop_postgres_database(&self.admin_url, &self.db_name).await;
    }

    /// A session, a verifier token and a token for an API user with a group.
    pub(crate) async fn setup(&self) -> (String, String, String, String, String) {
        let node = self.node(0);
        let s = crate::cli::sign_in(&self.http, self.url(0)).await;
        let vg = node.create_group(&s, "verifiers", &["keyward:verify"]).await;
        let g = node.create_group(&s, "crm", &["contacts:read"]).await;
        let platform = json!({"username": "platform", "permission_group_id": vg});
        let vu = node.create_api_user(&s, platform).await;
        let crm_sync = json!({"username": "crm-sync", "permission_group_id": g});
        let u = node.create_api_user(&s, crm_sync).await;
        let (_, v) = node.create_token(&s, &vu, json!({"name": "v"})).await;
        let (tid, t) = node.create_token(&s, &u, json!({"name": "t"})).await;
        (s, v, t, tid, u)
    }

    /// Every node answers VALID for `token`, twice: the second answer is from its cache.
    pub(crate) async fn valid_and_cached_everywhere(&self, verifier: &str, token: &str) {
        for node in 0..self.nodes.len() {
            assert_eq!(self.code(node, verifier, token).await, "VALID");
            let again = self.code(node, verifier, token).await;
            assert_eq!(again, "VALID", "now cached on node {node}");
        }
    }

    /// Node `node`, to call through the tests' request helpers.
    pub(crate) fn node(&self, node: usize) -> Remote {
        Remote {
            http: self.http.clone(),
            url: self.url(node).to_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_one_node_reach_the_others_within_a_second() {
    let Some(c) = Cluster::start(3).await else { return };
    let (s, v, t, tid, uid) = c.setup().await;
    c.valid_and_cached_everywhere(&v, &t).await;
    // A change made on one node, and the code the other nodes answer within a second; the
    // node that made it answers so at once.
    let (user, token) = (format!("/v1/api-users/{uid}"), format!("/v1/tokens/{tid}"));
    #[rustfmt::skip]
    let changes = [
        (0, M::POST, format!("{user}/suspend"), json!({}), 200, "SUSPENDED"),
        (2, M::POST, format!("{user}/resume"), json!({}), 200, "VALID"),
        (1, M::PATCH, token.clone(), json!({"allowed_ips": ["192.0.2.0/24"]}), 200, "IP_NOT_ALLOWED"),
        (0, M::DELETE, token, json!({}), 204, "REVOKED"),
    ];
    for (at, method, path, body, status, code) in changes {
        let body = (method != M::DELETE).then_some(body);
        let answer = c.node(at).call(method.clone(), &path, Some(&s), body).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        assert_eq!(
            c.code(at, &v, &t).await,
            code,
            "the very next request on node {at}"
        );
        for node in (0..3).filter(|n| *n != at) {
            let took = c.until(node, &v, &t, code, Duration::from_secs(1)).await;
            eprintln!("{method} {path} reached node {node} in {took:?}");
        }
    }
    assert!(c.metric(1, "keyward_invalidations_received_total").await >= 3);
    c.finish().await;
}

/// A route added, changed or removed on one node governs the gateway on every node within a
/// second: the compiled tables are dropped by an announcement, not left to expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_changes_reach_every_nodes_gateway_within_a_second() {
    let Some(c) = Cluster::start(3).await else { return };
    let (s, _, t, _, _) = c.setup().await;
    let bearer = format!("Bearer {t}");
    let gateway = async |node: usize, path: &'static str| {
        let asked = [
            ("authorization", bearer.as_str()),
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", path),
        ];
        let a = c.node(node).forward_auth(M::GET, "", &asked).await;
        let code = a
            .headers
            .get("x-keyward-code")
            .map(|v| v.to_str().unwrap().to_owned());
        (a.status.as_u16(), code.unwrap_or_else(|| "ALLOWED".into()))
    };
    let until = |node: usize, path: &'static str, want: (u16, &'static str)| {
        let gateway = &gateway;
        async move {
            let what = format!("node {node} does not answer {want:?}");
            let got = async || {
                let (status, code) = gateway(node, path).await;
                (status, code.as_str()) == want
            };
            eventually(Duration::from_secs(1), Duration::from_millis(10), &what, got).await
        }
    };
    // No routes: every node checks the token only (and caches the empty table).
    for node in 0..3 {
        assert_eq!(gateway(node, "/contacts/1").await, (200, "ALLOWED".into()));
    }
    let route = c
        .post(
            0,
            "/v1/routes",
            &s,
            json!({"method": "GET", "path": "/contacts/{id}", "permissions": ["contacts:write"]}),
        )
        .await;
    let id = route["id"].as_str().unwrap().to_owned();
    for node in 0..3 {
        let took = until(node, "/contacts/1", (403, "INSUFFICIENT_PERMISSIONS")).await;
        eprintln!("the new route reached node {node} in {took:?}");
        assert_eq!(gateway(node, "/orders").await, (403, "ROUTE_NOT_ALLOWED".into()));
    }
    c.node(1)
        .patch(
            &format!("/v1/routes/{id}"),
            &s,
            json!({"permissions": ["contacts:read"]}),
        )
        .await
        .expect(200);
    for node in [0, 2] {
        until(node, "/contacts/1", (200, "ALLOWED")).await;
    }
    c.node(2)
        .delete(&format!("/v1/routes/{id}"), &s)
        .await
        .expect(204);
    for node in [0, 1] {
        until(node, "/orders", (200, "ALLOWED")).await;
    }
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_notification_connection_never_leaves_a_stale_valid() {
    let Some(c) = Cluster::start(2).await else { return };
    let (s, v, t, tid, _) = c.setup().await;
    c.valid_and_cached_everywhere(&v, &t).await;
    // Cut every LISTEN connection to this database, then revoke while they are down.
    c.pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND query ILIKE 'LISTEN%'").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.node(0)
        .delete(&format!("/v1/tokens/{tid}"), &s)
        .await
        .expect(204);
    assert_eq!(
        c.code(1, &v, &t).await,
        "REVOKED",
        "node 1 missed the announcement but must not serve a stale VALID"
    );
    assert!(c.metric(1, "keyward_invalidation_listener_losses_total").await >= 1);
    // It listens again and turns its cache back on.
    c.until_cache(1, true, Duration::from_secs(5)).await;
    // And hears announcements again.
    let users = c.get(0, "/v1/api-users?search=crm", &s).await;
    let uid = users["items"][0]["id"].as_str().unwrap();
    let (t2_id, t2) = c.node(0).create_token(&s, uid, json!({"name": "t2"})).await;
    assert_eq!(c.code(1, &v, &t2).await, "VALID");
    c.post(0, &format!("/v1/tokens/{t2_id}/suspend"), &s, json!({}))
        .await;
    c.until(1, &v, &t2, "SUSPENDED", Duration::from_secs(1)).await;
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_loses_nothing_acknowledged_and_readiness_follows_the_database() {
    let Some(mut c) = Cluster::start(3).await else {
        return;
    };
    let (s, v, t, _, uid) = c.setup().await;
    // Writes and verifies on all nodes; node 1 dies in the middle.
    let mut acknowledged = Vec::new();
    for i in 0..30 {
        if i == 10 {
            c.nodes[1].take().unwrap().kill();
        }
        for node in [0, 2] {
            let name = format!("n{node}-{i}");
            let (status, body) = c
                .call(
                    node,
                    M::POST,
                    &format!("/v1/api-users/{uid}/tokens"),
                    &s,
                    json!({"name": name}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            acknowledged.push(body["id"].as_str().unwrap().to_owned());
            assert_eq!(c.code(node, &v, &t).await, "VALID");
        }
        if i < 10 {
            assert_eq!(c.code(1, &v, &t).await, "VALID");
        }
    }
    let listed = c
        .get(2, &format!("/v1/api-users/{uid}/tokens?limit=200"), &s)
        .await;
    let ids = ids_in(&listed["items"]);
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged token {id} is missing");
    }

    // Readiness: the database refuses connections, then accepts them again.
    let ready = |node: usize| {
        let url = format!("{}/readyz", c.url(node));
        let http = c.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    // Waits until node 0's readyz answers `status`.
    let readiness = async |status: u16, what: &str| {
        let (limit, every) = (Duration::from_secs(10), Duration::from_millis(100));
        eventually(limit, every, what, async || ready(0).await == status).await
    };
    assert_eq!(ready(0).await, 200);
    c.pg("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS false").await;
    c.pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")
        .await;
    readiness(503, "readyz kept answering 200 without a database").await;
    // The node notices it may miss announcements (within about a second) and stops answering
    // from its cache; without the database that is a clear 503, never a 500.
    c.until_cache(0, false, Duration::from_secs(3)).await;
    for (method, path, auth, body) in [
        (M::POST, "/v1/verify", &v, json!({"token": t})),
        (M::GET, "/v1/api-users", &s, json!({})),
    ] {
        let (status, body) = c.call(0, method, path, auth, body).await;
        assert_eq!(
            (status, &body["code"]),
            (503, &json!("storage_unavailable")),
            "{path}: {body}"
        );
    }
    c.pg("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true").await;
    readiness(200, "readyz did not recover").await;
    assert_eq!(c.code(0, &v, &t).await, "VALID");
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_moves_a_sqlite_deployment_to_postgres() {
    let Some((admin_url, db_url, db_name)) = keyward_store::testing::fresh_postgres_database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_owned();
    crate::cli::init_at(&["--data-dir", &d]);
    // Some real data: a token made through the API of a SQLite node.
    let node = Served::start(dir.path(), &[], None);
    let http = reqwest::Client::new();
    let s = crate::cli::sign_in(&http, &node.url).await;
    let post = |path: &str, body: Value| {
        let (http, url, s, path) = (&http, &node.url, &s, path.to_owned());
        async move {
            send(http, url, M::POST, &path, Some(s), Some(body))
                .await
                .expect(201)
        }
    };
    let g = post(
        "/v1/permission-groups",
        json!({"name": "v", "permissions": ["keyward:verify"]}),
    )
    .await;
    let u = post(
        "/v1/api-users",
        json!({"username": "platform", "permission_group_id": g["id"]}),
    )
    .await;
    let t = post(
        &format!("/v1/api-users/{}/tokens", u["id"].as_str().unwrap()),
        json!({"name": "v"}),
    )
    .await;
    let token = t["token"].as_str().unwrap().to_owned();
    assert!(node.stop().success());

    let copy = keyward(&["copy", "--from", &d, "--to", &db_url], &[]);
    assert!(copy.status.success(), "{}", text(&copy));
    assert!(text(&copy).contains("audit chain verifies"));
    let again = keyward(&["copy", "--from", &d, "--to", &db_url], &[]);
    assert!(
        !again.status.success(),
        "copying into a non-empty database is refused"
    );
    // Nodes may be told not to migrate; the schema is already current.
    let migrate = keyward(&["migrate", "--database-url", &db_url], &[]);
    assert!(migrate.status.success(), "{}", text(&migrate));
    let pg_node = Served::start_with(
        &["--database-url".into(), db_url.clone(), "--no-migrate".into()],
        &[],
        None,
    );
    let verify = json!({"token": token});
    let v = send(
        &http,
        &pg_node.url,
        M::POST,
        "/v1/verify",
        Some(&token),
        Some(verify),
    )
    .await
    .body;
    assert_eq!(v["code"], "VALID", "the copied token works on PostgreSQL");
    assert!(pg_node.stop().success());
    let audit = keyward(&["audit", "verify", "--database-url", &db_url], &[]);
    assert!(audit.status.success(), "{}", text(&audit));
    keyward_store::testing::drop_postgres_database(&admin_url, &db_name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_work_runs_once_per_event_across_nodes_and_survives_a_dying_node() {
    let sink = crate::sinks::SmtpSink::start().await;
    let extra: Vec<String> = [
        "--smtp-url",
        &sink.url(),
        "--scheduler-interval-ms",
        "50",
        "--outbox-interval-ms",
        "50",
        "--outbox-lease-seconds",
        "2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let Some(mut c) = Cluster::start_args(3, &extra).await else {
        return;
    };
    let (s, _verifier, _token, _token_id, user) = c.setup().await;
    c.call(
        0,
        M::PATCH,
        "/v1/settings",
        &s,
        json!({"insights": {"never_used_days": 3650, "unused_days": 3650}}),
    )
    .await;
    // Two creation alerts so far (the setup's two tokens), each sent once by one of three nodes.
    sink.expect_exactly(2).await;

    // Twenty tokens whose 7-day reminder falls due in a few seconds, created across the nodes;
    // all three nodes scan every 50 ms.
    #[allow(clippy::disallowed_methods)] // these nodes run on the wall clock
    let now = time::OffsetDateTime::now_utc();
    let at = (now + time::Duration::days(7) + time::Duration::seconds(6))
        .replace_nanosecond(0)
        .unwrap();
    let at = at.format(&time::format_description::well_known::Rfc3339).unwrap();
    for i in 0..20 {
        c.post(
            i % 3,
            &format!("/v1/api-users/{user}/tokens"),
            &s,
            json!({"name": format!("r{i}"), "expires_at": at}),
        )
        .await;
    }
    let mails = sink.expect_exactly(2 + 20 + 20).await;
    let reminders: std::collections::BTreeSet<String> = mails
        .iter()
        .map(|m| m.subject())
        .filter(|s| s.ends_with("expires in 7 days"))
        .collect();
    assert_eq!(reminders.len(), 20, "one reminder per token, none twice");

    // A node dies while delivering: the message stays claimed until its lease ends, then another
    // node delivers it. At least once, never lost.
    for n in [1, 2] {
        c.nodes[n].take().unwrap().stop();
    }
    sink.stall_next(1);
    c.post(
        0,
        &format!("/v1/api-users/{user}/tokens"),
        &s,
        json!({"name": "late"}),
    )
    .await;
    eventually(
        Duration::from_secs(20),
        Duration::from_millis(20),
        "the alert was not sent",
        async || sink.stalled() != 0,
    )
    .await;
    c.nodes[0].take().unwrap().kill();
    let survivor = c.add_node();
    let mails = sink.expect_exactly(2 + 20 + 20 + 1).await;
    assert!(mails.last().unwrap().body().contains("Token name:   late"));
    // The survivor shows it delivered, on its second attempt.
    let (status, outbox) = c
        .call(
            survivor,
            M::GET,
            "/v1/outbox?status=delivered&limit=200",
            &s,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    let late = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains("Token name:   late"))
        .expect("delivered");
    assert_eq!(late["attempts"], 2);
    c.finish().await;
}

impl Cluster {
    /// `POST /oauth2/token` with client credentials by HTTP Basic; answers the status.
    async fn client_login(&self, node: usize, client: &str, secret: &str) -> (u16, Option<String>) {
        let grant = [("grant_type", "client_credentials")];
        let basic = Some((client, secret));
        let a = crate::oauth::form(&self.node(node), "/oauth2/token", basic, None, &grant).await;
        let retry = a
            .headers
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (a.status.as_u16(), retry)
    }

    async fn member_login(&self, node: usize, password: &str) -> u16 {
        let login = json!({"email": "ada@acme.io", "password": password});
        let a = send(
            &self.http,
            self.url(node),
            M::POST,
            "/v1/auth/login",
            None,
            Some(login),
        )
        .await;
        a.status.as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_limits_and_unlocks_hold_across_nodes() {
    let Some(c) = Cluster::start(3).await else { return };
    let (s, _, _, _, uid) = c.setup().await;
    let secret = "a long client secret for crm-sync";
    let (status, v) = c
        .call(
            1,
            M::PATCH,
            &format!("/v1/api-users/{uid}"),
            &s,
            json!({"auth_method": "password"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = c
        .call(
            1,
            M::PUT,
            &format!("/v1/api-users/{uid}/password"),
            &s,
            json!({"password": secret}),
        )
        .await;
    assert!(status < 300, "{status} {v}");
    assert_eq!(c.client_login(2, &uid.to_string(), secret).await.0, 200);

    // Five wrong secrets spread over three nodes lock the client on every node, even with the
    // right secret: each node counts what the others saw.
    for i in 0..5 {
        assert_eq!(
            c.client_login(i % 3, &uid.to_string(), "wrong secret").await.0,
            401
        );
    }
    for node in 0..3 {
        let (status, retry) = c.client_login(node, &uid.to_string(), secret).await;
        assert_eq!(status, 429, "node {node}");
        let retry: u64 = retry.unwrap().parse().unwrap();
        assert!((899..=900).contains(&retry), "Retry-After {retry}");
    }
    // An administrator's unlock on one node lifts it on the others.
    c.node(0)
        .post(&format!("/v1/api-users/{uid}/unlock"), &s, json!({}))
        .await
        .expect(204);
    assert_eq!(c.client_login(1, &uid.to_string(), secret).await.0, 200);
    assert_eq!(c.client_login(2, &uid.to_string(), secret).await.0, 200);

    // The same for people signing in.
    for i in 0..5 {
        assert_eq!(c.member_login(i % 3, "not the password").await, 401);
    }
    assert_eq!(c.member_login(2, PASSWORD).await, 429);
    assert_eq!(c.member_login(0, PASSWORD).await, 429);
    c.finish().await;
}
