//! OAuth access tokens (JWTs) on the verify path: their signature checked once, then their
//! standing cached by the SHA-256 of the whole token and dropped by the same invalidations as
//! opaque tokens.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use keyward_core::{ApiUser, ApiUserStatus, PermissionSet, VerifyCode};
use time::OffsetDateTime;
use uuid::Uuid;

use super::answer::{VerifiedApiUser, VerifyResponse, invalid_body};
use crate::Service;
use crate::keys::{AccessClaims, TokenProblem};

/// An access token as last read: its claims (its signature checked once), whether it was
/// revoked, and its API user's state, with the VALID answer built once. The verifier caches it
/// by the SHA-256 of the whole token, like an opaque token, and the same invalidations drop it
/// (revoking it, or any change to its organization's API users), so a warm verification reads
/// neither the keys nor storage.
pub struct CachedAccess {
    pub claims: AccessClaims,
    standing: Standing,
    pub scope: PermissionSet,
}

enum Standing {
    Revoked,
    /// The subject is not an API user id.
    NoSubject,
    /// The API user is gone.
    UserGone,
    User {
        expires_at: Option<OffsetDateTime>,
        active: bool,
        allowed_ips: keyward_core::IpAllowList,
        valid_body: Bytes,
    },
}

impl CachedAccess {
    fn new(claims: AccessClaims, standing: Standing) -> Self {
        let scope = PermissionSet::parse(claims.scope.split_whitespace()).unwrap_or_default();
        Self {
            claims,
            standing,
            scope,
        }
    }

    /// The API user's state and the answer a valid verification gives.
    fn user_standing(claims: &AccessClaims, scope: &PermissionSet, user: &ApiUser) -> Standing {
        let body = VerifyResponse {
            token_id: Uuid::parse_str(&claims.jti).ok(),
            organization_id: Some(claims.org),
            api_user: Some(VerifiedApiUser {
                id: user.id,
                username: user.username.clone(),
                environment: user.environment.as_str().into(),
                external_id: user.external_id.clone(),
                metadata: user.metadata.clone(),
                acting_member: None,
            }),
            permissions: Some(scope.iter().map(str::to_owned).collect()),
            expires_at: Some(OffsetDateTime::from_unix_timestamp(claims.exp).ok()),
            ..VerifyResponse::refused(VerifyCode::Valid)
        };
        Standing::User {
            expires_at: user.expires_at,
            active: user.status == ApiUserStatus::Active,
            allowed_ips: user.allowed_ips.clone(),
            valid_body: Bytes::from(body.to_bytes()),
        }
    }

    /// Whether the token stands at `now`, in the order of the verify decision.
    fn check(&self, now: OffsetDateTime) -> Result<(), VerifyCode> {
        if now.unix_timestamp() >= self.claims.exp {
            return Err(VerifyCode::Expired);
        }
        match &self.standing {
            Standing::Revoked | Standing::UserGone => Err(VerifyCode::Revoked),
            Standing::NoSubject => Err(VerifyCode::NotFound),
            Standing::User { expires_at, .. } if expires_at.is_some_and(|e| e <= now) => {
                Err(VerifyCode::Expired)
            }
            Standing::User { active: false, .. } => Err(VerifyCode::Suspended),
            Standing::User { .. } => Ok(()),
        }
    }
}

impl Service {
    /// What an access token stands for right now: the claims, checked against the API user's
    /// current state. The verify code says why it does not stand. Answered from the verifier's
    /// cache when it holds the token; otherwise checked (signature, revocation, API user) and
    /// cached — unless storage could not be read, which refuses without caching.
    pub async fn check_access_token(
        &self,
        jwt: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<CachedAccess>, VerifyCode> {
        let hash = keyward_core::TokenHash::of(jwt);
        let now_ns = keyward_core::unix_nanos(now);
        let access = match self.verifier.cached_access(&hash, now_ns) {
            Some(a) => a,
            None => {
                let epoch = self.verifier.invalidation_epoch();
                let claims = match self.keys.decode(jwt, now).await {
                    Ok(c) => {
                        self.verifier.metrics.storage_reads.incr();
                        Ok(c)
                    }
                    Err(e) => Err(e),
                };
                let claims = match claims {
                    Ok(c) => c,
                    Err(TokenProblem::Expired) => return Err(VerifyCode::Expired),
                    Err(TokenProblem::Invalid) => return Err(VerifyCode::NotFound),
                };
                let standing = match self.store.access_token_revoked(&claims.jti).await {
                    Err(_) => return Err(VerifyCode::Revoked),
                    Ok(true) => Standing::Revoked,
                    Ok(false) => match Uuid::parse_str(&claims.sub) {
                        Err(_) => Standing::NoSubject,
                        Ok(sub) => match self.store.get_api_user(claims.org, sub).await {
                            Ok(user) => {
                                let scope =
                                    PermissionSet::parse(claims.scope.split_whitespace()).unwrap_or_default();
                                CachedAccess::user_standing(&claims, &scope, &user)
                            }
                            Err(keyward_store::StoreError::NotFound) => Standing::UserGone,
                            Err(_) => return Err(VerifyCode::Revoked),
                        },
                    },
                };
                let access = Arc::new(CachedAccess::new(claims, standing));
                self.verifier.cache_access(hash, access.clone(), epoch, now_ns);
                access
            }
        };
        access.check(now)?;
        Ok(access)
    }

    /// The verify answer for an access token presented to `POST /v1/verify`.
    pub async fn verify_access_token(
        &self,
        jwt: &str,
        org_id: Uuid,
        ip: Option<IpAddr>,
        permissions: &[Cow<'_, str>],
        now: OffsetDateTime,
    ) -> Bytes {
        let refused = |code: VerifyCode| Bytes::from_static(invalid_body(code).as_bytes());
        let access = match self.check_access_token(jwt, now).await {
            Ok(a) if a.claims.org == org_id => a,
            Ok(_) => return refused(VerifyCode::NotFound),
            Err(code) => return refused(code),
        };
        let Standing::User {
            allowed_ips,
            valid_body,
            ..
        } = &access.standing
        else {
            return refused(VerifyCode::Revoked);
        };
        if !allowed_ips.is_empty() && !ip.is_some_and(|ip| allowed_ips.allows(ip)) {
            return refused(VerifyCode::IpNotAllowed);
        }
        if permissions.iter().any(|p| !access.scope.grants(p)) {
            return refused(VerifyCode::InsufficientPermissions);
        }
        Bytes::copy_from_slice(valid_body)
    }
}
