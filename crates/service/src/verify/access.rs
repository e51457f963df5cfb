//! OAuth access tokens (JWTs) on the verify path: their signature checked once, then their
//! standing cached by the SHA-256 of the whole token and dropped by the same invalidations as
//! opaque tokens.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use keyward_core::verify::{ActingMember, IntegrationRef};
use keyward_core::{IntegrationStatus, PermissionSet, VerifyCode, VerifyQuery, VerifySubject, decide};
use time::OffsetDateTime;
use uuid::Uuid;

use super::answer::{invalid_body, valid_body};
use super::forward::SubjectAt;
use super::gateway::{GatewayCode, GatewayIdentity, GatewayRequest, judge};
use crate::Service;
use crate::error::ServiceResult;
use crate::keys::{AccessClaims, TokenProblem};

/// An access token as last read: its claims (its signature checked once), whether it was
/// revoked, and the path it stands on — its API user, group and integrations as they are now —
/// as a verify subject, with the VALID answer built once. The verifier caches it by the SHA-256
/// of the whole token, like an opaque token, and the same invalidations drop it (revoking it,
/// or any change to its organization's API users, groups or integrations), so a warm
/// verification reads neither the keys nor storage, and decides exactly as for an opaque token.
pub struct CachedAccess {
    pub claims: AccessClaims,
    standing: Standing,
}

enum Standing {
    Revoked,
    /// The subject is not an API user id.
    NoSubject,
    /// The API user is gone.
    UserGone,
    User {
        subject: Box<VerifySubject>,
        valid_body: Bytes,
    },
}

impl CachedAccess {
    fn new(claims: AccessClaims, standing: Standing) -> Self {
        Self { claims, standing }
    }

    /// The verify decision over the token's path, for `query`.
    fn decide<P: AsRef<str>>(&self, query: &VerifyQuery<'_, P>, now: OffsetDateTime) -> VerifyCode {
        match &self.standing {
            Standing::Revoked | Standing::UserGone => VerifyCode::Revoked,
            Standing::NoSubject => VerifyCode::NotFound,
            Standing::User { subject, .. } => decide(Some(subject), query, now),
        }
    }

    /// Whether the token stands at `now` when nothing is known of the call (introspection):
    /// the decision with no address, integration or permission asked for. An address
    /// restriction cannot be judged without an address, so it does not make the token inactive.
    fn check(&self, now: OffsetDateTime) -> Result<(), VerifyCode> {
        let query = VerifyQuery::<&str> {
            ip: None,
            permissions: &[],
            integration: None,
        };
        match self.decide(&query, now) {
            VerifyCode::Valid | VerifyCode::IpNotAllowed => Ok(()),
            code => Err(code),
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
                        Ok(sub) => match self.access_subject(&claims, sub).await {
                            Ok(Some(subject)) => {
                                let valid_body =
                                    Bytes::from(valid_body(&subject, &subject.effective_permissions()));
                                Standing::User {
                                    subject: Box::new(subject),
                                    valid_body,
                                }
                            }
                            Ok(None) => Standing::UserGone,
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

    /// The verify answer for an access token presented to `POST /v1/verify`: the same decision
    /// as for an opaque token, over the API user's current path (status, expiry, addresses,
    /// integrations and their status, the group's permissions) and the token's scope.
    pub async fn verify_access_token(
        &self,
        jwt: &str,
        org_id: Uuid,
        query: &VerifyQuery<'_, Cow<'_, str>>,
        now: OffsetDateTime,
    ) -> Bytes {
        let refused = |code: VerifyCode| Bytes::from_static(invalid_body(code).as_bytes());
        let access = match self.check_access_token(jwt, now).await {
            Ok(a) if a.claims.org == org_id => a,
            Ok(_) => return refused(VerifyCode::NotFound),
            Err(code) => return refused(code),
        };
        match (access.decide(query, now), &access.standing) {
            (VerifyCode::Valid, Standing::User { valid_body, .. }) => Bytes::copy_from_slice(valid_body),
            (code, _) => refused(code),
        }
    }

    /// A gateway's request presenting an access token: the same decision as for an opaque
    /// token, for the route the request goes to.
    pub async fn gateway_access_token(
        &self,
        jwt: &str,
        request: &GatewayRequest<'_>,
        now: OffsetDateTime,
    ) -> keyward_store::StoreResult<(GatewayCode, Option<GatewayIdentity>)> {
        let access = match self.check_access_token(jwt, now).await {
            Ok(a) => a,
            Err(code) => return Ok((GatewayCode::Verify(code), None)),
        };
        let Standing::User { subject, .. } = &access.standing else {
            return Ok((GatewayCode::Verify(VerifyCode::Revoked), None));
        };
        let routes = self
            .verifier
            .org_routes(subject.org_id, keyward_core::unix_nanos(now))
            .await?;
        let code = judge(&routes, request, &SubjectAt { subject, now });
        let identity = code
            .is_valid()
            .then(|| GatewayIdentity::of(subject, &subject.effective_permissions()));
        Ok((code, identity))
    }

    /// The path an access token stands on, as a verify subject: the token is its claims (its
    /// scope, its `exp`, no address list or integration of its own), the rest is the API user
    /// as stored now. `None` when the API user is gone.
    async fn access_subject(
        &self,
        claims: &AccessClaims,
        api_user: Uuid,
    ) -> ServiceResult<Option<VerifySubject>> {
        let user = match self.store.get_api_user(claims.org, api_user).await {
            Ok(u) => u,
            Err(keyward_store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut integrations = Vec::with_capacity(user.integration_ids.len());
        for id in &user.integration_ids {
            match self.store.get_integration(user.org_id, *id).await {
                Ok(i) => integrations.push(IntegrationRef {
                    id: i.id,
                    name: i.name,
                    active: i.status == IntegrationStatus::Active,
                    allowed_ips: i.allowed_ips,
                }),
                Err(keyward_store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let acting_member = match user.linked_member_id {
            Some(m) => {
                let m = self.store.get_member(user.org_id, m).await?;
                Some(ActingMember {
                    id: m.id,
                    email: m.email,
                    name: m.name,
                })
            }
            None => None,
        };
        let group_permissions = self.group_permissions(&user).await?;
        let jti = Uuid::parse_str(&claims.jti).unwrap_or(Uuid::nil());
        Ok(Some(VerifySubject {
            token_expires_at: OffsetDateTime::from_unix_timestamp(claims.exp).ok(),
            token_permissions: Some(
                PermissionSet::parse(claims.scope.split_whitespace()).unwrap_or_default(),
            ),
            api_user_integrations: integrations,
            acting_member,
            ..VerifySubject::new(jti, user, group_permissions)
        }))
    }
}
