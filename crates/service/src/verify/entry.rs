//! What the verify cache holds per token.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use keyward_core::permission::{KEYWARD_ADMIN, KEYWARD_READ, KEYWARD_REPORT_LEAKS, KEYWARD_VERIFY};
use keyward_core::{FastDecision, PermissionSet, VerifyCode, VerifyQuery, VerifySubject, decide};
use time::OffsetDateTime;
use uuid::Uuid;

use super::answer::valid_body;
use super::gateway::GatewayIdentity;
use super::limiter::ReadyLimits;

/// A cached verification subject with everything a VALID answer needs, computed once when it
/// is loaded rather than on every request.
pub struct CachedSubject {
    pub subject: VerifySubject,
    /// Token permissions ∩ group permissions.
    pub effective: PermissionSet,
    pub grants_verify: bool,
    pub grants_keyward: bool,
    /// The whole JSON body of a VALID answer: the same for every valid verification of this
    /// token until something about it changes, so it is serialized once.
    pub valid_body: Bytes,
    /// What a gateway tells the upstream, built when a gateway first asks (most tokens are
    /// verified only by the platform, so most entries never hold it).
    gateway: OnceLock<Box<GatewayIdentity>>,
    /// The rate limits and credits a VALID verification counts against; `None` for most.
    pub limits: Option<Box<ReadyLimits>>,
}

impl CachedSubject {
    pub fn new(subject: VerifySubject) -> Self {
        let effective = subject.effective_permissions();
        let grants_verify = effective.grants(KEYWARD_VERIFY);
        let grants_keyward = grants_verify
            || effective.grants(KEYWARD_READ)
            || effective.grants(KEYWARD_ADMIN)
            || effective.grants(KEYWARD_REPORT_LEAKS);
        let valid_body = Bytes::from(valid_body(&subject, &effective));
        let limits = ReadyLimits::of(&subject.limits);
        Self {
            limits,
            subject,
            effective,
            grants_verify,
            grants_keyward,
            valid_body,
            gateway: OnceLock::new(),
        }
    }

    pub fn gateway_identity(&self) -> &GatewayIdentity {
        self.gateway
            .get_or_init(|| Box::new(GatewayIdentity::of(&self.subject, &self.effective)))
    }
}

/// What the verify cache holds per token: what a typical verification reads, inline in the
/// cache's own entry (the decision compiled to a few words, and the ids to scope it and note its
/// use), and the rest one pointer away. With a million tokens, each pointer followed is a
/// likely cache miss.
#[derive(Clone)]
pub struct CachedToken {
    pub org_id: Uuid,
    pub token_id: Uuid,
    pub fast: FastDecision,
    pub full: Arc<CachedSubject>,
}

impl CachedToken {
    pub(super) fn new(full: Arc<CachedSubject>) -> Self {
        Self {
            org_id: full.subject.org_id,
            token_id: full.subject.token_id,
            fast: FastDecision::new(&full.subject),
            full,
        }
    }

    pub(super) fn decide<P: AsRef<str>>(
        &self,
        query: &VerifyQuery<'_, P>,
        now: OffsetDateTime,
        now_ns: i64,
    ) -> VerifyCode {
        self.fast
            .decide(query, now_ns)
            .unwrap_or_else(|| decide(Some(&self.full.subject), query, now))
    }
}
