//! Background jobs: expiry reminders, monitoring alerts, and the delivery of everything
//! queued in the outbox. Every node runs these loops; the database decides who does what
//! (compare-and-set reminder stages, unique alerts, leased outbox claims with
//! `FOR UPDATE SKIP LOCKED`), so each event is handled once however many nodes run.

pub mod delivery;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use keyward_service::{Clock, Service, ServiceResult, outbox, scheduled, webhooks};
use keyward_store::{Channel, OutboxItem};
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

pub use delivery::{Mailer, WebhookSender};
pub use keyward_service::Notifier;

/// A tick every `period`; a late tick waits rather than bursting to catch up.
pub(crate) fn ticker(period: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Runs `work` at each tick of a [`ticker`] until `stop` changes (a round under way finishes).
pub(crate) async fn every<F: Future<Output = ()>>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut work: impl FnMut() -> F,
) {
    let mut tick = ticker(period);
    loop {
        tokio::select! {
            _ = tick.tick() => work().await,
            _ = stop.changed() => return,
        }
    }
}

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

/// The background side of the lifecycle, shared by its loops: this node's outbox delivery
/// (SMTP and webhooks are transports, so they live here) and the timer that runs the service's
/// scheduled operations.
pub struct Jobs {
    pub service: Arc<Service>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the outbox worker when a message is queued on this node.
    pub notifier: Arc<Notifier>,
    pub mailer: Option<Mailer>,
    pub webhooks: WebhookSender,
    pub settings: JobSettings,
    pub metrics: JobMetrics,
    /// How often the access-token signing key is replaced.
    pub signing_key_rotation: time::Duration,
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
        let mut tick = ticker(self.settings.outbox_interval);
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
    pub async fn deliver_batch(&self) -> ServiceResult<usize> {
        let s = &self.service;
        let items = outbox::claim_due(s, self.settings.lease, OUTBOX_BATCH, self.mailer.is_some()).await?;
        let n = items.len();
        for item in items {
            let id = item.message.id;
            let recorded = match self.deliver(&item).await {
                Ok(()) => {
                    self.metrics.delivered.fetch_add(1, Ordering::Relaxed);
                    outbox::delivered(s, id).await
                }
                Err(e) => {
                    let retry = self.settings.retry_at(self.clock.now(), item.attempts);
                    self.metrics.failed_attempts.fetch_add(1, Ordering::Relaxed);
                    if retry.is_none() {
                        self.metrics.dead.fetch_add(1, Ordering::Relaxed);
                    }
                    tracing::warn!(message = %id, event = %item.message.event, attempts = item.attempts,
                        dead = retry.is_none(), error = %e, "outbox: delivery failed");
                    outbox::failed(s, id, &e.to_string(), retry).await
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
                let endpoint = webhooks::endpoint_for_delivery(&self.service, m.org_id, endpoint_id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("the webhook endpoint was deleted"))?;
                if !endpoint.enabled {
                    anyhow::bail!("the webhook endpoint is disabled");
                }
                let id = format!("msg_{}", m.id.simple());
                self.webhooks
                    .send(&endpoint, &id, self.clock.now().unix_timestamp(), &m.body)
                    .await
            }
        }
    }

    async fn scheduler_loop(&self, stop: watch::Receiver<bool>) {
        every(self.settings.scheduler_interval, stop, || self.scheduled_work()).await
    }

    /// One round of the scheduler: reminders, alerts, refills, tidying, key rotation; a
    /// failure is logged and retried next round.
    async fn scheduled_work(&self) {
        match scheduled::send_due_reminders(&self.service).await {
            Ok(n) => self.metrics.reminders.fetch_add(n as u64, Ordering::Relaxed),
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: reminders failed; will retry");
                0
            }
        };
        match scheduled::raise_usage_alerts(&self.service).await {
            Ok(n) => self.metrics.alerts.fetch_add(n as u64, Ordering::Relaxed),
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: monitoring failed; will retry");
                0
            }
        };
        if let Err(e) = self.service.refill_due_credits().await {
            tracing::warn!(error = %e, "scheduler: refilling credits failed; will retry");
        }
        if let Err(e) = scheduled::tidy(&self.service).await {
            tracing::warn!(error = %e, "scheduler: tidying throttles and keys failed; will retry");
        }
        match scheduled::rotate_signing_key_if_due(&self.service, self.signing_key_rotation).await {
            Ok(Some(kid)) => tracing::info!(kid = %kid, "new access-token signing key"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler: signing key rotation failed; will retry"),
        }
    }
}

const OUTBOX_BATCH: u32 = 20;

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
