//! The audit trail: records to append, events as stored, and the hash chain.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// An event to append. The store gives it its place in the chain.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    pub at: OffsetDateTime,
    /// `member`, `token`, `system` or `anonymous`.
    pub actor_kind: &'static str,
    pub actor_id: Option<Uuid>,
    /// Who, readably: an email, a token's name and hint, "keyward".
    pub actor_label: String,
    /// Such as `token.create`, `api_user.suspend`, `auth.login`.
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<Uuid>,
    pub source_ip: Option<String>,
    /// `success` or `failure`.
    pub outcome: &'static str,
    /// What changed. Never a secret.
    pub details: serde_json::Value,
    /// Emails and webhooks the event causes, queued in the same transaction (the transactional
    /// outbox): the change and its announcements happen together or not at all.
    pub outbox: Vec<crate::OutboxMessage>,
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub source_ip: Option<String>,
    pub outcome: String,
    pub details: serde_json::Value,
    /// `details` exactly as stored and hashed.
    #[serde(skip)]
    pub details_raw: String,
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_id: Option<Uuid>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub before_seq: Option<i64>,
}

/// Where the chain stops holding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event #{seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// The hash that precedes the first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// Canonical fields of an event, one per line with lengths, so no two events share a form.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev: &[u8],
    seq: i64,
    id: Uuid,
    org_id: Option<Uuid>,
    at_millis: i64,
    actor: (&str, Option<Uuid>, &str),
    action: &str,
    target: (&str, Option<Uuid>),
    source_ip: Option<&str>,
    outcome: &str,
    details: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    let opt = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
    field(&seq.to_string());
    field(&id.to_string());
    field(&opt(org_id));
    field(&at_millis.to_string());
    field(actor.0);
    field(&opt(actor.1));
    field(actor.2);
    field(action);
    field(target.0);
    field(&opt(target.1));
    field(source_ip.unwrap_or(""));
    field(outcome);
    field(details);
    h.finalize().into()
}

impl AuditEvent {
    /// Recomputes this event's hash from its fields and the given predecessor.
    pub fn expected_hash(&self, prev: &[u8]) -> [u8; 32] {
        chain_hash(
            prev,
            self.seq,
            self.id,
            self.org_id,
            crate::to_millis(self.at),
            (&self.actor_kind, self.actor_id, &self.actor_label),
            &self.action,
            (&self.target_type, self.target_id),
            self.source_ip.as_deref(),
            &self.outcome,
            &self.details_raw,
        )
    }
}

/// Checks a run of events in `seq` order, continuing from `prev` and `prev_seq`.
pub fn check_run(events: &[AuditEvent], prev: &mut Vec<u8>, prev_seq: &mut i64) -> Result<(), ChainBreak> {
    for e in events {
        if e.seq != *prev_seq + 1 {
            return Err(ChainBreak {
                seq: *prev_seq + 1,
                reason: format!(
                    "event #{} is missing (the next present is #{})",
                    *prev_seq + 1,
                    e.seq
                ),
            });
        }
        if e.prev_hash != *prev {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not link to the event before it".into(),
            });
        }
        if e.expected_hash(prev)[..] != e.hash[..] {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "its content was changed after it was written".into(),
            });
        }
        *prev = e.hash.clone();
        *prev_seq = e.seq;
    }
    Ok(())
}
