//! Rate limits and credits as administrators set them: parsing what a request asks for, giving
//! and taking balances, topping them up, the scheduled refills and the alerts. What a
//! verification spends is the verifier's (`verify::limiter`).

use keyward_api::limits::{AdjustCredits, CreditsSpec, RateLimitSpec};
use keyward_core::limits::{Credits, RateLimit};
use keyward_core::quota::{CreditAdjustment, CreditBalance, CreditsConfig, RefillSpec, validate_rate_limits};
use keyward_store::{Actor, AuditRecord, CreditOwner, OutboxMessage};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::context::Manage;
use crate::error::{ServiceError, ServiceResult, missing};

/// Limits as a request wrote them, checked.
pub(crate) fn parse_ratelimits(
    field: &'static str,
    specs: &[RateLimitSpec],
) -> ServiceResult<Vec<RateLimit>> {
    let limits: Vec<RateLimit> = specs.iter().cloned().map(Into::into).collect();
    validate_rate_limits(&limits, field)?;
    Ok(limits)
}

/// Credits as a request wrote them, checked.
pub(crate) fn parse_credits(field: &'static str, spec: &CreditsSpec) -> ServiceResult<CreditsConfig> {
    let refill = spec
        .refill
        .clone()
        .map(|r| RefillSpec::from(r).parse())
        .transpose()
        .map_err(|(sub, message)| ServiceError::invalid(field, format!("refill.{sub}: {message}")))?;
    let config = CreditsConfig {
        remaining: spec.remaining,
        refill,
    };
    config
        .validate()
        .map_err(|(sub, message)| ServiceError::invalid(field, format!("{sub}: {message}")))?;
    Ok(config)
}

/// A new balance for something being created.
pub(crate) fn new_balance(
    org_id: Uuid,
    spec: Option<&CreditsSpec>,
    now: OffsetDateTime,
) -> ServiceResult<Option<CreditBalance>> {
    spec.map(|c| {
        let config = parse_credits("credits", c)?;
        Ok(CreditBalance::new(Uuid::now_v7(), org_id, &config, now))
    })
    .transpose()
}

fn owner_parts(owner: CreditOwner) -> (&'static str, Uuid) {
    match owner {
        CreditOwner::Token(id) => ("token", id),
        CreditOwner::ApiUser(id) => ("api_user", id),
    }
}

/// Gives an owner a fresh balance, or takes its balance away (`None`), audited; the caller
/// drops the cached answers of the owner's tokens.
pub(crate) async fn set(
    m: &Manage<'_>,
    owner: CreditOwner,
    spec: Option<&CreditsSpec>,
) -> ServiceResult<Option<CreditBalance>> {
    let s = m.service();
    let now = s.now();
    let config = spec.map(|c| parse_credits("credits", c)).transpose()?;
    let (kind, id) = owner_parts(owner);
    let audit = m.record(
        now,
        "credits.set",
        kind,
        Some(id),
        serde_json::json!({
            "remaining": config.map(|c| c.remaining),
            "refill": config.and_then(|c| c.refill).map(|r| RefillSpec::of(&r)),
        }),
    );
    s.store
        .set_credits(m.org_id(), owner, config, now, &audit)
        .await
        .map_err(missing(kind))
}

/// Tops up (or sets) the balance of a token or an API user; every node sees it on its next
/// verification of the owner's tokens.
pub async fn adjust(m: &Manage<'_>, owner: CreditOwner, req: AdjustCredits) -> ServiceResult<CreditBalance> {
    let s = m.service();
    let now = s.now();
    let adjustment = match (req.add, req.set) {
        (Some(n), None) => CreditAdjustment::Add(n),
        (None, Some(n)) => CreditAdjustment::Set(n),
        _ => return Err(ServiceError::invalid("add", "give exactly one of add and set")),
    };
    let (CreditAdjustment::Add(n) | CreditAdjustment::Set(n)) = adjustment;
    if n > keyward_core::quota::MAX_CREDITS {
        return Err(ServiceError::invalid(
            if req.add.is_some() { "add" } else { "set" },
            format!("at most {}", keyward_core::quota::MAX_CREDITS),
        ));
    }
    let (kind, id) = owner_parts(owner);
    // What this node spent goes to storage first, so the balance answered counts it.
    s.verifier.settle_credits(now, false).await?;
    let audit = m.record(
        now,
        "credits.adjust",
        kind,
        Some(id),
        serde_json::json!({"add": req.add, "set": req.set}),
    );
    let b = s
        .store
        .adjust_credits(m.org_id(), owner, adjustment, &audit)
        .await
        .map_err(|e| match e {
            keyward_store::StoreError::NotFound => ServiceError::NotFound("credits"),
            e => e.into(),
        })?;
    s.verifier.credits_changed(b.id);
    // Rare (an administrator's act): one organization-wide announcement, which has every other
    // node ask storage again before spending from the balance.
    s.verifier.invalidate_org(m.org_id()).await;
    Ok(b)
}

/// Applies the refill a balance is due by `now`, exactly once across nodes (a refill someone
/// else applied first changes nothing and answers `None`), audited as keyward's own act.
pub(crate) async fn refill(
    store: &keyward_store::DynStore,
    b: &CreditBalance,
    now: OffsetDateTime,
) -> keyward_store::StoreResult<Option<CreditBalance>> {
    let Some(refill) = b.refill else {
        return Ok(None);
    };
    let mut state = Credits {
        remaining: b.available(),
        start: b.refill_start,
        last_refill: b.last_refill,
    };
    let refills = state.refill(Some(&refill), now);
    if refills == 0 {
        return Ok(None);
    }
    let next = refill.next_after(b.refill_start, state.last_refill);
    let audit = AuditRecord::new(
        Some(b.org_id),
        now,
        Actor::system("keyward"),
        "credits.refill",
        ("credits", Some(b.id)),
        serde_json::json!({
            "amount": refill.amount, "unspent_before": b.available(), "refills_due": refills,
            "next_refill_at": crate::rfc3339(next),
        }),
    );
    store
        .refill_credits(b.id, b.last_refill, state.last_refill, Some(next), &audit)
        .await
}

impl Service {
    /// Applies the refill a balance is due: see [`refill`].
    pub async fn refill_credits(&self, b: &CreditBalance) -> ServiceResult<Option<CreditBalance>> {
        Ok(refill(&self.store, b, self.now()).await?)
    }

    /// Refills every balance that is due (the ones no verification asked for since): run by
    /// the scheduled jobs. Answers how many were refilled here.
    pub async fn refill_due_credits(&self) -> ServiceResult<u64> {
        let mut done = 0;
        loop {
            let due = self.store.due_credit_refills(self.now(), 100).await?;
            let n = due.len();
            for b in &due {
                if self.refill_credits(b).await?.is_some() {
                    done += 1;
                    self.verifier.credits_changed(b.id);
                }
            }
            if n < 100 {
                return Ok(done);
            }
        }
    }

    /// Sends the "low" or "exhausted" alert a balance calls for, once per crossing (the first
    /// node to record it sends it).
    pub async fn alert_credits(&self, b: &CreditBalance) -> ServiceResult<()> {
        let percent = self
            .store
            .get_settings(b.org_id)
            .await?
            .credits_alert_percent
            .unwrap_or(10);
        let Some(stage) = b.alert_due(percent) else {
            return Ok(());
        };
        let now = self.now();
        let Some((org_id, tokens, user)) = self.store.credit_owners(b.id).await? else {
            return Ok(());
        };
        let (event, headline) = if stage == 2 {
            ("credits.exhausted", "Credits exhausted".to_owned())
        } else {
            ("credits.low", format!("Credits below {percent} %"))
        };
        let details = serde_json::json!({
            "credits_id": b.id, "remaining": b.available(), "of": b.alert_base, "percent": percent,
            "tokens": tokens, "api_user_id": user,
            "next_refill_at": b.next_refill().map(crate::rfc3339),
        });
        let text = format!(
            "{headline}: {} of {} credits remain for {}.{}",
            b.available(),
            b.alert_base,
            match (user, tokens.first()) {
                (Some(u), _) => format!("API user {u}"),
                (None, Some(t)) => format!("token {t}"),
                (None, None) => "a balance with no owner".to_owned(),
            },
            match b.next_refill() {
                Some(at) => format!(" They refill at {}.", crate::rfc3339(at)),
                None => " They do not refill: top them up to keep the integration working.".into(),
            }
        );
        let messages: Vec<OutboxMessage> = self
            .notifier
            .messages(
                org_id,
                now,
                self.notifier.credits_alert(event, &headline, &text, &details),
            )
            .await?;
        let audit = AuditRecord::new(
            Some(org_id),
            now,
            Actor::system("keyward"),
            "credits.alert",
            ("credits", Some(b.id)),
            serde_json::json!({"event": event, "remaining": b.available(), "of": b.alert_base}),
        )
        .with_outbox(messages);
        if self.store.raise_credit_alert(b.id, stage, &audit).await? {
            self.notifier.wake_for(audit.outbox());
        }
        Ok(())
    }
}

/// Each limit with what is counted of it now in this node's window, for people: "requests:
/// 42 of 100 per 1 min".
pub fn describe_limits(
    r: &crate::context::Read<'_>,
    scope: keyward_core::quota::LimitScope,
    limits: &[RateLimit],
) -> Vec<String> {
    let s = r.service();
    let used = s.verifier.ratelimit_usage(scope, limits, s.now());
    limits
        .iter()
        .zip(used)
        .map(|(l, used)| {
            format!(
                "{}: {used} of {} per {}",
                l.name,
                l.limit,
                duration_words(l.duration_ms)
            )
        })
        .collect()
}

/// A balance for people: "917 left · refills to 1000 daily, next 2026-12-06T00:00:00Z".
pub fn describe_credits(b: &CreditBalance) -> String {
    match b.refill {
        Some(r) => format!(
            "{} left · refills to {} {}, next {}",
            b.available(),
            r.amount,
            match RefillSpec::of(&r) {
                RefillSpec { day: Some(d), .. } => format!("monthly on day {d}"),
                RefillSpec { interval, .. } if interval.ends_with("ms") => format!(
                    "every {}",
                    duration_words(interval.trim_end_matches("ms").parse().unwrap_or(0))
                ),
                RefillSpec { interval, .. } => interval,
            },
            b.next_refill().map(crate::rfc3339).unwrap_or_default()
        ),
        None => format!("{} left · no refill", b.available()),
    }
}

fn duration_words(ms: u64) -> String {
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{} {unit}", ms / size);
        }
    }
    format!("{ms} ms")
}

/// [`adjust`] for an API user named by id or username.
pub async fn adjust_api_user(m: &Manage<'_>, key: &str, req: AdjustCredits) -> ServiceResult<CreditBalance> {
    let user = crate::api_users::resolve(&m.read(), key).await?;
    adjust(m, CreditOwner::ApiUser(user.id), req).await
}

impl Service {
    /// Reports this node's spending to storage and hands quiet leases back (every lease with
    /// `all`, on shutdown), then sends the alerts the balances now call for. Run every
    /// [`crate::verify::limiter::SETTLE_EVERY`].
    pub async fn settle_credits(&self, all: bool) -> ServiceResult<()> {
        let balances = self.verifier.settle_credits(self.now(), all).await?;
        for b in &balances {
            self.alert_credits(b).await?;
        }
        Ok(())
    }
}
