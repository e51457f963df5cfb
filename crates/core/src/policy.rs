//! Organization policy, and credentials over time: the expiry policy and monitoring thresholds,
//! the reminder stages of an expiring credential, and the events keyward announces.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::input::FieldError;

/// An organization's lifecycle settings. Stored as JSON; every field has a default, so settings
/// written by an older keyward still read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgSettings {
    pub expiry_policy: ExpiryPolicy,
    pub insights: InsightThresholds,
    /// Members must turn on two-factor authentication: until they do, a session can only do that.
    pub require_member_2fa: bool,
    /// What to do with a token reported leaked (by GitHub's or GitLab's secret scanning, or
    /// `keyward scan --report`). `None`: revoke live tokens, only notify of sandbox ones.
    pub leaked_token_action: Option<LeakedTokenAction>,
    /// Once every customer has moved to keyward's format: imported tokens still in another
    /// system's format answer MALFORMED, and imports are refused.
    pub refuse_foreign_tokens: bool,
    /// Rate limits for each token that has none of its own.
    pub default_ratelimits: Vec<crate::limits::RateLimit>,
    /// Administrators are told when a balance of credits falls below this share of its
    /// refill amount (or of its last top-up), and again when it runs out; `None`: 10 %.
    pub credits_alert_percent: Option<u8>,
}

impl OrgSettings {
    /// The action for a leaked token of this environment.
    pub fn leaked_token_action(&self, environment: crate::Environment) -> LeakedTokenAction {
        self.leaked_token_action.unwrap_or(match environment {
            crate::Environment::Live => LeakedTokenAction::Revoke,
            crate::Environment::Sandbox => LeakedTokenAction::Notify,
        })
    }
}

/// What keyward does with a token found where it should not be. Every action also records the
/// leak, audits it and tells the administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakedTokenAction {
    Revoke,
    Suspend,
    Notify,
}

impl LeakedTokenAction {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Revoke, Self::Suspend, Self::Notify]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Suspend => "suspend",
            Self::Notify => "notify",
        }
    }
}

/// The longest lifetime a token may be given, and whether it may have none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpiryPolicy {
    /// Days from creation (or from the change); `None` sets no limit.
    pub max_lifetime_days: Option<u32>,
    pub allow_no_expiry: bool,
    /// Days a new token lives when its creator chooses nothing (the API, the CLI and the
    /// dashboard's preselected choice alike); `None`: no expiry. An explicit `"expires_at":
    /// null` still asks for none, which `allow_no_expiry` decides.
    pub default_days: Option<u32>,
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        Self {
            max_lifetime_days: None,
            allow_no_expiry: true,
            default_days: None,
        }
    }
}

impl ExpiryPolicy {
    /// Checks a token's expiry chosen at `now` against the policy. The message names the policy,
    /// so the person refused knows what to ask for.
    pub fn check(&self, expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Result<(), FieldError> {
        match (expires_at, self.max_lifetime_days) {
            (None, _) if !self.allow_no_expiry => Err(FieldError::new(
                "expires_at",
                match self.max_lifetime_days {
                    Some(d) => format!(
                        "the organization's expiry policy requires an expiry, at most {d} days from now"
                    ),
                    None => "the organization's expiry policy requires an expiry".into(),
                },
            )),
            // A second of slack: "90 days" chosen from a list must pass a 90-day policy.
            (Some(at), Some(d)) if at > now + Duration::days(d.into()) + Duration::SECOND => {
                Err(FieldError::new(
                    "expires_at",
                    format!("the organization's expiry policy allows tokens to live at most {d} days"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// When monitoring speaks up. Counts are per token; windows are whole days or hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InsightThresholds {
    /// A token created this many days ago and never used is reported.
    pub never_used_days: u32,
    /// A token not used for this many days should have been decommissioned.
    pub unused_days: u32,
    /// Denied verifications (IP not allowed, insufficient permissions, revoked) of one token
    /// within one hour that make a burst.
    pub denied_burst: u32,
    /// An hour with more than this many times the token's average hourly use over the previous
    /// seven days is a spike…
    pub spike_factor: u32,
    /// …provided it also has at least this many verifications.
    pub spike_min: u32,
    /// Report the first use of a token from an IP network (/24 for IPv4, /48 for IPv6) it has
    /// not been used from before.
    pub new_network: bool,
    /// An imported token still in use this many days after its import is reported, so its
    /// owner is nudged to rotate it into keyward's format.
    pub imported_rotate_days: u32,
}

impl Default for InsightThresholds {
    fn default() -> Self {
        Self {
            never_used_days: 14,
            unused_days: 90,
            denied_burst: 20,
            spike_factor: 10,
            spike_min: 100,
            new_network: true,
            imported_rotate_days: 30,
        }
    }
}

impl OrgSettings {
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(d) = self.expiry_policy.max_lifetime_days
            && !(1..=crate::input::MAX_EXPIRY_DAYS as u32).contains(&d)
        {
            return Err(FieldError::new(
                "expiry_policy.max_lifetime_days",
                format!("must be between 1 and {}", crate::input::MAX_EXPIRY_DAYS),
            ));
        }
        if let Some(d) = self.expiry_policy.default_days {
            let most = self
                .expiry_policy
                .max_lifetime_days
                .unwrap_or(crate::input::MAX_EXPIRY_DAYS as u32);
            if !(1..=most).contains(&d) {
                return Err(FieldError::new(
                    "expiry_policy.default_days",
                    format!("must be between 1 and {most} (the longest lifetime allowed)"),
                ));
            }
        }
        let t = &self.insights;
        for (field, v) in [
            ("insights.never_used_days", t.never_used_days),
            ("insights.unused_days", t.unused_days),
            ("insights.imported_rotate_days", t.imported_rotate_days),
        ] {
            if !(1..=crate::input::MAX_EXPIRY_DAYS as u32).contains(&v) {
                return Err(FieldError::new(
                    field,
                    format!("must be between 1 and {}", crate::input::MAX_EXPIRY_DAYS),
                ));
            }
        }
        for (field, v) in [
            ("insights.denied_burst", t.denied_burst),
            ("insights.spike_factor", t.spike_factor),
            ("insights.spike_min", t.spike_min),
        ] {
            if !(1..=1_000_000).contains(&v) {
                return Err(FieldError::new(field, "must be between 1 and 1000000"));
            }
        }
        crate::quota::validate_rate_limits(&self.default_ratelimits, "default_ratelimits")?;
        if let Some(p) = self.credits_alert_percent
            && !(1..=99).contains(&p)
        {
            return Err(FieldError::new(
                "credits_alert_percent",
                "must be between 1 and 99",
            ));
        }
        Ok(())
    }
}

/// How far along its expiry a credential's reminders are. Stored as a number per token and
/// API user; a stage is sent when the stored number is below it, and the number is raised in
/// the same transaction that queues the messages, so each stage goes out at most once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReminderStage {
    None = 0,
    /// 30 days before.
    Month = 1,
    /// 7 days before.
    Week = 2,
    /// On the day: 24 hours before.
    Day = 3,
    /// Once, after it expired.
    Expired = 4,
}

impl ReminderStage {
    pub fn as_i64(self) -> i64 {
        self as i64
    }

    pub fn from_i64(n: i64) -> Self {
        match n {
            1 => Self::Month,
            2 => Self::Week,
            3 => Self::Day,
            4.. => Self::Expired,
            _ => Self::None,
        }
    }

    /// How long before the expiry a stage falls due.
    pub fn lead(self) -> Option<Duration> {
        match self {
            Self::None => None,
            Self::Month => Some(Duration::days(30)),
            Self::Week => Some(Duration::days(7)),
            Self::Day => Some(Duration::days(1)),
            Self::Expired => Some(Duration::ZERO),
        }
    }

    /// The latest stage due at `now`. A scan that finds several due (the server was down, or
    /// the clock jumped) sends only this one: the later message says more than the earlier.
    pub fn due(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        let Some(at) = expires_at else {
            return Self::None;
        };
        [Self::Expired, Self::Day, Self::Week, Self::Month]
            .into_iter()
            .find(|s| s.lead().is_some_and(|lead| now >= at - lead))
            .unwrap_or(Self::None)
    }

    /// The stage a credential starts at when its expiry is set at `now`: whatever is already
    /// due then is covered by the creation alert, so reminders start with the next stage.
    pub fn initial(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        Self::due(expires_at, now)
    }

    pub fn event(self) -> &'static str {
        match self {
            Self::Expired => "token.expired",
            _ => "token.expiring",
        }
    }

    /// "in 30 days", "in 7 days", "tomorrow", "expired".
    pub fn phrase(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Month => "in 30 days",
            Self::Week => "in 7 days",
            Self::Day => "within a day",
            Self::Expired => "has expired",
        }
    }
}

impl InsightThresholds {
    /// Whether refused verifications in one hour make a burst worth telling someone about.
    pub fn is_denied_burst(&self, denied_in_hour: i64) -> bool {
        denied_in_hour >= i64::from(self.denied_burst)
    }

    /// Whether an hour's verifications are a spike against the token's average hour over the
    /// previous week (`week_total` / 168).
    pub fn is_spike(&self, hour_total: i64, week_total: i64) -> bool {
        hour_total >= i64::from(self.spike_min)
            && hour_total.saturating_mul(168) > week_total.saturating_mul(i64::from(self.spike_factor))
    }
}

/// The result codes that count towards a burst of refusals: someone trying a token where it
/// does not belong, beyond its rights, or after it was revoked.
pub const BURST_CODES: &[crate::VerifyCode] = &[
    crate::VerifyCode::IpNotAllowed,
    crate::VerifyCode::InsufficientPermissions,
    crate::VerifyCode::Revoked,
];

/// The events keyward announces by email and webhook.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "token.created",
    "token.rotated",
    "token.revoked",
    "token.suspended",
    "token.expiring",
    "token.expired",
    "token.leaked",
    "api_user.created",
    "api_user.password_set",
    "api_user.suspended",
    "api_user.deleted",
    "verification.anomaly",
    "credits.low",
    "credits.exhausted",
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn policy_names_itself() {
        let now = datetime!(2026-11-24 12:00 UTC);
        let p = ExpiryPolicy {
            max_lifetime_days: Some(90),
            allow_no_expiry: false,
            default_days: None,
        };
        assert!(p.check(Some(now + Duration::days(90)), now).is_ok());
        let e = p.check(Some(now + Duration::days(91)), now).unwrap_err();
        assert!(e.message.contains("at most 90 days"), "{e}");
        let e = p.check(None, now).unwrap_err();
        assert!(e.message.contains("requires an expiry"), "{e}");
        assert!(ExpiryPolicy::default().check(None, now).is_ok());
    }

    #[test]
    fn stages_fall_due_in_order() {
        let at = datetime!(2026-12-31 00:00 UTC);
        let s = |now| ReminderStage::due(Some(at), now);
        assert_eq!(s(at - Duration::days(31)), ReminderStage::None);
        assert_eq!(s(at - Duration::days(30)), ReminderStage::Month);
        assert_eq!(s(at - Duration::days(8)), ReminderStage::Month);
        assert_eq!(s(at - Duration::days(7)), ReminderStage::Week);
        assert_eq!(s(at - Duration::hours(24)), ReminderStage::Day);
        assert_eq!(s(at - Duration::SECOND), ReminderStage::Day);
        assert_eq!(s(at), ReminderStage::Expired);
        assert_eq!(ReminderStage::due(None, at), ReminderStage::None);
        for n in 0..5 {
            assert_eq!(ReminderStage::from_i64(n).as_i64(), n);
        }
    }

    #[test]
    fn bursts_and_spikes() {
        let t = InsightThresholds::default();
        assert!(!t.is_denied_burst(19));
        assert!(t.is_denied_burst(20));
        // 100 in an hour after a quiet week is a spike; after a busy week it is not.
        assert!(t.is_spike(100, 0));
        assert!(t.is_spike(100, 168 * 9));
        assert!(!t.is_spike(100, 168 * 10));
        assert!(!t.is_spike(99, 0), "below the floor");
    }

    #[test]
    fn settings_read_with_defaults_and_refuse_nonsense() {
        let s: OrgSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, OrgSettings::default());
        let s: OrgSettings = serde_json::from_str(r#"{"expiry_policy":{"max_lifetime_days":0}}"#).unwrap();
        assert!(s.validate().is_err());
        assert!(serde_json::from_str::<OrgSettings>(r#"{"nope":1}"#).is_err());
    }
}
