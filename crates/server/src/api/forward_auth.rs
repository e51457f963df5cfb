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
use std::sync::{Arc, LazyLock};
use std::task::Poll;

use axum::body::Bytes;
use http_body_util::{Either, Full};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use keyward_core::VerifyCode;
use keyward_service::verify::LimitReport;
use keyward_service::verify::answer::message;
use keyward_service::verify::gateway::{GatewayCode, GatewayIdentity, GatewayRequest};
use time::OffsetDateTime;

use super::verify::ServedBody;
use crate::app::AppState;
use crate::auth::{ClientIp, client_ip, presented_credential};
use crate::error::ApiError;

/// The path the endpoint answers under; Envoy's HTTP mode appends the original path to it.
pub const FORWARD_AUTH_PATH: &str = "/v1/forward-auth";

/// Permissions a gateway may require in `X-Keyward-Permissions-Required`.
pub const MAX_REQUIRED: usize = 32;

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
///
/// Requires: a token of the organization, whose routes decide the rest.
#[utoipa::path(get, path = "/v1/forward-auth", tag = "verify", security(("bearer" = []), ("api_key" = [])),
    params(("X-Forwarded-Method" = Option<String>, Header, description = "The original method (Traefik, Caddy, APISIX)"),
    ("X-Forwarded-Uri" = Option<String>, Header, description = "The original path and query"),
    ("X-Original-Method" = Option<String>, Header, description = "The original method (nginx)"),
    ("X-Original-URI" = Option<String>, Header, description = "The original path and query (nginx)"),
    ("X-Keyward-Permissions-Required" = Option<String>, Header, description = "More permissions the gateway requires, comma-separated")),
    responses((status = 200, description = "Allowed; the identity is in the X-Keyward-* headers"),
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
    answer(&state, client, &method, uri.path(), &headers)
        .await
        .map(axum::body::Body::new)
}

/// The endpoint straight from the connection, ahead of the router and its middleware: the
/// gateway asks on every request it serves. Answers exactly as [`forward_auth`], with the same
/// request deadline as verify's fast path (armed only if the answer waits for storage).
pub fn serve_fast<B>(
    state: Arc<AppState>,
    peer: SocketAddr,
    request: Request<B>,
) -> impl Future<Output = axum::http::Response<ServedBody>> {
    let (parts, _body) = request.into_parts();
    async move {
        let client = client_ip(peer.ip(), &parts.headers, &state.config.http.trusted_proxies);
        let work = answer(&state, client, &parts.method, parts.uri.path(), &parts.headers);
        let mut work = std::pin::pin!(work);
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        let mut response = match first {
            Poll::Ready(done) => done,
            Poll::Pending => {
                match Box::pin(tokio::time::timeout(state.config.http.request_timeout, work)).await {
                    Ok(done) => done,
                    Err(_) => ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "request_timeout",
                        "the request was not answered in time",
                    )
                    .into_response()
                    .map(Either::Right),
                }
            }
        };
        crate::app::add_security_headers(response.headers_mut());
        response
    }
}

async fn answer(
    state: &AppState,
    client: IpAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> axum::http::Response<ServedBody> {
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
    let Some(n) = required_permissions(header("x-keyward-permissions-required"), &mut required) else {
        return http_answer(too_many_required(), false);
    };
    let request = GatewayRequest {
        ip: client,
        method: original_method,
        path: original_path,
        required: &required[..n],
    };
    // nginx's auth_request turns any status but 2xx, 401 and 403 into a 500: its configuration
    // asks for limit refusals as 403 (still carrying X-Keyward-Code) and maps them back.
    let limits_as_403 = header("x-keyward-limit-status") == Some("403");
    decide(state, presented_credential(headers), &request, |v| {
        http_answer(v, limits_as_403)
    })
    .await
    .unwrap_or_else(|e| e.into_response().map(Either::Right))
}

/// What a gateway is answered, whatever the transport.
pub enum Verdict<'a> {
    /// The identity, and the rate-limit headers of a token with limits.
    Allow(&'a GatewayIdentity, &'a [(&'static str, String)]),
    Refuse(Refusal<'a>),
}

/// A refusal, as every transport renders it: a status, a result code and why.
pub struct Refusal<'a> {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: &'static str,
    /// `Retry-After` and the rate-limit headers, for a token with limits.
    pub headers: &'a [(&'static str, String)],
}

/// The IETF rate-limit headers (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` and
/// `RateLimit`, one item per limit) and, on a refusal by a limit, `Retry-After`; the credits
/// left as `X-Keyward-Credits-Remaining`.
pub fn limit_headers(report: &LimitReport, now: OffsetDateTime) -> Vec<(&'static str, String)> {
    let mut out = Vec::with_capacity(4);
    if !report.ratelimits.is_empty() {
        let policy = report
            .ratelimits
            .iter()
            .zip(&report.windows_ms)
            .map(|(l, w)| format!("\"{}\";q={};w={}", l.name, l.limit, w.div_ceil(1000)))
            .collect::<Vec<_>>()
            .join(", ");
        let state = report
            .ratelimits
            .iter()
            .map(|l| {
                let t = (l.reset_at - now).whole_seconds().max(0);
                format!("\"{}\";r={};t={}", l.name, l.remaining, t)
            })
            .collect::<Vec<_>>()
            .join(", ");
        out.push(("ratelimit-policy", policy));
        out.push(("ratelimit", state));
    }
    if let Some(secs) = report.retry_after_secs(now) {
        out.push(("retry-after", secs.to_string()));
    }
    if let Some(left) = report.credits {
        out.push(("x-keyward-credits-remaining", left.to_string()));
    }
    out
}

/// Reads `X-Keyward-Permissions-Required` into `into`, answering how many; `None` when there
/// are more than one request can be checked for.
pub fn required_permissions<'a>(
    header: Option<&'a str>,
    into: &mut [&'a str; MAX_REQUIRED],
) -> Option<usize> {
    let mut n = 0;
    for p in header
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        *into.get_mut(n)? = p;
        n += 1;
    }
    Some(n)
}

pub fn too_many_required() -> Verdict<'static> {
    Verdict::Refuse(Refusal {
        status: StatusCode::FORBIDDEN,
        code: "INSUFFICIENT_PERMISSIONS",
        detail: "the gateway requires more permissions than one request can be checked for",
        headers: &[],
    })
}

/// The gateway's decision for `request` presenting `credential`, rendered by `render`; an error
/// only when storage could not be read.
pub async fn decide<R>(
    state: &AppState,
    credential: Option<&str>,
    request: &GatewayRequest<'_>,
    render: impl FnOnce(Verdict<'_>) -> R,
) -> Result<R, ApiError> {
    let Some(presented) = credential.filter(|p| !p.is_empty()) else {
        return Ok(render(Verdict::Refuse(Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: "MISSING_CREDENTIAL",
            detail: "present a token with Authorization: Bearer <token> or X-API-Key: <token>",
            headers: &[],
        })));
    };
    let now = state.clock.now();
    if presented.bytes().filter(|b| *b == b'.').count() == 2 {
        let (code, identity) = Box::pin(state.service.gateway_access_token(presented, request, now)).await?;
        return Ok(render(verdict(code, identity.as_ref(), &[])));
    }
    Ok(state
        .verifier
        .verify_gateway(presented, request, now, |code, entry, limits| {
            // Empty (no allocation) for tokens without limits.
            let headers = limits.map(|l| limit_headers(l, now)).unwrap_or_default();
            render(verdict(code, entry.map(|e| e.gateway_identity()), &headers))
        })
        .await?)
}

fn verdict<'a>(
    code: GatewayCode,
    identity: Option<&'a GatewayIdentity>,
    headers: &'a [(&'static str, String)],
) -> Verdict<'a> {
    match (code, identity) {
        (GatewayCode::Verify(VerifyCode::Valid), Some(id)) => Verdict::Allow(id, headers),
        (GatewayCode::RouteNotAllowed, _) => Verdict::Refuse(Refusal {
            status: StatusCode::FORBIDDEN,
            code: code.as_str(),
            detail: "no route of the organization allows this method and path",
            headers,
        }),
        (GatewayCode::Verify(c), _) => Verdict::Refuse(Refusal {
            status: match c {
                VerifyCode::IpNotAllowed
                | VerifyCode::IntegrationNotAllowed
                | VerifyCode::InsufficientPermissions => StatusCode::FORBIDDEN,
                VerifyCode::RateLimited | VerifyCode::UsageExceeded => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            },
            code: c.as_str(),
            detail: message(c),
            headers,
        }),
    }
}

fn http_answer(verdict: Verdict<'_>, limits_as_403: bool) -> axum::http::Response<ServedBody> {
    match verdict {
        Verdict::Allow(id, extra) => {
            let mut response = allowed(id);
            add_headers(response.headers_mut(), extra);
            response
        }
        Verdict::Refuse(r) => {
            let status = if limits_as_403 && r.status == StatusCode::TOO_MANY_REQUESTS {
                StatusCode::FORBIDDEN
            } else {
                r.status
            };
            let mut response = refused(status, r.code, r.detail);
            add_headers(response.headers_mut(), r.headers);
            response.map(Either::Right)
        }
    }
}

fn add_headers(to: &mut HeaderMap, extra: &[(&'static str, String)]) {
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            to.insert(HeaderName::from_static(name), v);
        }
    }
}

/// The identity headers' values, in the order of [`IDENTITY_HEADERS`].
pub fn identity_values(id: &GatewayIdentity) -> [&str; 6] {
    id.values().map(|b| std::str::from_utf8(b).unwrap_or(""))
}

/// 200, no body, the identity headers: built from the token's cached identity without copying
/// (each value is shared bytes) and from headers prepared once.
fn allowed(id: &GatewayIdentity) -> axum::http::Response<ServedBody> {
    static HEADERS: LazyLock<HeaderMap> = LazyLock::new(|| {
        let mut h = HeaderMap::with_capacity(16);
        crate::app::add_security_headers(&mut h);
        h
    });
    let mut response = axum::http::Response::new(Either::Left(Full::new(Bytes::new())));
    let headers = response.headers_mut();
    *headers = HEADERS.clone();
    for (name, value) in IDENTITY_HEADERS.iter().zip(id.values()) {
        // Built from checked values (ids, a username, permissions, an external id with control
        // characters encoded), so every one is a valid header value.
        let value = HeaderValue::from_maybe_shared(value.clone()).unwrap_or(HeaderValue::from_static(""));
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
