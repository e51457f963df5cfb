//! Tokens found leaked. GitHub's and GitLab's secret scanning, and `keyward scan --report`,
//! report strings that look like keyward tokens; each that keyward issued (whatever its state)
//! is a true positive: recorded once, acted on by the organization's `leaked_token_action`,
//! audited and announced. Strings that are not keyward's tokens are answered by the checksum
//! and the known-token filter, without a storage read.

use std::collections::HashMap;

use keyward_core::token::{self, TokenHash};
use keyward_core::{Environment, LeakedTokenAction, OrgSettings};
use keyward_store::{Actor, AuditRecord, TokenLeak};
use uuid::Uuid;

use crate::Service;
use crate::context::Manage;
use crate::error::{ServiceError, ServiceResult};
pub use keyward_api::leaks::{HashCheck, LeakFeedback, LeakLabel, LeakReport};

/// The most reports one call may carry.
pub const MAX_REPORTS: usize = 10_000;

/// Who reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reporter {
    GitHub,
    GitLab,
    /// An administrator, with `keyward scan --report` or the API.
    Keyward,
}

impl Reporter {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GitHub => "github",
            Self::GitLab => "gitlab",
            Self::Keyward => "keyward",
        }
    }
}

/// What one call did, besides its feedback: leaks newly recorded.
pub struct LeakOutcome {
    pub feedback: Vec<LeakFeedback>,
    pub newly_recorded: usize,
}

/// Handles a scanner's reports, already authenticated by the transport (its signature).
pub async fn handle_reports(
    s: &Service,
    reporter: Reporter,
    reports: &[LeakReport],
) -> ServiceResult<LeakOutcome> {
    handle(s, reporter, None, reports).await
}

/// Handles reports an administrator makes (`POST /v1/tokens/report-leak`): only tokens of the
/// caller's organization count as true positives.
pub async fn report(m: &Manage<'_>, reports: &[LeakReport]) -> ServiceResult<LeakOutcome> {
    handle(
        m.service(),
        Reporter::Keyward,
        Some((m.org_id(), m.caller().actor())),
        reports,
    )
    .await
}

/// Handles reports a scanner makes with a token of the organization holding
/// `keyward:report-leaks` (GitLab's Token Revocation API client): only the organization's tokens
/// count.
pub async fn report_as(
    s: &Service,
    caller: &crate::Caller,
    reporter: Reporter,
    reports: &[LeakReport],
) -> ServiceResult<LeakOutcome> {
    caller.require_leak_reporting()?;
    handle(s, reporter, Some((caller.org_id, caller.actor())), reports).await
}

async fn handle(
    s: &Service,
    reporter: Reporter,
    caller: Option<(Uuid, Actor)>,
    reports: &[LeakReport],
) -> ServiceResult<LeakOutcome> {
    if reports.len() > MAX_REPORTS {
        return Err(ServiceError::bad_request(
            "too_many_reports",
            format!("at most {MAX_REPORTS} reports per request"),
        ));
    }
    let mut settings = HashMap::<Uuid, OrgSettings>::new();
    let mut feedback = Vec::with_capacity(reports.len());
    let mut newly_recorded = 0;
    for r in reports {
        let hash = TokenHash::of(&r.token);
        let ours = match issued_by_us(s, &r.token, hash).await? {
            Some((org, token_id, env)) if caller.as_ref().is_none_or(|(o, _)| *o == org) => {
                Some((org, token_id, env))
            }
            _ => None,
        };
        feedback.push(LeakFeedback {
            token_hash: hash.to_hex(),
            token_type: r.kind.clone(),
            label: if ours.is_some() {
                LeakLabel::TruePositive
            } else {
                LeakLabel::FalsePositive
            },
        });
        let Some((org, token_id, env)) = ours else {
            continue;
        };
        let action = match settings.get(&org) {
            Some(st) => st.leaked_token_action(env),
            None => {
                let st = s.store.get_settings(org).await?;
                let a = st.leaked_token_action(env);
                settings.insert(org, st);
                a
            }
        };
        let actor = caller
            .as_ref()
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| Actor::system(format!("{} secret scanning", reporter.as_str())));
        if record(s, reporter, actor, org, token_id, action, r).await? {
            newly_recorded += 1;
        }
    }
    Ok(LeakOutcome {
        feedback,
        newly_recorded,
    })
}

/// The organization, id and environment of a token keyward issued with this string, whatever
/// its state. Strings of another shape, checksum or deployment cost no read.
async fn issued_by_us(
    s: &Service,
    presented: &str,
    hash: TokenHash,
) -> ServiceResult<Option<(Uuid, Uuid, Environment)>> {
    if token::parse(s.token_prefix(), presented).is_err() {
        return Ok(None);
    }
    Ok(s.verifier
        .subject_if_issued(hash)
        .await?
        .map(|v| (v.org_id, v.token_id, v.environment)))
}

/// Records one leak (once), takes its action, audits and announces it, and drops the token
/// from every node's cache. Answers whether this call recorded it.
async fn record(
    s: &Service,
    reporter: Reporter,
    actor: Actor,
    org: Uuid,
    token_id: Uuid,
    action: LeakedTokenAction,
    r: &LeakReport,
) -> ServiceResult<bool> {
    let now = s.now();
    let t = s.store.get_token(org, token_id).await?;
    let leak = TokenLeak {
        token_id,
        org_id: org,
        reported_at: now,
        source_url: token::redact(&r.url, 2000),
        reporter: reporter.as_str().into(),
        action,
    };
    let mut audit = AuditRecord::new(
        Some(org),
        now,
        actor,
        "token.leaked",
        ("token", Some(token_id)),
        serde_json::json!({"name": t.name, "hint": t.hint, "source_url": leak.source_url,
                           "reporter": leak.reporter, "kind": r.kind, "action": action.as_str()}),
    );
    if let Ok(user) = s.store.get_api_user(org, t.api_user_id).await {
        s.notifier
            .attach(&mut audit, org, s.notifier.token_leaked(&t, &user, &leak))
            .await?;
    }
    let Some(hash) = s.store.record_leak(&leak, &audit).await? else {
        return Ok(false);
    };
    if action != LeakedTokenAction::Notify {
        s.verifier.invalidate_token(hash).await;
    }
    s.notifier.wake_for(audit.outbox());
    Ok(true)
}

/// The recorded leaks among these tokens of the caller's organization.
pub async fn of_tokens(r: &crate::context::Read<'_>, token_ids: &[Uuid]) -> ServiceResult<Vec<TokenLeak>> {
    Ok(r.service().store.token_leaks(r.org_id(), token_ids).await?)
}

/// Looks tokens of the caller's organization up by the lowercase hex SHA-256 of each string.
pub async fn check_hashes(r: &crate::context::Read<'_>, hashes: &[String]) -> ServiceResult<Vec<HashCheck>> {
    if hashes.len() > MAX_REPORTS {
        return Err(ServiceError::bad_request(
            "too_many_reports",
            format!("at most {MAX_REPORTS} hashes per request"),
        ));
    }
    let s = r.service();
    let mut out = Vec::with_capacity(hashes.len());
    for (i, h) in hashes.iter().enumerate() {
        let hash = TokenHash::from_hex(h.trim()).ok_or_else(|| {
            ServiceError::invalid(
                "token_hashes",
                format!("entry {} is not 64 hex characters", i + 1),
            )
        })?;
        let subject = s
            .verifier
            .subject_if_issued(hash)
            .await?
            .filter(|v| v.org_id == r.org_id());
        let token = match subject {
            Some(v) => Some(s.store.get_token(r.org_id(), v.token_id).await?),
            None => None,
        };
        let leaked = match &token {
            Some(t) => !s.store.token_leaks(r.org_id(), &[t.id]).await?.is_empty(),
            None => false,
        };
        out.push(HashCheck {
            token_hash: hash.to_hex(),
            issued: token.is_some(),
            token_id: token.as_ref().map(|t| t.id),
            name: token.as_ref().map(|t| t.name.clone()),
            status: token.as_ref().map(|t| t.status.as_str().to_owned()),
            leaked,
        });
    }
    Ok(out)
}
