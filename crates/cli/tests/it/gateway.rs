//! The route catalog and `/v1/forward-auth` (issue 19), over HTTP: each gateway's request
//! shape (Traefik, Caddy, APISIX, nginx, Envoy) against the endpoint itself. The real nginx and
//! Caddy in front of it are in `gateways_real`.

use keyward_server::ServerConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::oauth::{CLIENT_SECRET, as_client, client_token, oauth_client};

/// docs/GATEWAYS.md, which gateways are configured from.
pub const GATEWAYS_DOC: &str = include_str!("../../../../docs/GATEWAYS.md");

/// The headers an allow always carries, as docs/GATEWAYS.md's table lists them: the answers
/// are held to the documentation gateways are configured from, not to a copy of the code's list.
pub fn identity() -> Vec<String> {
    let documented: Vec<String> = GATEWAYS_DOC
        .lines()
        .filter_map(|l| l.trim().strip_prefix("| `X-Keyward-"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("x-keyward-{name}").to_lowercase())
        .collect();
    assert_eq!(
        documented.len(),
        6,
        "docs/GATEWAYS.md lists six identity headers: {documented:?}"
    );
    documented
}

/// A Traefik-shaped call (GET, the original in `X-Forwarded-*`).
async fn traefik(app: &TestApp, token: &str, method: &str, uri: &str) -> Answer {
    let bearer = format!("Bearer {token}");
    app.forward_auth(
        Method::GET,
        "",
        &[
            ("authorization", &bearer),
            ("x-forwarded-method", method),
            ("x-forwarded-uri", uri),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "api.acme.io"),
        ],
    )
    .await
}

#[track_caller]
fn allowed(a: &Answer) {
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert!(a.text.is_empty(), "an allow has no body: {}", a.text);
    for h in identity() {
        assert!(a.headers.contains_key(&h), "{h} missing");
    }
}

#[track_caller]
fn refused(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.text);
    assert_eq!(a.headers["x-keyward-code"], code, "{}", a.text);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    assert_eq!(a.body["code"], code);
    assert_eq!(
        a.headers.contains_key("www-authenticate"),
        status == 401,
        "WWW-Authenticate on 401 only"
    );
    for h in identity() {
        assert!(!a.headers.contains_key(&h), "{h} on a refusal");
    }
}

/// A forward-auth call: its method, the path after `/v1/forward-auth`, its headers, and the
/// refusal it must get (`None`: an allow).
type Ask<'a> = (Method, &'a str, Vec<(&'a str, &'a str)>, Option<(u16, &'a str)>);

/// An allow, or the refusal given.
#[track_caller]
fn answered(a: &Answer, refusal: Option<(u16, &str)>) {
    match refusal {
        None => allowed(a),
        Some((status, code)) => refused(a, status, code),
    }
}

fn header<'a>(a: &'a Answer, name: &str) -> &'a str {
    a.headers[name].to_str().unwrap()
}

/// Acme with a reader (contacts:read) and a writer (contacts:read, contacts:write), and the
/// routes of a small contacts API. Answers (app, admin, reader, writer).
pub async fn contacts_api(config: ServerConfig) -> (TestApp, String, String, String) {
    let app = TestApp::spawn_with(config).await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let reader = app.token_holding(&admin, "reader", &["contacts:read"]).await;
    let writer = app
        .token_holding(&admin, "writer", &["contacts:read", "contacts:write"])
        .await;
    for (method, path, perms) in [
        ("GET", "/contacts", vec!["contacts:read"]),
        ("GET", "/contacts/{id}", vec!["contacts:read"]),
        ("POST", "/contacts", vec!["contacts:write"]),
        ("*", "/contacts/{id}/notes/*", vec!["contacts:write"]),
        ("GET", "/health", vec![]),
    ] {
        app.post(
            "/v1/routes",
            &admin,
            json!({"method": method, "path": path, "permissions": perms}),
        )
        .await
        .expect(201);
    }
    (app, admin, reader, writer)
}

#[tokio::test]
async fn the_route_catalog_is_managed_checked_and_audited() {
    let (app, admin) = TestApp::acme().await;
    let integ = app.create_integration(&admin, "crm", &[]).await;
    let created = app
        .post(
            "/v1/routes",
            &admin,
            json!({"method": "get", "path": "/contacts/{id}", "permissions": ["contacts:read"],
                   "integration_id": integ, "description": "One contact"}),
        )
        .await
        .expect(201);
    assert_eq!(created["method"], "GET", "methods are stored upper-case");
    assert_eq!(created["path"], "/contacts/{id}");
    assert_eq!(created["integration_id"], integ.as_str());
    let id = created["id"].as_str().unwrap().to_owned();

    // The same method and shape under another parameter name is the same route; invalid
    // fields are named.
    let taken = app.post(
        "/v1/routes",
        &admin,
        json!({"method": "GET", "path": "/contacts/{key}"}),
    );
    taken.await.problem(409, "route_taken");
    #[rustfmt::skip]
    let invalid = [
        (json!({"method": "GET", "path": "contacts"}), "path"),
        (json!({"method": "GET", "path": "/a/*/b"}), "path"),
        (json!({"method": "GET", "path": "/a/{1}"}), "path"),
        (json!({"method": "GE T", "path": "/a"}), "method"),
        (json!({"method": "GET", "path": "/a", "permissions": ["a:*"]}), "permissions"),
        (json!({"method": "GET", "path": "/a", "permissions": ["bad perm"]}), "permissions"),
        (json!({"method": "GET", "path": "/a", "integration_id": uuid::Uuid::now_v7()}), "integration_id"),
    ];
    for (body, field) in invalid {
        let p = app.post("/v1/routes", &admin, body.clone()).await;
        assert_eq!(p.problem(422, "validation_failed")["field"], field, "{body}");
    }
    let unknown = app.post(
        "/v1/routes",
        &admin,
        json!({"method": "GET", "path": "/a", "colour": 1}),
    );
    unknown.await.problem(422, "invalid_body");

    let patched = app
        .patch(
            &format!("/v1/routes/{id}"),
            &admin,
            json!({"permissions": ["contacts:read", "contacts:export"], "integration_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(
        patched["permissions"],
        json!(["contacts:export", "contacts:read"])
    );
    assert_eq!(patched["integration_id"], Value::Null);
    let listed = app.read("/v1/routes", &admin).await;
    assert_eq!(ids_in(&listed), vec![id.clone()]);
    app.read(&format!("/v1/routes/{id}"), &admin).await;

    // Another organization sees none of it.
    let (_, other) = app.create_org("Globex", "hank@globex.io").await;
    app.get(&format!("/v1/routes/{id}"), &other)
        .await
        .problem(404, "not_found");
    app.delete(&format!("/v1/routes/{id}"), &other)
        .await
        .problem(404, "not_found");

    // An integration a route uses cannot go.
    let used = app
        .post(
            "/v1/routes",
            &admin,
            json!({"method": "*", "path": "/crm/*", "integration_id": integ}),
        )
        .await
        .expect(201);
    app.delete(&format!("/v1/integrations/{integ}"), &admin)
        .await
        .problem(409, "integration_in_use");
    app.delete(&format!("/v1/routes/{}", used["id"].as_str().unwrap()), &admin)
        .await
        .expect(204);
    app.delete(&format!("/v1/routes/{id}"), &admin).await.expect(204);
    app.get(&format!("/v1/routes/{id}"), &admin)
        .await
        .problem(404, "not_found");

    let audit = app.read("/v1/audit-events?limit=200", &admin).await;
    let actions: Vec<&str> = strings_in(&audit, "action")
        .into_iter()
        .filter(|a| a.starts_with("route."))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "route.create").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"route.update") && actions.contains(&"route.delete"));
}

#[tokio::test]
async fn without_routes_the_gateway_checks_the_token_only() {
    let app = TestApp::spawn().await;
    let (org, admin) = app.create_org("Acme", "ada@acme.io").await;
    let (_, user) = app.create_crm_sync(&admin).await;
    let (token_id, token) = app.create_token(&admin, &user, json!({"name": "prod"})).await;
    let a = traefik(&app, &token, "DELETE", "/anything/at/all?x=1").await;
    allowed(&a);
    assert_eq!(header(&a, "x-keyward-org-id"), org.to_string());
    assert_eq!(header(&a, "x-keyward-api-user"), "crm-sync");
    assert_eq!(header(&a, "x-keyward-api-user-id"), user);
    assert_eq!(header(&a, "x-keyward-token-id"), token_id);
    assert_eq!(header(&a, "x-keyward-permissions"), "contacts:read");
    assert_eq!(header(&a, "x-keyward-external-id"), "", "empty, yet present");
    assert!(!a.text.contains(&token) && !format!("{:?}", a.headers).contains(&token));

    // The credential: X-API-Key works as Bearer does; none, or garbage, is 401.
    allowed(
        &app.forward_auth(Method::GET, "/x", &[("x-api-key", &token)])
            .await,
    );
    refused(
        &app.forward_auth(Method::GET, "/x", &[]).await,
        401,
        "MISSING_CREDENTIAL",
    );
    let garbage = app
        .forward_auth(Method::GET, "/x", &[("authorization", "Bearer nonsense")])
        .await;
    refused(&garbage, 401, "MALFORMED");
    assert_eq!(
        garbage.headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let unknown = app.token_holding(&admin, "gone", &["contacts:read"]).await;
    let mut made_up = unknown.clone();
    made_up.replace_range(made_up.len() - 12..made_up.len() - 6, "AAAAAA");
    let a = traefik(&app, &made_up, "GET", "/").await;
    assert!(matches!(a.status.as_u16(), 401), "{}", a.text);

    // The gateway may require more; it never loosens anything.
    let bearer = format!("Bearer {token}");
    for (required, refusal) in [
        (
            "contacts:read, contacts:write",
            Some((403, "INSUFFICIENT_PERMISSIONS")),
        ),
        ("contacts:read", None),
    ] {
        let headers = [
            ("authorization", bearer.as_str()),
            ("x-keyward-permissions-required", required),
        ];
        answered(&app.forward_auth(Method::GET, "/x", &headers).await, refusal);
    }
}

#[tokio::test]
async fn routes_decide_each_gateways_request_shape() {
    let (app, admin, reader, writer) = contacts_api(ServerConfig::default()).await;
    // Traefik, Caddy, APISIX: the original in X-Forwarded-Method / X-Forwarded-Uri.
    // (token, method, URI, refusal or None for an allow)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<(u16, &'a str)>);
    #[rustfmt::skip]
    let cases: [Case<'_>; 10] = [
        (&reader, "GET", "/contacts/42?fields=name", None),
        (&reader, "GET", "/contacts", None),
        (&writer, "POST", "/contacts", None),
        (&writer, "PUT", "/contacts/42/notes/7", None),
        (&reader, "GET", "/health", None),
        (&reader, "POST", "/contacts", Some((403, "INSUFFICIENT_PERMISSIONS"))),
        (&reader, "DELETE", "/contacts/42", Some((403, "ROUTE_NOT_ALLOWED"))),
        (&writer, "GET", "/admin", Some((403, "ROUTE_NOT_ALLOWED"))),
        (&writer, "GET", "/health/../admin", Some((403, "ROUTE_NOT_ALLOWED"))),
        (&writer, "GET", "/contacts/%2e%2e/admin", Some((403, "ROUTE_NOT_ALLOWED"))),
    ];
    for (token, method, uri, refusal) in cases {
        answered(&traefik(&app, token, method, uri).await, refusal);
    }
    let (r, w) = (format!("Bearer {reader}"), format!("Bearer {writer}"));
    let insufficient = Some((403, "INSUFFICIENT_PERMISSIONS"));
    // (the method of the call, the path after /v1/forward-auth, headers, refusal or None)
    #[rustfmt::skip]
    let asks: [Ask<'_>; 7] = [
        // APISIX sends only what `request_headers` lists, with its own method (GET by default).
        (Method::GET, "", vec![("authorization", &r), ("x-forwarded-method", "GET"), ("x-forwarded-uri", "/contacts/7")], None),
        // nginx, as docs/GATEWAYS.md configures it: X-Original-Method / X-Original-URI.
        (Method::GET, "", vec![("authorization", &r), ("x-original-method", "GET"), ("x-original-uri", "/contacts/9?x=1")], None),
        (Method::GET, "", vec![("authorization", &r), ("x-original-method", "POST"), ("x-original-uri", "/contacts")], insufficient),
        // Envoy's HTTP mode: its own method, the original path appended, the query kept.
        (Method::GET, "/contacts/42?x=1", vec![("authorization", &r)], None),
        (Method::POST, "/contacts", vec![("authorization", &r)], insufficient),
        (Method::POST, "/contacts", vec![("authorization", &w)], None),
        (Method::HEAD, "/contacts/1/notes", vec![("authorization", &w)], None),
    ];
    for (method, path, headers, refusal) in asks {
        answered(&app.forward_auth(method, path, &headers).await, refusal);
    }

    // A change to the catalog applies to the very next request.
    let routes = app.read("/v1/routes", &admin).await;
    let health = items_in(&routes).iter().find(|r| r["path"] == "/health").unwrap();
    let route = format!("/v1/routes/{}", health["id"].as_str().unwrap());
    app.patch(&route, &admin, json!({"permissions": ["ops:read"]}))
        .await
        .expect(200);
    answered(&traefik(&app, &reader, "GET", "/health").await, insufficient);
    app.delete(&route, &admin).await.expect(204);
    refused(
        &traefik(&app, &reader, "GET", "/health").await,
        403,
        "ROUTE_NOT_ALLOWED",
    );
}

#[tokio::test]
async fn token_state_address_and_integration_refuse_at_the_gateway() {
    let mut config = ServerConfig::default();
    config.http.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    let (app, admin, _, _) = contacts_api(config).await;
    let group = app.create_group(&admin, "crm", &["contacts:read"]).await;
    let integ = app.create_integration(&admin, "crm", &[]).await;
    let user = app
        .create_api_user(
            &admin,
            json!({"username": "crm-sync", "permission_group_id": group, "integration_ids": [integ]}),
        )
        .await;
    let inside = json!({"name": "prod", "allowed_ips": ["10.0.0.0/8"]});
    let (id, token) = app.create_token(&admin, &user, inside).await;
    let bearer = format!("Bearer {token}");
    // A GET of `path` from the client at `ip`, as the gateway forwards it (in `header`).
    let get = |path: &'static str, header: &'static str, ip: &'static str| {
        let (app, bearer) = (&app, bearer.clone());
        async move {
            app.forward_auth(Method::GET, path, &[("authorization", &bearer), (header, ip)])
                .await
        }
    };
    let from = |ip: &'static str| get("/contacts/1", "x-forwarded-for", ip);
    // The gateway is a trusted proxy here: the client's address is the one it forwards.
    allowed(&from("10.1.2.3").await);
    refused(&from("192.0.2.7").await, 403, "IP_NOT_ALLOWED");
    allowed(&get("/contacts/1", "x-real-ip", "10.9.9.9").await);

    // Suspended, resumed, revoked: each applies to the very next request.
    for (change, refusal) in [("suspend", Some((401, "SUSPENDED"))), ("resume", None)] {
        let path = format!("/v1/tokens/{id}/{change}");
        app.post(&path, &admin, json!({})).await.expect(200);
        answered(&from("10.1.2.3").await, refusal);
    }
    // Routes through integrations: the API user may go through `crm` only, so a route through
    // another is refused, and `crm`'s state applies.
    let other = app.create_integration(&admin, "billing", &[]).await;
    for (path, through) in [("/crm/*", &integ), ("/billing/*", &other)] {
        let route = json!({"method": "GET", "path": path, "integration_id": through});
        app.post("/v1/routes", &admin, route).await.expect(201);
    }
    let via = |path: &'static str| get(path, "x-forwarded-for", "10.0.0.1");
    allowed(&via("/crm/x").await);
    refused(&via("/billing/x").await, 403, "INTEGRATION_NOT_ALLOWED");
    let integration = format!("/v1/integrations/{integ}");
    for (status, refusal) in [("inactive", Some((401, "SUSPENDED"))), ("active", None)] {
        let change = json!({"status": status});
        app.patch(&integration, &admin, change).await.expect(200);
        answered(&via("/crm/x").await, refusal);
    }

    app.delete(&format!("/v1/tokens/{id}"), &admin).await.expect(204);
    refused(&from("10.1.2.3").await, 401, "REVOKED");
    refused(
        &get("/no/such/route", "x-forwarded-for", "10.1.2.3").await,
        401,
        "REVOKED",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_passes_the_gateway_as_its_api_user() {
    let (app, admin, _, _) = contacts_api(ServerConfig::default()).await;
    let (_, user) = oauth_client(&app, &admin, json!({})).await;
    let (status, got) = client_token(&app, &user, "contacts:read").await;
    assert_eq!(status, 200, "{got}");
    let jwt = got["access_token"].as_str().unwrap().to_owned();
    let a = traefik(&app, &jwt, "GET", "/contacts/1").await;
    allowed(&a);
    assert_eq!(header(&a, "x-keyward-api-user"), "crm-sync");
    assert_eq!(
        header(&a, "x-keyward-permissions"),
        "contacts:read",
        "the token's scope"
    );
    refused(
        &traefik(&app, &jwt, "POST", "/contacts").await,
        403,
        "INSUFFICIENT_PERMISSIONS",
    );
    refused(
        &traefik(&app, &jwt, "GET", "/nowhere").await,
        403,
        "ROUTE_NOT_ALLOWED",
    );
    let (status, _) = as_client(&app, "/oauth2/revoke", (&user, CLIENT_SECRET), &[("token", &jwt)]).await;
    assert_eq!(status, 200);
    refused(&traefik(&app, &jwt, "GET", "/contacts/1").await, 401, "REVOKED");
}

/// `keyward route add|list|remove`, against a running keyward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_manages_routes() {
    let (app, admin) = TestApp::acme().await;
    let integ = app.create_integration(&admin, "crm", &[]).await;
    let run = |line: &str| crate::cli::keyward_as(&app.url, Some(&admin), &crate::cli::words(line));
    let added = run("route add get /contacts/{id} --permission contacts:read --integration crm").await;
    assert!(added.status.success(), "{}", crate::cli::text(&added));
    let out = crate::cli::text(&added);
    assert!(
        out.contains("/contacts/{id}") && out.contains("GET") && out.contains(&integ),
        "{out}"
    );
    // `--permissions`, as every other command spells it, is the same flag.
    let more = run("route add POST /contacts --permissions contacts:write,contacts:read").await;
    assert!(more.status.success(), "{}", crate::cli::text(&more));

    let dup = run("route add GET /contacts/{key}").await;
    crate::cli::fails_saying(&dup, &["route_taken"]);
    let bad = run("route add GET /a/*/b").await;
    crate::cli::fails_saying(&bad, &["* may only end a path"]);
    let unknown = run("route add GET /b --integration nope").await;
    crate::cli::fails_saying(&unknown, &["no integration named nope"]);

    let listed = crate::cli::text(&run("route list").await);
    assert!(
        listed.contains("/contacts/{id}") && listed.contains("contacts:read,contacts:write"),
        "{listed}"
    );
    let removed = run("route remove GET /contacts/{id}").await;
    assert!(removed.status.success(), "{}", crate::cli::text(&removed));
    let rest = app.read("/v1/routes", &admin).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    let id: &'static str = Box::leak(
        rest["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
            .into_boxed_str(),
    );
    assert!(run(&format!("route remove {id}")).await.status.success());
    assert_eq!(app.read("/v1/routes", &admin).await["items"], json!([]));
}
