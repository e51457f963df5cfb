//! keyward's operations, and the verify engine. Every change lives here once: it is checked
//! against the caller's role (see [`context`]), validated, written with its audit event and
//! outbox messages in one transaction, and followed by the cache invalidations and worker
//! wake-ups it calls for. The transports (HTTP API, dashboard, OAuth endpoints, CLI) parse,
//! call one operation and render its result. Nothing here knows about HTTP.

pub mod api_users;
pub mod audit;
pub mod audit_names;
pub mod catalog;
pub mod clock;
pub mod context;
pub mod credits;
pub mod entries;
pub mod error;
pub mod flash;
pub mod keys;
pub mod leaks;
pub mod members;
pub mod notifier;
pub mod oauth;
pub mod organizations;
pub mod outbox;
pub mod password;
pub mod patch;
pub mod routes;
pub mod scheduled;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod token_import;
pub mod tokens;
pub mod totp;
pub mod usage;
pub mod verify;
pub mod webhooks;

use std::sync::Arc;

use keyward_core::TokenPrefix;
use keyward_store::DynStore;
use time::OffsetDateTime;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Caller, Manage, MemberAdmin, Principal, Read};
pub use error::{ServiceError, ServiceResult};
pub use keys::KeyRing;
pub use notifier::Notifier;
pub use throttle::LoginThrottle;
pub use verify::Verifier;

/// What every operation runs on: storage, the verify engine whose caches changes invalidate,
/// the notifier that queues messages and wakes the outbox worker, the clock and the signing keys.
pub struct Service {
    pub(crate) store: DynStore,
    pub(crate) verifier: Arc<Verifier>,
    pub(crate) notifier: Arc<Notifier>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: Arc<KeyRing>,
    pub(crate) login_throttle: LoginThrottle,
    /// How long a member session lasts.
    pub(crate) session_ttl: time::Duration,
    /// Internal destinations the operator lets webhooks reach.
    pub(crate) webhook_allow: webhooks::WebhookAllow,
    /// How long an OAuth access token lives.
    pub(crate) access_token_ttl: time::Duration,
}

impl Service {
    pub fn new(
        store: DynStore,
        verifier: Arc<Verifier>,
        notifier: Arc<Notifier>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyRing>,
    ) -> Self {
        Self {
            login_throttle: LoginThrottle::new(store.clone()),
            session_ttl: time::Duration::hours(12),
            webhook_allow: webhooks::WebhookAllow::default(),
            access_token_ttl: time::Duration::minutes(15),
            store,
            verifier,
            notifier,
            clock,
            keys,
        }
    }

    /// Member sessions last this long (12 hours unless set).
    pub fn with_session_ttl(mut self, ttl: time::Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// The internal destinations the operator lets webhooks reach (none unless set).
    pub fn with_webhook_allow(mut self, allow: webhooks::WebhookAllow) -> Self {
        self.webhook_allow = allow;
        self
    }

    /// OAuth access tokens live this long (15 minutes unless set).
    pub fn with_access_token_ttl(mut self, ttl: time::Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Whether the database answers, for readiness probes.
    pub async fn ping(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn token_prefix(&self) -> &TokenPrefix {
        self.verifier.prefix()
    }

    pub fn verifier(&self) -> &Arc<Verifier> {
        &self.verifier
    }

    pub fn keys(&self) -> &Arc<KeyRing> {
        &self.keys
    }

    pub fn notifier(&self) -> &Arc<Notifier> {
        &self.notifier
    }

    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.login_throttle
    }
}

/// RFC 3339, the form of every time keyward writes in answers, messages and the audit trail.
pub use keyward_api::rfc3339;
