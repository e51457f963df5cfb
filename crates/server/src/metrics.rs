//! `/metrics`, in the OpenMetrics text format written by `prometheus-client`. The counters stay
//! where they are counted: the verify path bumps per-thread stripes (a shared atomic per request
//! cost throughput when both cores verify), so the registry reads them at scrape time through a
//! collector rather than owning them.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use keyward_core::VerifyCode;
use keyward_service::{KeyRing, Verifier};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::jobs::Jobs;

/// The registry `/metrics` encodes: keyward's counters, read when scraped.
pub fn registry(verifier: Arc<Verifier>, keys: Arc<KeyRing>, jobs: Arc<Jobs>) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(KeywardCollector { verifier, keys, jobs }));
    registry
}

/// The registry's text, as Prometheus scrapes it.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::with_capacity(4096);
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, registry) {
        tracing::error!(error = %e, "cannot encode the metrics");
    }
    out
}

/// The content type of [`encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct KeywardCollector {
    verifier: Arc<Verifier>,
    keys: Arc<KeyRing>,
    jobs: Arc<Jobs>,
}

impl fmt::Debug for KeywardCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeywardCollector")
    }
}

fn counter(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> fmt::Result {
    let c = ConstCounter::new(value);
    c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: i64) -> fmt::Result {
    let g = ConstGauge::new(value);
    g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

impl Collector for KeywardCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
        let m = &self.verifier.metrics;
        // Counter names are given without `_total`: the encoder adds it.
        {
            let probe = ConstCounter::new(0u64);
            let mut family = e.encode_descriptor(
                "keyward_verify",
                "Verifications by result code.",
                None,
                probe.metric_type(),
            )?;
            for code in VerifyCode::ALL {
                let n = ConstCounter::new(m.verify_by_code[code.index()].get());
                n.encode(family.encode_family(&[("code", code.as_str())])?)?;
            }
        }
        counter(
            &mut e,
            "keyward_verify_cache_hits",
            "Verifications answered from the token cache.",
            m.cache_hits.get(),
        )?;
        counter(
            &mut e,
            "keyward_verify_negative_hits",
            "Unknown tokens answered from the negative cache.",
            m.negative_hits.get(),
        )?;
        counter(
            &mut e,
            "keyward_verify_storage_reads",
            "Verifications that read storage (cache misses).",
            m.storage_reads.get(),
        )?;
        counter(
            &mut e,
            "keyward_credit_leases",
            "Leases of credits asked of storage (one transaction each).",
            self.verifier.credit_leases(),
        )?;
        counter(
            &mut e,
            "keyward_ratelimit_leases",
            "Grants of shared rate-limit permits asked of storage (one transaction each).",
            self.verifier.permit_leases(),
        )?;
        counter(
            &mut e,
            "keyward_usage_flushes",
            "Usage batches written (one transaction each).",
            load(&m.usage_flushes),
        )?;
        counter(
            &mut e,
            "keyward_usage_flush_errors",
            "Usage batches that failed and were kept for retry.",
            load(&m.usage_flush_errors),
        )?;
        counter(
            &mut e,
            "keyward_usage_flush_updates",
            "Usage updates (one per token, hour and worker thread) handed to storage.",
            load(&m.usage_flush_rows),
        )?;
        {
            let seconds = ConstCounter::new(load(&m.usage_flush_micros) as f64 / 1e6);
            seconds.encode(e.encode_descriptor(
                "keyward_usage_flush_seconds",
                "Time spent writing usage batches.",
                None,
                seconds.metric_type(),
            )?)?;
        }
        counter(
            &mut e,
            "keyward_invalidations_received",
            "Invalidations heard from other nodes.",
            load(&m.invalidations_received),
        )?;
        counter(
            &mut e,
            "keyward_invalidation_broadcast_errors",
            "Invalidations that could not be announced.",
            load(&m.broadcast_errors),
        )?;
        counter(
            &mut e,
            "keyward_invalidation_listener_losses",
            "Times the invalidation connection was lost.",
            load(&m.listener_losses),
        )?;
        counter(
            &mut e,
            "keyward_signing_key_lookups",
            "Times an access token naming an unknown key made this node read the keys again (at most once a second).",
            load(&self.keys.unknown_key_lookups),
        )?;
        let j = &self.jobs.metrics;
        counter(
            &mut e,
            "keyward_outbox_delivered",
            "Emails and webhooks this node delivered.",
            load(&j.delivered),
        )?;
        counter(
            &mut e,
            "keyward_outbox_failed_attempts",
            "Delivery attempts by this node that failed (to be retried, or dead).",
            load(&j.failed_attempts),
        )?;
        counter(
            &mut e,
            "keyward_outbox_dead",
            "Messages this node gave up on after the last attempt.",
            load(&j.dead),
        )?;
        counter(
            &mut e,
            "keyward_reminders",
            "Expiry reminders this node queued.",
            load(&j.reminders),
        )?;
        counter(
            &mut e,
            "keyward_alerts",
            "Monitoring alerts this node raised.",
            load(&j.alerts),
        )?;
        gauge(
            &mut e,
            "keyward_verify_cache_entries",
            "Tokens in the verify cache.",
            i64::try_from(self.verifier.cached_entries()).unwrap_or(i64::MAX),
        )?;
        gauge(
            &mut e,
            "keyward_verify_cache_enabled",
            "1 while the verify cache is in use, 0 while this node may have missed invalidations.",
            i64::from(self.verifier.cache_enabled()),
        )?;
        let (known, complete) = self.verifier.known_tokens();
        gauge(
            &mut e,
            "keyward_token_filter_tokens",
            "Token hashes in the membership filter.",
            i64::try_from(known).unwrap_or(i64::MAX),
        )?;
        gauge(
            &mut e,
            "keyward_token_filter_complete",
            "1 when unknown tokens are answered without a storage read.",
            i64::from(complete),
        )
    }
}
