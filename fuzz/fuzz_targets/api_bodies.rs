//! Every JSON body the API accepts, through the real routes, extractors, validation and store
//! (SQLite in a temporary directory), as a super admin: whatever the bytes, the answer is never
//! a 5xx and nothing panics. The first byte picks the operation; the rest is the body.
#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use keyward_server::{Application, HttpSettings, ServerConfig, SystemClock};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Api {
    rt: tokio::runtime::Runtime,
    router: Router,
    session: String,
    verifier: String,
    /// (method, path) of every operation that takes a body, with this organization's ids.
    ops: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

async fn send(router: &Router, method: &str, path: &str, auth: Option<&str>, ctype: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "fuzz.local")
        .header(header::ORIGIN, "http://fuzz.local")
        .header(header::CONTENT_TYPE, ctype);
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, format!("Bearer {a}"));
    }
    let mut req = req.body(Body::from(body)).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, bytes.to_vec())
}

async fn json(router: &Router, method: &str, path: &str, auth: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, bytes) = send(router, method, path, Some(auth), "application/json", body.to_string().into_bytes()).await;
    assert!(status.is_success(), "{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
}

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (router, session, verifier, ops) = rt.block_on(async {
            let store = Arc::new(keyward_store::SqliteStore::open_dir(dir.path()).await.unwrap());
            let config = ServerConfig {
                http: HttpSettings {
                    listen: "127.0.0.1:0".parse().unwrap(),
                    ..HttpSettings::default()
                },
                ..ServerConfig::default()
            };
            let app = Application::build(config, store, Arc::new(SystemClock)).await.unwrap();
            let link = app.setup_link().unwrap().to_owned();
            let router = app.into_router();
            let token = link.split("token=").nth(1).unwrap();
            let form = format!("token={token}&org=Acme&name=Ada&email=ada%40acme.io&password=fuzzing+password+1");
            let (status, _) = send(&router, "POST", "/setup", None, "application/x-www-form-urlencoded", form.into_bytes()).await;
            assert_eq!(status, StatusCode::CREATED);
            let (_, login) = send(&router, "POST", "/v1/auth/login", None, "application/json",
                br#"{"email":"ada@acme.io","password":"fuzzing password 1"}"#.to_vec()).await;
            let login: serde_json::Value = serde_json::from_slice(&login).unwrap();
            let s = login["token"].as_str().unwrap().to_owned();
            let g = json(&router, "POST", "/v1/permission-groups", &s,
                serde_json::json!({"name": "crm", "permissions": ["keyward:verify", "contacts:read"]})).await;
            let i = json(&router, "POST", "/v1/integrations", &s, serde_json::json!({"name": "salesforce"})).await;
            let u = json(&router, "POST", "/v1/api-users", &s,
                serde_json::json!({"username": "crm-sync", "permission_group_id": g["id"]})).await;
            let uid = u["id"].as_str().unwrap().to_owned();
            let t = json(&router, "POST", &format!("/v1/api-users/{uid}/tokens"), &s, serde_json::json!({"name": "v"})).await;
            let w = json(&router, "POST", "/v1/webhooks", &s, serde_json::json!({"url": "https://hooks.acme.io/k"})).await;
            let me = json(&router, "GET", "/v1/me", &s, serde_json::Value::Null).await;
            let (gid, iid, tid, wid, mid) = (
                g["id"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
                w["id"].as_str().unwrap().to_owned(),
                me["member"]["id"].as_str().unwrap().to_owned(),
            );
            let ops: Vec<(&'static str, String)> = vec![
                ("POST", "/v1/verify".into()),
                ("POST", "/v1/auth/login".into()),
                ("POST", "/v1/api-users".into()),
                ("PATCH", format!("/v1/api-users/{uid}")),
                ("PUT", format!("/v1/api-users/{uid}/password")),
                ("POST", format!("/v1/api-users/{uid}/tokens")),
                ("POST", format!("/v1/api-users/{uid}/totp/confirm")),
                ("POST", "/v1/integrations".into()),
                ("PATCH", format!("/v1/integrations/{iid}")),
                ("POST", "/v1/permission-groups".into()),
                ("PATCH", format!("/v1/permission-groups/{gid}")),
                ("POST", "/v1/members".into()),
                ("PATCH", format!("/v1/members/{mid}")),
                ("PATCH", "/v1/settings".into()),
                ("PATCH", format!("/v1/tokens/{tid}")),
                ("POST", format!("/v1/tokens/{tid}/rotate")),
                ("POST", "/v1/webhooks".into()),
                ("PATCH", format!("/v1/webhooks/{wid}")),
                ("POST", "/v1/me/totp/confirm".into()),
                ("DELETE", "/v1/me/totp".into()),
                ("POST", "/oauth2/token".into()),
                ("POST", "/oauth2/introspect".into()),
            ];
            (router, s, t["token"].as_str().unwrap().to_owned(), ops)
        });
        Api { rt, router, session, verifier, ops, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let api = api();
    let (method, path) = &api.ops[pick as usize % api.ops.len()];
    // Verify and introspection are called with the verifier token, the rest as the super admin.
    let auth = if path == "/v1/verify" || path == "/oauth2/introspect" { &api.verifier } else { &api.session };
    let ctype = if path.starts_with("/oauth2/") { "application/x-www-form-urlencoded" } else { "application/json" };
    let (status, bytes) = api.rt.block_on(send(&api.router, method, path, Some(auth), ctype, body.to_vec()));
    assert!(
        !status.is_server_error(),
        "{method} {path} answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
});
