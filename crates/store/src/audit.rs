//! The audit trail: records to append, events as stored, and the hash chain.

use keyward_core::audit::AuditEntry;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// A person of the organization, signed in.
    Member,
    /// A token holding keyward's own permissions.
    Token,
    /// An API user acting as an OAuth client.
    ApiUser,
    /// keyward itself: background jobs, the CLI's local commands.
    System,
    /// Someone not (yet) identified, such as a failed sign-in for an unknown account.
    Anonymous,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Token => "token",
            Self::ApiUser => "api_user",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }
}

/// Whether the action happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// Who acted, as the audit trail names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    /// Readably: an email, a token's owner, "keyward".
    pub label: String,
}

impl Actor {
    pub fn new(kind: ActorKind, id: Option<Uuid>, label: impl Into<String>) -> Self {
        Self {
            kind,
            id,
            label: label.into(),
        }
    }

    /// keyward itself, under a label such as "keyward" or "keyward cli".
    pub fn system(label: impl Into<String>) -> Self {
        Self::new(ActorKind::System, None, label)
    }
}

/// Every action the trail records, grouped by what it acts on: the audit page offers them as a
/// list, and [`AuditRecord::new`] checks (in debug builds, so every test does) that an action is
/// one of them.
pub const AUDIT_ACTIONS: &[&str] = &[
    "auth.login",
    "auth.logout",
    "organization.create",
    "settings.update",
    "member.create",
    "member.update",
    "member.delete",
    "member.unlock",
    "member.totp_enrol",
    "member.totp_confirm",
    "member.totp_remove",
    "api_user.create",
    "api_user.update",
    "api_user.suspend",
    "api_user.resume",
    "api_user.delete",
    "api_user.password_set",
    "api_user.password_clear",
    "api_user.unlock",
    "api_user.totp_enrol",
    "api_user.totp_confirm",
    "api_user.totp_remove",
    "api_user.reminder",
    "token.create",
    "token.update",
    "token.suspend",
    "token.resume",
    "token.revoke",
    "token.revoke_all",
    "token.rotate",
    "token.leaked",
    "token.reminder",
    "token.import",
    "token.import_batch",
    "credits.set",
    "credits.adjust",
    "credits.refill",
    "credits.alert",
    "permission_group.create",
    "permission_group.update",
    "permission_group.delete",
    "integration.create",
    "integration.update",
    "integration.delete",
    "route.create",
    "route.update",
    "route.delete",
    "webhook.create",
    "webhook.update",
    "webhook.delete",
    "oauth.token",
    "oauth.revoke",
    "oauth.key_rotate",
    "outbox.resend",
    "insight.alert",
    "dev.seed",
    "bench.seed",
];

/// An event to append; the store gives it its place in the chain. Made only through
/// [`AuditRecord::new`] and its `with_*` steps, so every record has an id, a time, an actor
/// and an action, and its kind and outcome are one of the known ones.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub(crate) id: Uuid,
    pub(crate) org_id: Option<Uuid>,
    pub(crate) at: OffsetDateTime,
    pub(crate) actor: Actor,
    /// Such as `token.create`, `api_user.suspend`, `auth.login`.
    pub(crate) action: &'static str,
    pub(crate) target_type: &'static str,
    pub(crate) target_id: Option<Uuid>,
    pub(crate) source_ip: Option<String>,
    pub(crate) outcome: Outcome,
    /// What changed. Never a secret.
    pub(crate) details: serde_json::Value,
    /// Emails and webhooks the event causes, queued in the same transaction (the transactional
    /// outbox): the change and its announcements happen together or not at all.
    pub(crate) outbox: Vec<crate::OutboxMessage>,
}

impl AuditRecord {
    /// A successful `action` by `actor` on `target` (its type and id), at `at`, in `org_id`'s
    /// trail (`None`: the installation's).
    pub fn new(
        org_id: Option<Uuid>,
        at: OffsetDateTime,
        actor: Actor,
        action: &'static str,
        target: (&'static str, Option<Uuid>),
        details: serde_json::Value,
    ) -> Self {
        debug_assert!(
            AUDIT_ACTIONS.contains(&action),
            "{action} is not in AUDIT_ACTIONS"
        );
        Self {
            id: Uuid::now_v7(),
            org_id,
            at,
            actor,
            action,
            target_type: target.0,
            target_id: target.1,
            source_ip: None,
            outcome: Outcome::Success,
            details,
            outbox: Vec::new(),
        }
    }

    /// Where the request came from.
    pub fn from_ip(mut self, ip: impl ToString) -> Self {
        self.source_ip = Some(ip.to_string());
        self
    }

    /// The action was refused or failed.
    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }

    /// Names another actor (a refusal whose account turned out not to exist, say).
    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    /// In another organization's trail.
    pub fn in_org(mut self, org_id: Option<Uuid>) -> Self {
        self.org_id = org_id;
        self
    }

    pub fn with_outbox(mut self, outbox: Vec<crate::OutboxMessage>) -> Self {
        self.outbox = outbox;
        self
    }

    /// The messages the event causes, built once the record exists (they name its actor).
    pub fn set_outbox(&mut self, outbox: Vec<crate::OutboxMessage>) {
        self.outbox = outbox;
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn org_id(&self) -> Option<Uuid> {
        self.org_id
    }

    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn actor_label(&self) -> &str {
        &self.actor.label
    }

    pub fn action(&self) -> &'static str {
        self.action
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    pub fn outbox(&self) -> &[crate::OutboxMessage] {
        &self.outbox
    }
}

/// An event as stored: what is shown of it, and what its place in the hash chain needs.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    pub entry: AuditEntry,
    pub org_id: Option<Uuid>,
    /// `details` exactly as stored and hashed.
    pub details_raw: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    /// Whether its ids are stored exactly as keyward writes them (lower-case, hyphenated). The
    /// hash covers the parsed ids, and filters compare the stored text: an id re-spelled in the
    /// database would hide the event from its organization's trail and still hash the same.
    pub ids_as_written: bool,
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

/// An event made ready for a bulk write before its transaction: every stored column but the
/// chain's own (sequence number, predecessor, hash), and what its hash covers of them.
pub(crate) struct PreparedAudit {
    pub(crate) cells: Vec<crate::bulk::Cell>,
    pub(crate) tail: Vec<u8>,
}

/// `records` as [`PreparedAudit`]s, in order.
pub(crate) fn prepare_audits(records: &[AuditRecord]) -> Vec<PreparedAudit> {
    records
        .iter()
        .map(|a| {
            let details = a.details.to_string();
            let at = crate::to_millis(a.at);
            let tail = record_fields(a, at, &details).tail();
            let cells = vec![
                a.id.to_string().into(),
                a.org_id.map(|u| u.to_string()).into(),
                at.into(),
                a.actor.kind.as_str().into(),
                a.actor.id.map(|u| u.to_string()).into(),
                a.actor.label.clone().into(),
                a.action.into(),
                a.target_type.into(),
                a.target_id.map(|u| u.to_string()).into(),
                a.source_ip.clone().into(),
                a.outcome.as_str().into(),
                details.into(),
            ];
            PreparedAudit { cells, tail }
        })
        .collect()
}

/// The hash that precedes the first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// [`chain_hash`] of a record about to be appended as `seq`, its details and time already
/// rendered as stored.
pub(crate) fn record_hash(prev: &[u8], seq: i64, a: &AuditRecord, at_millis: i64, details: &str) -> [u8; 32] {
    link_hash(prev, seq, &record_fields(a, at_millis, details).tail())
}

/// The fields a record's hash covers, its details and time rendered as stored.
fn record_fields<'a>(a: &'a AuditRecord, at_millis: i64, details: &'a str) -> ChainFields<'a> {
    ChainFields {
        id: a.id,
        org_id: a.org_id,
        at_millis,
        actor: (a.actor.kind.as_str(), a.actor.id, &a.actor.label),
        action: a.action,
        target: (a.target_type, a.target_id),
        source_ip: a.source_ip.as_deref(),
        outcome: a.outcome.as_str(),
        details,
    }
}

/// An event's fields as its hash covers them, after its predecessor and sequence number.
pub struct ChainFields<'a> {
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    pub at_millis: i64,
    /// Kind, id and label.
    pub actor: (&'a str, Option<Uuid>, &'a str),
    pub action: &'a str,
    /// Type and id.
    pub target: (&'a str, Option<Uuid>),
    pub source_ip: Option<&'a str>,
    pub outcome: &'a str,
    pub details: &'a str,
}

impl ChainFields<'_> {
    /// Canonical fields, each with its length, so no two events share a form: written once
    /// per event, so a bulk write prepares them before it takes the chain's head.
    fn tail(&self) -> Vec<u8> {
        let mut tail = Vec::with_capacity(256 + self.details.len());
        let mut field = |s: &str| {
            tail.extend_from_slice(&(s.len() as u64).to_be_bytes());
            tail.extend_from_slice(s.as_bytes());
        };
        let opt = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        field(&self.id.to_string());
        field(&opt(self.org_id));
        field(&self.at_millis.to_string());
        field(self.actor.0);
        field(&opt(self.actor.1));
        field(self.actor.2);
        field(self.action);
        field(self.target.0);
        field(&opt(self.target.1));
        field(self.source_ip.unwrap_or(""));
        field(self.outcome);
        field(self.details);
        tail
    }
}

/// An event's hash: its predecessor's, its sequence number, then its fields.
pub fn chain_hash(prev: &[u8], seq: i64, fields: &ChainFields<'_>) -> [u8; 32] {
    link_hash(prev, seq, &fields.tail())
}

/// The hash of an event from its predecessor's, its sequence number and [`ChainFields::tail`].
pub(crate) fn link_hash(prev: &[u8], seq: i64, tail: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    let seq = seq.to_string();
    h.update((seq.len() as u64).to_be_bytes());
    h.update(seq.as_bytes());
    h.update(tail);
    h.finalize().into()
}

impl AuditEvent {
    /// Recomputes this event's hash from its fields and the given predecessor.
    pub fn expected_hash(&self, prev: &[u8]) -> [u8; 32] {
        let e = &self.entry;
        chain_hash(
            prev,
            e.seq,
            &ChainFields {
                id: e.id,
                org_id: self.org_id,
                at_millis: crate::to_millis(e.at),
                actor: (&e.actor_kind, e.actor_id, &e.actor_label),
                action: &e.action,
                target: (&e.target_type, e.target_id),
                source_ip: e.source_ip.as_deref(),
                outcome: &e.outcome,
                details: &self.details_raw,
            },
        )
    }
}

/// Checks a run of events in `seq` order, continuing from `prev` and `prev_seq`.
pub fn check_run(events: &[AuditEvent], prev: &mut Vec<u8>, prev_seq: &mut i64) -> Result<(), ChainBreak> {
    for event in events {
        let e = &event.entry;
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
        if event.prev_hash != *prev {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not link to the event before it".into(),
            });
        }
        if !event.ids_as_written {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "its ids were changed after it was written (they are not as keyward writes them)"
                    .into(),
            });
        }
        if event.expected_hash(prev)[..] != event.hash[..] {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "its content was changed after it was written".into(),
            });
        }
        *prev = event.hash.clone();
        *prev_seq = e.seq;
    }
    Ok(())
}
