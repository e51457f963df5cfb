//! Background jobs: expiry reminders, monitoring alerts, and the delivery of everything
//! queued in the outbox. Every node runs these loops; the database decides who does what
//! (compare-and-set reminder stages, unique alerts, leased outbox claims with
//! `FOR UPDATE SKIP LOCKED`), so each event is handled once however many nodes run.

pub mod delivery;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use keyward_core::policy::BURST_CODES;
use keyward_core::{OrgSettings, TokenStatus};
use keyward_store::{
    Actor, AuditRecord, Channel, DynStore, InsightAlert, OutboxItem, OutboxMessage, Page, ReminderSubject,
    StoreResult, TokenFilter,
};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

pub use delivery::{Mailer, WebhookSender};
pub use keyward_service::Notifier;
use keyward_service::notifier;

use keyward_service::Clock;
use keyward_service::verify::Verifier;

/// Timing of the background work and of retries.
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// How often each node looks for messages to deliver (a node also wakes when it queues one).
    pub outbox_interval: Duration,
    /// How often each node looks for due reminders and monitoring findings.
    pub scheduler_interval: Duration,
    /// Attempts before a message is marked dead.
    pub max_attempts: i64,
    /// The first retry's delay; each later one waits four times longer, up to six hours.
    pub backoff_base: time::Duration,
    /// How long a claimed message is reserved for the node delivering it.
    pub lease: time::Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            outbox_interval: Duration::from_secs(2),
            scheduler_interval: Duration::from_secs(30),
            max_attempts: 8,
            backoff_base: time::Duration::seconds(30),
            lease: time::Duration::minutes(2),
        }
    }
}

impl JobSettings {
    /// When to try again after `attempts` failed attempts; `None` once they are used up.
    pub fn retry_at(&self, now: OffsetDateTime, attempts: i64) -> Option<OffsetDateTime> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 4i64.saturating_pow(attempts.saturating_sub(1).clamp(0, 20) as u32);
        let delay = self
            .backoff_base
            .whole_seconds()
            .saturating_mul(factor)
            .min(6 * 3600);
        Some(now + time::Duration::seconds(delay))
    }
}

/// What this node's background work did, for `/metrics`.
#[derive(Debug, Default)]
pub struct JobMetrics {
    pub delivered: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub dead: AtomicU64,
    pub reminders: AtomicU64,
    pub alerts: AtomicU64,
}

/// The background side of the lifecycle, shared by its loops.
pub struct Jobs {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
    pub notifier: Arc<Notifier>,
    pub verifier: Arc<Verifier>,
    pub mailer: Option<Mailer>,
    pub webhooks: WebhookSender,
    pub settings: JobSettings,
    pub metrics: JobMetrics,
    /// Access-token signing keys and their rotation.
    pub keys: Arc<keyward_service::KeyRing>,
    pub config: Arc<crate::app::ServerConfig>,
}

/// An audit record for something keyward did on its own, carrying the messages it queues.
pub fn system_record(
    org_id: Uuid,
    at: OffsetDateTime,
    action: &'static str,
    target: (&'static str, Option<Uuid>),
    details: serde_json::Value,
    outbox: Vec<OutboxMessage>,
) -> AuditRecord {
    AuditRecord::new(
        Some(org_id),
        at,
        Actor::system("keyward"),
        action,
        target,
        details,
    )
    .with_outbox(outbox)
}

/// An audit record for something keyward did on its own that belongs to no organization.
pub fn system_record_no_org(at: OffsetDateTime, action: &'static str) -> AuditRecord {
    AuditRecord::new(
        None,
        at,
        Actor::system("keyward"),
        action,
        ("installation", None),
        serde_json::json!({}),
    )
}

impl Jobs {
    /// Runs the outbox worker and the scheduler until `stop` turns true.
    pub async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) {
        let outbox = tokio::spawn({
            let this = self.clone();
            let stop = stop.clone();
            async move { this.outbox_loop(stop).await }
        });
        self.scheduler_loop(stop).await;
        let _ = outbox.await;
    }

    async fn outbox_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.settings.outbox_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.notifier.woken() => {}
                _ = stop.changed() => return,
            }
            // Drain what is due, a batch at a time.
            loop {
                match self.deliver_batch().await {
                    Ok(n) if n == OUTBOX_BATCH as usize => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox: cannot claim messages");
                        break;
                    }
                }
            }
        }
    }

    /// Claims and delivers one batch; answers how many it claimed.
    pub async fn deliver_batch(&self) -> StoreResult<usize> {
        let now = self.clock.now();
        let items = self
            .store
            .claim_outbox(
                now,
                now + self.settings.lease,
                OUTBOX_BATCH,
                self.mailer.is_some(),
            )
            .await?;
        let n = items.len();
        for item in items {
            let id = item.message.id;
            let result = self.deliver(&item).await;
            let now = self.clock.now();
            let recorded = match result {
                Ok(()) => {
                    self.metrics.delivered.fetch_add(1, Ordering::Relaxed);
                    self.store.outbox_delivered(id, now).await
                }
                Err(e) => {
                    let retry = self.settings.retry_at(now, item.attempts);
                    self.metrics.failed_attempts.fetch_add(1, Ordering::Relaxed);
                    if retry.is_none() {
                        self.metrics.dead.fetch_add(1, Ordering::Relaxed);
                    }
                    tracing::warn!(message = %id, event = %item.message.event, attempts = item.attempts,
                        dead = retry.is_none(), error = %e, "outbox: delivery failed");
                    self.store.outbox_failed(id, &e.to_string(), retry).await
                }
            };
            if let Err(e) = recorded {
                // The lease runs out and the message is tried again: at least once, never lost.
                tracing::warn!(message = %id, error = %e, "outbox: cannot record the delivery");
            }
        }
        Ok(n)
    }

    async fn deliver(&self, item: &OutboxItem) -> anyhow::Result<()> {
        let m = &item.message;
        match m.channel {
            Channel::Email => {
                let mailer = self
                    .mailer
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("no SMTP server configured"))?;
                mailer.send(&m.recipient, &m.subject, &m.body).await
            }
            Channel::Webhook => {
                let endpoint_id = Uuid::parse_str(&m.recipient)?;
                let endpoint = match self.store.get_webhook(m.org_id, endpoint_id).await {
                    Ok(e) => e,
                    Err(keyward_store::StoreError::NotFound) => {
                        anyhow::bail!("the webhook endpoint was deleted")
                    }
                    Err(e) => return Err(e.into()),
                };
                if !endpoint.enabled {
                    anyhow::bail!("the webhook endpoint is disabled");
                }
                let id = format!("msg_{}", m.id.simple());
                let endpoint = keyward_core::WebhookEndpoint {
                    secret: keyward_service::webhooks::open_secret(&self.keys, &endpoint.secret)?,
                    ..endpoint
                };
                self.webhooks
                    .send(&endpoint, &id, self.clock.now().unix_timestamp(), &m.body)
                    .await
            }
        }
    }

    async fn scheduler_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.settings.scheduler_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            if let Err(e) = self.send_reminders().await {
                tracing::warn!(error = %e, "scheduler: reminders failed; will retry");
            }
            if let Err(e) = self.watch_usage().await {
                tracing::warn!(error = %e, "scheduler: monitoring failed; will retry");
            }
            let now = self.clock.now();
            if let Err(e) = self.store.throttle_prune(now).await {
                tracing::warn!(error = %e, "scheduler: pruning login throttling failed; will retry");
            }
            let _ = self.keys.reload(now).await;
            if let Err(e) = crate::oauth::ensure_signing_key(&self.keys, &self.config, now).await {
                tracing::warn!(error = %e, "scheduler: signing key rotation failed; will retry");
            }
        }
    }

    /// Queues every reminder due now. Answers how many this node queued.
    pub async fn send_reminders(&self) -> StoreResult<usize> {
        let mut sent = 0;
        loop {
            let now = self.clock.now();
            let due = self.store.due_reminders(now, REMINDER_BATCH).await?;
            let mut advanced = 0;
            for d in &due {
                let outbox = self
                    .notifier
                    .messages(d.org_id, now, self.notifier.reminder(d))
                    .await?;
                let (action, target) = match d.subject {
                    ReminderSubject::Token => ("token.reminder", "token"),
                    ReminderSubject::ApiUser => ("api_user.reminder", "api_user"),
                };
                let recipients = outbox.len();
                let audit = system_record(
                    d.org_id,
                    now,
                    action,
                    (target, Some(d.id)),
                    json!({"stage": notifier::stage_name(d.stage), "expires_at": crate::api::rfc3339(d.expires_at),
                           "messages": recipients}),
                    outbox,
                );
                if self.store.advance_reminder(d, &audit).await? {
                    advanced += 1;
                }
            }
            sent += advanced;
            self.metrics
                .reminders
                .fetch_add(advanced as u64, Ordering::Relaxed);
            if due.len() < REMINDER_BATCH as usize || advanced == 0 {
                break;
            }
        }
        if sent > 0 {
            self.notifier.wake();
        }
        Ok(sent)
    }

    /// Looks for what monitoring reports and raises each finding once.
    pub async fn watch_usage(&self) -> StoreResult<usize> {
        let now = self.clock.now();
        let mut findings: Vec<InsightAlert> = Vec::new();
        let mut settings_of = std::collections::HashMap::<Uuid, OrgSettings>::new();
        let mut settings = async |store: &DynStore, org: Uuid| -> StoreResult<OrgSettings> {
            if let Some(s) = settings_of.get(&org) {
                return Ok(s.clone());
            }
            let s = store.get_settings(org).await?;
            settings_of.insert(org, s.clone());
            Ok(s)
        };

        for n in self.verifier.take_new_networks() {
            if n.had_others && settings(&self.store, n.org_id).await?.insights.new_network {
                findings.push(InsightAlert {
                    org_id: n.org_id,
                    kind: "new_network".into(),
                    subject_id: n.token_id,
                    window_key: n.network.clone(),
                    created_at: now,
                    details: json!({"network": n.network, "first_seen": crate::api::rfc3339(n.first_seen)}),
                });
            }
        }

        // This hour against the week before it.
        let hour = now
            .replace_minute(0)
            .and_then(|t| t.replace_second(0))
            .and_then(|t| t.replace_nanosecond(0));
        let hour = hour.unwrap_or(now);
        let this_hour = self.store.usage_totals(hour, hour + time::Duration::HOUR).await?;
        let mut per_token = std::collections::HashMap::<(Uuid, Uuid), (i64, i64)>::new();
        for (token, org, code, n) in &this_hour {
            let e = per_token.entry((*token, *org)).or_default();
            e.0 += n;
            if BURST_CODES.contains(code) {
                e.1 += n;
            }
        }
        let week = if per_token.is_empty() {
            Vec::new()
        } else {
            self.store
                .usage_totals(hour - time::Duration::days(7), hour)
                .await?
        };
        let window = crate::api::rfc3339(hour);
        for ((token, org), (total, denied)) in per_token {
            let t = settings(&self.store, org).await?.insights;
            if t.is_denied_burst(denied) {
                findings.push(InsightAlert {
                    org_id: org,
                    kind: "denied_burst".into(),
                    subject_id: token,
                    window_key: window.clone(),
                    created_at: now,
                    details: json!({"hour": window, "denied": denied, "threshold": t.denied_burst}),
                });
            }
            let week_total: i64 = week.iter().filter(|w| w.0 == token).map(|w| w.3).sum();
            if t.is_spike(total, week_total) {
                findings.push(InsightAlert {
                    org_id: org,
                    kind: "spike".into(),
                    subject_id: token,
                    window_key: window.clone(),
                    created_at: now,
                    details: json!({"hour": window, "verifications": total,
                                    "average_hour_last_week": week_total as f64 / 168.0}),
                });
            }
        }

        // Tokens that are not used.
        for org in self.store.list_organization_ids().await? {
            let t = settings(&self.store, org).await?.insights;
            for (kind, days) in [("never_used", t.never_used_days), ("unused", t.unused_days)] {
                let filter = TokenFilter {
                    status: Some(TokenStatus::Active),
                    unused_since: Some(now - time::Duration::days(days.into())),
                    ..Default::default()
                };
                for tok in self.store.list_tokens(org, &filter, Page::first(200)).await? {
                    let matches = match kind {
                        "never_used" => tok.last_used_at.is_none(),
                        _ => tok.last_used_at.is_some(),
                    };
                    if !matches || tok.replaced_by.is_some() {
                        continue;
                    }
                    findings.push(InsightAlert {
                        org_id: org,
                        kind: kind.into(),
                        subject_id: tok.id,
                        window_key: tok
                            .last_used_at
                            .map(crate::api::rfc3339)
                            .unwrap_or_else(|| "never".into()),
                        created_at: now,
                        details: json!({"created_at": crate::api::rfc3339(tok.created_at),
                                        "last_used_at": tok.last_used_at.map(crate::api::rfc3339),
                                        "threshold_days": days}),
                    });
                }
            }
        }

        let mut raised = 0;
        for f in findings {
            let token = self.store.get_token(f.org_id, f.subject_id).await.ok();
            let label = token
                .as_ref()
                .map(|t| format!("\"{}\" ({})", t.name, t.hint))
                .unwrap_or_else(|| f.subject_id.to_string());
            let outbox = self
                .notifier
                .messages(
                    f.org_id,
                    now,
                    self.notifier
                        .alert(&f, &label, token.as_ref().map(|t| t.api_user_id)),
                )
                .await?;
            let audit = system_record(
                f.org_id,
                now,
                "insight.alert",
                ("token", Some(f.subject_id)),
                json!({"kind": f.kind, "window": f.window_key}),
                outbox,
            );
            if self.store.raise_alert(&f, &audit).await? {
                raised += 1;
                self.metrics.alerts.fetch_add(1, Ordering::Relaxed);
            }
        }
        if raised > 0 {
            self.notifier.wake();
        }
        Ok(raised)
    }
}

const OUTBOX_BATCH: u32 = 20;
const REMINDER_BATCH: u32 = 100;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn backoff_grows_and_ends() {
        let s = JobSettings::default();
        let now = datetime!(2026-11-24 12:00 UTC);
        assert_eq!(s.retry_at(now, 1), Some(now + time::Duration::seconds(30)));
        assert_eq!(s.retry_at(now, 2), Some(now + time::Duration::minutes(2)));
        assert_eq!(s.retry_at(now, 3), Some(now + time::Duration::minutes(8)));
        assert_eq!(s.retry_at(now, 7), Some(now + time::Duration::hours(6)));
        assert_eq!(s.retry_at(now, 8), None);
    }
}
