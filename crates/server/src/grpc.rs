//! Envoy's external authorization over gRPC (`envoy.service.auth.v3.Authorization/Check`) on
//! `--grpc-listen`: the forward-auth decision, read from Envoy's `CheckRequest` and answered as
//! an `OkHttpResponse` with the identity headers or a `DeniedHttpResponse` with the same status,
//! `X-Keyward-Code` and problem body as `/v1/forward-auth`.

use std::net::IpAddr;

use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse, HeaderAppendAction, HttpStatusCode,
};
use envoy_types::ext_authz::v3::{
    CheckRequestExt, CheckResponseExt, DeniedHttpResponseBuilder, OkHttpResponseBuilder,
};
use keyward_service::verify::gateway::GatewayRequest;
use tonic::{Request, Response, Status};

use crate::api::forward_auth::{
    IDENTITY_HEADERS, MAX_REQUIRED, Verdict, decide, identity_values, required_permissions, too_many_required,
};
use crate::app::AppState;
use crate::error::{ApiError, problem_json};

/// The gRPC service, over the same state as the HTTP server.
pub struct ExtAuthz {
    state: AppState,
}

impl ExtAuthz {
    pub fn service(state: AppState) -> AuthorizationServer<Self> {
        AuthorizationServer::new(Self { state })
    }

    /// The client: Envoy's `source` address when Envoy is a trusted proxy, else Envoy's own.
    fn client(&self, peer: Option<IpAddr>, request: &CheckRequest) -> IpAddr {
        let peer = peer.unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let trusted = self
            .state
            .config
            .http
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer));
        if !trusted {
            return peer;
        }
        request
            .get_client_address()
            .and_then(|a| a.parse().ok())
            .unwrap_or(peer)
    }
}

#[tonic::async_trait]
impl Authorization for ExtAuthz {
    async fn check(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let peer = request.remote_addr().map(|a| a.ip());
        let check = request.into_inner();
        let client = self.client(peer, &check);
        let http = check
            .attributes
            .as_ref()
            .and_then(|a| a.request.as_ref())
            .and_then(|r| r.http.as_ref())
            .ok_or_else(|| Status::invalid_argument("the check request has no HTTP request attributes"))?;
        let header = |name: &str| http.headers.get(name).map(String::as_str);
        let credential = match header("authorization") {
            Some(v) => v
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim()),
            None => header("x-api-key").map(str::trim),
        };
        let mut required = [""; MAX_REQUIRED];
        let Some(n) = required_permissions(header("x-keyward-permissions-required"), &mut required) else {
            return Ok(Response::new(check_response(too_many_required())));
        };
        let gateway = GatewayRequest {
            ip: client,
            method: &http.method,
            path: &http.path,
            required: &required[..n],
        };
        match decide(&self.state, credential, &gateway, check_response).await {
            Ok(response) => Ok(Response::new(response)),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn unavailable(e: ApiError) -> Status {
    Status::unavailable(e.detail)
}

fn check_response(verdict: Verdict<'_>) -> CheckResponse {
    let mut response = CheckResponse::new();
    match verdict {
        Verdict::Allow(id, extra) => {
            let mut ok = OkHttpResponseBuilder::new();
            // The rate-limit headers go to the upstream with the identity.
            for (name, value) in extra {
                ok.add_header(
                    *name,
                    value,
                    Some(HeaderAppendAction::OverwriteIfExistsOrAdd),
                    false,
                );
            }
            for (name, value) in IDENTITY_HEADERS.iter().zip(identity_values(id)) {
                // Overwrite whatever the client sent; keep empty values so they overwrite too.
                ok.add_header(
                    *name,
                    value,
                    Some(HeaderAppendAction::OverwriteIfExistsOrAdd),
                    true,
                );
            }
            response.set_status(Status::ok("allowed")).set_http_response(ok);
        }
        Verdict::Refuse(r) => {
            let mut denied = DeniedHttpResponseBuilder::new();
            for (name, value) in r.headers {
                denied.add_header(*name, value, None, false);
            }
            let http_status =
                HttpStatusCode::try_from(i32::from(r.status.as_u16())).unwrap_or(HttpStatusCode::Forbidden);
            denied
                .set_http_status(http_status)
                .add_header("x-keyward-code", r.code, None, false)
                .add_header("content-type", "application/problem+json", None, false)
                .set_body(problem_json(r.status, r.code, r.detail));
            if r.status == axum::http::StatusCode::UNAUTHORIZED {
                denied.add_header("www-authenticate", "Bearer error=\"invalid_token\"", None, false);
            }
            let rpc = match r.status {
                axum::http::StatusCode::UNAUTHORIZED => Status::unauthenticated(r.detail),
                axum::http::StatusCode::TOO_MANY_REQUESTS => Status::resource_exhausted(r.detail),
                _ => Status::permission_denied(r.detail),
            };
            response.set_status(rpc).set_http_response(denied);
        }
    }
    response
}
