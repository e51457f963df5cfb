//! The OAuth endpoints' request and answer shapes, for the OpenAPI document only: the handlers
//! read form bodies field by field, as RFC 6749 expects of a token endpoint.

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `application/x-www-form-urlencoded` body of `POST /oauth2/token`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// Space-separated permissions wanted; narrowed to those the client holds. All when absent.
    pub scope: Option<String>,
    /// The API user's id, when not given by HTTP Basic.
    pub client_id: Option<String>,
    /// The API user's password, when not given by HTTP Basic.
    pub client_secret: Option<String>,
    /// The current TOTP code (or a recovery code), for `auth_method` `password_totp`.
    pub totp: Option<String>,
}

/// RFC 6749 §5.1.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenResponse {
    /// An EdDSA-signed JWT.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The permissions granted, space-separated.
    pub scope: String,
}

/// RFC 6749 §5.2 error.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope`,
    /// `unsupported_grant_type`.
    pub error: String,
    pub error_description: String,
}

/// `application/x-www-form-urlencoded` body of `POST /oauth2/introspect` (RFC 7662).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct IntrospectRequest {
    /// An access token or one of keyward's opaque tokens.
    pub token: String,
    /// Accepted and ignored: the token's shape tells.
    pub token_type_hint: Option<String>,
}

/// RFC 7662 §2.2. Only `active` when the token is not active (or belongs to another
/// organization).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct IntrospectResponse {
    pub active: bool,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// `Bearer` for access tokens, `api_key` for opaque tokens.
    pub token_type: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub sub: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub jti: Option<String>,
}

/// `application/x-www-form-urlencoded` body of `POST /oauth2/revoke` (RFC 7009).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct RevokeRequest {
    /// One of the client's own access tokens or opaque tokens.
    pub token: String,
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    paths(super::token, super::introspect, super::revoke, super::jwks, super::metadata),
    components(schemas(TokenRequest, TokenResponse, OAuthError, IntrospectRequest, IntrospectResponse, RevokeRequest)),
    tags((name = "oauth", description = "OAuth 2.0 client credentials, signing keys, introspection and revocation (RFC 6749, 7517, 7662, 7009, 8414)"))
)]
pub struct OAuthDoc;
