//! Envoy's ext_authz over gRPC (issue 19), called by a tonic client built from Envoy's own
//! protos (`envoy-types`), against `--grpc-listen`.

use envoy_types::ext_authz::v3::pb::{CheckRequest, HttpResponse};
use envoy_types::pb::envoy::config::core::v3::{Address, SocketAddress, address};
use envoy_types::pb::envoy::service::auth::v3::AttributeContext;
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Peer, Request};
use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;

use keyward_server::ServerConfig;
use serde_json::{Value, json};

use crate::gateway::{contacts_api, identity};
use crate::helpers::*;

/// A check as Envoy sends it: the client's headers (lower-case), method and path, and the
/// client's address as Envoy saw it.
fn check(method: &str, path: &str, headers: &[(&str, &str)], source: &str) -> CheckRequest {
    let address = Address {
        address: Some(address::Address::SocketAddress(SocketAddress {
            address: source.into(),
            ..Default::default()
        })),
    };
    CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(Peer {
                address: Some(address),
                ..Default::default()
            }),
            request: Some(Request {
                http: Some(HttpRequest {
                    method: method.into(),
                    path: path.into(),
                    headers: headers.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// (gRPC status code, HTTP status, headers) of an answer.
fn read(
    r: envoy_types::ext_authz::v3::pb::CheckResponse,
) -> (i32, u16, std::collections::BTreeMap<String, String>, String) {
    let code = r.status.map(|s| s.code).unwrap_or(-1);
    let header_map = |hs: &[envoy_types::ext_authz::v3::pb::HeaderValueOption]| {
        hs.iter()
            .filter_map(|h| h.header.as_ref())
            .map(|h| (h.key.clone(), h.value.clone()))
            .collect()
    };
    match r.http_response {
        Some(HttpResponse::OkResponse(ok)) => (code, 200, header_map(&ok.headers), String::new()),
        Some(HttpResponse::DeniedResponse(d)) => (
            code,
            d.status.map(|s| s.code as u16).unwrap_or(0),
            header_map(&d.headers),
            d.body,
        ),
        _ => (code, 0, Default::default(), String::new()),
    }
}

#[tokio::test]
async fn envoys_grpc_check_takes_the_same_decision() {
    let mut config = ServerConfig::default();
    config.http.grpc_listen = Some("127.0.0.1:0".parse().unwrap());
    config.http.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let (app, admin, reader, writer) = contacts_api(config).await;
    let mut client = AuthorizationClient::connect(app.grpc.clone().expect("gRPC is on"))
        .await
        .unwrap();
    let r = format!("Bearer {reader}");
    let mut ask = async |method: &str, path: &str, headers: &[(&str, &str)], source: &str| {
        read(
            client
                .check(check(method, path, headers, source))
                .await
                .unwrap()
                .into_inner(),
        )
    };

    let (code, status, headers, _) =
        ask("GET", "/contacts/42?x=1", &[("authorization", &r)], "10.0.0.7").await;
    assert_eq!((code, status), (0, 200));
    assert_eq!(headers["x-keyward-api-user"], "reader");
    assert_eq!(headers["x-keyward-permissions"], "contacts:read");
    assert_eq!(headers["x-keyward-external-id"], "");
    for h in identity() {
        assert!(headers.contains_key(&h), "{h}");
    }
    let (code, status, headers, body) = ask("POST", "/contacts", &[("x-api-key", &reader)], "10.0.0.7").await;
    assert_eq!((code, status), (7, 403), "PERMISSION_DENIED, 403");
    assert_eq!(headers["x-keyward-code"], "INSUFFICIENT_PERMISSIONS");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "INSUFFICIENT_PERMISSIONS");
    let (code, status, headers, _) = ask(
        "GET",
        "/admin",
        &[("authorization", &format!("Bearer {writer}"))],
        "10.0.0.7",
    )
    .await;
    assert_eq!(
        (code, status, headers["x-keyward-code"].as_str()),
        (7, 403, "ROUTE_NOT_ALLOWED")
    );
    let (code, status, headers, _) = ask(
        "GET",
        "/contacts",
        &[("authorization", "Bearer nope")],
        "10.0.0.7",
    )
    .await;
    assert_eq!((code, status), (16, 401), "UNAUTHENTICATED, 401");
    assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");
    let (_, status, headers, _) = ask("GET", "/contacts", &[], "10.0.0.7").await;
    assert_eq!(
        (status, headers["x-keyward-code"].as_str()),
        (401, "MISSING_CREDENTIAL")
    );

    // Envoy is a trusted proxy here, so its `source` is the client's address.
    let group = app.create_group(&admin, "office", &["contacts:read"]).await;
    let user = app.api_user_in(&admin, "office", &group).await;
    let (id, office) = app
        .create_token(&admin, &user, json!({"name": "t", "allowed_ips": ["10.0.0.0/8"]}))
        .await;
    let o = format!("Bearer {office}");
    assert_eq!(
        ask("GET", "/contacts", &[("authorization", &o)], "10.0.0.7")
            .await
            .1,
        200
    );
    let (_, status, headers, _) = ask("GET", "/contacts", &[("authorization", &o)], "192.0.2.1").await;
    assert_eq!(
        (status, headers["x-keyward-code"].as_str()),
        (403, "IP_NOT_ALLOWED")
    );
    app.delete(&format!("/v1/tokens/{id}"), &admin).await.expect(204);
    let (_, status, headers, _) = ask("GET", "/contacts", &[("authorization", &o)], "10.0.0.7").await;
    assert_eq!((status, headers["x-keyward-code"].as_str()), (401, "REVOKED"));

    // Limits: the upstream gets the rate-limit headers; over the limit, 429 and RESOURCE_EXHAUSTED.
    let (_, limited) = app
        .create_token(
            &admin,
            &user,
            json!({"name": "limited", "credits": {"remaining": 9},
                   "ratelimits": [{"name": "requests", "limit": 1, "duration_ms": 60000}]}),
        )
        .await;
    let l = format!("Bearer {limited}");
    let (code, status, headers, _) = ask("GET", "/contacts", &[("authorization", &l)], "10.0.0.7").await;
    assert_eq!((code, status), (0, 200));
    assert_eq!(headers["ratelimit-policy"], "\"requests\";q=1;w=60");
    assert_eq!(headers["x-keyward-credits-remaining"], "8");
    let (code, status, headers, _) = ask("GET", "/contacts", &[("authorization", &l)], "10.0.0.7").await;
    assert_eq!((code, status), (8, 429), "RESOURCE_EXHAUSTED, 429");
    assert_eq!(headers["x-keyward-code"], "RATE_LIMITED");
    assert_eq!(headers["retry-after"], "61");
    assert_eq!(headers["ratelimit"], "\"requests\";r=0;t=61");
}
