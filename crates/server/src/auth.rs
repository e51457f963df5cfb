//! Who is calling: the credential a request presents, turned into the service's caller. The
//! role checks, and the handles operations need, are the service's (`keyward_service::context`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use keyward_core::token::TokenHash;
use keyward_core::{Member, VerifyCode};
use keyward_service::Caller as ServiceCaller;
pub use keyward_service::Principal;

use crate::app::AppState;
use crate::error::ApiError;

pub use keyward_service::sessions::{SESSION_PREFIX, new_session_secret};

/// The client's address: the socket's, or from `X-Forwarded-For` when the socket is a
/// trusted proxy (the right-most address that is not itself a trusted proxy).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.http.trusted_proxies,
        )))
    }
}

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    if forwarded.is_empty() {
        // nginx's usual `proxy_set_header X-Real-IP $remote_addr`.
        return headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .unwrap_or(peer);
    }
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// The credential presented: `Authorization: Bearer …` or `X-API-Key: …`.
pub fn presented_credential(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim());
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The authenticated caller of a request: an extractor around the service's [`ServiceCaller`],
/// whose role checks give the handles operations take.
#[derive(Clone, Debug)]
pub struct Caller(pub ServiceCaller);

impl std::ops::Deref for Caller {
    type Target = ServiceCaller;

    fn deref(&self) -> &ServiceCaller {
        &self.0
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let Some(presented) = presented_credential(&parts.headers) else {
            return Err(ApiError::unauthorized(
                "authenticate with Authorization: Bearer <session or token> or X-API-Key: <token>",
            ));
        };
        let now = state.clock.now();
        if presented.starts_with(SESSION_PREFIX) {
            let hash = TokenHash::of(presented);
            let member = state.service.session_member(presented).await?.ok_or_else(|| {
                ApiError::unauthorized("the session is invalid or has expired; log in again")
            })?;
            require_second_factor(state, &member, parts.uri.path()).await?;
            return Ok(Caller(ServiceCaller {
                org_id: member.org_id,
                principal: Principal::Member(member),
                ip,
                session: Some(hash),
            }));
        }
        // API tokens go through the verify cache like any other verification.
        let outcome = state.verifier.verify_caller(presented, ip, now).await?;
        let entry = match (outcome.code, outcome.entry) {
            (VerifyCode::Valid, Some(e)) => e,
            (code, _) => {
                return Err(ApiError::unauthorized(format!(
                    "the token was refused: {}",
                    code.as_str()
                )));
            }
        };
        if !entry.grants_keyward {
            return Err(no_keyward_permission());
        }
        Ok(Caller(ServiceCaller {
            org_id: entry.subject.org_id,
            principal: Principal::Token {
                token_id: entry.subject.token_id,
                label: format!("token of {}", entry.subject.username),
                permissions: entry.effective.clone(),
            },
            ip,
            session: None,
        }))
    }
}

/// Where an organization requires two-factor authentication, a member who has not turned it on
/// may only do that (and see who they are, and sign out).
pub async fn require_second_factor(state: &AppState, member: &Member, path: &str) -> Result<(), ApiError> {
    const OPEN: &[&str] = &["/v1/me", "/v1/me/totp", "/v1/me/totp/confirm", "/v1/auth/logout"];
    if OPEN.contains(&path) {
        return Ok(());
    }
    if !keyward_service::totp::second_factor_missing(&state.service, member).await? {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "two_factor_required",
        "your organization requires two-factor authentication: turn it on (POST /v1/me/totp, then /v1/me/totp/confirm)",
    ))
}

pub fn no_keyward_permission() -> ApiError {
    ApiError::forbidden(
        "keyward_permission_required",
        "this token holds none of keyward's own permissions (keyward:admin, keyward:read, keyward:verify)",
    )
}

pub fn no_verify_permission() -> ApiError {
    ApiError::forbidden(
        "verify_permission_required",
        "calling verify requires a token whose permission group holds keyward:verify",
    )
}

/// What a management handler needs: the service and the authenticated caller. Its role checks
/// give the handles operations take (`api.read()?`, `api.manage()?`), so a handler cannot call
/// an operation without one.
pub struct Api {
    pub service: std::sync::Arc<keyward_service::Service>,
    pub caller: Caller,
}

impl Api {
    pub fn read(&self) -> Result<keyward_service::Read<'_>, keyward_service::ServiceError> {
        self.service.read(&self.caller)
    }

    pub fn manage(&self) -> Result<keyward_service::Manage<'_>, keyward_service::ServiceError> {
        self.service.manage(&self.caller)
    }

    pub fn member_admin(&self) -> Result<keyward_service::MemberAdmin<'_>, keyward_service::ServiceError> {
        self.service.member_admin(&self.caller)
    }
}

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Api {
            service: state.service.clone(),
            caller,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.5, 10.0.0.2".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(stranger, &h, &trusted),
            stranger,
            "spoofed header from an untrusted peer"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }

    #[test]
    fn credentials_from_both_headers() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(presented_credential(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(presented_credential(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert("x-api-key", "xyz".parse().unwrap());
        assert_eq!(presented_credential(&h), Some("xyz"));
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(presented_credential(&h), None);
    }
}
