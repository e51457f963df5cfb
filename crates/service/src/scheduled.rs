//! What keyward does on its own schedule: expiry reminders, monitoring alerts and signing-key
//! rotation. The server's job runner calls these on a timer on every node; the database decides
//! who does what (compare-and-set reminder stages, unique alerts), so each event happens once
//! however many nodes run. Each one writes its change, its audit event and its messages in one
//! transaction and wakes the outbox worker, like any operation.

use std::collections::HashMap;

use keyward_core::policy::BURST_CODES;
use keyward_core::{OrgSettings, TokenStatus};
use keyward_store::{Actor, AuditRecord, InsightAlert, OutboxMessage, Page, ReminderSubject, TokenFilter};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::{Service, notifier, rfc3339};

/// Reminders read per round; a round repeats while it advanced a full batch.
const REMINDER_BATCH: u32 = 100;
/// Tokens looked at per organization and kind of idleness.
const IDLE_TOKENS_LIMIT: u32 = 200;

/// An audit record for something keyward did on its own, carrying the messages it queues.
fn system_record(
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

/// An audit record for something done to the installation as a whole (a signing key rotated),
/// by keyward or by an operator's local command.
pub fn installation_record(at: OffsetDateTime, action: &'static str) -> AuditRecord {
    AuditRecord::new(
        None,
        at,
        Actor::system("keyward"),
        action,
        ("installation", None),
        json!({}),
    )
}

/// Queues every reminder due now; answers how many this node queued.
pub async fn send_due_reminders(s: &Service) -> ServiceResult<usize> {
    let mut sent = 0;
    loop {
        let now = s.now();
        let due = s.store.due_reminders(now, REMINDER_BATCH).await?;
        let mut advanced = 0;
        for d in &due {
            let outbox = s.notifier.messages(d.org_id, now, s.notifier.reminder(d)).await?;
            let (action, target) = match d.subject {
                ReminderSubject::Token => ("token.reminder", "token"),
                ReminderSubject::ApiUser => ("api_user.reminder", "api_user"),
            };
            let details = json!({"stage": notifier::stage_name(d.stage), "expires_at": rfc3339(d.expires_at),
                                 "messages": outbox.len()});
            let audit = system_record(d.org_id, now, action, (target, Some(d.id)), details, outbox);
            if s.store.advance_reminder(d, &audit).await? {
                advanced += 1;
            }
        }
        sent += advanced;
        if due.len() < REMINDER_BATCH as usize || advanced == 0 {
            break;
        }
    }
    if sent > 0 {
        s.notifier.wake();
    }
    Ok(sent)
}

/// Looks for what monitoring reports (a new network, a burst of refusals, a spike, tokens
/// never or no longer used) and raises each finding once; answers how many this node raised.
pub async fn raise_usage_alerts(s: &Service) -> ServiceResult<usize> {
    let now = s.now();
    let mut settings = SettingsOf::new(s);
    let mut findings = Vec::new();
    for n in s.verifier.take_new_networks() {
        if n.had_others && settings.of(n.org_id).await?.insights.new_network {
            findings.push(InsightAlert {
                org_id: n.org_id,
                kind: "new_network".into(),
                subject_id: n.token_id,
                window_key: n.network.clone(),
                created_at: now,
                details: json!({"network": n.network, "first_seen": rfc3339(n.first_seen)}),
            });
        }
    }
    findings.extend(this_hours_findings(s, &mut settings, now).await?);
    findings.extend(idle_token_findings(s, &mut settings, now).await?);

    let mut raised = 0;
    for f in findings {
        let token = s.store.get_token(f.org_id, f.subject_id).await.ok();
        let label = token
            .as_ref()
            .map(|t| format!("\"{}\" ({})", t.name, t.hint))
            .unwrap_or_else(|| f.subject_id.to_string());
        let announcement = s
            .notifier
            .alert(&f, &label, token.as_ref().map(|t| t.api_user_id));
        let outbox = s.notifier.messages(f.org_id, now, announcement).await?;
        let details = json!({"kind": f.kind, "window": f.window_key});
        let audit = system_record(
            f.org_id,
            now,
            "insight.alert",
            ("token", Some(f.subject_id)),
            details,
            outbox,
        );
        if s.store.raise_alert(&f, &audit).await? {
            raised += 1;
        }
    }
    if raised > 0 {
        s.notifier.wake();
    }
    Ok(raised)
}

/// Organizations' settings, each read once per round.
struct SettingsOf<'a> {
    service: &'a Service,
    read: HashMap<Uuid, OrgSettings>,
}

impl<'a> SettingsOf<'a> {
    fn new(service: &'a Service) -> Self {
        Self {
            service,
            read: HashMap::new(),
        }
    }

    async fn of(&mut self, org: Uuid) -> ServiceResult<&OrgSettings> {
        if !self.read.contains_key(&org) {
            let s = self.service.store.get_settings(org).await?;
            self.read.insert(org, s);
        }
        self.read
            .get(&org)
            .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("settings just read are gone")))
    }
}

/// Bursts of refusals and spikes: this hour against the week before it.
async fn this_hours_findings(
    s: &Service,
    settings: &mut SettingsOf<'_>,
    now: OffsetDateTime,
) -> ServiceResult<Vec<InsightAlert>> {
    let hour = now
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now);
    let this_hour = s.store.usage_totals(hour, hour + Duration::HOUR).await?;
    let mut per_token = HashMap::<(Uuid, Uuid), (i64, i64)>::new();
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
        s.store.usage_totals(hour - Duration::days(7), hour).await?
    };
    let window = rfc3339(hour);
    let mut findings = Vec::new();
    for ((token, org), (total, denied)) in per_token {
        let t = settings.of(org).await?.insights.clone();
        let finding = |kind: &str, details| InsightAlert {
            org_id: org,
            kind: kind.into(),
            subject_id: token,
            window_key: window.clone(),
            created_at: now,
            details,
        };
        if t.is_denied_burst(denied) {
            findings.push(finding(
                "denied_burst",
                json!({"hour": window, "denied": denied, "threshold": t.denied_burst}),
            ));
        }
        let week_total: i64 = week.iter().filter(|w| w.0 == token).map(|w| w.3).sum();
        if t.is_spike(total, week_total) {
            findings.push(finding(
                "spike",
                json!({"hour": window, "verifications": total, "average_hour_last_week": week_total as f64 / 168.0}),
            ));
        }
    }
    Ok(findings)
}

/// Active tokens never used, or not used for long, or imported long ago and not rotated, by
/// each organization's thresholds.
async fn idle_token_findings(
    s: &Service,
    settings: &mut SettingsOf<'_>,
    now: OffsetDateTime,
) -> ServiceResult<Vec<InsightAlert>> {
    let mut findings = Vec::new();
    for org in s.store.list_organization_ids().await? {
        let t = settings.of(org).await?.insights.clone();
        for (kind, days) in [("never_used", t.never_used_days), ("unused", t.unused_days)] {
            let filter = TokenFilter {
                status: Some(TokenStatus::Active),
                unused_since: Some(now - Duration::days(days.into())),
                ..Default::default()
            };
            for tok in s
                .store
                .list_tokens(org, &filter, Page::first(IDLE_TOKENS_LIMIT))
                .await?
            {
                let never_used = tok.last_used_at.is_none();
                if never_used != (kind == "never_used") || tok.replaced_by.is_some() {
                    continue;
                }
                findings.push(InsightAlert {
                    org_id: org,
                    kind: kind.into(),
                    subject_id: tok.id,
                    window_key: tok.last_used_at.map(rfc3339).unwrap_or_else(|| "never".into()),
                    created_at: now,
                    details: json!({"created_at": rfc3339(tok.created_at),
                                    "last_used_at": tok.last_used_at.map(rfc3339),
                                    "threshold_days": days}),
                });
            }
        }
        // Imported tokens still in their old format some days after the import: one finding
        // per token (its window is the import), so its owner is nudged once.
        let filter = TokenFilter {
            status: Some(TokenStatus::Active),
            imported_before: Some(now - Duration::days(t.imported_rotate_days.into())),
            ..Default::default()
        };
        for tok in s
            .store
            .list_tokens(org, &filter, Page::first(IDLE_TOKENS_LIMIT))
            .await?
        {
            let Some(imported_at) = tok.imported_at.filter(|_| tok.replaced_by.is_none()) else {
                continue;
            };
            findings.push(InsightAlert {
                org_id: org,
                kind: "imported".into(),
                subject_id: tok.id,
                window_key: rfc3339(imported_at),
                created_at: now,
                details: json!({"imported_from": tok.imported_from, "imported_at": rfc3339(imported_at),
                                "threshold_days": t.imported_rotate_days}),
            });
        }
    }
    Ok(findings)
}

/// Makes a signing key when there is none, or a new one when the current one is older than
/// `rotation`; the old key stays published for as long as its tokens live. Answers the new
/// key's id, if one was made.
pub async fn rotate_signing_key_if_due(s: &Service, rotation: Duration) -> ServiceResult<Option<String>> {
    let now = s.now();
    let due = match s.keys.signer_created_at() {
        None => true,
        Some(created) => created + rotation <= now,
    };
    if !due {
        return Ok(None);
    }
    let record = installation_record(now, "oauth.key_rotate");
    let kid = s
        .keys
        .rotate(now, s.access_token_ttl, &record)
        .await
        .map_err(ServiceError::internal)?;
    Ok(Some(kid))
}

/// Removes login-throttling records that no longer hold anyone back and rate-limit counts no
/// window holds, and picks up signing keys other nodes made.
pub async fn tidy(s: &Service) -> ServiceResult<()> {
    let now = s.now();
    s.store.throttle_prune(now).await?;
    s.store
        .prune_permits((now.unix_timestamp_nanos() / 1_000_000) as i64)
        .await?;
    // A node reports on what it holds every 250 ms while it holds anything: a minute of
    // silence means it died.
    s.store
        .write_off_stale_leases(now - time::Duration::minutes(1))
        .await?;
    s.keys.reload(now).await.map_err(ServiceError::internal)
}
