//! OAuth 2.0 for API users that log in: the client credentials grant (RFC 6749 §4.4) issuing
//! EdDSA-signed JWT access tokens, their public keys (RFC 7517 JWKS, RFC 8414 metadata),
//! introspection (RFC 7662) and revocation (RFC 7009). Errors follow RFC 6749 §5.2.

pub mod doc;

use std::net::IpAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use keyward_core::VerifyCode;
use serde_json::json;

pub use keyward_service::keys::{AccessClaims, KeyRing, TokenProblem};
use keyward_service::oauth::{ClientLogin, ClientRefusal};

use crate::app::AppState;
use crate::auth::{ClientIp, presented_credential};
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/oauth2/introspect", post(introspect))
        .route("/oauth2/revoke", post(revoke))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

/// An RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"keyward\""),
        );
    }
    res
}

/// A body that could not be read: too large (413 problem+json, as everywhere else) or cut off.
fn body_rejected(e: BytesRejection) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::body_too_large().into_response()
    } else {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the request body could not be read",
        )
    }
}

/// An OAuth endpoint's call: where it came from, its headers (HTTP Basic, a Bearer token) and
/// its form fields in order (RFC 6749 asks for `application/x-www-form-urlencoded`); a body
/// that cannot be read is refused as [`body_rejected`] says.
struct OAuthCall {
    state: AppState,
    ip: IpAddr,
    headers: HeaderMap,
    form: Vec<(String, String)>,
}

impl FromRequest<AppState> for OAuthCall {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(body_rejected)?;
        let form = form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned()));
        Ok(Self {
            state: state.clone(),
            ip,
            headers,
            form: form.collect(),
        })
    }
}

impl OAuthCall {
    fn field(&self, name: &str) -> Option<&str> {
        field(&self.form, name)
    }

    /// The client's id and password (HTTP Basic or the form), with the second factor if given.
    fn login(&self) -> Option<ClientLogin> {
        client_login(&self.headers, &self.form, self.ip)
    }
}

fn field<'a>(f: &'a [(String, String)], name: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Client credentials from HTTP Basic (RFC 6749 §2.3.1: form-urlencoded, then base64) or from
/// the body.
fn client_credentials(headers: &HeaderMap, f: &[(String, String)]) -> Option<(String, String, bool)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        let unescape = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Some((unescape(id), unescape(secret), true));
    }
    Some((
        field(f, "client_id")?.to_owned(),
        field(f, "client_secret")?.to_owned(),
        false,
    ))
}

/// The client's login as the service takes it, from Basic or the form.
fn client_login(headers: &HeaderMap, f: &[(String, String)], ip: IpAddr) -> Option<ClientLogin> {
    let (client_id, secret, _basic) = client_credentials(headers, f)?;
    Some(ClientLogin {
        client_id,
        secret,
        totp: field(f, "totp").map(str::to_owned),
        ip,
    })
}

/// A refused client, as RFC 6749 §5.2 says to answer it.
fn refused(r: ClientRefusal) -> Response {
    match r {
        ClientRefusal::InvalidClient => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ),
        ClientRefusal::Throttled { retry_after } => {
            let mut res = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_client",
                &format!("too many failed attempts; try again in {retry_after} seconds"),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            res
        }
        ClientRefusal::SecondFactor => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "a valid, unused TOTP code (parameter totp) or recovery code is required",
        ),
        ClientRefusal::NoGrantedScope => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the client holds none of the requested permissions",
        ),
        ClientRefusal::Failed(e) => ApiError::from(e).into_response(),
    }
}

fn no_client() -> Response {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication is required",
    )
}

/// Obtain an access token (RFC 6749 §4.4, grant `client_credentials`). The client is an API user
/// with `auth_method` `password` or `password_totp`: its id (never its username) and its password, by
/// HTTP Basic or in the form. Errors follow RFC 6749 §5.2; too many failures answer 429 with
/// `Retry-After`. Requires: the client's own credentials.
#[utoipa::path(post, path = "/oauth2/token", operation_id = "oauth_token", tag = "oauth", security(("client_basic" = []), ()),
    request_body(content = doc::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = doc::TokenResponse),
        (status = 400, description = "invalid_request, invalid_grant, invalid_scope or unsupported_grant_type", body = doc::OAuthError),
        (status = 401, description = "invalid_client", body = doc::OAuthError),
        (status = 429, description = "Too many failed attempts for this client or address", body = doc::OAuthError),
        (status = 503, description = "The database cannot be reached", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn token(call: OAuthCall) -> Response {
    match call.field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let Some(login) = call.login() else {
        return no_client();
    };
    let grant = match call
        .state
        .service
        .issue_access_token(&login, call.field("scope"))
        .await
    {
        Ok(g) => g,
        Err(r) => return refused(r),
    };
    let mut res = axum::Json(json!({
        "access_token": grant.access_token, "token_type": "Bearer", "expires_in": grant.expires_in, "scope": grant.scope,
    }))
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// The public keys that sign access tokens (RFC 7517), for verifying them offline. A retired key
/// stays here until every token it signed has expired. Requires: nothing.
#[utoipa::path(get, path = "/.well-known/jwks.json", operation_id = "oauth_jwks", tag = "oauth", security(()),
    responses((status = 200, description = "A JSON Web Key Set", body = Object, content_type = "application/json")))]
async fn jwks(State(state): State<AppState>) -> Response {
    let mut res = axum::Json(state.keys.jwks()).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    res
}

/// Authorization server metadata (RFC 8414): the endpoints and what they support. Requires: nothing.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", operation_id = "oauth_metadata", tag = "oauth", security(()),
    responses((status = 200, description = "RFC 8414 metadata", body = Object, content_type = "application/json")))]
async fn metadata(State(state): State<AppState>) -> Response {
    let base = state.keys.issuer.trim_end_matches('/').to_owned();
    axum::Json(json!({
        "issuer": state.keys.issuer,
        "token_endpoint": format!("{base}/oauth2/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{base}/oauth2/introspect"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["bearer"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported": ["EdDSA"],
        "response_types_supported": [],
        "scopes_supported": [],
    }))
    .into_response()
}

/// Whether a token is active (RFC 7662): an access token or an opaque token. The caller presents
/// a token holding `keyward:verify` and learns only about its own organization's tokens.
/// Requires: a token with keyward:verify.
#[utoipa::path(post, path = "/oauth2/introspect", operation_id = "oauth_introspect", tag = "oauth",
    request_body(content = doc::IntrospectRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = doc::IntrospectResponse),
        (status = 400, description = "invalid_request: no token", body = doc::OAuthError),
        (status = 401, description = "invalid_client: the caller's token is missing or lacks keyward:verify", body = doc::OAuthError),
        (status = 503, description = "The database cannot be reached", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn introspect(call: OAuthCall) -> Response {
    let OAuthCall {
        state, ip, headers, ..
    } = &call;
    let now = state.clock.now();
    let Some(presented) = presented_credential(headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authenticate with a Bearer token holding keyward:verify",
        );
    };
    let org = match state.verifier.verify_caller(presented, *ip, now).await {
        Ok(o) => match (o.code, o.entry) {
            (VerifyCode::Valid, Some(e)) if e.grants_verify => e.subject.org_id,
            _ => {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "the caller needs a token holding keyward:verify",
                );
            }
        },
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(token) = call.field("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    let inactive = axum::Json(json!({"active": false})).into_response();
    if token.matches('.').count() == 2 {
        return match state.service.check_access_token(token, now).await {
            Ok(a) if a.claims.org == org => {
                let c = &a.claims;
                axum::Json(json!({
                    "active": true, "scope": c.scope, "client_id": c.client_id, "username": c.username,
                    "token_type": "Bearer", "exp": c.exp, "iat": c.iat, "sub": c.sub, "aud": c.aud, "iss": c.iss, "jti": c.jti,
                }))
                .into_response()
            }
            _ => inactive,
        };
    }
    let query = keyward_core::VerifyQuery::<&str> {
        ip: None,
        permissions: &[],
        integration: None,
    };
    match state.verifier.verify(token, &query, Some(org), now).await {
        Ok(outcome) => match (outcome.code, outcome.entry) {
            (VerifyCode::Valid | VerifyCode::IpNotAllowed | VerifyCode::InsufficientPermissions, Some(e)) => {
                axum::Json(json!({
                    "active": true, "token_type": "api_key", "username": e.subject.username,
                    "client_id": e.subject.api_user_id, "sub": e.subject.api_user_id,
                    "scope": e.effective.iter().collect::<Vec<_>>().join(" "),
                    "exp": e.subject.token_expires_at.map(|t| t.unix_timestamp()),
                }))
                .into_response()
            }
            _ => inactive,
        },
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Revoke one of the client's own tokens (RFC 7009). The answer is 200 whether or not the token
/// was valid, so it reveals nothing. The client authenticates as for `/oauth2/token`.
/// Requires: the client's own credentials.
#[utoipa::path(post, path = "/oauth2/revoke", operation_id = "oauth_revoke", tag = "oauth", security(("client_basic" = []), ()),
    request_body(content = doc::RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or was not a valid token of this client"),
        (status = 400, description = "invalid_request: no token", body = doc::OAuthError),
        (status = 401, description = "invalid_client", body = doc::OAuthError),
        (status = 429, description = "Too many failed attempts for this client or address", body = doc::OAuthError),
        (status = 503, description = "The database cannot be reached", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn revoke(call: OAuthCall) -> Response {
    let Some(login) = call.login() else {
        return no_client();
    };
    let user = match call.state.service.authenticate_client(&login).await {
        Ok(u) => u,
        Err(r) => return refused(r),
    };
    let Some(token) = call.field("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    if let Err(e) = call.state.service.revoke_own_token(&user, token, call.ip).await {
        return ApiError::from(e).into_response();
    }
    let mut res = StatusCode::OK.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
