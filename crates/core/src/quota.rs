//! What limits a token's use: the rate limits and credits configured on it, on its API user and
//! on its organization, and how they combine on one verification. The arithmetic of each is in
//! [`crate::limits`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::input::FieldError;
use crate::limits::{RateLimit, Refill, RefillInterval};

/// Most limits a token, an API user or an organization's default may hold.
pub const MAX_RATE_LIMITS: usize = 8;

/// The largest balance or refill amount: far beyond any plan, and safe in a signed 64-bit
/// column.
pub const MAX_CREDITS: u64 = 1 << 52;

/// Checks a list of rate limits (the request's `field`): each sensible, names unique, at most
/// [`MAX_RATE_LIMITS`]. The message names the limit at fault, as `[1].duration_ms: …`.
pub fn validate_rate_limits(limits: &[RateLimit], field: &'static str) -> Result<(), FieldError> {
    if limits.len() > MAX_RATE_LIMITS {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_RATE_LIMITS} limits"),
        ));
    }
    for (i, l) in limits.iter().enumerate() {
        // A name is stored and shown: never a pasted token (and never echoed).
        crate::input::no_token(field, &l.name)
            .map_err(|e| FieldError::new(field, format!("[{i}].name: {}", e.message)))?;
        l.validate()
            .map_err(|(sub, message)| FieldError::new(field, format!("[{i}].{sub}: {message}")))?;
        if limits[..i].iter().any(|o| o.name == l.name) {
            return Err(FieldError::new(
                field,
                format!("[{i}].name: the same name as an earlier limit"),
            ));
        }
    }
    Ok(())
}

/// Which counters a limit is kept against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitScope {
    /// One token (its own limits, or its organization's default).
    Token(Uuid),
    /// Every token of one API user together.
    ApiUser(Uuid),
}

/// A limit and the counters it is kept against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedLimit {
    pub scope: LimitScope,
    pub limit: RateLimit,
}

/// Everything that limits one token's verifications, read with the rest of its path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectLimits {
    /// The token's limits (its organization's default when it has none), then its API user's.
    pub ratelimits: Vec<ScopedLimit>,
    /// The balances a verification spends from: the token's, then its API user's.
    pub credits: Vec<Uuid>,
}

impl SubjectLimits {
    /// The limits of a token's path: `token` (or `org_default` when empty) per token, `api_user`
    /// shared by the API user's tokens.
    pub fn of(
        token_id: Uuid,
        api_user_id: Uuid,
        token: &[RateLimit],
        api_user: &[RateLimit],
        org_default: &[RateLimit],
        credits: impl IntoIterator<Item = Uuid>,
    ) -> Self {
        let own = if token.is_empty() { org_default } else { token };
        let ratelimits = own
            .iter()
            .map(|l| ScopedLimit {
                scope: LimitScope::Token(token_id),
                limit: l.clone(),
            })
            .chain(api_user.iter().map(|l| ScopedLimit {
                scope: LimitScope::ApiUser(api_user_id),
                limit: l.clone(),
            }))
            .collect();
        Self {
            ratelimits,
            credits: credits.into_iter().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ratelimits.is_empty() && self.credits.is_empty()
    }
}

/// A refill schedule as it is written and stored: `interval` is `"daily"`, `"monthly"` (on
/// `day`, default 1) or `"<n>ms"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefillSpec {
    pub interval: String,
    pub amount: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
}

impl RefillSpec {
    /// The schedule, or the field at fault and why.
    pub fn parse(&self) -> Result<Refill, (&'static str, String)> {
        let interval = RefillInterval::parse(&self.interval, self.day)?;
        if self.amount == 0 || self.amount > MAX_CREDITS {
            return Err(("amount", format!("between 1 and {MAX_CREDITS}")));
        }
        Ok(Refill {
            interval,
            amount: self.amount,
        })
    }

    /// The written form of a schedule.
    pub fn of(refill: &Refill) -> Self {
        let (interval, day) = match refill.interval {
            RefillInterval::Daily => ("daily".to_owned(), None),
            RefillInterval::Monthly { day } => ("monthly".to_owned(), Some(day)),
            RefillInterval::Every { ms } => (format!("{ms}ms"), None),
        };
        Self {
            interval,
            amount: refill.amount,
            day,
        }
    }
}

/// Credits as configured on a token or an API user: the balance to start from and how it
/// refills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditsConfig {
    pub remaining: u64,
    pub refill: Option<Refill>,
}

impl CreditsConfig {
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.remaining > MAX_CREDITS {
            return Err(("remaining", format!("at most {MAX_CREDITS}")));
        }
        Ok(())
    }
}

/// A balance of credits as stored: what is left in the database, what nodes hold leased, and
/// the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditBalance {
    pub id: Uuid,
    pub org_id: Uuid,
    /// Not yet handed to any node.
    pub remaining: u64,
    /// Handed to nodes and not yet reported spent or returned.
    pub leased: u64,
    pub refill: Option<Refill>,
    /// When the schedule started (`"<n>ms"` intervals count from here).
    pub refill_start: OffsetDateTime,
    pub last_refill: OffsetDateTime,
    /// Raised by every refill and every "set": leases of an earlier period are void.
    pub period: i64,
    /// The alerts' 100 %: the refill amount, or the balance as last set or topped up.
    pub alert_base: u64,
    /// 0: no alert since the last refill or top-up; 1: "low" sent; 2: "exhausted" sent.
    pub alert_stage: u8,
}

impl CreditBalance {
    /// What is left to spend, counting what nodes hold and have not reported spent.
    pub fn available(&self) -> u64 {
        self.remaining + self.leased
    }

    /// The next refill after the last one, if the balance refills.
    pub fn next_refill(&self) -> Option<OffsetDateTime> {
        self.refill
            .map(|r| r.next_after(self.refill_start, self.last_refill))
    }
}

impl CreditBalance {
    /// The alert a balance now calls for beyond those sent: 2 when it is empty, 1 when below
    /// `percent` of its base.
    pub fn alert_due(&self, percent: u8) -> Option<u8> {
        let left = self.available();
        let stage = if left == 0 {
            2
        } else if u128::from(left) * 100 < u128::from(self.alert_base) * u128::from(percent) {
            1
        } else {
            0
        };
        (stage > self.alert_stage).then_some(stage)
    }

    /// A new balance, as configured at `now`.
    pub fn new(id: Uuid, org_id: Uuid, config: &CreditsConfig, now: OffsetDateTime) -> Self {
        Self {
            id,
            org_id,
            remaining: config.remaining,
            leased: 0,
            refill: config.refill,
            refill_start: now,
            last_refill: now,
            period: 0,
            alert_base: config
                .refill
                .map_or(config.remaining, |r| r.amount.max(config.remaining)),
            alert_stage: 0,
        }
    }
}

/// The size of a lease: at least `min`, up to `want`, but no more than half of what is left
/// unless half is below `min`; none when fewer than `min` are left. Taking half at most leaves
/// other nodes something to take while a lease is out.
pub fn lease_size(remaining: u64, min: u64, want: u64) -> u64 {
    if remaining < min {
        return 0;
    }
    want.min(remaining / 2).max(min)
}

/// What an administrator does to a balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditAdjustment {
    /// Adds to what is left.
    Add(u64),
    /// Makes what is left exactly this; leases held by nodes are void.
    Set(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(name: &str) -> RateLimit {
        RateLimit {
            name: name.into(),
            limit: 10,
            duration_ms: 60_000,
        }
    }

    #[test]
    fn lists_are_checked_whole() {
        let check = |l: &[RateLimit]| validate_rate_limits(l, "ratelimits");
        assert!(check(&[limit("a"), limit("b")]).is_ok());
        let e = check(&[limit("a"), limit("a")]).unwrap_err();
        assert!(e.message.starts_with("[1].name:"), "{}", e.message);
        let bad = RateLimit {
            duration_ms: 0,
            ..limit("c")
        };
        let e = check(&[limit("a"), bad]).unwrap_err();
        assert!(e.message.starts_with("[1].duration_ms:"), "{}", e.message);
        let pasted =
            crate::token::generate(&crate::TokenPrefix::default(), crate::Environment::Live).unwrap();
        let e = check(&[limit(pasted.expose())]).unwrap_err();
        assert!(
            e.message.starts_with("[0].name: must not contain an API token"),
            "{}",
            e.message
        );
        assert!(!e.message.contains(pasted.expose()));
        let many: Vec<_> = (0..9).map(|i| limit(&format!("l{i}"))).collect();
        assert_eq!(check(&many).unwrap_err().field, "ratelimits");
    }

    #[test]
    fn the_organization_default_applies_only_to_tokens_without_limits() {
        let (t, u) = (Uuid::now_v7(), Uuid::now_v7());
        let with_own = SubjectLimits::of(t, u, &[limit("own")], &[], &[limit("default")], None);
        assert_eq!(with_own.ratelimits.len(), 1);
        assert_eq!(with_own.ratelimits[0].limit.name, "own");
        let without = SubjectLimits::of(t, u, &[], &[limit("shared")], &[limit("default")], None);
        assert_eq!(
            without
                .ratelimits
                .iter()
                .map(|l| (l.scope, l.limit.name.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (LimitScope::Token(t), "default"),
                (LimitScope::ApiUser(u), "shared")
            ]
        );
        assert!(SubjectLimits::of(t, u, &[], &[], &[], None).is_empty());
    }

    #[test]
    fn leases_take_at_most_half_but_never_less_than_asked() {
        assert_eq!(lease_size(100, 1, 10), 10);
        assert_eq!(lease_size(100, 1, 1000), 50);
        assert_eq!(lease_size(3, 2, 10), 2);
        assert_eq!(lease_size(1, 1, 10), 1);
        assert_eq!(lease_size(1, 2, 10), 0);
        assert_eq!(lease_size(0, 0, 10), 0);
    }

    #[test]
    fn alerts_come_once_per_crossing() {
        let config = CreditsConfig {
            remaining: 100,
            refill: None,
        };
        let mut b = CreditBalance::new(
            Uuid::nil(),
            Uuid::nil(),
            &config,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(b.alert_due(10), None);
        b.remaining = 9;
        assert_eq!(b.alert_due(10), Some(1));
        b.alert_stage = 1;
        assert_eq!(b.alert_due(10), None);
        b.remaining = 0;
        assert_eq!(b.alert_due(10), Some(2));
        b.alert_stage = 2;
        assert_eq!(b.alert_due(10), None);
    }

    #[test]
    fn refill_specs_round_trip() {
        for (interval, day) in [("daily", None), ("monthly", Some(31)), ("3600000ms", None)] {
            let spec = RefillSpec {
                interval: interval.into(),
                amount: 5,
                day,
            };
            assert_eq!(RefillSpec::of(&spec.parse().unwrap()), spec);
        }
        let zero = RefillSpec {
            interval: "daily".into(),
            amount: 0,
            day: None,
        };
        assert_eq!(zero.parse().unwrap_err().0, "amount");
        let unknown = RefillSpec {
            interval: "weekly".into(),
            amount: 1,
            day: None,
        };
        assert_eq!(unknown.parse().unwrap_err().0, "interval");
    }
}
