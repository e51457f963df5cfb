//! `/v1/forward-auth`: a gateway (nginx `auth_request`, Caddy `forward_auth`, Traefik
//! `forwardAuth`, APISIX `forward-auth`, Envoy `ext_authz` over HTTP) asks whether a request
//! may pass. Allowed: `200`, no body, the caller's identity in `X-Keyward-*` headers for the
//! upstream. Refused: `401` (the credential) or `403` (address, integration, permission,
//! route), with `X-Keyward-Code` and a small problem+json body. The decision is the service's;
//! this module reads the request as each gateway shapes it and writes the answer.
//!
//! Like verify, it is served straight from the connection ([`serve_fast`]); the router's route
//! ([`forward_auth`]) serves the in-process router.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use keyward_core::VerifyCode;
use keyward_service::verify::answer::message;
use keyward_service::verify::gateway::{GatewayCode, GatewayIdentity, GatewayRequest};

use crate::app::AppState;
use crate::auth::{ClientIp, client_ip, presented_credential};
use crate::error::ApiError;

/// The path the endpoint answers under; Envoy's HTTP mode appends the original path to it.
pub const FORWARD_AUTH_PATH: &str = "/v1/forward-auth";

/// Permissions a gateway may require in `X-Keyward-Permissions-Required`.
const MAX_REQUIRED: usize = 32;

pub const IDENTITY_HEADERS: [&str; 6] = [
    "x-keyward-org-id",
    "x-keyward-api-user",
    "x-keyward-api-user-id",
    "x-keyward-token-id",
    "x-keyward-permissions",
    "x-keyward-external-id",
];

/// Decide whether a gateway lets a request through. Any method; no body needed.
///
/// The credential: `Authorization: Bearer <token>` (a keyward token or an OAuth access token)
/// or `X-API-Key`. The original request: `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik,
/// Caddy, APISIX), else `X-Original-Method` and `X-Original-URI` (nginx, as configured in
/// docs/GATEWAYS.md), else this request's own method and the path after `/v1/forward-auth`
/// (Envoy). Gateway configurations may add `X-Keyward-Permissions-Required: a,b`, which only
/// ever adds to what the route requires.
///
/// Allowed: 200 with an empty body and `X-Keyward-Org-Id`, `X-Keyward-Api-User`,
/// `X-Keyward-Api-User-Id`, `X-Keyward-Token-Id`, `X-Keyward-Permissions`,
/// `X-Keyward-External-Id` (always all, empty when there is no value). Refused: 401 with
/// `WWW-Authenticate` or 403, each with `X-Keyward-Code`.
#[utoipa::path(get, path = "/v1/forward-auth", tag = "verify", security(("bearer" = []), ("api_key" = [])),
    params(
        ("X-Forwarded-Method" = Option<String>, Header, description = "The original method (Traefik, Caddy, APISIX)"),
        ("X-Forwarded-Uri" = Option<String>, Header, description = "The original path and query"),
        ("X-Original-Method" = Option<String>, Header, description = "The original method (nginx)"),
        ("X-Original-URI" = Option<String>, Header, description = "The original path and query (nginx)"),
        ("X-Keyward-Permissions-Required" = Option<String>, Header, description = "More permissions the gateway requires, comma-separated"),
    ),
    responses(
        (status = 200, description = "Allowed; the identity is in the X-Keyward-* headers"),
        (status = 401, description = "No credential, or one that is malformed, unknown, revoked, expired or suspended", body = crate::error::Problem),
        (status = 403, description = "IP_NOT_ALLOWED, INTEGRATION_NOT_ALLOWED, INSUFFICIENT_PERMISSIONS or ROUTE_NOT_ALLOWED", body = crate::error::Problem),
        (status = 503, description = "The database cannot be reached", body = crate::error::Problem)))]
pub async fn forward_auth(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    answer(&state, client, &method, uri.path(), &headers).await
}

/// The endpoint straight from the connection, ahead of the router and its middleware: the
/// gateway asks on every request it serves. Answers exactly as [`forward_auth`].
pub async fn serve_fast<B>(state: Arc<AppState>, peer: SocketAddr, request: Request<B>) -> Response {
    let (parts, _body) = request.into_parts();
    let client = client_ip(peer.ip(), &parts.headers, &state.config.trusted_proxies);
    let mut response = answer(&state, client, &parts.method, parts.uri.path(), &parts.headers).await;
    crate::app::add_security_headers(response.headers_mut());
    response
}

async fn answer(
    state: &AppState,
    client: IpAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let original_method = header("x-forwarded-method")
        .or_else(|| header("x-original-method"))
        .unwrap_or(method.as_str());
    let own_path = match path.strip_prefix(FORWARD_AUTH_PATH) {
        Some("") | None => "/",
        Some(rest) => rest,
    };
    let original_path = header("x-forwarded-uri")
        .or_else(|| header("x-original-uri"))
        .unwrap_or(own_path);
    let mut required = [""; MAX_REQUIRED];
    let mut n = 0;
    for p in header("x-keyward-permissions-required")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if n == MAX_REQUIRED {
            return refused(
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                "the gateway requires more permissions than one request can be checked for",
            );
        }
        required[n] = p;
        n += 1;
    }
    let request = GatewayRequest {
        ip: client,
        method: original_method,
        path: original_path,
        required: &required[..n],
    };
    let Some(presented) = presented_credential(headers).filter(|p| !p.is_empty()) else {
        return refused(
            StatusCode::UNAUTHORIZED,
            "MISSING_CREDENTIAL",
            "present a token with Authorization: Bearer <token> or X-API-Key: <token>",
        );
    };
    let now = state.clock.now();
    let verdict = if presented.bytes().filter(|b| *b == b'.').count() == 2 {
        Box::pin(state.service.gateway_access_token(presented, &request, now))
            .await
            .map(|(code, identity)| decided(code, identity.as_ref()))
    } else {
        state
            .verifier
            .verify_gateway(presented, &request, now, |code, entry| {
                decided(code, entry.map(|e| e.gateway_identity()))
            })
            .await
    };
    verdict.unwrap_or_else(|e| ApiError::from(e).into_response())
}

fn decided(code: GatewayCode, identity: Option<&GatewayIdentity>) -> Response {
    match (code, identity) {
        (GatewayCode::Verify(VerifyCode::Valid), Some(id)) => allowed(id),
        (GatewayCode::RouteNotAllowed, _) => refused(
            StatusCode::FORBIDDEN,
            code.as_str(),
            "no route of the organization allows this method and path",
        ),
        (GatewayCode::Verify(c), _) => {
            let status = match c {
                VerifyCode::IpNotAllowed
                | VerifyCode::IntegrationNotAllowed
                | VerifyCode::InsufficientPermissions => StatusCode::FORBIDDEN,
                VerifyCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            refused(status, c.as_str(), message(c))
        }
    }
}

fn allowed(id: &GatewayIdentity) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    let values = [
        &id.org_id,
        &id.username,
        &id.api_user_id,
        &id.token_id,
        &id.permissions,
        &id.external_id,
    ];
    for (name, value) in IDENTITY_HEADERS.iter().zip(values) {
        // Built from checked values (ids, a username, permissions, an external id with control
        // characters encoded), so every one is a valid header value.
        let value = HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static(""));
        headers.insert(HeaderName::from_static(name), value);
    }
    response
}

fn refused(status: StatusCode, code: &'static str, detail: &'static str) -> Response {
    let mut response = ApiError::new(status, code, detail).into_response();
    let headers = response.headers_mut();
    headers.insert("x-keyward-code", HeaderValue::from_static(code));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
